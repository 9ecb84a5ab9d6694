"""Feedback pages that never show hidden tests, nor anything a hidden test produced.

nbgrader's ``ClearHiddenTests`` removes the hidden regions' source but keeps their outputs,
and a student's function called from a hidden test can print the calling cell's source
(``In[-1]``, ``inspect.stack()``) or save it for a later cell to print. :class:`HideHiddenTests`
runs first in ``GenerateFeedback.preprocessors``: it replaces every hidden test cell's outputs
with its verdict and the one-line description its author wrote (``# Hidden test: ...``), and
removes any other output that contains a line of hidden-test source. A failed visible test
shows the test line that failed and the helper's message, without the frames inside the
assertion helpers (``kit/course_kit/checks.py``), which say nothing to a student.
:class:`ClearHiddenTestRegions` then removes the hidden regions from test cells only, so a
student who writes the markers in an answer still gets a page.
"""

from __future__ import annotations

import re

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor

from course_kit.cells import is_test_cell, nbgrader_meta
from course_kit.judge import MISTAKE_PREFIX
from grader.config import hidden_test_delimiters

#: nbgrader's default hidden-test delimiters; a course's own are passed in where configured.
DELIMITERS = hidden_test_delimiters()
DESCRIPTION_PREFIX = "# Hidden test:"
REDACTED = "[output removed: it contained the source of a hidden test]\n"
HELPER_FILE = re.compile(r"course_kit[/\\]checks\.py")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def points_phrase(points: float) -> str:
    """``"1 point"``, ``"2 points"``, ``"0.5 points"``."""
    return f"{points:g} point{'' if points == 1 else 's'}"


def has_hidden_tests(cell, delimiters: tuple[str, str] = DELIMITERS) -> bool:
    return is_test_cell(cell) and delimiters[0] in cell.source


def _lines(cell, delimiters: tuple[str, str] = DELIMITERS):
    """``(stripped line, inside a hidden region)`` for each line of a cell other than the
    markers; only test cells have hidden regions (a student may write the markers anywhere)."""
    begin, end = delimiters
    inside = False
    for line in cell.source.splitlines():
        if begin in line and is_test_cell(cell):
            inside = True
        elif end in line and is_test_cell(cell):
            inside = False
        else:
            yield line.strip(), inside


def description(cell, delimiters: tuple[str, str] = DELIMITERS) -> str:
    """The author's description of a hidden test cell (its ``# Hidden test:`` line)."""
    for line, inside in _lines(cell, delimiters):
        if line.startswith(DESCRIPTION_PREFIX) and not inside:
            return line[len(DESCRIPTION_PREFIX) :].strip()
    return "a hidden test"


def describe_test(cell) -> str:
    """What a test cell checks, for a table of contents: ``Hidden test: <its description>``,
    else its first comment line outside hidden regions, else its ``grade_id``."""
    if has_hidden_tests(cell):
        return f"Hidden test: {description(cell)}"
    for line, inside in _lines(cell):
        if line.startswith("#") and not inside and line.lstrip("#").strip():
            return line.lstrip("#").strip()
    return f"Test {nbgrader_meta(cell).get('grade_id', '')}".strip()


def hidden_source_lines(nb, delimiters: tuple[str, str] = DELIMITERS) -> set[str]:
    """Stripped lines that occur only inside hidden regions and are long enough to be telling."""
    hidden, visible = set(), set()
    for cell in nb.cells:
        for line, inside in _lines(cell, delimiters):
            (hidden if inside else visible).add(line)
    return {line for line in hidden - visible if len(line) >= 12}


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join([output.get("evalue", "")] + list(output.get("traceback", [])))
    data = output.get("data", {})
    return "\n".join(
        v if isinstance(v, str) else "\n".join(v) for k, v in data.items() if k.startswith("text/")
    )


def verdict_output(cell, delimiters: tuple[str, str] = DELIMITERS) -> nbformat.NotebookNode:
    """The one output a student sees for a hidden test cell: its verdict and what it checks."""
    failed = any(
        o.get("output_type") == "error"
        or (o.get("output_type") == "stream" and o.get("name") == "stderr")
        for o in cell.get("outputs", [])
    )
    points = points_phrase(nbgrader_meta(cell).get("points", 0))
    verdict = f"failed (0 of {points})" if failed else f"passed ({points})"
    errors = [str(o.get("evalue", "")) for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    mistakes = [line for e in errors for line in e.splitlines() if line.startswith(MISTAKE_PREFIX)]
    text = (f"Hidden test {verdict}: {description(cell, delimiters)}\n"
            + "".join(f"{m}\n" for m in mistakes[:1]))
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def without_helper_frames(output) -> nbformat.NotebookNode:
    """An error output whose traceback leaves out the frames inside the assertion helpers."""
    traceback = output.get("traceback", [])
    kept = [frame for frame in traceback if not HELPER_FILE.search(ANSI.sub("", frame))]
    if len(kept) < len(traceback):
        output = nbformat.from_dict({**output, "traceback": kept})
    return output


def hide_hidden_tests(nb, delimiters: tuple[str, str] = DELIMITERS) -> nbformat.NotebookNode:
    """Replace hidden test outputs by their verdicts and redact hidden source anywhere else."""
    telling = hidden_source_lines(nb, delimiters)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if has_hidden_tests(cell, delimiters):
            cell.outputs = [verdict_output(cell, delimiters)]
            continue
        kept = []
        for output in cell.get("outputs", []):
            text = _output_text(output)
            if any(line in text for line in telling):
                kept.append(nbformat.v4.new_output("stream", name="stdout", text=REDACTED))
            elif output.get("output_type") == "error" and is_test_cell(cell):
                kept.append(without_helper_frames(output))
            else:
                kept.append(output)
        cell.outputs = kept
    return nb


class HideHiddenTests(NbGraderPreprocessor):
    """nbgrader preprocessor: see :func:`hide_hidden_tests`. Must run before ClearHiddenTests."""

    def preprocess(self, nb, resources):
        return hide_hidden_tests(nb, hidden_test_delimiters(self.config)), resources


class ClearHiddenTestRegions(ClearHiddenTests):
    """nbgrader's ``ClearHiddenTests``, applied to test cells only.

    nbgrader's own reads every cell: a student's cell that mentions a marker
    (``s = "### BEGIN HIDDEN TESTS"`` in an answer) stops the student's whole feedback page
    ("No end hidden tests statement found"), and text between two markers in a written answer
    would vanish. Test cells are restored from the gradebook at grading, so their markers are
    the instructor's. Runs after :class:`HideHiddenTests`.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if not is_test_cell(cell):
            return cell, resources
        return super().preprocess_cell(cell, resources, cell_index)


class GetGradesAwaiting(GetGrades):
    """nbgrader's ``GetGrades``, also marking each graded cell that still awaits a person
    (``needs_manual_grade`` in its nbgrader metadata). nbgrader gives such a cell the score 0,
    which a page would show as a grade ("Score: 0.0 / 2.0")."""

    def _get_score(self, cell, resources):
        super()._get_score(cell, resources)
        meta = cell.metadata.nbgrader
        grade = self.gradebook.find_grade(
            meta["grade_id"], self.notebook_id, self.assignment_id, self.student_id
        )
        meta["needs_manual_grade"] = bool(grade.needs_manual_grade)
