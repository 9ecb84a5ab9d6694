"""nbgrader's exchange with real Unix users: an instructor releases, collects, grades and returns
feedback with ``course``; two students fetch, submit and fetch feedback with nbgrader's own
commands. Each step runs as its user (``runuser``), in a fresh exchange folder made as nbgrader's
documentation says (mode 0777), with the instructor's course in the instructor's home.
"""

from __future__ import annotations

import pwd
import shutil

import pytest
from bs4 import BeautifulSoup

from tests.support import COURSE_ID, course
from tests.tiny_course import ASSIGNMENT, make_course
from tests.unix_class import ALICE, ANSWERS, BOB, INSTRUCTOR, ROOT, STUDENTS, Classroom

pytestmark = [pytest.mark.e2e, pytest.mark.kernel]


@pytest.fixture(scope="module")
def classroom():
    room = Classroom()
    yield room
    room.remove()


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
        assert "chmod 0777" in done.stderr or "mkdir -p" in done.stderr
    done = room.course_cmd("collect", ASSIGNMENT, exchange=closed / "missing", check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "does not exist" in done.stderr


def test_collect_before_any_release_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    (tmp_path / "exchange").mkdir(mode=0o777)
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
