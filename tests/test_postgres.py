"""Grades written to a real PostgreSQL server that the test starts (Debian's postgresql)."""

from __future__ import annotations

import csv
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest

from grader.config import REPOSITORY
from instructor_tools import assignments
from instructor_tools.cli import main as course
from instructor_tools.gradetable import class_grades
from instructor_tools.sample_class import solved, with_answers
from tests.support import closed_port

pytestmark = [pytest.mark.e2e, pytest.mark.kernel]  # starts PostgreSQL, grades
A = "softmax"


@pytest.fixture(scope="module")
def postgres_url():
    """Start a throwaway PostgreSQL cluster; yield its SQLAlchemy URL.

    It listens on a Unix socket in its own folder only (no TCP port, which another program
    could take), as a database on the grading machine often does.
    """
    bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
    folder = Path(tempfile.mkdtemp(prefix="course-pg-"))
    data = folder / "data"
    as_owner: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    run = lambda *args: subprocess.run([*as_owner, *args], check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-U", "course", "--auth=trust")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
        f"-h '' -k {folder}", "start")
    try:
        run(str(bindir / "createdb"), "-h", str(folder), "-U", "course", "gradebook")
        yield f"postgresql+psycopg2://course@/gradebook?host={folder}"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_a_class_is_graded_into_postgresql(postgres_url, tmp_path, capsys):
    root = tmp_path / "course"
    shutil.copytree(REPOSITORY / "source" / A, root / "source" / A)
    release = nbformat.read(assignments.release_path(A, REPOSITORY), 4)
    good = solved(release, nbformat.read(assignments.source_path(A, REPOSITORY), 4))
    wrong = with_answers(good, {"softmax": "def softmax(Z):\n    return Z\n"})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, nb in {"good": good, "wrong": wrong, "blank": release}.items():
        nbformat.write(nb, inbox / f"{name}.ipynb")
    args = ["--root", str(root), "--db", postgres_url]
    assert course([*args, "grade", A, "--submissions", str(inbox), "--workers", "2"]) == 0
    assert not (root / "gradebook.db").exists()  # nothing went to SQLite
    columns, rows = class_grades(A, root, postgres_url)
    totals = {r.student: r.total for r in rows}
    assert set(totals) == {"good", "wrong", "blank"}
    assert totals["good"] > totals["wrong"] > totals["blank"] == 0
    assert course([*args, "report", A]) == 0
    assert "good" in capsys.readouterr().out


def test_an_unreachable_server_is_one_line(tmp_path, capsys):
    root = tmp_path / "course"
    shutil.copytree(REPOSITORY / "source" / A, root / "source" / A)
    with closed_port() as port:
        url = f"postgresql+psycopg2://course@127.0.0.1:{port}/nothing"
        assert course(["--root", str(root), "--db", url, "report", A]) == 2
    err = capsys.readouterr().err
    assert err.startswith("course: the gradebook at") and len(err.strip().splitlines()) == 1


def test_the_configs_db_url_is_the_gradebook_of_every_command(postgres_url, tmp_path):
    """A course directory outside the checkout whose nbgrader_config.py names the PostgreSQL
    gradebook: release, grade, report and export use it without --db, as the formgrader does."""
    from tests.support import course as run_course
    from tests.tiny_course import ASSIGNMENT, source_notebook

    root = tmp_path / "course"
    assert run_course("init", str(root), "--course-id", "pg-course", cwd=tmp_path).returncode == 0
    with (root / "nbgrader_config.py").open("a") as config:
        config.write(f"c.CourseDirectory.db_url = {postgres_url!r}\n")
    (root / "source" / ASSIGNMENT).mkdir()
    nbformat.write(source_notebook(), assignments.source_path(ASSIGNMENT, root))
    assert run_course("release", cwd=root).returncode == 0
    release = nbformat.read(assignments.release_path(ASSIGNMENT, root), 4)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    nbformat.write(solved(release, source_notebook()), inbox / "pg_good.ipynb")
    nbformat.write(release, inbox / "pg_blank.ipynb")
    for args in (["grade", ASSIGNMENT, "--submissions", str(inbox)], ["report", ASSIGNMENT],
                 ["export", ASSIGNMENT]):
        ran = run_course(*args, cwd=root)
        assert ran.returncode == 0, ran.stderr
    assert not (root / "gradebook.db").exists()  # nothing went to SQLite
    with (root / "reports" / f"{ASSIGNMENT}-csv.csv").open() as exported:
        rows = {row["student_id"]: row["score"] for row in csv.DictReader(exported)}
    assert (rows["pg_good"], rows["pg_blank"]) == ("3", "0")
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    cfg = Config()  # what the formgrader reads: the configuration's gradebook and course
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.db_url = postgres_url
    cfg.CourseDirectory.course_id = "pg-course"
    scores = {s["student"]: s["score"] for s in NbGraderAPI(config=cfg).get_submissions(ASSIGNMENT)}
    assert (scores["pg_good"], scores["pg_blank"]) == (3.0, 0.0)


def test_an_empty_database_holds_nothing_graded(postgres_url, tmp_path):
    """A class graded into SQLite, then into an empty PostgreSQL database (``--db``): nothing
    counts as graded there, whatever the course directory's files say."""
    from sqlalchemy import create_engine, text

    from grader.classroom import grade_class
    from tests.test_what_is_graded import tiny_class
    from tests.tiny_course import ASSIGNMENT, SETTINGS

    root = tiny_class(tmp_path / "course")
    grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS)
    server = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text("CREATE DATABASE empty_gradebook"))
    server.dispose()
    empty = postgres_url.replace("/gradebook?", "/empty_gradebook?")
    results, skipped = grade_class(ASSIGNMENT, root, workers=1, settings=SETTINGS, db_url=empty)
    assert sorted(r.student for r in results) == ["blank", "good"] and skipped == []
    _, rows = class_grades(ASSIGNMENT, root, empty)
    assert {row.student: row.total for row in rows} == {"good": 3.0, "blank": 0.0}
