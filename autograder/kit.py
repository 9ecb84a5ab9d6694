"""What students receive, and what a grading kernel may import: the answer-free student kit.

:data:`KIT_MODULES` is an allow-list of this distribution's modules that hold no answers: the
test helpers, the grader's channel (kernel side and the student's own ``course check``), the
data, the small network that trains on functions it is given. The reference implementation of
the graded functions (``course_lib.tuning``, ``scale``, ``batch_norm``, ``softmax`` and their
fast variants in ``course_lib.fast``), the
grader and the sample answers are not in it.

- :func:`student_runtime` lays these modules out in a folder that the grading sandbox binds
  read-only and puts first on the kernel's ``PYTHONPATH``: the kernel imports the course's
  support code from there and can find no reference anywhere.
- :func:`write_kit` writes ``OUT/``: the release notebooks, a wheel of the same modules (with a
  ``course check`` command) and a README for students.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from autograder import __version__

KIT_MODULES = (
    "autograder/__init__.py",
    "autograder/cells.py",
    "autograder/errors.py",
    "autograder/checks.py",
    "autograder/wire.py",
    "autograder/bridge.py",
    "autograder/judge.py",
    "autograder/kit.py",
    "autograder/rules.py",
    "autograder/limits.py",
    "autograder/student_check.py",
    "course_lib/__init__.py",
    "course_lib/_validate.py",
    "course_lib/data.py",
    "course_lib/mlp.py",
    "course_lib/widgets/__init__.py",
    "course_lib/widgets/_view.py",
    "course_lib/widgets/batch_norm_explorer.py",
    "course_lib/widgets/ewa_explorer.py",
)
KIT_NAME = "dl-course-kit"
KIT_REQUIRES = (
    "numpy>=2.0", "matplotlib>=3.8", "scikit-learn>=1.4", "ipykernel>=6.29", "ipywidgets>=8.1",
    "ipympl>=0.9", "jupyterlab>=4.2", "nbformat>=5.9", "nbclient>=0.10", "jupyter_client>=8",
    "pyzmq>=25",
)  # fmt: skip

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

   It runs your answer cells and the visible tests in a fresh kernel and prints, per function,
   the tests passed and their points, the first failure's message, and how many hidden tests
   will also judge the function at grading time (random inputs, edge cases, gradient checks).

Hand in the `.ipynb` file as your instructor asks.
"""


def _package_root() -> Path:
    """The folder that holds the installed ``autograder`` and ``course_lib`` packages."""
    spec = importlib.util.find_spec("autograder")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).resolve().parent.parent


def kit_files() -> dict[str, bytes]:
    """``relative path -> bytes`` of every module in the kit, read from the installed packages."""
    root = _package_root()
    return {name: (root / name).read_bytes() for name in KIT_MODULES}


def student_runtime() -> Path:
    """A read-only folder with the kit's packages, for grading kernels (made once per content).

    The folder's name carries a hash of its content, so graders of different versions never
    share one; it is written to a temporary name and renamed, so concurrent graders never see
    it half-written. Everything in it is world-readable (the kernel runs as another user).
    """
    files = kit_files()
    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(files.items())))
    folder = Path(tempfile.gettempdir()) / f"course-runtime-{digest.hexdigest()[:16]}"
    if folder.is_dir():
        return folder
    partial = Path(tempfile.mkdtemp(prefix="course-runtime-partial-"))
    for name, data in files.items():
        (partial / name).parent.mkdir(parents=True, exist_ok=True)
        (partial / name).write_bytes(data)
    for path in [partial, *partial.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        os.rename(partial, folder)
    except OSError:  # another grader made it first
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(out: Path) -> Path:
    """Write the kit's wheel (a zip in the wheel format, built without any build tool)."""
    dist = KIT_NAME.replace("-", "_")
    info = f"{dist}-{__version__}.dist-info"
    metadata = "\n".join([
        "Metadata-Version: 2.1", f"Name: {KIT_NAME}", f"Version: {__version__}",
        "Summary: Student kit of the deep-learning week: notebooks' support code and course check",
        "Requires-Python: >=3.11", *(f"Requires-Dist: {r}" for r in KIT_REQUIRES), "",
    ])  # fmt: skip
    files = {
        **kit_files(),
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: course-kit\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
        f"{info}/entry_points.txt": b"[console_scripts]\ncourse = autograder.student_check:main\n",
    }
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = out / f"{dist}-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return wheel


def write_kit(course_root: Path, out: Path, assignments: list[str], title: str) -> list[Path]:
    """Write the student kit into ``out``: release notebooks, the wheel and a README."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in assignments:
        release = course_root / "release" / name
        shutil.copytree(release, out / name, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        written.append(out / name)
    wheel = build_wheel(out)
    readme = out / "README.md"
    readme.write_text(STUDENT_README.format(title=title, wheel=wheel.name))
    return [*written, wheel, readme]
