"""Hostile notebooks against the bubblewrap kernel sandbox: real kernels, real bwrap, no mocks.

The files a kernel must not see are made under /var/tmp, not pytest's tmp_path: the sandbox gets
a private /tmp, so files under /tmp would be invisible anyway and prove nothing. The answers are
looked for the way a student would: a cell that walks the whole visible file system and reads
every file, searching for lines of the reference, nbgrader's solution and hidden-test markers,
the sample answers and any gradebook.
"""

from __future__ import annotations

import ast
import asyncio
import grp
import inspect
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from course_kit import RUNTIME
from grader.sandbox import RUNTIME_MOUNT, SandboxedKernelManager, _remove_tree, sandbox_status
from tests.support import processes

pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ("tuning", "scale", "batch_norm", "softmax")
#: The ordinary user the walk is repeated as, when the tests run as root.
TEST_USER = "course-grader-test"
AS_ROOT = os.geteuid() == 0

ATTEMPT = """
import errno

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as err:
        return errno.errorcode.get(err.errno, type(err).__name__)
    except Exception as err:
        return type(err).__name__
"""

STATUS = """
import json
print(json.dumps({k: v.split() for k, v in (line.split(":", 1)
      for line in open("/proc/self/status"))
      if k in ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}))
"""


def reference_lines(module: str, count: int = 3) -> list[str]:
    """The ``count`` longest one-line statements of the public functions in
    ``course_lib/<module>.py`` (no docstrings, no ``raise``: argument checks may be shared)."""
    source = (ROOT / "course_lib" / f"{module}.py").read_text()
    lines = source.splitlines()
    found = set()
    for fn in ast.parse(source).body:
        if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
            continue
        for node in ast.walk(fn):
            docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            if (isinstance(node, ast.stmt) and node is not fn and not docstring
                    and not isinstance(node, ast.Raise) and node.lineno == node.end_lineno):
                found.add(lines[node.lineno - 1].strip())
    return sorted((line for line in found if len(line) >= 30), key=lambda s: (-len(s), s))[:count]


def answers() -> dict[str, str]:
    """What must never be readable in the sandbox: label -> text."""
    texts = {f"{m}.py: {line}": line for m in REFERENCE for line in reference_lines(m)}
    texts |= {marker: marker for marker in ("### BEGIN HIDDEN TESTS", "### BEGIN SOLUTION")}
    for path in sorted((ROOT / "samples").glob("*.py")):
        texts[f"sample_submissions/{path.name}"] = path.read_text()
    return texts


def walk(top: str, needles_hex: dict[str, str], limit: int = 4 * 2**20) -> dict:
    """Read every readable regular file of at most ``limit`` bytes under ``top`` (not /proc,
    /sys, /dev) and report where each needle occurs, every file named gradebook.db, and how
    many files were read. Runs in the kernel too: needles travel hex-encoded, so the cell's
    own source never holds them."""
    import os
    import stat

    needles = {label: bytes.fromhex(h) for label, h in needles_hex.items()}
    found: dict[str, list[str]] = {label: [] for label in needles}
    gradebooks, read = [], 0
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in ("/proc", "/sys", "/dev")]
        for name in names:
            path = os.path.join(folder, name)
            if name == "gradebook.db":
                gradebooks.append(path)
            try:
                info = os.lstat(path)
                if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                    continue
                with open(path, "rb") as file:
                    data = file.read()
            except OSError:
                continue
            read += 1
            for label, needle in needles.items():
                if needle in data:
                    found[label].append(path)
    return {"found": found, "gradebooks": gradebooks, "read": read}


