"""nbgrader's documentation example course, ``ps1``, rebuilt for the tests.

nbgrader's user guide walks through ``source/ps1/``: ``problem1.ipynb`` (``squares`` and
``sum_of_squares`` with autograder tests, a LaTeX answer and a function graded by hand, a task
cell), ``problem2.ipynb`` (two written answers) and ``jupyter.png``. This module writes the same
assignment (same cells, ids and points), with one change the course needs to test: the test
``correct_sum_of_squares`` mixes visible asserts and a hidden block, as nbgrader allows.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "ps1"
#: Points per graded cell, as in nbgrader's example: (notebook, grade_id) -> points.
POINTS = {
    ("problem1", "correct_squares"): 1,
    ("problem1", "squares_invalid_input"): 1,
    ("problem1", "correct_sum_of_squares"): 0.5,
    ("problem1", "sum_of_squares_uses_squares"): 0.5,
    ("problem1", "sum_of_squares_equation"): 1,
    ("problem1", "sum_of_squares_application"): 2,
    ("problem1", "cell-938593c4a215c6cc"): 4,
    ("problem2", "part-a"): 1,
    ("problem2", "part-b"): 2,
}


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, task=False, points=None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": task,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _test(nb: str, grade_id: str, source: str):
    return new_code_cell(source, metadata=_meta(grade_id, grade=True, points=POINTS[nb, grade_id]))


def problem1():
    squares = '''def squares(n):
    """Compute the squares of numbers from 1 to n, such that the
    ith element of the returned list equals i^2.

    """
    ### BEGIN SOLUTION
    if n < 1:
        raise ValueError("n must be greater than or equal to 1")
    return [i ** 2 for i in range(1, n + 1)]
    ### END SOLUTION'''
    sum_of_squares = '''def sum_of_squares(n):
    """Compute the sum of the squares of numbers from 1 to n."""
    ### BEGIN SOLUTION
    return sum(squares(n))
    ### END SOLUTION'''
    cells = [
        new_markdown_cell(
            "For this problem set, we'll be using the Jupyter notebook:\n\n![](jupyter.png)",
            metadata=_meta("jupyter", locked=True),
        ),
        new_markdown_cell(
            "---\n## Part A (2 points)\n\nWrite a function that returns a list of numbers, such "
            "that $x_i=i^2$, for $1\\leq i \\leq n$. Make sure it handles the case where $n<1$ "
            "by raising a `ValueError`."
        ),
        new_code_cell(squares, metadata=_meta("squares", solution=True)),
        new_markdown_cell("Your function should print `[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]`."),
        new_code_cell("squares(10)"),
        _test(
            "problem1",
            "correct_squares",
            '"""Check that squares returns the correct output for several inputs"""\n'
            "assert squares(1) == [1]\n"
            "assert squares(2) == [1, 4]\n"
            "assert squares(10) == [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]",
        ),
        _test(
            "problem1",
            "squares_invalid_input",
            '"""Check that squares raises an error for invalid inputs"""\n'
            "try:\n    squares(0)\nexcept ValueError:\n    pass\nelse:\n"
            '    raise AssertionError("did not raise")',
        ),
        new_markdown_cell(
            "---\n## Part B (1 point)\n\nUsing your `squares` function, write a function that "
            "computes the sum of the squares of the numbers from 1 to $n$."
        ),
        new_code_cell(sum_of_squares, metadata=_meta("sum_of_squares", solution=True)),
        new_code_cell("sum_of_squares(10)"),
        _test(
            "problem1",
            "correct_sum_of_squares",
            '"""Check that sum_of_squares returns the correct answer for various inputs."""\n'
            "assert sum_of_squares(1) == 1\n"
            "assert sum_of_squares(10) == 385\n"
            "# Hidden test: larger n.\n"
            "### BEGIN HIDDEN TESTS\n"
            "assert sum_of_squares(11) == 506\n"
            "assert sum_of_squares(100) == 338350\n"
            "### END HIDDEN TESTS",
        ),
        _test(
            "problem1",
            "sum_of_squares_uses_squares",
            '"""Check that sum_of_squares relies on squares."""\n'
            "orig_squares = squares\ndel squares\ntry:\n    sum_of_squares(1)\n"
            "except NameError:\n    pass\nelse:\n"
            '    raise AssertionError("sum_of_squares does not use squares")\n'
            "finally:\n    squares = orig_squares",
        ),
        new_markdown_cell(
            "---\n## Part C (1 point)\n\nUsing LaTeX math notation, write out the equation "
            "that is implemented by your `sum_of_squares` function."
        ),
        new_markdown_cell(
            "$\\sum_{i=1}^n i^2$",
            metadata=_meta("sum_of_squares_equation", grade=True, solution=True, points=1),
        ),
        new_markdown_cell(
            "---\n## Part D (2 points)\n\nFind a usecase for your `sum_of_squares` function and "
            "implement that usecase in the cell below."
        ),
        new_code_cell(
            'def pyramidal_number(n):\n    """Returns the n^th pyramidal number"""\n'
            "    return sum_of_squares(n)",
            metadata=_meta("sum_of_squares_application", grade=True, solution=True, points=2),
        ),
        new_markdown_cell(
            "---\n## Part E (4 points)\n\nState the formulae for an arithmetic and geometric "
            "sum and verify them numerically for an example of your choice.",
            metadata=_meta("cell-938593c4a215c6cc", locked=True, task=True, points=4),
        ),
    ]
    return _notebook(cells)


def problem2():
    code = (
        "```python\ndef f(x):\n    if x == 0 or x == 1:\n        return x\n"
        "    return f(x - 1) + f(x - 2)\n```"
    )
    cells = [
        new_markdown_cell(f"Consider the following piece of code:\n\n{code}"),
        new_markdown_cell("---\n## Part A (1 point)\n\nDescribe, in words, what this code does."),
        new_markdown_cell(
            "This function computes the Fibonacci sequence using recursion.",
            metadata=_meta("part-a", grade=True, solution=True, points=1),
        ),
        new_markdown_cell(
            "---\n## Part B (2 points)\n\nFor what inputs will this function not behave as "
            "expected? What will happen?"
        ),
        new_markdown_cell(
            "Inputs below zero never reach a base case: the recursion does not end.",
            metadata=_meta("part-b", grade=True, solution=True, points=2),
        ),
    ]
    return _notebook(cells)


def _notebook(cells):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def write_source(root: Path) -> Path:
    """Write ``source/ps1/`` (two notebooks and ``jupyter.png``) under ``root``; return it."""
    from matplotlib.image import imsave

    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(problem1(), folder / "problem1.ipynb")
    nbformat.write(problem2(), folder / "problem2.ipynb")
    imsave(folder / "jupyter.png", [[[0.95, 0.45, 0.15]] * 4] * 4)
    return folder
