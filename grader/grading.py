"""Grade submissions with nbgrader's own autograder, one job per submission.

A :class:`GradeJob` carries everything one submission needs (the notebook's bytes, a snapshot of
the gradebook that holds the assignment, the settings), so the same :func:`grade_one` runs in a
local worker process or on a Dask worker on another machine. It runs ``nbgrader``'s
``Autograde`` converter in a private temporary course directory and returns a
:class:`GradeResult`. Only the coordinator writes the real gradebook (:func:`record`), one
transaction per submission, so parallel grading never contends for the database and an
interrupted class resumes where it stopped.

What is graded is the gradebook's to say: beside nbgrader's tables, ``record`` writes a row of
its own table (:data:`GRADINGS`, in the same database and transaction) with the job's digest
(the submission's bytes, the release and the source notebooks) and whether grading worked. A
submission is due again when its row is missing, failed, or holds another digest
(:func:`graded_digests`); nothing else (no file beside the notebooks) is consulted.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from sqlalchemy import Boolean, Column, Float, MetaData, String, Table, Text

from grader.config import (
    CONFIG_FILE,
    course_config,
    course_id,
    gradebook_url,
    relocated,
    run_converter,
)
from grader.flags import FLAGS_KEY
from grader.gradebook import open_gradebook

#: ``course grade``'s own table in the gradebook: per submission, the digest graded and how.
GRADINGS = Table(
    "course_grading",
    MetaData(),
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("failed", Boolean, nullable=False),  # grading did not run: due again
    Column("problem", Text),
    Column("flags", Text, nullable=False),  # a JSON list
    Column("seconds", Float),
    Column("phases", Text),  # a JSON object: seconds per phase, ``recording`` included
)
#: The file nbgrader's exchange puts in a submission; feedback goes back by it.
SECRET = "submission_secret.txt"

#: Prefix of the private course directory each submission is graded in.
PRIVATE_PREFIX = "course-grade-"
#: Starts the problem of a submission whose grading never finished (:func:`could_not_grade`).
COULD_NOT_GRADE = "could not be graded: "


@dataclass(frozen=True)
class GradeSettings:
    """How a submission runs: seconds per cell, the kernel's memory cap (None: what the course's
    nbgrader_config.py sets, else the course's defaults), whether it is sandboxed,
    and the memory the grader's own process may spend on one of its tests (None: likewise)."""

    cell_timeout: int | None = None
    memory_limit: int | None = None
    sandbox: bool = True
    grader_memory: int | None = None


@dataclass(frozen=True)
class GradeJob:
    """One submission to grade, self-contained so that it can travel to another machine.

    ``notebooks`` are the submitted notebooks by name (one missing from it was not submitted),
    ``releases`` the released ones, ``files`` the other files the student handed in.
    """

    assignment: str
    student: str
    notebooks: dict[str, bytes]
    timestamp: str | None
    gradebook: bytes
    releases: dict[str, bytes]
    settings: GradeSettings = GradeSettings()
    #: The course's ``nbgrader_config.py`` (its text): the settings nbgrader itself would use.
    config: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    #: The Python modules beside that file (its plugins), by file name.
    modules: dict[str, bytes] = field(default_factory=dict)
    #: A hash of the assignment's source notebooks (their hidden tests) as they are graded.
    source_digest: str = ""

    @property
    def digest(self) -> str:
        """A hash of what the grade depends on: the submitted bytes, the release notebooks and
        the source notebooks. A submission whose digest is recorded as graded is not due."""
        digest = hashlib.sha256(self.source_digest.encode())
        for kind, named in (("s", {**self.notebooks, **self.files}), ("r", self.releases)):
            for name, data in sorted(named.items()):
                digest.update(f"{kind}:{name}".encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()


@dataclass
class CellScore:
    """One graded cell's result: ``score`` is None while it waits for a person to grade it."""

    score: float | None
    max_score: float
    needs_manual_grade: bool
    comment: str | None = None


@dataclass
class GradeResult:
    """What grading one submission produced; ``problem`` is one line when it could not run."""

    assignment: str
    student: str
    digest: str
    cells: dict[str, CellScore] = field(default_factory=dict)
    #: The autograded notebooks by name (none when nothing could be graded).
    autograded: dict[str, bytes] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    problem: str | None = None
    seconds: float = 0.0
    #: nbgrader's late-submission penalty per notebook (its ``LateSubmissionPlugin``).
    penalties: dict[str, float | None] = field(default_factory=dict)
    #: Grading itself failed (``problem`` says why): nothing is graded, the submission is due.
    failed: bool = False
    #: Seconds per phase (``grader.execution.PHASES``; ``nbgrader, other``: the rest of it).
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(c.score or 0.0 for c in self.cells.values())

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells.values())


