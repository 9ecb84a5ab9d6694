"""Run a graded notebook's code cells in this process and report each test cell's verdict.

Fast (no kernel, no nbgrader), for checking a notebook's tests against many candidate answers:
the instructor's solution, correct answers in other styles, and known mistakes. The end-to-end
tests grade a selection of the same submissions through real nbgrader.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import matplotlib

from course_kit.cells import is_test_cell, nbgrader_meta
from instructor_tools.sample_class import solution_body

matplotlib.use("Agg")


@dataclass(frozen=True)
class Verdict:
    passed: bool
    points: float
    message: str


def executable(source: str) -> str:
    """Cell source without IPython magics and without solution markers."""
    lines = [
        line
        for line in solution_body(source).splitlines()
        if not line.lstrip().startswith(("%", "!"))
    ]
    return "\n".join(lines)


def run_tests(nb, graded_only: bool = True) -> dict[str, Verdict]:
    """Execute the code cells in order; return ``grade_id -> Verdict`` for every test cell.

    With ``graded_only`` only cells nbgrader tracks run (setup, answers, tests): worked examples
    and plots are skipped, which also shows that no test depends on them.
    """
    import matplotlib.pyplot as plt

    namespace: dict = {"__name__": "__main__"}
    verdicts: dict[str, Verdict] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or (graded_only and not nbgrader_meta(cell)):
            continue
        error = None
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(compile(executable(cell.source), "<cell>", "exec"), namespace)
            except BaseException as exc:  # noqa: BLE001 - a cell's failure is its verdict
                error = f"{type(exc).__name__}: {exc}"
        plt.close("all")
        if is_test_cell(cell):
            meta = nbgrader_meta(cell)
            verdicts[meta["grade_id"]] = Verdict(
                error is None, float(meta.get("points", 0)), error or ""
            )
    return verdicts


def failed(verdicts: dict[str, Verdict]) -> set[str]:
    """The grade ids of the test cells that failed."""
    return {grade_id for grade_id, verdict in verdicts.items() if not verdict.passed}
