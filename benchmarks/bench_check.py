"""``course check`` of one completed notebook against a bare ``python -c "import numpy,
matplotlib.pyplot"``, in the same run.

The check runs as a student runs it: the kit's wheel (``course kit``) unpacked into a folder put
first on ``PYTHONPATH`` (the kit's modules and its table of mistakes, nothing of the reference),
``python -m course_kit.command check softmax.ipynb`` (what the ``course`` command runs) on the
instructor's solution, so its answer cells run in a fresh kernel process and its visible tests in
the check's process.
Both commands start a new interpreter with this virtualenv's packages; the row is the ratio of
median wall times, timed in turn (``interleaved_medians``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

from benchmarks import Comparison, interleaved_medians
from grader.config import REPOSITORY
from instructor_tools import assignments
from instructor_tools.kit import write_kit
from instructor_tools.sample_class import solved

ASSIGNMENT = "softmax"
GOAL = 1.5


def _run(command: list[str], env: dict, cwd: Path) -> None:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed: {result.stdout[-2000:]}{result.stderr[-2000:]}")


def run(quick: bool = False) -> list[Comparison]:
    with tempfile.TemporaryDirectory(prefix="bench-check-") as scratch:
        folder = Path(scratch)
        kit = write_kit(REPOSITORY, folder / "kit", [ASSIGNMENT], title="bench")
        wheel = next(p for p in kit if p.suffix == ".whl")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(folder / "site")
        release = nbformat.read(assignments.release_path(ASSIGNMENT, REPOSITORY), 4)
        source = nbformat.read(assignments.source_path(ASSIGNMENT, REPOSITORY), 4)
        nbformat.write(solved(release, source), folder / f"{ASSIGNMENT}.ipynb")
        env = {**os.environ, "PYTHONPATH": str(folder / "site")}
        check = [sys.executable, "-m", "course_kit.command", "check", f"{ASSIGNMENT}.ipynb"]
        bare = [sys.executable, "-c", "import numpy, matplotlib.pyplot"]
        times = interleaved_medians(
            {"check": lambda: _run(check, env, folder), "bare": lambda: _run(bare, env, folder)},
            repeat=3 if quick else 7,
        )
    return [Comparison(f"course check {ASSIGNMENT}.ipynb (kit, solved)", times["check"],
                       "python -c 'import numpy, matplotlib.pyplot'", times["bare"], GOAL)]
