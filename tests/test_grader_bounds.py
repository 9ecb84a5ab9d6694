"""The grader's own memory, time and processes across a class (issue 18, findings 5 and 6).

- A ``sample_beta`` that asks the grader's ``sample_log_uniform`` (a stand-in or the lent
  reference) for tens of millions of samples gets a MemoryError, and the grader's memory stays
  within its budget, through plain ``nbgrader autograde`` and ``course grade`` alike.
- A submission whose grading process dies (killed here by :class:`OomKiller`, which stands for
  the out-of-memory killer: it kills the process grading the submission whose kernel names
  itself :data:`OOM_VICTIM`) is retried alone once, then recorded as "could not be graded" and
  flagged; the rest of the class is graded and a rerun grades nothing twice.

The grader's peak memory is the largest ``VmHWM`` (peak resident set) of the ``course`` process
and its grading processes, read from ``/proc`` while they live (kernels are not the grader's).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers
from samples import scale as scale_answers
from tests.hostile_notebooks import (
    GREEDY_REPORT,
    NAMED_VICTIM,
    OOM_VICTIM,
    added_after,
    added_at_end,
    full,
    greedy_beta,
)
from tests.support import BIN, processes, read_gradebook, tools_env
from tests.test_hostile import (
    gradebook_cells,
    new_course,
    peak_mb,
    plain_nbgrader,
    prepare_plain_course,
    submit,
)
from tests.tiny_course import make_course as make_tiny_course

pytestmark = pytest.mark.e2e


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_bytes().decode(errors="replace")
    except OSError:  # gone
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _orphaned_sandboxes() -> set[int]:
    """bwrap processes of kernels of this virtualenv whose parent is init: left by a grading
    process that died."""
    return {p.pid for p in processes() if p.parent == 1 and
            p.command.split(" ", 1)[0].endswith("bwrap") and sys.prefix in p.command}


class OomKiller(threading.Thread):
    """While the block runs: SIGKILL the grading process (a child of the ``course`` process
    ``parent``) of any kernel named :data:`OOM_VICTIM`, as the out-of-memory killer kills the
    largest process; and keep the grader's peak memory (``course`` and its children) in
    ``peak``."""

    def __init__(self):
        super().__init__(daemon=True)
        self.parent: int | None = None
        self.killed = 0
        self.peak = 0
        self.orphans_before = _orphaned_sandboxes()
        self.done = threading.Event()

    def __enter__(self) -> OomKiller:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join()

    def run(self) -> None:
        while not self.done.wait(0.1):
            if self.parent is None:
                continue
            statuses = {int(p): _status(int(p)) for p in os.listdir("/proc") if p.isdigit()}
            ppid = {pid: int(s.get("PPid", "0")) for pid, s in statuses.items()}
            graders = [self.parent, *(pid for pid, up in ppid.items() if up == self.parent)]
            for pid in graders:
                hwm = statuses.get(pid, {}).get("VmHWM", "0 kB").split()[0]
                self.peak = max(self.peak, int(hwm) * 1024)
            for pid, status in statuses.items():
                if status.get("Name") != OOM_VICTIM:
                    continue
                while pid and ppid.get(pid) != self.parent:
                    pid = ppid.get(pid, 0)
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    self.killed += 1

    def orphans(self, grace: float = 10.0) -> set[int]:
        """Sandboxes of this run left to init, still there ``grace`` seconds after it."""
        deadline = time.monotonic() + grace
        while (left := _orphaned_sandboxes() - self.orphans_before) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def course(self, root: Path, *args: str) -> subprocess.CompletedProcess:
        """``course --root ROOT ARGS`` in a process of its own, watched."""
        # Output to files, not pipes: a kernel left by a killed grading process holds what it
        # inherited, and a pipe would not end until it does.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            process = subprocess.Popen([str(BIN / "course"), "--root", str(root), *args],
                                       env={**tools_env(), "COLUMNS": "250"}, text=True,
                                       stdout=out, stderr=err)
            self.parent = process.pid
            process.wait(timeout=1800)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(process.args, process.returncode, out.read(),
                                               err.read())


def course(root: Path, *args: str) -> subprocess.CompletedProcess:
    with OomKiller() as killer:
        return killer.course(root, *args)


def test_a_submission_whose_grading_process_dies_costs_only_itself(tmp_path):
    root = make_tiny_course(tmp_path / "course")
    release = nbformat.read(assignments.release_path("tiny", root), 4)
    good = solved(release, nbformat.read(assignments.source_path("tiny", root), 4))
    for student, nb in {"ada": good, "bob": release,
                        "victim": added_after(good, "square", NAMED_VICTIM)}.items():
        submit(root, "tiny", student, nb)
    with OomKiller() as killer:
        done = killer.course(root, "grade", "tiny", "--workers", "2", "--timeout", "5")
    assert done.returncode == 0, done.stderr[-3000:]
    assert killer.killed == 2  # beside a neighbour, then alone
    assert not killer.orphans(), "a killed grading process's kernels still run"
    assert "graded 3 submissions" in done.stdout
    assert ("1 could not be graded (recorded with no points and flagged; the others are "
            "graded): victim: could not be graded: its grading process was killed by SIGKILL"
            in " ".join(done.stdout.split())), done.stdout
    cells = gradebook_cells(root, "tiny")
    assert sum(cells["ada"].values()) == 3 and sum(cells["bob"].values()) == 0
    assert sum(cells["victim"].values()) == 0
    assert read_gradebook(root, "tiny")["victim"]["notebooks"]["tiny"]["flagged"]

    report = course(root, "report", "tiny")
    assert report.returncode == 0, report.stderr
    assert re.search(r"victim .*could not be graded: its grading process was killed by SIGKILL",
                     report.stdout), report.stdout

    again = course(root, "grade", "tiny", "--workers", "2")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "graded 0 submissions" in again.stdout and "3 already graded" in again.stdout
    assert gradebook_cells(root, "tiny") == cells


def plain_autograde(tmp_path: Path, students: dict, setting: str) -> tuple[Path, dict, float]:
    """Plain ``nbgrader autograde scale`` of ``students`` with ``setting`` added to the course's
    nbgrader_config.py: the course, the gradebook's cells, and the grader's peak in MB."""
    root = new_course(tmp_path, "scale")
    prepare_plain_course(root, "scale", students)
    with (root / "nbgrader_config.py").open("a") as config:
        config.write(f"\n{setting}\n")
    done = plain_nbgrader(root, "autograde", "scale")
    assert done.returncode == 0, done.stderr[-3000:]
    return root, gradebook_cells(root, "scale"), peak_mb(done)


def test_plain_nbgrader_bounds_the_graders_memory_and_grades_the_students_after_it(tmp_path):
    """30 M samples asked of the grader (the old grader: ~1.3 GB more for them) against a
    64 MiB budget set in nbgrader_config.py."""
    students = {"a-greedy": added_at_end(with_answers(full("scale"), {
                    "sample_beta": greedy_beta(30_000_000)}), GREEDY_REPORT),
                "b-control": full("scale")}  # fmt: skip
    root, cells, peak = plain_autograde(
        tmp_path, students, "c.ResilientExecute.grader_memory = 64 * 2**20")
    assert cells["a-greedy"] == cells["b-control"]  # it caught the error and answered right
    assert all(points > 0 for cell, points in cells["b-control"].items() if cell.startswith("test"))
    autograded = (root / "autograded" / "a-greedy" / "scale" / "scale.ipynb").read_text()
    assert re.search(r"REFUSED \d+ \['MemoryError: Unable to allocate 229. MiB", autograded)
    flags = json.loads(autograded)["metadata"]["course_flags"]
    assert "asked the grader for more than a test may use (MemoryError" in flags[0], flags
    print(f"plain nbgrader autograde scale (2 students, one greedy): peak {peak:.0f} MB")
    # the old grader: about 1.3 GB
    assert peak < 450, f"the grader peaked at {peak:.0f} MB"


#: A cell that sends the grader one output message of many 40 MiB parts (ZMQ bounds each part,
#: not their number, and delivers a message whole): the grader held all of it (red team, 2026).
MANY_PARTS = """k = get_ipython().kernel
part = bytes(40 * 2**20)
k.session.send(k.iopub_socket, "stream", {"name": "stdout", "text": "x"},
               parent=k.get_parent("shell"), buffers=[part] * 16)
