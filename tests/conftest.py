"""Shared pytest configuration: the process guard of the fast tier (``make check``), and
test files left out when their optional extra is missing.

``--no-processes`` fails every test that starts another program (a kernel, nbgrader and the
``alembic`` it runs, a server, a browser, any subprocess or spawned interpreter): the fast tier
holds only tests that start none, so a new test that does must carry one of the markers
``kernel``, ``e2e``, ``browser`` or ``slow``, which the fast tier deselects. Two kinds of process
pass: forked workers (they run this process's code, guard included) and the course's own code
in a fresh interpreter through :func:`tests.support.run_python`. The guard covers a test's
fixtures too (they are set up inside the test's run).

A test file that needs an optional extra (``EXTRA_TESTS``: the ``cluster`` extra's Dask) is
left out of collection, with one line in the summary, when that extra is not installed; under
``CI=true`` a missing extra is an error instead (CI runs everything).
"""

from __future__ import annotations

import importlib.util
import multiprocessing.util
import os
import subprocess
from pathlib import Path
from unittest import mock

import pytest

from tests.support import PYTHON_PROBE

FAST_TIER_MARKERS = ("kernel", "e2e", "browser", "slow")
#: Seconds a fast-tier test may take (the slowest takes about two); the others get
#: pyproject.toml's ``timeout``.
FAST_TIMEOUT = 60


#: Test files that need an optional extra (pyproject.toml): file -> (extra, modules it imports).
EXTRA_TESTS = {"test_cluster.py": ("cluster", ("dask", "distributed"))}
#: The files left out in this run (``missing_extras``), kept on the config.
_MISSING = pytest.StashKey[dict]()


def missing_extras() -> dict[str, str]:
    """``test file -> extra`` for the files whose extra is not installed here."""
    return {
        file: extra for file, (extra, modules) in EXTRA_TESTS.items()
        if any(importlib.util.find_spec(m) is None for m in modules)
    }


def extras_line(missing: dict[str, str]) -> str:
    """The one line that says which test files are left out, and how to get them."""
    extras = sorted(set(missing.values()))
    return (f"left out {', '.join(sorted(missing))}: the extra {', '.join(extras)} is not "
            f"installed (pip install -e '.[{','.join(extras)}]', or make dev)")


def pytest_configure(config: pytest.Config) -> None:
    missing = missing_extras()
    if missing and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI runs every test: {extras_line(missing)}")
    config.stash[_MISSING] = missing


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    return True if collection_path.name in config.stash.get(_MISSING, {}) else None


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    missing = config.stash.get(_MISSING, {})
    if missing:
        terminalreporter.write_line(extras_line(missing))

#: What a test of the fast tier tried to start (the guard's record, kept on the test's item).
_STARTED = pytest.StashKey[list]()


class ProcessStarted(RuntimeError):
    """Raised by the fast tier's guard when a test starts a process."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-processes", action="store_true",
        help="fail any test that starts a process (the fast tier, `make check`); mark such "
             f"tests with one of {', '.join(FAST_TIER_MARKERS)}",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(name) for name in (*FAST_TIER_MARKERS, "timeout")):
            item.add_marker(pytest.mark.timeout(FAST_TIMEOUT))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    if not item.config.getoption("--no-processes"):
        yield
        return
    started: list[str] = []
    item.stash[_STARTED] = started

    def refuse(what: str, original):
        def start(*args, **kwargs):
            if PYTHON_PROBE.get():  # tests.support.run_python: the course's own code
                return original(*args, **kwargs)
            command = args[1] if len(args) > 1 else kwargs.get("args", "")
            started.append(f"{what} {command!r}"[:300])
            raise ProcessStarted(
                f"{item.nodeid} started a process ({what}); mark it with one of "
                f"{', '.join(FAST_TIER_MARKERS)} so that `make check` leaves it out"
            )
        return start

    with (
        mock.patch.object(subprocess.Popen, "__init__",
                          refuse("subprocess", subprocess.Popen.__init__)),
        mock.patch.object(multiprocessing.util, "spawnv_passfds",
                          refuse("multiprocessing", multiprocessing.util.spawnv_passfds)),
    ):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    started = item.stash.get(_STARTED, [])
    if started and report.when == "call" and report.passed:
        # The test caught the guard's exception; it still started (tried to start) a process.
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} started a process: {started[0]}; mark it with one "
                           f"of {', '.join(FAST_TIER_MARKERS)}")
