"""``course report`` and the grade table show student text as it is, never as rich markup."""

from __future__ import annotations

import pytest

from grader.config import gradebook_url
from grader.grading import GradeResult, record
from instructor_tools.cli import main
from tests.feedback_course import (
    ASSIGNMENT,
    autograded_notebook,
    correct_answers,
    make_course,
    record_graded,
)

pytestmark = pytest.mark.e2e  # the course is released with nbgrader

#: Markup that would restyle the table, link somewhere, or crash rich ("[/]" closes nothing).
STUDENT = "[bold red]eve"
PROBLEM = "cell 3 printed [/] and [/bold]"
FLAG = "unexpected file [link=https://evil.example]notes.py[/link] :skull:"
#: Terminal escapes: write the clipboard (OSC 52), clear the screen, reverse the line.
ESCAPES = "clipboard \x1b]52;c;ZXZpbA==\x07 screen \x1b[2J order \u202egnp.exe"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("report"))
    nb = autograded_notebook(correct_answers())
    scores = {"test_mean_by_hand": 2, "test_mean_random": 0, "written_why": None}
    for student in ("alice", STUDENT):
        record_graded(root, student, nb, scores)
    noted = GradeResult(ASSIGNMENT, STUDENT, "digest", problem=PROBLEM, flags=[FLAG, ESCAPES])
    record(root, gradebook_url(root), noted, None)
    return root


def test_the_report_shows_markup_in_student_text_literally(course, capsys):
    assert main(["--root", str(course), "report", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    grades, integrity = out.split("integrity and problems")
    for text in (STUDENT, PROBLEM, FLAG):
        assert text in " ".join(integrity.split()), text  # the table may wrap long cells
    assert STUDENT in grades and "alice" in grades
    assert "\x1b]8;" not in out  # no terminal hyperlink was made
    assert "💀" not in out  # nor an emoji


def test_the_report_shows_terminal_escapes_in_student_text_as_codes(course, capsys):
    assert main(["--root", str(course), "report", ASSIGNMENT]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    for code in ("\\x1b]52;c;ZXZpbA==\\x07", "\\x1b[2J", "\\u202egnp.exe"):
        assert code in out, code  # shown, as codes


def test_the_grade_table_cells_are_plain_text_on_any_console(course):
    from rich.console import Console

    from instructor_tools.cli import grade_table

    table, _, rows = grade_table(ASSIGNMENT, course)
    console = Console(record=True, width=400)  # markup on, as rich's default console has it
    console.print(table)
    text = console.export_text()
    assert STUDENT in text and PROBLEM in text and FLAG in text
    assert [row.student for row in rows] == sorted(["alice", STUDENT])
