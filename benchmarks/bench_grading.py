"""Class grading: plain serial ``nbgrader autograde`` against ``course grade``, side by side.

The same synthetic class of ``batch_norm`` submissions (correct ones, correct ones in another
style, known mistakes, blank releases) is graded in fresh copies of one scratch course by

- ``nbgrader autograde batch_norm`` (one submission after another, the course's own
  ``nbgrader_config.py``, so the same sandbox and preprocessors),
- ``course grade batch_norm --workers 2`` (local worker processes),
- ``course grade batch_norm --scheduler local:2`` (a two-worker Dask ``LocalCluster``),

one after another, ``COURSE_BENCH_ROUNDS`` times (default 1: one round already averages over the
whole class, and a round takes minutes); the rows are medians over rounds. Each run's per-cell
scores are read back from its gradebook and must equal nbgrader's, else the row says so.

The per-submission overhead (kernel start, notebook conversion, database writes) is the slope of
wall time against class size for a trivial assignment (``tests/tiny_course.py``: two one-line
functions), graded one at a time by each tool: ``(T(N_BIG) - T(1)) / (N_BIG - 1)``, median of
``OVERHEAD_ROUNDS`` (3; ``--quick`` 1).

``COURSE_BENCH_CLASS`` sets the class size (default 8, ``--quick`` 4; the README's figure uses 40).
"""

from __future__ import annotations

import importlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat

from benchmarks import Comparison
from grader.config import REPOSITORY
from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers
from tests import tiny_course  # the tests' tiny assignment
from tests.support import BIN, read_gradebook, submit, tools_env

ASSIGNMENT = "batch_norm"
WORKERS = 2
N_BIG = 5
OVERHEAD_ROUNDS = 3


def make_template(folder: Path, assignment: str = ASSIGNMENT) -> Path:
    """A scratch course: source/<a>/, its release and a gradebook holding the assignment."""
    shutil.copytree(REPOSITORY / "source" / assignment, folder / "source" / assignment)
    assignments.generate(assignment, folder)
    shutil.copy(REPOSITORY / "nbgrader_config.py", folder / "nbgrader_config.py")
    return folder


def batch_norm_class(root: Path, size: int) -> None:
    """``size`` submissions: a quarter correct, a quarter correct in other styles, a third of
    the rest blank releases and the others known mistakes (each costing its function)."""
    bank = importlib.import_module(f"samples.{ASSIGNMENT}")
    release = nbformat.read(assignments.release_path(ASSIGNMENT, root), 4)
    source = nbformat.read(assignments.source_path(ASSIGNMENT, root), 4)
    full = solved(release, source)
    styles, mistakes = list(bank.CORRECT.values()), list(bank.MISTAKES.values())
    notebooks = {}
    for i in range(size):
        kind = i % 4
        if kind == 0:
            nb = full
        elif kind == 1:
            nb = with_answers(full, styles[i // 4 % len(styles)])
        elif kind == 3 and i % 12 == 3:
            nb = release
        else:
            nb = with_answers(full, mistakes[(i * 5) % len(mistakes)])
        notebooks[f"student{i:03d}"] = nbformat.writes(nb).encode()
    submit(root, notebooks, ASSIGNMENT)


def _run(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=tools_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"{' '.join(command[:3])} failed: {' | '.join(tail)}")
    return elapsed


def nbgrader_autograde(root: Path, assignment: str) -> float:
    return _run([str(BIN / "nbgrader"), "autograde", assignment, "--force"], root)


def course_grade(root: Path, assignment: str, *options: str) -> float:
    return _run(
        [str(BIN / "course"), "--root", str(root), "grade", assignment, "--force", *options], root
    )


def _fresh(template: Path, scratch: Path, name: str) -> Path:
    root = scratch / name
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(template, root)
    return root


def class_throughput(scratch: Path, size: int, rounds: int) -> list[Comparison]:
    template = make_template(scratch / "template")
    batch_norm_class(template, size)
    times: dict[str, list[float]] = {"nbgrader": [], "workers": [], "cluster": []}
    differ: set[str] = set()
    runs = {
        "nbgrader": lambda root: nbgrader_autograde(root, ASSIGNMENT),
        "workers": lambda root: course_grade(root, ASSIGNMENT, "--workers", str(WORKERS)),
        "cluster": lambda root: course_grade(root, ASSIGNMENT, "--scheduler", f"local:{WORKERS}"),
    }
    for _ in range(rounds):
        scores = {}
        for name, run in runs.items():
            root = _fresh(template, scratch, name)
            times[name].append(run(root))
            scores[name] = read_gradebook(root, ASSIGNMENT)
        if len(scores["nbgrader"]) != size:
            differ.add("nbgrader")
        differ |= {name for name in ("workers", "cluster") if scores[name] != scores["nbgrader"]}
    serial = statistics.median(times["nbgrader"])

    def note(name: str) -> str:
        same = "RESULTS DIFFER from nbgrader" if name in differ else "per-cell scores = nbgrader's"
        return f"{size} subs, {WORKERS} workers, {rounds} round(s); {same}"

    options = {"workers": f"--workers {WORKERS}", "cluster": f"--scheduler local:{WORKERS}"}
    return [
        Comparison(
            f"grade {size} batch_norm: course {option}",
            statistics.median(times[name]),
            "nbgrader serial",
            serial,
            goal=round(1 / 1.8, 3),
            note=note(name),
        )
        for name, option in options.items()
    ]


def overhead_per_submission(scratch: Path, rounds: int) -> list[Comparison]:
    template = scratch / "tiny-template"
    tiny_course.make_course(template)
    shutil.copy(REPOSITORY / "nbgrader_config.py", template / "nbgrader_config.py")
    release = nbformat.read(assignments.release_path(tiny_course.ASSIGNMENT, template), 4)
    source = nbformat.read(assignments.source_path(tiny_course.ASSIGNMENT, template), 4)
    full = nbformat.writes(solved(release, source)).encode()
    slopes: dict[str, list[float]] = {"nbgrader": [], "course": []}
    for _ in range(rounds):
        for name in slopes:
            elapsed = {}
            for n in (1, N_BIG):
                root = _fresh(template, scratch, f"tiny-{name}")
                submit(root, {f"s{i}": full for i in range(n)}, tiny_course.ASSIGNMENT)
                if name == "nbgrader":
                    elapsed[n] = nbgrader_autograde(root, tiny_course.ASSIGNMENT)
                else:
                    elapsed[n] = course_grade(root, tiny_course.ASSIGNMENT, "--workers", "1")
            slopes[name].append((elapsed[N_BIG] - elapsed[1]) / (N_BIG - 1))
    return [
        Comparison(
            "per-submission overhead (trivial notebook, 1 worker)",
            statistics.median(slopes["course"]),
            "nbgrader serial",
            statistics.median(slopes["nbgrader"]),
            goal=1.0,
            note=f"slope of T(N) from N=1 to {N_BIG}; kernel start, conversion, DB",
        )
    ]


def run(quick: bool = False) -> list[Comparison]:
    size = int(os.environ.get("COURSE_BENCH_CLASS", 4 if quick else 8))
    rounds = int(os.environ.get("COURSE_BENCH_ROUNDS", 1))
    if not assignments.source_path(ASSIGNMENT, REPOSITORY).is_file():
        raise RuntimeError(f"{assignments.source_path(ASSIGNMENT, REPOSITORY)} is missing")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        scratch = Path(tmp)
        rows = class_throughput(scratch, size, rounds)
        rows += overhead_per_submission(scratch, 1 if quick else OVERHEAD_ROUNDS)
    return rows
