"""The class's grades for one assignment, read from the gradebook and grouped by function.

A test cell's ``grade_id`` is ``test_<function>_<aspect>``, so its points belong to that graded
function; written questions (``written_...``) are grouped as "written".
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import assignments
from autograder.cells import answer_sources
from autograder.gradebook import default_url, open_gradebook, sqlite_path
from autograder.grading import MARKER


@dataclass
class StudentGrades:
    student: str
    by_function: dict[str, tuple[float, float]]  # function -> (score, max score)
    needs_manual: int = 0
    problem: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(score for score, _ in self.by_function.values())

    @property
    def max_total(self) -> float:
        return sum(top for _, top in self.by_function.values())


def function_of(grade_id: str, functions: list[str]) -> str:
    """The graded function a cell's points belong to (longest matching name), or 'written'."""
    for name in sorted(functions, key=len, reverse=True):
        if grade_id.startswith(f"test_{name}_") or grade_id == f"test_{name}":
            return name
    return "written" if grade_id.startswith("written") else "other"


def graded_functions(assignment: str, root: Path) -> list[str]:
    source = nbformat.read(assignments.source_path(assignment, root), as_version=4)
    return list(answer_sources(source))


def class_grades(
    assignment: str, root: Path, db_url: str | None = None
) -> tuple[list[str], list[StudentGrades]]:
    """The column names (functions, then 'written') and every graded student's row."""
    from nbgrader.api import MissingEntry

    functions = graded_functions(assignment, root)
    url = db_url or default_url(root)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return functions, []
    rows = []
    with open_gradebook(url) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return functions, []
        for submission in submissions:
            by_function: dict[str, tuple[float, float]] = {}
            manual = 0
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    key = function_of(grade.name, functions)
                    score, top = by_function.get(key, (0.0, 0.0))
                    by_function[key] = (score + (grade.score or 0.0), top + grade.max_score)
                    manual += bool(grade.needs_manual_grade)
            row = StudentGrades(submission.student.id, by_function, manual)
            marker = root / "autograded" / row.student / assignment / MARKER
            if marker.is_file():
                info = json.loads(marker.read_text())
                row.problem, row.flags = info.get("problem"), info.get("flags", [])
            rows.append(row)
    columns = functions + sorted({k for r in rows for k in r.by_function} - set(functions))
    return columns, sorted(rows, key=lambda r: r.student)


def write_csv(path: Path, columns: list[str], rows: list[StudentGrades]) -> None:
    """One row per student: each function's score, the total, the maximum, problems and flags."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *columns, "total", "max", "needs_manual", "problem", "flags"])
        for row in rows:
            writer.writerow(
                [row.student]
                + [f"{row.by_function.get(c, (0, 0))[0]:g}" for c in columns]
                + [
                    f"{row.total:g}",
                    f"{row.max_total:g}",
                    row.needs_manual,
                    row.problem or "",
                    "; ".join(row.flags),
                ]
            )
