"""Jupyter kernels confined by bubblewrap: an allow-listed file system, no network, no privilege.

``SandboxedKernelManager`` is a drop-in ``AsyncKernelManager`` for nbgrader and nbclient::

    c.Execute.kernel_manager_class = "grader.sandbox.SandboxedKernelManager"
    c.SandboxedKernelManager.runtime_paths = ["/path/to/answer_free_package"]

The kernel's file system starts empty (bubblewrap's own root) and shows only, read-only:

- the system: the entries of ``/usr`` but ``/usr/local``; ``/bin``, ``/sbin``, ``/lib``,
  ``/lib64`` (re-made as links where they are merged-/usr links); from ``/etc`` only
  ``ld.so.cache``, ``localtime``, ``fonts/`` and ``mime.types``, plus a ``passwd`` and a
  ``group`` naming root, the kernel's user and nobody;
- the Python that runs the grader, in whatever layout it is installed (pyenv, a virtualenv of
  a virtualenv, uv, ``/usr/local``, ``/opt``, conda): every link on the way from the kernel's
  command to the real executable, each hop resolved (folders that are links included); the
  shared libraries it loads from outside the system, with the other shared libraries of their
  folders; its standard library as the interpreter itself reports it (``sys.path`` without
  site); the virtualenv's ``pyvenv.cfg`` and the links on the way to its ``home``; and, one
  site-packages entry at a time, the files of ``distributions`` and of everything they require
  (the installation's own site-packages, inside its standard library, is covered by a tmpfs
  that shows only those). The course's own distribution (``dl-tuning-course``:
  ``course_lib/``, ``grader/``, ``instructor_tools/``, ``course_kit/``, its dist-info, its
  editable ``.pth``) is never among them, nor nbgrader (its tests ship nbgrader's solution
  markers and a ``gradebook.db``);
- ``runtime_paths``, package folders each at ``/opt/course-runtime/<its name>``, with
  ``/opt/course-runtime`` first on ``PYTHONPATH``: the answer-free support code the notebooks
  import (the student runtime, ``course_kit``).

Writable: a private runtime folder (ZMQ ``ipc`` sockets and the connection file) and a scratch
folder that is the working directory, both at their host paths; a private tmpfs on ``/tmp`` and
``/dev/shm``. Plus a new ``/proc`` and a minimal ``/dev``. Nothing else exists: no home folder,
no ``/work``, ``/var``, ``/run``, ``/srv``, ``/mnt``, ``/media`` (only the empty folders leading
to the paths above). The notebook's folder is *copied* into scratch, so relative data files load
and files the notebook writes go to the copy, never back to the submission. Both folders are
removed when the kernel shuts down. ``sandbox_command`` shows the exact command line.

Who the kernel is
-----------------
Run by an ordinary user, one unprivileged bwrap makes a user namespace (``--unshare-user
--disable-userns``): the kernel is that user, with no capabilities, and cannot make user
namespaces of its own.

Run by root (CI), the kernel runs as ``kernel_user`` (nobody by default). ``bwrap
--unshare-user --uid 65534 --cap-drop ALL`` does not do that: checked here (bubblewrap 0.8,
Linux 6.18), bwrap maps the sandbox's uid 65534 onto its caller's uid 0, so outside the
namespace the kernel is still root, and a root-only (0600) file bound into the sandbox stays
readable. Instead, three steps:

1. bwrap as root *without* a user namespace builds the file system (root may mount, and may read
   ``/root/.pyenv`` behind ``/root``'s mode 700; inside, ``/root`` is a fresh 0755 folder);
2. ``setpriv`` sets the real, effective, saved and file-system uid and gid to ``kernel_user``'s,
   clears the supplementary groups, the inheritable and bounding capability sets, and sets
   ``no_new_privs``;
3. a second, unprivileged bwrap (``--dev-bind / / --unshare-user --disable-userns``) gives that
   user the ordinary user's namespace, so the kernel cannot make user namespaces either.

The sockets' folder, the connection file and the scratch folder are handed to that user. If any
of this cannot work here, :func:`sandbox_status` says why in one line and grading refuses. The
kernel's standard error goes to a private file: when the kernel exits before it answers,
:meth:`SandboxedKernelManager.start_problem` says why in one line ("the sandbox cannot start
PYTHON: REASON").

Why one module of about 680 lines: it has one job, the sandbox of one kernel (the allow-list
of mounts, the kernel's account, its limits) and the kernel manager that starts the kernel in
it; the allow-list is easiest to audit read in one place.
"""

