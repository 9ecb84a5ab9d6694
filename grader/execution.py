"""nbgrader's ``Execute`` step, split in two: the student's cells in the kernel, the tests here.

:class:`ResilientExecute` replaces ``Execute`` in the autograde pipeline (by configuration):

- every cell that is not a test runs in the student's (sandboxed) kernel, as nbgrader would;
- every **test cell** runs in the grader's process (:class:`course_kit.judge.Judge`), from the
  source the gradebook holds (hidden tests included), calling the student's functions over the
  data-only channel; its verdict is written into the cell as outputs, which nbgrader's
  ``SaveAutoGrades`` then scores as usual (an error output: no points);
- a kernel that dies (``os._exit``, a segfault, the memory cap), ignores an interrupt, or never
  ends a cell's output (a message too large to read was dropped) is restarted; the student's
  cells before the one that broke it run again, and the rest of the notebook still earns its
  points;
- output is capped per cell as it arrives, counting every message type (streams, displays,
  display updates, errors, comm messages and their binary buffers): 100,000 characters for the
  student's cells, more for the course's own cells (their figures are never blamed on the
  student); the notebook's output as a whole is capped as it arrives too, and the kernel's
  messages are read by a client that refuses oversized ones (``judge.LimitedAsyncClient``);
- the whole submission has a wall-clock budget that covers restarts and replays; cells past it
  are not run (tests past it score nothing) and the report says so;
- each test cell runs in this process under a memory budget (``grader_memory``: a test, or a
  grader callable the student's code calls back, that would map more fails with a MemoryError,
  and the next cell and the next student are graded as usual).
- once a notebook's sandboxed kernel is ready, the next one is launched (``prestart_kernel``):
  it boots while this notebook's cells and tests run, and waits unused for the next notebook
  (or restart) graded in this process. It is fresh (no code has run in it; the notebook's
  folder is copied into its working folder when it is handed over) and is used only if it was
  started under the same configuration; it is shut down when the process ends.

:data:`PHASES` adds up where the time goes (kernel start, student cells, judging).

Everything unusual becomes a flag for the grade report.
"""

from __future__ import annotations

import ast
import atexit
import collections
import contextlib
import copy
import json
import multiprocessing.util
import os
import secrets
import shutil
import tempfile
import threading
import time
from queue import Empty

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Enum, Float, Integer

from course_kit.bounds import memory_budget
from course_kit.cells import is_answer_cell, is_setup_cell, is_test_cell, nbgrader_meta
from course_kit.judge import (
    DROPPED,
    INTERRUPT_GRACE,
    MAX_FRAME,
    Call,
    Judge,
    KernelLink,
    LimitedAsyncClient,
)
from course_kit.limits import CELL_TIMEOUT, GRADER_MEMORY, SUBMISSION_TIMEOUT
from grader import diagnostics
from grader.config import hidden_test_delimiters
from grader.flags import DIAGNOSES_KEY, add_flags
from grader.rebuild import COURSE_CELL_KEY
from grader.sandbox import SandboxedKernelManager, _remove_tree

_COUNTED = ("stream", "display_data", "execute_result", "error", "update_display_data",
            "clear_output", "comm_open", "comm_msg", "comm_close")  # fmt: skip


#: Seconds this process spent per phase of running notebooks: ``kernel start`` (until the kernel
#: answers), ``next kernel launch`` (pre-starting the next one), ``cells`` (the student's cells
#: in the kernel), ``judging`` (tests and set-up cells in this process). ``grade_one`` resets it
#: for each submission and reports it.
PHASES: collections.Counter[str] = collections.Counter()


@contextlib.contextmanager
def _phase(name: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] += time.perf_counter() - started


class _Spare:
    """This process's next kernel: launched, never used, and the configuration it was made by."""

    lock = threading.Lock()
    current: _Spare | None = None
    #: The process that registered :meth:`discard_current` to run when it ends.
    finalizing: int | None = None

    def __init__(self, key: str, km: SandboxedKernelManager) -> None:
        self.key, self.km, self.pid = key, km, os.getpid()
        if _Spare.finalizing != self.pid:  # a worker process forgets its parent's finalizers
            _Spare.finalizing = self.pid
            multiprocessing.util.Finalize(None, _Spare.discard_current, exitpriority=10)

    @classmethod
    def take(cls, key: str) -> SandboxedKernelManager | None:
        """The spare kernel if it was made under ``key`` and is alive (else it is shut down)."""
        with cls.lock:
            spare, cls.current = cls.current, None
        if spare is None or spare.pid != os.getpid():  # a forked child never uses its parent's
            return None
        if spare.key == key and run_sync(spare.km.is_alive)():
            return spare.km
        spare.discard()
        return None

    def discard(self) -> None:
        """Shut the kernel down; where that cannot run (no event loop at interpreter exit),
        kill it and delete its folders directly."""
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - stopped the plain way below
            with contextlib.suppress(Exception):
                self.km.provisioner.process.kill()
            for folder in (self.km._runtime_dir, self.km._scratch_dir):
                if folder:
                    _remove_tree(folder)

    @classmethod
    def discard_current(cls) -> None:
        """Shut down this process's spare kernel (at exit)."""
        with cls.lock:
            spare, cls.current = cls.current, None
        if spare is not None and spare.pid == os.getpid():
            spare.discard()


