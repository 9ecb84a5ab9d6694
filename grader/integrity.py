"""Answer cells that reach the reference or the grader earn nothing, by name; the rest is flagged.

nbgrader sanitize step: every answer cell and every cell the student added is read against the
answer-cell rule (``course_kit.rules``). A cell with a disqualifying finding (it imports or names
the reference, the grader or the sample answers) is replaced by one that raises with the reason
(the original follows as comments), so its function's tests fail and the reason shows in the
feedback. Any other finding (``import sys``, ``%debug``, ``vars()``) is only flagged for a person
in the grade report: the cell runs and keeps its points. Verdicts never depend on this check
(``course_kit.judge``).
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from course_kit.cells import is_answer_cell, nbgrader_meta
from course_kit.rules import judged_rules
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


#: What a flag-only finding costs, as the grade report says it.
FLAGGED = "flagged for a person; no points lost"


class CheckAnswerCells(NbGraderPreprocessor):
    """nbgrader sanitize step: disqualify student code that reaches answers or the grader, flag
    the rest (see module doc).

    Applies to answer cells and to cells the student added (which run like answers); a
    disqualified added cell is not run, so what it imported never takes effect.
    """

    def preprocess(self, nb, resources):
        flags = []
        for index, cell in enumerate(nb.cells):
            if not is_student_code(cell):
                continue
            found = judged_rules(cell.source)
            if not found:
                continue
            answer = is_answer_cell(cell)
            name = nbgrader_meta(cell).get("grade_id", "?") if answer else f"cell {index + 1}"
            label = name if answer else f"added cell {index + 1}"
            reasons = [b.reason for b in found]
            if any(b.disqualifies for b in found):
                cell.source = disqualified_source(name, reasons, cell.source)
                flags.append(f"{label}: {'; '.join(reasons)} "
                             f"({'no points' if answer else 'not run'})")
            else:
                flags.append(f"{label}: {'; '.join(reasons)} ({FLAGGED})")
        add_flags(nb, flags)
        return nb, resources