def notebook_problem(data: bytes | None) -> str | None:
    """Why ``data`` cannot be graded as a notebook, in one line, or None if it can."""
    if data is None:
        return "no notebook was submitted"
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        return "the notebook is not UTF-8 text"
    except Exception as error:  # nbformat raises several types for unreadable JSON
        return f"the notebook is not valid JSON ({str(error).splitlines()[0][:120]})"
    if not isinstance(nb.get("cells"), list):
        return "the notebook has no list of cells"
    return None


def _configure_job(root: Path, job: GradeJob):
    """The course's own configuration (its nbgrader_config.py and the modules beside it, read
    as nbgrader reads them), pointed at the private folder and its gradebook snapshot, with the
    job's settings."""
    from traitlets.config import Config

    for name, data in job.modules.items():
        (root / name).write_bytes(data)
    if job.config:
        (root / CONFIG_FILE).write_text(job.config)
    cfg = relocated(course_config(root, sandbox=job.settings.sandbox), root)
    private = Config()  # whatever the course's file says
    if len(job.releases) < 2:  # the job's process grades one notebook: no next kernel to start
        private.ResilientExecute.prestart_kernel = False
    if job.settings.cell_timeout is not None:
        private.Execute.timeout = job.settings.cell_timeout
    if job.settings.grader_memory is not None:
        private.ResilientExecute.grader_memory = job.settings.grader_memory
    if not job.settings.sandbox:
        private.Execute.kernel_manager_class = "jupyter_client.manager.AsyncKernelManager"
    elif job.settings.memory_limit is not None:
        private.SandboxedKernelManager.memory_limit = job.settings.memory_limit
    cfg.merge(private)
    return cfg


def _empty_scores(root: Path, assignment: str, notebooks=None) -> dict[str, CellScore]:
    """0 points for every graded cell of the assignment's ``notebooks`` (default: all)."""
    cells = {}
    with open_gradebook(gradebook_url(root)) as gb:
        for notebook in gb.find_assignment(assignment).notebooks:
            if notebooks is None or notebook.name in notebooks:
                for cell in notebook.grade_cells:
                    cells[cell.name] = CellScore(0.0, cell.max_score, False)
    return cells


def _lay_out(root: Path, job: GradeJob) -> dict[str, str]:
    """Write the private course (release, submission) and return each notebook's problem."""
    release = root / "release" / job.assignment
    release.mkdir(parents=True)
    (root / "source" / job.assignment).mkdir(parents=True)
    submitted = root / "submitted" / job.student / job.assignment
    submitted.mkdir(parents=True)
    for name, data in job.releases.items():
        (release / f"{name}.ipynb").write_bytes(data)
    for name, data in job.files.items():
        target = (submitted / name).resolve()
        if submitted.resolve() in target.parents:  # never outside the submission's folder
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    problems = {}
    for name in job.releases:
        problem = notebook_problem(job.notebooks.get(name))
        if problem:
            problems[name] = f"{name}.ipynb: {problem}" if len(job.releases) > 1 else problem
        else:
            (submitted / f"{name}.ipynb").write_bytes(job.notebooks[name])
    if job.timestamp:
        (submitted / "timestamp.txt").write_text(job.timestamp)
    return problems


