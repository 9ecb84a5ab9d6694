"""Class grading: vanilla ``nbgrader autograde`` against ``course grade``, side by side.

The same synthetic class of ``batch_norm`` submissions (correct ones, correct ones in another
style, known mistakes, blank releases) is graded in fresh copies of one scratch course by

- ``nbgrader autograde batch_norm`` in a VANILLA course (its ``nbgrader_config.py`` sets the
  course id only: tests in the student's kernel, no sandbox),
- ``nbgrader autograde batch_norm`` under the course's own ``nbgrader_config.py`` (the same
  sandbox and preprocessors as ``course grade``), and again with the next kernel not
  pre-started (``ResilientExecute.prestart_kernel = False``: nbgrader's one process grades the
  whole class, so each notebook's kernel boots during the one before; ``course grade`` grades
  each submission in a process of its own and pre-starts nothing for a one-notebook
  assignment),
- ``course grade batch_norm --workers 1`` (the same pipeline, serial),
- ``course grade batch_norm --workers 2`` (local worker processes),
- with ``COURSE_BENCH_CLUSTER=1``, ``course grade batch_norm --scheduler local:2`` (a two-worker
  Dask ``LocalCluster``),

one after another, ``COURSE_BENCH_ROUNDS`` times (default 1: one round already averages over the
whole class, and a round takes minutes); the rows are medians over rounds. Each run's per-cell
scores are read back from its gradebook: the honest (correct) submissions' must equal vanilla
nbgrader's, every submission's must equal nbgrader's under the course's config, else the row
says so. The serial runs print where a submission's time goes (mean seconds per phase, from the
markers ``course grade`` writes: kernel start, cells, judging, the rest of nbgrader, recording).

The per-submission overhead (kernel start, notebook conversion, database writes) is the slope of
wall time against class size for a trivial assignment (``tests/tiny_course.py``: two one-line
functions), graded one at a time by each tool: ``(T(N_BIG) - T(1)) / (N_BIG - 1)``, median of
``OVERHEAD_ROUNDS`` (3; ``--quick`` 1).

``COURSE_BENCH_CLASS`` sets the class size (default 8, ``--quick`` 4; the README's figure uses 40).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from benchmarks import Comparison
from grader.config import REPOSITORY, course_config, course_id
from grader.gradebook import open_gradebook
from grader.grading import gradings
from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers
from tests import tiny_course  # the tests' tiny assignment
from tests.support import BIN, read_gradebook, submit, tools_env

ASSIGNMENT = "batch_norm"
WORKERS = 2
#: Vanilla nbgrader: a course whose nbgrader_config.py sets the course id only (tests in the
#: student's kernel, no sandbox, nbgrader's own preprocessors).
VANILLA_CONFIG = 'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "dl-week3"\n'
#: The course's configuration with the next kernel not pre-started.
NO_PRESTART = "c.ResilientExecute.prestart_kernel = False\n"
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


def _class_runs(cluster: bool) -> dict[str, tuple[Callable[[Path], float], str | None]]:
    """Each way of grading the class: how to run it, and its config (None: the course's,
    VANILLA_CONFIG: instead of it, another line: added to it)."""
    runs = {
        "vanilla": (lambda root: nbgrader_autograde(root, ASSIGNMENT), VANILLA_CONFIG),
        "nbgrader": (lambda root: nbgrader_autograde(root, ASSIGNMENT), None),
        "nbgrader, no pre-start": (lambda root: nbgrader_autograde(root, ASSIGNMENT),
                                   NO_PRESTART),
        "serial": (lambda root: course_grade(root, ASSIGNMENT, "--workers", "1"), None),
        "workers": (lambda root: course_grade(root, ASSIGNMENT, "--workers", str(WORKERS)), None),
    }
    if cluster:
        runs["cluster"] = (
            lambda root: course_grade(root, ASSIGNMENT, "--scheduler", f"local:{WORKERS}"), None)
    return runs


def _cell_scores(gradebook: dict[str, dict]) -> dict[str, dict]:
    """Each student's per-cell automatic scores (what a grade is made of; flags aside)."""
    return {student: {nb: cells["cells"] for nb, cells in sub["notebooks"].items()}
            for student, sub in gradebook.items()}


