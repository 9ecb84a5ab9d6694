"""A class of cheating students, graded beside honest ones by ``course grade`` and plain nbgrader.

Every hostile notebook (``tests/hostile_notebooks.py``: one per attack class, built from the
release as a student would) must earn no more autograded points, function by function, than
its honest twin (the same notebook with blank or wrong answers); rules broken in plain sight
are flagged; two honest controls keep identical grades whoever is graded beside them, and the
control's grades do not change when the class is graded after it. The same holds through plain
``nbgrader autograde`` run from the course directory, as root (CI) and as an ordinary user.
"""

from __future__ import annotations

import html
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from course_kit.cells import is_test_cell
from grader.classroom import grade_class
from grader.config import REPOSITORY
from grader.flags import FLAGS_KEY
from grader.grading import GradeSettings
from instructor_tools.assignments import generate
from instructor_tools.feedback import hidden_source_lines
from instructor_tools.feedback_pages import generate_feedback
from instructor_tools.gradetable import class_grades
from tests.hostile_notebooks import (
    Hostile,
    softmax_class,
    source_nb,
    tiny_class,
    tuning_class,
)
from tests.tiny_course import make_course as make_tiny_course
from tests.unix_class import as_user, chown, require_root

pytestmark = pytest.mark.e2e
SETTINGS = GradeSettings(cell_timeout=15)
#: The ordinary (system) user who grades the tiny class in the last test.
GRADER_USER = "course-grader"


@dataclass
class Graded:
    """A graded class: where, its students' notebooks and what the gradebook says of them."""

    root: Path
    assignment: str
    students: dict[str, Hostile | object]
    points: dict[str, dict[str, float]]  # student -> function -> points
    cells: dict[str, dict[str, float]]  # student -> grade_id -> points
    flags: dict[str, str]
    problems: dict[str, str | None]
    before: dict[str, float] = field(default_factory=dict)  # the first student's, graded alone
    pages: dict[str, str] = field(default_factory=dict)  # student -> feedback page (HTML)

    def autograded(self, student: str):
        return nbformat.read(self.root / "autograded" / student / self.assignment /
                             f"{self.assignment}.ipynb", 4)

    def printed(self, student: str) -> str:
        """Everything the student's kernel showed: the outputs of all cells but the tests."""
        return "\n".join(json.dumps(c.get("outputs", [])) for c in
                         self.autograded(student).cells
                         if c.cell_type == "code" and not is_test_cell(c))

    def twin_of(self, student: str) -> str:
        return self.students[student].twin


def notebook_of(entry) -> object:
    return entry.notebook if isinstance(entry, Hostile) else entry


def new_course(parent: Path, assignment: str) -> Path:
    root = parent / "course"
    shutil.copytree(REPOSITORY / "source" / assignment, root / "source" / assignment)
    return root


def submit(root: Path, assignment: str, student: str, nb) -> None:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def gradebook_cells(root: Path, assignment: str) -> dict[str, dict[str, float]]:
    """student -> grade_id -> autograded points, straight from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {sub.student.id: {g.name: g.score for nb in sub.notebooks for g in nb.grades}
                for sub in gb.find_assignment(assignment).submissions}


def read_class(root: Path, assignment: str, students: dict) -> Graded:
    _, rows = class_grades(assignment, root)
    points = {r.student: {f: s for f, (s, _) in r.by_function.items()} for r in rows}
    flags = {}
    for student in students:
        path = root / "autograded" / student / assignment / f"{assignment}.ipynb"
        flags[student] = "; ".join(nbformat.read(path, 4).metadata.get(FLAGS_KEY, []))
    return Graded(root, assignment, students, points, gradebook_cells(root, assignment), flags,
                  {r.student: r.problem for r in rows})


def grade_with_course(parent: Path, assignment: str, students: dict) -> Graded:
    """Grade the first student alone, then the whole class (``course grade``, 2 workers); the
    first student's cells as they were before the others came are ``before``."""
    root = new_course(parent, assignment)
    first, *others = students
    submit(root, assignment, first, notebook_of(students[first]))
    grade_class(assignment, root, workers=2, settings=SETTINGS)
    before = gradebook_cells(root, assignment)[first]
    for student in others:
        submit(root, assignment, student, notebook_of(students[student]))
    grade_class(assignment, root, workers=2, settings=SETTINGS)
    graded = read_class(root, assignment, students)
    graded.before = before
    return graded


