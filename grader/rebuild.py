"""Rebuild a submission on the released notebook, so edited or deleted test cells cannot help.

Students receive ``release/<a>/<a>.ipynb`` and can do anything to the file. Before grading,
:func:`rebuild` lays the submission over the release: every cell the student may not change
(tests, setup, instructions) comes from the release, and each answer cell comes from the
student, found by its ``grade_id`` or, when its metadata was lost, by the ``def`` of the
function it must define. Cells the student added stay where they were. Everything unusual is
returned as a flag for the grade report: a deleted, duplicated or re-typed answer cell, an
edited or deleted test cell, an absurd notebook (more than :data:`MAX_CELLS` cells, added cells
of more than :data:`MAX_ADDED_CHARS` characters: only its answers are graded) or an answer cell
longer than :data:`MAX_ANSWER_CHARS` (graded as unanswered), which would otherwise cost the
kernel minutes and the feedback page megabytes.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from course_kit.cells import nbgrader_meta
from grader.flags import add_flags

#: Cell metadata marking a cell the course wrote (its outputs are not the student's).
COURSE_CELL_KEY = "course_cell"
#: A submission with more cells than this keeps its answers only (its added cells are dropped).
MAX_CELLS = 2000
#: Characters of all the cells a student added; beyond it they are dropped, as above.
MAX_ADDED_CHARS = 1_000_000
#: Characters of one answer cell (code or written); a longer one is graded as unanswered.
MAX_ANSWER_CHARS = 100_000


def _grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def _is_student_owned(cell) -> bool:
    """Answer cells (code or written) are the student's; all other release cells are not."""
    return bool(nbgrader_meta(cell).get("solution"))


def _defines(cell, name: str) -> bool:
    return (
        cell.cell_type == "code"
        and re.search(rf"^def\s+{re.escape(name)}\s*\(", cell.source, re.M) is not None
    )


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _content(cell) -> tuple[str, str]:
    return cell.cell_type, _normalise(cell.source)


def rebuild(submission, release) -> tuple[nbformat.NotebookNode, list[str]]:
    """The release with the student's answers (and added cells) in place, and the flags."""
    steps = _Rebuild(submission, release)
    steps.restore_course_cells()
    answers = {_grade_id(t): steps.student_answer(t) for t in release.cells if _is_student_owned(t)}
    added_after = steps.within_limits(steps.added_cells())
    return steps.assemble(answers, added_after), steps.flags