def report(traits: dict, needles_hex: dict[str, str], checkout: str) -> dict:
    """Who a kernel sandboxed with ``traits`` is and what its walk of ``/`` finds, beside what
    this process's own walk of ``checkout`` finds. Run by the tests, and by an ordinary user."""
    cells = [STATUS, "import numpy, sandbox_canary; print(numpy.ones(3).sum())",
             f"{inspect.getsource(walk)}\nprint(json.dumps(walk('/', {needles_hex!r})))",
             f"import os; print(os.path.exists({checkout!r}))"]  # fmt: skip
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, timeout=900,
                   config=Config({"SandboxedKernelManager": traits})).execute()  # fmt: skip
    status, imports, seen, visible = (c.outputs[0].text.strip() for c in nb.cells)
    return {"status": json.loads(status), "imports": imports, "walk": json.loads(seen),
            "checkout_visible": visible, "host": walk(checkout, needles_hex)}  # fmt: skip


@dataclass(frozen=True)
class World:
    base: Path  # under /var/tmp: outside the sandbox's allow-list
    nbdir: Path  # the notebook's own folder (copied to scratch)
    scratch: Path  # scratch_root
    runtime: Path  # a runtime_paths package folder: sandbox_canary
    checkout: Path  # another copy of the course: course_lib, source, sample answers, gradebook
    canary: str  # text only sandbox_canary holds

    def traits(self, **traits: object) -> dict:
        return {"scratch_root": str(self.scratch), "runtime_paths": [str(self.runtime)], **traits}

    def config(self, **traits: object) -> Config:
        return Config({"SandboxedKernelManager": self.traits(**traits)})

    def needles(self) -> dict[str, str]:
        texts = {**answers(), "canary": self.canary}
        return {label: text.encode().hex() for label, text in texts.items()}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    base = Path(tempfile.mkdtemp(prefix="sandbox-test-", dir="/var/tmp"))
    checkout = Path(tempfile.mkdtemp(prefix="another-checkout-", dir="/var/tmp"))
    w = World(base, base / "nb", base / "scratch", base / "runtime" / "sandbox_canary", checkout,
              f"sandbox canary {uuid.uuid4().hex}")  # fmt: skip
    w.nbdir.mkdir()
    (w.nbdir / "data.txt").write_text("relative data")
    w.scratch.mkdir()
    w.runtime.mkdir(parents=True)
    (w.runtime / "__init__.py").write_text(f"CANARY = {w.canary!r}\n")
    for folder in ("course_lib", "source", "samples"):
        shutil.copytree(ROOT / folder, checkout / folder)
    with sqlite3.connect(checkout / "gradebook.db") as db:
        db.execute("create table grade (student text, score real)")
    db.close()
    for top in (base, checkout):  # readable by anyone: only the sandbox stands in the way
        for folder, _, files in os.walk(top):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
    yield w
    shutil.rmtree(base)
    shutil.rmtree(checkout)


def run(world: World, cells: list[str], timeout: int = 20, **traits: object) -> list[str]:
    """Execute ``cells`` in a sandboxed kernel; each cell's stdout, or ``"Name: value"`` errors."""
    nb = new_notebook(cells=[new_code_cell(ATTEMPT), *map(new_code_cell, cells)])
    NotebookClient(
        nb, kernel_manager_class=SandboxedKernelManager, config=world.config(**traits),
        resources={"metadata": {"path": str(world.nbdir)}}, timeout=timeout,
        interrupt_on_timeout=True, allow_errors=True,
    ).execute()  # fmt: skip
    assert list(world.scratch.iterdir()) == [], "scratch folder left behind"
    return ["".join(o.get("text", "") if o.output_type == "stream" else
                    f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs).strip()
            for cell in nb.cells[1:]]  # fmt: skip


def kernel_account() -> tuple[int, int]:
    """uid and gid the kernel should have: nobody's when the tests run as root, else ours."""
    if AS_ROOT:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid
    return os.getuid(), os.getgid()