def phase_means(root: Path) -> dict[str, float]:
    """Mean seconds per submission of each phase, from the rows ``course grade`` wrote."""
    totals: dict[str, list[float]] = {}
    with open_gradebook(course_config(root).CourseDirectory.db_url, course_id(root)) as gb:
        rows = gradings(gb, ASSIGNMENT).values()
    for row in rows:
        for phase, seconds in json.loads(row.phases or "{}").items():
            totals.setdefault(phase, []).append(seconds)
    return {phase: statistics.fmean(values) for phase, values in totals.items()}


def class_throughput(scratch: Path, size: int, rounds: int, cluster: bool) -> list[Comparison]:
    template = make_template(scratch / "template")
    batch_norm_class(template, size)
    honest = {f"student{i:03d}" for i in range(size) if i % 4 in (0, 1)}
    runs = _class_runs(cluster)
    times: dict[str, list[float]] = {name: [] for name in runs}
    phases: dict[str, dict[str, float]] = {}
    differ: set[str] = set()
    for _ in range(rounds):
        scores = {}
        for name, (run, config_line) in runs.items():
            root = _fresh(template, scratch, name.replace(", ", "-").replace(" ", "-"))
            if config_line == VANILLA_CONFIG:
                (root / "nbgrader_config.py").write_text(config_line)
            elif config_line:
                with (root / "nbgrader_config.py").open("a") as config:
                    config.write(config_line)
            times[name].append(run(root))
            scores[name] = _cell_scores(read_gradebook(root, ASSIGNMENT))
            if name.startswith("serial"):
                phases[name] = phase_means(root)
        if len(scores["vanilla"]) != size or len(scores["nbgrader"]) != size:
            differ.add("nbgrader")
        vanilla = {s: scores["vanilla"].get(s) for s in honest}
        for name in runs:
            if {s: scores[name].get(s) for s in honest} != vanilla:
                differ.add(f"{name}: honest")
            if name not in ("vanilla", "nbgrader") and scores[name] != scores["nbgrader"]:
                differ.add(name)
    _print_phases(phases)
    median = {name: statistics.median(values) for name, values in times.items()}
    honest_note = ("honest scores = vanilla's" if not any(d.endswith("honest") for d in differ)
                   else "HONEST SCORES DIFFER from vanilla: " + ", ".join(sorted(differ)))
    print(f"{len(honest)} honest submissions of {size}: {honest_note}", file=sys.stderr)

    def note(name: str) -> str:
        same = "RESULTS DIFFER from nbgrader" if name in differ else "per-cell scores = nbgrader's"
        return f"{size} subs, {rounds} round(s); {same}; {honest_note}"

    workers = f"grade {size} batch_norm: course --workers {WORKERS}"
    rows = [
        Comparison(workers, median["workers"], "vanilla nbgrader serial", median["vanilla"],
                   goal=round(1 / 1.5, 3), note=note("workers")),
        Comparison(workers, median["workers"], "course --workers 1", median["serial"],
                   goal=round(1 / 1.5, 3), note="same pipeline, serial"),
        Comparison(workers, median["workers"], "nbgrader (course config)", median["nbgrader"],
                   goal=round(1 / 1.8, 3), note="nbgrader serial under the course's config"),
        Comparison(f"grade {size} batch_norm: nbgrader (course config)", median["nbgrader"],
                   "same, no kernel pre-start", median["nbgrader, no pre-start"], goal=1.0,
                   note=note("nbgrader, no pre-start")),
    ]
    if cluster:
        rows.append(Comparison(f"grade {size} batch_norm: course --scheduler local:{WORKERS}",
                               median["cluster"], "vanilla nbgrader serial", median["vanilla"],
                               goal=round(1 / 1.5, 3), note=note("cluster")))
    return rows


def _print_phases(phases: dict[str, dict[str, float]]) -> None:
    """One line per serial run: mean seconds per submission in each phase."""
    for name, means in phases.items():
        parts = ", ".join(f"{phase} {seconds:.3f}" for phase, seconds in means.items())
        print(f"per submission ({name}), s: {parts}; total {sum(means.values()):.3f}",
              file=sys.stderr)


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
    cluster = os.environ.get("COURSE_BENCH_CLUSTER", "") == "1"
    if not assignments.source_path(ASSIGNMENT, REPOSITORY).is_file():
        raise RuntimeError(f"{assignments.source_path(ASSIGNMENT, REPOSITORY)} is missing")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        scratch = Path(tmp)
        rows = class_throughput(scratch, size, rounds, cluster)
        rows += overhead_per_submission(scratch, 1 if quick else OVERHEAD_ROUNDS)
    return rows