@pytest.fixture(scope="module")
def softmax(tmp_path_factory) -> Graded:
    graded = grade_with_course(tmp_path_factory.mktemp("softmax"), "softmax", softmax_class())
    graded.pages = {p.parts[-3]: p.read_text() for p in generate_feedback("softmax", graded.root)}
    return graded


def hostile(students: dict) -> list[str]:
    return [name for name, entry in students.items() if isinstance(entry, Hostile)]


def no_more_than_twin(graded: Graded, student: str) -> None:
    twin = graded.twin_of(student)
    for function, points in graded.points[student].items():
        assert points <= graded.points[twin][function], (
            f"{student} ({graded.students[student].attack}) got {points} points for "
            f"{function}; its honest twin {twin} got {graded.points[twin][function]}")
    assert graded.problems[student] is None, graded.problems[student]


@pytest.mark.parametrize("student", hostile(softmax_class()))
def test_no_hostile_notebook_earns_more_than_its_honest_twin(softmax, student):
    no_more_than_twin(softmax, student)


def test_the_controls_grades_are_the_same_before_after_and_beside_the_attacks(softmax):
    control = softmax.cells["control"]
    assert control == softmax.before == softmax.cells["control-2"]
    assert all(points > 0 for cell, points in control.items() if cell.startswith("test_"))
    assert softmax.points["blank"] and not any(softmax.points["blank"].values())


@pytest.mark.parametrize(("student", "says"), [
    ("hooks-plain", "reaches into IPython (get_ipython)"),
    ("magic-import", "imports the reference implementation (course_lib.softmax)"),
    ("patcher", "replaces np.allclose (patching a library)"),
    ("fake-bridge", "answered the grader with something it does not read"),
    ("floods", "output capped"),
    ("floods", "its output did not end"),
    ("stubborn", "kernel did not stop when interrupted in one_hot"),
    ("stubborn", "test_predict_random: did not stop within 5 s of an interrupt"),
    ("fork-bomb", "kernel did not stop when interrupted in cell"),
    ("markup", "names the reference or the grader in a string ('course_lib [/] [bold red]"),
])  # fmt: skip
def test_rules_broken_in_plain_sight_are_flagged(softmax, student, says):
    assert says in softmax.flags[student], softmax.flags[student]


@pytest.mark.parametrize(("student", "shows"), [
    ("hooks", "All tests passed"),
    ("patch-evader", "PATCHED True 0"),
    ("floods", "FLOOD STARTS"),
    ("markup", "<script>alert('printed')</script>"),
    ("reader", "FILES "),
])  # fmt: skip
def test_the_attacks_ran_in_the_kernel(softmax, student, shows):
    """The attacks are not stopped by a deny-list: each ran (its output is there) and lost."""
    assert shows in softmax.printed(student)


def test_the_reference_is_never_the_students_under_another_name(softmax):
    """softmax calls ``reference_softmax``, a name the hidden tests import the reference as;
    it stays the student's own function, which raises."""
    assert softmax.points["reference-names"]["softmax"] == 0
    assert "NotImplementedError" in json.dumps(
        [c.outputs for c in softmax.autograded("reference-names").cells if is_test_cell(c)])


def test_hidden_tests_reach_neither_the_kernel_nor_any_feedback_page(softmax):
    hidden = hidden_source_lines(source_nb("softmax"))
    heard = softmax.printed("exfiltrator")
    assert '{\\"op\\":\\"call\\"' in heard and "HEARD 0" not in heard  # it listened
    for student in softmax.students:
        printed = softmax.printed(student)
        assert not [line for line in hidden if line in printed], student
    for student, page in softmax.pages.items():
        text = html.unescape(page)
        assert not [line for line in hidden if line in text], student
        assert "BEGIN HIDDEN TESTS" not in text


