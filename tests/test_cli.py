"""The ``course`` command answers every bad input with one clear line and a non-zero exit.

The command runs in this process (:func:`tests.support.course`); the entry point itself and
what a fresh ``course`` imports are checked in a fresh interpreter.
"""

from __future__ import annotations

import sys

import pytest

from grader.config import REPOSITORY
from instructor_tools import assignments
from tests.support import course, run_python


def test_version_and_help():
    assert run_python("-m", "instructor_tools.cli", "--version").stdout.startswith("course ")
    help_text = run_python("-m", "instructor_tools.cli", "--help").stdout
    for command in ("new", "release", "roster", "grade", "feedback", "report", "export", "check"):
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
        (("grade", "softmax", "--submissions", "README.md"), "neither a folder nor a zip file"),
        (("--course-dir", "/missing", "report", "softmax"), "'/missing' is missing"),
        (("grade", "softmax", "--workers", "abc"), "--workers: must be a whole number >= 1"),
        (("grade", "softmax", "--workers", "0"), "--workers: must be a whole number >= 1"),
        (("export", "softmax", "--format", "pdf"), "invalid choice: 'pdf'"),
        (("roster", "import", "missing.csv"), "no roster file at 'missing.csv'"),
        (("new", "my assignment"), "not a usable assignment name"),
        (("new", "softmax"), "already exists"),
        (("--db", "not a url", "report", "softmax"), "must be a database URL"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, says):
    result = course(*args)
    assert result.returncode == 2, result
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "_positive" not in result.stderr  # no internal names


def test_without_a_course_directory_course_says_where_it_looked(tmp_path):
    result = course("report", "softmax", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"course: no nbgrader_config.py in {tmp_path} or any folder above: run course in "
        f"your course directory, or pass --course-dir DIR"
    )


def test_the_course_directory_is_found_from_a_subfolder():
    result = course("report", "nonexistent", cwd=REPOSITORY / "source" / "softmax")
    assert "choose one of batch_norm, scale, softmax, tuning" in result.stderr


@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("postgresql://u@db/course", "psycopg[binary]"),
        ("postgresql+psycopg2://u@db/c", "psycopg2-binary"),
    ],
)
def test_postgresql_without_its_driver_says_what_to_install(monkeypatch, url, package):
    module = "psycopg2" if "psycopg2" in url else "psycopg"
    monkeypatch.setitem(sys.modules, module, None)  # hidden, installed or not: import fails
    result = course("--db", url, "report", "softmax")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"course: the gradebook {url} needs the Python package {package}: run pip install "
        f"'{package}' in the course's environment"
    )


def test_an_unknown_assignment_is_answered_before_any_heavy_import():
    """How soon: benchmarks/bench_latency.py."""
    probe = (
        "import sys\n"
        "from instructor_tools.cli import main\n"
        "code = main(['grade', 'nonexistent'])\n"
        "print(code, [m for m in ('nbformat', 'nbgrader', 'nbclient', 'rich')\n"
        "             if m in sys.modules])\n"
    )
    result = run_python("-c", probe, cwd=REPOSITORY)
    code, heavy = result.stdout.split(" ", 1)
    assert code == "2" and heavy.strip() == "[]", result.stdout


def test_a_corrupt_notebook_is_refused_by_check(tmp_path):
    bad = tmp_path / "softmax.ipynb"
    bad.write_text("{ not json")
    result = course("check", str(bad))
    assert result.returncode == 2
    assert "it is not a notebook" in result.stderr and "Traceback" not in result.stderr


def test_report_before_grading_says_what_to_do(tmp_path):
    (tmp_path / "source" / "softmax").mkdir(parents=True)
    source = assignments.source_path("softmax", REPOSITORY)
    assignments.source_path("softmax", tmp_path).write_bytes(source.read_bytes())
    result = course("--root", str(tmp_path), "report", "softmax")
    assert result.returncode == 2
    assert "run 'course grade softmax' first" in result.stderr


@pytest.mark.kernel
def test_check_reports_points_per_function(tmp_path):
    release = assignments.release_path("softmax", REPOSITORY)
    target = tmp_path / "softmax.ipynb"
    target.write_bytes(release.read_bytes())
    result = course("check", str(target))
    assert result.returncode == 1  # the blank release fails its visible tests
    for function in ("softmax", "one_hot", "cross_entropy", "softmax_regression_grads", "predict"):
        assert function in result.stdout
    assert "NotImplementedError" in result.stdout
