"""A feedback page stands alone: opened in Chromium with every network request refused, its
formulas are typeset by the inlined MathJax, and nothing a student wrote runs."""

from __future__ import annotations

import pytest

from instructor_tools.feedback_pages import generate_feedback
from tests.feedback_course import ASSIGNMENT, hostile_submission, make_course, record_graded

pytestmark = pytest.mark.browser

#: Text outside formulas, code and outputs: what MathJax should have replaced is not left here.
TEXT_OUTSIDE_MATH = """() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll("mjx-container, pre, code, script, style").forEach(e => e.remove());
    return copy.textContent;
}"""


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("feedback-page"))
    scores = {"test_mean_by_hand": 2, "test_mean_random": 1, "written_why": None}
    record_graded(root, "mallory", hostile_submission(), scores)
    (page,) = generate_feedback(ASSIGNMENT, root)
    return page


def test_formulas_render_with_no_network_and_student_html_stays_inert(
    page, feedback_page, screenshots
):
    refused = []

    def files_only(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", files_only)
    page.goto(feedback_page.as_uri())
    assert page.evaluate("() => MathJax.startup.promise.then(() => true)")
    # The intro's two inline formulas and one display, the question's three, the student's
    # formula in the written answer, the added cell and the markdown output, each with \href.
    assert page.locator("mjx-container").count() >= 12
    assert page.locator('mjx-container[display="true"]').count() >= 1
    assert page.locator("mjx-container svg").count() == page.locator("mjx-container").count()
    outside = page.evaluate(TEXT_OUTSIDE_MATH)
    assert "$$" not in outside and "\\frac" not in outside and "\\sigma" not in outside
    assert page.evaluate("() => window.pwned") is None
    assert page.locator('a[href^="javascript"], [onerror], [onload], iframe').count() == 0
    assert refused == []  # the page asked for nothing beyond its own file
    assert "awaiting grading (2 points)" in page.inner_text("#toc")
    page.screenshot(path=screenshots / "feedback-page-offline.png", full_page=True)
