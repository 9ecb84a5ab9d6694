"""A small graded assignment for feedback-page tests that need no kernel.

The assignment ``means`` has formulas in its text, two graded functions (a visible test worth
2 points, a hidden test worth 1 point) and a written answer graded by hand (2 points). It is
released with nbgrader into a scratch course directory; a student's autograded notebook and its
grades are then written directly, as ``nbgrader autograde`` would leave them, so nbgrader's
``generate_feedback`` renders real pages in seconds.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from sqlalchemy.exc import SAWarning

from course_kit.cells import nbgrader_meta
from grader.config import gradebook_url
from grader.gradebook import open_gradebook
from instructor_tools import assignments
from tests.tiny_course import _meta

ASSIGNMENT = "means"
INTRO = (
    "# Means\n"
    "The mean of $m$ numbers is $\\mu = \\frac{1}{m}\\sum_{i=1}^{m} x_i$, and their variance is\n"
    "$$\\sigma^2 = \\frac{1}{m}\\sum_{i=1}^{m} (x_i - \\mu)^2.$$"
)
#: The one line of hidden-test source that is long and unique enough to be searched for.
HIDDEN_LINE = "assert abs(mean(x) - x.mean()) < 1e-12, 'the hidden comparison'"
VISIBLE_DESCRIPTION = "The mean of [1, 2, 3] is (1 + 2 + 3) / 3 = 2."
HIDDEN_DESCRIPTION = "the mean matches NumPy's on random data."


def source_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(INTRO),
        new_code_cell("import numpy as np", metadata=_meta("setup", solution=False, grade=False)),
        new_code_cell(
            "def mean(x):\n    ### BEGIN SOLUTION\n    return float(np.mean(x))\n"
            "    ### END SOLUTION",
            metadata=_meta("mean", solution=True, grade=False),
        ),
        new_code_cell(
            f"# {VISIBLE_DESCRIPTION}\nassert mean(np.array([1.0, 2.0, 3.0])) == 2.0",
            metadata=_meta("test_mean_by_hand", solution=False, grade=True, points=2),
        ),
        new_code_cell(
            f"# Hidden test: {HIDDEN_DESCRIPTION}\n### BEGIN HIDDEN TESTS\n"
            f"x = np.random.default_rng(0).normal(size=50)\n{HIDDEN_LINE}\n"
            "### END HIDDEN TESTS",
            metadata=_meta("test_mean_random", solution=False, grade=True, points=1),
        ),
        new_markdown_cell("Why does $\\sigma^2$ divide by $m$ and not by $m - 1$?"),
        new_markdown_cell(
            "Because batch norm uses the biased variance.",
            metadata=_meta("written_why", solution=True, grade=True, points=2),
        ),
    ]
    return new_notebook(cells=cells)


def make_course(root: Path) -> Path:
    """Write ``source/means/means.ipynb`` under ``root`` and release it (release/, gradebook)."""
    path = assignments.source_path(ASSIGNMENT, root)
    path.parent.mkdir(parents=True)
    nbformat.write(source_notebook(), path)
    assignments.generate(ASSIGNMENT, root)
    return root


def autograded_notebook(
    answers: dict[str, str],
    outputs: dict[str, list] | None = None,
    added: list | None = None,
) -> nbformat.NotebookNode:
    """The source notebook as autograde leaves it: ``answers`` (grade_id -> source, for code
    answers and the written answer) in place, ``outputs`` (grade_id -> outputs) attached, and
    ``added`` cells (the student's own) appended."""
    nb = copy.deepcopy(source_notebook())
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
        if cell.cell_type == "code":
            cell.outputs = (outputs or {}).get(grade_id, [])
            cell.execution_count = None
    nb.cells.extend(added or [])
    return nb


def record_graded(root: Path, student: str, nb, scores: dict[str, float | None]) -> None:
    """Put ``nb`` where autograde writes it and its scores (grade_id -> points, None: graded by
    hand, not yet) into the gradebook."""
    folder = root / "autograded" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    with open_gradebook(gradebook_url(root)) as gb, warnings.catch_warnings():
        # nbgrader's add_submission under SQLAlchemy 2 warns about its own session handling.
        warnings.filterwarnings("ignore", "Object of type <Submitted", SAWarning)
        gb.update_or_create_student(student)
        submission = gb.add_submission(ASSIGNMENT, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                score = scores.get(grade.name)
                grade.auto_score = score
                grade.needs_manual_grade = score is None
        gb.db.commit()


def correct_answers() -> dict[str, str]:
    return {"mean": "def mean(x):\n    return float(np.mean(x))"}


def stream(text: str) -> nbformat.NotebookNode:
    return new_output("stream", name="stdout", text=text)


#: Active content a student can put in markdown or outputs; each sets ``window.pwned`` if run.
HOSTILE_HTML = (
    "<script>window.pwned = 'script'</script>"
    "<img src=x onerror=\"window.pwned = 'onerror'\">"
    "<a href=\"javascript:window.pwned = 'link'\">a link</a>"
    '<iframe src="https://evil.example/"></iframe>'
    "<svg onload=\"window.pwned = 'svg'\"></svg>"
    "<style>body { display: none }</style>"
    '<p style="background: url(https://evil.example/t.png)">styled</p>'
)
HOSTILE_MARKDOWN = (
    "My answer: the variance is biased, $\\frac{1}{m}$.\n\n"
    + HOSTILE_HTML
    + "\n\n[another link](javascript:window.pwned='markdown')"
    + "\n\nand $\\href{javascript:window.pwned='mathjax'}{a formula link}$"
)


#: A written answer that quotes nbgrader's markers around words of its own.
WRITTEN_MARKERS = "\n\n### BEGIN HIDDEN TESTS\nmy words between the markers\n### END HIDDEN TESTS"


def hostile_submission() -> nbformat.NotebookNode:
    """A correct ``mean`` whose cell mentions a hidden-test marker, with hostile HTML in its
    outputs, in the written answer and in a markdown cell the student added."""
    answer = correct_answers()["mean"] + '\nNOTE = "### BEGIN HIDDEN TESTS"'
    display = [
        new_output("display_data", data={"text/html": HOSTILE_HTML, "text/plain": "html"}),
        new_output("display_data", data={"text/markdown": HOSTILE_MARKDOWN}),
        new_output("display_data", data={"application/javascript": "window.pwned = 'js'"}),
        new_output("display_data", data={"image/svg+xml": "<svg onload=\"window.pwned='svg2'\"/>"}),
        stream(HOSTILE_HTML + "\n"),
        new_output("error", ename="ValueError", evalue=HOSTILE_HTML, traceback=[HOSTILE_HTML]),
    ]
    return autograded_notebook(
        {"mean": answer, "written_why": HOSTILE_MARKDOWN + WRITTEN_MARKERS},
        outputs={"mean": display, "test_mean_random": [stream("ok\n")]},
        added=[new_markdown_cell(HOSTILE_MARKDOWN)],
    )
