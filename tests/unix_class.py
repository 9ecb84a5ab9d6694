"""A class of real Unix users for the exchange and hub tests, and the Python they all run.

The tests run as root (CI does): they create, once and for good, an instructor and two students
with ``useradd`` (home folders 0700, as on a course server), and run each step as the right user
with ``runuser -u USER -- env -i ...`` (a clean environment: nothing of root's leaks in), with
this virtualenv's ``bin/`` first on PATH.

Those users must be able to run this virtualenv's interpreter. It may live where they cannot go
(here ``/root/.pyenv``, behind ``/root``'s mode 0700). Then :func:`python_view` gives the command
a view in which that folder is a fresh 0755 one showing only the interpreter's installation
(bubblewrap, run by root, with every other path as it is): the same interpreter, nothing else
of root's. A copy would not do: its ``libpython`` is found through an absolute RUNPATH, and a
system Python of another patch level breaks installed packages (soupsieve fails on Debian's
3.11.2). The checkout and its virtualenv must be readable by every user; the test fails naming
the path otherwise.
"""

from __future__ import annotations

import functools
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
INSTRUCTOR = "exch-teacher"
STUDENTS = ("exch-alice", "exch-bob")
INSTRUCTOR_GROUP = "exch-instructors"
STUDENT_GROUP = "exch-students"
#: The password the hub test logs in with (PAM, set with chpasswd); these accounts hold nothing.
PASSWORD = "exchange-test-password"


def require_root() -> None:
    """Fail (not skip) when the test cannot create users: it needs root, as in CI."""
    if os.geteuid() != 0:
        pytest.fail("this test creates Unix users (useradd) and acts as them (runuser): be root")
    for tool in ("useradd", "groupadd", "usermod", "chpasswd", "runuser"):
        if shutil.which(tool) is None:
            pytest.fail(f"'{tool}' is missing: apt-get install passwd util-linux (see .ci/run)")


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True)


def ensure_user(name: str, group: str) -> Path:
    """The account ``name`` in ``group`` (both made if missing), password :data:`PASSWORD`;
    returns its home folder (mode 0700)."""
    try:
        subprocess.run(["getent", "group", group], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        _run("groupadd", group)
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run("useradd", "--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0700",
             "--groups", group, name)  # fmt: skip
    _run("usermod", "--append", "--groups", group, name)
    subprocess.run(["chpasswd"], input=f"{name}:{PASSWORD}\n", check=True, text=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    home.chmod(0o700)
    return home


def ensure_class() -> dict[str, Path]:
    """The instructor and both students, by name, with their home folders."""
    require_root()
    homes = {INSTRUCTOR: ensure_user(INSTRUCTOR, INSTRUCTOR_GROUP)}
    homes.update({student: ensure_user(student, STUDENT_GROUP) for student in STUDENTS})
    return homes


def chown(path: Path, user: str) -> None:
    """Give ``path`` (recursively) to ``user`` and their own group."""
    entry = pwd.getpwnam(user)
    for item in [path, *path.rglob("*")]:
        os.lchown(item, entry.pw_uid, entry.pw_gid)


def as_user(
    user: str,
    args: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run ``args`` as ``user`` in ``cwd`` with a clean environment whose PATH starts with this
    virtualenv's ``bin/``; on failure (``check``) the test fails showing what it printed."""
    done = subprocess.run(
        user_command(user, args, env), cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if check and done.returncode != 0:
        pytest.fail(
            f"as {user}: {' '.join(args)} exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
        )
    return done


def user_command(user: str, args: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The command line that runs ``args`` as ``user`` (see :func:`as_user`)."""
    home = pwd.getpwnam(user).pw_dir
    clean = {
        "HOME": home, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin", **(env or {}),
    }  # fmt: skip
    variables = [f"{name}={value}" for name, value in clean.items()]
    return [*python_view(user), "runuser", "-u", user, "--", "env", "-i", *variables, *args]


def _denied(user: str, path: str, test: str = "-r") -> bool:
    return subprocess.run(["runuser", "-u", user, "--", "test", test, path]).returncode != 0


@functools.cache
def python_view(user: str) -> tuple[str, ...]:
    """The command prefix under which ``user`` can run this interpreter: nothing if they can
    already, else bubblewrap (as root, no new user namespace) replacing the first folder they
    cannot enter on the way to the interpreter's installation by a 0755 tmpfs that shows only
    that installation."""
    for path in (ROOT / "autograder" / "__init__.py", Path(sysconfig.get_paths()["purelib"])):
        if _denied(user, str(path)):
            pytest.fail(
                f"user {user} cannot read {path}: the users of this test run this checkout and "
                f"its virtualenv; put them where every user can read them (folders o+rx)"
            )
    base = Path(os.path.realpath(sys.base_prefix))
    closed = next((p for p in reversed(base.parents) if _denied(user, str(p), "-x")), None)
    if closed is None:
        return ()
    if shutil.which("bwrap") is None:
        pytest.fail(f"user {user} cannot reach {base} and bubblewrap is missing (apt-get install "
                    f"bubblewrap)")  # fmt: skip
    view = ["bwrap", "--dev-bind", "/", "/", "--perms", "0755", "--tmpfs", str(closed)]
    for folder in reversed(base.parents):
        if folder != closed and closed in folder.parents:
            view += ["--perms", "0755", "--dir", str(folder)]
    return (*view, "--ro-bind", str(base), str(base), "--")
