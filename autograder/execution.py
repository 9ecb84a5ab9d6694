"""nbgrader's ``Execute``, made to survive what students' code does to a kernel.

:class:`ResilientExecute` replaces ``Execute`` in the autograde pipeline (by configuration):

- a cell that runs longer than ``timeout`` is interrupted (nbgrader's own behaviour) and the rest
  of the notebook still runs; the timeout is flagged;
- a kernel that dies (``os._exit``, a segfault, the memory cap) is restarted; the cells before
  the one that killed it are run again, except tests and the killer itself, so later answers
  and tests still earn their points; the death is flagged;
- output beyond ``max_output_bytes`` per cell is dropped as it arrives (so megabytes of prints
  reach neither memory, the gradebook nor the feedback) and the cap is flagged;
- a ``MemoryError`` (the kernel's memory cap at work) is flagged.
"""

from __future__ import annotations

import copy

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Integer

from autograder.cells import is_test_cell, nbgrader_meta
from autograder.rebuild import add_flags


def _size(msg) -> int:
    content = msg.get("content", {})
    if "text" in content:
        return len(content["text"])
    data = content.get("data", {})
    return sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values()) + len(
        "".join(content.get("traceback", []))
    )


def _label(cell, index: int) -> str:
    return nbgrader_meta(cell).get("grade_id") or f"cell {index + 1}"


class ResilientExecute(Execute):
    """``Execute`` with kernel restarts, an output cap and flags for the grade report."""

    max_restarts = Integer(3, help="Kernel deaths tolerated in one notebook").tag(config=True)
    max_output_bytes = Integer(
        100_000, help="Characters of output kept per cell; the rest is dropped"
    ).tag(config=True)

    def output(self, outs, msg, display_id, cell_index):
        used = self._output_used.get(cell_index, 0)
        size = _size(msg)
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "error"):
            if used + size > self.max_output_bytes and msg["msg_type"] != "error":
                if cell_index not in self._capped:
                    self._capped.add(cell_index)
                    outs.append(
                        nbformat.v4.new_output(
                            "stream",
                            name="stdout",
                            text=f"\n[output beyond {self.max_output_bytes:,} characters "
                            "dropped]\n",
                        )
                    )
                return None
            self._output_used[cell_index] = used + size
        return super().output(outs, msg, display_id, cell_index)

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._output_used: dict[int, int] = {}
        self._capped: set[int] = set()
        flags: list[str] = []
        killers: set[int] = set()
        index = 0
        while index < len(self.nb.cells):
            with self.setup_kernel():
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                try:
                    if killers:
                        self._replay_before(index, killers, resources)
                    while index < len(self.nb.cells):
                        self.preprocess_cell(self.nb.cells[index], resources, index)
                        index += 1
                except DeadKernelError:
                    cell = self.nb.cells[index]
                    cell.outputs.append(
                        nbformat.v4.new_output(
                            "error",
                            ename="DeadKernelError",
                            evalue="the kernel died while running this cell; it was restarted",
                            traceback=["DeadKernelError: the kernel died while running this cell"],
                        )
                    )
                    flags.append(f"kernel died in {_label(cell, index)}; restarted")
                    killers.add(index)
                    index += 1
                    if len(killers) > self.max_restarts:
                        flags.append("too many kernel deaths; the remaining cells were not run")
                        break
        self.set_widgets_metadata()
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if any(o.get("ename") == "CellTimeoutError" for o in errors):
                flags.append(f"{_label(cell, i)} timed out after {self.timeout} s")
            if any(o.get("ename") == "MemoryError" for o in errors):
                flags.append(f"{_label(cell, i)} hit the memory limit")
            if i in self._capped:
                flags.append(
                    f"{_label(cell, i)} printed more than "
                    f"{self.max_output_bytes:,} characters; output capped"
                )
        add_flags(self.nb, flags)
        return self.nb, self.resources

    def _replay_before(self, index: int, killers: set[int], resources) -> None:
        """Rebuild the kernel's state: run again the non-test code cells before ``index``."""
        for i in range(index):
            cell = self.nb.cells[i]
            timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))
            if cell.cell_type != "code" or i in killers or is_test_cell(cell) or timed_out:
                continue
            replay = copy.deepcopy(cell)
            self.execute_cell(replay, i, store_history=False)
