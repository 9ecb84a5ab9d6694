"""Grade a whole class: collect submissions, run the jobs, record each result as it arrives.

Submissions live where nbgrader keeps them, ``submitted/<student>/<a>/<a>.ipynb``; ``--submissions
X`` first copies a folder, a zip or an LMS download there (:mod:`instructor_tools.lms`).
Jobs run in worker processes (``workers``) or on a Dask cluster (``scheduler``); the coordinator
alone writes the gradebook, one transaction per submission, and skips submissions the gradebook
holds as graded with the same submission, release and source (:func:`grading.graded_digests`),
so a class interrupted at any point finishes with every grade exactly once. Before the first
job, one kernel is started as grading starts them (:func:`grading.preflight`); a class whose
every submission failed for the same reason is an error, with nothing recorded.
Each submission is graded in a process of its own, so a submission whose grading process dies
(the out-of-memory killer's pick, a crash) or hangs costs only itself: it is graded again alone
once, then recorded as "could not be graded" and flagged, and the rest of the class is graded.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import hashlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from course_kit.errors import CourseError
from grader import gradebook
from grader.config import course_config, course_modules
from grader.grading import (
    GradeJob,
    GradeResult,
    GradeSettings,
    could_not_grade,
    grade_one,
    graded_digests,
    import_judge_modules,
    preflight,
    record,
    warm_up,
)
from instructor_tools import assignments

#: Most bytes of files other than notebooks taken from one submission into grading.
MAX_EXTRA_BYTES = 50 * 2**20
#: What a refused class says after its reason.
NOTHING_GRADED = (
    "nothing was graded or recorded: fix that and run the same command again (--unsafe-no-sandbox "
    "grades without the sandbox, for trusted code only)"
)

#: Seconds one submission's grading process may run before it is stopped and the submission
#: recorded as not graded: three times the submission's own wall-clock budget (600 s), for a
#: loaded machine.
GRADING_TIMEOUT = 1800


@dataclass(frozen=True)
class Submission:
    student: str
    folder: Path
    timestamp: str | None

    def notebooks(self, names: list[str]) -> dict[str, Path]:
        """The submitted notebooks among ``names`` (the assignment's), by name."""
        return {n: self.folder / f"{n}.ipynb" for n in names
                if (self.folder / f"{n}.ipynb").is_file()}

    def files(self, names: list[str]) -> dict[str, bytes]:
        """The other files handed in (data the notebooks read), up to :data:`MAX_EXTRA_BYTES`."""
        skip = {f"{n}.ipynb" for n in names} | {"timestamp.txt"}
        found, total = {}, 0
        for path in sorted(self.folder.rglob("*")):
            name = path.relative_to(self.folder).as_posix()
            if path.is_file() and not path.is_symlink() and name not in skip:
                total += path.stat().st_size
                if total > MAX_EXTRA_BYTES:
                    break
                found[name] = path.read_bytes()
        return found


def find_submissions(assignment: str, root: Path) -> list[Submission]:
    """Every student folder under ``submitted/`` that has ``assignment``, sorted by student."""
    base = root / "submitted"
    found = []
    for student_dir in sorted(base.iterdir()) if base.is_dir() else []:
        folder = student_dir / assignment
        if not folder.is_dir():
            continue
        stamp = folder / "timestamp.txt"
        found.append(Submission(student_dir.name, folder,
                                stamp.read_text().strip() if stamp.is_file() else None))
    if not found:
        raise CourseError(
            f"no submissions for '{assignment}' in {base}: copy them to "
            f"submitted/<student>/{assignment}/ or pass --submissions DIR"
        )
    return found


def already_graded(
    root: Path, assignment: str, sub: Submission, digest: str, graded: dict[str, str | None]
) -> bool:
    """Whether the gradebook holds this submission as graded (``graded``, from
    :func:`~grader.grading.graded_digests`): by ``course grade`` with the same ``digest``, or
    by ``nbgrader autograde`` (every test scored, autograded notebooks newer than submitted)."""
    if sub.student not in graded:
        return False
    if graded[sub.student] is not None:
        return graded[sub.student] == digest
    submitted = sub.notebooks(assignments.notebooks(assignment, root))
    graded = root / "autograded" / sub.student / assignment
    return bool(submitted) and all(
        (graded / path.name).is_file() and (graded / path.name).stat().st_mtime
        >= path.stat().st_mtime for path in submitted.values())


def jobs_for(
    assignment: str,
    root: Path,
    url: str,
    settings: GradeSettings,
    force: bool,
    students: list[str] | None = None,
) -> tuple[list[GradeJob], list[str]]:
    """The jobs still to do, and the students skipped because their grade is already recorded.

    ``students`` (ids) grades those students only, whether graded before or not.
    """
    submissions = find_submissions(assignment, root)
    if students:
        unknown = sorted(set(students) - {sub.student for sub in submissions})
        if unknown:
            raise CourseError(f"no submission of '{assignment}' from {', '.join(unknown)}: "
                              f"the students who submitted are "
                              f"{', '.join(sub.student for sub in submissions)}")
        submissions = [sub for sub in submissions if sub.student in students]
    gradebook.ensure_assignment(assignment, root, url)
    snapshot = gradebook.worker_snapshot(assignment, root, url)
    names = assignments.notebooks(assignment, root)
    releases = {n: assignments.release_path(assignment, root, n).read_bytes() for n in names}
    config_file = root / "nbgrader_config.py"
    config = config_file.read_text() if config_file.is_file() else ""
    modules = course_modules(root)
    sources = hashlib.sha256()
    for name in names:
        sources.update(hashlib.sha256(assignments.source_path(assignment, root, name).read_bytes())
                       .digest())  # fmt: skip
    graded = graded_digests(url, assignment, root)
    jobs, skipped = [], []
    for sub in submissions:
        job = GradeJob(
            assignment,
            sub.student,
            {n: path.read_bytes() for n, path in sub.notebooks(names).items()},
            sub.timestamp,
            snapshot,
            releases,
            settings,
            config,
            sub.files(names),
            modules,
            source_digest=sources.hexdigest(),
        )
        if not (force or students) and already_graded(root, assignment, sub, job.digest, graded):
            skipped.append(sub.student)
        else:
            jobs.append(job)
    return jobs, skipped


def run_jobs(
    jobs: list[GradeJob], workers: int, scheduler: str | None = None
) -> Iterator[GradeResult]:
    """Grade ``jobs``, yielding results as they finish (in any order), one for every job.

    Locally each job runs in a process of its own, at most ``workers`` at once. A job whose
    process died is graded again once, alone (the out-of-memory killer may have picked it for a
    neighbour's excess); if it dies again, or if its process runs past :data:`GRADING_TIMEOUT`,
    its result is :func:`~grader.grading.could_not_grade`.
    """
    if scheduler:
        from grader.cluster import run_on_cluster

        yield from run_on_cluster(jobs, scheduler)
        return
    warm_up()  # import once here; the forked processes inherit it
    if jobs:
        import_judge_modules(jobs[0].releases)
    with _orphans_adopted() as before:
        died = yield from _graded_apart(jobs, workers, before)
        for job, _ in died:
            for again, reason in (yield from _graded_apart([job], 1, before)):
                yield could_not_grade(again, f"{reason}, also when graded alone",
                                      "its grading process died twice; not graded (regrade it "
                                      f"with --student {again.student} --force)")


#: prctl's option that makes a process the reaper of its descendants' orphans (Linux).
_PR_SET_CHILD_SUBREAPER = 36


@contextlib.contextmanager
def _orphans_adopted() -> Iterator[set[int]]:
    """While it lasts, a process orphaned below this one becomes this process's child, not
    init's: a kernel's sandbox whose grading process was killed before bwrap had tied the
    sandbox's life to its own (``--die-with-parent`` takes effect only once bwrap has set the
    sandbox up). Yields the children this process had before, which :func:`_stop_adopted`
    keeps. Where prctl is missing (not Linux), nothing is adopted."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)
    before = _children()
    if prctl is None or prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        yield before
        return
    try:
        yield before
    finally:
        _stop_adopted(before)
        prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _children(dead_only: bool = False) -> set[int]:
    """This process's child processes (zombies included; only them with ``dead_only``), read
    from /proc as bytes: any process, a student's in a sandbox too, names itself as it likes."""
    me, found = str(os.getpid()).encode(), set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, IndexError):
            state, parent = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[:2]
            if parent == me and (state == b"Z" or not dead_only):
                found.add(int(pid))
    return found


