"""nbgrader's exchange with real Unix users: an instructor releases, collects, grades and returns
feedback with ``course``; two students fetch, submit and fetch feedback with nbgrader's own
commands. Each step runs as its user (``runuser``), in a fresh exchange folder made as nbgrader's
documentation says with the sticky bit (mode 1777), with the instructor's course in the
instructor's home.
"""

from __future__ import annotations

import os
import pwd
import shutil
import time

import pytest
from bs4 import BeautifulSoup

from tests.support import COURSE_ID, course
from tests.tiny_course import ASSIGNMENT, make_course
from tests.unix_class import (
    ALICE,
    ANSWERS,
    BOB,
    INSTRUCTOR,
    ROOT,
    STUDENTS,
    Classroom,
    as_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.kernel]


@pytest.fixture(scope="module")
def classroom():
    room = Classroom()
    yield room
    room.remove()


@pytest.fixture
def fresh_room():
    room = Classroom()
    yield room
    room.remove()


#: Run as a student: make a submission folder in the inbound folder by hand, as
#: ``python forge.py INBOUND OWNER_NAMED TIME KIND [TARGET]``; the notebook ``tiny.ipynb`` in it
#: is a copy of TARGET (``copy``), a symbolic or hard link to it, or a FIFO. TIME ``now`` is a
#: minute ahead (within the allowed clock skew), so that it beats every real submission.
FORGE = """
import os, shutil, sys
from datetime import UTC, datetime, timedelta
inbound, student, when, kind, *target = sys.argv[1:]
if when == "now":
    when = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
folder = os.path.join(inbound, f"{student}+tiny+{when}+{kind}-by-{os.environ['USER']}")
os.mkdir(folder)
notebook = os.path.join(folder, "tiny.ipynb")
{"copy": shutil.copyfile, "symlink": os.symlink, "hardlink": os.link}.get(
    kind, lambda *_: os.mkfifo(notebook))(*target, notebook)
with open(os.path.join(folder, "timestamp.txt"), "w") as out:
    out.write(when)
os.chmod(folder, 0o777)
"""


def test_the_whole_loop_with_an_instructor_and_two_students(classroom):
    room = classroom
    done = room.course_cmd("release", ASSIGNMENT, "--exchange")
    outbound = room.exchange / COURSE_ID / "outbound" / ASSIGNMENT
    assert str(outbound) in done.stdout
    assert (outbound / "tiny.ipynb").is_file()
    assert pwd.getpwuid(outbound.stat().st_uid).pw_name == INSTRUCTOR

    for student in STUDENTS:
        room.nbgrader(student, "fetch_assignment", ASSIGNMENT)
        notebook = room.work[student] / ASSIGNMENT / "tiny.ipynb"
        assert "BEGIN SOLUTION" not in notebook.read_text()
        room.answer(student, notebook)
        room.nbgrader(student, "submit", ASSIGNMENT)

    # A student cannot see another's submission: the inbound folder cannot be listed.
    inbound = room.exchange / COURSE_ID / "inbound"
    peek = room.python(BOB, "-c", f"import os; os.listdir({str(inbound)!r})", cwd=room.work[BOB],
                       check=False)  # fmt: skip
    assert peek.returncode != 0 and "PermissionError" in peek.stderr
    assert len(list(inbound.iterdir())) == 2  # root sees both

    done = room.course_cmd("collect", ASSIGNMENT)
    assert f"{ALICE}, {BOB}" in done.stdout
    for student in STUDENTS:
        submitted = room.course / "submitted" / student / ASSIGNMENT
        assert {p.name for p in submitted.iterdir()} >= {"tiny.ipynb", "timestamp.txt"}
        assert ANSWERS[student]["square"] in (submitted / "tiny.ipynb").read_text()
    again = room.course_cmd("collect", ASSIGNMENT)
    assert "collected 0 new or newer submissions" in again.stdout

    grade = room.course_cmd("grade", ASSIGNMENT)
    assert "graded 2 submissions" in grade.stdout
    scores = room.scores()
    # tiny: square is worth 2 points, halve 1 (tests/tiny_course.py); Bob's square is wrong.
    assert scores[ALICE] == (3.0, 3.0), grade.stdout + grade.stderr
    assert scores[BOB] == (1.0, 3.0)

    done = room.course_cmd("feedback", ASSIGNMENT, "--release")
    assert f"for 2 students: {ALICE}, {BOB}" in done.stdout
    feedback_out = room.exchange / COURSE_ID / "feedback"
    assert len(list(feedback_out.glob("*.html"))) == 2
    peek = room.python(BOB, "-c", f"import os; os.listdir({str(feedback_out)!r})",
                       cwd=room.work[BOB], check=False)  # fmt: skip
    assert peek.returncode != 0 and "PermissionError" in peek.stderr

    pages = {}
    for student in STUDENTS:
        room.nbgrader(student, "fetch_feedback", ASSIGNMENT)
        found = list((room.work[student] / ASSIGNMENT / "feedback").glob("*/tiny.html"))
        assert len(found) == 1, found
        pages[student] = BeautifulSoup(found[0].read_text(), "html.parser").get_text()
    for student, other in ((ALICE, BOB), (BOB, ALICE)):
        assert ANSWERS[student]["square"] in pages[student]
        assert ANSWERS[other]["square"] not in pages[student]
    assert "Score: 3 of 3 points" in pages[ALICE]
    assert "Score: 1 of 3 points" in pages[BOB]

    # Neither student can read the other's home, where nbgrader keeps their copies and secret.
    peek = room.python(BOB, "-c", f"import os; os.listdir({str(room.work[ALICE])!r})",
                       cwd=room.work[BOB], check=False)  # fmt: skip
    assert peek.returncode != 0 and "PermissionError" in peek.stderr


