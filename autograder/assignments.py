"""Assignments: find them, release them with nbgrader, and check what students receive.

``release/<a>/<a>.ipynb`` is generated from ``source/<a>/<a>.ipynb`` by nbgrader's
``generate_assignment`` and committed. :func:`release_problems` says what is wrong with a
released notebook (solution or hidden-test text, duplicated cell ids, out of date).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.config import ASSIGNMENTS, REPOSITORY, course_config, run_converter
from autograder.errors import CourseError
from autograder.feedback import hidden_source_lines

LEAK_MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "END MARK SCHEME",
)


def check_name(assignment: str, root: Path = REPOSITORY) -> str:
    """Return ``assignment`` if ``source/<assignment>/<assignment>.ipynb`` exists, else explain."""
    if not (root / "source" / assignment / f"{assignment}.ipynb").is_file():
        known = [a for a in ASSIGNMENTS if (root / "source" / a / f"{a}.ipynb").is_file()]
        raise CourseError(f"unknown assignment '{assignment}': choose one of {', '.join(known)}")
    return assignment


def source_path(assignment: str, root: Path = REPOSITORY) -> Path:
    return root / "source" / assignment / f"{assignment}.ipynb"


def release_path(assignment: str, root: Path = REPOSITORY) -> Path:
    return root / "release" / assignment / f"{assignment}.ipynb"


def generate(assignment: str, root: Path = REPOSITORY, db_url: str | None = None) -> None:
    """Run nbgrader's ``generate_assignment`` for ``root``: writes release/ and the gradebook."""
    cfg = course_config(root)
    if db_url:
        cfg.CourseDirectory.db_url = db_url
    try:
        run_converter("GenerateAssignment", cfg, assignment, create_assignment=True)
    except Exception as error:  # nbgrader raises NbGraderException with the reason logged
        raise CourseError(f"nbgrader could not generate '{assignment}': {error}") from None


def generated_release(assignment: str, root: Path = REPOSITORY) -> bytes:
    """What ``generate`` would write for ``assignment`` now, made in a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        scratch = Path(tmp)
        shutil.copytree(root / "source" / assignment, scratch / "source" / assignment)
        generate(assignment, scratch, db_url=f"sqlite:///{scratch / 'gradebook.db'}")
        return release_path(assignment, scratch).read_bytes()


def release_problems(
    assignment: str, root: Path = REPOSITORY, fresh: bytes | None = None
) -> list[str]:
    """Everything wrong with ``release/<a>/<a>.ipynb``, one line each (empty when all is well)."""
    path = release_path(assignment, root)
    if not path.is_file():
        return [f"{path.relative_to(root)} is missing: run 'course release {assignment}'"]
    text = path.read_text()
    problems = [
        f"{path.relative_to(root)} contains '{marker}'" for marker in LEAK_MARKERS if marker in text
    ]
    source = nbformat.read(source_path(assignment, root), as_version=4)
    released = nbformat.reads(text, as_version=4)
    hidden = hidden_source_lines(source)
    leaked = sorted(
        {
            line
            for cell in released.cells
            for line in cell.source.splitlines()
            if line.strip() in hidden
        }
    )
    problems += [
        f"{path.relative_to(root)} shows hidden-test line: {line.strip()}" for line in leaked
    ]
    ids = [cell.get("id") for cell in json.loads(text)["cells"]]  # nbformat renumbers duplicates
    problems += [
        f"{path.relative_to(root)}: cell id '{i}' appears {ids.count(i)} times"
        for i in sorted({i for i in ids if ids.count(i) > 1 and i})
    ]
    if fresh is not None and fresh != path.read_bytes():
        problems.append(
            f"{path.relative_to(root)} is out of date with source/: "
            f"run 'course release {assignment}'"
        )
    return problems


def hidden_test_lines(assignment: str, root: Path = REPOSITORY) -> set[str]:
    """The telling lines of ``assignment``'s hidden tests (to keep them out of feedback)."""
    return hidden_source_lines(nbformat.read(source_path(assignment, root), as_version=4))


def release(assignment: str, root: Path = REPOSITORY) -> list[str]:
    """Generate the student version of ``assignment`` and check it; returns its problems."""
    check_name(assignment, root)
    generate(assignment, root)
    return release_problems(assignment, root)
