"""Hostile notebooks against the bubblewrap kernel sandbox: real kernels, real bwrap, no mocks.

The instructor's files are made under /var/tmp, not pytest's tmp_path: the sandbox gets a
private /tmp, so files under /tmp would be invisible anyway and prove nothing about hiding.
"""

from __future__ import annotations

import ast
import asyncio
import shutil
import socket
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder.sandbox import SandboxedKernelManager, sandbox_status

ROOT = Path(__file__).resolve().parents[1]

ATTEMPT = """
def attempt(action):
    try:
        action()
        return "ok"
    except Exception as err:
        return type(err).__name__
"""


@dataclass(frozen=True)
class World:
    base: Path  # visible, not hidden, not scratch: readable, not writable
    source: Path  # hidden course folder with a secret notebook
    secret: Path
    home: Path  # hidden instructor home
    gradebook: Path  # hidden single file
    nbdir: Path  # the notebook's own folder (copied to scratch)
    scratch: Path  # scratch_root

    def config(self, **traits: object) -> Config:
        hidden = [str(self.source), str(self.home), str(self.gradebook)]
        return Config({"SandboxedKernelManager": {
            "hidden_paths": hidden, "scratch_root": str(self.scratch), **traits}})


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    base = Path(tempfile.mkdtemp(prefix="sandbox-test-", dir="/var/tmp"))
    w = World(base, base / "source", base / "source" / "a" / "a.ipynb", base / "home",
              base / "course" / "gradebook.db", base / "course" / "nb", base / "scratch")
    w.secret.parent.mkdir(parents=True)
    w.secret.write_text('{"cells": [], "SECRET": "hidden tests"}')
    (w.home / ".ssh").mkdir(parents=True)
    (w.home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY")
    w.nbdir.mkdir(parents=True)
    (w.nbdir / "data.txt").write_text("relative data")
    with sqlite3.connect(w.gradebook) as db:
        db.execute("create table grade (student text, score real)")
        db.execute("insert into grade values ('alice', 3.0)")
    db.close()
    w.scratch.mkdir()
    yield w
    shutil.rmtree(base)


def run(world: World, cells: list[str], timeout: int = 20, **traits: object) -> list[str]:
    """Execute ``cells`` in a sandboxed kernel; each cell's stdout, or ``"Name: value"`` errors."""
    nb = new_notebook(cells=[new_code_cell(ATTEMPT), *map(new_code_cell, cells)])
    NotebookClient(
        nb, kernel_manager_class=SandboxedKernelManager, config=world.config(**traits),
        resources={"metadata": {"path": str(world.nbdir)}}, timeout=timeout,
        interrupt_on_timeout=True, allow_errors=True,
    ).execute()
    assert list(world.scratch.iterdir()) == [], "scratch folder left behind"
    return ["".join(o.get("text", "") if o.output_type == "stream" else
                    f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs).strip()
            for cell in nb.cells[1:]]


def test_control_notebook_runs_normally(world: World) -> None:
    out = run(world, [
        "print(6 * 7)",
        "import numpy as np, course_lib; print(int(np.arange(5).sum()), course_lib.__name__)",
        "open('result.txt', 'w').write('written'); print(open('result.txt').read())",
        "print(open('data.txt').read())",
    ])
    assert out == ["42", "10 course_lib", "written", "relative data"]
    assert not (world.nbdir / "result.txt").exists()  # the kernel wrote to its copy


def test_hidden_folders_and_home_are_empty(world: World) -> None:
    walk = f"""import os
found = [os.path.join(d, f) for d, _, fs in os.walk({str(world.base)!r})
         for f in fs if f.endswith('.ipynb')]
print(found)"""
    visible = run(world, [walk], hidden_paths=[])
    assert visible == [str([str(world.secret)])]  # control: the walk does find it unhidden
    out = run(world, [
        walk,
        f"print(attempt(lambda: open({str(world.secret)!r}).read()))",
        f"print(os.listdir({str(world.home)!r}), os.listdir({str(world.source)!r}))",
        f"print(attempt(lambda: open({str(world.home / '.ssh' / 'id_ed25519')!r}).read()))",
        f"print(attempt(lambda: open({str(world.source / 'x.py')!r}, 'w')))",
        "print(os.listdir('/run'), os.environ['HOME'])",
    ])
    assert out == ["[]", "FileNotFoundError", "[] []", "FileNotFoundError", "OSError",
                   "[] /tmp"]


def test_repository_hidden_but_packages_importable(world: World) -> None:
    out = run(world, [
        "import os, autograder, course_lib, numpy",
        f"print(sorted(os.listdir({str(ROOT)!r})))",
    ], hidden_paths=[str(ROOT)])
    assert out[0] == ""
    assert {"autograder", "course_lib"} <= set(ast.literal_eval(out[1])) <= {
        "autograder", "course_lib", ".venv"}  # no source/, .git/, tests/, gradebook.db


def test_hidden_gradebook_cannot_be_written(world: World) -> None:
    before = world.gradebook.read_bytes()
    gb = str(world.gradebook)
    out = run(world, [
        "import os, sqlite3",
        f"print(attempt(lambda: open({gb!r}, 'r+b')))",
        f"print(attempt(lambda: open({gb!r}, 'wb')))",
        f"print(attempt(lambda: sqlite3.connect({gb!r}).execute('create table t (x)')))",
        f"print(attempt(lambda: os.remove({gb!r})), os.path.getsize({gb!r}))",
    ])
    assert out == ["", "OSError", "OSError", "OperationalError", "OSError 0"]
    assert world.gradebook.read_bytes() == before


def test_writes_only_in_scratch(world: World) -> None:
    name = f"sandbox-probe-{uuid.uuid4().hex}"
    targets = [ROOT / name, Path("/usr") / name, world.base / name, Path("/var/tmp") / name]
    paths = list(map(str, targets))
    out = run(world, [
        f"import os; print({{t: attempt(lambda: open(t, 'w')) for t in {paths!r}}})",
        f"print(attempt(lambda: open({name!r}, 'w').write('x')), os.getcwd())",
        f"print(attempt(lambda: open('/tmp/{name}', 'w').write('x')))",
    ])
    verdicts = ast.literal_eval(out[0])
    # Outside /tmp a write fails; under /tmp (a checkout there) it lands in the private tmpfs,
    # and the last assertion shows that nothing reaches the host.
    assert {v for t, v in verdicts.items() if not t.startswith("/tmp/")} == {"OSError"}
    assert out[1].startswith(f"ok {world.scratch}/")
    assert out[2] == "ok"  # the private /tmp
    assert not any(t.exists() for t in targets) and not (Path("/tmp") / name).exists()


def test_no_network(world: World) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # control: it listens
        out = run(world, [
            "import socket",
            f"print(attempt(lambda: socket.create_connection(('127.0.0.1', {port}), timeout=2)))",
            "print(socket.if_nameindex())",
        ])
    assert out == ["", "ConnectionRefusedError", "[(1, 'lo')]"]


def test_memory_and_file_size_limits(world: World) -> None:
    out = run(world, [
        "x = bytearray(7 * 2**30)",
        "print('still alive', len(bytearray(2**20)))",
        "print(attempt(lambda: open('big', 'wb').write(b'0' * 2**21)))",
    ], file_size_limit=2**20)
    assert out == ["MemoryError:", "still alive 1048576", "OSError"]


def test_interrupt_on_timeout_keeps_the_kernel(world: World) -> None:
    out = run(world, ["while True: pass", "print('next cell')"], timeout=2)
    assert out[0].startswith("KeyboardInterrupt") and out[1] == "next cell"


def test_exit_kills_the_kernel(world: World) -> None:
    """``os._exit`` ends the kernel; nbclient raises DeadKernelError (a restart is the grader's)."""
    with pytest.raises(DeadKernelError):
        run(world, ["import os; os._exit(1)", "print('never')"])
    assert list(world.scratch.iterdir()) == []


def test_sandbox_status(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ok, why = sandbox_status()
    assert ok, why
    monkeypatch.setenv("PATH", str(tmp_path))
    assert sandbox_status() == (False, "bubblewrap is not installed: apt-get install bubblewrap")
    km = SandboxedKernelManager(bwrap="/nonexistent/bwrap")
    failure: list[BaseException] = []

    def start() -> None:  # a thread of its own: an earlier test may leave an event loop running
        try:
            asyncio.run(km.start_kernel())
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failure.append(error)

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    with pytest.raises(RuntimeError, match="cannot sandbox the kernel: bubblewrap is not inst"):
        raise failure[0]


def test_nbgrader_execute_uses_config(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbgrader.preprocessors import Execute

    monkeypatch.setenv("GRADEBOOK_PASSWORD", "hunter2")
    config = world.config()
    config.Execute.kernel_manager_class = "autograder.sandbox.SandboxedKernelManager"
    nb = new_notebook(cells=[new_code_cell(
        "import os, socket; print(socket.if_nameindex(), os.environ.get('GRADEBOOK_PASSWORD'))")])
    nb, _ = Execute(config=config).preprocess(nb, {"metadata": {"path": str(world.nbdir)}})
    assert nb.cells[0].outputs[0].text.strip() == "[(1, 'lo')] None"
