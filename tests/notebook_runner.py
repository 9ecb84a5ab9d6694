"""Run a graded notebook's code cells in this process and report each test cell's verdict.

Fast (no kernel, no nbgrader), for checking a notebook's tests against many candidate answers:
the instructor's solution, correct answers in other styles, and known mistakes. The notebook's
code runs in a namespace standing for the kernel; its test cells run as grading runs them, in
the grader's :class:`~course_kit.judge.Judge` reaching that namespace through the bridge's own
code (``instructor_tools.visible_mistakes.InProcessLink``). The end-to-end tests grade a
selection of the same submissions through real nbgrader.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import matplotlib

from course_kit.cells import answer_sources, is_setup_cell, is_test_cell, nbgrader_meta
from course_kit.judge import Judge
from instructor_tools.sample_class import solution_body
from instructor_tools.visible_mistakes import InProcessLink

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
    judge = Judge(answer_sources(nb), cell_timeout=60)
    judge.link = InProcessLink(namespace)
    verdicts: dict[str, Verdict] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or (graded_only and not nbgrader_meta(cell)):
            continue
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            with contextlib.redirect_stderr(io.StringIO()):
                outcome = judge.run_test(executable(cell.source), f"<test {meta['grade_id']}>")
            verdicts[meta["grade_id"]] = Verdict(
                outcome.passed, float(meta.get("points", 0)), outcome.message
            )
            continue
        if is_setup_cell(cell):
            judge.run_setup(cell.source)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(compile(executable(cell.source), "<cell>", "exec"), namespace)
            except BaseException:  # noqa: BLE001, S110 - the tests judge what it left
                pass
        plt.close("all")
    return verdicts


def failed(verdicts: dict[str, Verdict]) -> set[str]:
    """The grade ids of the test cells that failed."""
    return {grade_id for grade_id, verdict in verdicts.items() if not verdict.passed}
