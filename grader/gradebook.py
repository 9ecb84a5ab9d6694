"""Where the grades live: a SQLite file by default, or any SQLAlchemy URL (PostgreSQL).

The coordinator alone writes the gradebook. Workers never see it: each grades against a private
SQLite snapshot that holds only what ``generate_assignment`` stored for the assignment.
Failures a person must fix (a file that is not a database, a gradebook locked by another
program, a server that does not answer) become one :class:`CourseError` line.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from course_kit.errors import CourseError
from grader.config import course_id, gradebook_url
from instructor_tools import assignments


def open_gradebook(url: str, course_id: str = ""):
    """nbgrader's :class:`Gradebook` at ``url`` for the course ``course_id`` (the course
    directory's ``CourseDirectory.course_id``, as nbgrader opens it; use it as a context
    manager)."""
    from nbgrader.api import Gradebook

    return Gradebook(url, course_id)


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL, or None for other databases."""
    return Path(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else None


#: The pip package of a database driver whose module has another name.
DRIVER_PACKAGES = {"psycopg2": "psycopg2-binary", "psycopg": "psycopg[binary]"}
URL_FORMS = "sqlite:///PATH or postgresql+psycopg2://USER@HOST/DATABASE"


def check_url(url: str) -> None:
    """Refuse, in one line, a gradebook URL this Python cannot open: not a URL, a database
    SQLAlchemy does not know, or a driver that is not installed (the line says what to install)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
        dialect = parsed.get_dialect()
    except ArgumentError:
        raise CourseError(f"the gradebook must be a database URL, {URL_FORMS}") from None
    except NoSuchModuleError:
        raise CourseError(
            f"unknown kind of database '{url.split(':')[0]}': use {URL_FORMS}"
        ) from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        package = DRIVER_PACKAGES.get(error.name or "", error.name or parsed.drivername)
        raise CourseError(
            f"the gradebook {parsed.render_as_string(hide_password=True)} needs the Python "
            f"package {package}: run pip install '{package}' in the course's environment"
        ) from None


def check_readable(url: str) -> None:
    """Refuse, in one line, a SQLite gradebook that is not a database or is damaged."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.OperationalError as error:
        if "locked" in str(error):
            raise CourseError(locked_message(str(error))) from None
        raise CourseError(f"{path} cannot be read ({error}): check its permissions") from None
    except sqlite3.DatabaseError as error:
        raise CourseError(
            f"{path} is not a usable gradebook ({error}): restore it from a "
            f"backup or move it away to start a new one"
        ) from None
    if verdict != "ok":
        raise CourseError(f"{path} is damaged ({verdict}): restore it from a backup")


def locked_message(reason: str) -> str:
    return (
        f"the gradebook is locked by another program ({reason}): close it and run the "
        f"same command again; grades already recorded are kept"
    )


@contextlib.contextmanager
def explained_errors(url: str) -> Iterator[None]:
    """Turn database errors into one line saying what to do; grades written so far are kept."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as error:
        reason = str(error.orig).splitlines()[0] if error.orig else str(error).splitlines()[0]
        if "locked" in reason:
            raise CourseError(locked_message(reason)) from None
        raise CourseError(
            f"the gradebook at {url} failed ({reason}): check that it is "
            f"reachable and writable, then run the same command again"
        ) from None


def ensure_assignment(assignment: str, root: Path, url: str) -> None:
    """Make sure the gradebook holds ``assignment`` as ``source/`` has it now: release it into
    that gradebook when it is missing, or when a test's source or a cell's points changed (a
    hidden test edited mid-term; nbgrader keeps the grades of a notebook whose cells stay)."""
    path = sqlite_path(url)
    if (path is not None and not path.exists()) or gradebook_tests(assignment, root, url) != (
        source_tests(assignment, root)
    ):
        assignments.generate(assignment, root, db_url=url)


Tests = dict[tuple[str, str], tuple[str, float]]


def source_tests(assignment: str, root: Path) -> Tests:
    """``(notebook, grade_id) -> (source, points)`` of the tests in ``source/<a>/`` (graded
    cells that are not answers: nbgrader keeps their source as written)."""
    import nbformat

    from course_kit.cells import nbgrader_meta

    tests = {}
    for name in assignments.notebooks(assignment, root):
        nb = nbformat.read(assignments.source_path(assignment, root, name), as_version=4)
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
                tests[(name, meta["grade_id"])] = (cell.source, float(meta.get("points", 0)))
    return tests


def gradebook_tests(assignment: str, root: Path, db_url: str) -> Tests | None:
    """The same as the gradebook at ``db_url`` holds them for the course at ``root`` (None
    without the assignment)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(db_url, course_id(root)) as gb:
        try:
            notebooks = gb.find_assignment(assignment).notebooks
        except MissingEntry:
            return None
        tests = {}
        for notebook in notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            sources = {cell.name: cell.source for cell in notebook.source_cells}
            for cell in notebook.grade_cells:
                if cell.cell_type == "code" and cell.name not in answers:
                    tests[(notebook.name, cell.name)] = (sources.get(cell.name), cell.max_score)
        return tests


def worker_snapshot(assignment: str, root: Path, url: str) -> bytes:
    """SQLite bytes holding ``assignment`` for the workers (a copy, or generated afresh with
    the gradebook's due date, from which nbgrader computes late penalties)."""
    path = sqlite_path(url)
    if path is not None:
        return path.read_bytes()
    with open_gradebook(url, course_id(root)) as gb:
        duedate = gb.find_assignment(assignment).duedate
    with tempfile.TemporaryDirectory(prefix="course-snapshot-") as tmp:
        scratch = Path(tmp)
        shutil.copytree(root / "source" / assignment, scratch / "source" / assignment)
        assignments.generate(assignment, root, into=scratch)
        with open_gradebook(gradebook_url(scratch), course_id(root)) as gb:
            gb.update_or_create_assignment(assignment, duedate=duedate)
        return (scratch / "gradebook.db").read_bytes()
