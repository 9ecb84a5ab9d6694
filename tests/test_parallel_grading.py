"""Grading with several worker processes gives exactly the grades of grading one by one.

A small class of the ``tiny`` assignment (correct, blank, wrong, looping, unreadable, missing
submissions) is graded serially and with two workers through real nbgrader, real kernels and
the sandbox; the results, and what the gradebook holds, must be identical.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.classroom import grade_class
from grader.config import course_id
from grader.gradebook import open_gradebook
from grader.grading import gradings
from tests import tiny_course
from tests.support import read_gradebook

pytestmark = [pytest.mark.e2e, pytest.mark.kernel]


def test_two_workers_grade_exactly_like_one_after_another(tmp_path):
    root = tiny_course.new_class(tmp_path, tiny_course.CLASS_SIZE)
    progress = []
    results, skipped = grade_class(
        tiny_course.ASSIGNMENT,
        root,
        workers=2,
        settings=tiny_course.SETTINGS,
        on_result=lambda result, done, total: progress.append((done, total)),
    )
    serial_results, serial_gradebook = tiny_course.serial_grades()
    assert skipped == []
    assert tiny_course.result_summary(results) == serial_results
    assert read_gradebook(root, tiny_course.ASSIGNMENT) == serial_gradebook
    size = tiny_course.CLASS_SIZE
    assert progress == [(done, size) for done in range(1, size + 1)]

    # The class is sane, not merely consistent: full marks, zeros, and each mistake's own loss.
    scores = {s: sum(c[0] or 0 for c in r["cells"].values()) for s, r in serial_results.items()}
    assert scores == {"student00": 3, "student01": 0, "student02": 1, "student03": 2,
                      "student04": 0, "student05": 0}
    assert "not valid JSON" in serial_results["student01"]["problem"]
    assert serial_results["student04"]["problem"] == "no notebook was submitted"
    assert any("timed out" in flag for flag in serial_results["student03"]["flags"])

    # Where a submission's time went, as its gradebook row records it (the benchmark reads it).
    with open_gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id(root)) as gb:
        phases = json.loads(gradings(gb, tiny_course.ASSIGNMENT)["student00"].phases)
    # one notebook graded per process: no next kernel is pre-started, so no launch is timed
    assert set(phases) == {"kernel start", "cells", "judging", "nbgrader, other", "recording"}
    assert all(seconds > 0 for seconds in phases.values())

    # Run again: every grade is already recorded, nothing is graded twice.
    again, skipped = grade_class(tiny_course.ASSIGNMENT, root, workers=2,
                                 settings=tiny_course.SETTINGS)
    assert again == [] and len(skipped) == size
    assert read_gradebook(root, tiny_course.ASSIGNMENT) == serial_gradebook


def test_the_coordinator_reads_any_childs_name_and_reaps_the_ended_ones():
    """A process may name itself with bytes that are not UTF-8 (a student's, from inside a
    sandbox, too): the coordinator still lists its children, and reaps those that ended."""
    from grader.classroom import _children, _reap_dead

    named = subprocess.Popen([sys.executable, "-c", "import time; open('/proc/self/comm', 'wb')"
                              ".write(b'\\xff'); time.sleep(60)"])
    ended = subprocess.Popen(["true"])
    try:
        deadline = time.monotonic() + 30
        while (Path(f"/proc/{named.pid}/comm").read_bytes() != b"\xff\n"
               or Path(f"/proc/{ended.pid}/stat").read_bytes().split(b") ")[1][:1] != b"Z"):
            assert time.monotonic() < deadline, "the two children did not get ready"
            time.sleep(0.05)
        assert {named.pid, ended.pid} <= _children()
        _reap_dead(keep=set())
        assert ended.pid not in _children() and named.pid in _children()
    finally:
        named.kill()
        named.wait()


def test_the_coordinator_imports_what_the_set_up_and_test_cells_import_before_it_forks(tmp_path):
    """Each grading process finds the judge's imports done (the set-up cell's
    ``matplotlib.pyplot``, a test's ``course_kit.checks``), and only those (not an answer
    cell's); a module that does not exist, a relative import and a release that is not a
    notebook are left to grading to report."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport no_such_module_here",
                                  metadata={"nbgrader": {"grade_id": "setup", "locked": True,
                                                         "solution": False, "grade": False}}),
        nbformat.v4.new_code_cell("import wave",
                                  metadata={"nbgrader": {"grade_id": "a", "solution": True,
                                                         "grade": False, "locked": False}}),
        nbformat.v4.new_code_cell("from . import nothing\n"
                                  "from course_kit.checks import check_close",
                                  metadata={"nbgrader": {"grade_id": "test_a", "grade": True,
                                                         "points": 1, "solution": False,
                                                         "locked": True}}),
    ])
    code = ("import sys\nfrom grader.grading import import_judge_modules\n"
            "before = {m for m in ('matplotlib.pyplot', 'course_kit.checks', 'wave') "
            "if m in sys.modules}\n"
            f"import_judge_modules({{'a': {nbformat.writes(nb).encode()!r}, 'b': b'not json'}})\n"
            "print(sorted(before), 'matplotlib.pyplot' in sys.modules, "
            "'course_kit.checks' in sys.modules, 'wave' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split("] ")[1].split() == ["True", "True", "False"], done.stdout
    assert done.stdout.startswith("[]"), done.stdout
