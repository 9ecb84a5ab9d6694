"""The next sandboxed kernel is pre-started: used fresh, only under the same configuration, and
shut down when the process ends. Real kernels, real bwrap."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from grader.execution import ResilientExecute, _Spare
from grader.sandbox import SandboxedKernelManager

pytestmark = pytest.mark.kernel


@pytest.fixture
def folders() -> Iterator[tuple[Path, Path]]:
    """A notebook folder holding a data file, and an empty scratch root (outside /tmp: the
    sandbox has a private /tmp)."""
    base = Path(tempfile.mkdtemp(prefix="prestart-test-", dir="/var/tmp"))
    (base / "nb").mkdir()
    (base / "nb" / "data.txt").write_text("relative data")
    (base / "scratch").mkdir()
    for folder, _, files in os.walk(base):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    _Spare.discard_current()
    yield base / "nb", base / "scratch"
    _Spare.discard_current()
    shutil.rmtree(base)


def config(scratch: Path, **traits: object) -> Config:
    cfg = Config()
    cfg.ResilientExecute.kernel_manager_class = "grader.sandbox.SandboxedKernelManager"
    cfg.SandboxedKernelManager.scratch_root = str(scratch)
    for name, value in traits.items():
        setattr(cfg.SandboxedKernelManager, name, value)
    return cfg


def run(cfg: Config, nbdir: Path, cells: list[str]) -> list[str]:
    """Each cell's stdout after ResilientExecute ran the notebook in ``nbdir``."""
    nb = new_notebook(cells=[new_code_cell(source) for source in cells])
    nb, _ = ResilientExecute(config=cfg).preprocess(nb, {"metadata": {"path": str(nbdir)}})
    return ["".join(o.get("text", "") for o in cell.outputs).strip() for cell in nb.cells]


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[SandboxedKernelManager | None]:
    """What each notebook got from the spare (None: it started its own kernel)."""
    got: list[SandboxedKernelManager | None] = []
    take = _Spare.take

    def recording(key: str) -> SandboxedKernelManager | None:
        got.append(take(key))
        return got[-1]

    monkeypatch.setattr(_Spare, "take", recording)
    return got


def test_the_next_notebook_runs_in_the_kernel_started_meanwhile(folders, taken) -> None:
    nbdir, scratch = folders
    cfg = config(scratch)
    assert run(cfg, nbdir, ["secret = 42", "print(open('data.txt').read())"])[1] == "relative data"
    spare = _Spare.current.km
    assert taken == [None] and spare.has_kernel  # booting while nothing uses it

    second = run(cfg, nbdir, ["print('secret' in globals(), open('data.txt').read())",
                              "import os; print(os.stat('data.txt').st_uid == os.getuid())"])
    assert taken == [None, spare]  # the second notebook ran in it ...
    assert second == ["False relative data", "True"]  # ... fresh, with its folder's files
    assert not spare.has_kernel  # and it was shut down with the notebook
    assert _Spare.current.km is not spare and _Spare.current.km.has_kernel  # the next one waits


def test_a_kernel_started_under_another_configuration_is_not_used(folders, taken) -> None:
    nbdir, scratch = folders
    run(config(scratch), nbdir, ["print(1)"])
    spare = _Spare.current.km
    assert run(config(scratch, memory_limit=3 * 2**30), nbdir,
               ["import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"]) == [
        str(3 * 2**30)]
    assert taken == [None, None] and not spare.has_kernel


def test_no_spare_when_pre_start_is_off(folders) -> None:
    nbdir, scratch = folders
    cfg = config(scratch)
    cfg.ResilientExecute.prestart_kernel = False
    assert run(cfg, nbdir, ["print(2)"]) == ["2"]
    assert _Spare.current is None and list(scratch.iterdir()) == []


SCRIPT = """
import sys
from concurrent.futures import ProcessPoolExecutor
from tests.test_prestart import config, run
from pathlib import Path

nbdir, scratch = Path(sys.argv[1]), Path(sys.argv[2])
with ProcessPoolExecutor(1) as pool:  # a grading worker's spare, then the process's own
    print(pool.submit(run, config(scratch), nbdir, ["print(3)"]).result())
print(run(config(scratch), nbdir, ["print(4)"]))
"""


def test_spares_are_shut_down_when_the_processes_end(folders) -> None:
    nbdir, scratch = folders
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(nbdir), str(scratch)],
                          capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.split("\n")[:2] == ["['3']", "['4']"], done.stderr
    assert list(scratch.iterdir()) == []  # no kernel's working folder left: all shut down


def test_plain_nbgrader_autograde_leaves_no_kernel_behind(folders, tmp_path) -> None:
    """``nbgrader autograde`` in the course directory (the course's config) ends its spare, also
    after a submission it could not grade (the second one is not JSON)."""
    from grader.config import REPOSITORY
    from tests import tiny_course
    from tests.support import nbgrader

    _, scratch = folders
    root = tiny_course.new_class(tmp_path, 2)
    config = (REPOSITORY / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(
        config + f"c.SandboxedKernelManager.scratch_root = {str(scratch)!r}\n")
    done = nbgrader(root, "autograde", tiny_course.ASSIGNMENT, "--force")
    assert "student01" in done.stdout + done.stderr
    assert (root / "autograded" / "student00" / tiny_course.ASSIGNMENT).is_dir()
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("notebooks", [1, 2])
def test_a_grading_job_pre_starts_a_kernel_only_for_a_next_notebook(tmp_path, notebooks) -> None:
    """``course grade`` grades each submission in a process of its own: a kernel pre-started
    after its only notebook would never be used (and would cost a core while grading goes on)."""
    from grader.grading import GradeJob, _configure_job

    releases = {f"part{i}": b"{}" for i in range(notebooks)}
    job = GradeJob("a", "ada", dict(releases), None, b"", releases)
    config = _configure_job(tmp_path, job)
    assert ResilientExecute(config=config).prestart_kernel is (notebooks > 1)