def assert_confined(result: dict, world: World, uid: int, gid: int) -> None:
    """The kernel of ``report`` ran as ``uid``:``gid`` without capabilities and found nothing
    of the course, while the same walk outside the sandbox finds all of it in the checkout."""
    status = result["status"]
    assert status["Uid"] == [str(uid)] * 4 and status["Gid"] == [str(gid)] * 4, status
    assert uid != 0 and all(int(status[c][0], 16) == 0 for c in
                            ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")), status
    if AS_ROOT:
        assert status["Groups"] == [], status
    assert result["imports"] == "3.0"
    host = result["host"]  # control: the walk does find a copy of the course where it can read
    assert sorted(label for label, paths in host["found"].items() if paths) == sorted(
        set(answers()))
    assert host["gradebooks"] == [str(world.checkout / "gradebook.db")]
    seen = result["walk"]
    assert {label: paths for label, paths in seen["found"].items() if paths} == {
        "canary": [f"{RUNTIME_MOUNT}/sandbox_canary/__init__.py"]}
    assert seen["gradebooks"] == []
    assert seen["read"] > 10_000  # the system and the Python were read, not an empty root
    assert result["checkout_visible"] == "False"


def graders_traits(world: World, **traits: object) -> dict:
    """The sandbox as grading sets it up: the student runtime (the ``course_kit`` package) beside
    the test's own runtime package."""
    return world.traits(runtime_paths=[str(world.runtime), str(RUNTIME)], **traits)


def test_a_walk_of_the_whole_sandbox_finds_no_answer(world: World) -> None:
    result = report(graders_traits(world), world.needles(), str(world.checkout))
    assert_confined(result, world, *kernel_account())


def blocked_folder(path: Path, uid: int, gid: int) -> Path | None:
    """The first folder on the way to ``path`` that ``uid``:``gid`` cannot enter (mode bits)."""
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        bit = 0o100 if info.st_uid == uid else 0o010 if info.st_gid == gid else 0o001
        if not info.st_mode & bit:
            return folder
    return None


def as_test_user() -> tuple[list[str], int, int]:
    """Command prefix running a program as the ordinary user ``TEST_USER`` (made on first use),
    its uid and gid. The Python may sit behind a home folder that user cannot enter (here
    /root/.pyenv, /root being 0700): then the prefix shows that one installation, read-only,
    through a private mount namespace, as a system-wide Python would be. The repository and its
    virtualenv get no such help: they must be readable by an ordinary user."""
    try:
        account = pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", TEST_USER], check=True)  # fmt: skip
        account = pwd.getpwnam(TEST_USER)
    uid, gid = account.pw_uid, account.pw_gid
    for needed in (ROOT, Path(sys.prefix)):
        if (folder := blocked_folder(needed, uid, gid)) is not None:
            pytest.fail(f"the ordinary user {TEST_USER} cannot enter {folder}, on the way to "
                        f"{needed}: put the repository where any user can read it, or "
                        f"chmod o+x {folder}")  # fmt: skip
    prefix = []
    python = Path(sys.base_prefix)
    if (folder := blocked_folder(python, uid, gid)) is not None:
        prefix = ["bwrap", "--dev-bind", "/", "/", "--tmpfs", str(folder)]
        for step in [*reversed(python.parents), python]:
            if step.is_relative_to(folder) and step != folder:
                prefix += ["--dir", str(step)]
        prefix += ["--ro-bind", str(python), str(python), "--"]
    prefix += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    return prefix, uid, gid


def test_an_ordinary_user_s_kernel_finds_no_answer_either(world: World) -> None:
    """The same walk with the grader run by an ordinary user (unprivileged bwrap)."""
    if AS_ROOT:
        prefix, uid, gid = as_test_user()
    else:
        prefix, uid, gid = [], os.getuid(), os.getgid()
    script = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
              "from tests.test_sandbox import report; "
              "print(json.dumps(report(**json.load(sys.stdin))))")
    args = {"traits": graders_traits(world, scratch_root=""), "needles_hex": world.needles(),
            "checkout": str(world.checkout)}  # fmt: skip
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", "LANG": "C.UTF-8"}
    proc = subprocess.run([*prefix, sys.executable, "-c", script], input=json.dumps(args),
                          capture_output=True, text=True, env=env, cwd="/")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_confined(json.loads(proc.stdout.splitlines()[-1]), world, uid, gid)


