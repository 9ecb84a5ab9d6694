"""Jupyter kernels confined by bubblewrap: read-only system, hidden course files, no network.

``SandboxedKernelManager`` is a drop-in ``AsyncKernelManager`` for nbgrader and nbclient::

    c.Execute.kernel_manager_class = "autograder.sandbox.SandboxedKernelManager"
    c.SandboxedKernelManager.hidden_paths = [str(Path.home()), "/home", "/root", str(course_root)]

Hiding the whole course folder hides source/, .git/, the gradebook and its journal, and folders
made later (feedback/); the virtualenv and the folders of ``packages`` stay visible read-only.

Each kernel gets a private runtime folder (ZMQ ``ipc`` sockets and the connection file, bound
into the sandbox) and a writable scratch folder that is its working directory. The notebook's
folder is *copied* into the scratch folder (hidden paths left out), so relative data files load
and files the notebook writes go to the copy, never back to the submission. Both folders are
removed when the kernel shuts down. ``sandbox_command`` shows the exact bubblewrap command line.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode, default

#: Always hidden: host Unix sockets (D-Bus, Docker, PostgreSQL) live here, and a new network
#: namespace does not cut sockets that are files.
ALWAYS_HIDDEN = ("/run",)

_CORE_OPTIONS = (
    "--ro-bind", "/", "/",
    "--proc", "/proc",
    "--dev", "/dev",
    "--unshare-all", "--unshare-user", "--disable-userns",
    "--die-with-parent", "--new-session",
)  # fmt: skip

_SYSCTL_HINTS = (
    ("/proc/sys/kernel/unprivileged_userns_clone", "0",
     "unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone=1"),
    ("/proc/sys/user/max_user_namespaces", "0",
     "user namespaces are disabled: sysctl user.max_user_namespaces=15000"),
    ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1",
     "AppArmor blocks unprivileged user namespaces: "
     "sysctl kernel.apparmor_restrict_unprivileged_userns=0 or give bwrap an AppArmor profile"),
)  # fmt: skip

_GIB = 2**30
_MIB = 2**20


def sandbox_status(bwrap: str = "bwrap") -> tuple[bool, str]:
    """Whether a bubblewrap sandbox starts here, and if not, why (one line saying what to do).

    ``bwrap`` is a command name looked up on PATH or a path. The trial sandbox runs once per
    bwrap binary per process.
    """
    path = shutil.which(bwrap)
    if path is None:
        return False, "bubblewrap is not installed: apt-get install bubblewrap"
    if shutil.which("prlimit") is None:
        return False, "prlimit is not installed: apt-get install util-linux"
    return _trial(os.path.realpath(path))


@functools.cache
def _trial(bwrap: str) -> tuple[bool, str]:
    """Run ``bwrap <core options> true`` and explain a failure."""
    try:
        proc = subprocess.run(
            [bwrap, *_CORE_OPTIONS, "--tmpfs", "/tmp", "true"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"bubblewrap cannot run: {err}"
    if proc.returncode == 0:
        return True, f"bubblewrap sandbox works ({bwrap})"
    for sysctl, bad, hint in _SYSCTL_HINTS:
        try:
            if Path(sysctl).read_text().strip() == bad:
                return False, hint
        except OSError:
            continue
    lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
    return False, f"bubblewrap cannot start a sandbox: {lines[-1]}"


def _package_dir(name: str) -> str | None:
    """Folder of an importable package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(iter(spec.submodule_search_locations))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _copy_folder(src: str, dst: str, hidden: set[str], limit: int) -> None:
    """Copy ``src`` into ``dst`` without hidden entries; symlinks stay links (never followed)."""
    total = 0

    def ignore(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if os.path.realpath(os.path.join(folder, n)) in hidden]

    def copy(source: str, target: str) -> None:
        nonlocal total
        total += os.path.getsize(source)
        if limit and total > limit:
            raise RuntimeError(
                f"the notebook folder {src} holds more than {limit} bytes: give the notebook "
                "a folder of its own or raise SandboxedKernelManager.copy_limit"
            )
        shutil.copy2(source, target)

    shutil.copytree(src, dst, symlinks=True, ignore=ignore, copy_function=copy,
                    dirs_exist_ok=True)


