"""``make demo``: the instructor's whole job on a sample class, in ``demo-class/``.

Copies ``source/`` into a fresh course directory, releases every assignment, synthesises a small
class for one assignment (a full solution, a correct answer in another style, wrong answers
from the course's bank of common mistakes, a blank notebook, one that imports the reference
instead of answering, and a file that is not a notebook), grades it with ``course grade``,
writes feedback and the report, and says where everything is.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
from pathlib import Path

import nbformat

from autograder import cells, sample_class
from autograder.cli import main as course
from autograder.config import ASSIGNMENTS, REPOSITORY

WRITTEN_ANSWER = "I would check the formula against the lecture and test it on a small case."


def sample_students(assignment: str, release_nb, source_nb) -> dict[str, bytes]:
    """File name -> bytes of every sample submission for ``assignment``."""
    bank = importlib.import_module(f"autograder.sample_submissions.{assignment}")
    solved = sample_class.solved(release_nb, source_nb)
    for cell in solved.cells:  # a written answer, so the manual-grading column is not empty
        if cell.cell_type == "markdown" and cells.nbgrader_meta(cell).get("solution"):
            cell.source = WRITTEN_ANSWER
    mistakes = list(bank.MISTAKES.items())
    style = next(iter(bank.CORRECT.values()))
    first_function = next(iter(cells.answer_sources(release_nb)))
    reference_module = f"course_lib.{assignment}"
    cheat = (
        f"from {reference_module} import {first_function}  # the reference, not an answer\n"
    )
    students = {
        "ada": solved,
        "ben-another-style": sample_class.with_answers(solved, style),
        "cy-one-mistake": sample_class.with_answers(solved, mistakes[0][1]),
        "dee-two-mistakes": sample_class.with_answers(solved, mistakes[0][1] | mistakes[-1][1]),
        "eve-blank": release_nb,
        "fay-imports-reference": sample_class.with_answers(solved, {first_function: cheat}),
    }
    files = {f"{name}.ipynb": nbformat.writes(nb).encode() for name, nb in students.items()}
    files["gus-not-a-notebook.ipynb"] = b'{"cells": [ this is not JSON'
    return files


def run(assignment: str, workdir: Path) -> int:
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(REPOSITORY / "source", workdir / "source")
    root = ["--root", str(workdir)]
    print(f"== 1. release every assignment into {workdir}/release")
    if course([*root, "release"]) != 0:
        return 1
    release_nb = nbformat.read(workdir / "release" / assignment / f"{assignment}.ipynb", 4)
    source_nb = nbformat.read(workdir / "source" / assignment / f"{assignment}.ipynb", 4)
    inbox = workdir / "inbox"
    inbox.mkdir()
    for name, data in sample_students(assignment, release_nb, source_nb).items():
        (inbox / name).write_bytes(data)
    print(f"\n== 2. grade a sample class of {len(list(inbox.iterdir()))} for '{assignment}'")
    if course([*root, "grade", assignment, "--submissions", str(inbox)]) != 0:
        return 1
    print("\n== 3. feedback for every student (hidden tests stay hidden)")
    if course([*root, "feedback", assignment]) != 0:
        return 1
    print("\n== 4. what the class got wrong")
    if course([*root, "report", assignment]) != 0:
        return 1
    print(f"\nAll of it is in {workdir}: feedback/<student>/{assignment}/{assignment}.html, "
          f"reports/{assignment}-grades.csv, reports/{assignment}-scores.png")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__)
    parser.add_argument("--assignment", default="batch_norm", choices=ASSIGNMENTS)
    parser.add_argument("--workdir", type=Path, default=REPOSITORY / "demo-class")
    args = parser.parse_args(argv)
    return run(args.assignment, args.workdir.resolve())


if __name__ == "__main__":
    sys.exit(main())
