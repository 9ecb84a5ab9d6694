"""Answer cells that import the reference or tamper with other code earn nothing, by name.

nbgrader sanitize step: every answer cell and every cell the student added is read against the
answer-cell rule (``course_kit.rules``). A disqualified cell is replaced by one that raises with
the reason (the original follows as comments), so its function's tests fail and the reason shows
in the feedback; the flag goes into the grade report. A flag for the report, not the line of
defence: verdicts never depend on it (``course_kit.judge``).
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from course_kit.cells import is_answer_cell, nbgrader_meta
from course_kit.rules import violations
from grader.flags import add_flags
from grader.rebuild import COURSE_CELL_KEY


def is_student_code(cell) -> bool:
    """An answer cell, or a code cell the student added (one nbgrader does not track and the
    release did not hold: ``RebuildFromRelease`` marks the course's own cells)."""
    return is_answer_cell(cell) or (
        cell.cell_type == "code" and not nbgrader_meta(cell)
        and not cell.metadata.get(COURSE_CELL_KEY)
    )


def disqualified_source(function: str, reasons: list[str], source: str) -> str:
    """A cell that raises with the reasons, the student's original kept below as comments."""
    reason = "; ".join(reasons)
    original = "\n".join(f"# {line}" for line in source.splitlines())
    message = f"course: the answer for {function} {reason}: it earns no points"
    return f"raise RuntimeError({message!r})\n# The submitted cell, not run:\n{original}"


class CheckAnswerCells(NbGraderPreprocessor):
    """nbgrader sanitize step: disqualify student code that breaks the rule (see module doc).

    Applies to answer cells and to cells the student added (which run like answers); a
    disqualified added cell is not run, so what it imported or patched never takes effect.
    """

    def preprocess(self, nb, resources):
        flags = []
        for index, cell in enumerate(nb.cells):
            if not is_student_code(cell):
                continue
            reasons = violations(cell.source)
            if not reasons:
                continue
            if is_answer_cell(cell):
                function = nbgrader_meta(cell).get("grade_id", "?")
                cell.source = disqualified_source(function, reasons, cell.source)
                flags.append(f"{function}: {'; '.join(reasons)} (no points)")
            else:
                cell.source = disqualified_source(f"cell {index + 1}", reasons, cell.source)
                flags.append(f"added cell {index + 1}: {'; '.join(reasons)} (not run)")
        add_flags(nb, flags)
        return nb, resources
