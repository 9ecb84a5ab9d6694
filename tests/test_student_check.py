"""`course check`: a student's own check, fast and quiet, that warns before grading penalises."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_kit.check import check_notebook, report
from grader.config import REPOSITORY
from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers
from instructor_tools.visible_mistakes import assignment_table

pytestmark = pytest.mark.kernel

CHEAT = """from course_lib.softmax import softmax as _theirs


def softmax(Z):
    return _theirs(Z)
"""


@functools.cache
def table(assignment: str) -> dict:
    """The kit's table for ``assignment`` (built as ``course kit`` builds it)."""
    return assignment_table(nbformat.read(assignments.release_path(assignment, REPOSITORY), 4))


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
    checks = check_notebook(path, table=table("softmax")).functions
    assert all(c.failed == 0 and c.passed > 0 and not c.warnings for c in checks), checks
    assert sum(c.hidden_points for c in checks) > 0


def test_an_answer_that_imports_the_reference_is_warned_about_in_one_line(tmp_path):
    result = check_notebook(completed(tmp_path, {"softmax": CHEAT}), table=table("softmax"))
    checks = {c.function: c for c in result.functions}
    assert checks["softmax"].warnings == [
        "imports the reference implementation (course_lib.softmax)"]
    lines = report(tmp_path / "softmax.ipynb", result).splitlines()
    assert ("warning: softmax imports the reference implementation "
            "(course_lib.softmax): at grading this function earns no points") in lines


