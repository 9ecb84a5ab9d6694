"""``course new NAME``: a new assignment laid out as the course lays out its own.

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

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")

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
