"""A hostile written answer, opened by the instructor in the formgrader and in the feedback page,
runs nothing: the instructor logs in with a password (a cookie session, as on a hub), and no
script of the student's runs or calls the server (``grader.sanitize``)."""

from __future__ import annotations

import copy
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from jupyter_server.auth import passwd
from nbformat.v4 import new_code_cell, new_markdown_cell

from course_kit.cells import nbgrader_meta
from grader.classroom import grade_class
from grader.config import REPOSITORY
from grader.flags import FLAGS_KEY
from grader.gradebook import open_gradebook
from grader.grading import GradeSettings
from grader.sanitize import FLAG
from instructor_tools.feedback_pages import generate_feedback
from tests.hostile_notebooks import full
from tests.support import BIN, start_server, stop_server

pytestmark = pytest.mark.browser

ASSIGNMENT = "scale"
STUDENT = "mallory"
HONEST = "alice"
PASSWORD = "instructor-secret"
#: Writes PWNED.txt at the server's root with the instructor's session, and marks the page.
PUT = (
    "window.__pwned = 'onerror'; fetch('/api/contents/PWNED.txt', {method: 'PUT', headers: "
    "{'X-XSRFToken': (document.cookie.match(/_xsrf=([^;]+)/) || [])[1]}, body: JSON.stringify("
    "{type: 'file', format: 'text', content: 'pwned'})})"
)
ANSWER = f'Momentum near 1 is sensitive. <img src=x onerror="{PUT}">'
ADDED_MARKDOWN = (
    "<script>window.__pwned = 'script'</script>"
    "<svg onload=\"window.__pwned = 'svg'\"><circle r='4'/></svg> an added note"
)
ADDED_CODE = (
    "from IPython.display import HTML, Javascript, display\n"
    "display(HTML(\"<script>window.__pwned = 'html output'</script>"
    '<img src=x onerror=\\"window.__pwned = \'html img\'\\">"))\n'
    "display(Javascript(\"window.__pwned = 'javascript output'; alert('pwned')\"))"
)


def hostile_scale():
    """Every function right, the written answer hostile, a hostile markdown and code cell added."""
    nb = copy.deepcopy(full(ASSIGNMENT))
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == "written_beta_scale":
            cell.source = ANSWER
    nb.cells += [new_markdown_cell(ADDED_MARKDOWN), new_code_cell(ADDED_CODE)]
    return nb


@dataclass
class Graded:
    root: Path
    submission: str  # the hostile notebook's id in the gradebook
    scores: dict[str, float]  # student -> autograded points
    flagged: dict[str, bool]  # student -> nbgrader's "flagged"

    def autograded(self, student: str):
        return nbformat.read(
            self.root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4
        )


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    """The hostile notebook and an honest one (every answer right) graded with ``course
    grade``'s pipeline, and their feedback written."""
    served = tmp_path_factory.mktemp("served")
    root = served / "course"
    shutil.copytree(REPOSITORY / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    shutil.copy(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    for student, nb in ((STUDENT, hostile_scale()), (HONEST, full(ASSIGNMENT))):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    grade_class(ASSIGNMENT, root, workers=1, settings=GradeSettings(cell_timeout=15))
    generate_feedback(ASSIGNMENT, root)
    with open_gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        notebooks = {
            s: gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, s) for s in (STUDENT, HONEST)
        }
        return Graded(
            root,
            notebooks[STUDENT].id,
            {s: n.score for s, n in notebooks.items()},
            {s: bool(n.flagged) for s, n in notebooks.items()},
        )


@pytest.fixture(scope="module")
def instructor_server(graded, tmp_path_factory):
    """Jupyter Server with the formgrader, as the hub configures an instructor's, with a
    password login and no token, over the course."""
    root = graded.root
    home = tmp_path_factory.mktemp("instructor-home")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "COURSE_EXCHANGE": str(home / "exchange"),
        # The hub's settings for an instructor's server (hub/jupyterhub_config.py).
        "JUPYTER_CONFIG_PATH": str(REPOSITORY / "hub" / "instructor"),
        "COURSE_DIR": str(root),
        "PYTHONPATH": str(REPOSITORY),
    }
    (home / "exchange").mkdir(mode=0o777)
    cmd = [
        str(BIN / "jupyter-server"), "--no-browser", "--port=0", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root.parent}", "--allow-root", "--IdentityProvider.token=",
        f"--PasswordIdentityProvider.hashed_password={passwd(PASSWORD)}",
    ]  # fmt: skip
    process, base = start_server(
        cmd,
        env=env,
        cwd=root,
        log=home / "server.log",
        ready=r"(http://127\.0\.0\.1:\d+)/",
        probe="/login",
    )
    yield base
    stop_server(process)


