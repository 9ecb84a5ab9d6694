"""``course check NOTEBOOK``: run a student's notebook with its visible tests, points per function.

nbgrader's ``validate`` only says pass or fail; this runs every cell in a fresh kernel (each cell
limited to the course's cell timeout) and reports, for each graded function, the visible tests
passed, the points they carry, the first failure's message, and how many hidden test cells will
judge it at grading time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.cells import answer_sources, is_test_cell, nbgrader_meta
from autograder.config import CELL_TIMEOUT
from autograder.errors import CourseError
from autograder.feedback import DESCRIPTION_PREFIX
from autograder.gradetable import function_of
from autograder.grading import notebook_problem


@dataclass
class FunctionCheck:
    function: str
    passed: int = 0
    failed: int = 0
    points: float = 0.0
    max_points: float = 0.0
    hidden: int = 0
    messages: list[str] = field(default_factory=list)


def is_hidden_placeholder(cell) -> bool:
    """A released hidden test cell: nothing left but comments (its tests run at grading)."""
    code = [line for line in cell.source.splitlines() if line.strip()]
    return (
        bool(code)
        and all(line.lstrip().startswith("#") for line in code)
        and any(line.strip().startswith(DESCRIPTION_PREFIX) for line in code)
    )


def failure_message(cell) -> str | None:
    """The last line of an error in the cell's outputs, or None when it passed."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}".strip()
    return None


def check_notebook(path: Path, timeout: int = CELL_TIMEOUT) -> list[FunctionCheck]:
    """Execute the notebook at ``path`` and summarise its visible tests per graded function."""
    from nbclient import NotebookClient

    if not path.is_file():
        raise CourseError(f"no notebook at '{path}': give the path of your .ipynb file")
    problem = notebook_problem(path.read_bytes())
    if problem:
        raise CourseError(f"cannot check '{path}': {problem}")
    nb = nbformat.read(path, as_version=4)
    functions = list(answer_sources(nb))
    if not functions:
        raise CourseError(f"'{path}' has no graded answer cells: is it a course assignment?")
    client = NotebookClient(
        nb,
        timeout=timeout,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    client.execute()
    checks = {name: FunctionCheck(name) for name in functions}
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        name = function_of(nbgrader_meta(cell).get("grade_id", ""), functions)
        check = checks.setdefault(name, FunctionCheck(name))
        if is_hidden_placeholder(cell):
            check.hidden += 1
            continue
        points = float(nbgrader_meta(cell).get("points", 0))
        check.max_points += points
        message = failure_message(cell)
        if message is None:
            check.passed += 1
            check.points += points
        else:
            check.failed += 1
            check.messages.append(message)
    return list(checks.values())
