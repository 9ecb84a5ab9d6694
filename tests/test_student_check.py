"""`course check`: a student's own check, fast and quiet, that warns before grading penalises."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from course_kit.check import check_notebook, report
from grader.config import REPOSITORY
from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers

pytestmark = pytest.mark.kernel

CHEAT = """from course_lib.softmax import softmax as _theirs


def softmax(Z):
    return _theirs(Z)
"""


def completed(tmp_path, answers=None):
    release = nbformat.read(assignments.release_path("softmax", REPOSITORY), 4)
    source = nbformat.read(assignments.source_path("softmax", REPOSITORY), 4)
    nb = with_answers(solved(release, source), answers or {})
    path = tmp_path / "softmax.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_completed_notebook_passes_every_visible_test(tmp_path):
    """How soon: benchmarks/bench_latency.py."""
    path = completed(tmp_path)
    checks = check_notebook(path)
    assert all(c.failed == 0 and c.passed > 0 and not c.warnings for c in checks), checks
    assert sum(c.hidden for c in checks) > 0


def test_an_answer_that_imports_the_reference_is_warned_about_in_one_line(tmp_path):
    checks = {c.function: c for c in check_notebook(completed(tmp_path, {"softmax": CHEAT}))}
    assert checks["softmax"].warnings == [
        "imports the reference implementation (course_lib.softmax)"]
    lines = report(tmp_path / "softmax.ipynb", list(checks.values())).splitlines()
    assert lines[-1] == ("warning: softmax imports the reference implementation "
                         "(course_lib.softmax): at grading this function earns no points")


def test_the_command_prints_no_kernel_warnings_and_fails_on_a_broken_rule(tmp_path):
    path = completed(tmp_path, {"softmax": CHEAT})
    result = subprocess.run([sys.executable, "-m", "course_kit.check", "check", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == ""
    assert "warning: softmax imports the reference" in result.stdout
