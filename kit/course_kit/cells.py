"""The notebook-cell model the grading steps share: what a cell is to nbgrader and to the course.

An *answer cell* is an autograded code cell the student writes (``solution`` and not ``grade``);
a *test cell* carries points and is not a solution; a *setup cell* is locked, carries no points
and is not a solution (imports and data the tests and answers need).
"""

from __future__ import annotations

import hashlib


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


#: The first line of a hidden test cell as students see it: "# Hidden test: what it checks".
DESCRIPTION_PREFIX = "# Hidden test:"


def is_hidden_placeholder(cell) -> bool:
    """A released hidden test cell: nothing left but comments (its tests run at grading)."""
    code = [line for line in cell.source.splitlines() if line.strip()]
    return (
        bool(code)
        and all(line.lstrip().startswith("#") for line in code)
        and any(line.strip().startswith(DESCRIPTION_PREFIX) for line in code)
    )


def function_of(grade_id: str, functions: list[str]) -> str:
    """The graded function a cell's points belong to by its name (the longest that matches),
    'written' for ``written_...``, else the cell's own ``grade_id``."""
    for name in sorted(functions, key=len, reverse=True):
        if grade_id.startswith(f"test_{name}_") or grade_id == f"test_{name}":
            return name
    return "written" if grade_id.startswith("written") else grade_id


def fingerprint(source: str) -> str:
    """A cell's fingerprint: a hash of its source, blank lines at the ends left out."""
    return hashlib.sha256(source.strip().encode()).hexdigest()[:24]
