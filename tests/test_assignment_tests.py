"""Each assignment's tests judge behaviour: solutions pass, blanks fail, every known mistake
costs points in its own function only, and correct answers in other styles pass.

Run in-process (tests/notebook_runner.py) over the whole submission bank; the end-to-end tests
grade a selection of the same submissions through real nbgrader.
"""

from __future__ import annotations

import importlib

import nbformat
import pytest

from course_kit.cells import answer_sources
from grader.config import ASSIGNMENTS, REPOSITORY
from instructor_tools import assignments
from instructor_tools.gradetable import function_of
from instructor_tools.sample_class import blank_answer, with_answers
from tests.notebook_runner import failed, run_tests


def source(assignment: str):
    return nbformat.read(assignments.source_path(assignment, REPOSITORY), 4)


def bank(assignment: str):
    return importlib.import_module(f"samples.{assignment}")


def cases(kind: str):
    return [
        pytest.param(a, name, id=f"{a}-{name}")
        for a in ASSIGNMENTS
        for name in getattr(bank(a), kind)
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_passes_every_test_cell(assignment):
    verdicts = run_tests(source(assignment))
    assert verdicts, "the notebook has no test cells"
    assert not failed(verdicts), {k: v.message for k, v in verdicts.items() if not v.passed}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_carries_visible_and_hidden_points(assignment):
    nb = source(assignment)
    functions = list(answer_sources(nb))
    visible, hidden = {f: 0 for f in functions}, {f: 0 for f in functions}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and meta.get("points", 0) > 0:
            owner = function_of(meta["grade_id"], functions)
            assert owner in functions or owner == "written", meta["grade_id"]
            if owner in functions:
                target = hidden if "BEGIN HIDDEN TESTS" in cell.source else visible
                target[owner] += 1
    assert all(visible.values()), f"functions without a visible test: {visible}"
    assert all(hidden.values()), f"functions without a hidden test: {hidden}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_blank_release_fails_every_test_of_every_function(assignment):
    nb = source(assignment)
    blank = with_answers(nb, {k: blank_answer(v) for k, v in answer_sources(nb).items()})
    verdicts = run_tests(blank)
    assert failed(verdicts) == set(verdicts), sorted(set(verdicts) - failed(verdicts))


@pytest.mark.parametrize(("assignment", "style"), cases("CORRECT"))
def test_a_correct_answer_in_another_style_gets_full_marks(assignment, style):
    verdicts = run_tests(with_answers(source(assignment), bank(assignment).CORRECT[style]))
    assert not failed(verdicts), {k: v.message for k, v in verdicts.items() if not v.passed}


@pytest.mark.parametrize(("assignment", "mistake"), cases("MISTAKES"))
def test_a_common_mistake_costs_points_of_its_own_function_only(assignment, mistake):
    answers = bank(assignment).MISTAKES[mistake]
    nb = source(assignment)
    functions = list(answer_sources(nb))
    lost = failed(run_tests(with_answers(nb, answers)))
    assert lost, f"mistake '{mistake}' passed every test"
    owners = {function_of(grade_id, functions) for grade_id in lost}
    assert owners <= set(answers), (
        f"mistake '{mistake}' also failed tests of {owners - set(answers)}"
    )
