"""What tests and benchmarks share: submissions, the gradebook, nbgrader, Python and servers.

- :func:`submit` puts notebooks where nbgrader keeps submissions; :func:`read_gradebook` reads
  back everything a grade consists of.
- :func:`course` runs the ``course`` command in this process; :func:`nbgrader` runs this
  virtualenv's ``nbgrader`` in a course directory.
- :func:`run_python` runs the course's own code in a fresh interpreter (an import probe, the
  ``course`` command's entry point): the one kind of process the fast tier allows.
- :func:`start_server` starts a server on a port the server picks and waits until it answers;
  :func:`closed_port` is a port on which nothing can listen while the block runs.
- :func:`jupyter_env`, :func:`start_voila` and :func:`launch_chromium`: a Jupyter server that
  reads nothing of the user's, Voilà on a folder, Debian's headless Chromium (browser tests and
  the browser benchmark).
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
#: Set while :func:`run_python` starts its interpreter (the fast tier's guard lets it through).
PYTHON_PROBE = contextvars.ContextVar("python_probe", default=False)


def submit(root: Path, notebooks: dict[str, bytes | None], assignment: str) -> None:
    """Put each student's notebook where nbgrader keeps submissions,
    ``submitted/<student>/<assignment>/<assignment>.ipynb`` (a folder without one for None)."""
    for student, data in notebooks.items():
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        if data is not None:
            (folder / f"{assignment}.ipynb").write_bytes(data)


def read_gradebook(root: Path, assignment: str) -> dict[str, dict]:
    """Everything the gradebook of the course at ``root`` keeps per submission of ``assignment``
    that a grade depends on, by student: timestamp, score, maximum, and per notebook the late
    penalty, the flag and each graded cell's ``(auto_score, needs_manual_grade)``."""
    from grader.config import gradebook_url
    from grader.gradebook import open_gradebook

    with open_gradebook(gradebook_url(root)) as gb:
        return {
            sub.student_id: {
                "timestamp": str(sub.timestamp),
                "score": sub.score,
                "max_score": sub.max_score,
                "notebooks": {
                    nb.name: {
                        "penalty": nb.late_submission_penalty,
                        "flagged": nb.flagged,
                        "cells": {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                    }
                    for nb in sub.notebooks
                },
            }
            for sub in gb.assignment_submissions(assignment)
        }


def tools_env() -> dict[str, str]:
    """This environment with the virtualenv's ``bin/`` first on PATH (nbgrader runs ``alembic``)."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Plain ``nbgrader ARGS`` in the course directory ``root`` (it reports errors, so this
    never raises: the caller checks what it needs)."""
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, env=tools_env(),
                          capture_output=True, text=True)


@dataclass
class Ran:
    """What a command did: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def course(*args: str, cwd: Path | None = None) -> Ran:
    """``course ARGS`` run in this process from ``cwd`` (default: this repository, a course
    directory): ``instructor_tools.cli.main``, which the
    ``course`` script calls, with its output captured; the working directory and PATH (which
    ``main`` extends) are restored afterwards."""
    from grader.config import REPOSITORY
    from instructor_tools.cli import main

    out, err = io.StringIO(), io.StringIO()
    before, path = Path.cwd(), os.environ.get("PATH", "")
    os.chdir(cwd or REPOSITORY)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse's usage errors and --help
                code = exit.code
    finally:
        os.chdir(before)
        os.environ["PATH"] = path
    return Ran(code, out.getvalue(), err.getvalue())


def run_python(*args: str, cwd: Path | None = None, env: dict | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess:
    """``python ARGS`` in a fresh interpreter of this virtualenv, output captured as text.

    For the course's own code only (``-c`` probes of what an import loads, ``-m
    instructor_tools.cli``): the fast tier lets these processes through, so they must start no
    kernel, server or browser themselves.
    """
    token = PYTHON_PROBE.set(True)
    try:
        return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout)
    finally:
        PYTHON_PROBE.reset(token)


def imported_modules(statements: str, prefix: str) -> list[str]:
    """The modules starting with ``prefix`` that a fresh interpreter holds after ``statements``."""
    listing = f"print(*sorted(m for m in sys.modules if m.startswith({prefix!r})))"
    code = f"{statements}\nimport sys\n{listing}"
    done = run_python("-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that is bound but never listens while the block runs: a connection
    to it is refused, and no other program can take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def free_port() -> int:
    """A port that was free a moment ago, for a server that cannot pick its own (the hub): it
    can be taken before the server binds it, so start such a server again on another port
    when it exits saying the address is in use."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


