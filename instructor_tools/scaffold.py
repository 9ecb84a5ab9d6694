"""``course init DIR``: a new course directory. ``course new NAME``: a new assignment laid out as
the course lays out its own.

The notebook holds one worked example of each kind of cell the grader knows: a setup cell
(locked, no points), an answer cell whose ``def`` line and docstring stay outside the solution
region (students keep the signature and the shapes), a visible test cell and a hidden test cell
whose ``# Hidden test: ...`` line tells the student what it checks. Test cells are named
``test_<function>_<aspect>``, so reports group their points under the function.
"""

from __future__ import annotations

import re
from pathlib import Path

from course_kit.errors import CourseError
from grader.config import default_course_id

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
#: A course id usable in the exchange's folder names.
COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

CONFIG = '''"""nbgrader configuration of {course_id}: this folder is the course directory.

Plain ``nbgrader`` commands and the ``course`` command both read this file.
"""

from pathlib import Path

from grader.config import configure, put_tools_on_path

put_tools_on_path()  # nbgrader runs `alembic` beside its Python
c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
# The course's hardening: sandboxed kernels, tests judged in the grader, safe feedback.
configure(c, Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "{course_id}"

# Your settings go below; they take precedence over the hardening above. For instance:
# c.CourseKit.title = "My course"                       # the student kit's README title
# c.CourseDirectory.db_url = "postgresql+psycopg2://user@host/gradebook"  # default: gradebook.db
# c.Exchange.root = "/srv/nbgrader/exchange"            # nbgrader's exchange folder
# c.Execute.timeout = 30                                # seconds per cell
# c.SandboxedKernelManager.memory_limit = 2 * 2**30     # bytes per grading kernel
# c.LateSubmissionPlugin.penalty_method = "zero"        # nbgrader's late penalty, or your own:
# c.AssignLatePenalties.plugin_class = "late_half.SubtractHalf"  # late_half.py beside this file
# c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
# c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
'''

README = """# {course_id}: the course directory

For the course's instructors. `nbgrader_config.py` is the one configuration of `course` and of
plain `nbgrader` here (gradebook, exchange, time limits, late penalties, plugins in modules
beside it). Assignments live in `source/<assignment>/`.

    course new NAME                      # source/NAME/NAME.ipynb, an example to replace
    course release                       # release/ for students, checked for leaks
    course kit handout/                  # what students get
    course grade NAME --submissions X    # a folder, a zip or an LMS download
    course feedback NAME                 # one HTML page per student
    course report NAME
    course export NAME --format canvas

Keep `gradebook.db`, `submitted/`, `autograded/` and `feedback/` out of version control.
"""

INTRO = """\
# {name}

Made by `course new {name}`. Replace the example below with your own questions and keep its
layout: a setup cell, then for each function an explanation, its answer cell, a visible test
and a hidden test. `course release {name}` writes what students receive."""

SETUP = "import numpy as np"

QUESTION = r"""## 1. The mean example

The examples are the columns of $X$, of shape $(n, m)$. Write `column_means(X)`, which returns
their mean as a column of shape $(n, 1)$:

$$\mu = \frac{1}{m} \sum_{i=1}^{m} x^{(i)}.$$"""

ANSWER = '''def column_means(X):
    """The mean of the examples (the columns of X).

    Parameters
    ----------
    X : array (n, m), one example per column

    Returns
    -------
    mu : array (n, 1), mu[j, 0] = (1 / m) * sum_i X[j, i]. Do not modify X.
    """
    ### BEGIN SOLUTION
    return X.mean(axis=1, keepdims=True)
    ### END SOLUTION'''

VISIBLE_TEST = """from course_kit.checks import check_close

# Two examples, (1, 2) and (3, 6): their mean is (2, 4).
X = np.array([[1.0, 3.0],
              [2.0, 6.0]])
check_close("column_means", column_means(X), [[2.0], [4.0]])"""

HIDDEN_TEST = """# Hidden test: equal to NumPy's mean for one example, one row, and random data.
### BEGIN HIDDEN TESTS
from course_kit.checks import check_close

for n, m in [(1, 1), (1, 7), (4, 1), (10, 40)]:
    X = np.random.default_rng(100 * n + m).normal(size=(n, m))
    check_close(f"column_means (n={n}, m={m})", column_means(X), X.mean(axis=1, keepdims=True))
### END HIDDEN TESTS"""


def _graded(source: str, grade_id: str, *, solution: bool, points: float = 0):
    from nbformat.v4 import new_code_cell

    meta = {
        "grade": points > 0,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points:
        meta["points"] = points
    return new_code_cell(source, metadata={"nbgrader": meta})


def template(name: str):
    """The new assignment's source notebook (an ``nbformat`` notebook)."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_markdown_cell(INTRO.format(name=name)),
            _graded(SETUP, "setup", solution=False),
            new_markdown_cell(QUESTION),
            _graded(ANSWER, "column_means", solution=True),
            _graded(VISIBLE_TEST, "test_column_means_by_hand", solution=False, points=1),
            _graded(HIDDEN_TEST, "test_column_means_random", solution=False, points=2),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def init_course(folder: Path, course_id: str | None = None) -> str:
    """Make ``folder`` a course directory: ``nbgrader_config.py`` (the course's hardening and
    ``course_id``, by default the folder's name), ``source/`` and a README; return the id."""
    course_id = course_id or default_course_id(folder.resolve())
    if not COURSE_ID.match(course_id):
        raise CourseError(
            f"'{course_id}' is not a usable course id: use letters, digits, '_', '.' and '-' "
            f"(--course-id ID)"
        )
    if (folder / "nbgrader_config.py").exists():
        raise CourseError(f"{folder / 'nbgrader_config.py'} already exists: {folder} is a course")
    if folder.exists() and not folder.is_dir():
        raise CourseError(f"{folder} is a file: choose a folder for the course")
    (folder / "source").mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(CONFIG.format(course_id=course_id))
    if not (folder / "README.md").exists():
        (folder / "README.md").write_text(README.format(course_id=course_id))
    return course_id


def new_assignment(name: str, root: Path) -> Path:
    """Write ``source/<name>/<name>.ipynb`` from :func:`template`; return its path."""
    import nbformat

    if not NAME.match(name):
        raise CourseError(
            f"'{name}' is not a usable assignment name: use letters, digits, '_' and '-', "
            f"starting with a letter"
        )
    folder = root / "source" / name
    if folder.exists():
        raise CourseError(f"{folder} already exists: choose another name, or edit it there")
    folder.mkdir(parents=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(template(name), path)
    return path
