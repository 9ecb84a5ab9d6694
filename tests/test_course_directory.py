"""A new instructor's course directory, outside this checkout, with their own nbgrader_config.py:
every ``course`` command reads it as plain nbgrader does (issue 19) — custom solution delimiters
and code stub, a late-penalty plugin in a module beside it, its time limit, its course id.

Each parity test builds one course, copies it, and lets ``course`` work on one copy and plain
``nbgrader`` on the other.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from grader.config import gradebook_url
from grader.gradebook import open_gradebook
from instructor_tools import assignments
from instructor_tools.export import read_scores
from instructor_tools.gradetable import class_grades
from instructor_tools.sample_class import solved, with_answers
from tests.support import course, nbgrader, read_gradebook, submit
from tests.tiny_course import ASSIGNMENT, source_notebook

pytestmark = pytest.mark.e2e

COURSE_ID = "ml-101"
DUE = "2026-03-01 12:00:00"
ON_TIME, LATE = "2026-03-01 11:00:00", "2026-03-02 09:30:00"

DELIMITERS = """
c.ClearSolutions.begin_solution_delimeter = "STUDENT CODE BEGINS"
c.ClearSolutions.end_solution_delimeter = "STUDENT CODE ENDS"
c.ClearSolutions.code_stub = {"python": "# your answer here\\nraise NotImplementedError('todo')"}
"""
LATE_HALF = '''"""Half the score off a late notebook."""

from nbgrader.plugins import LateSubmissionPlugin


class SubtractHalf(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return score / 2 if total_seconds_late > 0 else None
'''


def new_course(folder: Path, settings: str = "", notebook=None) -> Path:
    """``course init`` a course at ``folder``, add ``settings`` to its nbgrader_config.py and
    ``tiny`` (or ``notebook``) to its source/."""
    ran = course("init", str(folder), "--course-id", COURSE_ID, cwd=folder.parent)
    assert ran.returncode == 0, ran.stderr
    with (folder / "nbgrader_config.py").open("a") as config:
        config.write(settings)
    (folder / "source" / ASSIGNMENT).mkdir()
    nbformat.write(notebook or source_notebook(), assignments.source_path(ASSIGNMENT, folder))
    return folder


def released(root: Path) -> nbformat.NotebookNode:
    return nbformat.read(assignments.release_path(ASSIGNMENT, root), as_version=4)


def test_course_release_is_nbgrader_generate_assignment_with_custom_delimiters(tmp_path):
    nb = source_notebook()
    for cell in nb.cells:
        cell.source = cell.source.replace("BEGIN SOLUTION", "STUDENT CODE BEGINS").replace(
            "END SOLUTION", "STUDENT CODE ENDS")
    by_course = new_course(tmp_path / "course", DELIMITERS, nb)
    by_nbgrader = tmp_path / "nbgrader"
    shutil.copytree(by_course, by_nbgrader)

    ran = course("release", cwd=by_course)
    assert ran.returncode == 0, ran.stderr
    plain = nbgrader(by_nbgrader, "generate_assignment", ASSIGNMENT)
    assert plain.returncode == 0, plain.stderr
    ours = assignments.release_path(ASSIGNMENT, by_course).read_bytes()
    assert ours == assignments.release_path(ASSIGNMENT, by_nbgrader).read_bytes()
    answer = released(by_course).cells[1].source
    assert answer.startswith('def square(x):\n    """See the instructions above."""\n')
    assert "# your answer here\n    raise NotImplementedError('todo')" in answer
    assert "STUDENT CODE" not in answer and "x * x" not in answer


def class_of(root: Path) -> dict[str, str]:
    """Three submissions of ``tiny``: on time and correct, late and correct, late and wrong;
    returns each student's timestamp."""
    full = solved(released(root), nbformat.read(assignments.source_path(ASSIGNMENT, root), 4))
    wrong = with_answers(full, {"square": "def square(x):\n    return 2 * x"})
    stamps = {"ada": ON_TIME, "bob": LATE, "cy": LATE}
    submit(root, {"ada": nbformat.writes(full).encode(), "bob": nbformat.writes(full).encode(),
                  "cy": nbformat.writes(wrong).encode()}, ASSIGNMENT)
    for student, stamp in stamps.items():
        (root / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(stamp)
    return stamps


@pytest.mark.parametrize("how", [["--workers", "2"], ["--scheduler", "local:1"]])
def test_a_late_penalty_plugin_beside_the_config_grades_as_under_nbgrader(tmp_path, how):
    settings = ('c.AssignLatePenalties.plugin_class = "late_half.SubtractHalf"\n'
                "c.Execute.timeout = 10\n")
    by_course = new_course(tmp_path / "course", settings)
    (by_course / "late_half.py").write_text(LATE_HALF)
    assert course("release", cwd=by_course).returncode == 0
    with open_gradebook(gradebook_url(by_course), COURSE_ID) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    class_of(by_course)
    by_nbgrader = tmp_path / "nbgrader"
    shutil.copytree(by_course, by_nbgrader)

    plain = nbgrader(by_nbgrader, "autograde", ASSIGNMENT, "--create")
    assert plain.returncode == 0, plain.stderr
    ran = course("grade", ASSIGNMENT, *how, cwd=by_course)
    assert ran.returncode == 0, ran.stderr
    theirs = read_gradebook(by_nbgrader, ASSIGNMENT)
    assert read_gradebook(by_course, ASSIGNMENT) == theirs
    penalties = {s: theirs[s]["notebooks"][ASSIGNMENT]["penalty"] for s in theirs}
    assert penalties == {"ada": None, "bob": 1.5, "cy": 0.5}  # half of 3 and of 1

    # The grade table, its CSV and the export all give the gradebook's score after the penalty.
    scores = read_scores(ASSIGNMENT, gradebook_url(by_course), COURSE_ID)
    exported = {s.student: s.score for s in scores.students}
    assert exported == {"ada": 3, "bob": 1.5, "cy": 0.5}
    _, rows = class_grades(ASSIGNMENT, by_course)
    assert {row.student: row.total for row in rows} == exported
    with (by_course / "reports" / f"{ASSIGNMENT}-grades.csv").open() as handle:
        table = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert table == exported
    assert "late penalty -1.5" in ran.stdout


def test_the_configs_cell_timeout_is_honoured(tmp_path):
    root = new_course(tmp_path / "course", "c.Execute.timeout = 2\n")
    assert course("release", cwd=root).returncode == 0
    full = solved(released(root), nbformat.read(assignments.source_path(ASSIGNMENT, root), 4))
    slow = with_answers(full, {"square": "def square(x):\n    import time\n    time.sleep(8)\n"
                                         "    return x * x"})
    submit(root, {"slow": nbformat.writes(slow).encode()}, ASSIGNMENT)
    ran = course("grade", ASSIGNMENT, cwd=root)  # no --timeout: the config's 2 s
    assert ran.returncode == 0, ran.stderr
    cells = read_gradebook(root, ASSIGNMENT)["slow"]["notebooks"][ASSIGNMENT]["cells"]
    assert cells == {"test_square": (0.0, False), "test_halve": (1.0, False)}


def test_a_course_from_init_to_the_canvas_export_with_nbgraders_student_ids(tmp_path):
    """``course init`` a folder, then new, roster, release, grade, feedback, report, export:
    student ids with a space and an accent go through as nbgrader takes them."""
    root = tmp_path / "Intro ML"
    ran = course("init", str(root), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert 'c.CourseDirectory.course_id = "Intro-ML"' in (root / "nbgrader_config.py").read_text()
    for args in (["new", "hw1"], ["release"]):
        ran = course(*args, cwd=root)
        assert ran.returncode == 0, ran.stderr
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first,last,email\nZoë Ann,Zoë,Ann,z@x\nada,Ada,L,a@x\n",
                      encoding="utf-8")
    assert course("roster", "import", str(roster), cwd=root).returncode == 0
    release = nbformat.read(assignments.release_path("hw1", root), 4)
    inbox = tmp_path / "inbox"
    for student, nb in {"Zoë Ann": solved(release, nbformat.read(
            assignments.source_path("hw1", root), 4)), "ada": release}.items():
        (inbox / student).mkdir(parents=True)
        nbformat.write(nb, inbox / student / "hw1.ipynb")

    ran = course("grade", "hw1", "--submissions", str(inbox), cwd=root)
    assert ran.returncode == 0, ran.stderr
    assert "Zoë Ann" in ran.stdout
    ran = course("feedback", "hw1", cwd=root)
    assert ran.returncode == 0, ran.stderr
    assert (root / "feedback" / "Zoë Ann" / "hw1" / "hw1.html").is_file()
    ran = course("report", "hw1", cwd=root)
    assert ran.returncode == 0, ran.stderr
    assert "Zoë Ann" in ran.stdout
    ran = course("export", "hw1", "--format", "canvas", cwd=root)
    assert ran.returncode == 0, ran.stderr
    with (root / "reports" / "hw1-canvas.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert sorted(rows[2:]) == [["Ann, Zoë", "", "Zoë Ann", "", "", "3"],
                                ["L, Ada", "", "ada", "", "", "0"]]
    with open_gradebook(gradebook_url(root), "Intro-ML") as gb:  # the course's id, no other
        assert gb.find_assignment("hw1").course_id == "Intro-ML"
        courses = {c.id for c in gb.db.query(type(gb.find_assignment("hw1").course))}
    assert "dl-week3" not in courses
