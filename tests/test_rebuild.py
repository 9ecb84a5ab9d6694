"""Rebuilding a submission on the released notebook: every release cell exactly once, the
student's answers and added cells in place, tampering restored and flagged."""

from __future__ import annotations

import copy

import nbformat
import pytest

from course_kit.cells import answer_sources, is_test_cell, nbgrader_meta
from grader.config import ASSIGNMENTS, REPOSITORY
from grader.rebuild import rebuild
from instructor_tools import assignments
from instructor_tools.sample_class import solved


def release(assignment: str):
    return nbformat.read(assignments.release_path(assignment, REPOSITORY), 4)


def solved_submission(assignment: str):
    source = nbformat.read(assignments.source_path(assignment, REPOSITORY), 4)
    return solved(release(assignment), source)


def sources(nb) -> list[str]:
    return [c.source for c in nb.cells]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_untouched_submission_is_rebuilt_cell_for_cell(assignment):
    submission = solved_submission(assignment)
    rebuilt, flags = rebuild(submission, release(assignment))
    assert flags == []
    assert sources(rebuilt) == sources(submission)


def test_an_added_cell_stays_where_the_student_put_it():
    submission = solved_submission("softmax")
    index = next(
        i for i, c in enumerate(submission.cells) if nbgrader_meta(c).get("grade_id") == "one_hot"
    )
    submission.cells.insert(index + 1, nbformat.v4.new_code_cell("print('my own check')"))
    rebuilt, flags = rebuild(submission, release("softmax"))
    assert flags == []
    assert sources(rebuilt) == sources(submission)


def test_an_answer_without_metadata_is_found_once_by_its_def_line():
    submission = solved_submission("softmax")
    cell = next(c for c in submission.cells if nbgrader_meta(c).get("grade_id") == "predict")
    cell.metadata = {}
    rebuilt, flags = rebuild(submission, release("softmax"))
    assert sources(rebuilt) == sources(submission)
    assert flags == ["answer cell 'predict' lost its grading metadata; found it by its def line"]


def test_deleted_and_edited_test_cells_come_back_from_the_release():
    submission = solved_submission("softmax")
    tests = [c for c in submission.cells if is_test_cell(c)]
    tests[0].source = "pass"
    submission.cells.remove(tests[1])
    rebuilt, flags = rebuild(copy.deepcopy(submission), release("softmax"))
    assert sources(rebuilt) == sources(solved_submission("softmax"))
    assert flags == [
        f"cell '{nbgrader_meta(tests[0])['grade_id']}' was edited; restored from the release",
        f"cell '{nbgrader_meta(tests[1])['grade_id']}' was deleted; restored from the release",
    ]
    assert set(answer_sources(rebuilt)) == set(answer_sources(release("softmax")))