def test_exchange_problems_are_one_line(classroom):
    room = classroom
    closed = room.base / "closed"
    closed.mkdir(mode=0o755, exist_ok=True)  # root's, not writable by the instructor
    cases = [
        (closed, f"the exchange folder {closed} (mode 0755) is not writable for {INSTRUCTOR}"),
        (closed / "missing", f"{closed / 'missing'} does not exist and {INSTRUCTOR} cannot create"),
    ]
    for exchange, says in cases:
        done = room.course_cmd("release", ASSIGNMENT, "--exchange", exchange=exchange, check=False)
        assert done.returncode == 2, done
        assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
        assert "chmod 1777" in done.stderr or "mkdir -p" in done.stderr
    done = room.course_cmd("collect", ASSIGNMENT, exchange=closed / "missing", check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "does not exist" in done.stderr


def test_collect_before_any_release_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    (tmp_path / "exchange").mkdir()
    (tmp_path / "exchange").chmod(0o1777)
    folder = make_course(tmp_path / "course")
    shutil.copyfile(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    done = course("collect", ASSIGNMENT, cwd=folder)
    assert done.returncode == 2
    assert done.stderr == (
        f"course: cannot collect '{ASSIGNMENT}': Course not found: "
        f"{tmp_path / 'exchange' / COURSE_ID / 'inbound'}\n"
    )


def test_the_formgrader_sees_a_working_exchange(tmp_path, monkeypatch):
    """nbgrader's formgrader shows its 'exchange directory does not exist' banner when its
    NbGraderAPI finds ``exchange_missing``; with the course's settings and the folder there,
    it does not."""
    from nbgrader.apps.api import NbGraderAPI

    from instructor_tools.exchange import course_settings

    root = tmp_path / "course"
    root.mkdir()
    shutil.copyfile(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    missing = NbGraderAPI(config=course_settings(root))
    assert missing.exchange_missing and not missing.exchange_is_functional
    (tmp_path / "exchange").mkdir(mode=0o777)
    (tmp_path / "exchange").chmod(0o777)
    api = NbGraderAPI(config=course_settings(root))
    assert api.exchange_root == str(tmp_path / "exchange")
    assert api.course_id == COURSE_ID
    assert not api.exchange_missing and api.exchange_is_functional


def test_collect_takes_only_what_each_student_made(fresh_room):
    """Issue 18 (2, 3): submission folders forged in the inbound folder by real students (in
    another's name, in the future, back-dated, a notebook that is a link to the instructor's
    source or a FIFO) are refused with one line each, by ``course collect`` and by plain
    ``nbgrader collect``; each student's real submission is collected and graded."""
    room = fresh_room
    room.course_cmd("release", ASSIGNMENT, "--exchange")
    inbound = room.exchange / COURSE_ID / "inbound"
    for student in STUDENTS:
        room.nbgrader(student, "fetch_assignment", ASSIGNMENT)
        room.answer(student, room.work[student] / ASSIGNMENT / "tiny.ipynb")
        room.nbgrader(student, "submit", ASSIGNMENT)
    forge = room.base / "forge.py"
    forge.write_text(FORGE)
    blank = room.base / "blank.ipynb"  # what bob hands in under alice's name: the release
    shutil.copyfile(room.course / "release" / ASSIGNMENT / "tiny.ipynb", blank)
    shared = room.base / "shared.ipynb"  # a file of the instructor's that bob may link to
    shutil.copyfile(room.course / "source" / ASSIGNMENT / "tiny.ipynb", shared)
    shared.chmod(0o666)
    os.chown(shared, pwd.getpwnam(INSTRUCTOR).pw_uid, -1)
    source = room.course / "source" / ASSIGNMENT / "tiny.ipynb"  # unreadable to students
    own = room.work[BOB] / ASSIGNMENT / "tiny.ipynb"
    future, past = "2099-01-01 00:00:00.000000 UTC", "2000-01-01 00:00:00.000000 UTC"
    forged = {
        (BOB, ALICE, future, "copy", blank): "belongs to exch-bob, not to the student it names",
        (ALICE, ALICE, future, "copy", blank): "is in the future",
        (ALICE, ALICE, past, "copy", blank): "is before the release",
        (BOB, BOB, "now", "symlink", source): "tiny.ipynb is a symbolic link",
        (BOB, BOB, "now", "hardlink", shared): "tiny.ipynb belongs to exch-teacher",
        (BOB, BOB, "now", "hardlink", own): "tiny.ipynb is a hard link (2 names)",
        (BOB, BOB, "now", "fifo"): "tiny.ipynb is not a regular file",
    }
    for user, named, when, *how in forged:
        room.python(user, str(forge), str(inbound), named, when, *map(str, how), cwd=room.base)
    # Releasing again keeps the first release's time, which collect goes by.
    outbound = room.exchange / COURSE_ID / "outbound" / ASSIGNMENT
    first = outbound.stat().st_mtime
    room.course_cmd("release", ASSIGNMENT, "--exchange")
    assert outbound.stat().st_mtime == first

    # Plain nbgrader, in the course directory, takes the course's collector.
    env = {"COURSE_EXCHANGE": str(room.exchange)}
    plain = as_user(INSTRUCTOR, ["nbgrader", "collect", ASSIGNMENT], room.course, env=env)
    assert plain.stderr.count("refused ") == len(forged), plain.stderr
    done = room.course_cmd("collect", ASSIGNMENT)
    refused = [line for line in done.stdout.splitlines() if line.startswith("refused ")]
    assert len(refused) == len(forged), done.stdout
    for (_, named, _, kind, *_), reason in forged.items():
        assert sum(named in line and kind in line and reason in line for line in refused) == 1, (
            reason, refused)  # fmt: skip
    for student in STUDENTS:
        notebook = room.course / "submitted" / student / ASSIGNMENT / "tiny.ipynb"
        assert ANSWERS[student]["square"] in notebook.read_text()
        assert "BEGIN SOLUTION" not in notebook.read_text()
    room.course_cmd("grade", ASSIGNMENT)
    assert room.scores() == {ALICE: (3.0, 3.0), BOB: (1.0, 3.0)}

    # A time earlier than the folder's own files (back-dated within the assignment's time)
    # is refused too: released an hour ago, a submission written now claims half an hour ago.
    os.utime(outbound, (time.time() - 3600,) * 2)
    when = time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime(time.time() - 1800))
    room.python(ALICE, str(forge), str(inbound), ALICE, when, "copy", str(blank), cwd=room.base)
    done = room.course_cmd("collect", ASSIGNMENT)
    assert f"refused {ALICE}+{ASSIGNMENT}+{when}+copy-by-{ALICE}: its time" in done.stdout
    assert "is earlier than its files" in done.stdout
    assert "collected 0 new or newer submissions" in done.stdout


def test_a_student_cannot_take_the_course_folder_in_the_exchange(fresh_room):
    """Red team: the exchange root is writable by every user. Without the sticky bit a student
    renamed the course's folder away and put their own in its place (their release served to
    the class, every submission in their inbound); a student who makes the folder before the
    first release does the same. Now the root must have the sticky bit (one line otherwise),
    and course release and collect refuse a course folder that is not the instructor's."""
    room = fresh_room
    course = room.exchange / COURSE_ID
    squat = f"mkdir -p {course}/outbound {course}/inbound && chmod -R 0777 {course}"
    as_user(BOB, ["sh", "-c", squat], room.base)
    for step in (("release", ASSIGNMENT, "--exchange"), ("collect", ASSIGNMENT)):
        done = room.course_cmd(*step, check=False)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert f"{course} is owned by {BOB}, not {INSTRUCTOR}'s" in done.stderr
    shutil.rmtree(course)

    room.course_cmd("release", ASSIGNMENT, "--exchange")
    taken = as_user(BOB, ["mv", str(course), str(room.exchange / "old")], room.base, check=False)
    assert taken.returncode != 0 and "Operation not permitted" in taken.stderr
    assert (course / "outbound" / ASSIGNMENT).is_dir()

    room.exchange.chmod(0o777)
    done = room.course_cmd("release", ASSIGNMENT, "--exchange", check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "lets any user rename a course's folder" in done.stderr
    assert f"chmod 1777 {room.exchange}" in done.stderr
