"""The committed student versions are nbgrader's output for the sources, and leak nothing."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.config import ASSIGNMENTS, REPOSITORY
from instructor_tools import assignments


@pytest.mark.e2e
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_up_to_date_and_leaks_nothing(assignment):
    fresh = assignments.generated_release(assignment, REPOSITORY)
    assert assignments.release_problems(assignment, REPOSITORY, fresh=fresh) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_keeps_signatures_and_drops_solutions(assignment):
    source = nbformat.read(assignments.source_path(assignment, REPOSITORY), 4)
    released = nbformat.read(assignments.release_path(assignment, REPOSITORY), 4)
    text = assignments.release_path(assignment, REPOSITORY).read_text()
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            def_line = next(line for line in cell.source.splitlines() if line.startswith("def "))
            assert def_line in text
    assert text.count("raise NotImplementedError()") >= sum(
        1
        for c in source.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    )
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")


def test_release_problems_catch_leaks_duplicates_and_staleness(tmp_path):
    assignment = "softmax"
    (tmp_path / "source" / assignment).mkdir(parents=True)
    (tmp_path / "release" / assignment).mkdir(parents=True)
    source = assignments.source_path(assignment, REPOSITORY)
    assignments.source_path(assignment, tmp_path).write_bytes(source.read_bytes())
    leaky = json.loads(source.read_text())  # the instructor's version, as if released by mistake
    leaky["cells"].append(leaky["cells"][-1])  # a duplicated cell id (nbformat would renumber it)
    assignments.release_path(assignment, tmp_path).write_text(json.dumps(leaky))
    problems = assignments.release_problems(assignment, tmp_path, fresh={assignment: b"other"})
    text = "\n".join(problems)
    assert "BEGIN SOLUTION" in text and "BEGIN HIDDEN TESTS" in text
    assert "hidden-test line" in text
    assert "appears 2 times" in text
    assert "out of date" in text
