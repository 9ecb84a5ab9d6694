"""Grade a whole class: collect submissions, run the jobs, record each result as it arrives.

Submissions live where nbgrader keeps them, ``submitted/<student>/<a>/<a>.ipynb``; ``--submissions
DIR`` first copies a folder of ``<student>.ipynb`` files (or ``<student>/<a>.ipynb``) there.
Jobs run in worker processes (``workers``) or on a Dask cluster (``scheduler``); the coordinator
alone writes the gradebook, one transaction per submission, and skips submissions it has
already recorded, so a class interrupted at any point finishes with every grade exactly once.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder import assignments, gradebook
from autograder.errors import CourseError
from autograder.grading import (
    GradeJob,
    GradeResult,
    GradeSettings,
    grade_one,
    record,
    recorded_digest,
    warm_up,
)

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None  # None when the student's folder holds no notebook
    timestamp: str | None


def import_submissions(assignment: str, folder: Path, root: Path) -> list[str]:
    """Copy ``folder``'s notebooks into ``submitted/``; returns the students found.

    Accepts ``<student>.ipynb`` files and ``<student>/<assignment>.ipynb`` folders. Nothing in
    ``submitted/`` is overwritten unless the file differs (then the newer submission wins).
    """
    if not folder.is_dir():
        raise CourseError(
            f"submissions folder '{folder}' does not exist: pass a folder of <student>.ipynb files"
        )
    students = []
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix == ".ipynb":
            student, notebook = entry.stem, entry
        elif entry.is_dir():
            student, notebook = entry.name, entry / f"{assignment}.ipynb"
        else:
            continue
        if not STUDENT_ID.match(student):
            raise CourseError(
                f"'{entry.name}' is not a usable student id (letters, digits, "
                f"'_', '-', '.'): rename it"
            )
        target = root / "submitted" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        if notebook.is_file():
            shutil.copyfile(notebook, target / f"{assignment}.ipynb")
            stamp = datetime.fromtimestamp(notebook.stat().st_mtime, UTC)
            (target / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        students.append(student)
    if not students:
        raise CourseError(f"no submissions in '{folder}': expected <student>.ipynb files")
    return students


def find_submissions(assignment: str, root: Path) -> list[Submission]:
    """Every student folder under ``submitted/`` that has ``assignment``, sorted by student."""
    base = root / "submitted"
    found = []
    for student_dir in sorted(base.iterdir()) if base.is_dir() else []:
        folder = student_dir / assignment
        if not folder.is_dir():
            continue
        notebook = folder / f"{assignment}.ipynb"
        stamp = folder / "timestamp.txt"
        found.append(
            Submission(
                student_dir.name,
                notebook if notebook.is_file() else None,
                stamp.read_text().strip() if stamp.is_file() else None,
            )
        )
    if not found:
        raise CourseError(
            f"no submissions for '{assignment}' in {base}: copy them to "
            f"submitted/<student>/{assignment}/ or pass --submissions DIR"
        )
    return found


def jobs_for(
    assignment: str, root: Path, url: str, settings: GradeSettings, force: bool
) -> tuple[list[GradeJob], list[str]]:
    """The jobs still to do, and the students skipped because their grade is already recorded."""
    gradebook.ensure_assignment(assignment, root, url)
    snapshot = gradebook.worker_snapshot(assignment, root, url)
    release = assignments.release_path(assignment, root).read_bytes()
    jobs, skipped = [], []
    for sub in find_submissions(assignment, root):
        job = GradeJob(
            assignment,
            sub.student,
            sub.path.read_bytes() if sub.path else None,
            sub.timestamp,
            snapshot,
            release,
            settings,
        )
        if not force and recorded_digest(root, assignment, sub.student) == job.digest:
            skipped.append(sub.student)
        else:
            jobs.append(job)
    return jobs, skipped


def run_jobs(
    jobs: list[GradeJob], workers: int, scheduler: str | None = None
) -> Iterator[GradeResult]:
    """Grade ``jobs``, yielding results as they finish (in any order)."""
    if scheduler:
        from autograder.cluster import run_on_cluster

        yield from run_on_cluster(jobs, scheduler)
    elif workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield grade_one(job)
    else:
        warm_up()  # import once here; the forked workers inherit it
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=warm_up) as pool:
            for future in as_completed([pool.submit(grade_one, job) for job in jobs]):
                yield future.result()


def grade_class(
    assignment: str,
    root: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    settings: GradeSettings | None = None,
    force: bool = False,
    on_result: Callable[[GradeResult, int, int], None] | None = None,
    db_url: str | None = None,
) -> tuple[list[GradeResult], list[str]]:
    """Grade every submission of ``assignment``; return the new results and who was skipped.

    ``db_url`` is the gradebook (default ``sqlite:///<root>/gradebook.db``).
    """
    assignments.check_name(assignment, root)
    settings = settings or GradeSettings()
    url = db_url or gradebook.default_url(root)
    gradebook.check_readable(url)
    results = []
    with gradebook.explained_errors(url):
        jobs, skipped = jobs_for(assignment, root, url, settings, force)
        timestamps = {job.student: job.timestamp for job in jobs}
        for result in run_jobs(jobs, workers or os.cpu_count() or 1, scheduler):
            record(root, url, result, timestamps[result.student])
            results.append(result)
            if on_result:
                on_result(result, len(results), len(jobs))
    return sorted(results, key=lambda r: r.student), skipped
