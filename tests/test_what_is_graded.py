"""What counts as graded, and classes that cannot be graded (issue 19).

- A kernel that cannot start is found before the class by one kernel started as grading starts
  them: one line, nothing recorded; plain ``nbgrader autograde`` names the same reason.
- A class whose every submission failed for one reason is an error with that reason, never a
  table of zeros.
- The gradebook says what is graded: a failed grading is due again, so is a submission whose
  hidden test changed, and an empty database holds nothing graded.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import nbformat
import pytest

from grader.classroom import grade_class, jobs_for
from grader.config import REPOSITORY, gradebook_url
from grader.grading import GRADINGS, GradeResult, record
from instructor_tools import assignments
from instructor_tools.cli import main
from instructor_tools.gradetable import class_grades
from instructor_tools.sample_class import solved
from tests.support import nbgrader, submit
from tests.tiny_course import ASSIGNMENT, SETTINGS, make_course

pytestmark = [pytest.mark.kernel, pytest.mark.e2e]


def tiny_class(root: Path, config_lines: str = "") -> Path:
    """The ``tiny`` course at ``root`` with the repository's nbgrader_config.py (plus
    ``config_lines``) and two submissions: ``good`` (correct) and ``blank``."""
    make_course(root)
    config = (REPOSITORY / "nbgrader_config.py").read_text() + config_lines
    (root / "nbgrader_config.py").write_text(config)
    release = nbformat.read(assignments.release_path(ASSIGNMENT, root), as_version=4)
    source = nbformat.read(assignments.source_path(ASSIGNMENT, root), as_version=4)
    submit(root, {"good": nbformat.writes(solved(release, source)).encode(),
                  "blank": nbformat.writes(release).encode()}, ASSIGNMENT)  # fmt: skip
    return root


def gradebook_rows(root: Path) -> tuple[list, list]:
    """nbgrader's submissions and ``course grade``'s rows in the course's SQLite gradebook."""
    with sqlite3.connect(root / "gradebook.db") as db:
        submitted = db.execute("SELECT id FROM submitted_assignment").fetchall()
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        rows = db.execute(f"SELECT * FROM {GRADINGS.name}").fetchall() if (
            GRADINGS.name in tables) else []  # fmt: skip
    db.close()
    return submitted, rows


#: The sandbox shows no package at all, so its Python cannot start a kernel.
NO_PACKAGES = "\nc.SandboxedKernelManager.distributions = []\n"


def test_a_kernel_that_cannot_start_refuses_the_class_in_one_line(tmp_path, capsys):
    root = tiny_class(tmp_path, NO_PACKAGES)
    assert main(["--root", str(root), "grade", ASSIGNMENT]) == 2
    err = [line for line in capsys.readouterr().err.splitlines()
           if not line.startswith("course: warning")]  # fmt: skip
    assert len(err) == 1, err
    assert err[0].startswith("course: the sandbox cannot start ")
    assert "No module named ipykernel_launcher; nothing was graded or recorded" in err[0]
    assert gradebook_rows(root) == ([], [])  # no submission, no grade, no row of ours
    assert not (root / "autograded").exists()


def test_plain_nbgrader_names_the_reason_and_records_no_zeros(tmp_path):
    root = tiny_class(tmp_path, NO_PACKAGES)
    ran = nbgrader(root, "autograde", ASSIGNMENT)
    assert ran.returncode != 0
    assert "KernelStartError: the sandbox cannot start " in ran.stderr
    assert "No module named ipykernel_launcher" in ran.stderr
    with sqlite3.connect(root / "gradebook.db") as db:
        scores = db.execute("SELECT auto_score FROM grade").fetchall()
    db.close()
    assert scores and all(score is None for (score,) in scores)  # nothing scored, no zeros