from __future__ import annotations

import contextlib
import functools
import grp
import importlib.metadata
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from traitlets import Integer, List, Unicode

from course_kit.limits import MEMORY_LIMIT, SINGLE_THREADED

#: The course's own distribution: nothing it installs is shown to the kernel.
COURSE_DISTRIBUTION = "dl-tuning-course"
#: Where ``runtime_paths`` appear in the sandbox (``/opt/course-runtime/course_kit``, ...).
RUNTIME_MOUNT = "/opt/course-runtime"

_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64")
_NOT_SYSTEM = ("/usr/local",)  # administrators' own installs, never the distribution's
_ETC = ("ld.so.cache", "localtime", "fonts", "mime.types")

#: Namespaces of an unprivileged sandbox (user namespace included, none nested in it).
_USER_NAMESPACES = ("--unshare-all", "--unshare-user", "--disable-userns")
#: Namespaces of root's outer sandbox: no user namespace, so root's mounts need no mapping.
_ROOT_NAMESPACES = ("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                    "--unshare-cgroup-try")  # fmt: skip
_SESSION = ("--die-with-parent", "--new-session")

_SYSCTL_HINTS = (
    ("/proc/sys/kernel/unprivileged_userns_clone", "0",
     "unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone=1"),
    ("/proc/sys/user/max_user_namespaces", "0",
     "user namespaces are disabled: sysctl user.max_user_namespaces=15000"),
    ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1",
     "AppArmor blocks unprivileged user namespaces: "
     "sysctl kernel.apparmor_restrict_unprivileged_userns=0 or give bwrap an AppArmor profile"),
)  # fmt: skip

_MIB = 2**20
#: Seconds the folders of a killed kernel are removed again while its sandbox is ending.
REMOVAL_PATIENCE = 5.0
#: A shared library's file name: ``libx.so``, ``libx.so.1.2``.
_SHARED = re.compile(r"\.so(\.|$)")


#: bwrap options of one mount; the last one is its destination.
Mount = tuple[str, ...]


def _bind(path: str) -> Mount:
    """Show ``path`` read-only at the same place (a link stays a link)."""
    if os.path.islink(path):
        return ("--symlink", os.readlink(path), path)
    return ("--ro-bind", path, path)


def _tmpfs(path: str, size: int) -> Mount:
    """A private tmpfs of ``size`` bytes on ``path``, writable by any user (sticky, like /tmp)."""
    return ("--size", str(size), "--perms", "1777", "--tmpfs", path)


def _options(mounts: Iterable[Mount]) -> list[str]:
    """Flatten ``mounts``, each preceded by ``--dir`` for the folders leading to it that no
    earlier mount made: bwrap would make those 0700, closed to a kernel user other than root."""
    made, options = {"/"}, []
    for mount in mounts:
        for parent in map(str, reversed(Path(mount[-1]).parents)):
            if parent not in made:
                options += ["--dir", parent]
                made.add(parent)
        options += mount
        made.add(mount[-1])
    return options


def _system_mounts() -> list[Mount]:
    """The system folders and the few /etc files a kernel reads."""
    mounts = []
    for top in filter(os.path.lexists, _SYSTEM):
        if os.path.islink(top) or not any(n.startswith(top + "/") for n in _NOT_SYSTEM):
            mounts.append(_bind(top))
            continue
        for name in sorted(os.listdir(top)):
            if (entry := os.path.join(top, name)) not in _NOT_SYSTEM:
                mounts.append(_bind(entry))
    for name in _ETC:
        if os.path.exists(path := os.path.join("/etc", name)):
            mounts.append(("--ro-bind", path, path))
    return mounts


