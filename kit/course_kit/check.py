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
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_kit.cells import (
    DESCRIPTION_PREFIX,
    answer_sources,
    function_of,
    is_answer_cell,
    is_hidden_placeholder,
    is_setup_cell,
    is_test_cell,
    nbgrader_meta,
)
from course_kit.errors import CourseError, said
from course_kit.judge import Judge, KernelLink
from course_kit.limits import CELL_TIMEOUT
from course_kit.rules import violations


@dataclass
class FunctionCheck:
    function: str
    passed: int = 0
    failed: int = 0
    points: float = 0.0
    max_points: float = 0.0
    hidden: int = 0
    messages: list[str] = field(default_factory=list)
    #: Rules the answer cell breaks that grading penalises (``course_kit.rules``).
    warnings: list[str] = field(default_factory=list)


def _read(path: Path):
    if not path.is_file():
        raise CourseError(f"no notebook at '{path}': give the path of your .ipynb file")
    try:
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise ValueError("no list of cells")
        return nbformat.reads(json.dumps(data), as_version=4)
    except (ValueError, UnicodeDecodeError) as error:
        raise CourseError(f"cannot check '{path}': it is not a notebook ({error})") from None


def _run_in_kernel(client, source: str, timeout: float) -> str | None:
    """Execute ``source`` in the kernel; the error line if it failed."""
    reply = client.execute_interactive(source, timeout=timeout, store_history=False,
                                       output_hook=lambda msg: None)
    content = reply["content"]
    if content["status"] == "error":
        return f"{content.get('ename')}: {content.get('evalue')}"
    return None


def has_hidden_part(cell) -> bool:
    """Whether hidden tests also run in this test cell at grading: the release keeps the author's
    ``# Hidden test: ...`` line, while nbgrader removes the hidden region itself."""
    return any(line.strip().startswith(DESCRIPTION_PREFIX) for line in cell.source.splitlines())


def check_notebook(path: Path, timeout: float = CELL_TIMEOUT) -> list[FunctionCheck]:
    """Run the notebook's answers and visible tests; summarise them per graded function."""
    from jupyter_client.manager import KernelManager

    nb = _read(path)
    functions = list(answer_sources(nb))
    if not functions:
        raise CourseError(f"'{path}' has no graded answer cells: is it a course assignment?")
    checks = {name: FunctionCheck(name) for name in functions}
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(path.parent.resolve()), stderr=subprocess.DEVNULL,
                    extra_arguments=["--HistoryManager.hist_file=:memory:"])
    client = km.blocking_client()
    client.start_channels()
    judge = Judge(functions, cell_timeout=timeout)
    try:
        client.wait_for_ready(timeout=60)
        judge.link = KernelLink(km.get_connection_info(), km.is_alive)
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if is_setup_cell(cell):
                _run_in_kernel(client, cell.source, timeout)
                judge.run_setup(cell.source)
            elif is_answer_cell(cell):
                checks[meta["grade_id"]].warnings += violations(cell.source)
                error = _run_in_kernel(client, cell.source, timeout)
                if error:
                    checks[meta["grade_id"]].messages.append(f"your cell raised {error}")
            elif is_test_cell(cell):
                name = function_of(meta.get("grade_id", ""), functions)
                check = checks.setdefault(name, FunctionCheck(name))
                check.hidden += has_hidden_part(cell)
                if is_hidden_placeholder(cell):
                    continue
                outcome = judge.run_test(cell.source, f"<test {meta.get('grade_id')}>")
                # a cell that also holds hidden tests earns its points only at grading
                points = 0.0 if has_hidden_part(cell) else float(meta.get("points", 0))
                check.max_points += points
                if outcome.passed:
                    check.passed += 1
                    check.points += points
                else:
                    check.failed += 1
                    check.messages.append(outcome.message)
                if outcome.kernel_lost:
                    break
    finally:
        if judge.link:
            judge.link.close()
        client.stop_channels()
        km.shutdown_kernel(now=True)
    return list(checks.values())


def report(path: Path, checks: list[FunctionCheck]) -> str:
    """The plain-text table ``course check`` prints."""
    rows = [("function", "visible tests", "points", "hidden at grading", "first problem")]
    for c in checks:
        first = c.messages[0].splitlines()[0] if c.messages else ""
        rows.append((c.function, f"{c.passed}/{c.passed + c.failed} passed",
                     f"{c.points:g}/{c.max_points:g}", str(c.hidden), first))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{path.name}: visible tests"]
    lines += ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    return "\n".join(lines + warning_lines(checks))


def warning_lines(checks: list[FunctionCheck]) -> list[str]:
    """One line per answer cell that breaks a rule grading penalises."""
    return [f"warning: {c.function} {'; '.join(c.warnings)}: at grading this function earns no "
            "points" for c in checks if c.warnings]


def main(argv: list[str] | None = None) -> int:
    """The student kit's ``course`` command (``course check NOTEBOOK``)."""
    parser = argparse.ArgumentParser(prog="course", description="Check a course notebook.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="run your notebook's visible tests")
    check.add_argument("notebook", type=Path)
    args = parser.parse_args(argv)
    try:
        checks = check_notebook(args.notebook)
    except CourseError as error:
        return said(error, "course")
    print(report(args.notebook, checks))
    return 0 if all(c.failed == 0 and not c.warnings for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
