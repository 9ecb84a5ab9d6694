"""The ``course`` command answers every bad input with one clear line and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.config import REPOSITORY


def course(*args: str, cwd=REPOSITORY) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_version_and_help():
    assert course("--version").stdout.startswith("course ")
    help_text = course("--help").stdout
    for command in ("release", "grade", "feedback", "report", "check"):
        assert command in help_text


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("grade", "nonexistent"), "unknown assignment 'nonexistent'"),
        (("feedback", "nonexistent"), "unknown assignment"),
        (("report", "nope"), "unknown assignment"),
        (("release", "nope"), "unknown assignment"),
        (("check", "missing.ipynb"), "no notebook at 'missing.ipynb'"),
        (("grade", "softmax", "--submissions", "/nonexistent/folder"), "does not exist"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, says):
    result = course(*args)
    assert result.returncode == 2, result
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_corrupt_notebook_is_refused_by_check(tmp_path):
    bad = tmp_path / "softmax.ipynb"
    bad.write_text("{ not json")
    result = course("check", str(bad))
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_report_before_grading_says_what_to_do(tmp_path):
    (tmp_path / "source" / "softmax").mkdir(parents=True)
    source = REPOSITORY / "source" / "softmax" / "softmax.ipynb"
    (tmp_path / "source" / "softmax" / "softmax.ipynb").write_bytes(source.read_bytes())
    result = course("--root", str(tmp_path), "report", "softmax")
    assert result.returncode == 2
    assert "run 'course grade softmax' first" in result.stderr


def test_check_reports_points_per_function(tmp_path):
    release = REPOSITORY / "release" / "softmax" / "softmax.ipynb"
    target = tmp_path / "softmax.ipynb"
    target.write_bytes(release.read_bytes())
    result = course("check", str(target))
    assert result.returncode == 1  # the blank release fails its visible tests
    for function in ("softmax", "one_hot", "cross_entropy", "softmax_regression_grads", "predict"):
        assert function in result.stdout
    assert "NotImplementedError" in result.stdout