def test_a_class_failing_for_one_reason_is_an_error_with_nothing_recorded(tmp_path, capsys):
    """A course plugin (a step beside nbgrader_config.py) that breaks every grading, not the
    kernel."""
    steps = "[*c.Autograde.autograde_preprocessors, 'breaks.Breaks']"
    root = tiny_class(tmp_path, f"\nc.Autograde.autograde_preprocessors = {steps}\n")
    (root / "breaks.py").write_text(
        "from nbconvert.preprocessors import Preprocessor\nfrom traitlets import Bool\n\n\n"
        "class Breaks(Preprocessor):\n    enabled = Bool(True)\n\n"
        "    def preprocess(self, nb, resources):\n"
        "        raise RuntimeError('the course step broke')\n")  # fmt: skip
    assert main(["--root", str(root), "grade", ASSIGNMENT, "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (f"course: no submission of '{ASSIGNMENT}' could be graded, each for the same "
                   "reason: nbgrader could not grade this submission: RuntimeError: the course "
                   "step broke; nothing was graded or recorded: fix that and run the same command "
                   "again (--unsafe-no-sandbox grades without the sandbox, for trusted code only)")
    assert gradebook_rows(root) == ([], [])
    assert not (root / "autograded").exists()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The tiny class, graded once (each test works on a copy)."""
    root = tiny_class(tmp_path_factory.mktemp("graded") / "course")
    results, skipped = grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS)
    assert [r.student for r in results] == ["blank", "good"] and skipped == []
    return root


def totals(root: Path, db_url: str | None = None) -> dict[str, float]:
    return {row.student: row.total for row in class_grades(ASSIGNMENT, root, db_url)[1]}


def copy_of(graded: Path, tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(graded, root)
    assert totals(root) == {"good": 3.0, "blank": 0.0}
    return root


def due(root: Path, db_url: str | None = None) -> tuple[list[str], list[str]]:
    """Who ``course grade`` would grade now, and who it would keep."""
    jobs, skipped = jobs_for(ASSIGNMENT, root, db_url or gradebook_url(root), SETTINGS, False)
    return sorted(job.student for job in jobs), sorted(skipped)


def test_a_failed_grading_is_due_again_and_keeps_the_earlier_grade(graded, tmp_path):
    root = copy_of(graded, tmp_path)
    assert due(root) == ([], ["blank", "good"])
    jobs, _ = jobs_for(ASSIGNMENT, root, gradebook_url(root), SETTINGS, True, ["good"])
    failure = GradeResult(ASSIGNMENT, "good", jobs[0].digest, problem="the kernel died",
                          failed=True)  # fmt: skip
    record(root, gradebook_url(root), failure, None)
    assert due(root) == (["good"], ["blank"])
    assert totals(root) == {"good": 3.0, "blank": 0.0}  # the zeros of a failure are not grades
    results, skipped = grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS)
    assert [r.student for r in results] == ["good"] and skipped == ["blank"]
    assert due(root) == ([], ["blank", "good"])


def test_a_changed_hidden_test_makes_the_class_due_and_is_used(graded, tmp_path):
    """Editing a hidden test mid-term needs nothing special: ``course grade`` regrades."""
    root = copy_of(graded, tmp_path)
    path = assignments.source_path(ASSIGNMENT, root)
    nb = nbformat.read(path, as_version=4)
    test = next(c for c in nb.cells if "assert square(-2) == 4" in c.source)
    test.source = test.source.replace("assert square(-2) == 4", "assert square(-2) == 5")
    nbformat.write(nb, path)
    assert due(root) == (["blank", "good"], [])
    results, skipped = grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS)
    assert len(results) == 2 and skipped == []
    assert totals(root) == {"good": 1.0, "blank": 0.0}  # square's new hidden test fails


def test_a_submission_nbgrader_left_unscored_is_due(graded, tmp_path):
    """Without ``course grade``'s row, nbgrader's submission counts as graded only when every
    test has a score (a failed ``nbgrader autograde`` leaves them without one)."""
    root = copy_of(graded, tmp_path)
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute(f"DELETE FROM {GRADINGS.name}")
        db.execute("UPDATE grade SET auto_score = NULL WHERE id IN (SELECT grade.id FROM grade "
                   "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id JOIN "
                   "submitted_assignment ON submitted_notebook.assignment_id = "
                   "submitted_assignment.id WHERE submitted_assignment.student_id = 'good')")
    db.close()
    assert due(root) == (["good"], ["blank"])
