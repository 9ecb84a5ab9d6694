"""The course hub (``hub/jupyterhub_config.py``) with real Unix users, in headless Chromium.

The hub is laid out by ``hub/install`` exactly as ``hub/README.md`` says, from a copy of this
checkout, in a scratch prefix: the instructors' environment, the students' (the kit only), the
course directory and the clone closed to students. A student can read none of the course and
imports the kit. The hub runs as root on 127.0.0.1 with PAM: the test's users log in with the
Unix password set by ``chpasswd`` (the authenticator a course server uses, limited to the
course's two groups).
A student fetches the released assignment in nbgrader's Assignments tab, completes it and
submits it there; the instructor collects and grades it with ``course`` and finds the
formgrader without its exchange warning. The hub stops at the end, and with it every server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import COURSE_ID, ServerExited, free_port, start_server, stop_server
from tests.tiny_course import ASSIGNMENT
from tests.unix_class import (
    ALICE,
    INSTRUCTOR,
    INSTRUCTOR_GROUP,
    PASSWORD,
    ROOT,
    STUDENT_GROUP,
    VERSION,
    Classroom,
    as_user,
    python_view,
)

pytestmark = pytest.mark.browser

HUB = ROOT / "hub"
PROXY = HUB / "node_modules" / ".bin" / "configurable-http-proxy"


@pytest.fixture(scope="module")
def room():
    classroom = Classroom()
    classroom.course_cmd("release", ASSIGNMENT, "--exchange")
    yield classroom
    classroom.remove()


@pytest.fixture(scope="module")
def layout(room) -> tuple[Path, Path]:
    """(the clone, the prefix) after ``hub/install``, run on a copy of this checkout (what git
    tracks or would) with the proxy, for the room's course, instructors' group and exchange."""
    if not PROXY.exists():
        subprocess.run([str(HUB / "install-proxy")], check=True)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True, text=True)  # fmt: skip
    repo, prefix = room.base / "repo", room.base / "opt"
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(HUB / "node_modules", repo / "hub" / "node_modules", symlinks=True)
    env = {
        **os.environ,
        "COURSE_PREFIX": str(prefix),
        "COURSE_PYTHON": str(Path(sys.base_prefix) / "bin" / f"python{VERSION}"),
        "COURSE_INSTRUCTORS": INSTRUCTOR_GROUP,
        "COURSE_EXCHANGE": str(room.exchange),
        "COURSE_DIR": str(room.course),
        "COURSE_TEACHER": INSTRUCTOR,
    }
    done = subprocess.run([str(repo / "hub" / "install")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return repo, prefix


#: Run as a student with paths: say of each whether it could be read (listed or opened).
PROBE = """
import os, sys
for path in sys.argv[1:]:
    try:
        try:
            os.listdir(path)
        except NotADirectoryError:
            open(path, "rb").close()
        print("read", path)
    except PermissionError:
        print("denied", path)
"""


def test_a_student_reads_nothing_of_the_course_and_imports_the_kit(layout, room):
    """Issue 18 (4): the students' environment holds the kit, not the course package; the
    clone, the instructors' environment and the course directory are closed to students."""
    repo, prefix = layout
    site = prefix / "instructor" / "lib" / f"python{VERSION}" / "site-packages"
    closed = [repo, prefix / "instructor", room.course]
    assert (room.course / "gradebook.db").is_file() and (site / "course_lib" / "scale.py").is_file()
    for folder in closed:
        assert stat.S_IMODE(folder.stat().st_mode) & 0o007 == 0, folder
    secrets = [*closed, repo / "source", repo / "course_lib" / "scale.py", repo / "hub",
               site / "course_lib" / "scale.py", room.course / "source" / ASSIGNMENT / "tiny.ipynb",
               room.course / "gradebook.db"]  # fmt: skip
    student = prefix / "student" / "bin" / "python"
    probe = as_user(ALICE, [str(student), "-c", PROBE, *map(str, secrets)], cwd=room.work[ALICE])
    assert probe.stdout.split("\n")[:-1] == [f"denied {path}" for path in secrets]

    kit = "import course_kit.checks, course_kit.data, nbgrader; print(course_kit.data.__file__)"
    done = as_user(ALICE, [str(student), "-c", kit], cwd=room.work[ALICE])
    assert done.stdout.startswith(str(prefix / "student"))
    for module in ("course_lib.scale", "course_lib.fast", "grader.grading"):
        done = as_user(ALICE, [str(student), "-c", f"import {module}"], cwd=room.work[ALICE],
                       check=False)  # fmt: skip
        assert "ModuleNotFoundError" in done.stderr, (module, done.stderr)
    done = as_user(ALICE, [str(prefix / "instructor" / "bin" / "python"), "-c", "1"],
                   cwd=room.work[ALICE], check=False)  # fmt: skip
    assert done.returncode != 0