def _reap_dead(keep: set[int]) -> None:
    """Reap the ended children not in ``keep``: a finished grading process's sandboxes end
    after it, adopted by this process."""
    for pid in _children(dead_only=True) - keep:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _stop_adopted(keep: set[int], grace: float = 5.0) -> None:
    """Kill (SIGKILL) and reap every child of this process not in ``keep``: what a dead grading
    process left. A killed sandbox's own children are adopted in turn, and killed, until none
    is left or ``grace`` seconds have passed."""
    deadline = time.monotonic() + grace
    while (left := _children() - keep) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # never blocks: a process stuck in the kernel waits
        time.sleep(0.05)


def _graded_apart(
    jobs: list[GradeJob], workers: int, keep: set[int]
) -> Generator[GradeResult, None, list[tuple[GradeJob, str]]]:
    """Grade each job in a forked process of its own, at most ``workers`` at once; yield the
    results and return the jobs whose process died, with why. After a death, every child of
    this process but ``keep`` and the live grading processes is stopped."""
    context = multiprocessing.get_context("fork")
    waiting = collections.deque(jobs)
    running: dict[Connection, tuple[GradeJob, multiprocessing.Process, float]] = {}
    died = []
    while waiting or running:
        while waiting and len(running) < workers:
            job = waiting.popleft()
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_grade_into, args=(job, sender), daemon=True)
            process.start()
            sender.close()  # the child holds the only sending end: its death reads as EOF
            running[receiver] = (job, process, time.monotonic() + GRADING_TIMEOUT)
        first_deadline = min(deadline for _, _, deadline in running.values())
        for receiver in wait(list(running), timeout=max(0.0, first_deadline - time.monotonic())):
            job, process, _ = running.pop(receiver)
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                result = None
            receiver.close()
            process.join()
            if result is None:
                died.append((job, _death(process.exitcode)))
                _stop_adopted(keep | {p.pid for _, p, _ in running.values()})
            else:
                _reap_dead(keep | {p.pid for _, p, _ in running.values()})
                yield result
        for receiver, (job, process, deadline) in list(running.items()):
            if time.monotonic() > deadline:
                process.kill()
                process.join()
                receiver.close()
                del running[receiver]
                _stop_adopted(keep | {p.pid for _, p, _ in running.values()})
                yield could_not_grade(job, f"its grading did not finish within "
                                      f"{GRADING_TIMEOUT} s and was stopped",
                                      "its grading process hung; not graded")
    return died


