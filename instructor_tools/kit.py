"""What students receive: the student kit, built from ``kit/`` (the ``dl-course-kit`` project).

The kit is the package :mod:`course_kit` (the student runtime: test helpers, ``course check``,
the kernel's end of the grader's channel, data, the network, two explorers), its own
distribution with its own ``pyproject.toml``. :func:`build_wheel` builds its wheel with hatchling
from a copy of that project file and the installed ``course_kit`` folder, so it works from a
checkout and from a normal (non-editable) install alike, with the table of mistakes ``course
check`` names from (:mod:`instructor_tools.visible_mistakes`, values only) added; :func:`write_kit`
writes ``OUT/``: the release notebooks, that wheel and a README for students.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from course_kit import RUNTIME
from course_kit.student_rules import RULES_MARKDOWN

STUDENT_README = """# {title}: your notebooks and the `course` command

1. Make a virtual environment and install the kit (Python 3.11 or newer):

       python3 -m venv .venv
       .venv/bin/pip install {wheel}

2. Open the notebooks: `.venv/bin/jupyter lab` and pick `<assignment>/<assignment>.ipynb`.
   Each graded function has its own cell: the signature and docstring are given; write the body
   where it says `# YOUR CODE HERE`. The test cells below it check your function on small
   examples worked by hand; run them as you go.

3. Before you hand in, check the whole notebook:

       .venv/bin/course check <assignment>/<assignment>.ipynb

   It runs your notebook's cells in a fresh kernel as grading does, then the visible tests,
   and prints per function the visible points you earned, the first failure's message with
   the likely mistake and its fix when it is a known one, the points hidden tests weigh at
   grading (and what they check), your written answers (graded by a person; a blank one is
   warned about), and notes on what a person will look at in your answer cells.

Hand in the `.ipynb` file as your instructor asks.

{rules}"""


def kit_project() -> Path:
    """The kit's ``pyproject.toml``: a copy inside this package when installed (the main
    distribution ships it), else ``kit/pyproject.toml`` beside ``course_kit`` in a checkout."""
    for candidate in (Path(__file__).parent / "kit_project" / "pyproject.toml",
                      RUNTIME.parent / "pyproject.toml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("the student kit's pyproject.toml is missing from this installation")


def build_wheel(out: Path, data: dict[str, bytes] | None = None) -> Path:
    """Build the kit's wheel into ``out`` with hatchling, from a temporary copy of the kit, with
    ``data`` (``path inside course_kit -> bytes``: the table of mistakes) added."""
    from hatchling.builders.wheel import WheelBuilder

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-kit-") as tmp:
        root = Path(tmp)
        shutil.copyfile(kit_project(), root / "pyproject.toml")
        shutil.copytree(RUNTIME, root / "course_kit",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name, content in (data or {}).items():
            (root / "course_kit" / name).write_bytes(content)
        (wheel,) = WheelBuilder(str(root)).build(directory=str(out), versions=["standard"])
    return Path(wheel)


def write_kit(course_root: Path, out: Path, assignments: list[str], title: str) -> list[Path]:
    """Write the student kit into ``out``: release notebooks, the wheel and a README."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in assignments:
        release = course_root / "release" / name
        shutil.copytree(release, out / name, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        written.append(out / name)
    from course_kit.check import TABLE_FILE
    from instructor_tools.assignments import release_path
    from instructor_tools.visible_mistakes import build

    table = build({name: release_path(name, course_root) for name in assignments})
    wheel = build_wheel(out, {TABLE_FILE: table.encode()})
    readme = out / "README.md"
    readme.write_text(STUDENT_README.format(title=title, wheel=wheel.name, rules=RULES_MARKDOWN))
    return [*written, wheel, readme]
