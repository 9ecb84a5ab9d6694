"""Grading a class of strangers: hostile submissions beside honest ones, through real nbgrader.

One class of the ``softmax`` assignment is graded once (sandboxed kernels, 2 workers); each test
checks what one hostile submission got, that the honest control kept full marks, and that nothing
else in the gradebook changed. Separate tests cover an interrupted grader, damaged gradebooks,
PostgreSQL, and plain ``nbgrader autograde`` getting the same protections.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.cells import answer_sources, is_answer_cell, is_test_cell, nbgrader_meta
from autograder.classroom import grade_class
from autograder.config import REPOSITORY
from autograder.feedback import hidden_source_lines
from autograder.feedback_pages import generate_feedback
from autograder.gradetable import class_grades, function_of
from autograder.grading import GradeSettings
from autograder.sample_class import solved, with_answers

pytestmark = pytest.mark.slow
A = "softmax"
WRONG = """import numpy as np

def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # rows instead of columns
    return E / E.sum(axis=1, keepdims=True)
"""


def release_nb():
    return nbformat.read(REPOSITORY / "release" / A / f"{A}.ipynb", 4)


def source_nb():
    return nbformat.read(REPOSITORY / "source" / A / f"{A}.ipynb", 4)


def full():
    return solved(release_nb(), source_nb())


def answer(nb, function: str) -> str:
    return next(
        c.source for c in nb.cells if is_answer_cell(c) and nbgrader_meta(c)["grade_id"] == function
    )


def insert_after_answer(nb, function: str, source: str):
    """A copy of ``nb`` with a student-added code cell right after ``function``'s answer."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    index = next(
        i
        for i, c in enumerate(nb.cells)
        if is_answer_cell(c) and nbgrader_meta(c)["grade_id"] == function
    )
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def hostile_class() -> dict[str, bytes | None]:
    """Student id -> submitted bytes (None: a folder with no notebook)."""
    good = full()
    correct_softmax = answer(good, "softmax")
    # The sandbox promises to hide the course directory (under /tmp in these tests), this
    # repository and home folders; the reader searches exactly those.
    students = {
        "control": good,
        "reader": insert_after_answer(
            good,
            "softmax",
            """import glob, os
hits = [h for top in ("/tmp", "REPOSITORY", "/root", "/home", os.getcwd())
        for h in glob.glob(f"{top}/**/source/**/*.ipynb", recursive=True)]
print("FOUND", hits)
for path in ["gradebook.db", "../../../gradebook.db", os.path.expanduser("~/.bashrc")]:
    try:
        os.open(path, os.O_RDWR)
        print("OPENED", path)
    except OSError as error:
        print("blocked", type(error).__name__)
""".replace("REPOSITORY", str(REPOSITORY)),
        ),
        "leaker": insert_after_answer(
            with_answers(
                good,
                {
                    "softmax": correct_softmax
                    + """
seen = []
_reference_softmax = softmax

def softmax(Z):
    cell = get_ipython().user_ns["In"][-1]
    seen.append(cell)
    print(cell)
    return _reference_softmax(Z)
"""
                },
            ),
            "predict",
            "for cell in seen:\n    print(cell)",
        ),
        "wrong": with_answers(good, {"softmax": WRONG}),
        "patcher": with_answers(
            good,
            {
                "softmax": WRONG
                + """
import math
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
"""
            },
        ),
        "alias-patcher": with_answers(
            good,
            {
                "softmax": WRONG.replace(
                    "    E = np.exp",
                    "    m = np\n    m.allclose = lambda *a, **k: True\n"
                    "    m.testing.assert_allclose = lambda *a, **k: None\n    E = np.exp",
                )
            },
        ),
        "always-equal": with_answers(
            good,
            {
                "softmax": """class Yes:
    shape = None
    def __eq__(self, other):
        return True
    def __array__(self, *args, **kwargs):
        raise TypeError

def softmax(Z):
    return Yes()
"""
            },
        ),
        "importer": with_answers(good, {"softmax": "from course_lib.softmax import softmax\n"}),
        "sneaky-importer": insert_after_answer(
            with_answers(good, {"softmax": WRONG}),
            "softmax",
            "from course_lib.softmax import softmax  # overrides my answer\n",
        ),
        "test-editor": with_answers(good, {"softmax": WRONG}),
        "test-deleter": with_answers(good, {"softmax": WRONG}),
        "looper": with_answers(good, {"softmax": "while True:\n    pass\n" + correct_softmax}),
        "killer": with_answers(good, {"one_hot": "import os\nos._exit(1)\n"}),
        "hog": insert_after_answer(good, "softmax", "hog = bytearray(7 * 2**30)"),
        "printer": insert_after_answer(
            good, "softmax", "for i in range(2000):\n    print('x' * 25000)"
        ),
        "duplicated": insert_after_answer(good, "softmax", ""),
        "retyped": with_answers(good, {}),
        "lost-metadata": with_answers(good, {}),
        "old-format": good,
    }
    for cell in students["test-editor"].cells:
        if is_test_cell(cell):
            cell.source = "pass"
    students["test-deleter"].cells = [
        c for c in students["test-deleter"].cells if not is_test_cell(c)
    ]
    dup = students["duplicated"]
    original = next(
        c for c in dup.cells if is_answer_cell(c) and nbgrader_meta(c)["grade_id"] == "softmax"
    )
    index = dup.cells.index(original)
    dup.cells[index + 1] = nbformat.from_dict(json.loads(json.dumps(original)))
    for cell in students["retyped"].cells:
        if is_answer_cell(cell) and nbgrader_meta(cell)["grade_id"] == "softmax":
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    for cell in students["lost-metadata"].cells:
        if is_answer_cell(cell) and nbgrader_meta(cell)["grade_id"] == "softmax":
            cell.metadata = {}
    files = {name: nbformat.writes(nb).encode() for name, nb in students.items()}
    files["old-format"] = nbformat.writes(nbformat.convert(good, 3), version=3).encode()
    files["not-json"] = b'{"cells": [ oops'
    files["missing"] = None
    return files


