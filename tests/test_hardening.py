"""Grading a class of strangers: damaged and misbehaving submissions beside an honest one.

One class of the ``softmax`` assignment is graded once (sandboxed kernels, 2 workers); each test
checks what one submission got, that the honest control kept full marks, and that nothing else
in the gradebook changed. Separate tests cover an interrupted grader and damaged gradebooks.
The cheating students (hooks, fake bridges, oracles, readers, floods) are in test_hostile.py;
the size limits and the answer-cell check they meet first are checked here without a kernel.
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

from course_kit.cells import is_answer_cell, is_test_cell, nbgrader_meta
from course_kit.rules import violations
from grader.classroom import grade_class
from grader.config import REPOSITORY
from grader.grading import GRADINGS, GradeSettings
from grader.rebuild import MAX_ADDED_CHARS, MAX_ANSWER_CHARS, rebuild
from instructor_tools.gradetable import class_grades
from instructor_tools.sample_class import with_answers
from tests import hostile_notebooks
from tests.hostile_notebooks import HOOKS, PATCH_EVADER, WRONG_SOFTMAX, added_after, answer, spelled

A = "softmax"
WRONG = WRONG_SOFTMAX


def end_to_end(test):
    """Mark a test that grades through real nbgrader and kernels (slow, e2e)."""
    return pytest.mark.e2e(pytest.mark.slow(test))


def full():
    return hostile_notebooks.full(A)


def release_nb():
    return hostile_notebooks.release_nb(A)


def hostile_class() -> dict[str, bytes | None]:
    """Student id -> submitted bytes (None: a folder with no notebook)."""
    good = full()
    correct_softmax = answer(good, "softmax")
    students = {
        "control": good,
        "wrong": with_answers(good, {"softmax": WRONG}),
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
        "sneaky-importer": added_after(
            with_answers(good, {"softmax": WRONG}),
            "softmax",
            "from course_lib.softmax import softmax  # overrides my answer\n",
        ),
        "test-editor": with_answers(good, {"softmax": WRONG}),
        "test-deleter": with_answers(good, {"softmax": WRONG}),
        "looper": with_answers(good, {"softmax": "while True:\n    pass\n" + correct_softmax}),
        "killer": with_answers(good, {"one_hot": "import os\nimport signal\n"
                                                 "os.kill(os.getpid(), signal.SIGKILL)\n"}),
        "hog": added_after(good, "softmax", "hog = bytearray(7 * 2**30)"),
        "printer": added_after(
            good, "softmax", "for i in range(2000):\n    print('x' * 25000)"
        ),
        "duplicated": added_after(good, "softmax", ""),
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


@end_to_end
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


@end_to_end
@pytest.mark.parametrize("student", ["alias-patcher", "always-equal"])
def test_patching_numpy_or_faking_equality_earns_nothing(graded, student):
    score, top = points(graded, student, "softmax")
    assert score <= points(graded, "wrong", "softmax")[0] < top
    assert full_marks(graded, student, "one_hot", "cross_entropy", "predict")


@end_to_end
def test_importing_the_reference_costs_that_function_and_is_named(graded):
    assert points(graded, "importer", "softmax")[0] == 0
    assert full_marks(graded, "importer", "one_hot", "cross_entropy", "predict")
    assert "imports the reference" in flags(graded, "importer")
    assert points(graded, "sneaky-importer", "softmax") == points(graded, "wrong", "softmax")
    assert "imports the reference" in flags(graded, "sneaky-importer")


@end_to_end
@pytest.mark.parametrize("student", ["test-editor", "test-deleter"])
def test_editing_or_deleting_test_cells_changes_nothing(graded, student):
    assert graded["rows"][student].by_function == graded["rows"]["wrong"].by_function
    assert "restored from the release" in flags(graded, student)


@end_to_end
def test_an_infinite_loop_costs_only_its_function(graded):
    assert points(graded, "looper", "softmax")[0] == 0
    assert full_marks(graded, "looper", "one_hot", "cross_entropy", "predict")
    assert "timed out" in flags(graded, "looper")


@end_to_end
def test_a_kernel_that_dies_is_restarted_and_the_rest_still_counts(graded):
    assert points(graded, "killer", "one_hot")[0] == 0
    assert full_marks(graded, "killer", "softmax", "cross_entropy", "predict")
    assert "kernel died" in flags(graded, "killer")


@end_to_end
def test_a_huge_allocation_fails_inside_the_kernel(graded):
    assert full_marks(graded, "hog")
    assert "memory limit" in flags(graded, "hog")


@end_to_end
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
@end_to_end
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
@end_to_end
def test_damaged_notebooks_are_graded_with_a_note(graded, student, softmax_full, says):
    assert full_marks(graded, student, "softmax") == softmax_full
    assert full_marks(graded, student, "one_hot", "cross_entropy", "predict")
    assert says in flags(graded, student)


@end_to_end
def test_the_report_lists_every_flag(graded, capsys):
    from instructor_tools.cli import main

    assert main(["--root", str(graded["root"]), "report", A]) == 0
    out = capsys.readouterr().out
    for student in ("importer", "looper", "killer", "test-deleter", "not-json"):
        assert student in out.split("integrity and problems")[1]


def grading_command(root, *extra):
    return [sys.executable, "-m", "instructor_tools.cli", "--root", str(root), "grade", A, *extra]


def recorded(root) -> int:
    """How many submissions ``course grade`` has recorded in the gradebook so far."""
    try:
        with sqlite3.connect(root / "gradebook.db") as db:
            return db.execute(f"SELECT COUNT(*) FROM {GRADINGS.name}").fetchone()[0]
    except sqlite3.OperationalError:  # the table is made with the first record
        return 0


@end_to_end
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
        if recorded(root) >= 2:
            break
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = recorded(root)
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


@end_to_end
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


@end_to_end
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


def test_an_absurd_notebook_keeps_only_its_answers_and_an_oversized_answer_is_unanswered():
    release = release_nb()
    submission = with_answers(full(), {"one_hot": "#" * (MAX_ANSWER_CHARS + 1)})
    submission.cells.append(nbformat.v4.new_markdown_cell("y" * (MAX_ADDED_CHARS + 1)))
    submission.cells.append(nbformat.v4.new_code_cell("print('added')"))
    rebuilt, flags = rebuild(submission, release)
    assert len(rebuilt.cells) == len(release.cells)
    assert answer(rebuilt, "one_hot") == answer(release, "one_hot")
    assert answer(rebuilt, "softmax") == answer(full(), "softmax")
    assert any("only its answer cells were graded" in f for f in flags)
    assert any(f"answer cell 'one_hot' holds {MAX_ANSWER_CHARS + 1:,} characters" in f
               for f in flags)


@pytest.mark.parametrize("source", [
    'm = getattr(np, "mod" + "ules")',
    'g = getattr(ip, "get_" + "ipython")()',
    'name = "egdirb.lenrek.tik_esruoc"[::-1]',
    "import numpy as np\nsys = np.testing._private.utils.sys",
    "import IPython\nIPython.get_ipython().events.register('pre_run_cell', print)",
    "from IPython import get_ipython as shell",
    "import ipykernel.comm",
])  # fmt: skip
def test_names_spelled_in_strings_or_reached_through_private_parts_are_flagged(source):
    assert violations(source), source


@pytest.mark.parametrize("source", [HOOKS, PATCH_EVADER, f"x = {spelled('modules')}"])
def test_names_made_at_run_time_pass_the_static_check(source):
    """The static check reads text: names built at run time pass it. So test_hostile.py's
    attacks, written that way, run in the kernel, and what stops them is the design."""
    assert violations(source) == []