def test_the_sandbox_shows_no_answer_and_no_secret(softmax):
    printed = softmax.printed("reader")
    assert "FOUND 0 []" in printed and "SECRETS [] []" in printed
    seen = json.loads(re.search(r"SEEN \d+ (\[.*?\])", printed).group(1).replace("'", '"'))
    assert not [path for path in seen if path.endswith(".ipynb") or "gradebook" in path]
    assert int(re.search(r"UID (\d+)", printed).group(1)) != 0
    assert int(re.search(r"FILES (\d+)", printed).group(1)) > 1000  # it did walk


def test_a_lent_reference_answers_only_during_the_call_that_borrows_it(softmax):
    """The oracle asks the reference a lending test passed about earlier tests' inputs (that
    cannot change their verdicts: they are over); a lent function kept for later fails."""
    printed = softmax.printed("oracle")
    assert "ORACLE" in printed
    assert "STALE" in printed and "STALE [[" not in printed
    assert softmax.points["oracle"]["softmax"] == softmax.points["wrong"]["softmax"]


def test_floods_are_capped_and_the_notebook_stays_small(softmax):
    path = softmax.root / "autograded" / "floods" / "softmax" / "softmax.ipynb"
    assert path.stat().st_size < 2_000_000
    assert softmax.points["floods"] == softmax.points["control"]


def test_loops_that_ignore_interrupts_cost_only_their_own_tests(softmax):
    points, control = softmax.points["stubborn"], softmax.points["control"]
    assert points["one_hot"] == 0
    assert 0 < points["predict"] < control["predict"]
    for function in ("softmax", "cross_entropy", "softmax_regression_grads"):
        assert points[function] == control[function]


def test_markup_scripts_and_escape_codes_stay_text(softmax, capsys):
    from instructor_tools.cli import main

    page = softmax.pages["markup"]
    assert "&lt;script&gt;alert(" in page  # the student's markup is shown, as text
    for live in ("<script>alert(", "<img src=x onerror", '<a href="javascript:', "<iframe"):
        assert live not in page
    assert not re.search(r"<script[^>]*>[^<]*alert\((4|'js')\)", page)
    assert main(["--root", str(softmax.root), "report", "softmax"]) == 0
    out = capsys.readouterr().out
    assert "course_lib [/] [bold red]x[/bold red]" in out
    assert "\x1b[2J" not in out


def plain_nbgrader(root: Path, *command: str, user: str | None = None
                   ) -> subprocess.CompletedProcess:
    """``nbgrader ...`` run from ``root``; prints the grader's own peak memory (read it with
    :func:`peak_mb`). It is ``VmHWM``, the peak of the process's own address space: ``ru_maxrss``
    of a process started by fork and exec carries its parent's peak (pytest's, here)."""
    code = ("import atexit, re, runpy, sys; "
            "atexit.register(lambda: print('PEAK', re.search(r'VmHWM:\\s+(\\d+) kB', "
            "open('/proc/self/status').read()).group(1), 'kB', file=sys.stderr)); "
            "sys.argv = ['nbgrader', *sys.argv[1:]]; runpy.run_module('nbgrader', "
            "run_name='__main__')")
    args = [sys.executable, "-c", code, *command]
    if user:
        return as_user(user, args, cwd=root, check=False)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=900)


def peak_mb(done: subprocess.CompletedProcess) -> float:
    """The peak memory :func:`plain_nbgrader`'s run printed, in MB."""
    return int(re.search(r"^PEAK (\d+) kB$", done.stderr, re.M).group(1)) / 1024