def test_control_notebook_runs_normally(world: World) -> None:
    out = run(world, [
        "print(6 * 7)",
        "import numpy as np, sandbox_canary as c; print(int(np.arange(5).sum()), c.__file__)",
        "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
        "plt.plot([0, 1], [1, 0]); plt.savefig('plot.png'); print(open('plot.png', 'rb').read(4))",
        "open('result.txt', 'w').write('written'); print(open('result.txt').read())",
        "print(open('data.txt').read())",
    ])  # fmt: skip
    assert out == ["42", f"10 {RUNTIME_MOUNT}/sandbox_canary/__init__.py", r"b'\x89PNG'",
                   "written", "relative data"]  # fmt: skip
    assert not (world.nbdir / "result.txt").exists()  # the kernel wrote to its copy


def test_only_the_allow_list_exists(world: World) -> None:
    """Top-level folders, /etc, the repository, the virtualenv's packages: nothing more."""
    uid, _ = kernel_account()
    site = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    out = run(world, [
        "import importlib.metadata, importlib.util, os, pwd, sys",
        "print(sorted(os.listdir('/')), sorted(os.listdir('/etc')), os.environ['HOME'])",
        f"print(sorted(os.listdir({str(ROOT)!r})), os.listdir('/var/tmp'))",
        "print([importlib.util.find_spec(m) for m in "
        "('grader', 'instructor_tools', 'course_lib', 'nbgrader')])",
        "print(attempt(lambda: importlib.metadata.distribution('dl-tuning-course')))",
        f"names = os.listdir({site!r}); print([n for n in names if 'tuning_course' in n])",
        "print('numpy' in names, 'nbgrader' in names, 'jupyterlab' in names)",
        f"print(pwd.getpwuid({uid}).pw_name, [e.pw_name for e in pwd.getpwall()])",
    ])  # fmt: skip
    visible = {Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, world.scratch)}
    system = {"bin", "sbin", "lib", "lib64", "usr", "etc", "proc", "dev", "tmp", "opt"}
    etc = {"passwd", "group"} | {f for f in ("ld.so.cache", "localtime", "fonts", "mime.types")
                                 if os.path.exists(f"/etc/{f}")}  # fmt: skip
    assert out[1] == f"{sorted(system | visible)} {sorted(etc)} /tmp"
    expected_repo = [".venv"] if Path(sys.prefix).parent == ROOT else []
    assert out[2] == f"{expected_repo} {[world.base.name]}"  # no checkout, no other folder
    assert out[3:7] == ["[None, None, None, None]", "PackageNotFoundError", "[]",
                        "True False False"]
    name = pwd.getpwuid(uid).pw_name
    accounts = list(dict.fromkeys(["root", "nobody", name]))
    assert out[7] == f"{name} {accounts}"


def test_writes_only_in_scratch(world: World) -> None:
    name = f"sandbox-probe-{uuid.uuid4().hex}"
    site = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    targets = [ROOT / name, Path("/usr") / name, Path(site) / name, Path("/etc") / name,
               world.base / name, Path(RUNTIME_MOUNT) / "sandbox_canary" / name, Path("/") / name]
    paths = list(map(str, targets))
    out = run(world, [
        f"import os; print({{t: attempt(lambda: open(t, 'w')) for t in {paths!r}}})",
        f"print(attempt(lambda: open({name!r}, 'w').write('x')), os.getcwd())",
        f"print(attempt(lambda: open('/tmp/{name}', 'w').write('x')))",
        f"print(attempt(lambda: open('/dev/shm/{name}', 'w').write('x')))",
    ])  # fmt: skip
    # read-only (or, for a checkout under /tmp, a folder of the private /tmp the kernel's user
    # does not own): no write outside scratch succeeds, whoever owns the path outside
    assert set(ast.literal_eval(out[0]).values()) <= {"EROFS", "EACCES"}
    assert out[1].startswith(f"ok {world.scratch}/")
    assert out[2:] == ["ok", "ok"]  # the private /tmp and /dev/shm
    assert not any(t.exists() for t in targets) and not (Path("/tmp") / name).exists()


