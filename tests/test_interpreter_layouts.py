"""The sandbox starts the kernel from the Python an instructor has, however it is laid out.

A pyenv virtualenv made with ``python3 -m venv`` reaches its interpreter through a chain
(``bin/python -> python3 -> ~/.pyenv/versions/3.11.7/bin/python3 -> python3.11``); a sandbox
that shows the final file and the virtualenv's own links but not a link in the middle cannot
start the kernel, and every student of the class used to get 0 (issue 19).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.config import REPOSITORY
from grader.sandbox import _hops
from instructor_tools import assignments
from instructor_tools.gradetable import class_grades
from instructor_tools.sample_class import solved
from tests.support import submit
from tests.tiny_course import ASSIGNMENT, source_notebook


def test_every_hop_to_the_interpreter_is_followed(tmp_path: Path) -> None:
    """Relative and absolute links, a folder that is a link, ``..`` after a link: each link
    becomes a mount at its own (resolved) place, and the end is the real file."""
    base = Path(os.path.realpath(tmp_path))
    real = base / "python-3.11.9" / "bin"
    real.mkdir(parents=True)
    (real / "python3.11").write_text("an interpreter")
    (real / "python3").symlink_to("python3.11")
    (base / "opt").symlink_to("python-3.11.9")  # a folder that is a link
    (base / "shims").mkdir()
    (base / "shims" / "python3").symlink_to("../opt/bin/../bin/python3")
    venv = base / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python3").symlink_to(base / "shims" / "python3")
    (venv / "python").symlink_to("python3")
    links, end = _hops(str(venv / "python"))
    assert end == str(real / "python3.11")
    assert links == [
        ("--symlink", "python3", str(venv / "python")),
        ("--symlink", str(base / "shims" / "python3"), str(venv / "python3")),
        ("--symlink", "../opt/bin/../bin/python3", str(base / "shims" / "python3")),
        ("--symlink", "python-3.11.9", str(base / "opt")),
        ("--symlink", "python3.11", str(real / "python3")),
    ]
    assert _hops(str(real / "python3.11")) == ([], str(real / "python3.11"))


def pyenv_like_python(top: Path) -> Path:
    """``top/shims/python3 -> ../pyenv/versions/3.11.x/bin/python3 -> python3.11``, the last a
    hard link to this machine's real interpreter (a symlink where a hard link cannot be made),
    its ``lib`` a link to the real installation's: pyenv's layout, with one link more."""
    real = Path(os.path.realpath(sys.executable))
    version = top / "pyenv" / "versions" / "3.11.x"
    (version / "bin").mkdir(parents=True)
    try:
        os.link(real, version / "bin" / real.name)
    except OSError:
        (version / "bin" / real.name).symlink_to(real)
    (version / "bin" / "python3").symlink_to(real.name)
    (version / "lib").symlink_to(real.parent.parent / "lib")
    (top / "shims").mkdir()
    (top / "shims" / "python3").symlink_to("../pyenv/versions/3.11.x/bin/python3")
    return top / "shims" / "python3"


@pytest.mark.slow
@pytest.mark.e2e
def test_a_pip_installed_course_in_a_pyenv_like_virtualenv_grades_a_class(tmp_path: Path):
    """``python3 -m venv`` from the chain, ``pip install <checkout>`` (not editable), a course
    directory outside the checkout, and ``course grade`` from that virtualenv: the correct
    submission gets every autograded point, the blank one none."""
    python = pyenv_like_python(tmp_path)
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, env=env)
    assert os.readlink(venv / "bin" / "python3") == str(python)  # the chain of the issue
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(REPOSITORY)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    root = tmp_path / "course"
    source = assignments.source_path(ASSIGNMENT, root)
    source.parent.mkdir(parents=True)
    nbformat.write(source_notebook(), source)
    shutil.copyfile(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    course = str(venv / "bin" / "course")
    release = subprocess.run([course, "release", ASSIGNMENT], cwd=root, env=env,
                             capture_output=True, text=True)  # fmt: skip
    assert release.returncode == 0, release.stderr
    release_nb = nbformat.read(assignments.release_path(ASSIGNMENT, root), as_version=4)
    good = solved(release_nb, source_notebook())
    submit(root, {"good": nbformat.writes(good).encode(),
                  "blank": nbformat.writes(release_nb).encode()}, ASSIGNMENT)  # fmt: skip
    graded = subprocess.run([course, "grade", ASSIGNMENT], cwd=root, env=env,
                            capture_output=True, text=True)  # fmt: skip
    assert graded.returncode == 0, graded.stdout + graded.stderr
    _, rows = class_grades(ASSIGNMENT, root)
    totals = {row.student: (row.total, row.max_total, row.problem) for row in rows}
    assert totals == {"good": (3.0, 3.0, None), "blank": (0.0, 3.0, None)}