def grade_one(job: GradeJob) -> GradeResult:
    """Autograde one submission with nbgrader in a private course directory; never raises."""
    from sqlalchemy.exc import SAWarning

    from grader.execution import PHASES

    warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush notices
    warm_up()
    started = time.perf_counter()
    result = GradeResult(job.assignment, job.student, job.digest)
    with tempfile.TemporaryDirectory(prefix=PRIVATE_PREFIX) as tmp:
        root = Path(tmp)
        (root / "gradebook.db").write_bytes(job.gradebook)
        problems = _lay_out(root, job)
        result.problem = "; ".join(problems.values()) or None
        if len(problems) == len(job.releases):
            result.cells = _empty_scores(root, job.assignment)
            result.seconds = time.perf_counter() - started
            return result
        try:
            PHASES.clear()
            with _logged_failure() as failure:
                run_converter(
                    "Autograde",
                    _configure_job(root, job),
                    job.assignment,
                    job.student,
                    create_student=True,
                )
            result.cells, result.penalties = _read_scores(root, job)
            result.cells |= _empty_scores(root, job.assignment, set(problems))
            autograded = root / "autograded" / job.student / job.assignment
            for name in set(job.releases) - set(problems):
                result.autograded[name] = (autograded / f"{name}.ipynb").read_bytes()
                result.flags += format_flags(job.notebooks[name])
                result.flags += autograded_flags(result.autograded[name])
            result.phases = dict(PHASES)
            result.phases["nbgrader, other"] = time.perf_counter() - started - sum(PHASES.values())
        except Exception as error:  # noqa: BLE001 - one student's failure must not stop a class
            reason = failure or [str(error)]
            result.problem = f"nbgrader could not grade this submission: {reason[-1]}"
            result.failed, result.cells, result.autograded = True, {}, {}
        finally:
            with contextlib.suppress(ValueError):  # the course's folder went on it for plugins
                sys.path.remove(str(root.resolve()))
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _logged_failure() -> Iterator[list[str]]:
    """The reason of each failure nbgrader logs while converting (the last line of the
    traceback it logs, ``KernelStartError: the sandbox cannot start ...``), in a list."""
    from traitlets.log import get_logger

    reasons: list[str] = []

    class Reasons(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = str(record.msg)
            if text.startswith("Traceback"):
                name, _, message = text.strip().splitlines()[-1].partition(": ")
                reasons.append(f"{name.rsplit('.', 1)[-1]}: {message}" if message else name)

    handler = Reasons(logging.ERROR)
    get_logger().addHandler(handler)  # the logger nbgrader's converters log to
    try:
        yield reasons
    finally:
        get_logger().removeHandler(handler)


#: The cell the pre-flight kernel runs: the kernel's end of the grader's channel, and a result.
PREFLIGHT_CELL = "import course_kit.kernel.bridge\nprint(6 * 7)"


def preflight(job: GradeJob) -> str | None:
    """Start one kernel as ``job`` would be graded (the course's configuration and kernel
    manager) and run a cell in it; the reason it cannot, in one line, or None."""
    from grader.execution import KernelStartError, ResilientExecute

    warm_up()
    release = nbformat.reads(next(iter(job.releases.values())).decode(), as_version=4)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PREFLIGHT_CELL)])
    nb.metadata = release.metadata
    with tempfile.TemporaryDirectory(prefix=PRIVATE_PREFIX) as tmp:
        cfg = _configure_job(Path(tmp), job)
        try:
            ResilientExecute(config=cfg).preprocess(nb, {"metadata": {"path": tmp}})
        except KernelStartError as error:
            return str(error)
        except Exception as error:  # noqa: BLE001 - any reason is reported, in one line
            return f"the kernel cannot run a cell: {type(error).__name__}: {error}".splitlines()[0]
        finally:
            with contextlib.suppress(ValueError):  # the course's folder went on it for plugins
                sys.path.remove(str(Path(tmp).resolve()))
    outputs = nb.cells[0].get("outputs", [])
    if any(o.get("text", "").strip() == "42" for o in outputs):
        return None
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("ename")]
    seen = errors[0] if errors else "no output"
    return f"the kernel started but cannot run {PREFLIGHT_CELL.splitlines()[0]!r}: {seen}"


def could_not_grade(job: GradeJob, reason: str, flag: str) -> GradeResult:
    """The result of a submission whose grading never finished (its grading process died or
    hung): no points, ``problem`` "could not be graded: ``reason``", and ``flag``."""
    with tempfile.TemporaryDirectory(prefix=PRIVATE_PREFIX) as tmp:
        root = Path(tmp)
        (root / "gradebook.db").write_bytes(job.gradebook)
        cells = _empty_scores(root, job.assignment)
    return GradeResult(job.assignment, job.student, job.digest, cells, flags=[flag],
                       problem=COULD_NOT_GRADE + reason)


