"""An nbgrader instructor's own course: any assignment, reports, export, LMS in, first run.

The course under test is nbgrader's documentation example (``ps1``: two notebooks and an image,
see ``nbgrader_example``) beside an assignment made by ``course new``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_kit.cells import is_answer_cell, is_setup_cell, is_test_cell, nbgrader_meta
from course_kit.errors import CourseError
from grader.config import REPOSITORY, gradebook_url
from grader.gradebook import open_gradebook
from instructor_tools import assignments, cli, lms
from instructor_tools.export import AssignmentScores, StudentScore, canvas_rows, csv_rows
from instructor_tools.gradetable import cell_columns
from instructor_tools.scaffold import new_assignment
from tests import nbgrader_example as example
from tests.support import course

BIN = Path(sys.executable).parent


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


# ---------------------------------------------------------------- assignments, without nbgrader


def test_assignments_are_the_folders_of_source_that_hold_notebooks(tmp_path):
    example.write_source(tmp_path)
    new_assignment("dropout", tmp_path)
    (tmp_path / "source" / "empty").mkdir()
    (tmp_path / "source" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "source" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    assert assignments.discover(tmp_path) == ["dropout", "ps1"]
    assert assignments.notebooks("ps1", tmp_path) == ["problem1", "problem2"]
    with pytest.raises(CourseError, match="'ps2': choose one of dropout, ps1$"):
        assignments.check_name("ps2", tmp_path)
    with pytest.raises(CourseError, match="no assignments in .*course new NAME"):
        assignments.check_name("ps1", tmp_path / "elsewhere")


def test_the_course_assignments_are_still_found():
    assert set(assignments.discover(REPOSITORY)) >= {"tuning", "scale", "batch_norm", "softmax"}


def test_new_assignment_follows_the_course_conventions(tmp_path):
    path = new_assignment("dropout", tmp_path)
    assert path == assignments.source_path("dropout", tmp_path)
    nb = nbformat.read(path, 4)
    setup = [c for c in nb.cells if is_setup_cell(c)]
    answers = [c for c in nb.cells if is_answer_cell(c)]
    tests = [c for c in nb.cells if is_test_cell(c)]
    assert len(setup) == 1 and len(answers) == 1 and len(tests) == 2
    answer = answers[0].source
    name = nbgrader_meta(answers[0])["grade_id"]
    before_solution = answer.split("### BEGIN SOLUTION")[0]
    assert f"def {name}(" in before_solution and '"""' in before_solution
    visible, hidden = tests
    assert "HIDDEN" not in visible.source
    assert hidden.source.startswith("# Hidden test: ") and "### BEGIN HIDDEN TESTS" in hidden.source
    for test in tests:
        assert nbgrader_meta(test)["grade_id"].startswith(f"test_{name}_")
        assert nbgrader_meta(test)["points"] > 0 and nbgrader_meta(test)["locked"]


@pytest.mark.parametrize(
    ("name", "says"),
    [("drop out", "not a usable assignment name"), ("ps1", "already exists")],
)
def test_new_refuses_an_unusable_or_taken_name(tmp_path, name, says):
    example.write_source(tmp_path)
    with pytest.raises(CourseError, match=says):
        new_assignment(name, tmp_path)


def test_columns_follow_function_names_metadata_or_cells(tmp_path):
    example.write_source(tmp_path)
    by_cell = cell_columns("ps1", tmp_path)
    assert by_cell == {key: key[1] for key in example.POINTS}  # nbgrader's own naming: by cell

    def test(grade_id: str, **metadata):
        meta = {"grade": True, "grade_id": grade_id, "points": 1, "solution": False}
        return new_code_cell("", metadata={"nbgrader": meta, **metadata})

    answer = new_code_cell(
        "def f(x):\n    pass", metadata={"nbgrader": {"grade_id": "f", "solution": True}}
    )
    nb = new_notebook(
        cells=[
            answer,
            test("test_f_small"),
            test("test_f_large"),
            test("check_three", course={"function": "f"}),
            test("written_why"),
            test("extra"),
        ]
    )
    folder = tmp_path / "source" / "mine"
    folder.mkdir()
    nbformat.write(nb, folder / "mine.ipynb")
    assert list(cell_columns("mine", tmp_path).values()) == ["f", "f", "f", "written", "extra"]


# ------------------------------------------------------------------------- export, without a db