print("sent")"""


def test_a_message_of_many_parts_costs_the_grader_only_its_cell_budget(tmp_path):
    """640 MiB in one message, against a 128 MiB budget per cell set in nbgrader_config.py:
    the grader stays small, the cell is cut, the rest of the notebook and the class count."""
    students = {"a-parts": added_at_end(full("scale"), MANY_PARTS), "b-control": full("scale")}
    _, cells, peak = plain_autograde(
        tmp_path, students, "c.ResilientExecute.cell_memory = 128 * 2**20")
    assert cells["a-parts"] == cells["b-control"]
    assert all(points > 0 for cell, points in cells["b-control"].items() if cell.startswith("test"))
    print(f"plain nbgrader autograde scale, a 640 MiB message: peak {peak:.0f} MB")
    assert peak < 450, f"the grader peaked at {peak:.0f} MB"


def scale_class() -> dict[str, object]:
    """18 honest students of ``scale`` (right answers in several styles, known mistakes)."""
    good = full("scale")
    answers = [*scale_answers.CORRECT.values(), *scale_answers.MISTAKES.values()]
    return {f"s{i:02d}": with_answers(good, answers[i % len(answers)]) for i in range(18)}


@pytest.mark.slow
def test_a_class_of_20_with_two_hostile_students_grades_the_others_as_without_them(tmp_path):
    """Done means (issue 18): the 18 others graded exactly as without the two, the grader's
    peak below 500 MB, both hostile students named by ``course report``."""
    honest = scale_class()
    alone = new_course(tmp_path / "alone", "scale")
    prepare_plain_course(alone, "scale", honest)
    assert course(alone, "grade", "scale", "--workers", "2").returncode == 0

    root = new_course(tmp_path / "class", "scale")
    hostile = {"greedy": with_answers(full("scale"), {"sample_beta": greedy_beta(60_000_000)}),
               "victim": added_after(full("scale"), "setup", NAMED_VICTIM)}
    prepare_plain_course(root, "scale", {**honest, **hostile})
    with OomKiller() as killer:
        done = killer.course(root, "grade", "scale", "--workers", "2")
    print(f"course grade scale --workers 2 (20 students, 2 hostile): the grader's peak "
          f"{killer.peak / 2**20:.0f} MB")
    assert done.returncode == 0, done.stderr[-3000:]
    assert killer.peak < 500 * 2**20, f"the grader peaked at {killer.peak / 2**20:.0f} MB"
    assert not killer.orphans(), "a killed grading process's kernels still run"
    cells = gradebook_cells(root, "scale")
    assert {s: cells[s] for s in honest} == gradebook_cells(alone, "scale")
    assert cells["greedy"] == cells["s00"]  # right answers, the MemoryError caught
    report = course(root, "report", "scale").stdout
    assert re.search(r"victim .*could not be graded: its grading process was killed", report)
    assert re.search(r"greedy .*asked the grader for more than a test may use \(MemoryError",
                     report), report