@functools.cache
def warm_up() -> None:
    """Do once per process what every submission would otherwise pay for again.

    - Import nbgrader's converters, nbclient and the grading preprocessors (seconds, mostly
      ``nbformat``'s JSON-schema machinery). ``run_jobs`` calls this in the coordinator before
      it forks the worker processes, so they start with everything imported.
    - Let the private gradebook snapshots skip ``fsync``: nbgrader commits once per graded cell,
      and each commit of a SQLite file waits for the disk. A snapshot lives in a temporary
      folder and is thrown away after grading (only the coordinator writes the real gradebook,
      from the returned result), so losing it in a crash loses nothing; no other database is
      touched (see :func:`_private_sqlite_pragmas`).

    Nothing of a student's kernel is reused: every submission still gets a fresh kernel.
    """
    import nbclient  # noqa: F401
    from nbgrader.converters import Autograde  # noqa: F401
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    import grader.execution  # noqa: F401
    import grader.integrity  # noqa: F401

    event.listen(Engine, "connect", _private_sqlite_pragmas)


def import_judge_modules(releases: dict[str, bytes]) -> None:
    """Import every module the set-up and test cells of the assignment's ``releases`` import
    (the course's own code: ``import matplotlib.pyplot as plt`` alone is a third of a second),
    so that the grading processes forked after it find them imported instead of each importing
    them again in the judge. One that cannot be imported is left to the judge to report."""
    from course_kit.cells import is_setup_cell, is_test_cell

    for release in releases.values():
        with contextlib.suppress(Exception):  # not a notebook: the grading reports it
            cells = nbformat.reads(release.decode(), as_version=4).cells
            for cell in cells:
                if cell.cell_type == "code" and (is_setup_cell(cell) or is_test_cell(cell)):
                    for module in _imported_modules(cell.source):
                        with contextlib.suppress(Exception):
                            importlib.import_module(module)


def _imported_modules(source: str) -> list[str]:
    """The absolute module names ``source``'s statements import (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    modules = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module)
    return modules


def _private_sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """On a private snapshot (a SQLite file in a ``course-grade-*`` temporary folder only):
    no ``fsync`` and the rollback journal in memory."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
    path = next((row[2] for row in rows if row[1] == "main"), "")
    private = os.path.join(os.path.realpath(tempfile.gettempdir()), PRIVATE_PREFIX)
    if path and os.path.realpath(path).startswith(private):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
        dbapi_connection.execute("PRAGMA journal_mode = MEMORY")


def format_flags(data: bytes) -> list[str]:
    """A flag when the notebook was saved in an nbformat other than 4."""
    version = json.loads(data).get("nbformat")
    return [] if version == 4 else [f"saved in nbformat {version}; converted to 4 for grading"]


def autograded_flags(data: bytes) -> list[str]:
    """The flags the grading steps left in the autograded notebook's metadata."""
    return list(json.loads(data).get("metadata", {}).get(FLAGS_KEY, []))


def _read_scores(root: Path, job: GradeJob) -> tuple[dict[str, CellScore], dict]:
    """Each graded cell's result, and nbgrader's late penalty per notebook."""
    cells, penalties = {}, {}
    with open_gradebook(gradebook_url(root)) as gb:
        submission = gb.find_submission(job.assignment, job.student)
        for notebook in submission.notebooks:
            penalties[notebook.name] = notebook.late_submission_penalty
            comments = {c.name: c.auto_comment for c in notebook.comments}
            for grade in notebook.grades:
                cells[grade.name] = CellScore(
                    grade.auto_score,
                    grade.max_score,
                    bool(grade.needs_manual_grade),
                    comments.get(grade.name),
                )
    return cells, penalties