def test_no_network(world: World) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # control: it listens
        out = run(world, [
            "import socket",
            f"print(attempt(lambda: socket.create_connection(('127.0.0.1', {port}), timeout=2)))",
            "print(socket.if_nameindex())",
        ])  # fmt: skip
    assert out == ["", "ECONNREFUSED", "[(1, 'lo')]"]


def test_no_user_namespaces_inside(world: World) -> None:
    """unshare(CLONE_NEWUSER) in a fresh single-threaded process, outside and inside."""
    code = ("import ctypes, errno; libc = ctypes.CDLL(None, use_errno=True); "
            "print(libc.unshare(0x10000000), errno.errorcode.get(ctypes.get_errno()))")
    probe = ("import subprocess, sys; print(subprocess.run([sys.executable, '-c', "
             f"{code!r}], capture_output=True, text=True).stdout.strip())")
    outside = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert outside.stdout.split()[0] == "0"  # control: this machine allows user namespaces
    assert run(world, [probe]) == ["-1 ENOSPC"]  # user.max_user_namespaces is 0 inside


def test_memory_and_file_size_limits(world: World) -> None:
    out = run(world, [
        "x = bytearray(7 * 2**30)",
        "print('still alive', len(bytearray(2**20)))",
        "print(attempt(lambda: open('big', 'wb').write(b'0' * 2**21)))",
    ], file_size_limit=2**20)  # fmt: skip
    assert out == ["MemoryError:", "still alive 1048576", "EFBIG"]


def test_process_limit(world: World) -> None:
    """RLIMIT_NPROC counts the kernel's threads: 60 more do not fit under 48."""
    cells = ["import threading\nstop = threading.Event(); started = 0\n"
             "try:\n    for _ in range(60):\n"
             "        threading.Thread(target=stop.wait, daemon=True).start(); started += 1\n"
             "except RuntimeError as err:\n    print(err)\n"
             "stop.set(); print(started)"]  # fmt: skip
    error, started = run(world, cells, process_limit=48)[0].splitlines()
    assert error == "can't start new thread" and 0 < int(started) < 60
    assert run(world, cells) == ["60"]  # control: the default limit lets them all start


def test_interrupt_on_timeout_keeps_the_kernel(world: World) -> None:
    out = run(world, ["while True: pass", "print('next cell')"], timeout=2)
    assert out[0].startswith("KeyboardInterrupt") and out[1] == "next cell"


def test_nothing_the_kernel_writes_reaches_the_graders_output(world: World, capfd) -> None:
    """The kernel's standard output is not the grader's (the instructor's terminal or log):
    ipykernel echoes there what a cell writes to file descriptor 1, and a process the cell
    starts keeps it, so escape sequences written there would act on the instructor's terminal.
    Its standard error is a private file (``start_problem``)."""
    marker = f"kernel-output-{uuid.uuid4().hex}"
    out = run(world, [f"import os, subprocess\nos.write(1, b'{marker}\\n')\n"
                      f"os.write(2, b'{marker}\\n')\n"
                      f"subprocess.run(['echo', '{marker}'])\nprint('ran')"])
    assert "ran" in out[0].splitlines()
    captured = capfd.readouterr()
    assert marker not in captured.out + captured.err


def test_exit_kills_the_kernel(world: World) -> None:
    """``os._exit`` ends the kernel; nbclient raises DeadKernelError (a restart is the grader's)."""
    with pytest.raises(DeadKernelError):
        run(world, ["import os; os._exit(1)", "print('never')"])
    assert list(world.scratch.iterdir()) == []


