"""``make demo``: the instructor's whole job on a sample class, in ``demo-class/``.

Copies the course's ``source/`` and ``nbgrader_config.py`` (the course directory found from the
working directory, as ``course`` finds it) into a fresh course directory, releases every
assignment, synthesises a small class for one assignment (a full solution, a correct answer in
another style, wrong answers from the course's bank of common mistakes, a blank notebook, one
that imports the reference instead of answering, and a file that is not a notebook), grades it
with ``course grade``, writes feedback and the report, and says where everything is.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shutil
import sys
from pathlib import Path

import nbformat

from course_kit import cells
from course_kit.errors import CourseError, said
from instructor_tools import assignments, sample_class
from instructor_tools.cli import course_dir
from instructor_tools.cli import main as course

WRITTEN_ANSWER = "I would check the formula against the lecture and test it on a small case."


def sample_students(assignment: str, release_nb, source_nb) -> dict[str, bytes]:
    """File name -> bytes of every sample submission for ``assignment``."""
    bank = importlib.import_module(f"samples.{assignment}")
    solved = sample_class.solved(release_nb, source_nb)
    for cell in solved.cells:  # a written answer, so the manual-grading column is not empty
        if cell.cell_type == "markdown" and cells.nbgrader_meta(cell).get("solution"):
            cell.source = WRITTEN_ANSWER
    mistakes = list(bank.MISTAKES.items())
    style = next(iter(bank.CORRECT.values()))
    first_function = next(iter(cells.answer_sources(release_nb)))
    reference_module = f"course_lib.{assignment}"
    cheat = f"from {reference_module} import {first_function}  # the reference, not an answer\n"
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


def with_samples(root: Path) -> list[str]:
    """The course's assignments that have a bank of sample answers to build a class from."""
    return [
        a
        for a in assignments.discover(root)
        if importlib.util.find_spec(f"samples.{a}") is not None
    ]


def run(assignment: str, source_course: Path, workdir: Path) -> int:
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(source_course / "source", workdir / "source")
    if (source_course / "nbgrader_config.py").is_file():
        shutil.copyfile(source_course / "nbgrader_config.py", workdir / "nbgrader_config.py")
    root = ["--course-dir", str(workdir)]
    print(f"== 1. release every assignment into {workdir}/release")
    if course([*root, "release"]) != 0:
        return 1
    release_nb = nbformat.read(assignments.release_path(assignment, workdir), 4)
    source_nb = nbformat.read(assignments.source_path(assignment, workdir), 4)
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
    print(
        f"\nAll of it is in {workdir}: feedback/<student>/{assignment}/{assignment}.html, "
        f"reports/{assignment}-grades.csv, reports/{assignment}-scores.png"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor_tools.demo", description=__doc__)
    parser.add_argument("--assignment", default="batch_norm")
    parser.add_argument("--course-dir", type=Path, help="default: found as course finds it")
    parser.add_argument("--workdir", type=Path, help="default: <course dir>/demo-class")
    args = parser.parse_args(argv)
    try:
        root = course_dir(args.course_dir)
    except CourseError as error:
        return said(error, "demo")
    if args.assignment not in with_samples(root):
        choices = ", ".join(with_samples(root)) or "none"
        return said(CourseError(f"no sample class for '{args.assignment}' (choose one of "
                                f"{choices})"), "demo")
    return run(args.assignment, root, (args.workdir or root / "demo-class").resolve())


if __name__ == "__main__":
    sys.exit(main())