def record(course_root: Path, db_url: str, result: GradeResult, timestamp: str | None) -> None:
    """Write one result into the gradebook (one transaction) and the autograded folder.

    The autograded files are written first and the transaction committed last, so a run killed
    in between leaves the submission due. A failed grading writes only its :data:`GRADINGS`
    row: nbgrader's grades (an earlier grade, a person's) stay as they were.
    """
    from sqlalchemy import delete, insert
    from sqlalchemy.exc import SAWarning

    started = time.perf_counter()

    with open_gradebook(db_url, course_id(course_root)) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush notices
        GRADINGS.create(gb.engine, checkfirst=True)
        if not result.failed:
            _record_grades(gb, result, timestamp)
            _write_autograded(course_root, result, timestamp)
        key = (GRADINGS.c.assignment == result.assignment) & (GRADINGS.c.student == result.student)
        gb.db.execute(delete(GRADINGS).where(key))
        gb.db.execute(insert(GRADINGS).values(
            assignment=result.assignment, student=result.student, digest=result.digest,
            failed=result.failed, problem=result.problem, flags=json.dumps(result.flags),
            seconds=round(result.seconds, 3),
            phases=json.dumps({k: round(v, 4) for k, v in
                               {**result.phases, "recording": time.perf_counter() - started}
                               .items()})))  # fmt: skip
        gb.db.commit()


def _record_grades(gb, result: GradeResult, timestamp: str | None) -> None:
    """nbgrader's part of a result: the submission, its scores, comments, penalty and flag."""
    gb.update_or_create_student(result.student)
    kwargs = {"timestamp": timestamp} if timestamp else {}
    submission = gb.update_or_create_submission(result.assignment, result.student, **kwargs)
    for notebook in submission.notebooks:
        notebook.late_submission_penalty = result.penalties.get(notebook.name)
        notebook.flagged = bool(result.flags) or bool(notebook.flagged)
        for grade in notebook.grades:
            cell = result.cells.get(grade.name)
            if cell is None:
                continue
            grade.auto_score = cell.score
            if grade.manual_score is None:  # a person's grade stands
                grade.needs_manual_grade = cell.needs_manual_grade
        for comment in notebook.comments:
            cell = result.cells.get(comment.name)
            if cell is not None and cell.comment is not None:
                comment.auto_comment = cell.comment


def _write_autograded(course_root: Path, result: GradeResult, timestamp: str | None) -> None:
    """The autograded notebooks where nbgrader puts them (feedback is made from them)."""
    folder = course_root / "autograded" / result.student / result.assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in result.autograded.items():
        (folder / f"{name}.ipynb").write_bytes(data)
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp)
    secret = course_root / "submitted" / result.student / result.assignment / SECRET
    if secret.is_file():  # nbgrader's release_feedback finds the student by it
        shutil.copyfile(secret, folder / SECRET)


def gradings(gb, assignment: str) -> dict[str, Any]:
    """``course grade``'s rows for ``assignment`` in the open gradebook ``gb``, by student
    (attributes ``digest``, ``failed``, ``problem``, ``flags`` and ``phases`` as JSON); none
    in a gradebook it never wrote."""
    from sqlalchemy import inspect, select

    if not inspect(gb.engine).has_table(GRADINGS.name):
        return {}
    rows = gb.db.execute(select(GRADINGS).where(GRADINGS.c.assignment == assignment))
    return {row.student: row for row in rows}


def graded_digests(db_url: str, assignment: str, course_root: Path) -> dict[str, str | None]:
    """The students whose submission of ``assignment`` the gradebook at ``db_url`` holds as
    graded: by ``course grade`` (the digest it graded), or by plain ``nbgrader autograde`` (None:
    nbgrader's submission with a score in every cell nbgrader scores). A failed grading, or a
    row whose nbgrader submission is gone, is not graded."""
    from nbgrader.api import MissingEntry

    found: dict[str, str | None] = {}
    with open_gradebook(db_url, course_id(course_root)) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return found
        rows = gradings(gb, assignment)
        for submission in submissions:
            student, row = submission.student.id, rows.get(submission.student.id)
            if row is not None:
                if not row.failed:
                    found[student] = row.digest
            elif _scored(submission):
                found[student] = None
    return found


def _scored(submission) -> bool:
    """Whether nbgrader scored every test cell of ``submission`` (a failed autograde leaves
    them without a score)."""
    for notebook in submission.notebooks:
        answers = {cell.name for cell in notebook.notebook.solution_cells}
        if any(grade.auto_score is None and grade.cell_type == "code" and grade.name not in answers
               for grade in notebook.grades):  # fmt: skip
            return False
    return True
