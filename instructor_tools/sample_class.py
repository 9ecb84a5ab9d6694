"""Build submissions from a released notebook: a correct one, a blank one, or chosen answers.

An answer is the full source of an autograded-answer cell, keyed by the cell's ``grade_id``
(which, by the course's answer-cell rule, is the name of the function the cell defines). Used by
``make demo`` to synthesise a sample class and by the tests to grade known mistakes.
"""

from __future__ import annotations

import copy
import re

import nbformat

from course_kit.cells import answer_sources, is_answer_cell, nbgrader_meta

SOLUTION_REGION = re.compile(
    r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$", re.S | re.M
)
STUB = "# YOUR CODE HERE\n{indent}raise NotImplementedError()"


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