def _grade_into(job: GradeJob, sender: Connection) -> None:
    """A grading process's whole life: grade ``job``, send the result."""
    sender.send(grade_one(job))


def _death(exitcode: int | None) -> str:
    """Why a grading process ended without a result, in words."""
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else \
            f"signal {-exitcode}"
        killer = " (as the out-of-memory killer does)" if name == "SIGKILL" else ""
        return f"its grading process was killed by {name}{killer}"
    return f"its grading process exited with code {exitcode} before it gave a result"


def grade_class(
    assignment: str,
    root: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    settings: GradeSettings | None = None,
    force: bool = False,
    students: list[str] | None = None,
    on_result: Callable[[GradeResult, int, int], None] | None = None,
    db_url: str | None = None,
) -> tuple[list[GradeResult], list[str]]:
    """Grade every submission of ``assignment``; return the new results and who was skipped.

    ``db_url`` is the gradebook (default: the one the course's nbgrader_config.py names). Raises
    :class:`CourseError`, with nothing recorded, when a kernel cannot start here (unless a
    ``scheduler`` grades elsewhere) or every submission failed for the same reason. Results
    whose grading failed (``failed``) are recorded as such: due again on the next run.
    """
    assignments.check_name(assignment, root)
    settings = settings or GradeSettings()
    url = db_url or course_config(root).CourseDirectory.db_url
    gradebook.check_readable(url)
    results = []
    with gradebook.explained_errors(url):
        jobs, skipped = jobs_for(assignment, root, url, settings, force, students)
        if jobs and not scheduler and (problem := preflight(jobs[0])):
            raise CourseError(f"{problem}; {NOTHING_GRADED}")
        timestamps = {job.student: job.timestamp for job in jobs}
        failed = []
        for result in run_jobs(jobs, workers or os.cpu_count() or 1, scheduler):
            if result.failed:  # held back: a class failing as one is an error, not zeros
                failed.append(result)
            else:
                record(root, url, result, timestamps[result.student])
            results.append(result)
            if on_result:
                on_result(result, len(results), len(jobs))
        reasons = {result.problem for result in failed}
        if failed and len(failed) == len(results) and len(reasons) == 1:
            raise CourseError(f"no submission of '{assignment}' could be graded, each for the "
                              f"same reason: {reasons.pop()}; {NOTHING_GRADED}")
        for result in failed:
            record(root, url, result, timestamps[result.student])
    return sorted(results, key=lambda r: r.student), skipped