atexit.register(_Spare.discard_current)  # pool workers end without atexit: see _Spare()


class KernelStuck(DeadKernelError):
    """The kernel kept running after an interrupt (a loop that ignores SIGINT)."""


class KernelStartError(RuntimeError):
    """The kernel could not start (nothing of the submission ran): the reason in one line.

    nbgrader logs it and grades nothing for that submission; ``course grade`` refuses the class.
    """


def _label(cell, index: int) -> str:
    return nbgrader_meta(cell).get("grade_id") or f"cell {index + 1}"


def trusted_sources(resources) -> dict[str, str]:
    """``grade_id -> source`` of the assignment's cells as the gradebook holds them.

    Code that runs in the grader's process (tests, set-up cells) is taken from here, never from
    the submitted notebook. Empty when there is no gradebook (``course check`` on a student's own
    notebook, where the grader is the student's own process).
    """
    info = (resources or {}).get("nbgrader", {})
    if not info.get("db_url"):
        return {}
    from nbgrader.api import Gradebook

    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_notebook(info["notebook"], info["assignment"])
        return {cell.name: cell.source for cell in notebook.source_cells}


def answer_functions(nb, trusted: dict[str, str]) -> list[str]:
    """The names of the functions the notebook's answer cells define (parsed, never run).

    With a gradebook, each answer cell is read as the gradebook holds it (the release's ``def``
    and docstring): a function the student adds to an answer cell is not a graded function,
    so the judge never binds it in the kernel to a test's callable (a test's
    ``reference_softmax`` stays in the grader however the student names a function).
    """
    from IPython.core.inputtransformer2 import TransformerManager

    names = []
    for cell in nb.cells:
        if not is_answer_cell(cell):
            continue
        source = trusted.get(nbgrader_meta(cell).get("grade_id"), "") if trusted else cell.source
        try:
            tree = ast.parse(TransformerManager().transform_cell(source))
        except (SyntaxError, ValueError):
            continue
        names += [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    return names


class ResilientExecute(Execute):
    """``Execute`` with tests judged in the grader, kernel restarts, output caps and a budget."""

    max_restarts = Integer(3, help="Kernel restarts tolerated in one notebook").tag(config=True)
    max_output_chars = Integer(
        100_000, help="Characters of output kept per student cell; the rest is dropped"
    ).tag(config=True)
    max_course_output_chars = Integer(
        2_000_000, help="Characters of output kept per cell of the course's own (figures)"
    ).tag(config=True)
    max_notebook_chars = Integer(
        20_000_000, help="Largest autograded notebook; student outputs are dropped beyond it"
    ).tag(config=True)
    seed_salt = Integer(
        -1, help="Salt of the hidden tests' seeded draws (course_kit.judge.salted_seeds); "
        "-1: fresh for every submission graded, so a hidden input seen once is never seen again"
    ).tag(config=True)
    grader_memory = Integer(
        GRADER_MEMORY, help="Bytes of data the grader's own process may map beyond what it held "
        "while it runs one test cell (the test and the grader functions the student's code calls "
        "back); 0: no bound"
    ).tag(config=True)
    cell_memory = Integer(
        4 * MAX_FRAME, help="Bytes of data the grader's own process may map beyond what it held "
        "while a cell runs in the kernel: a message arrives whole, however many parts of up to "
        "MAX_FRAME a kernel puts in it, so this bounds what one message can cost; 0: no bound"
    ).tag(config=True)
    submission_timeout = Float(
        float(SUBMISSION_TIMEOUT),
        help="Wall-clock seconds for the whole submission, restarts and replays included",
    ).tag(config=True)
    shutdown_kernel = Enum(
        ["graceful", "immediate"], default_value="immediate",
        help="How a notebook's kernel ends once its cells are run: killed at once (nothing of "
        "it is read after its last reply; a graceful shutdown made each submission wait about "
        "half a second) or asked to shut down",
    ).tag(config=True)
    prestart_kernel = Bool(
        True, help="Launch the next sandboxed kernel once this notebook's kernel is ready, so "
        "that the next notebook graded in this process finds its kernel booted"
    ).tag(config=True)

    def _working_folder(self) -> str | None:
        """A copy of the notebook's folder without its notebooks, the kernel's working folder:
        nbgrader's autograde writes the sanitized notebook, its test cells restored from the
        gradebook with their hidden tests, into the folder it then runs the kernel in. Made once
        per notebook (kernels restarted later start in it too); None without a folder."""
        path = self.resources.get("metadata", {}).get("path")
        if not (path and os.path.isdir(path)):
            return None
        if self._workdir is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="course-cwd-")
            shutil.copytree(path, self._workdir.name, symlinks=True, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        return self._workdir.name

    def start_new_kernel(self, **kwargs):
        """nbclient's, in :meth:`_working_folder`."""
        folder = None if "cwd" in kwargs else self._working_folder()
        if folder:
            kwargs["cwd"] = folder
        try:
            run_sync(super().async_start_new_kernel)(**kwargs)
        except RuntimeError as error:  # the sandbox refused (no bwrap, bad settings)
            raise KernelStartError(str(error).splitlines()[0]) from None

    def start_new_kernel_client(self):
        """nbclient's; a kernel that ends before it answers raises :class:`KernelStartError`
        with its reason (the sandboxed kernel's last line on stderr)."""
        km = self.km  # nbclient forgets it when the start fails
        try:
            return run_sync(super().async_start_new_kernel_client)()
        except (RuntimeError, TimeoutError) as error:
            explain = getattr(km, "start_problem", None)
            why = explain(str(error)) if explain else f"the kernel cannot start: {error}"
            raise KernelStartError(why) from None

    def create_kernel_manager(self):
        """nbclient's kernel manager, whose clients read bounded messages only; the spare
        kernel instead when one was launched under the same configuration."""
        km = super().create_kernel_manager()
        km.client_factory = LimitedAsyncClient
        if self._prestarting(km):
            spare = _Spare.take(self._spare_key(km))
            if spare is not None:
                spare.fill_scratch(self._working_folder())
                self.km = km = spare
        return km

    def _prestarting(self, km) -> bool:
        return self.prestart_kernel and isinstance(km, SandboxedKernelManager)

    def _kernel_arguments(self, km) -> list[str]:
        """The kernel's extra arguments as nbclient's ``start_new_kernel`` makes them."""
        args = list(self.extra_arguments)
        if (getattr(km, "ipykernel", False) and self.ipython_hist_file
                and not any(a.startswith("--HistoryManager.hist_file") for a in args)):
            args.append(f"--HistoryManager.hist_file={self.ipython_hist_file}")
        return args

    def _spare_key(self, km) -> str:
        """What a kernel is started by: manager class, kernel, arguments, their configuration."""
        names = sorted({cls.__name__ for cls in type(km).mro()} & set(self.config))
        return repr((type(km), km.kernel_name, self._kernel_arguments(km),
                     [(name, self.config[name]) for name in names]))

    def _launch_spare(self) -> None:
        """Launch the next kernel (unless one waits already); it boots on its own meanwhile.
        Called only where kernels are pre-started (:meth:`_prestarting`)."""
        if _Spare.current is not None and _Spare.current.pid == os.getpid():
            return
        km = self.kernel_manager_class(kernel_name=self.km.kernel_name, config=self.config)
        km.client_factory = LimitedAsyncClient
        try:
            run_sync(km.start_kernel)(extra_arguments=self._kernel_arguments(km))
        except Exception as error:  # noqa: BLE001 - the next notebook starts its own kernel
            self.log.warning("could not pre-start the next kernel: %s", error)
            with contextlib.suppress(Exception):
                run_sync(km.cleanup_resources)()
            return
        spare = _Spare(self._spare_key(km), km)
        with _Spare.lock:
            _Spare.current, old = spare, _Spare.current
        if old is not None and old.pid == os.getpid():
            old.discard()

    def process_message(self, msg, cell, cell_index):
        """Count every output message of the cell (binary buffers included); drop what passes
        the cell's cap, or the notebook's (which counts the output kept)."""
        if msg["msg_type"] in _COUNTED:
            size = len(json.dumps(msg["content"])) + sum(map(len, msg.get("buffers") or []))
            used = self._output_used.get(cell_index, 0) + size
            self._output_used[cell_index] = used
            limit = (self.max_course_output_chars if cell.metadata.get(COURSE_CELL_KEY)
                     else self.max_output_chars)
            beyond = (f"{limit:,} characters" if used > limit else
                      f"the notebook's {self.max_notebook_chars:,} characters"
                      if self._output_total + size > self.max_notebook_chars else None)
            if beyond:
                if cell_index not in self._capped:
                    self._capped.add(cell_index)
                    cell.outputs.append(nbformat.v4.new_output(
                        "stream", name="stdout", text=f"\n[output beyond {beyond} dropped]\n"))
                return None
            self._output_total += size
        return super().process_message(msg, cell, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        """Interrupt; if the kernel does not answer within the grace time, it is stuck."""
        await ensure_async(self.km.interrupt_kernel())
        deadline = time.monotonic() + INTERRUPT_GRACE
        while time.monotonic() < deadline:
            try:
                await ensure_async(self.kc.shell_channel.get_msg(timeout=0.2))
            except Empty:
                continue
            return {"content": {**self.error_on_timeout, "status": "error"}}
        raise KernelStuck("the kernel did not stop when interrupted")

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._hidden_begin, _ = hidden_test_delimiters(self.config)
        self._output_used: dict[int, int] = {}
        self._output_total = 0
        self._workdir: tempfile.TemporaryDirectory | None = None
        self._capped: set[int] = set()
        self._refused: list[str] = []
        trusted = trusted_sources(resources)
        self._diagnoses: dict[str, str] = {}
        self._changed: dict[str, None] = {}  # in-place changes, in order, each once
        judge = Judge(answer_functions(nb, trusted), cell_timeout=self.timeout or CELL_TIMEOUT,
                      explain=self._explain, watch=diagnostics.Recorded,
                      snapshot=diagnostics.snapshot,
                      salt=self.seed_salt if self.seed_salt >= 0 else secrets.randbits(62),
                      grader_memory=self.grader_memory)
        flags: list[str] = []
        broken: set[int] = set()
        started = time.monotonic()
        index = 0
        while index < len(self.nb.cells) and len(broken) <= self.max_restarts:
            booting = time.perf_counter()
            with self.setup_kernel():
                info = self.wait_for_reply(self.kc.kernel_info())
                PHASES["kernel start"] += time.perf_counter() - booting
                if self._prestarting(self.km):
                    with _phase("next kernel launch"):
                        self._launch_spare()
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                judge.link = KernelLink(self.km.get_connection_info(), run_sync(self.km.is_alive))
                try:
                    if broken:
                        self._replay_before(index, broken)
                    while index < len(self.nb.cells):
                        if time.monotonic() - started > self.submission_timeout:
                            break
                        lost = self._run_cell(judge, trusted, index, resources)
                        index += 1
                        if lost:
                            flags.append(f"{_label(self.nb.cells[index - 1], index - 1)}: "
                                         f"{lost}; the kernel was restarted")
                            broken.add(index - 1)
                            break
                except DeadKernelError as error:
                    cell = self.nb.cells[index]
                    why = ("did not stop when interrupted" if isinstance(error, KernelStuck)
                           else "died")
                    cell.outputs.append(nbformat.v4.new_output(
                        "error", ename="DeadKernelError",
                        evalue=f"the kernel {why} while running this cell; it was restarted",
                        traceback=[f"DeadKernelError: the kernel {why} while running this cell"]))
                    flags.append(f"kernel {why} in {_label(cell, index)}; restarted")
                    broken.add(index)
                    index += 1
                finally:
                    judge.link.close()
            if time.monotonic() - started > self.submission_timeout:
                if index < len(self.nb.cells):
                    first = _label(self.nb.cells[index], index)
                    flags.append(f"the submission used up its {self.submission_timeout:.0f} s; "
                                 f"cells from {first} on were not run")
                break
        if self._workdir is not None:
            self._workdir.cleanup()
        if len(broken) > self.max_restarts:
            flags.append("too many kernel restarts; the remaining cells were not run")
        self._mark_not_run(index)
        self.set_widgets_metadata()
        flags += self._refused + self._cell_flags()
        flags += [f"{message.partition(';')[0]} (flagged for a person; it costs only the tests "
                  "that check arguments are left unchanged)" for message in self._changed]
        self._cap_notebook(flags)
        self.nb.metadata.pop(DIAGNOSES_KEY, None)  # the grader's record only, never the student's
        if self._diagnoses:
            self.nb.metadata[DIAGNOSES_KEY] = self._diagnoses
        add_flags(self.nb, flags)
        return self.nb, self.resources

    def _run_cell(self, judge: Judge, trusted: dict[str, str], index: int, resources):
        """Run one cell where it belongs; returns why the kernel was lost, if it was."""
        cell = self.nb.cells[index]
        grade_id = nbgrader_meta(cell).get("grade_id", "")
        if is_test_cell(cell):
            source = trusted.get(grade_id, cell.source) if trusted else cell.source
            self._diagnosing = grade_id
            hidden = self._hidden_begin in source
            with _phase("judging"):
                outcome = judge.run_test(source, f"<test {grade_id}>", hidden=hidden)
            self._changed.update(dict.fromkeys(outcome.changed))
            cell.outputs = [nbformat.from_dict(o) for o in outcome.outputs]
            cell.execution_count = None
            if outcome.refused:
                self._refused.append(f"{_label(cell, index)}: the student's code asked the grader "
                                     f"for more than a test may use ({outcome.refused[0]})")
            return outcome.kernel_lost
        if is_setup_cell(cell):
            try:
                with _phase("judging"):
                    judge.run_setup(trusted.get(grade_id, cell.source) if trusted else cell.source)
            except Exception as error:  # noqa: BLE001 - reported; the tests will fail
                self.log.error("set-up cell %s failed in the grader: %s", grade_id, error)
        try:
            with _phase("cells"), memory_budget(self.cell_memory):
                self.preprocess_cell(cell, resources, index)
        except CellTimeoutError:  # the reply came, the end of the output never did
            why = (f"its output did not end within {self.iopub_timeout} s of its reply (a message "
                   "too large to read, or a flood)")
        except MemoryError:  # a message of many large parts, held whole before it is read
            why = "it sent the grader more than it reads from one cell (a message too large)"
        else:
            return None
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename="OutputUnfinished", evalue=why, traceback=[f"OutputUnfinished: {why}"]))
        return why

    def _explain(self, calls: list[Call]) -> str | None:
        """The first catalogued mistake that reproduces one of a failed test's calls."""
        for call in calls:
            result = diagnostics.Raised(*call.raised) if call.raised else call.result
            found = diagnostics.diagnose(call.name, call.args, call.kwargs, result,
                                         call.substitutes)
            if found:
                self._diagnoses[self._diagnosing] = found.key
                return found.message
        return None

    def _replay_before(self, index: int, broken: set[int]) -> None:
        """Rebuild the kernel's state: run again the non-test code cells before ``index``."""
        for i in range(index):
            cell = self.nb.cells[i]
            timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))
            if cell.cell_type != "code" or i in broken or is_test_cell(cell) or timed_out:
                continue
            with _phase("cells"):
                self.execute_cell(copy.deepcopy(cell), i, store_history=False)

    def _mark_not_run(self, index: int) -> None:
        """Test cells the run never reached score nothing, with the reason in the cell."""
        for cell in self.nb.cells[index:]:
            if is_test_cell(cell):
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename="NotRun", evalue="this test did not run: the submission used "
                    "up its time or its kernel restarts", traceback=["NotRun"])]

    def _cell_flags(self) -> list[str]:
        flags = []
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if any(o.get("ename") in ("CellTimeoutError", "TimeoutError") for o in errors):
                flags.append(f"{_label(cell, i)} timed out after {self.timeout} s")
            if any(o.get("ename") == "MemoryError" for o in errors):
                flags.append(f"{_label(cell, i)} hit the memory limit")
            if any(o.get("ename") == "ChannelError" for o in errors):
                flags.append(f"{_label(cell, i)}: the kernel answered the grader with something "
                             "it does not read (its end of the channel was replaced?)")
            if DROPPED in json.dumps(cell.get("outputs", [])):
                flags.append(f"{_label(cell, i)} sent a message with more values than the "
                             "grader reads; it was dropped")
            if i in self._capped and not cell.metadata.get(COURSE_CELL_KEY):
                flags.append(f"{_label(cell, i)} printed more than "
                             f"{self.max_output_chars:,} characters; output capped")
        return flags

    def _cap_notebook(self, flags: list[str]) -> None:
        """Drop the student cells' outputs, largest first, until the notebook fits its cap."""
        sizes = sorted(((len(json.dumps(c.get("outputs", []))), i)
                        for i, c in enumerate(self.nb.cells)
                        if c.cell_type == "code" and not is_test_cell(c)
                        and not c.metadata.get(COURSE_CELL_KEY)), reverse=True)
        total = len(json.dumps(self.nb))
        for size, i in sizes:
            if total <= self.max_notebook_chars:
                return
            self.nb.cells[i].outputs = []
            total -= size
            flags.append(f"{_label(self.nb.cells[i], i)}: outputs dropped (the notebook passed "
                         f"{self.max_notebook_chars:,} characters)")