def open_as_instructor(page, base: str, url: str) -> tuple[list, list]:
    """Log in through the password form (a cookie session), watch every request and dialog,
    then open ``url``; return the requests (method, URL) and dialogs seen on that page."""
    page.goto(f"{base}/login")
    page.fill("input[type=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    requests, dialogs = [], []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Nothing leaves the machine: requests elsewhere are refused (and recorded above).
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
    )
    page.goto(url, referer=f"{base}/formgrader")  # as when followed from the formgrader
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)  # time for a handler or a fetch to fire
    return requests, dialogs


def no_student_action(page, base: str, url: str, root, requests, dialogs) -> None:
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    assert [r for r in requests if r[0] != "GET"] == []
    # The page itself, its static files and the formgrader's reads of its own grades.
    expected = (url, f"{base}/formgrader/static/", f"{base}/static/", f"{base}/formgrader/api/")
    assert [r for _, r in requests if r.startswith(base) and not r.startswith(expected)] == []
    assert not (root.parent / "PWNED.txt").exists()
    # Same-origin pages and static files only, and nbconvert's MathJax (which the page asks for,
    # not the student; refused here as there is no network).
    foreign = {r for _, r in requests if not r.startswith(base)}
    assert all(r.startswith("https://cdnjs.cloudflare.com/ajax/libs/mathjax/") for r in foreign)


def test_the_hostile_submission_is_graded_in_full_and_flagged_the_honest_one_not(graded):
    # All 27 autograded points each; the written answers await a person.
    assert graded.scores == {STUDENT: 27, HONEST: 27}
    assert FLAG in graded.autograded(STUDENT).metadata[FLAGS_KEY]
    assert graded.flagged == {STUDENT: True, HONEST: False}
    honest = graded.autograded(HONEST)
    assert FLAG not in honest.metadata.get(FLAGS_KEY, [])
    kinds = [set(o.get("data", {})) for c in honest.cells for o in c.get("outputs", [])]
    assert {"image/png", "text/plain"} in kinds  # the course's plots stay


def test_the_formgrader_shows_the_hostile_answer_inert(
    page, graded, instructor_server, screenshots
):
    root, base = graded.root, instructor_server
    url = f"{base}/formgrader/submissions/{graded.submission}/"
    requests, dialogs = open_as_instructor(page, base, url)
    no_student_action(page, base, url, root, requests, dialogs)
    text = page.inner_text("body")
    # The answer as the student wrote it, its tag shown as text for the grader to read.
    assert 'Momentum near 1 is sensitive. <img src=x onerror="window.__pwned' in text
    assert "an added note" in text and "<script>window.__pwned = 'script'</script>" in text
    assert "<IPython.core.display.Javascript object>" in text  # its text, not its code
    page.locator("text=Momentum near 1 is sensitive.").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "formgrader-hostile-answer-inert.png")
    page.locator("text=an added note").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "formgrader-hostile-added-cells-inert.png")


def test_the_feedback_page_shows_the_hostile_answer_inert(page, graded, instructor_server):
    root, base = graded.root, instructor_server
    url = f"{base}/files/{root.name}/feedback/{STUDENT}/{ASSIGNMENT}/{ASSIGNMENT}.html"
    requests, dialogs = open_as_instructor(page, base, url)
    no_student_action(page, base, url, root, requests, dialogs)
    assert "Momentum near 1 is sensitive." in page.inner_text("body")
