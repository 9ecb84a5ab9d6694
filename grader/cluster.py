"""Grade on a Dask cluster: one task per submission, results back to the coordinator.

Each task runs :func:`grader.grading.grade_one` on a worker, which grades one submission in a
private temporary course directory (its own kernel, its own sandbox) and returns a
:class:`GradeResult`. Only the coordinator (the machine running ``course grade``) writes the
gradebook, so the workers never see it and the grades are the same as with local workers.

Pointing ``course grade`` at a real cluster::

    # on the coordinator (or any machine the workers can reach)
    dask scheduler --port 8786
    # on each grading machine: same checkout, same virtualenv, bubblewrap installed
    .venv/bin/dask worker tcp://COORDINATOR:8786 --nworkers $(nproc) --nthreads 1
    # on the coordinator, from the course directory
    course grade batch_norm --scheduler tcp://COORDINATOR:8786

``--scheduler local:N`` starts a throw-away ``LocalCluster`` of N worker processes on this machine
for the run (handy for trying the cluster path without one).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

from course_kit.errors import CourseError
from grader.grading import GradeJob, GradeResult, could_not_grade, grade_one

#: Seconds to wait for the scheduler to answer, and for at least one worker to join.
CONNECT_TIMEOUT = 5
WORKER_TIMEOUT = 30

LOCAL = re.compile(r"^local:(\d+)$")


def run_on_cluster(jobs: list[GradeJob], scheduler: str) -> Iterator[GradeResult]:
    """Grade ``jobs`` on the Dask cluster at ``scheduler``, yielding results as they finish.

    ``scheduler`` is a scheduler address (``tcp://host:8786``) or ``local:N`` for a
    ``LocalCluster`` of N worker processes started for this run. Raises :class:`CourseError`
    (one line) when the scheduler cannot be reached, has no workers, or a worker cannot import
    this package. A submission whose task failed (Dask retries a task whose worker died, up to
    its ``allowed-failures``) is yielded as :func:`~grader.grading.could_not_grade`.
    """
    if not jobs:
        return
    with _client(scheduler) as client:
        _check_workers(client, scheduler)
        futures = {
            client.submit(grade_one, job, key=f"grade-{job.student}-{job.digest[:12]}", pure=False):
            job
            for job in jobs
        }
        from distributed import as_completed

        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - e.g. KilledWorker: the worker died
                result = could_not_grade(
                    job, f"its Dask task failed ({type(error).__name__})",
                    f"its Dask worker died; not graded (regrade it with --student {job.student} "
                    "--force)")
            finally:
                future.release()
            yield result


@contextlib.contextmanager
def _client(scheduler: str):
    """A connected ``distributed.Client`` (and, for ``local:N``, the cluster behind it)."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise CourseError(
            "grading on a cluster needs dask and distributed: pip install -e '.[cluster]'"
        ) from None
    match = LOCAL.match(scheduler.strip())
    settings = {
        "distributed.comm.timeouts.connect": f"{CONNECT_TIMEOUT}s",
        # For local:N, whose workers share this machine's cores with the kernels: no sampling
        # profiler in them (it wakes every 10 ms). Remote workers keep their own settings.
        "distributed.worker.profile.enabled": False,
    }
    with dask.config.set(settings):
        if match:
            workers = int(match.group(1))
            if workers < 1:
                raise CourseError(f"'{scheduler}': local:N needs N >= 1 worker processes")
            try:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            except (OSError, RuntimeError) as error:
                raise CourseError(
                    f"could not start a local Dask cluster of {workers} workers ({error}); "
                    f"grade with --workers {workers} instead"
                ) from None
            with cluster, Client(cluster) as client:
                yield client
            return
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise CourseError(
                f"cannot reach the Dask scheduler at '{scheduler}' within {CONNECT_TIMEOUT} s "
                f"({reason[:160]}): start one with 'dask scheduler' and workers with "
                f"'dask worker ADDRESS', or grade locally without --scheduler"
            ) from None
        with client:
            yield client


def _check_workers(client, scheduler: str) -> None:
    """Refuse a cluster without workers, or whose workers cannot grade (package missing)."""
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except TimeoutError:
        raise CourseError(
            f"the Dask scheduler at '{scheduler}' has no workers after {WORKER_TIMEOUT} s: start "
            f"'dask worker {scheduler}' on the grading machines"
        ) from None
    from course_kit import __version__

    versions = client.run(_probe())
    bad = {
        address: found
        for address, found in versions.items()
        if found != f"grader {__version__}"
    }
    if bad:
        address, found = next(iter(bad.items()))
        raise CourseError(
            f"{len(bad)} Dask worker(s) cannot grade, e.g. {address}: {found}; install this "
            f"package in the workers' environment (pip install -e . at the same version, "
            f"{__version__}) and restart them"
        )


def _probe():
    """A function for the workers that reports what they can import.

    It is made inside this function so that Dask sends it by value: a worker without this package
    can still run it and say so, instead of failing to unpickle it.
    """

    def probe() -> str:
        try:
            import nbgrader  # noqa: F401

            import course_kit
            import grader  # noqa: F401
        except ImportError as error:
            return f"cannot import {error.name or error}"
        return f"grader {course_kit.__version__}"

    return probe
