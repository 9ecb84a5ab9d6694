"""Grading on a Dask cluster gives exactly the grades of local grading; failures are one line.

The cluster is a ``LocalCluster`` of two separate worker processes, reached by its address as a
real cluster would be; ``local:N`` starts one for the run.
"""

from __future__ import annotations

import logging
import os

import pytest
from distributed import LocalCluster

from course_kit.errors import CourseError
from grader.classroom import grade_class
from grader.cluster import _check_workers
from instructor_tools import cli
from tests import tiny_course
from tests.support import read_gradebook


@pytest.mark.e2e
@pytest.mark.kernel
def test_a_two_worker_cluster_grades_exactly_like_one_after_another(tmp_path):
    root = tiny_course.new_class(tmp_path, tiny_course.CLASS_SIZE)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        results, skipped = grade_class(tiny_course.ASSIGNMENT, root,
                                       scheduler=cluster.scheduler_address,
                                       settings=tiny_course.SETTINGS)
    serial_results, serial_gradebook = tiny_course.serial_grades()
    assert skipped == []
    assert tiny_course.result_summary(results) == serial_results
    assert read_gradebook(root, tiny_course.ASSIGNMENT) == serial_gradebook


@pytest.mark.e2e
@pytest.mark.kernel
def test_local_n_starts_a_cluster_for_the_run(tmp_path):
    root = tiny_course.new_class(tmp_path, 2)  # a correct notebook and one that is not JSON
    results, _ = grade_class(tiny_course.ASSIGNMENT, root, scheduler="local:2",
                             settings=tiny_course.SETTINGS)
    serial_results, _ = tiny_course.serial_grades()
    assert tiny_course.result_summary(results) == {
        s: serial_results[s] for s in ("student00", "student01")
    }


@pytest.mark.e2e
def test_an_unreachable_scheduler_is_one_clear_line(tmp_path, capsys):
    root = tiny_course.new_class(tmp_path, 1)
    code = cli.main(["--root", str(root), "grade", tiny_course.ASSIGNMENT,
                     "--scheduler", "tcp://127.0.0.1:9", "--unsafe-no-sandbox"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    if os.geteuid() == 0:  # first the warning that root grades, then the error
        warning, err = err.split("\n", 1)
        assert warning.startswith("course: warning: grading as root")
    assert len(err.splitlines()) == 1, err
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert "Traceback" not in err


class _FakeClient:
    """Just enough of ``distributed.Client`` for the worker check."""

    def __init__(self, found: dict[str, str]):
        self.found = found

    def wait_for_workers(self, n, timeout):
        pass

    def run(self, function):
        return self.found


def test_a_worker_without_the_package_is_named_in_one_line():
    from course_kit import __version__

    ok = f"grader {__version__}"
    _check_workers(_FakeClient({"tcp://a:1": ok, "tcp://b:2": ok}), "tcp://s:8786")
    with pytest.raises(CourseError) as caught:
        _check_workers(_FakeClient({"tcp://a:1": ok, "tcp://b:2": "cannot import grader"}),
                       "tcp://s:8786")
    message = str(caught.value)
    assert "\n" not in message
    assert "tcp://b:2: cannot import grader" in message and "install" in message


def test_the_worker_probe_travels_by_value():
    """cloudpickle sends a function by value when it is not a module attribute, so a worker
    without this package can still run the probe and say what is missing."""
    from grader.cluster import _probe

    probe = _probe()
    assert "<locals>" in probe.__qualname__
    assert probe().startswith("grader ")
