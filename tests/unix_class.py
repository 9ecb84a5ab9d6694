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
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import nbformat
import pytest

from instructor_tools import assignments
from tests.support import COURSE_ID, read_gradebook
from tests.tiny_course import ASSIGNMENT, source_notebook

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
    for path in (ROOT / "grader" / "__init__.py", Path(sysconfig.get_paths()["purelib"])):
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


ALICE, BOB = STUDENTS
#: What each student writes: Alice answers both functions right, Bob gets ``square`` wrong.
ANSWERS = {
    ALICE: {"square": "return x * x", "halve": "return x / 2"},
    BOB: {"square": "return 2 * x", "halve": "return x / 2"},
}
#: Run as a student: put an answer into each answer cell named by its grade id.
EDIT = """
import sys, json, nbformat
path, answers = sys.argv[1], json.loads(sys.argv[2])
nb = nbformat.read(path, as_version=4)
for cell in nb.cells:
    name = cell.metadata.get("nbgrader", {}).get("grade_id")
    if name in answers:
        cell.source = f"def {name}(x):\\n    {answers[name]}"
nbformat.write(nb, path)
"""


class Classroom:
    """One run's class: the users (made if missing), an exchange folder made as nbgrader's
    documentation says (mode 1777), the ``tiny`` course in the instructor's home, a folder of
    each student's own, and each user's commands. ``remove`` deletes the folders (the users
    stay, for the next run)."""

    def __init__(self):
        self.homes = homes = ensure_class()
        self.base = base = Path(tempfile.mkdtemp(prefix="course-exchange-", dir="/tmp"))
        base.chmod(0o755)
        self.exchange = base / "exchange"
        self.exchange.mkdir()
        self.exchange.chmod(0o1777)  # every user writes, none renames or removes another's folder
        self.course = homes[INSTRUCTOR] / base.name
        (self.course / "source" / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(source_notebook(), assignments.source_path(ASSIGNMENT, self.course))
        shutil.copyfile(ROOT / "nbgrader_config.py", self.course / "nbgrader_config.py")
        chown(self.course, INSTRUCTOR)
        self.work = {}
        for student in STUDENTS:  # each student works in a folder of their own, for this run
            self.work[student] = homes[student] / base.name
            self.work[student].mkdir()
            chown(self.work[student], student)
        (base / "edit.py").write_text(EDIT)
        # What nbgrader and JupyterLab keep in a student's home between runs: where the hub's
        # Assignments tab fetches to, nbgrader's copies of submissions, the open tabs.
        self.leftovers = [
            homes[student] / part
            for student in STUDENTS
            for part in (
                ASSIGNMENT,
                f".local/share/jupyter/nbgrader_cache/{COURSE_ID}",
                ".jupyter/lab/workspaces",
            )
        ]
        for folder in self.leftovers:
            shutil.rmtree(folder, ignore_errors=True)

    def course_cmd(self, *args: str, check: bool = True, exchange: Path | None = None):
        env = {"COURSE_EXCHANGE": str(exchange or self.exchange)}
        return as_user(INSTRUCTOR, ["course", *args], self.course, env=env, check=check)

    def nbgrader(self, student: str, *args: str, check: bool = True):
        where = [f"--course={COURSE_ID}", f"--Exchange.root={self.exchange}"]
        return as_user(student, ["nbgrader", *args, *where], self.work[student], check=check)

    def python(self, user: str, *args: str, cwd: Path, check: bool = True):
        return as_user(user, ["python", *args], cwd, check=check)

    def answer(self, student: str, notebook: Path) -> None:
        """As ``student``, write their :data:`ANSWERS` into ``notebook``."""
        answers = json.dumps(ANSWERS[student])
        self.python(student, str(self.base / "edit.py"), str(notebook), answers, cwd=self.base)

    def scores(self) -> dict[str, tuple[float, float]]:
        """Each student's (score, maximum) for ``tiny`` in the course's gradebook."""
        graded = read_gradebook(self.course, ASSIGNMENT)
        return {student: (s["score"], s["max_score"]) for student, s in graded.items()}

    def remove(self) -> None:
        for folder in [self.course, *self.work.values(), *self.leftovers, self.base]:
            shutil.rmtree(folder, ignore_errors=True)
