"""``course check NOTEBOOK``: a student's own check of a notebook, in seconds.

Runs only what the visible tests need — the set-up cells and the answer cells, in a fresh
kernel (not the demonstrations) — and then each visible test cell the way grading does: in this
process, calling the student's functions in the kernel (:mod:`course_kit.judge`). Prints, per
graded function, the visible tests passed, their points, the first failure's message and how
many hidden test cells will also judge it at grading time. Part of the student kit: it needs
neither nbgrader nor the reference.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import queue
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from course_kit.cells import (
    DESCRIPTION_PREFIX,
    answer_sources,
    fingerprint,
    function_of,
    is_answer_cell,
    is_hidden_placeholder,
    is_setup_cell,
    is_test_cell,
    nbgrader_meta,
)
from course_kit.check_kernel import Kernel
from course_kit.errors import CourseError, said
from course_kit.limits import CELL_TIMEOUT, SINGLE_THREADED
from course_kit.rules import judged_rules

#: The kit's table of mistakes' outcomes (``instructor_tools.visible_mistakes`` writes it).
TABLE_FILE = "visible_mistakes.json"
#: How close a student's outcome must be to a mistake's to name it (only ever compared when the
#: visible test failed, so a right answer is never named).
MATCH_RTOL, MATCH_ATOL = 1e-6, 1e-9
#: A written answer nobody wrote (nbgrader's stub in the release).
BLANK_ANSWER = "YOUR ANSWER HERE"


@dataclass
class FunctionCheck:
    function: str
    passed: int = 0
    failed: int = 0
    points: float = 0.0
    max_points: float = 0.0
    #: Points of this function's hidden tests (run at grading only) and what they check.
    hidden_points: float = 0.0
    hidden: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    #: The catalogued mistakes the failed visible tests reproduce: their fixes, in order.
    mistakes: list[str] = field(default_factory=list)
    #: Rules the answer cell breaks that cost its points at grading (``course_kit.rules``).
    warnings: list[str] = field(default_factory=list)
    #: What the answer cell does that a person looks at after grading (no points lost).
    flags: list[str] = field(default_factory=list)


@dataclass
class WrittenAnswer:
    """A written answer: a person grades it."""

    name: str
    points: float
    blank: bool


@dataclass
class CheckResult:
    functions: list[FunctionCheck]
    written: list[WrittenAnswer] = field(default_factory=list)


def load_table(nb) -> dict:
    """The kit's table of catalogued mistakes' outcomes for the assignment of ``nb`` (its answer
    cells' functions), or an empty one (``instructor_tools.visible_mistakes`` builds it)."""
    data = resources.files("course_kit").joinpath(TABLE_FILE)
    if not data.is_file():
        return {}
    functions = list(answer_sources(nb))
    tables = json.loads(data.read_text())
    return next((t for t in tables.values() if t.get("functions") == functions), {})


def named_mistake(known: list[dict], calls: list) -> str | None:
    """The fix of the first catalogued mistake whose outcomes on a failed test's calls are the
    student's (``known``: that test's table entries), or None."""
    from course_kit.outcomes import Raised, same_calls

    student = [(c.name, Raised(c.raised[0]) if c.raised else c.result) for c in calls]
    return next((entry["message"] for entry in known
                 if same_calls(entry["calls"], student, MATCH_RTOL, MATCH_ATOL)), None)


class Node(dict):
    """A notebook or a cell read as plain JSON, its keys also attributes (``cell.source``)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _cell(data: dict) -> Node:
    source = data.get("source", "")
    return Node(data, source="".join(source) if isinstance(source, list) else str(source),
                metadata=data.get("metadata") or {})


def _read(path: Path) -> Node:
    """The notebook at ``path`` (format 4), read as JSON without validating it (only what the
    check uses: cells, their type, source and metadata)."""
    if not path.is_file():
        raise CourseError(f"no notebook at '{path}': give the path of your .ipynb file")
    try:
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise ValueError("no list of cells")
        if data.get("nbformat") != 4 or not all(isinstance(c, dict) for c in data["cells"]):
            raise ValueError("not a notebook of format 4")
        return Node(data, cells=[_cell(c) for c in data["cells"]])
    except (ValueError, UnicodeDecodeError) as error:
        raise CourseError(f"cannot check '{path}': it is not a notebook ({error})") from None


def _reply(link, kernel: Kernel, msg_id: str, timeout: float, name: str) -> str | None:
    """Wait for the kernel to run cell ``msg_id`` (``name``: which cell, for the student); the
    error line if it failed. A cell still running after ``timeout`` seconds is interrupted."""
    from course_kit.judge import INTERRUPT_GRACE

    deadline = time.monotonic() + timeout
    interrupted = False
    while True:
        try:
            reply = link.client.get_shell_msg(timeout=0.2)
        except queue.Empty:
            if not kernel.is_alive():
                raise CourseError(kernel.lost(name)) from None
            if time.monotonic() > deadline + INTERRUPT_GRACE:
                raise CourseError(f"{name} ran longer than {timeout:.0f} s and did not stop "
                                  "when interrupted") from None
            if time.monotonic() > deadline and not interrupted:
                link.interrupt()
                interrupted = True
            continue
        kernel.answered = True
        if reply["parent_header"].get("msg_id") != msg_id:
            continue
        content = reply["content"]
        if interrupted:
            return f"TimeoutError: the cell did not finish within {timeout:.0f} s"
        if content["status"] == "error":
            return f"{content.get('ename')}: {content.get('evalue')}"
        return None


def has_hidden_part(cell) -> bool:
    """Whether hidden tests also run in this test cell at grading: the release keeps the author's
    ``# Hidden test: ...`` line, while nbgrader removes the hidden region itself."""
    return any(line.strip().startswith(DESCRIPTION_PREFIX) for line in cell.source.splitlines())


def _written(nb) -> list[WrittenAnswer]:
    """The notebook's written answers (graded by a person), blank ones marked."""
    return [WrittenAnswer(meta["grade_id"], float(meta.get("points", 0)),
                          c.source.strip() in ("", BLANK_ANSWER))
            for c in nb.cells if c.cell_type == "markdown"
            for meta in [nbgrader_meta(c)] if meta.get("grade") and meta.get("grade_id")]


def runs_in_kernel(cell, course_cells: set[str]) -> bool:
    """Whether grading's kernel runs ``cell`` for the tests: every code cell but the test cells
    (set-up, answers, the cells the student added or edited); the course's own demonstrations,
    unchanged (their fingerprint in the table), are skipped to save time."""
    if cell.cell_type != "code" or is_test_cell(cell):
        return False
    return bool(nbgrader_meta(cell)) or fingerprint(cell.source) not in course_cells


def check_notebook(path: Path, timeout: float = CELL_TIMEOUT, table: dict | None = None,
                   kernel: Kernel | None = None) -> CheckResult:
    """Run the notebook's code cells as grading does and its visible tests as grading does;
    summarise them per graded function (``table``: the kit's, by default; ``kernel``: one
    already started in the notebook's folder, else a new one).

    The kernel starts first; the cells before the first test are sent to it at once (it runs
    them in order, each on its own, as grading does), and the judge's imports and the rules run
    here while it boots and runs them. Each test waits for every cell above it."""
    nb = _read(path)
    functions = list(answer_sources(nb))
    if not functions:
        raise CourseError(f"'{path}' has no graded answer cells: is it a course assignment?")
    kernel = kernel or Kernel(path.parent.resolve())
    link = None
    try:
        from course_kit.judge import Judge, KernelLink

        link = KernelLink(kernel.info, kernel.is_alive)
        table = load_table(nb) if table is None else table
        course_cells = set(table.get("course_cells", ()))
        cells = [c for c in nb.cells if is_test_cell(c) or runs_in_kernel(c, course_cells)]
        first_test = next((i for i, c in enumerate(cells) if is_test_cell(c)), len(cells))
        pending = [(c, _execute(link, c)) for c in cells[:first_test]]
        checks = {name: FunctionCheck(name) for name in functions}
        judge = Judge(functions, cell_timeout=timeout)
        read = set().union(*(_read_names(c.source) for c in cells if is_test_cell(c)))
        for cell in nb.cells:
            if is_setup_cell(cell):
                judge.run_setup(_setup_for(cell.source, read))
            elif is_answer_cell(cell):
                check = checks[nbgrader_meta(cell)["grade_id"]]
                for rule in judged_rules(cell.source):
                    (check.warnings if rule.disqualifies else check.flags).append(rule.reason)
        judge.link = link
        for cell in cells[first_test:]:
            if not is_test_cell(cell):
                pending.append((cell, _execute(link, cell)))
                continue
            _finish(link, kernel, pending, checks, timeout)
            pending = []
            if _run_test(judge, cell, functions, checks, table.get("tests", {})):
                break
        _finish(link, kernel, pending, checks, timeout)
    finally:
        if link:
            link.close()
        kernel.stop()
    return CheckResult(list(checks.values()), _written(nb))


def _read_names(source: str) -> set[str]:
    """The names a test cell reads (none if it does not parse: the judge reports that)."""
    from course_kit.judge import read_names

    try:
        return read_names(ast.parse(source))
    except SyntaxError:
        return set()


def _setup_for(source: str, read: set[str]) -> str:
    """The statements of a set-up cell that the visible tests need in the judge: those that
    bind a name the tests ``read`` or bind nothing. The others (``import matplotlib.pyplot as
    plt``) serve only the notebook's cells, which run in the kernel, unchanged."""
    from course_kit.judge import assigned_names

    tree = ast.parse(source)
    tree.body = [s for s in tree.body if not assigned_names(s) or assigned_names(s) & read]
    return ast.unparse(tree)


def _execute(link, cell) -> str:
    """Send ``cell`` to the kernel (a failed cell does not stop the ones after it)."""
    return link.client.execute(cell.source, store_history=False, stop_on_error=False)


def _finish(link, kernel: Kernel, pending: list, checks: dict, timeout: float) -> None:
    """Wait for the cells sent; an answer cell that raised is its function's first message."""
    for cell, msg_id in pending:
        answer = is_answer_cell(cell)
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        name = (f"your answer cell {nbgrader_meta(cell)['grade_id']}" if answer
                else f"the cell that begins {first!r}")
        error = _reply(link, kernel, msg_id, timeout, name)
        if error and answer:
            checks[nbgrader_meta(cell)["grade_id"]].messages.append(f"your cell raised {error}")


def _run_test(judge, cell, functions: list[str], checks: dict, tests: dict) -> bool:
    """Run one test cell (a hidden one only counts); whether the kernel was lost."""
    meta = nbgrader_meta(cell)
    name = function_of(meta.get("grade_id", ""), functions)
    check = checks.setdefault(name, FunctionCheck(name))
    points = float(meta.get("points", 0))
    if has_hidden_part(cell):
        check.hidden_points += points
        check.hidden += [line.strip().removeprefix(DESCRIPTION_PREFIX).strip()
                         for line in cell.source.splitlines()
                         if line.strip().startswith(DESCRIPTION_PREFIX)]
        if is_hidden_placeholder(cell):
            return False
    outcome = judge.run_test(cell.source, f"<test {meta.get('grade_id')}>")
    for message in outcome.changed:
        if message not in check.flags:
            check.flags.append(message)
    # a cell that also holds hidden tests earns its points only at grading
    points = 0.0 if has_hidden_part(cell) else points
    check.max_points += points
    if outcome.passed:
        check.passed += 1
        check.points += points
    else:
        check.failed += 1
        check.messages.append(outcome.message)
        mistake = named_mistake(tests.get(meta.get("grade_id"), []), outcome.calls)
        if mistake and mistake not in check.mistakes:
            check.mistakes.append(mistake)
    return outcome.kernel_lost is not None


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def report(path: Path, result: CheckResult) -> str:
    """The plain-text report ``course check`` prints: a table per function, then what went
    wrong and the likely mistake, the rules, and the totals."""
    checks = result.functions
    rows = [("function", "visible tests", "visible points", "hidden tests at grading")]
    for c in checks:
        rows.append((c.function, f"{c.passed}/{c.passed + c.failed} passed",
                     f"{c.points:g}/{c.max_points:g}", _points(c.hidden_points)))
    for w in result.written:
        rows.append((w.name, "written answer", "-", f"graded by a person: {_points(w.points)}"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{path.name}: your visible tests now; hidden tests and written answers at grading"]
    lines += ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    for c in checks:
        if c.messages:
            lines += ["", f"{c.function}: {c.messages[0].splitlines()[0]}"]
            lines += [f"  Likely mistake: {m}" for m in c.mistakes]
    hidden = [c for c in checks if c.hidden]
    if hidden:
        lines += ["", "At grading, hidden tests also check:"]
        lines += [f"  {c.function} ({_points(c.hidden_points)}): "
                  + "; ".join(kind.rstrip(".") for kind in c.hidden) + "."
                  for c in hidden]
    lines += [""] + warning_lines(checks)
    lines += [f"warning: {w.name} is blank: write your answer before you hand in"
              for w in result.written if w.blank]
    earned, visible = sum(c.points for c in checks), sum(c.max_points for c in checks)
    hidden_total = sum(c.hidden_points for c in checks)
    written_total = sum(w.points for w in result.written)
    total = visible + hidden_total + written_total
    lines.append(f"Total so far: {earned:g}/{visible:g} visible points, of {total:g} in all "
                 f"(hidden tests: {hidden_total:g}, written answers: {written_total:g})")
    return "\n".join(line for i, line in enumerate(lines) if line or lines[i - 1])


def warning_lines(checks: list[FunctionCheck]) -> list[str]:
    """One line per answer cell that breaks a rule: disqualifying ones cost the function's
    points at grading, the others are flagged for a person and cost nothing."""
    return [
        *(f"warning: {c.function} {'; '.join(c.warnings)}: at grading this function earns no "
          "points" for c in checks if c.warnings),
        *(f"note: {c.function} {'; '.join(c.flags)}: a person will look at this after grading "
          "(no points lost)" for c in checks if c.flags),
    ]


def main(argv: list[str] | None = None, kernel: Kernel | None = None) -> int:
    """``course check NOTEBOOK`` (``kernel``: started for it by :mod:`course_kit.command`)."""
    parser = argparse.ArgumentParser(prog="course", description="Check a course notebook.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="run your notebook's visible tests")
    check.add_argument("notebook", type=Path)
    args = parser.parse_args(argv)
    for var, value in SINGLE_THREADED.items():  # this process's NumPy works on tiny arrays
        os.environ.setdefault(var, value)
    try:
        result = check_notebook(args.notebook, kernel=kernel)
    except CourseError as error:
        return said(error, "course")
    print(report(args.notebook, result))
    return 0 if all(c.failed == 0 and not c.warnings for c in result.functions) else 1


if __name__ == "__main__":
    sys.exit(main())