@functools.cache
def _required(names: tuple[str, ...]) -> tuple[importlib.metadata.Distribution, ...]:
    """The installed distributions ``names`` and, recursively, everything they require
    (requirements whose environment markers hold, without extras; missing ones skipped)."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            found[name] = dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return tuple(found.values())


def _entries(dist: importlib.metadata.Distribution) -> set[str]:
    """The site-packages entries (top-level files and folders) that ``dist`` installed."""
    site = str(dist.locate_file(""))
    return {
        os.path.join(site, file.parts[0])
        for file in dist.files or []
        if file.parts[0] not in ("..", "/")
    }


@functools.cache
def _site_entries(names: tuple[str, ...]) -> tuple[str, ...]:
    """Site-packages entries of ``names``' closure, without any entry of the course's own."""
    try:
        course = _entries(importlib.metadata.distribution(COURSE_DISTRIBUTION))
    except importlib.metadata.PackageNotFoundError:
        course = set()
    allowed = set().union(*map(_entries, _required(names))) - course
    return tuple(sorted(allowed))


def _hops(path: str) -> tuple[list[Mount], str]:
    """Follow the absolute ``path`` one link at a time, as the kernel will: a ``--symlink``
    mount for every link met on the way (a folder that is a link included), and the real path.
    Each link's own folder is already resolved, so every mount lands on a real path."""
    links: list[Mount] = []
    real, todo = "/", [part for part in path.split("/") if part]
    while todo:
        part = todo.pop(0)
        if part == ".":
            continue
        if part == "..":
            real = os.path.dirname(real)
            continue
        step = os.path.join(real, part)
        if not os.path.islink(step):
            real = step
            continue
        if len(links) > 40:
            raise OSError(f"too many levels of symbolic links on the way to {path}")
        target = os.readlink(step)
        links.append(("--symlink", target, step))
        real = "/" if target.startswith("/") else real
        todo[:0] = [p for p in target.split("/") if p]
    return links, real


def _reach(path: str, bind: bool = True) -> list[Mount]:
    """Mounts that make ``path`` resolve in the sandbox as it does here: the links on the way
    and (with ``bind``) the real file or folder, read-only."""
    links, real = _hops(path)
    return links + ([("--ro-bind", real, real)] if bind and os.path.exists(real) else [])


#: Run by the kernel's own Python (isolated, without site): its module path, site-packages,
#: and the shared objects it loads with every extension of its standard library, each by the
#: path the dynamic loader opened (``dl_iterate_phdr``: links and ``..`` unresolved).
_PROBE = """
import ctypes, importlib, importlib.machinery, json, os, sys, sysconfig
base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
for folder in filter(os.path.isdir, sys.path):
    for name in sorted(os.listdir(folder)):
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            if name.endswith(suffix) and "." not in name[: -len(suffix)]:
                try:
                    importlib.import_module(name[: -len(suffix)])
                except Exception:
                    pass
class Info(ctypes.Structure):
    _fields_ = [("addr", ctypes.c_void_p), ("name", ctypes.c_char_p)]
loaded = []
def seen(info, size, data):
    loaded.append((info.contents.name or b"").decode())
    return 0
callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(Info), ctypes.c_size_t, ctypes.c_void_p)
ctypes.CDLL(None).dl_iterate_phdr(callback(seen), None)
print(json.dumps({"path": sys.path,
                  "sites": [sysconfig.get_path(k, vars=base) for k in ("purelib", "platlib")],
                  "loaded": sorted({p for p in loaded if p.startswith("/")})}))
"""