def test_the_command_prints_no_kernel_warnings_and_fails_on_a_broken_rule(tmp_path):
    path = completed(tmp_path, {"softmax": CHEAT})
    result = subprocess.run([sys.executable, "-m", "course_kit.check", "check", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == ""
    assert "warning: softmax imports the reference" in result.stdout


def test_the_check_starts_its_kernel_before_it_imports_the_judge():
    """The kernel boots while the check imports the judge (zmq, jupyter_client, NumPy)."""
    code = ("import sys, course_kit.check\n"
            "print([m for m in ('zmq', 'jupyter_client', 'numpy') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_the_course_command_starts_the_kernel_before_it_imports_the_check(tmp_path):
    """``course check NOTEBOOK`` launches the kernel first, in the notebook's folder, and the
    check uses that kernel: it boots while the check itself is imported."""
    path = completed(tmp_path)
    code = ("import sys\nimport course_kit.check_kernel as k\n"
            "seen, init = [], k.Kernel.__init__\n"
            "def spy(kernel, cwd):\n"
            "    seen.append((str(cwd), 'course_kit.check' in sys.modules))\n"
            "    init(kernel, cwd)\n"
            "k.Kernel.__init__ = spy\n"
            "from course_kit.command import main\n"
            f"code = main(['check', {str(path)!r}])\n"
            "print(code, seen, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.stderr.strip() == f"0 [({str(path.parent.resolve())!r}, False)]", done.stderr
    assert "Total so far" in done.stdout


#: An answer cell that starts a process (in the kernel's process group) and names it.
STARTS_A_CHILD = """import subprocess
from pathlib import Path

_child = subprocess.Popen(["sleep", "300"])
Path("child.pid").write_text(str(_child.pid))
"""


def running(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` still runs (not a zombie) after up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state == b"Z":
            return False
        time.sleep(0.1)
    return True


def test_the_check_ends_what_the_notebook_started_with_its_kernel(tmp_path):
    """A process a cell starts is killed with the check's kernel (its process group), as
    Jupyter does when it shuts a kernel down."""
    path = completed(tmp_path, {"softmax": STARTS_A_CHILD})
    check_notebook(path, table=table("softmax"))
    assert not running(int((tmp_path / "child.pid").read_text()))


def test_ctrl_c_ends_the_check_in_one_line_with_its_kernel_and_folder(tmp_path):
    """Ctrl-C while a cell runs: one line, exit code 130, and nothing of the check is left
    (its kernel, what the cell started, the kernel's folder)."""
    path = completed(tmp_path, {"softmax": STARTS_A_CHILD + "import time\ntime.sleep(60)\n"})
    folders = tmp_path / "tmp"
    folders.mkdir()
    code = ("import signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "from course_kit.command import run\nrun()")
    check = subprocess.Popen([sys.executable, "-c", code, "check", str(path)], text=True,
                             env={**os.environ, "TMPDIR": str(folders)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "child.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        check.send_signal(signal.SIGINT)
        out, err = check.communicate(timeout=60)
    finally:
        check.kill()
    assert (check.returncode, err, out) == (130, "course: interrupted; nothing was checked\n",
                                            "")
    assert list(folders.iterdir()) == []
    assert not running(int((tmp_path / "child.pid").read_text()))


def test_the_check_process_imports_only_the_setup_its_visible_tests_read(tmp_path):
    """The notebook's plotting imports run in the kernel only: no visible test reads plt."""
    code = ("import sys\nfrom pathlib import Path\nfrom course_kit.check import check_notebook\n"
            f"result = check_notebook(Path({str(completed(tmp_path))!r}))\n"
            "print('matplotlib' in sys.modules, all(c.failed == 0 for c in result.functions))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_the_check_runs_over_tcp_where_there_are_no_ipc_sockets(tmp_path):
    """Windows has no IPC sockets: there the kernel listens on the loopback, with the same
    results (a mistake included)."""
    path = completed(tmp_path, {"one_hot": "def one_hot(labels, C):\n    return None"})

    def results(transport: str) -> list[str]:
        code = ("from pathlib import Path\nimport course_kit.check as check\n"
                "import course_kit.check_kernel as kernels\n"
                f"kernels.TRANSPORT = {transport!r}\n"
                "started, used = kernels.Kernel.__init__, []\n"
                "def init(kernel, cwd):\n"
                "    started(kernel, cwd)\n"
                "    used.append(kernel.info['transport'])\n"
                "kernels.Kernel.__init__ = init\n"
                f"result = check.check_notebook(Path({str(path)!r}))\n"
                "print(used, [(c.function, c.passed, c.failed) for c in result.functions])")
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, check=True).stdout

    over_ipc = results("ipc")
    assert over_ipc.startswith("['ipc']") and "'one_hot', 0" in over_ipc, over_ipc
    assert results("tcp") == over_ipc.replace("['ipc']", "['tcp']", 1)


def test_cells_that_fail_or_hang_cost_their_own_function_and_the_check_goes_on(tmp_path):
    """Cells are sent ahead to the kernel: one that raises does not stop the next, one that
    hangs is interrupted at the deadline."""
    path = completed(tmp_path, {"softmax": "raise ValueError('no softmax today')",
                                "one_hot": "while True:\n    pass"})
    nb = nbformat.read(path, 4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("raise RuntimeError('my scratch cell')"))
    nbformat.write(nb, path)
    result = check_notebook(path, timeout=10, table=table("softmax"))
    checks = {c.function: c for c in result.functions}
    assert checks["softmax"].messages[0] == "your cell raised ValueError: no softmax today"
    assert checks["one_hot"].messages[0] == (
        "your cell raised TimeoutError: the cell did not finish within 10 s")
    assert checks["cross_entropy"].failed == 0 and checks["cross_entropy"].passed == 2


def test_a_cell_that_stops_the_kernel_is_named_in_one_line(tmp_path):
    path = completed(tmp_path, {"one_hot": "import os\nos._exit(3)"})
    result = subprocess.run([sys.executable, "-m", "course_kit.check", "check", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "course: your answer cell one_hot stopped the kernel (run it in Jupyter to see why)"]


def test_the_checks_kernel_replies_without_ipykernels_pause():
    """``--IPythonKernel._execute_sleep=0`` reaches the kernel (an ipykernel that renames that
    trait fails here, naming it)."""
    from course_kit.check_kernel import Kernel
    from course_kit.judge import KernelLink

    kernel = Kernel(Path.cwd())
    link = KernelLink(kernel.info, kernel.is_alive)
    printed: list[str] = []
    try:
        reply = link.client.execute_interactive(
            "k = get_ipython().kernel\n"
            "print(type(k).__name__, '_execute_sleep' in k.trait_names(), k._execute_sleep)",
            timeout=60, output_hook=lambda m: printed.append(m["content"].get("text", "")))
    finally:
        link.close()
        kernel.stop()
    assert reply["content"]["status"] == "ok"
    assert "".join(printed) == "IPythonKernel True 0.0\n"
