"""``course export A``: an assignment's grades as the gradebook holds them now.

Everything is read from nbgrader's gradebook when the command runs, so grades changed in the
formgrader (manual grades, corrections) are included. One row per student of the roster; a
student without a submission scores 0, and the score is the raw score minus nbgrader's late
penalty, never below 0, as ``nbgrader export`` computes it.

Formats:

- ``csv``: ``nbgrader export``'s columns (assignment, duedate, timestamp, student_id,
  last_name, first_name, email, raw_score, late_submission_penalty, score, max_score);
- ``canvas``: Canvas's gradebook import: the columns ``Student, ID, SIS User ID, SIS Login ID,
  Section, <assignment> (<id>)`` and a ``Points Possible`` row. ``ID`` is the student's
  ``lms_user_id`` from the roster and ``SIS User ID`` the nbgrader student id; without a Canvas
  assignment id the column is named after the assignment and Canvas creates a new assignment.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from course_kit.errors import CourseError
from grader.gradebook import open_gradebook

FORMATS = ("csv", "canvas")


@dataclass(frozen=True)
class StudentScore:
    """One student's grade for the assignment; ``timestamp`` is None without a submission."""

    student: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str
    timestamp: str | None
    raw_score: float
    penalty: float

    @property
    def score(self) -> float:
        """The score after the late penalty, ``max(0, raw_score - penalty)``."""
        return max(0.0, self.raw_score - self.penalty)


@dataclass(frozen=True)
class AssignmentScores:
    assignment: str
    duedate: str | None
    max_score: float
    students: list[StudentScore]


def read_scores(assignment: str, url: str, course_id: str = "") -> AssignmentScores:
    """Every roster student's score for ``assignment`` in the gradebook at ``url`` (of the
    course ``course_id``)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(url, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(
                f"the gradebook has no '{assignment}' yet: run 'course grade {assignment}' first"
            ) from None
        students = []
        for student in gb.students:
            timestamp, raw, penalty = None, 0.0, 0.0
            try:
                submission = gb.find_submission(assignment, student.id)
            except MissingEntry:
                pass
            else:
                timestamp = str(submission.timestamp) if submission.timestamp else None
                raw, penalty = submission.score, submission.late_submission_penalty or 0.0
            names = (student.first_name, student.last_name, student.email, student.lms_user_id)
            students.append(
                StudentScore(student.id, *(n or "" for n in names), timestamp, raw, penalty)
            )
        duedate = str(found.duedate) if found.duedate else None
        return AssignmentScores(assignment, duedate, found.max_score, students)


def _number(value: float) -> str:
    return f"{round(value, 6):g}"


def csv_rows(scores: AssignmentScores) -> list[list[str]]:
    """``nbgrader export``'s header and one row per student."""
    rows = [
        [
            "assignment",
            "duedate",
            "timestamp",
            "student_id",
            "last_name",
            "first_name",
            "email",
            "raw_score",
            "late_submission_penalty",
            "score",
            "max_score",
        ]
    ]
    for s in scores.students:
        rows.append(
            [
                scores.assignment,
                scores.duedate or "",
                s.timestamp or "",
                s.student,
                s.last_name,
                s.first_name,
                s.email,
                _number(s.raw_score),
                _number(s.penalty),
                _number(s.score),
                _number(scores.max_score),
            ]
        )
    return rows


def canvas_rows(scores: AssignmentScores, canvas_id: str | None = None) -> list[list[str]]:
    """Canvas's gradebook-import header, its ``Points Possible`` row and one row per student."""
    column = f"{scores.assignment} ({canvas_id})" if canvas_id else scores.assignment
    rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
        ["Points Possible", "", "", "", "", _number(scores.max_score)],
    ]
    for s in scores.students:
        name = ", ".join(filter(None, [s.last_name, s.first_name])) or s.student
        rows.append([name, s.lms_user_id, s.student, "", "", _number(s.score)])
    return rows


def export(
    assignment: str,
    url: str,
    out: Path,
    fmt: str = "csv",
    canvas_id: str | None = None,
    course_id: str = "",
) -> Path:
    """Write ``assignment``'s grades from the gradebook at ``url`` to ``out`` in ``fmt``."""
    scores = read_scores(assignment, url, course_id)
    rows = canvas_rows(scores, canvas_id) if fmt == "canvas" else csv_rows(scores)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return out