@pytest.fixture(scope="module")
def hub(room, layout):
    repo, prefix = layout
    command = [*python_view(ALICE), str(prefix / "instructor" / "bin" / "jupyterhub"),
               "-f", str(repo / "hub" / "jupyterhub_config.py")]  # fmt: skip
    for _attempt in range(5):
        # The hub takes the port and the next two; it cannot pick them itself, so a port that
        # another program took meanwhile means starting again on another.
        env = {
            **os.environ,
            "COURSE_HUB_PORT": str(free_port()),
            "COURSE_HUB_STATE": str(room.base / "hub"),
            "COURSE_EXCHANGE": str(room.exchange),
            "COURSE_DIR": str(room.course),
            "COURSE_STUDENTS": STUDENT_GROUP,
            "COURSE_INSTRUCTORS": INSTRUCTOR_GROUP,
        }
        try:
            process, base = start_server(command, env=env, cwd=room.base,
                                         log=room.base / "hub.log",
                                         ready=r"JupyterHub is now running at (http://[\d.:]+)/",
                                         probe="/hub/api")
            break
        except ServerExited as exited:
            if "address already in use" not in str(exited).lower():
                raise
    else:
        pytest.fail("the hub found no free ports in five tries")
    try:
        yield base
    finally:
        stop_server(process, timeout=60)  # the hub stops every user's server first
    deadline = time.monotonic() + 30
    while (left := servers_of([ALICE, INSTRUCTOR])) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"left running after the hub stopped: {left}"


def servers_of(users: list[str]) -> str:
    """The command lines of ``users``' processes (empty when they have none)."""
    found = subprocess.run(["pgrep", "-a", "-u", ",".join(users)], capture_output=True, text=True)
    return found.stdout.strip()


def log_in(browser, base: str, user: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**")
    page.wait_for_selector("#jp-main-dock-panel")
    return page


def test_a_student_fetches_and_submits_in_the_hub_and_the_instructor_grades(
    hub, layout, room, browser, screenshots
):
    page = log_in(browser, hub, ALICE)
    page.get_by_text("Nbgrader", exact=True).click()
    menu = page.locator(".lm-Menu-content").last
    assert menu.inner_text().split() == ["Assignment", "List"]  # no formgrader for students
    page.get_by_text("Assignment List", exact=True).click()
    released = page.locator("#released_assignments_list")
    released.get_by_text(ASSIGNMENT, exact=True).wait_for()
    assert COURSE_ID in released.inner_text()
    page.screenshot(path=screenshots / "hub-student-assignments-released.png")

    released.get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list")
    fetched.get_by_role("button", name="Submit").wait_for()
    notebook = room.homes[ALICE] / ASSIGNMENT / "tiny.ipynb"  # fetched into the home folder
    assert notebook.is_file() and notebook.stat().st_uid == pwd.getpwnam(ALICE).pw_uid

    assert f"{layout[1] / 'student' / 'bin'}/jupyterhub-singleuser" in servers_of([ALICE])
    room.answer(ALICE, notebook)
    fetched.get_by_role("button", name="Submit").click()
    submitted = page.locator("#submitted_assignments_list")
    submitted.get_by_text("UTC").first.wait_for()
    page.screenshot(path=screenshots / "hub-student-assignments-submitted.png")
    inbound = room.exchange / COURSE_ID / "inbound"
    assert [p.name.split("+")[:2] for p in inbound.iterdir()] == [[ALICE, ASSIGNMENT]]

    done = room.course_cmd("collect", ASSIGNMENT)
    assert f"collected 1 new or newer submissions of {ASSIGNMENT} into submitted/: {ALICE}" in (
        done.stdout
    )
    room.course_cmd("grade", ASSIGNMENT)
    assert room.scores()[ALICE] == (3.0, 3.0)  # both of Alice's answers are right

    teacher = log_in(browser, hub, INSTRUCTOR)
    teacher.goto(f"{hub}/user/{INSTRUCTOR}/formgrader")
    teacher.get_by_text(ASSIGNMENT, exact=True).first.wait_for()
    teacher.screenshot(path=screenshots / "hub-instructor-formgrader.png")
    assert teacher.locator("#warning-exchange").count() == 0
    assert teacher.locator("#warning-course-id").count() == 0
