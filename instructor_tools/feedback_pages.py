"""``course feedback A``: nbgrader's ``generate_feedback`` with the course's configuration.

The page is nbgrader's feedback template, extended (``instructor_tools/templates/course_feedback``)
so that it

- stands alone: MathJax 3 is inlined (:func:`mathjax_inline`), so formulas render with no
  network and in the single HTML file ``nbgrader release_feedback`` hands out;
- runs nothing a student wrote: the autograded notebook holds student content only in inert
  form already (``grader.sanitize``), and the page cleans student markdown and HTML or
  markdown outputs once more with the same :func:`grader.sanitize.clean_html`, and shows no
  JavaScript or widget output (``HTMLExporter.sanitize_html``);
- says what waits for a person ("awaiting grading (2 points)"), names each test in the table of
  contents by what it checks, and writes "1 point";
- sums up each graded function at the top (its points and the mistake named, if one was), and
  shows a failed test's named mistake and its fix in a block of its own, apart from the
  traceback.

The functions below are the template's Jinja filters (``GenerateFeedback.HTMLExporter.filters``
in ``grader.config``).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from pathlib import Path

from course_kit.cells import function_of, is_answer_cell, is_test_cell, nbgrader_meta
from course_kit.errors import CourseError
from course_kit.judge import MISTAKE_PREFIX
from grader.config import course_config, run_converter
from grader.flags import DIAGNOSES_KEY
from instructor_tools.feedback import describe_test, points_phrase

#: MathJax 3's TeX-to-SVG component with every TeX extension built in: one file that fetches
#: no fonts or extensions later, so it works inlined in a page opened with no network.
MATHJAX_COMPONENT = "tex-svg-full"
#: nbconvert's MathJax settings (the same delimiters), in MathJax 3's form. ``html`` (\\href,
#: \\style, \\class) and ``bbox`` (CSS) are left out: a student's formula makes no links or
#: styles.
MATHJAX_CONFIG = {
    "tex": {
        "inlineMath": [["$", "$"], ["\\(", "\\)"]],
        "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
        "processEscapes": True,
        "processEnvironments": True,
        "tags": "ams",
        "packages": {"[-]": ["html", "bbox"]},
    },
    "svg": {"fontCache": "global"},
}


@functools.cache
def _mathjax_source(component: str) -> str:
    path = importlib.resources.files("mathjax") / "static" / "mathjax" / "es5" / f"{component}.js"
    source = path.read_text(encoding="utf-8")
    # Inside <script>, "</script" would end the element and "<!--" change how it is parsed.
    return re.sub(r"(?i)</(script)", r"<\\/\1", source).replace("<!--", "<\\!--")


def mathjax_inline(component: str = MATHJAX_COMPONENT) -> str:
    """``<script>`` elements that configure MathJax 3 and hold its ``component`` (from the
    ``django-static-mathjax`` distribution), so a page typesets ``$...$`` and ``$$...$$``
    with no network. The template's ``mathjax`` macro calls it in place of nbconvert's, which
    loads MathJax 2 from a CDN."""
    settings = json.dumps(MATHJAX_CONFIG)
    return (
        f"<script>window.MathJax = {settings};</script>\n"
        f"<script>{_mathjax_source(component)}</script>"
    )


def score_text(cell) -> str:
    """A graded cell's score: ``"Score: 1.5 of 2 points"``, or ``"awaiting grading
    (2 points)"`` while it waits for a person (``instructor_tools.feedback.GetGradesAwaiting``)."""
    meta = nbgrader_meta(cell)
    points = points_phrase(meta.get("points", 0))
    if meta.get("needs_manual_grade"):
        return f"awaiting grading ({points})"
    return f"Score: {meta.get('score') or 0:g} of {points}"


def score_summary(nb, grades: dict) -> str:
    """The page's total, ``grades`` being nbgrader's ``resources["nbgrader"]``: ``"Score: 3 of
    5 points, 2 points awaiting grading"``."""
    waiting = sum(
        nbgrader_meta(cell).get("points", 0)
        for cell in nb.cells
        if nbgrader_meta(cell).get("needs_manual_grade")
    )
    text = f"Score: {grades['score']:g} of {points_phrase(grades['max_score'])}"
    return f"{text}, {points_phrase(waiting)} awaiting grading" if waiting else text


def named_mistake(cell, nb) -> str:
    """The fix of the catalogued mistake the grader named in this failed test, from the
    notebook's record of diagnoses (``grader.flags.DIAGNOSES_KEY``), or ``""``."""
    key = nb.metadata.get(DIAGNOSES_KEY, {}).get(nbgrader_meta(cell).get("grade_id"))
    return _mistake_messages().get(key, "") if isinstance(key, str) else ""


def without_mistake(line: str, message: str) -> str:
    """A traceback line without the named mistake's sentence (the page shows it apart)."""
    return line.replace(f"\n{MISTAKE_PREFIX}{message}", "") if message else line


def function_summary(nb) -> list[tuple[str, str, str]]:
    """``(function, "3 of 5 points", the first mistake named)`` per graded function, in the
    notebook's order, for the page's summary."""
    functions = [nbgrader_meta(c)["grade_id"] for c in nb.cells if is_answer_cell(c)]
    points: dict[str, list[float]] = {name: [0.0, 0.0] for name in functions}
    mistakes: dict[str, str] = {}
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        name = function_of(meta.get("grade_id", ""), functions)
        if is_test_cell(cell) and name in points:
            points[name][0] += meta.get("score") or 0
            points[name][1] += meta.get("points", 0)
            mistakes.setdefault(name, named_mistake(cell, nb)) or mistakes.pop(name)
    return [(name, f"{score:g} of {points_phrase(top)}", mistakes.get(name, ""))
            for name, (score, top) in points.items()]


@functools.cache
def _mistake_messages() -> dict[str, str]:
    from grader.mistakes import load

    return {entry.key: entry.message for entries in load().values() for entry in entries}


def toc_label(cell) -> str:
    """A graded cell's entry in the table of contents: a test by what it checks, the others by
    nbgrader's names."""
    meta = nbgrader_meta(cell)
    if meta.get("task"):
        return "Task"
    if cell.cell_type == "markdown":
        return "Written response"
    return "Coding free-response" if meta.get("solution") else describe_test(cell)


def generate_feedback(assignment: str, root: Path, db_url: str | None = None) -> list[Path]:
    """Write ``feedback/<student>/<a>/<a>.html`` for every autograded student; return the pages."""
    if not (root / "autograded").is_dir() or not any((root / "autograded").glob(f"*/{assignment}")):
        raise CourseError(
            f"nothing graded for '{assignment}' yet: run 'course grade {assignment}' first"
        )
    cfg = course_config(root, db_url)
    try:
        run_converter("GenerateFeedback", cfg, assignment)
    except Exception as error:  # nbgrader raises NbGraderException after logging the reason
        raise CourseError(
            f"nbgrader could not write feedback for '{assignment}': {error}"
        ) from None
    return sorted((root / "feedback").glob(f"*/{assignment}/{assignment}.html"))
