"""A simulated class per assignment, graded through real nbgrader into a real SQLite gradebook.

The class: the instructor's solutions (full marks), a correct answer in another style (full
marks), the blank release (zero), and known mistakes (each loses points in its own function).
Then feedback pages and the grade export.
"""

from __future__ import annotations

import csv
import html
import importlib
import shutil

import nbformat
import pytest

from course_kit.cells import answer_sources
from grader.classroom import grade_class
from grader.config import ASSIGNMENTS, REPOSITORY
from instructor_tools import assignments
from instructor_tools.feedback import hidden_source_lines
from instructor_tools.feedback_pages import generate_feedback
from instructor_tools.gradetable import class_grades, write_csv
from instructor_tools.sample_class import solved, with_answers
from tests.support import nbgrader, submit

pytestmark = [pytest.mark.e2e, pytest.mark.kernel, pytest.mark.slow]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_class(request, tmp_path_factory):
    assignment = request.param
    root = tmp_path_factory.mktemp(f"course-{assignment}")
    shutil.copytree(REPOSITORY / "source" / assignment, root / "source" / assignment)
    release_nb = nbformat.read(assignments.release_path(assignment, REPOSITORY), 4)
    source_nb = nbformat.read(assignments.source_path(assignment, REPOSITORY), 4)
    bank = importlib.import_module(f"samples.{assignment}")
    full = solved(release_nb, source_nb)
    style, correct = next(iter(bank.CORRECT.items()))
    mistakes = dict(list(bank.MISTAKES.items())[:3])
    students = {"solution": full, "style": with_answers(full, correct), "blank": release_nb}
    students |= {
        f"mistake-{i}": with_answers(full, answers) for i, answers in enumerate(mistakes.values())
    }
    submit(root, {student: nbformat.writes(nb).encode() for student, nb in students.items()},
           assignment)
    results, skipped = grade_class(assignment, root, workers=2)
    columns, rows = class_grades(assignment, root)
    return assignment, root, {r.student: r for r in rows}, columns, mistakes, results


def autograded_points(row) -> tuple[float, float]:
    """Score and maximum over the autograded functions (written answers are graded by hand)."""
    pairs = [v for k, v in row.by_function.items() if k != "written"]
    return sum(s for s, _ in pairs), sum(t for _, t in pairs)


def test_the_solution_and_another_correct_style_get_full_marks(graded_class):
    _, _, rows, *_ = graded_class
    for student in ("solution", "style"):
        score, top = autograded_points(rows[student])
        assert top > 0 and score == top, (student, rows[student].by_function)


def test_the_blank_release_gets_zero(graded_class):
    _, _, rows, *_ = graded_class
    assert rows["blank"].total == 0, rows["blank"].by_function


def test_each_mistake_loses_points_in_its_own_function(graded_class):
    _, _, rows, _, mistakes, _ = graded_class
    for i, (name, answers) in enumerate(mistakes.items()):
        row = rows[f"mistake-{i}"]
        for function in answers:
            score, top = row.by_function[function]
            assert score < top, (name, function, row.by_function)
        others = {k: v for k, v in row.by_function.items() if k not in answers and k != "written"}
        assert all(s == t for s, t in others.values()), (name, others)


def test_every_grade_is_in_the_gradebook_exactly_once(graded_class):
    assignment, root, rows, _, mistakes, results = graded_class
    assert sorted(rows) == sorted(r.student for r in results)
    assert len(rows) == 3 + len(mistakes)


def test_feedback_pages_are_written_without_hidden_tests(graded_class):
    assignment, root, rows, *_ = graded_class
    pages = generate_feedback(assignment, root)
    assert {p.parts[-3] for p in pages} == set(rows)
    hidden = hidden_source_lines(
        nbformat.read(assignments.source_path(assignment, root), 4)
    )
    assert hidden
    for page in pages:
        text = html.unescape(page.read_text())
        assert "BEGIN HIDDEN TESTS" not in text
        assert not [line for line in hidden if line in text]
        assert "Hidden test" in text
        assert "kit/course_kit/checks.py" not in text  # a failed visible test: its line and message


def test_grades_export_with_nbgrader_and_as_csv(graded_class):
    assignment, root, rows, columns, *_ = graded_class
    (root / "nbgrader_config.py").write_text((REPOSITORY / "nbgrader_config.py").read_text())
    out = root / "nbgrader-grades.csv"
    done = nbgrader(root, "export", "--to", str(out))
    assert done.returncode == 0, done.stderr
    with out.open() as handle:
        exported = [r for r in csv.DictReader(handle) if r["assignment"] == assignment]
    assert {r["student_id"] for r in exported} == set(rows)
    by_student = {r["student_id"]: float(r["score"]) for r in exported}
    assert by_student == pytest.approx({s: r.total for s, r in rows.items()})
    ours = root / "grades.csv"
    write_csv(ours, columns, list(rows.values()))
    with ours.open() as handle:
        assert {r["student"] for r in csv.DictReader(handle)} == set(rows)


def test_answer_cells_are_graded_one_function_each(graded_class):
    assignment, *_ = graded_class
    source_nb = nbformat.read(assignments.source_path(assignment, REPOSITORY), 4)
    for grade_id, text in answer_sources(source_nb).items():
        assert f"def {grade_id}(" in text, f"answer cell {grade_id} must define {grade_id}"