def scores() -> AssignmentScores:
    return AssignmentScores(
        "ps1",
        "2024-03-01 17:00:00",
        13.0,
        [
            StudentScore("bitdiddle", "Ben", "Bitdiddle", "ben@x.org", "1001", "t1", 13.0, 2.0),
            StudentScore("hacker", "Alyssa P.", "Hacker", "", "", "t2", 1.5, 3.0),
            StudentScore("reasoner", "", "", "", "", None, 0.0, 0.0),
        ],
    )


def test_canvas_rows_are_canvas_gradebook_import():
    rows = canvas_rows(scores(), canvas_id="4242")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps1 (4242)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "13"]
    assert rows[2] == ["Bitdiddle, Ben", "1001", "bitdiddle", "", "", "11"]
    assert rows[3] == ["Hacker, Alyssa P.", "", "hacker", "", "", "0"]  # never below 0
    assert rows[4] == ["reasoner", "", "reasoner", "", "", "0"]
    assert canvas_rows(scores())[0][-1] == "ps1"  # a new Canvas assignment


def test_csv_rows_are_nbgrader_exports():
    header, ben, *_ = csv_rows(scores())
    assert header == (
        "assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,"
        "late_submission_penalty,score,max_score"
    ).split(",")
    assert dict(zip(header, ben, strict=True)) == {
        "assignment": "ps1",
        "duedate": "2024-03-01 17:00:00",
        "timestamp": "t1",
        "student_id": "bitdiddle",
        "last_name": "Bitdiddle",
        "first_name": "Ben",
        "email": "ben@x.org",
        "raw_score": "13",
        "late_submission_penalty": "2",
        "score": "11",
        "max_score": "13",
    }


# ----------------------------------------------------------------------- roster and LMS names


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([["name", "email"], ["Ada", "a@x"]], "no student id column .*name, email"),
        ([["id", "first"], ["ada", "Ada"], ["ada", "Ada"]], "line 3: student 'ada' appears twice"),
        ([["id", "first"], ["ada/lovelace", "Ada"]], "line 2: 'ada/lovelace' is not a usable"),
        ([["id", "first"]], "lists no students"),
    ],
)
def test_a_bad_roster_is_one_clear_error(tmp_path, rows, says):
    with pytest.raises(CourseError, match=says):
        lms.read_roster(write_csv(tmp_path / "roster.csv", rows))


def test_roster_headers_are_matched_loosely(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(
        b"\xef\xbb\xbfStudent ID,First Name,Last-Name,E-mail,Canvas ID\nada,Ada,L,,7\n"
    )
    assert lms.read_roster(path) == [
        {"id": "ada", "first_name": "Ada", "last_name": "L", "email": None, "lms_user_id": "7"}
    ]
    path.write_bytes(b"\xff\xfeid\n")
    with pytest.raises(CourseError, match="not a UTF-8 CSV file"):
        lms.read_roster(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bitdiddleben_1001_5001_problem1.ipynb", ("bitdiddleben", None, "1001", "problem1.ipynb")),
        (
            "hackeralyssa_late_1002_5003_problem1-1.ipynb",
            ("hackeralyssa", "_late", "1002", "problem1-1.ipynb"),
        ),
    ],
)
def test_canvas_file_names(name, expected):
    match = lms.CANVAS.match(name)
    assert (match["name"], match["late"], match["lms_id"], match["file"]) == expected


def test_moodle_file_names_in_both_layouts():
    flat = lms.MOODLE.match("Alyssa P. Hacker_88_assignsubmission_file_Dropout-final.ipynb")
    assert (flat["name"], flat["lms_id"], flat["file"]) == (
        "Alyssa P. Hacker",
        "88",
        "Dropout-final.ipynb",
    )
    folder = lms.MOODLE.match("Ben Bitdiddle_89_assignsubmission_file_" + "dropout.ipynb")
    assert folder["file"] == "dropout.ipynb"
    assert lms.CANVAS.match("Ben Bitdiddle_89_assignsubmission_file_dropout.ipynb") is None


def test_the_roster_finds_lms_numbers_then_names():
    roster = lms.Roster(
        by_lms_id={"1001": ["bitdiddle"]},
        by_name={"bitdiddleben": ["bitdiddle"], "benbitdiddle": ["bitdiddle"], "lee": ["a", "b"]},
    )
    assert roster.find("1001", "whoever") == "bitdiddle"
    assert roster.find("9", "Ben Bitdiddle") == "bitdiddle"
    assert roster.find("9", "Lee") is None  # two students of that name: no guess


