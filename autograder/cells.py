"""The notebook-cell model the grading steps share: what a cell is to nbgrader and to the course.

An *answer cell* is an autograded code cell the student writes (``solution`` and not ``grade``);
a *test cell* carries points and is not a solution; a *setup cell* is locked, carries no points
and is not a solution (imports and data the tests and answers need).
"""

from __future__ import annotations


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


def is_setup_cell(cell) -> bool:
    """A locked code cell without points that is not a solution (the course's imports)."""
    meta = nbgrader_meta(cell)
    return (
        cell.cell_type == "code"
        and meta.get("locked", False)
        and not meta.get("grade", False)
        and not meta.get("solution", False)
    )


def answer_sources(nb) -> dict[str, str]:
    """``grade_id -> source`` of every autograded-answer cell, in notebook order."""
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if is_answer_cell(c)}