def _remove_tree(path: str) -> None:
    """Delete a folder the kernel wrote, including folders it made unreadable."""
    for root, dirs, _ in os.walk(path):
        for d in dirs:
            full = os.path.join(root, d)
            if not os.path.islink(full):
                os.chmod(full, 0o700)
    shutil.rmtree(path, ignore_errors=True)


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel runs inside bubblewrap (see the module docstring).

    Transport is forced to ``ipc`` and interrupts are sent as control messages (a signal to
    bwrap's process group would not reach the kernel in its own session).
    """

    bwrap = Unicode("bwrap", help="bubblewrap command (name on PATH or path).").tag(config=True)

    hidden_paths = List(
        Unicode(),
        help="Folders (covered by an empty read-only tmpfs) and files (covered by an empty "
        "read-only file) the kernel must not see. Relative paths are taken from the current "
        "directory; missing paths are skipped. /run is always hidden.",
    ).tag(config=True)

    extra_ro_binds = List(
        Unicode(),
        help="Paths kept visible read-only even inside a hidden folder (the virtualenv, the "
        "Python installation and the folders of `packages` are kept automatically).",
    ).tag(config=True)

    packages = List(
        Unicode(),
        default_value=["course_lib", "autograder"],
        help="Importable packages whose folders stay visible read-only.",
    ).tag(config=True)

    memory_limit = Integer(
        2 * _GIB, help="RLIMIT_AS of the kernel in bytes (0: no limit)."
    ).tag(config=True)

    file_size_limit = Integer(
        100 * _MIB, help="RLIMIT_FSIZE in bytes: largest file the kernel can write (0: no limit)."
    ).tag(config=True)

    process_limit = Integer(
        256,
        help="RLIMIT_NPROC (processes and threads) of the kernel (0: no limit). For a non-root "
        "user it counts only the sandbox's own tasks; root is exempt.",
    ).tag(config=True)

    tmp_size = Integer(
        256 * _MIB, help="Size in bytes of the private tmpfs on /tmp and on /dev/shm."
    ).tag(config=True)

    copy_limit = Integer(
        256 * _MIB, help="Most bytes copied from the notebook's folder to scratch (0: no limit)."
    ).tag(config=True)

    scratch_root = Unicode(
        "", help="Folder in which per-kernel scratch folders are made (empty: the system temp)."
    ).tag(config=True)

    pass_env = List(
        Unicode(),
        default_value=[
            "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "PYTHONHASHSEED",
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
            "PYDEVD_DISABLE_FILE_VALIDATION", "JPY_SESSION_NAME",
        ],
        help="Environment variables passed to the kernel; every other one (tokens, database "
        "URLs) is dropped. Variables of the kernel spec's env are passed too.",
    ).tag(config=True)  # fmt: skip

    _runtime_dir: str | None = None
    _scratch_dir: str | None = None

    @default("hidden_paths")
    def _hidden_paths_default(self) -> list[str]:
        return [str(Path.home()), "/home", "/root"]

    def _hidden(self) -> list[str]:
        """Existing hidden paths, resolved, without duplicates (never / itself, e.g. HOME=/)."""
        found = dict.fromkeys(
            os.path.realpath(p) for p in (*ALWAYS_HIDDEN, *self.hidden_paths) if os.path.lexists(p)
        )
        return [p for p in found if p != "/"]

    def _kept(self) -> list[str]:
        """Read-only paths re-bound because they lie inside a hidden folder or a private tmpfs
        (a checkout under /tmp keeps its virtualenv)."""
        wanted = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                  *(d for d in map(_package_dir, self.packages) if d), *self.extra_ro_binds]
        hidden = [*self._hidden(), "/tmp", "/dev/shm"]
        kept = dict.fromkeys(os.path.realpath(p) for p in wanted if os.path.exists(p))
        return [k for k in kept if any(_under(k, h) for h in hidden if h != k)]

    def sandbox_command(self) -> list[str]:
        """The bwrap + prlimit prefix for the kernel command (needs a started manager's folders)."""
        assert self._runtime_dir and self._scratch_dir, "folders are made by start_kernel"
        sock = os.path.join(self._runtime_dir, "sock")
        empty = os.path.join(self._runtime_dir, "empty")
        size = str(self.tmp_size)
        cmd = [os.path.realpath(shutil.which(self.bwrap) or self.bwrap), *_CORE_OPTIONS,
               "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/dev/shm",
               "--setenv", "JPY_PARENT_PID", "1"]  # 1: no parent poller (--die-with-parent is)
        hidden, kept = self._hidden(), self._kept()
        tmpfs: list[str] = []

        def hide(path: str) -> list[str]:
            if os.path.isdir(path):
                tmpfs.append(path)
                return ["--tmpfs", path]
            return ["--ro-bind", empty, path]

        for h in hidden:  # a path inside another hidden folder is hidden already
            if not any(_under(h, o) and h != o for o in hidden):
                cmd += hide(h)
        for k in kept:
            cmd += ["--ro-bind", k, k]
        for h in hidden:  # hidden paths inside a kept folder, e.g. source/ in the repository
            if any(_under(h, k) and h != k for k in kept):
                cmd += hide(h)
        cmd += ["--bind", sock, sock, "--bind", self._scratch_dir, self._scratch_dir]
        for t in tmpfs:  # read-only last: bwrap makes mount points in them first
            cmd += ["--remount-ro", t]
        cmd += ["--chdir", self._scratch_dir, shutil.which("prlimit") or "prlimit"]
        for option, limit in (("--as", self.memory_limit), ("--fsize", self.file_size_limit),
                              ("--nproc", self.process_limit)):
            if limit:
                cmd.append(f"{option}={limit}")
        return [*cmd, "--"]

    def _make_folders(self, cwd: str | None) -> None:
        """Runtime folder (sockets, connection file, empty file) and scratch working folder."""
        self._runtime_dir = tempfile.mkdtemp(prefix="ag-kernel-")
        sock = os.path.join(self._runtime_dir, "sock")
        os.mkdir(sock, 0o700)
        empty = os.path.join(self._runtime_dir, "empty")
        Path(empty).touch(0o444)
        self._scratch_dir = tempfile.mkdtemp(prefix="ag-scratch-", dir=self.scratch_root or None)
        if cwd:
            _copy_folder(cwd, self._scratch_dir, set(self._hidden()), self.copy_limit)
        self.transport = "ipc"
        self.connection_file = os.path.join(sock, "kernel.json")
        self.ip = os.path.join(sock, "kernel-ipc")

    def _kernel_env(self, env: dict[str, str]) -> dict[str, str]:
        keep = {*self.pass_env, *self.kernel_spec.env}
        clean = {k: v for k, v in env.items() if k in keep}
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            clean.setdefault(var, "1")  # RLIMIT_AS counts every thread's stack and buffers
        clean["HOME"] = "/tmp"
        return clean

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        """Make the folders on first start, then wrap the kernel command in the sandbox."""
        ok, why = sandbox_status(self.bwrap)
        if not ok:
            raise RuntimeError(f"cannot sandbox the kernel: {why}")
        if self._runtime_dir is None:
            self._make_folders(kw.get("cwd"))
        self.kernel_spec.interrupt_mode = "message"
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        kw["env"] = self._kernel_env(kw.get("env", os.environ))
        kw["cwd"] = self._scratch_dir
        return [*self.sandbox_command(), *kernel_cmd], kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """jupyter_client's cleanup, then (unless restarting) delete runtime and scratch."""
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        for folder in (self._runtime_dir, self._scratch_dir):
            if folder:
                _remove_tree(folder)
        self._runtime_dir = self._scratch_dir = None

    pre_start_kernel = _async_pre_start_kernel
    cleanup_resources = _async_cleanup_resources