def printed_by(path) -> str:
    """Everything the code cells of the notebook at ``path`` printed."""
    nb = nbformat.read(path, 4)
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


def make_course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(REPOSITORY / "source" / A, root / "source" / A)
    return root


def submit(root, student: str, data: bytes | None) -> None:
    folder = root / "submitted" / student / A
    folder.mkdir(parents=True, exist_ok=True)
    if data is not None:
        (folder / f"{A}.ipynb").write_bytes(data)


def snapshot(root):
    """Every graded cell's score per student, straight from the gradebook."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for submission in gb.find_assignment(A).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[(submission.student.id, grade.name)] = grade.score
    return scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("hostile"))
    files = hostile_class()
    submit(root, "control", files["control"])
    settings = GradeSettings(cell_timeout=20)
    grade_class(A, root, workers=2, settings=settings)
    control_alone = snapshot(root)
    source_bytes = (root / "source" / A / f"{A}.ipynb").read_bytes()
    for student, data in files.items():
        if student != "control":
            submit(root, student, data)
    results, skipped = grade_class(A, root, workers=2, settings=settings)
    columns, rows = class_grades(A, root)
    return {
        "root": root,
        "rows": {r.student: r for r in rows},
        "results": {r.student: r for r in results},
        "control_alone": control_alone,
        "after": snapshot(root),
        "skipped": skipped,
        "source_bytes": source_bytes,
        "students": set(files),
    }


def points(graded, student: str, function: str) -> tuple[float, float]:
    return graded["rows"][student].by_function[function]


def full_marks(graded, student: str, *functions: str) -> bool:
    row = graded["rows"][student].by_function
    names = functions or [f for f in row if f != "written"]
    return all(row[f][0] == row[f][1] for f in names)


def flags(graded, student: str) -> str:
    return "; ".join(graded["rows"][student].flags + [graded["rows"][student].problem or ""])


def test_the_control_keeps_full_marks_and_nothing_else_changed(graded):
    assert full_marks(graded, "control")
    control_now = {k: v for k, v in graded["after"].items() if k[0] == "control"}
    assert control_now == graded["control_alone"]
    assert graded["skipped"] == ["control"]  # recorded once, not regraded
    assert set(graded["rows"]) == graded["students"]
    counts = {}
    for student, _ in graded["after"]:
        counts[student] = counts.get(student, 0) + 1
    assert len(set(counts.values())) == 1  # every student has every graded cell exactly once


def test_the_sandbox_hides_the_course_and_the_gradebook(graded):
    root = graded["root"]
    assert full_marks(graded, "reader")
    printed = printed_by(root / "autograded" / "reader" / A / f"{A}.ipynb")
    assert "FOUND []" in printed
    assert "OPENED" not in printed and printed.count("blocked") == 3
    assert (root / "source" / A / f"{A}.ipynb").read_bytes() == graded["source_bytes"]


def test_hidden_tests_stay_hidden_in_feedback(graded):
    root = graded["root"]
    assert full_marks(graded, "leaker")
    pages = {p.parts[-3]: p.read_text() for p in generate_feedback(A, root)}
    hidden = hidden_source_lines(source_nb())
    assert hidden
    autograded = (root / "autograded" / "leaker" / A / f"{A}.ipynb").read_text()
    assert any(line in autograded for line in hidden), "the leak attempt did not run"
    for student, html in pages.items():
        import html as html_lib

        text = html_lib.unescape(html)
        leaked = [line for line in hidden if line in text]
        assert not leaked, (student, leaked[:3])
        assert "BEGIN HIDDEN TESTS" not in text
    assert "Hidden test passed" in pages["control"]


@pytest.mark.parametrize("student", ["patcher", "alias-patcher", "always-equal"])
def test_patching_numpy_or_faking_equality_earns_nothing(graded, student):
    score, top = points(graded, student, "softmax")
    assert score <= points(graded, "wrong", "softmax")[0] < top
    assert full_marks(graded, student, "one_hot", "cross_entropy", "predict")


def test_patching_is_named_in_the_report(graded):
    assert "patching a library" in flags(graded, "patcher")


def test_importing_the_reference_costs_that_function_and_is_named(graded):
    assert points(graded, "importer", "softmax")[0] == 0
    assert full_marks(graded, "importer", "one_hot", "cross_entropy", "predict")
    assert "imports the reference" in flags(graded, "importer")
    assert points(graded, "sneaky-importer", "softmax") == points(graded, "wrong", "softmax")
    assert "imports the reference" in flags(graded, "sneaky-importer")


@pytest.mark.parametrize("student", ["test-editor", "test-deleter"])
def test_editing_or_deleting_test_cells_changes_nothing(graded, student):
    assert graded["rows"][student].by_function == graded["rows"]["wrong"].by_function
    assert "restored from the release" in flags(graded, student)


def test_an_infinite_loop_costs_only_its_function(graded):
    assert points(graded, "looper", "softmax")[0] == 0
    assert full_marks(graded, "looper", "one_hot", "cross_entropy", "predict")
    assert "timed out" in flags(graded, "looper")


def test_a_kernel_that_dies_is_restarted_and_the_rest_still_counts(graded):
    assert points(graded, "killer", "one_hot")[0] == 0
    assert full_marks(graded, "killer", "softmax", "cross_entropy", "predict")
    assert "kernel died" in flags(graded, "killer")


def test_a_huge_allocation_fails_inside_the_kernel(graded):
    assert full_marks(graded, "hog")
    assert "memory limit" in flags(graded, "hog")


def test_megabytes_of_output_are_capped(graded):
    root = graded["root"]
    assert full_marks(graded, "printer")
    assert "output capped" in flags(graded, "printer")
    size = (root / "autograded" / "printer" / A / f"{A}.ipynb").stat().st_size
    assert size < 1_000_000
    assert (root / "gradebook.db").stat().st_size < 5_000_000


@pytest.mark.parametrize(
    ("student", "says"),
    [("not-json", "not valid JSON"), ("missing", "no notebook was submitted")],
)
def test_unreadable_submissions_get_zero_and_a_reason(graded, student, says):
    row = graded["rows"][student]
    assert row.total == 0 and says in (row.problem or "")


@pytest.mark.parametrize(
    ("student", "softmax_full", "says"),
    [
        ("duplicated", True, "appears 2 times"),
        ("retyped", False, "changed from code to markdown"),
        ("lost-metadata", True, "found it by its def line"),
        ("old-format", True, "nbformat 3"),
    ],
)
def test_damaged_notebooks_are_graded_with_a_note(graded, student, softmax_full, says):
    assert full_marks(graded, student, "softmax") == softmax_full
    assert full_marks(graded, student, "one_hot", "cross_entropy", "predict")
    assert says in flags(graded, student)


def test_the_report_lists_every_flag(graded, capsys):
    from autograder.cli import main

    assert main(["--root", str(graded["root"]), "report", A]) == 0
    out = capsys.readouterr().out
    for student in ("importer", "patcher", "looper", "killer", "test-deleter", "not-json"):
        assert student in out.split("integrity and problems")[1]


def grading_command(root, *extra):
    return [sys.executable, "-m", "autograder.cli", "--root", str(root), "grade", A, *extra]


def test_a_killed_grader_finishes_the_class_on_the_next_run(tmp_path):
    root = make_course(tmp_path)
    good, blank = nbformat.writes(full()).encode(), nbformat.writes(release_nb()).encode()
    wrong = nbformat.writes(with_answers(full(), {"softmax": WRONG})).encode()
    class_ = {f"s{i}": data for i, data in enumerate([good, wrong, blank, good, wrong, blank])}
    for student, data in class_.items():
        submit(root, student, data)
    process = subprocess.Popen(
        grading_command(root, "--workers", "1"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if len(list((root / "autograded").glob(f"*/{A}/.course-graded.json"))) >= 2:
            break
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = len(list((root / "autograded").glob(f"*/{A}/.course-graded.json")))
    assert 2 <= done_before < len(class_)
    again = subprocess.run(grading_command(root), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{done_before} already graded" in again.stdout
    with sqlite3.connect(root / "gradebook.db") as db:
        rows = db.execute(
            "SELECT student.id, COUNT(*) FROM submitted_assignment JOIN student "
            "ON student.id = submitted_assignment.student_id GROUP BY student.id"
        ).fetchall()
    assert dict(rows) == {s: 1 for s in class_}
    _, table = class_grades(A, root)
    totals = {r.student: r.total for r in table}
    assert totals["s0"] == totals["s3"] > totals["s1"] == totals["s4"] > totals["s2"] == 0


def test_a_corrupt_gradebook_is_refused_without_writing(tmp_path):
    root = make_course(tmp_path)
    submit(root, "someone", nbformat.writes(full()).encode())
    garbage = os.urandom(4096)
    (root / "gradebook.db").write_bytes(garbage)
    result = subprocess.run(grading_command(root), capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "not a usable gradebook" in result.stderr and "Traceback" not in result.stderr
    assert (root / "gradebook.db").read_bytes() == garbage
    assert not (root / "autograded").exists()


def test_a_locked_gradebook_is_refused_and_nothing_is_half_written(tmp_path):
    root = make_course(tmp_path)
    submit(root, "someone", nbformat.writes(full()).encode())
    grade_class(A, root, workers=1)  # creates the gradebook with one graded student
    before = snapshot(root)
    submit(root, "latecomer", nbformat.writes(full()).encode())
    lock = sqlite3.connect(root / "gradebook.db")
    lock.execute("BEGIN EXCLUSIVE")
    try:
        result = subprocess.run(grading_command(root), capture_output=True, text=True, timeout=300)
    finally:
        lock.rollback()
        lock.close()
    assert result.returncode == 2
    assert "locked by another program" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(root) == before
    again = subprocess.run(grading_command(root), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert {s for s, _ in snapshot(root)} == {"someone", "latecomer"}


def test_plain_nbgrader_autograde_gets_the_same_protections(tmp_path):
    from autograder.assignments import generate

    root = make_course(tmp_path)
    generate(A, root)
    shutil.copy(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    hostile = hostile_class()
    for student in ("control", "importer", "reader"):
        submit(root, student, hostile[student])
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", A],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    scores = snapshot(root)
    functions = list(answer_sources(source_nb()))
    softmax_cells = {name for (_, name) in scores if function_of(name, functions) == "softmax"}
    assert all(scores[("control", c)] > 0 for c in softmax_cells)
    assert all(scores[("importer", c)] == 0 for c in softmax_cells)
    meta = nbformat.read(root / "autograded" / "importer" / A / f"{A}.ipynb", 4).metadata
    assert any("imports the reference" in f for f in meta["course_flags"])
    reader = printed_by(root / "autograded" / "reader" / A / f"{A}.ipynb")
    assert "FOUND []" in reader and "OPENED" not in reader
