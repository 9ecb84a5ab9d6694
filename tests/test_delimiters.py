"""Hidden tests are recognised by nbgrader's configured delimiters, wherever the course looks."""

from __future__ import annotations

import nbformat
from traitlets.config import Config

from grader.config import REPOSITORY, hidden_test_delimiters
from instructor_tools.assignments import leak_markers
from instructor_tools.feedback import HideHiddenTests


def secret_config() -> Config:
    cfg = Config()
    cfg.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET"
    cfg.ClearHiddenTests.end_test_delimeter = "END SECRET"
    return cfg


def test_the_delimiters_are_nbgraders_as_configured():
    assert hidden_test_delimiters() == ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    assert hidden_test_delimiters(secret_config()) == ("BEGIN SECRET", "END SECRET")


def test_feedback_hides_a_test_between_a_courses_own_delimiters():
    source = "# Hidden test: f is odd.\n### BEGIN SECRET\nassert f(-1) == -f(1)\n### END SECRET\n"
    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t", "points": 1}})  # fmt: skip
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="assert f(-1) == -f(1)")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    HideHiddenTests(config=secret_config()).preprocess(nb, {})
    assert [o["text"] for o in cell.outputs] == ["Hidden test passed (1 point): f is odd.\n"]


def test_a_release_may_hold_none_of_the_delimiters():
    assert set(leak_markers(REPOSITORY)) == {
        "BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
        "BEGIN MARK SCHEME", "END MARK SCHEME"}  # fmt: skip
