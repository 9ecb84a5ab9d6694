"""The fast tier's guard (tests/conftest.py): a test that starts a process fails, however it
handles the guard's exception, unless it is marked for another tier or runs the course's own
code through ``tests.support.run_python``; fast tests get a short timeout."""

from __future__ import annotations

pytest_plugins = ["pytester"]

TESTS = '''
import subprocess
import sys

import pytest

from tests.support import run_python


def test_starts_a_program():
    subprocess.run(["true"])


def test_hides_that_it_started_one():
    try:
        subprocess.run([sys.executable, "-c", "pass"])
    except Exception:
        pass


@pytest.mark.kernel
def test_marked_for_another_tier():
    subprocess.run(["true"])


def test_runs_the_courses_code_in_a_fresh_python():
    assert run_python("-c", "print(6 * 7)").stdout == "42\\n"


def test_gets_the_fast_timeout(request):
    assert request.node.get_closest_marker("timeout").args == (60,)
'''


def test_the_fast_tier_fails_every_test_that_starts_a_process(pytester):
    pytester.makeconftest("from tests.conftest import *  # noqa: F403")
    pytester.makepyfile(test_inner=TESTS)
    result = pytester.runpytest_inprocess(
        "--no-processes", "-m", "not (kernel or e2e or browser or slow)", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2, failed=2, deselected=1)
    result.stdout.fnmatch_lines([
        "*ProcessStarted: test_inner.py::test_starts_a_program started a process (subprocess); "
        "mark it with one of kernel, e2e, browser, slow*",
        "test_inner.py::test_hides_that_it_started_one started a process: subprocess*",
    ])