def test_a_daemon_a_cell_starts_ends_with_a_kernel_killed_at_once(world: World) -> None:
    """Grading kills each kernel once its cells are run (``shutdown_kernel="immediate"``): a
    process a cell started in a session of its own ends with the sandbox, and its scratch
    folder is gone."""
    marker = f"sandbox-daemon-{uuid.uuid4().hex}"
    cell = ("import subprocess, sys\n"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', "
            f"'{marker}'], start_new_session=True)\nprint('started')")
    nb = new_notebook(cells=[new_code_cell(cell)])
    NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, config=world.config(),
                   resources={"metadata": {"path": str(world.nbdir)}}, timeout=30,
                   shutdown_kernel="immediate").execute()
    assert nb.cells[0].outputs[0]["text"] == "started\n"
    deadline = time.monotonic() + 5
    while (left := [p.pid for p in processes() if marker in p.command]) and (
            time.monotonic() < deadline):
        time.sleep(0.1)
    assert not left
    assert list(world.scratch.iterdir()) == []


#: A process of a killed sandbox in its last moment: it adds folders to scratch as fast as it
#: can, for a second at most, until scratch is gone.
ENDING_WRITER = """import os, sys, time
folder, end, i = sys.argv[1], time.monotonic() + 1.0, 0
while time.monotonic() < end:
    try:
        os.mkdir(os.path.join(folder, str(i)))
        i += 1
    except FileNotFoundError:
        break
"""


def test_what_an_ending_sandbox_adds_to_scratch_is_removed_too(tmp_path: Path) -> None:
    """A kernel killed at once (the grader's default) ends before its sandbox does: its
    processes still run for a moment, and a folder they add to scratch while it is removed
    must not stay on the grader's disk."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", ENDING_WRITER, str(scratch)])
    try:
        while len(os.listdir(scratch)) < 200 and writer.poll() is None:
            time.sleep(0.001)
        _remove_tree(str(scratch))
    finally:
        writer.wait()
    assert not scratch.exists()


LAUNCHER = """
import asyncio, json, os, sys, time
from traitlets.config import Config
from grader.sandbox import SandboxedKernelManager

async def start():
    km = SandboxedKernelManager(config=Config({"SandboxedKernelManager": json.load(sys.stdin)}))
    await km.start_kernel()
    client = km.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return km

