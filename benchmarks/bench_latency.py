"""Latencies a person waits for: the goals that used to be wall-clock asserts in tests.

- ``course grade <unknown assignment>`` answers before any heavy import: ``main()`` in a fresh
  interpreter (the command's module already imported), against importing nbgrader's converters
  there (what the answer would cost if it imported the engine first). Ceiling 1 s.
- ``course check`` of a completed ``softmax`` notebook, against nbclient executing the same
  notebook in a plain kernel (the least a check can cost). Ceiling 10 s.
- Diagnosing every call the notebooks' tests make (every misconception tried, none matching),
  against running those tests on the reference. Ceiling 20 ms a call.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import nbformat

from benchmarks import Comparison, interleaved_medians
from tests.support import run_python


def _fresh(setup: str, code: str) -> float:
    """Seconds ``code`` takes in a fresh interpreter, after ``setup`` (not timed)."""
    done = run_python("-c", f"import time\n{setup}\nstarted = time.perf_counter()\n{code}\n"
                            "print(time.perf_counter() - started)")
    return float(done.stdout.split()[-1])


def unknown_assignment(repeat: int) -> Comparison:
    from grader.config import REPOSITORY

    setup = f"import os; os.chdir({str(REPOSITORY)!r})\nfrom instructor_tools.cli import main"
    ours = statistics.median(_fresh(setup, "main(['grade', 'nonexistent'])")
                             for _ in range(repeat))
    baseline = statistics.median(_fresh("", "import nbgrader.converters") for _ in range(repeat))
    return Comparison("course grade: unknown assignment answered", ours,
                      "importing nbgrader", baseline, goal=0.5, limit=1.0)


def course_check(repeat: int) -> Comparison:
    from nbclient import NotebookClient

    from course_kit.check import check_notebook
    from grader.config import REPOSITORY
    from instructor_tools import assignments
    from instructor_tools.sample_class import solved

    release = nbformat.read(assignments.release_path("softmax", REPOSITORY), 4)
    source = nbformat.read(assignments.source_path("softmax", REPOSITORY), 4)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "softmax.ipynb"
        nbformat.write(solved(release, source), path)
        medians = interleaved_medians({
            "check": lambda: check_notebook(path),
            "plain": lambda: NotebookClient(nbformat.read(path, 4), timeout=120).execute(),
        }, repeat)  # fmt: skip
    return Comparison("course check: completed softmax notebook", medians["check"],
                      "nbclient runs it", medians["plain"], goal=2.0, limit=10.0)


def diagnosis(repeat: int) -> Comparison:
    from grader.diagnostics import diagnose
    from grader.mistakes import reference
    from tests.test_diagnostics import ASSIGNMENT_OF, run_tests

    def run_all():
        return [(f, call) for f in ASSIGNMENT_OF for run in run_tests(f, reference(f))
                for call in run.calls]

    calls = run_all()

    def diagnose_all():
        for function, call in calls:
            diagnose(function, call.args, call.kwargs, "no mistake gives this", call.substitutes)

    medians = interleaved_medians({"diagnose": diagnose_all, "tests": run_all}, repeat)
    return Comparison(f"diagnose every test call ({len(calls)})", medians["diagnose"],
                      "running the tests", medians["tests"], goal=5.0,
                      limit=0.02 * len(calls), note="ceiling: 20 ms a call")


def run(quick: bool = False) -> list[Comparison]:
    repeat = 1 if quick else 3
    return [unknown_assignment(repeat), course_check(repeat), diagnosis(repeat)]