# ------------------------------------------------------------------------------ first run


def stub_bin(folder: Path, **scripts: str) -> Path:
    folder.mkdir()
    for name, body in scripts.items():
        path = folder / name.replace("_", "-")
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
    return folder


@pytest.mark.e2e  # runs scripts/system-packages in bash
@pytest.mark.parametrize(
    ("scripts", "returncode", "says"),
    [
        ({"id": "echo 1000"}, 1, "not Debian or Ubuntu: install them"),
        ({"id": "echo 1000", "apt_get": "exit 0"}, 1, "as root run: apt-get install -y bubblewrap"),
        (
            {"id": "echo 0", "apt_get": 'echo "$@" >> "$LOG"', "env": 'exec /usr/bin/env "$@"'},
            0,
            "installing Debian packages: bubblewrap",
        ),
        ({"id": "echo 1000", "bwrap": "exit 0"}, 0, ""),
    ],
)
def test_system_packages_installs_or_says_what_to_do(tmp_path, scripts, returncode, says):
    log = tmp_path / "apt.log"
    result = subprocess.run(
        ["/bin/bash", str(REPOSITORY / "scripts" / "system-packages"), "bubblewrap"],
        env={"PATH": str(stub_bin(tmp_path / "bin", **scripts)), "LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == returncode, result.stderr
    assert says in result.stdout + result.stderr
    if "apt_get" in scripts and returncode == 0:
        assert log.read_text().splitlines()[-1].endswith("--no-install-recommends bubblewrap")
    if "bwrap" in scripts:
        assert result.stdout + result.stderr == ""


@pytest.mark.parametrize(("uid", "warned"), [(0, True), (1000, False)])
def test_grading_as_root_warns_in_one_line(tmp_path, monkeypatch, capsys, uid, warned):
    new_assignment("dropout", tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: uid)
    args = ["--course-dir", str(tmp_path), "grade", "dropout", "--unsafe-no-sandbox"]
    assert cli.main(args) == 2  # nobody has submitted yet
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("course: no submissions for 'dropout'")
    assert (len(err) == 2 and "warning: grading as root" in err[0]) is warned
    assert len(err) == (2 if warned else 1)


# ------------------------------------------------------------------ end to end, with nbgrader


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """nbgrader's ps1 and a ``course new`` assignment, released by ``course release``."""
    root = tmp_path_factory.mktemp("course")
    example.write_source(root)
    shutil.copyfile(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    assert course("new", "dropout", cwd=root).returncode == 0
    result = course("release", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def root(released, tmp_path) -> Path:
    """A copy of the released course, for one test to change."""
    shutil.copytree(released, tmp_path / "course")
    return tmp_path / "course"


@pytest.mark.e2e
def test_release_without_arguments_releases_every_assignment(released):
    assert sorted(p.name for p in (released / "release" / "ps1").iterdir()) == [
        "jupyter.png",
        "problem1.ipynb",
        "problem2.ipynb",
    ]
    for name in ("ps1", "dropout"):
        assert assignments.release_problems(name, released) == []
    released_dropout = assignments.release_path("dropout", released).read_text()
    assert "def column_means(X):" in released_dropout and "X.mean(" not in released_dropout
    result = course("report", "ps2", cwd=released)
    assert result.stderr.strip() == "course: unknown assignment 'ps2': choose one of dropout, ps1"


@pytest.mark.e2e
@pytest.mark.kernel
def test_check_counts_the_hidden_part_of_a_mixed_test_cell(root):
    from course_kit.check import check_notebook
    from instructor_tools.sample_class import solved

    release = nbformat.read(assignments.release_path("ps1", root, "problem1"), 4)
    source = nbformat.read(assignments.source_path("ps1", root, "problem1"), 4)
    nbformat.write(solved(release, source), root / "problem1.ipynb")
    checks = {c.function: c for c in check_notebook(root / "problem1.ipynb").functions}
    mixed = checks["correct_sum_of_squares"]
    assert (mixed.passed, mixed.failed, len(mixed.hidden)) == (1, 0, 1)
    assert mixed.max_points == 0  # its points depend on the hidden asserts too
    assert (checks["correct_squares"].hidden, checks["correct_squares"].max_points) == ([], 1)


def record_grades(root: Path, grades: dict[str, dict[tuple[str, str], float]]) -> None:
    """Put scores in the gradebook as nbgrader's autograder and formgrader do: autograded test
    cells get ``auto_score``, cells graded by hand ``manual_score``."""
    from nbgrader.api import MissingEntry
    from sqlalchemy.exc import SAWarning

    autograded = {("problem1", c) for c in ("correct_squares", "squares_invalid_input")} | {
        ("problem1", c) for c in ("correct_sum_of_squares", "sum_of_squares_uses_squares")
    }
    with (
        open_gradebook(gradebook_url(root)) as gb,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush notices
        for student, cells in grades.items():
            try:
                gb.find_submission(example.ASSIGNMENT, student)
            except MissingEntry:
                gb.add_submission(example.ASSIGNMENT, student)
            for (notebook, cell), score in cells.items():
                grade = gb.find_grade(cell, notebook, example.ASSIGNMENT, student)
                if (notebook, cell) in autograded:
                    grade.auto_score = score
                else:
                    grade.manual_score = score
        gb.db.commit()


ROSTER = [
    ["id", "first", "last", "email", "lms_user_id"],
    ["bitdiddle", "Ben", "Bitdiddle", "ben@example.org", "1001"],
    ["hacker", "Alyssa", "Hacker", "alyssa@example.org", "1002"],
    ["reasoner", "Louis", "Reasoner", "", "1003"],
]


@pytest.mark.e2e
def test_report_groups_by_cell_and_export_reads_the_gradebook_now(root):
    result = course("roster", "import", str(write_csv(root / "roster.csv", ROSTER)), cwd=root)
    assert result.stdout.strip() == "roster: 3 students added, 0 updated", result.stderr
    full = dict(example.POINTS)
    record_grades(root, {"bitdiddle": full, "hacker": {("problem1", "squares_invalid_input"): 1}})

    result = course("report", "ps1", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "nan" not in result.stdout
    assert not re.search(r"(?<![\d.])0/0(?![\d.])", result.stdout)  # no empty column
    rows = read_csv(root / "reports" / "ps1-grades.csv")
    assert rows[0][1:10] == [cell for _, cell in example.POINTS]
    assert rows[1][0] == "bitdiddle" and rows[1][10:12] == ["13", "13"]

    # the formgrader changes a manual grade; export and the grades CSV see it at once
    record_grades(root, {"hacker": {("problem2", "part-b"): 1.5}})
    result = course("export", "ps1", "--format", "canvas", "--canvas-id", "77", cwd=root)
    assert result.returncode == 0, result.stderr
    canvas = read_csv(root / "reports" / "ps1-canvas.csv")
    assert canvas[:2] == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps1 (77)"],
        ["Points Possible", "", "", "", "", "13"],
    ]
    assert canvas[2:] == [
        ["Bitdiddle, Ben", "1001", "bitdiddle", "", "", "13"],
        ["Hacker, Alyssa", "1002", "hacker", "", "", "2.5"],
        ["Reasoner, Louis", "1003", "reasoner", "", "", "0"],
    ]
    hacker = next(r for r in read_csv(root / "reports" / "ps1-grades.csv") if r[0] == "hacker")
    assert hacker[9] == "1.5"  # part-b

    out = root / "ps1.csv"
    assert course("export", "ps1", "--out", str(out), cwd=root).returncode == 0
    exported = {r["student_id"]: r for r in csv.DictReader(out.open())}
    assert {s: exported[s]["score"] for s in exported} == {
        "bitdiddle": "13",
        "hacker": "2.5",
        "reasoner": "0",
    }


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.mark.e2e
def test_a_canvas_download_is_collected_through_the_roster(root):
    assert (
        course("roster", "import", str(write_csv(root / "r.csv", ROSTER)), cwd=root).returncode == 0
    )
    p1 = assignments.release_path("ps1", root, "problem1").read_bytes()
    p2 = assignments.release_path("ps1", root, "problem2").read_bytes()
    download = make_zip(
        root / "submissions.zip",
        {
            "bitdiddleben_1001_5001_problem1.ipynb": p1,
            "bitdiddleben_1001_5002_problem2.ipynb": p2,
            "hackeralyssa_late_1002_5003_problem1-1.ipynb": p1,  # resubmitted, late
            "hackeralyssa_late_1002_5004_problem2.ipynb": p2,
            "reasonerlouis_9999_5005_Problem1-final.ipynb": p1,  # Canvas id unknown; by name
            "strangerx_7777_5006_problem1.ipynb": p1,  # not in the roster
            "__MACOSX/._bitdiddleben_1001_5001_problem1.ipynb": b"",
        },
    )
    collected = lms.collect("ps1", download, root)
    assert collected.students == ["bitdiddle", "hacker", "reasoner"]
    assert collected.late == ["hacker"]
    assert len(collected.skipped) == 1 and collected.skipped[0].startswith(
        "strangerx_7777_5006_problem1.ipynb: no student in the roster with LMS number 7777"
    )
    submitted = root / "submitted"
    assert sorted(p.name for p in (submitted / "hacker" / "ps1").iterdir()) == [
        "problem1.ipynb",
        "problem2.ipynb",
    ]
    assert (submitted / "bitdiddle" / "ps1" / "problem2.ipynb").read_bytes() == p2
    assert assignments.unexpected_files("ps1", "reasoner", root) == [
        "submitted 'Problem1-final.ipynb'; expected problem1.ipynb, problem2.ipynb"
    ]
    assert assignments.unexpected_files("ps1", "hacker", root) == []


@pytest.mark.e2e
def test_moodle_folders_and_plain_layouts_are_collected(root):
    assert (
        course("roster", "import", str(write_csv(root / "r.csv", ROSTER)), cwd=root).returncode == 0
    )
    notebook = assignments.release_path("dropout", root).read_bytes()
    moodle = root / "moodle"
    (moodle / "Alyssa Hacker_90_assignsubmission_file_").mkdir(parents=True)
    (moodle / "Alyssa Hacker_90_assignsubmission_file_" / "Dropout-final.ipynb").write_bytes(
        notebook
    )
    (moodle / "Ben Bitdiddle_91_assignsubmission_file_dropout.ipynb").write_bytes(notebook)
    collected = lms.collect("dropout", moodle, root)
    assert collected.students == ["bitdiddle", "hacker"] and collected.skipped == []
    assert assignments.unexpected_files("dropout", "hacker", root) == [
        "submitted 'Dropout-final.ipynb'; expected dropout.ipynb"
    ]

    plain = make_zip(
        root / "class.zip",
        {
            "submissions/ada/dropout.ipynb": notebook,
            "submissions/ada/timestamp.txt": b"2024-03-01 12:00:00",
            "submissions/cy/dropout/dropout.ipynb": notebook,  # nbgrader's own layout
        },
    )
    assert lms.collect("dropout", plain, root).students == ["ada", "cy"]
    assert (
        (root / "submitted" / "ada" / "dropout" / "timestamp.txt")
        .read_text()
        .startswith("2024-03-01 12:00")
    )
    assert (root / "submitted" / "cy" / "dropout" / "dropout.ipynb").read_bytes() == notebook

    flat = make_zip(root / "flat.zip", {"dee.ipynb": notebook, "notes.txt": b"hello"})
    collected = lms.collect("dropout", flat, root)
    assert collected.students == ["dee"]
    assert collected.skipped == [
        "notes.txt: not a notebook; expected <student>.ipynb or <student>/dropout.ipynb"
    ]


@pytest.mark.e2e
def test_grade_takes_a_zip_and_names_a_misnamed_notebook(root):
    notebook = assignments.release_path("dropout", root).read_bytes()
    download = make_zip(
        root / "subs.zip", {"ada.ipynb": notebook, "bob/Dropout-final.ipynb": notebook}
    )
    result = course("grade", "dropout", "--submissions", str(download), "--workers", "1", cwd=root)
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "collected 2 submissions into submitted/"
    assert "bob: submitted 'Dropout-final.ipynb'; expected dropout.ipynb" in lines
    assert "Dropout-final.ipynb" in read_csv(root / "reports" / "dropout-grades.csv")[2][-1]


@pytest.mark.e2e
def test_nbgrader_finds_alembic_without_an_activated_virtualenv(tmp_path):
    new_assignment("dropout", tmp_path)
    shutil.copyfile(REPOSITORY / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    path = "/usr/bin:/bin"
    assert shutil.which("alembic", path=path) is None  # only the virtualenv has it
    result = subprocess.run(
        [str(BIN / "nbgrader"), "generate_assignment", "dropout"],
        cwd=tmp_path,
        env={"PATH": path, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert assignments.release_path("dropout", tmp_path).is_file()