class _Rebuild:
    """The steps of one :func:`rebuild`, in order, and what they share: the flags so far, the
    submitted cells by grade id, and the submitted cells already used."""

    def __init__(self, submission, release):
        self.submission, self.release = submission, release
        self.flags: list[str] = []
        self.by_id: dict[str, list] = {}
        for cell in submission.cells:
            if _grade_id(cell):
                self.by_id.setdefault(_grade_id(cell), []).append(cell)
        self.used: set[int] = set()

    def restore_course_cells(self) -> None:
        """Flag each course cell (tests, locked cells) the submission deleted, edited or
        duplicated: every one comes back from the release as it is there."""
        for template in self.release.cells:
            grade_id = _grade_id(template)
            if not grade_id or _is_student_owned(template):
                continue
            submitted = self.by_id.get(grade_id, [])
            self.used.update(id(c) for c in submitted)
            if not submitted:
                self.flags.append(f"cell '{grade_id}' was deleted; restored from the release")
            elif any(_normalise(c.source) != _normalise(template.source) for c in submitted):
                self.flags.append(f"cell '{grade_id}' was edited; restored from the release")
            if len(submitted) > 1:
                self.flags.append(f"cell '{grade_id}' appears {len(submitted)} times; kept once")

    def student_answer(self, template):
        """The release's answer cell holding the student's answer; as released (unanswered,
        flagged) when the answer is missing, of another cell type or too long."""
        grade_id = _grade_id(template)
        chosen = self._find_answer(template)
        if chosen is None:
            return copy.deepcopy(template)
        if chosen.cell_type != template.cell_type:
            self.flags.append(
                f"answer cell '{grade_id}' was changed from {template.cell_type} to "
                f"{chosen.cell_type}; graded as unanswered"
            )
            return copy.deepcopy(template)
        if len(chosen.source) > MAX_ANSWER_CHARS:
            self.flags.append(
                f"answer cell '{grade_id}' holds {len(chosen.source):,} characters (more than "
                f"{MAX_ANSWER_CHARS:,}); graded as unanswered"
            )
            return copy.deepcopy(template)
        cell = copy.deepcopy(template)
        cell.source = chosen.source
        return cell

    def _find_answer(self, template):
        """The submitted cell that answers ``template``: by grade id (the first of several),
        else a code cell without metadata that defines the function; None when deleted."""
        grade_id = _grade_id(template)
        candidates = [c for c in self.by_id.get(grade_id, []) if _is_student_owned(c)]
        if len(candidates) > 1:
            self.flags.append(
                f"answer cell '{grade_id}' appears {len(candidates)} times; the first was graded"
            )
        if not candidates and template.cell_type == "code":
            candidates = [
                c
                for c in self.submission.cells
                if id(c) not in self.used and not _grade_id(c) and _defines(c, grade_id)
            ]
            if candidates:
                self.flags.append(
                    f"answer cell '{grade_id}' lost its grading metadata; found it by its def line"
                )
        if not candidates:
            self.flags.append(f"answer cell '{grade_id}' was deleted; graded as unanswered")
            return None
        self.used.update(id(c) for c in candidates)
        return candidates[0]

    def added_cells(self) -> dict[str | None, list]:
        """The cells the student added, by the grade id of the release cell before them in
        the submission (None: before the first)."""
        release_ids = {_grade_id(c) for c in self.release.cells if _grade_id(c)}
        # The release's untracked cells (explanations, worked examples) come from the release; a
        # submitted cell equal to one of them is that cell, not an addition.
        unchanged = Counter(_content(c) for c in self.release.cells if not _grade_id(c))
        added_after: dict[str | None, list] = {}
        anchor = None
        for cell in self.submission.cells:
            grade_id = _grade_id(cell)
            if grade_id in release_ids:
                anchor = grade_id
            elif id(cell) in self.used:
                continue
            elif not grade_id and unchanged[_content(cell)] > 0:
                unchanged[_content(cell)] -= 1
            else:
                added_after.setdefault(anchor, []).append(_unmarked(cell))
        return added_after

    def within_limits(self, added_after: dict[str | None, list]) -> dict[str | None, list]:
        """``added_after``, or none of it (flagged) when the notebook has too many cells or
        the added cells too many characters: then only the answer cells are graded."""
        added_chars = sum(len(c.source) for cells in added_after.values() for c in cells)
        if len(self.submission.cells) > MAX_CELLS:
            self.flags.append(f"the notebook has {len(self.submission.cells):,} cells (more than "
                              f"{MAX_CELLS:,}); only its answer cells were graded")
            return {}
        if added_chars > MAX_ADDED_CHARS:
            self.flags.append(f"the cells added to the notebook hold {added_chars:,} characters "
                              f"(more than {MAX_ADDED_CHARS:,}); only its answer cells were graded")
            return {}
        return added_after

    def assemble(self, answers: dict, added_after: dict[str | None, list]):
        """The release, its answer cells replaced by ``answers``, its other cells as released,
        each followed by the cells the student added after it."""
        cells = list(added_after.get(None, []))
        for template in self.release.cells:
            grade_id = _grade_id(template)
            cells.append(answers[grade_id] if _is_student_owned(template)
                         else _course_cell(template))
            if grade_id:
                cells.extend(added_after.get(grade_id, []))
        result = copy.deepcopy(self.release)
        result.cells = cells
        return result


def _course_cell(template):
    """A copy of a release cell, marked as the course's own."""
    cell = copy.deepcopy(template)
    cell.setdefault("metadata", {})[COURSE_CELL_KEY] = True
    return cell


def _unmarked(cell):
    """A student-added cell, stripped of any nbgrader or course metadata it claims."""
    cell = copy.deepcopy(cell)
    cell.get("metadata", {}).pop("nbgrader", None)
    cell.get("metadata", {}).pop(COURSE_CELL_KEY, None)
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell



class RebuildFromRelease(NbGraderPreprocessor):
    """nbgrader sanitize step: :func:`rebuild` a submission on its released notebook."""

    release_directory = Unicode(
        "", help="The folder holding release/<assignment>/<notebook>.ipynb (the course root)"
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = (
            Path(self.release_directory)
            / "release"
            / info["assignment"]
            / f"{info['notebook']}.ipynb"
        )
        rebuilt, flags = rebuild(nb, nbformat.read(path, as_version=4))
        add_flags(rebuilt, flags)
        return rebuilt, resources
