"""Build submissions from a released notebook: a correct one, a blank one, or chosen answers.

An answer is the full source of an autograded-answer cell, keyed by the cell's ``grade_id``
(which, by the course's answer-cell rule, is the name of the function the cell defines). Used by
``make demo`` to synthesise a sample class and by the tests to grade known mistakes.
"""

from __future__ import annotations

import copy
import re

import nbformat

SOLUTION_REGION = re.compile(
    r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$", re.S | re.M
)
STUB = "# YOUR CODE HERE\n{indent}raise NotImplementedError()"


def nbgrader_meta(cell) -> dict:
    """The cell's ``nbgrader`` metadata (empty for cells nbgrader does not track)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer_cell(cell) -> bool:
    """An autograded answer: a code cell marked as a solution and not graded by hand."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade", False)


def is_test_cell(cell) -> bool:
    """A test cell: a code cell that carries points and is not a solution."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def answer_sources(nb) -> dict[str, str]:
    """``grade_id -> source`` of every autograded-answer cell, in notebook order."""
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if is_answer_cell(c)}


def blank_answer(source: str) -> str:
    """The source with its solution region replaced by nbgrader's stub, as students receive it."""
    return SOLUTION_REGION.sub(lambda m: m.group(1) + STUB.format(indent=m.group(1)), source)


def solution_body(source: str) -> str:
    """The source with the solution markers removed (what a correct student would hand in)."""
    return "\n".join(
        line
        for line in source.splitlines()
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def with_answers(nb, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose answer cells named in ``answers`` get those sources.

    Raises ``KeyError`` naming an answer that matches no answer cell.
    """
    result = copy.deepcopy(nb)
    cells = {nbgrader_meta(c)["grade_id"]: c for c in result.cells if is_answer_cell(c)}
    for grade_id, source in answers.items():
        if grade_id not in cells:
            raise KeyError(f"no answer cell '{grade_id}'; the notebook has {sorted(cells)}")
        cells[grade_id].source = source
    return result


def solved(release_nb, source_nb) -> nbformat.NotebookNode:
    """The released notebook with the instructor's solutions filled in: a full-marks submission."""
    return with_answers(
        release_nb, {k: solution_body(v) for k, v in answer_sources(source_nb).items()}
    )