def prepare_plain_course(root: Path, assignment: str, students: dict) -> None:
    """A course directory as an instructor keeps one: released, configured, submissions in."""
    generate(assignment, root)
    shutil.copy(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    for student, entry in students.items():
        submit(root, assignment, student, notebook_of(entry))


def test_plain_nbgrader_autograde_as_root_gives_the_same_protections(tmp_path):
    everyone = softmax_class()
    students = {name: everyone[name]
                for name in ("control", "blank", "hooks", "fake-bridge", "floods", "reader")}
    root = new_course(tmp_path, "softmax")
    prepare_plain_course(root, "softmax", students)
    done = plain_nbgrader(root, "autograde", "softmax")
    assert done.returncode == 0, done.stderr[-3000:]
    graded = read_class(root, "softmax", students)
    for student in hostile(students):
        no_more_than_twin(graded, student)
    assert graded.points["control"] == graded.points["floods"]
    assert "answered the grader with something it does not read" in graded.flags["fake-bridge"]
    assert "FOUND 0 []" in graded.printed("reader")
    peak = peak_mb(done)
    # nbgrader's one process grades the whole class: bounded by a few largest messages held at
    # once (judge.MAX_FRAME, as bytes, text and objects), not by the flood (uncapped, a 300 MB
    # print took it to 926 MB)
    print(f"plain nbgrader autograde softmax (6 students, one flooding): peak {peak:.0f} MB")
    assert peak < 800, f"the grader peaked at {peak:.0f} MB while a kernel flooded it"


def test_a_tuning_class_survives_a_generator_that_crashes_numpy(tmp_path):
    """A state whose position lies past the generator's buffer, drawn from in the grader,
    would kill the grading process: every submission graded in it, not only the attacker's."""
    students = tuning_class()
    graded = grade_with_course(tmp_path, "tuning", students)
    assert graded.cells["control"] == graded.before
    assert not any(graded.problems.values()), graded.problems
    for student in hostile(students):
        no_more_than_twin(graded, student)
    printed = graded.printed("rng-crash")
    assert "RuntimeError: not a valid MT19937 generator state" in printed
    assert graded.points["reference-names"]["coarse_to_fine"] == 0


def grader_account() -> int:
    """The uid of :data:`GRADER_USER`, a system account without a password (made if missing)."""
    try:
        return pwd.getpwnam(GRADER_USER).pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--create-home", "--home-dir",
                        f"/var/lib/{GRADER_USER}", "--shell", "/usr/sbin/nologin", GRADER_USER],
                       check=True)  # fmt: skip
        return pwd.getpwnam(GRADER_USER).pw_uid


def test_an_ordinary_user_grading_with_plain_nbgrader_gets_the_same_protections():
    """The grader is an ordinary user, so the kernel is that user in a user namespace."""
    require_root()
    uid = grader_account()
    root = Path(tempfile.mkdtemp(prefix="hostile-user-"))
    try:
        make_tiny_course(root)
        students = tiny_class(nbformat.read(root / "release" / "tiny" / "tiny.ipynb", 4),
                              nbformat.read(root / "source" / "tiny" / "tiny.ipynb", 4))
        for student, entry in students.items():
            submit(root, "tiny", student, notebook_of(entry))
        shutil.copy(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
        chown(root, GRADER_USER)
        done = plain_nbgrader(root, "autograde", "tiny", user=GRADER_USER)
        assert done.returncode == 0, done.stderr[-3000:]
        graded = read_class(root, "tiny", students)
        for student in hostile(students):
            no_more_than_twin(graded, student)
        assert graded.points["control"] and all(graded.points["control"].values())
        printed = graded.printed("reader")
        assert "FOUND 0 []" in printed
        assert f"UID {uid}" in printed
        hidden = hidden_source_lines(nbformat.read(root / "source" / "tiny" / "tiny.ipynb", 4))
        assert not [line for line in hidden if line in graded.printed("exfiltrator")]
        assert "answered the grader" in graded.flags["fake-bridge"]
    finally:
        shutil.rmtree(root, ignore_errors=True)

