"""The class's grades for one assignment, read from the gradebook and grouped into columns.

A graded cell's points go to the column its metadata names (``{"course": {"function": "f"}}``),
else to the graded function its ``grade_id`` names (``test_<function>_<aspect>``, the course's
convention), else to "written" (``written_...``), else to a column of its own: any nbgrader
course gets one column per graded cell, never an empty one.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_kit.cells import answer_sources, function_of, nbgrader_meta
from grader.config import course_config
from grader.flags import diagnosed_mistakes
from grader.gradebook import open_gradebook, sqlite_path
from grader.grading import gradings
from instructor_tools import assignments


@dataclass
class StudentGrades:
    student: str
    by_function: dict[str, tuple[float, float]]  # function -> (score, max score)
    needs_manual: int = 0
    problem: str | None = None
    flags: list[str] = field(default_factory=list)
    #: Keys of the mistakes the diagnostics named, one per failed test that named one.
    mistakes: list[str] = field(default_factory=list)
    #: nbgrader's late-submission penalty (points taken off the total).
    penalty: float = 0.0

    @property
    def total(self) -> float:
        """The score as nbgrader's gradebook and export give it: the points minus the late
        penalty, never below 0."""
        return max(0.0, sum(score for score, _ in self.by_function.values()) - self.penalty)

    @property
    def max_total(self) -> float:
        return sum(top for _, top in self.by_function.values())


#: The cell metadata key under which a test cell may name its graded function.
COLUMN_METADATA = "course"


def column_of(cell, functions: list[str]) -> str:
    """The column a graded cell's points go to: its metadata's function, else by its name."""
    named = cell.get("metadata", {}).get(COLUMN_METADATA, {}).get("function")
    return named or function_of(nbgrader_meta(cell).get("grade_id", ""), functions)


def cell_columns(assignment: str, root: Path) -> dict[tuple[str, str], str]:
    """``(notebook, grade_id) -> column`` for every cell with points, in notebook order.

    A cell in a column of its own whose ``grade_id`` recurs in another notebook is shown as
    ``notebook/grade_id``.
    """
    sources = {
        name: nbformat.read(assignments.source_path(assignment, root, name), as_version=4)
        for name in assignments.notebooks(assignment, root)
    }
    functions = [f for nb in sources.values() for f in answer_sources(nb)]
    columns = {}
    for name, nb in sources.items():
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if (meta.get("grade") or meta.get("task")) and meta.get("points", 0) > 0:
                columns[(name, meta["grade_id"])] = column_of(cell, functions)
    ids = [grade_id for _, grade_id in columns]
    return {
        (name, grade_id): f"{name}/{column}"
        if column == grade_id and ids.count(grade_id) > 1
        else column
        for (name, grade_id), column in columns.items()
    }


def class_grades(
    assignment: str, root: Path, db_url: str | None = None
) -> tuple[list[str], list[StudentGrades]]:
    """The column names (in notebook order) and every graded student's row."""
    from nbgrader.api import MissingEntry

    columns_of = cell_columns(assignment, root)
    ordered = list(dict.fromkeys(columns_of.values()))
    cfg = course_config(root)
    url = db_url or cfg.CourseDirectory.db_url
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return ordered, []
    rows = []
    with open_gradebook(url, cfg.CourseDirectory.get("course_id", "")) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return ordered, []
        recorded = gradings(gb, assignment)
        for submission in submissions:
            by_function: dict[str, tuple[float, float]] = {}
            manual = 0
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if not grade.max_score:
                        continue
                    key = columns_of.get((notebook.name, grade.name), grade.name)
                    score, top = by_function.get(key, (0.0, 0.0))
                    by_function[key] = (score + (grade.score or 0.0), top + grade.max_score)
                    manual += bool(grade.needs_manual_grade)
            row = StudentGrades(submission.student.id, by_function, manual,
                                penalty=submission.late_submission_penalty or 0.0)
            if (grading := recorded.get(row.student)) is not None:
                row.problem, row.flags = grading.problem, json.loads(grading.flags)
            row.flags = row.flags + assignments.unexpected_files(assignment, row.student, root)
            row.mistakes = diagnosed_mistakes(root / "autograded" / row.student / assignment)
            rows.append(row)
    present = {k for r in rows for k in r.by_function}
    columns = [c for c in ordered if c in present or not rows] + sorted(present - set(ordered))
    return columns, sorted(rows, key=lambda r: r.student)


def write_csv(path: Path, columns: list[str], rows: list[StudentGrades]) -> None:
    """One row per student: each function's score, the total (after the late penalty), the
    maximum, the late penalty, problems and flags."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *columns, "total", "max", "late_penalty", "needs_manual",
                         "problem", "flags"])
        for row in rows:
            writer.writerow(
                [row.student]
                + [f"{row.by_function.get(c, (0, 0))[0]:g}" for c in columns]
                + [
                    f"{row.total:g}",
                    f"{row.max_total:g}",
                    f"{row.penalty:g}",
                    row.needs_manual,
                    row.problem or "",
                    "; ".join(row.flags),
                ]
            )
