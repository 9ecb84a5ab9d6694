"""A tiny assignment and a mixed class, for grading tests that must run in seconds.

The assignment ``tiny`` has two graded functions (``square``, 2 points; ``halve``, 1 point), each
with a visible and a hidden test, in the course's answer-cell layout. It is released with
nbgrader into a scratch course directory, so grading it exercises every real part (nbgrader,
kernels, the sandbox, the gradebook) while each submission takes about a kernel start.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.classroom import grade_class
from grader.grading import GradeSettings
from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers
from tests.support import read_gradebook, submit

ASSIGNMENT = "tiny"
CLASS_SIZE = 6  # four kernels' worth: the others cannot be run
#: Short enough that the looping student costs little, long enough for a loaded machine.
SETTINGS = GradeSettings(cell_timeout=3)


def _meta(grade_id: str, *, solution: bool, grade: bool, points: float = 0) -> dict:
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _answer(name: str, body: str) -> nbformat.NotebookNode:
    source = (f"def {name}(x):\n    \"\"\"See the instructions above.\"\"\"\n"
              f"    ### BEGIN SOLUTION\n    {body}\n    ### END SOLUTION")
    return new_code_cell(source, metadata=_meta(name, solution=True, grade=False))


def _test(name: str, visible: str, hidden: str, points: float) -> nbformat.NotebookNode:
    source = f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS"
    return new_code_cell(source, metadata=_meta(f"test_{name}", solution=False, grade=True,
                                                points=points))


def source_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        new_markdown_cell("# Tiny\nWrite `square(x)` and `halve(x)`."),
        _answer("square", "return x * x"),
        _test("square", "assert square(3) == 9, 'square(3) should be 9'",
              "assert square(-2) == 4", 2),
        _answer("halve", "return x / 2"),
        _test("halve", "assert halve(4) == 2", "assert halve(3) == 1.5", 1),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def make_course(root: Path) -> Path:
    """Write ``source/tiny/tiny.ipynb`` under ``root`` and release it (release/ and gradebook)."""
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(source_notebook(), folder / f"{ASSIGNMENT}.ipynb")
    assignments.generate(ASSIGNMENT, root)
    return root


def class_notebooks(root: Path, size: int = 8) -> dict[str, bytes | None]:
    """``size`` submissions cycling through: correct, a file that is not JSON, a wrong
    ``square``, a ``halve`` that loops until the cell timeout, no notebook, the blank release,
    a wrong ``halve``, another correct style."""
    release = nbformat.read(assignments.release_path(ASSIGNMENT, root), as_version=4)
    source = nbformat.read(assignments.source_path(ASSIGNMENT, root), as_version=4)
    full = solved(release, source)

    def answer(name: str, body: str) -> dict[str, str]:
        return {name: f"def {name}(x):\n    {body}"}

    kinds = [
        nbformat.writes(full).encode(),
        b'{"cells": [ this is not json',
        nbformat.writes(with_answers(full, answer("square", "return 2 * x"))).encode(),
        nbformat.writes(with_answers(full, answer("halve", "while True:\n        pass"))).encode(),
        None,
        nbformat.writes(release).encode(),
        nbformat.writes(with_answers(full, answer("halve", "return x // 2"))).encode(),
        nbformat.writes(with_answers(full, answer("square", "return x ** 2"))).encode(),
    ]
    return {f"student{i:02d}": kinds[i % len(kinds)] for i in range(size)}


def new_class(root: Path, size: int = 8) -> Path:
    """A released ``tiny`` course under ``root`` with ``size`` submissions."""
    make_course(root)
    submit(root, class_notebooks(root, size), ASSIGNMENT)
    return root


def result_summary(results) -> dict:
    """Everything a grade consists of, per student, from ``grade_class``'s results."""
    return {
        r.student: {
            "cells": {k: (c.score, c.max_score, c.needs_manual_grade) for k, c in r.cells.items()},
            "problem": r.problem,
            "flags": sorted(r.flags),
            "graded": bool(r.autograded),
        }
        for r in results
    }


@functools.cache
def serial_grades() -> tuple[dict, dict]:
    """The reference: the class graded one submission after another (computed once per run)."""
    root = Path(tempfile.mkdtemp(prefix="tiny-serial-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    new_class(root, CLASS_SIZE)
    results, _ = grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS)
    return result_summary(results), read_gradebook(root, ASSIGNMENT)
