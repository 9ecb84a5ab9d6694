"""What a feedback page shows of a test cell's outputs (autograder.feedback)."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback import hide_hidden_tests

RED, RESET = "\x1b[0;31m", "\x1b[0m"
HEADER = f"{RED}---------------------------------------------------------------------------{RESET}"
CELL_FRAME = (
    "Cell \x1b[0;32mIn[7], line 2\x1b[0m\n      1 Z = np.ones((2, 3))\n----> 2 check_close(f(Z), Z)"
)
STUDENT_FRAME = "Cell \x1b[0;32mIn[4], line 3\x1b[0m, in \x1b[0;36mf\x1b[0m\n----> 3 return Z / 0"
HELPER_FRAME = (
    "File \x1b[0;32m/srv/course/.venv/lib/python3.11/site-packages/autograder/checks.py:88"
    "\x1b[0m, in \x1b[0;36mcheck_close\x1b[0;34m(got, expected)\x1b[0m\n"
    "     87 if not ok:\n---> 88     raise"
)
LAST = f"{RED}AssertionError{RESET}: f(Z) has the wrong values: expected 1.0 at [0, 0], got inf"


def _cell(source: str, grade: bool, outputs) -> nbformat.NotebookNode:
    meta = {"grade_id": "c", "grade": grade, "solution": False, "points": 2 if grade else 0}
    cell = new_code_cell(source, metadata={"nbgrader": meta})
    cell.outputs = outputs
    return cell


def _error():
    frames = [HEADER, CELL_FRAME, STUDENT_FRAME, HELPER_FRAME, LAST]
    return new_output(
        "error", ename="AssertionError", evalue="f(Z) has the wrong values", traceback=frames
    )


def test_a_failed_visible_test_shows_its_line_and_message_not_the_helper_frames():
    nb = hide_hidden_tests(new_notebook(cells=[_cell("check_close(f(Z), Z)", True, [_error()])]))
    (output,) = nb.cells[0].outputs
    assert output.output_type == "error"
    assert output.traceback == [HEADER, CELL_FRAME, STUDENT_FRAME, LAST]


def test_errors_outside_test_cells_keep_every_frame():
    nb = hide_hidden_tests(new_notebook(cells=[_cell("f(Z)", False, [_error()])]))
    assert nb.cells[0].outputs[0].traceback[3] == HELPER_FRAME


def test_a_hidden_test_shows_only_its_verdict():
    source = "# Hidden test: f on a batch of ones\n### BEGIN HIDDEN TESTS\ncheck_close(f(Z), Z)\n"
    source += "### END HIDDEN TESTS"
    nb = hide_hidden_tests(new_notebook(cells=[_cell(source, True, [_error()])]))
    (output,) = nb.cells[0].outputs
    assert output.text == "Hidden test failed (0 of 2 points): f on a batch of ones\n"
