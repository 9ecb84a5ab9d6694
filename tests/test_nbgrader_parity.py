"""`course grade` records what plain `nbgrader autograde` records, from the same nbgrader_config.py.

Two copies of one course with a due date and nbgrader's "zero" late-penalty method: one graded
by `nbgrader autograde` from the course directory, one by `course grade --workers 2`. The
gradebooks must agree on every cell's score, every notebook's late penalty and flag, and every
submission's timestamp and total.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.classroom import grade_class
from grader.config import gradebook_url
from grader.gradebook import open_gradebook
from instructor_tools.sample_class import solved
from tests import nbgrader_example
from tests.support import nbgrader, read_gradebook, submit
from tests.tiny_course import ASSIGNMENT, SETTINGS, class_notebooks, make_course

pytestmark = pytest.mark.e2e

CONFIG = """from pathlib import Path

from grader.config import configure

c = get_config()  # noqa: F821
configure(c, Path(__file__).resolve().parent)
c.Execute.timeout = {timeout}
{extra}
"""
DUE = "2026-03-01 12:00:00"
ON_TIME, LATE = "2026-03-01 11:00:00", "2026-03-02 09:30:00"


def course_copy(root: Path, penalty: str) -> Path:
    extra = f'c.LateSubmissionPlugin.penalty_method = "{penalty}"' if penalty else ""
    root.mkdir()
    (root / "nbgrader_config.py").write_text(CONFIG.format(timeout=SETTINGS.cell_timeout,
                                                           extra=extra))
    make_course(root)
    with open_gradebook(gradebook_url(root)) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    notebooks = class_notebooks(root, 6)
    submit(root, notebooks, ASSIGNMENT)
    for i, student in enumerate(sorted(notebooks)):
        (root / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(
            LATE if i % 2 else ON_TIME)
    return root


@pytest.mark.parametrize("penalty", ["", "zero"])
def test_course_grade_and_nbgrader_autograde_record_the_same(tmp_path, penalty):
    by_nbgrader = course_copy(tmp_path / "nbgrader", penalty)
    by_course = tmp_path / "course"
    shutil.copytree(by_nbgrader, by_course)
    # nbgrader reports the student whose file is not JSON and grades the others
    nbgrader(by_nbgrader, "autograde", ASSIGNMENT, "--create")
    grade_class(ASSIGNMENT, by_course, workers=2, settings=SETTINGS)
    theirs, ours = read_gradebook(by_nbgrader, ASSIGNMENT), read_gradebook(by_course, ASSIGNMENT)
    # nbgrader stops on the file that is not JSON and on the missing one (course grade gives them
    # 0 with the reason): the others are compared
    graded = {s for s in theirs
              if (by_nbgrader / "autograded" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()}
    assert len(graded) >= 4
    for student in graded:
        assert ours[student] == theirs[student], student
    late = [s for s in graded if theirs[s]["timestamp"] == LATE]
    assert late
    penalties = {theirs[s]["notebooks"][ASSIGNMENT]["penalty"] for s in late}
    if penalty == "zero":  # the penalty takes the whole raw score
        assert all(theirs[s]["notebooks"][ASSIGNMENT]["penalty"] == theirs[s]["score"]
                   for s in late)
        assert max(penalties) > 0
    else:
        assert penalties == {None}


def test_course_grade_keeps_what_nbgrader_graded_and_what_a_person_graded(tmp_path):
    root = course_copy(tmp_path / "course", "")
    nbgrader(root, "autograde", ASSIGNMENT, "--create")
    graded = sorted(p.parent.parent.name for p in root.glob(f"autograded/*/{ASSIGNMENT}/*.ipynb"))
    results, skipped = grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS)
    assert set(graded) <= set(skipped)  # nbgrader's grades stand
    assert not {r.student for r in results} & set(graded)

    student = graded[0]
    with open_gradebook(gradebook_url(root)) as gb:  # a person grades a cell
        grade = gb.find_grade("test_square", ASSIGNMENT, ASSIGNMENT, student)
        grade.manual_score = 1.5
        grade.needs_manual_grade = False
        gb.db.commit()
    results, _ = grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS, students=[student])
    assert [r.student for r in results] == [student]
    with open_gradebook(gradebook_url(root)) as gb:
        grade = gb.find_grade("test_square", ASSIGNMENT, ASSIGNMENT, student)
        assert (grade.manual_score, grade.score, grade.needs_manual_grade) == (1.5, 1.5, False)


def test_nbgraders_own_example_grades_the_same_under_course_grade(tmp_path):
    """nbgrader's documentation course: two notebooks and an image per submission."""
    import nbformat

    from grader.config import REPOSITORY
    from instructor_tools import assignments

    by_nbgrader = tmp_path / "nbgrader"
    by_nbgrader.mkdir()
    nbgrader_example.write_source(by_nbgrader)
    shutil.copyfile(REPOSITORY / "nbgrader_config.py", by_nbgrader / "nbgrader_config.py")
    assignments.generate(nbgrader_example.ASSIGNMENT, by_nbgrader)
    release = by_nbgrader / "release" / nbgrader_example.ASSIGNMENT
    for student, complete in (("ada", True), ("bob", False)):
        folder = by_nbgrader / "submitted" / student / nbgrader_example.ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copyfile(release / "jupyter.png", folder / "jupyter.png")
        for name in ("problem1", "problem2"):
            nb = nbformat.read(release / f"{name}.ipynb", 4)
            if complete:
                nb = solved(nb, nbformat.read(by_nbgrader / "source" / nbgrader_example.ASSIGNMENT
                                              / f"{name}.ipynb", 4))
            nbformat.write(nb, folder / f"{name}.ipynb")
    by_course = tmp_path / "course"
    shutil.copytree(by_nbgrader, by_course)
    nbgrader(by_nbgrader, "autograde", nbgrader_example.ASSIGNMENT, "--create")
    results, _ = grade_class(nbgrader_example.ASSIGNMENT, by_course, workers=2)
    assert {r.student: sorted(r.autograded) for r in results} == {
        "ada": ["problem1", "problem2"], "bob": ["problem1", "problem2"]}
    theirs = read_gradebook(by_nbgrader, nbgrader_example.ASSIGNMENT)
    ours = read_gradebook(by_course, nbgrader_example.ASSIGNMENT)
    assert ours == theirs
    cells = theirs["ada"]["notebooks"]["problem1"]["cells"]
    assert cells["correct_squares"] == (1.0, False)  # the solution earns the autograded points
    assert theirs["bob"]["notebooks"]["problem1"]["cells"]["correct_squares"] == (0.0, False)
