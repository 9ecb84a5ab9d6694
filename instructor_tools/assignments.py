"""Assignments: find them, release them with nbgrader, and check what students receive.

An assignment is any folder ``source/<a>/`` holding at least one notebook, as nbgrader has it:
one or several notebooks (``source/ps1/problem1.ipynb``, ``problem2.ipynb``) and any other files
they use (``jupyter.png``). ``release/<a>/`` is generated from it by nbgrader's
``generate_assignment`` and committed. :func:`release_problems` says what is wrong with a
released notebook (solution or hidden-test text, duplicated cell ids, out of date).

Finding and naming assignments imports nothing heavy, so that a mistyped name is answered at once.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import NoReturn

from course_kit.errors import CourseError
from grader.config import course_config, hidden_test_delimiters, relocated, run_converter


def discover(root: Path) -> list[str]:
    """The assignments of the course at ``root``: every ``source/<a>/`` with a notebook, sorted."""
    source = root / "source"
    if not source.is_dir():
        return []
    return sorted(
        folder.name
        for folder in source.iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and any(folder.glob("*.ipynb"))
    )


def notebooks(assignment: str, root: Path) -> list[str]:
    """The names (without ``.ipynb``) of ``assignment``'s notebooks, sorted."""
    return sorted(path.stem for path in (root / "source" / assignment).glob("*.ipynb"))


def unexpected_files(assignment: str, student: str, root: Path) -> list[str]:
    """A note naming the files in ``submitted/<student>/<a>/`` that are not the assignment's
    notebooks, files released with them, or nbgrader's ``timestamp.txt`` and
    ``submission_secret.txt`` (``nbgrader submit`` writes both; empty if none)."""
    folder = root / "submitted" / student / assignment
    release = root / "release" / assignment
    expected = {f"{name}.ipynb" for name in notebooks(assignment, root)}
    expected |= {"timestamp.txt", "submission_secret.txt"}
    expected |= {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    found = sorted(
        path.relative_to(folder).as_posix()
        for path in (folder.rglob("*") if folder.is_dir() else [])
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    extra = [name for name in found if name not in expected]
    if not extra:
        return []
    wanted = ", ".join(f"{name}.ipynb" for name in notebooks(assignment, root))
    return [f"submitted {', '.join(map(repr, extra))}; expected {wanted}"]


def check_name(assignment: str, root: Path) -> str:
    """Return ``assignment`` if ``source/<assignment>/`` holds a notebook, else explain."""
    found = discover(root)
    if assignment in found:
        return assignment
    if not found:
        none_found(root)
    raise CourseError(f"unknown assignment '{assignment}': choose one of {', '.join(found)}")


def none_found(root: Path) -> NoReturn:
    """Raise the one-line error for a course without assignments."""
    raise CourseError(f"no assignments in {root / 'source'}: create one with 'course new NAME'")


def source_path(assignment: str, root: Path, notebook: str | None = None) -> Path:
    """``source/<a>/<notebook>.ipynb`` (the notebook named like the assignment by default)."""
    return root / "source" / assignment / f"{notebook or assignment}.ipynb"


def release_path(assignment: str, root: Path, notebook: str | None = None) -> Path:
    """``release/<a>/<notebook>.ipynb`` (the notebook named like the assignment by default)."""
    return root / "release" / assignment / f"{notebook or assignment}.ipynb"


def configured(root: Path, db_url: str | None = None, into: Path | None = None):
    """The course's nbgrader configuration for ``root`` (its ``nbgrader_config.py``, as nbgrader
    reads it), with the gradebook at ``db_url``; with ``into``, for a private copy there."""
    cfg = course_config(root, db_url)
    return relocated(cfg, into) if into else cfg


def generate(
    assignment: str, root: Path, db_url: str | None = None, into: Path | None = None
) -> None:
    """Run nbgrader's ``generate_assignment`` for ``root`` with the course's configuration:
    writes release/ and the gradebook (with ``into``: in that private copy of the course)."""
    try:
        run_converter(
            "GenerateAssignment", configured(root, db_url, into), assignment,
            create_assignment=True,
        )
    except CourseError:
        raise
    except Exception as error:  # nbgrader raises NbGraderException with the reason logged
        raise CourseError(f"nbgrader could not generate '{assignment}': {error}") from None


def generated_release(assignment: str, root: Path) -> dict[str, bytes]:
    """What ``generate`` would write for each of ``assignment``'s notebooks now, by name."""
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        scratch = Path(tmp)
        shutil.copytree(root / "source" / assignment, scratch / "source" / assignment)
        generate(assignment, root, into=scratch)
        return {
            name: release_path(assignment, scratch, name).read_bytes()
            for name in notebooks(assignment, root)
        }


def release_problems(
    assignment: str, root: Path, fresh: dict[str, bytes] | None = None
) -> list[str]:
    """Everything wrong with ``release/<a>/``'s notebooks, one line each (empty when all is well).

    ``fresh`` (from :func:`generated_release`) also checks that each is up to date.
    """
    problems = []
    markers = leak_markers(root)
    for name in notebooks(assignment, root):
        problems += _notebook_problems(assignment, name, root, (fresh or {}).get(name), markers)
    return problems


def leak_markers(root: Path) -> tuple[str, ...]:
    """The delimiters a released notebook must not hold, as the course at ``root`` sets them
    (nbgrader's solution, hidden-test and mark-scheme delimiters)."""
    from nbgrader.preprocessors import ClearMarkScheme, ClearSolutions

    cfg = course_config(root)
    solutions, scheme = ClearSolutions(config=cfg), ClearMarkScheme(config=cfg)
    return (solutions.begin_solution_delimeter, solutions.end_solution_delimeter,
            *hidden_test_delimiters(cfg),
            scheme.begin_mark_scheme_delimeter, scheme.end_mark_scheme_delimeter)


def _notebook_problems(
    assignment: str, name: str, root: Path, fresh: bytes | None, markers: tuple[str, ...]
) -> list[str]:
    import nbformat

    from instructor_tools.feedback import hidden_source_lines

    path = release_path(assignment, root, name)
    shown = path.relative_to(root)
    if not path.is_file():
        return [f"{shown} is missing: run 'course release {assignment}'"]
    text = path.read_text()
    problems = [f"{shown} contains '{marker}'" for marker in markers if marker in text]
    source = nbformat.read(source_path(assignment, root, name), as_version=4)
    hidden = hidden_source_lines(source, hidden_test_delimiters(course_config(root)))
    released = nbformat.reads(text, as_version=4)
    leaked = sorted(
        {
            line
            for cell in released.cells
            for line in cell.source.splitlines()
            if line.strip() in hidden
        }
    )
    problems += [f"{shown} shows hidden-test line: {line.strip()}" for line in leaked]
    ids = [cell.get("id") for cell in json.loads(text)["cells"]]  # nbformat renumbers duplicates
    problems += [
        f"{shown}: cell id '{i}' appears {ids.count(i)} times"
        for i in sorted({i for i in ids if ids.count(i) > 1 and i})
    ]
    if fresh is not None and fresh != path.read_bytes():
        problems.append(f"{shown} is out of date with source/: run 'course release {assignment}'")
    return problems


def release(assignment: str, root: Path, db_url: str | None = None) -> list[str]:
    """Generate the student version of ``assignment`` and check it; returns its problems."""
    check_name(assignment, root)
    generate(assignment, root, db_url)
    return release_problems(assignment, root)