@functools.cache
def interpreter(python: str) -> dict[str, Any]:
    """What the Python ``python`` needs to start, as it reports it (see ``_PROBE``): ``path``
    (its standard library), ``sites`` (the installation's own site-packages) and ``loaded``
    (the files it maps). ``RuntimeError`` if it cannot run."""
    try:
        proc = subprocess.run([python, "-I", "-S", "-W", "ignore", "-c", _PROBE],
                              capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuntimeError(f"cannot run {python}: {error}") from None
    try:  # the last line: importing readline may print a terminal sequence first
        return json.loads(proc.stdout.splitlines()[-1])
    except (IndexError, ValueError):
        lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        raise RuntimeError(f"cannot run {python}: {lines[-1]}") from None


def _outside(path: str, system: tuple[str, ...]) -> bool:
    """Whether ``path`` lies outside the folders of ``system`` (mount destinations)."""
    return not any(path == top or path.startswith(top.rstrip("/") + "/") for top in system)


def _libraries(loaded: list[str], inside: tuple[str, ...]) -> list[str]:
    """The shared libraries the Python loads from outside the folders ``inside``, as the loader
    opened them, and every other ``*.so*`` of their real folders (where a library loaded
    later, or the name another asks for, may be)."""
    opened = [path for path in loaded if _outside(_hops(path)[1], inside)]
    folders = sorted({os.path.dirname(_hops(path)[1]) for path in opened})
    return opened + [os.path.join(folder, name) for folder in folders
                     for name in sorted(os.listdir(folder)) if _SHARED.search(name)
                     and not os.path.isdir(os.path.join(folder, name))]  # fmt: skip


def _python_mounts(programs: tuple[str, ...], site_entries: tuple[str, ...]) -> list[Mount]:
    """The Python of ``programs`` (the kernel's command and this process's executable, one
    installation) and of the packages only ``site_entries``; see the module docstring. The
    installation's own site-packages lies inside its standard library: a tmpfs covers it, and
    entries of ``site_entries`` inside it are re-shown on that tmpfs."""
    info = interpreter(programs[0])
    system = tuple(m[-1] for m in _system_mounts())
    stdlib = [p for p in info["path"] if os.path.exists(p)]
    mounts = [mount for program in programs for mount in _reach(program)]
    for library in _libraries(info["loaded"], (*system, *stdlib)):
        mounts += _reach(library)
    for folder in stdlib:
        mounts += _reach(folder)
    covered = sorted({_hops(site)[1] for site in info["sites"] if os.path.isdir(site)})
    covered = [site for site in covered if _outside(site, system)]
    mounts += [("--tmpfs", site) for site in covered]
    for config in _venv_configs(programs):
        mounts += _reach(config)
        home = _venv_home(config)
        mounts += _reach(home, bind=False) if home else []
    for entry in site_entries:
        mounts += _reach(entry)
    unique: dict[str, Mount] = {}
    for mount in mounts:  # the system folders show what lies in them
        if mount[-1] not in unique and _outside(mount[-1], system):
            unique[mount[-1]] = mount
    return [*unique.values(), *[("--remount-ro", site) for site in covered]]


def _venv_configs(programs: tuple[str, ...]) -> list[str]:
    """The ``pyvenv.cfg`` each program finds as ``site`` does: beside it, or one folder up."""
    found = []
    for program in programs:
        folder = os.path.dirname(program)
        for candidate in (folder, os.path.dirname(folder)):
            if os.path.isfile(config := os.path.join(candidate, "pyvenv.cfg")):
                found.append(config)
                break
    return found


def _venv_home(config: str) -> str | None:
    """The ``home`` of a virtualenv's ``pyvenv.cfg`` (the folder of the Python it was made from)."""
    for line in Path(config).read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip().startswith("/"):
            return value.strip()
    return None


def _confinement(bwrap: str, uid: int, gid: int, chdir: str) -> list[str]:
    """Namespaces; as root, also steps 2 and 3 of the module docstring (setpriv to ``uid``,
    then an unprivileged bwrap with a user namespace)."""
    if os.geteuid() != 0:
        return [*_SESSION, *_USER_NAMESPACES]
    setpriv = shutil.which("setpriv") or "setpriv"
    return [*_SESSION, *_ROOT_NAMESPACES,
            setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--",
            bwrap, "--dev-bind", "/", "/", "--unshare-user", "--disable-userns",
            "--die-with-parent", "--chdir", chdir]  # fmt: skip


def _kernel_user(name: str) -> tuple[int, int]:
    """uid and gid of the kernel's user when the grader is root: an account name, or a number
    (its account's group, else the same number). Raises ``ValueError`` with a one-line reason."""
    try:
        account = pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
    except KeyError:
        if not name.isdigit():
            raise ValueError(
                f"the kernel user {name!r} does not exist: useradd --system {name}, or set "
                "SandboxedKernelManager.kernel_user to another unprivileged user"
            ) from None
        uid = gid = int(name)
    else:
        uid, gid = account.pw_uid, account.pw_gid
    if uid == 0 or gid == 0:
        raise ValueError(f"the kernel user {name!r} is root: choose an unprivileged user")
    return uid, gid


def _identity(kernel_user: str) -> tuple[int, int]:
    """uid and gid the kernel runs as: ``kernel_user``'s when the grader is root, else the
    grader's own."""
    if os.geteuid() == 0:
        return _kernel_user(kernel_user)
    return os.getuid(), os.getgid()


def sandbox_status(bwrap: str = "bwrap", kernel_user: str = "nobody") -> tuple[bool, str]:
    """Whether a bubblewrap sandbox starts here, and if not, why (one line saying what to do).

    ``bwrap`` is a command name looked up on PATH or a path; ``kernel_user`` is the user the
    kernel becomes when this process is root. The trial sandbox (the same system folders and
    namespaces, and as root the same drop of privileges) runs once per setting per process.
    """
    path = shutil.which(bwrap)
    if path is None:
        return False, "bubblewrap is not installed: apt-get install bubblewrap"
    for tool in ("prlimit", "setpriv"):
        if shutil.which(tool) is None:
            return False, f"{tool} is not installed: apt-get install util-linux"
    try:
        uid, gid = _identity(kernel_user)
    except ValueError as err:
        return False, str(err)
    return _trial(os.path.realpath(path), uid, gid)


@functools.cache
def _trial(bwrap: str, uid: int, gid: int) -> tuple[bool, str]:
    """Run ``true`` in a sandbox built like the kernel's and explain a failure."""
    mounts = [("--proc", "/proc"), ("--dev", "/dev"), _tmpfs("/tmp", _MIB), *_system_mounts()]
    cmd = [bwrap, *_options(mounts), *_confinement(bwrap, uid, gid, "/")]
    try:
        proc = subprocess.run([*cmd, "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"bubblewrap cannot run: {err}"
    if proc.returncode == 0:
        how = f"as uid {uid}" + (" (dropped from root)" if os.geteuid() == 0 else "")
        return True, f"bubblewrap sandbox works ({bwrap}, kernel {how})"
    for sysctl, bad, hint in _SYSCTL_HINTS:
        try:
            if Path(sysctl).read_text().strip() == bad:
                return False, hint
        except OSError:
            continue
    lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
    return False, f"bubblewrap cannot start a sandbox: {lines[-1]}"


def _copy_folder(src: str, dst: str, limit: int) -> None:
    """Copy ``src`` into ``dst``; symlinks stay links (never followed)."""
    total = 0

    def copy(source: str, target: str) -> None:
        nonlocal total
        total += os.path.getsize(source)
        if limit and total > limit:
            raise RuntimeError(
                f"the notebook folder {src} holds more than {limit} bytes: give the notebook "
                "a folder of its own or raise SandboxedKernelManager.copy_limit"
            )
        shutil.copy2(source, target)

    shutil.copytree(src, dst, symlinks=True, copy_function=copy, dirs_exist_ok=True)


def _hand_over(path: str, uid: int, gid: int) -> None:
    """Give ``path`` and everything under it to ``uid``:``gid`` (links themselves, not targets)."""
    os.lchown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in (*dirs, *files):
            os.lchown(os.path.join(root, name), uid, gid)


def _remove_tree(path: str) -> None:
    """Delete a folder the kernel wrote, including folders it made unreadable.

    A killed sandbox outlives its bwrap for a moment (its processes get SIGKILL once its PID 1
    has died), and what they add to the folder meanwhile would stay: the folder is removed
    again until it is gone (nothing can be added to a removed folder), for at most
    :data:`REMOVAL_PATIENCE` seconds."""
    deadline = time.monotonic() + REMOVAL_PATIENCE
    while True:
        for root, dirs, _ in os.walk(path):
            for d in dirs:
                full = os.path.join(root, d)
                if not os.path.islink(full):
                    with contextlib.suppress(OSError):  # gone since: an ending process's doing
                        os.chmod(full, 0o700)
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path) or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def _account_files(folder: str, uid: int, gid: int) -> None:
    """Write ``folder/passwd`` and ``folder/group`` naming only root, nobody and the kernel's
    user (home /tmp), under their host names."""

    def name(lookup: Any, number: int) -> str:
        try:
            return lookup(number)[0]
        except KeyError:
            return "sandbox"

    users = {0: ("root", 0, "/root"), 65534: ("nobody", 65534, "/nonexistent"),
             uid: (name(pwd.getpwuid, uid), gid, "/tmp")}  # fmt: skip
    groups = {0: "root", 65534: "nogroup", gid: name(grp.getgrgid, gid)}
    files = {"passwd": [f"{n}:x:{u}:{g}:{n}:{home}:/usr/sbin/nologin"
                        for u, (n, g, home) in users.items()],
             "group": [f"{n}:x:{g}:" for g, n in groups.items()]}  # fmt: skip
    for file, lines in files.items():
        path = Path(folder, file)
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o444)


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel runs inside bubblewrap (see the module docstring).

    Transport is forced to ``ipc`` and interrupts are sent as control messages (a signal to
    bwrap's process group would not reach the kernel in its own session). The kernel must be
    this environment's own Python (the ``python3`` kernel spec): no other is in the sandbox.
    """

    bwrap = Unicode("bwrap", help="bubblewrap command (name on PATH or path).").tag(config=True)

    kernel_user = Unicode(
        "nobody",
        help="Account name or uid the kernel runs as when the grader runs as root (with that "
        "account's group; a bare number without an account is used as the gid too).",
    ).tag(config=True)

    runtime_paths = List(
        Unicode(),
        help="Host package folders shown read-only at /opt/course-runtime/<folder name>, which "
        "is first on the kernel's PYTHONPATH: the answer-free code the notebooks import.",
    ).tag(config=True)

    distributions = List(
        Unicode(),
        default_value=["ipykernel", "numpy", "matplotlib", "ipywidgets", "ipympl", "scipy",
                       "scikit-learn", "threadpoolctl"],
        help="Installed distributions whose files (with those of everything they require) are "
        "shown in the kernel's site-packages; the course's own distribution never is.",
    ).tag(config=True)  # fmt: skip

    memory_limit = Integer(
        MEMORY_LIMIT, help="RLIMIT_AS of the kernel in bytes (0: no limit)."
    ).tag(config=True)

    file_size_limit = Integer(
        100 * _MIB, help="RLIMIT_FSIZE in bytes: largest file the kernel can write (0: no limit)."
    ).tag(config=True)

    process_limit = Integer(
        256,
        help="RLIMIT_NPROC (processes and threads) of the kernel (0: no limit). It is set "
        "inside the kernel's user namespace, so it counts only the sandbox's own tasks.",
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
            *SINGLE_THREADED, "PYDEVD_DISABLE_FILE_VALIDATION", "JPY_SESSION_NAME",
        ],
        help="Environment variables passed to the kernel; every other one (tokens, database "
        "URLs) is dropped. Variables of the kernel spec's env are passed too.",
    ).tag(config=True)  # fmt: skip

    _runtime_dir: str | None = None
    _scratch_dir: str | None = None
    _stderr: Any = None  # the kernel's standard error: a private file, read by start_problem

    def sandbox_command(self) -> list[str]:
        """The bwrap (+ setpriv + bwrap as root) + prlimit prefix for the kernel command
        (needs a started manager's folders)."""
        assert self._runtime_dir and self._scratch_dir, "folders are made by start_kernel"
        bwrap = os.path.realpath(shutil.which(self.bwrap) or self.bwrap)
        uid, gid = _identity(self.kernel_user)
        sock = os.path.join(self._runtime_dir, "sock")
        passwd, group = (os.path.join(self._runtime_dir, n) for n in ("passwd", "group"))
        programs = tuple(dict.fromkeys([self.format_kernel_cmd()[0], sys.executable]))
        mounts = [
            ("--proc", "/proc"),
            ("--dev", "/dev"),
            _tmpfs("/tmp", self.tmp_size),
            _tmpfs("/dev/shm", self.tmp_size),
            *_system_mounts(),
            ("--ro-bind", passwd, "/etc/passwd"),
            ("--ro-bind", group, "/etc/group"),
            *_python_mounts(programs, _site_entries(tuple(self.distributions))),
            *[
                ("--ro-bind", os.path.realpath(path), f"{RUNTIME_MOUNT}/{Path(path).name}")
                for path in self.runtime_paths
            ],
            ("--bind", sock, sock),
            ("--bind", self._scratch_dir, self._scratch_dir),
        ]
        cmd = [bwrap, *_options(mounts),
               "--remount-ro", "/",  # the folders made on the way: no files, no memory use
               "--chdir", self._scratch_dir,
               "--setenv", "JPY_PARENT_PID", "1",  # 1: no parent poller (--die-with-parent is)
               *_confinement(bwrap, uid, gid, self._scratch_dir)]  # fmt: skip
        cmd.append(shutil.which("prlimit") or "prlimit")  # last: inside the user namespace
        for option, limit in (("--as", self.memory_limit), ("--fsize", self.file_size_limit),
                              ("--nproc", self.process_limit)):
            if limit:
                cmd.append(f"{option}={limit}")
        return [*cmd, "--"]

    def _make_folders(self, cwd: str | None, uid: int, gid: int) -> None:
        """Runtime folder (sockets and connection file, account files) and
        the scratch working folder, the kernel user's where the kernel writes."""
        self._runtime_dir = tempfile.mkdtemp(prefix="ag-kernel-")
        sock = os.path.join(self._runtime_dir, "sock")
        os.mkdir(sock, 0o700)
        _account_files(self._runtime_dir, uid, gid)
        self._scratch_dir = tempfile.mkdtemp(prefix="ag-scratch-", dir=self.scratch_root or None)
        if (uid, gid) != (os.getuid(), os.getgid()):
            _hand_over(sock, uid, gid)
        self.fill_scratch(cwd)
        self.transport = "ipc"
        self.connection_file = os.path.join(sock, "kernel.json")
        self.ip = os.path.join(sock, "kernel-ipc")

    def fill_scratch(self, cwd: str | None) -> None:
        """Copy ``cwd`` (if any) into the kernel's working folder and give it to the kernel's
        user; a kernel started without a ``cwd`` gets its folder's files this way later."""
        assert self._scratch_dir, "folders are made by start_kernel"
        if cwd:
            _copy_folder(cwd, self._scratch_dir, self.copy_limit)
        uid, gid = _identity(self.kernel_user)
        if (uid, gid) != (os.getuid(), os.getgid()):
            _hand_over(self._scratch_dir, uid, gid)

    def _kernel_env(self, env: dict[str, str]) -> dict[str, str]:
        keep = {*self.pass_env, *self.kernel_spec.env}
        clean = {k: v for k, v in env.items() if k in keep}
        for var, value in SINGLE_THREADED.items():
            clean.setdefault(var, value)
        clean["HOME"] = "/tmp"
        runtime = [RUNTIME_MOUNT] if self.runtime_paths else []
        clean["PYTHONPATH"] = os.pathsep.join(filter(None, [*runtime, clean.get("PYTHONPATH")]))
        return clean

    def _check(self) -> tuple[int, int]:
        """The kernel's uid and gid, once the sandbox, the runtime paths and the kernel command
        are known to fit; otherwise ``RuntimeError`` with one line saying why."""
        ok, why = sandbox_status(self.bwrap, self.kernel_user)
        if not ok:
            raise RuntimeError(f"cannot sandbox the kernel: {why}")
        missing = [p for p in self.runtime_paths if not os.path.isdir(p)]
        if missing:
            raise RuntimeError(
                f"cannot sandbox the kernel: runtime path {missing[0]} is not a "
                "folder (SandboxedKernelManager.runtime_paths)"
            )
        program = self.format_kernel_cmd()[0]
        if os.path.realpath(program) != os.path.realpath(sys.executable):
            raise RuntimeError(
                f"cannot sandbox the kernel: its command runs {program}, but the sandbox holds "
                f"only this environment's Python ({sys.executable}): use its python3 kernel"
            )
        return _identity(self.kernel_user)

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        """Make the folders on first start, then wrap the kernel command in the sandbox."""
        uid, gid = self._check()
        if self._runtime_dir is None:
            self._make_folders(kw.get("cwd"), uid, gid)
        self.kernel_spec.interrupt_mode = "message"
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        if uid != os.getuid():
            os.chown(self.connection_file, uid, gid)  # written 0600 by jupyter_client
        kw["env"] = self._kernel_env(kw.get("env", os.environ))
        kw["cwd"] = self._scratch_dir
        if self._stderr is not None:
            self._stderr.close()
        kw["stderr"] = self._stderr = tempfile.TemporaryFile()  # bounded by --fsize
        # never the grader's (the instructor's terminal): ipykernel echoes to it what a cell
        # writes to file descriptor 1, escape sequences included
        kw["stdout"] = subprocess.DEVNULL
        return [*self.sandbox_command(), *kernel_cmd], kw

    def start_problem(self, fallback: str = "it ended without a message") -> str:
        """Why the kernel did not answer, in one line: the last line it (or bwrap, or prlimit)
        wrote to standard error, else ``fallback``."""
        lines = []
        if self._stderr is not None and not self._stderr.closed:
            self._stderr.seek(max(0, os.fstat(self._stderr.fileno()).st_size - 4096))
            lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        reason = lines[-1].strip() if lines else fallback
        return f"the sandbox cannot start {self.format_kernel_cmd()[0]}: {reason}"

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
