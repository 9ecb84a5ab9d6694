"""`course check` says what grading will do: it runs the cells grading runs (a helper in a cell
the student added), its visible points equal what grading awards for the visible tests, it
lists the hidden tests' points and the written answers, and honest but unusual code keeps its
points at grading, where the check says so (findings 2, 3 and 4 of issue 21)."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from course_kit.cells import function_of, is_hidden_placeholder, is_test_cell, nbgrader_meta
from course_kit.check import BLANK_ANSWER, check_notebook, report
from grader.classroom import grade_class
from grader.config import REPOSITORY
from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers
from instructor_tools.visible_mistakes import assignment_table
from tests.support import read_gradebook, submit

pytestmark = [pytest.mark.e2e, pytest.mark.kernel, pytest.mark.slow]

HELPER = """import numpy as np


def stable_exp(Z):
    return np.exp(Z - Z.max(axis=0, keepdims=True))
"""
ANSWERS = {
    # a helper defined in a cell the student added (finding 4)
    "softmax": "def softmax(Z):\n    E = stable_exp(Z)\n"
               "    return E / E.sum(axis=0, keepdims=True)\n",
    # a debug print to stderr: flagged for a person, never disqualified (finding 3)
    "one_hot": """import sys

import numpy as np


def one_hot(labels, C):
    labels = np.asarray(labels)
    print("one_hot got", labels, file=sys.stderr)
    if labels.size and (np.any(labels % 1 != 0) or labels.min() < 0 or labels.max() >= C):
        raise ValueError("labels must be whole numbers in [0, C)")
    return np.eye(C)[:, labels.astype(int)]
""",
    # a classic mistake: the sum over the examples, not the mean
    "cross_entropy": "import numpy as np\n\n\ndef cross_entropy(A, Y):\n"
                     "    logs = np.log(A, where=Y > 0, out=np.zeros_like(A))\n"
                     "    return float(-np.sum(Y * logs))\n",
}


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    release = nbformat.read(assignments.release_path("softmax", REPOSITORY), 4)
    source = nbformat.read(assignments.source_path("softmax", REPOSITORY), 4)
    nb = with_answers(solved(release, source), ANSWERS)
    nb.cells.insert(2, new_code_cell(HELPER))
    for cell in nb.cells:
        if cell.cell_type == "markdown" and nbgrader_meta(cell).get("grade"):
            cell.source = BLANK_ANSWER
    folder = tmp_path_factory.mktemp("student")
    path = folder / "softmax.ipynb"
    nbformat.write(nb, path)
    return path, nb


@pytest.fixture(scope="module")
def checked(notebook):
    path, _ = notebook
    table = assignment_table(nbformat.read(assignments.release_path("softmax", REPOSITORY), 4))
    result = check_notebook(path, table=table)
    return result, report(path, result)


@pytest.fixture(scope="module")
def graded(notebook, tmp_path_factory):
    _, nb = notebook
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(REPOSITORY / "source" / "softmax", root / "source" / "softmax")
    submit(root, {"ada": nbformat.writes(nb).encode()}, "softmax")
    grade_class("softmax", root, workers=1)
    return read_gradebook(root, "softmax")["ada"]["notebooks"]["softmax"]["cells"]


def test_a_helper_in_an_added_cell_runs_in_the_check_as_at_grading(checked, graded):
    result, _ = checked
    softmax = next(c for c in result.functions if c.function == "softmax")
    assert softmax.failed == 0 and softmax.passed == 2, softmax.messages
    assert graded["test_softmax_by_hand"][0] == 2 and graded["test_softmax_edge_cases"][0] == 2


def test_the_checks_visible_points_are_what_grading_awards_for_the_visible_tests(checked, graded):
    result, text = checked
    release = nbformat.read(assignments.release_path("softmax", REPOSITORY), 4)
    visible = [nbgrader_meta(c)["grade_id"] for c in release.cells
               if is_test_cell(c) and not is_hidden_placeholder(c)]
    hidden = {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
              for c in release.cells if is_hidden_placeholder(c)}
    functions = [c.function for c in result.functions]
    for check in result.functions:
        mine = [g for g in visible if function_of(g, functions) == check.function]
        assert check.points == sum(graded[g][0] for g in mine), check.function
        theirs = [p for g, p in hidden.items() if function_of(g, functions) == check.function]
        assert check.hidden_points == sum(theirs), check.function
    earned = sum(c.points for c in result.functions)
    assert earned == sum(graded[g][0] for g in visible)
    cross_entropy = next(c for c in result.functions if c.function == "cross_entropy")
    assert cross_entropy.points < cross_entropy.max_points
    total = sum(hidden.values()) + sum(c.max_points for c in result.functions) + 2
    assert (f"Total so far: {earned:g}/{sum(c.max_points for c in result.functions):g} visible "
            f"points, of {total:g} in all (hidden tests: {sum(hidden.values()):g}, written "
            "answers: 2)") in text
    assert "graded by a person: 2 points" in text
    assert "warning: written_two_classes is blank: write your answer before you hand in" in text
    assert "Likely mistake: Your loss is the sum over the examples." in text


def test_honest_but_unusual_code_keeps_its_points_and_the_check_says_so(checked, graded):
    result, text = checked
    one_hot = next(c for c in result.functions if c.function == "one_hot")
    assert one_hot.warnings == [] and one_hot.flags == ["imports sys"]
    assert one_hot.points == one_hot.max_points > 0
    assert ("note: one_hot imports sys: a person will look at this after grading (no points "
            "lost)") in text
    one_hot_tests = [g for g in graded if function_of(g, ["one_hot"]) == "one_hot"]
    assert all(graded[g][0] > 0 for g in one_hot_tests), graded  # hidden tests too
