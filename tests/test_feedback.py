"""What a feedback page shows: a test cell's outputs (instructor_tools.feedback), and whole pages
(instructor_tools.feedback_pages): hidden tests hidden, student HTML inert, scores in words."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course_kit.judge import MISTAKE_PREFIX
from grader.config import gradebook_url
from grader.flags import DIAGNOSES_KEY
from grader.gradebook import open_gradebook
from grader.mistakes import load
from grader.sanitize import clean_html
from instructor_tools.feedback import describe_test, hide_hidden_tests, points_phrase
from instructor_tools.feedback_pages import generate_feedback
from tests.feedback_course import (
    ASSIGNMENT,
    HIDDEN_DESCRIPTION,
    HIDDEN_LINE,
    VISIBLE_DESCRIPTION,
    autograded_notebook,
    correct_answers,
    hostile_submission,
    make_course,
    record_graded,
    stream,
)

RED, RESET = "\x1b[0;31m", "\x1b[0m"
HEADER = f"{RED}---------------------------------------------------------------------------{RESET}"
CELL_FRAME = (
    "Cell \x1b[0;32mIn[7], line 2\x1b[0m\n      1 Z = np.ones((2, 3))\n----> 2 check_close(f(Z), Z)"
)
STUDENT_FRAME = "Cell \x1b[0;32mIn[4], line 3\x1b[0m, in \x1b[0;36mf\x1b[0m\n----> 3 return Z / 0"
HELPER_FRAME = (
    "File \x1b[0;32m/srv/course/.venv/lib/python3.11/site-packages/course_kit/checks.py:88"
    "\x1b[0m, in \x1b[0;36mcheck_close\x1b[0;34m(got, expected)\x1b[0m\n"
    "     87 if not ok:\n---> 88     raise"
)
LAST = f"{RED}AssertionError{RESET}: f(Z) has the wrong values: expected 1.0 at [0, 0], got inf"


def _cell(source: str, grade: bool, outputs) -> nbformat.NotebookNode:
    meta = {"grade_id": "c", "grade": grade, "solution": False, "points": 2 if grade else 0}
    cell = new_code_cell(source, metadata={"nbgrader": meta})
    cell.outputs = outputs
    return cell


def _error():
    frames = [HEADER, CELL_FRAME, STUDENT_FRAME, HELPER_FRAME, LAST]
    return new_output(
        "error", ename="AssertionError", evalue="f(Z) has the wrong values", traceback=frames
    )


def test_a_failed_visible_test_shows_its_line_and_message_not_the_helper_frames():
    nb = hide_hidden_tests(new_notebook(cells=[_cell("check_close(f(Z), Z)", True, [_error()])]))
    (output,) = nb.cells[0].outputs
    assert output.output_type == "error"
    assert output.traceback == [HEADER, CELL_FRAME, STUDENT_FRAME, LAST]


def test_errors_outside_test_cells_keep_every_frame():
    nb = hide_hidden_tests(new_notebook(cells=[_cell("f(Z)", False, [_error()])]))
    assert nb.cells[0].outputs[0].traceback[3] == HELPER_FRAME


def test_a_hidden_test_shows_only_its_verdict():
    source = "# Hidden test: f on a batch of ones\n### BEGIN HIDDEN TESTS\ncheck_close(f(Z), Z)\n"
    source += "### END HIDDEN TESTS"
    nb = hide_hidden_tests(new_notebook(cells=[_cell(source, True, [_error()])]))
    (output,) = nb.cells[0].outputs
    assert output.text == "Hidden test failed (0 of 2 points): f on a batch of ones\n"


# Whole pages: nbgrader's generate_feedback on a small graded course (tests/feedback_course.py).


def _page_text(page: Path) -> str:
    soup = BeautifulSoup(page.read_text(), "html.parser")
    for script in soup.find_all("script"):
        script.decompose()
    return " ".join(soup.get_text(" ").split())


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    root = make_course(tmp_path_factory.mktemp("feedback"))
    scores = {"test_mean_by_hand": 2, "test_mean_random": 1, "written_why": None}
    record_graded(root, "mallory", hostile_submission(), scores)
    good = autograded_notebook(
        correct_answers(), outputs={"test_mean_random": [stream("all good\n")]}
    )
    record_graded(root, "alice", good, scores)
    return {page.parts[-3]: page for page in generate_feedback(ASSIGNMENT, root)}


@pytest.mark.e2e  # releases with nbgrader (which runs alembic) and renders with it
def test_a_student_who_writes_the_hidden_test_markers_still_gets_a_page(pages):
    assert set(pages) == {"alice", "mallory"}
    text = _page_text(pages["mallory"])
    assert 'NOTE = "### BEGIN HIDDEN TESTS"' in text  # the student's own line, kept whole
    assert "BEGIN HIDDEN TESTS ¶ my words between the markers END HIDDEN TESTS" in text
    assert HIDDEN_LINE not in text and HIDDEN_LINE not in html.unescape(pages["alice"].read_text())
    assert "Hidden test passed (1 point): the mean matches NumPy's on random data." in text


@pytest.mark.e2e
def test_student_markup_and_outputs_run_nothing_on_the_page(pages):
    soup = BeautifulSoup(pages["mallory"].read_text(), "html.parser")
    scripts = soup.find_all("script")
    assert len(scripts) == 2  # the page's own: MathJax's settings and MathJax
    assert all(s.find_parent("head") and not s.get("src") for s in scripts)
    assert scripts[0].string.startswith("window.MathJax = ")
    assert not soup.find_all(["iframe", "object", "embed", "svg", "form"])
    assert not soup.body.find_all("style")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), (element.name, name)
            assert name != "style", element.name
            if name in ("href", "src"):
                assert not value.strip().lower().startswith(("javascript:", "data:text")), value
    text = _page_text(pages["mallory"])
    assert "<script>window.pwned = 'script'</script>" in text  # shown as text, inert
    assert text.count("a link") >= 3  # the link text stays, without its target


@pytest.mark.e2e
def test_graded_cells_name_their_tests_and_what_awaits_a_person(pages):
    text = _page_text(pages["alice"])
    assert "means (Score: 3 of 5 points, 2 points awaiting grading)" in text
    assert f"{VISIBLE_DESCRIPTION} — Score: 2 of 2 points" in text
    assert f"Hidden test: {HIDDEN_DESCRIPTION} — Score: 1 of 1 point" in text
    assert "Written response — awaiting grading (2 points)" in text
    assert "Test cell" not in text and "1 points" not in text and "Score: 0" not in text


@pytest.mark.e2e
def test_a_written_answer_shows_its_score_once_a_person_grades_it(tmp_path):
    root = make_course(tmp_path)
    scores = {"test_mean_by_hand": 2, "test_mean_random": 0, "written_why": None}
    record_graded(root, "bob", autograded_notebook(correct_answers()), scores)
    with open_gradebook(gradebook_url(root)) as gb:
        grade = gb.find_grade("written_why", ASSIGNMENT, ASSIGNMENT, "bob")
        grade.manual_score, grade.needs_manual_grade = 1.5, False
        gb.db.commit()
    (page,) = generate_feedback(ASSIGNMENT, root)
    text = _page_text(page)
    assert "means (Score: 3.5 of 5 points)" in text
    assert "Written response — Score: 1.5 of 2 points" in text
    assert "awaiting" not in text


@pytest.mark.e2e
def test_the_named_mistake_stands_apart_and_the_summary_lists_each_function(tmp_path):
    """The grader's record names a mistake in a failed test: the page shows it in a block of
    its own and in the summary at the top; a "Likely mistake" a student's own error message
    prints stays plain traceback text."""
    root = make_course(tmp_path)
    message = next(e.message for e in load()["batchnorm_forward"]
                   if e.key == "batchnorm_forward.unbiased_variance")
    failed = new_output("error", ename="CheckFailed", evalue=f"mean: expected 2; got 3\n"
                        f"{MISTAKE_PREFIX}{message}",
                        traceback=["test line 2: assert ...", f"CheckFailed: mean: expected 2; "
                                   f"got 3\n{MISTAKE_PREFIX}{message}"])
    forged = new_output("error", ename="ValueError", evalue="Likely mistake: none, all is fine",
                        traceback=["ValueError: Likely mistake: none, all is fine"])
    nb = autograded_notebook(correct_answers(), outputs={"test_mean_by_hand": [failed],
                                                         "mean": [forged]})
    nb.metadata[DIAGNOSES_KEY] = {"test_mean_by_hand": "batchnorm_forward.unbiased_variance"}
    record_graded(root, "carol", nb, {"test_mean_by_hand": 0, "test_mean_random": 0,
                                      "written_why": None})
    (page,) = generate_feedback(ASSIGNMENT, root)
    soup = BeautifulSoup(page.read_text(), "html.parser")
    (block,) = soup.select("div.course-mistake")
    assert " ".join(block.get_text(" ").split()) == f"Likely mistake {message}"
    tracebacks = " ".join(pre.get_text() for pre in soup.select("div.output_error pre"))
    assert message not in tracebacks and "expected 2; got 3" in tracebacks
    assert "Likely mistake: none, all is fine" in tracebacks  # the student's text, not a block
    rows = [[" ".join(td.get_text().split()) for td in tr.find_all("td")]
            for tr in soup.select("table.course-summary tr")[1:]]
    assert rows == [["mean", "0 of 3 points", message]]


def test_clean_html_keeps_what_markdown_renders_and_drops_what_runs():
    kept = (
        '<h2 id="x">Title</h2><p>a <em>b</em> <code>c</code></p><table><thead><tr><th>h</th>'
        '</tr></thead><tbody><tr><td colspan="2">d</td></tr></tbody></table>'
        '<img alt="plot" src="data:image/png;base64,iVBOR"><a href="https://example.org">e</a>'
    )
    assert clean_html(kept) == kept
    assert clean_html('<a href="data:text/html,<b>x</b>">f</a>') == "<a>f</a>"
    assert clean_html('<img src="data:text/html,x">') == "<img>"
    assert clean_html('<p onclick="x()" style="color: red">g</p>') == "<p>g</p>"
    assert clean_html("<script>x()</script>") == "&lt;script&gt;x()&lt;/script&gt;"


@pytest.mark.parametrize(
    ("points", "phrase"), [(1, "1 point"), (2, "2 points"), (0.5, "0.5 points")]
)
def test_points_are_counted_in_english(points, phrase):
    assert points_phrase(points) == phrase


def test_a_test_is_named_by_its_description_or_first_comment():
    hidden = _cell(
        "# Hidden test: f on ones\n### BEGIN HIDDEN TESTS\n# secret\n### END HIDDEN TESTS", True, []
    )
    visible = _cell(
        "from course_kit.checks import check_close\n\n# f(0) is 0.\ncheck_close(f(0), 0)", True, []
    )
    bare = _cell("assert f(0) == 0", True, [])
    assert describe_test(hidden) == "Hidden test: f on ones"
    assert describe_test(visible) == "f(0) is 0."
    assert describe_test(bare) == "Test c"