class ServerExited(RuntimeError):
    """The server stopped before it answered (the message ends with its log's tail)."""


def _log_text(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else ""


def start_server(command: list[str], *, env: dict, cwd: Path, log: Path, ready: str,
                 probe: str = "/", timeout: float = 90) -> tuple[subprocess.Popen, str]:
    """Start ``command`` (output to ``log``) and wait until it answers; return it and its URL.

    ``ready`` is a regular expression whose first group is the base URL the server prints once
    it listens, so the port can be one the server picked itself (``--port=0``, or its own
    retries past a taken port). Then ``base + probe`` is polled until it answers 2xx. A server
    that exits first raises :class:`ServerExited`; one that does not answer in ``timeout``
    seconds is stopped and raises ``TimeoutError``.
    """
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    base = None
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerExited(f"{Path(command[0]).name} exited ({process.returncode}):\n"
                                   f"{_log_text(log)[-3000:]}")
            if base is None and (found := re.search(ready, _log_text(log))):
                base = found.group(1)
            if base is not None:
                try:
                    urllib.request.urlopen(base + probe, timeout=2).close()
                    return process, base
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.2)
        raise TimeoutError(f"{Path(command[0]).name} did not answer in {timeout} s:\n"
                           f"{_log_text(log)[-3000:]}")
    except BaseException:
        stop_server(process)
        raise


def stop_server(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server started by :func:`start_server`, with its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


#: This repository (tests/ is in it).
REPO = Path(__file__).resolve().parents[1]
#: Debian's Chromium, headless, with nothing that reaches the network or the GPU.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def launch_chromium(playwright):
    """Headless Chromium (``CHROMIUM``, ``CHROMIUM_ARGS``) from a Playwright instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


def jupyter_env(home: Path) -> dict[str, str]:
    """This environment with Jupyter's config, data, runtime and IPython folders (and
    matplotlib's) under ``home``, and this repository importable: a server started with it
    reads and changes nothing of the user's."""
    config = home / "config"
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    # No "would you like news?" toast over the notebook on a fresh profile.
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
    ))
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "mpl"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONPATH": str(REPO),
    }


def start_voila(root: Path, env: dict, log: Path, settings: Path = REPO,
                timeout: float = 90) -> tuple[subprocess.Popen, str]:
    """Voilà serving the notebooks in ``root`` as `make explore` does: run from ``settings``, so
    it reads the voila.json there (the repository's: preheated kernels), on the first free port
    it finds from a random one (it tries others past a taken one and logs its URL)."""
    cmd = [str(BIN / "voila"), str(root), "--no-browser", "--Voila.ip=127.0.0.1",
           f"--port={free_port()}"]
    return start_server(cmd, env=env, cwd=settings, log=log, timeout=timeout,
                        ready=r"Voil. is running at:\s*(http://127\.0\.0\.1:\d+)/")


#: This repository's course id (its nbgrader_config.py's ``CourseDirectory.course_id``).
COURSE_ID = "dl-week3"


@dataclass(frozen=True)
class Process:
    """One process as /proc shows it: its parent, when it started (clock ticks after boot, so
    a reused pid is a different process) and its command line, arguments joined by spaces."""

    pid: int
    parent: int
    started: str
    command: str


def processes() -> list[Process]:
    """Every process running now (one that ends while it is read is left out)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
        command = b" ".join(args).decode(errors="replace").strip()
        found.append(Process(int(pid), int(stat[1]), stat[19].decode(), command))
    return found