km = asyncio.run(start())
print(json.dumps([os.getpid(), km._runtime_dir, km._scratch_dir]), flush=True)
time.sleep(300)
"""


def _processes_naming(*paths: str) -> dict[int, str]:
    """The processes whose command line holds one of ``paths``: pid -> start time."""
    return {p.pid: p.started for p in processes() if any(path in p.command for path in paths)}


@pytest.mark.parametrize("user", ["grader", "ordinary user"])
def test_a_killed_grader_leaves_no_kernel_running(world: World, user: str) -> None:
    """SIGKILL (the out-of-memory killer) gives the grader no time to stop its kernels: they
    die with it, the sandbox and everything in it."""
    prefix = as_test_user()[0] if user == "ordinary user" and AS_ROOT else []
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", "LANG": "C.UTF-8",
           "PYTHONPATH": str(ROOT)}
    launcher = subprocess.Popen([*prefix, sys.executable, "-c", LAUNCHER], cwd="/", env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        launcher.stdin.write(json.dumps(graders_traits(world, scratch_root="")))
        launcher.stdin.close()
        grader, *folders = json.loads(launcher.stdout.readline())
        kernel = _processes_naming(*folders)
        assert len(kernel) >= 3, kernel  # bwrap (twice as root), prlimit's exec: the kernel
        os.kill(grader, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while (left := {p for p, t in _processes_naming(*folders).items() if kernel.get(p) == t}
               ) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"processes of the killed grader's kernel still run: {sorted(left)}"
    finally:
        launcher.kill()
        launcher.wait()


def start_failure(km: SandboxedKernelManager) -> BaseException:
    """What starting ``km``'s kernel raises, in a thread of its own (an earlier test may leave
    an event loop running)."""
    failure: list[BaseException] = []

    def start() -> None:
        try:
            asyncio.run(km.start_kernel())
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failure.append(error)

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    assert failure, "the kernel started"
    return failure[0]


def test_sandbox_status(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ok, why = sandbox_status()
    assert ok, why
    bad_user = sandbox_status(kernel_user="no-such-user-here")
    root_user = sandbox_status(kernel_user="0")
    if AS_ROOT:
        assert bad_user == (False, "the kernel user 'no-such-user-here' does not exist: useradd "
                            "--system no-such-user-here, or set SandboxedKernelManager.kernel_user"
                            " to another unprivileged user")  # fmt: skip
        assert root_user == (False, "the kernel user '0' is root: choose an unprivileged user")
    else:  # an ordinary user's kernel is that user: kernel_user does not apply
        assert bad_user[0] and root_user[0]
    monkeypatch.setenv("PATH", str(tmp_path))
    assert sandbox_status() == (False, "bubblewrap is not installed: apt-get install bubblewrap")
    error = start_failure(SandboxedKernelManager(bwrap="/nonexistent/bwrap"))
    assert str(error) == "cannot sandbox the kernel: bubblewrap is not installed: apt-get " \
                         "install bubblewrap"  # fmt: skip


def test_refusals_name_the_reason(world: World, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path) -> None:  # fmt: skip
    """A runtime path that is not a folder, a kernel spec running another Python."""
    error = start_failure(SandboxedKernelManager(runtime_paths=[str(tmp_path / "missing")]))
    assert str(error) == (f"cannot sandbox the kernel: runtime path {tmp_path / 'missing'} is "
                          "not a folder (SandboxedKernelManager.runtime_paths)")  # fmt: skip
    spec = tmp_path / "kernels" / "other"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["/opt/other/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Other", "language": "python"}))  # fmt: skip
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    error = start_failure(SandboxedKernelManager(kernel_name="other", **world.traits()))
    assert str(error) == ("cannot sandbox the kernel: its command runs /opt/other/python3, but "
                          f"the sandbox holds only this environment's Python ({sys.executable})"
                          ": use its python3 kernel")  # fmt: skip


def test_nbgrader_execute_uses_config(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbgrader.preprocessors import Execute

    monkeypatch.setenv("GRADEBOOK_PASSWORD", "hunter2")
    config = world.config()
    config.Execute.kernel_manager_class = "grader.sandbox.SandboxedKernelManager"
    nb = new_notebook(cells=[new_code_cell(
        "import os, socket; print(socket.if_nameindex(), os.environ.get('GRADEBOOK_PASSWORD'))")])
    nb, _ = Execute(config=config).preprocess(nb, {"metadata": {"path": str(world.nbdir)}})
    assert nb.cells[0].outputs[0].text.strip() == "[(1, 'lo')] None"


def test_kernel_files_belong_to_the_kernel_user(world: World) -> None:
    """Scratch (with the notebook folder's copy) and the sockets' folder are the kernel user's;
    its passwd names it."""
    uid, gid = kernel_account()
    out = run(world, [
        "import os, pwd, grp",
        "print({n: (os.stat(n).st_uid, os.stat(n).st_gid) for n in ('.', 'data.txt')})",
        "from ipykernel.connect import get_connection_file",
        "print(os.stat(os.path.dirname(get_connection_file())).st_uid)",
        "print(pwd.getpwuid(os.getuid()).pw_dir, grp.getgrgid(os.getgid()).gr_name)",
    ])  # fmt: skip
    assert out[1] == str({".": (uid, gid), "data.txt": (uid, gid)})
    assert out[3] == str(uid)
    assert out[4] == f"/tmp {grp.getgrgid(gid).gr_name}"
