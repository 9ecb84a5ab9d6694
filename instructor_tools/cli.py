"""The ``course`` command: init, new, release, roster, grade, feedback, report, export
(instructors) and check (students).

Every instructor subcommand drives nbgrader in the course directory: ``--course-dir DIR``, else
the nearest folder upwards from the working directory that holds ``nbgrader_config.py``, with
that file's settings read as nbgrader reads them (its gradebook ``db_url`` unless ``--db``).
A mistake a person can make ends in one line on stderr and exit code 2, never a traceback.

Why one module of about 550 lines: it is the parser and one short function per subcommand,
which share the argument checks and the one-line error handling; each subcommand imports its
machinery (nbgrader, the grader) only when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from course_kit import __version__
from course_kit.errors import CourseError, said
from grader.config import put_tools_on_path
from instructor_tools.export import FORMATS


def _console():
    from rich.console import Console

    # Student text (ids, file names, flags, messages) is shown as it is: no rich markup or
    # emoji codes are read from anything printed, so "[/]" or "[link=...]" is just text.
    # Piped output (logs, CI) gets a wide table instead of rich's 80 columns.
    return Console(
        highlight=False, markup=False, emoji=False, width=None if sys.stdout.isatty() else 160
    )


def _warn(prefix: str, lines: list[str]) -> None:
    """Print each of ``lines`` on stderr after ``prefix: ``."""
    for line in lines:
        print(f"{prefix}: {line}", file=sys.stderr)


def find_course_dir(start: Path) -> Path | None:
    """The nearest folder from ``start`` upwards that holds ``nbgrader_config.py``."""
    return next((d for d in [start, *start.parents] if (d / "nbgrader_config.py").is_file()), None)


def course_dir(given: Path | None) -> Path:
    """The course directory: ``given`` (which must exist) or the one found from here."""
    if given is not None:
        if not given.is_dir():
            raise CourseError(
                f"the course directory '{given}' is missing: pass the folder that holds "
                f"source/ and nbgrader_config.py"
            )
        return given.resolve()
    found = find_course_dir(Path.cwd())
    if found is None:
        raise CourseError(
            f"no nbgrader_config.py in {Path.cwd()} or any folder above: run course in your "
            f"course directory, or pass --course-dir DIR"
        )
    return found


def cmd_release(args) -> int:
    from instructor_tools import assignments

    names = [assignments.check_name(name, args.root) for name in args.assignments]
    names = names or assignments.discover(args.root) or assignments.none_found(args.root)
    bad = 0
    for name in names:
        problems = assignments.release(name, args.root, args.db)
        files = sorted(p.name for p in (args.root / "release" / name).iterdir())
        if problems:
            bad += 1
            _warn(name, problems)
        else:
            print(
                f"released {name} -> release/{name}/ ({', '.join(files)}; no solutions, "
                f"no hidden tests, ids unique)"
            )
            if args.exchange:
                release_to_exchange(name, args)
    return 1 if bad else 0


def release_to_exchange(name: str, args) -> None:
    from instructor_tools import exchange

    folder = exchange.release(name, args.root, args.db)
    course = folder.parent.parent.name
    print(
        f"  and to the exchange: {folder} (students: 'nbgrader fetch_assignment {name} "
        f"--course {course}', or JupyterLab's Assignments tab)"
    )


def cmd_collect(args) -> int:
    from grader.sanitize import printable
    from instructor_tools import assignments, exchange

    assignments.check_name(args.assignment, args.root)
    students, refused, warnings = exchange.collect(args.assignment, args.root, args.db)
    _warn("nbgrader", warnings)
    print(
        f"collected {len(students)} new or newer submissions of {args.assignment} into "
        f"submitted/: {printable(', '.join(students)) or 'none'}"
    )
    for line in refused:  # names a student chose: control and bidi characters shown as codes
        print(printable(line))
    for student in students:
        for note in assignments.unexpected_files(args.assignment, student, args.root):
            print(printable(f"{student}: {note}"))
    if students:
        print(f"next: course grade {args.assignment}")
    return 0


def cmd_init(args) -> int:
    from instructor_tools.scaffold import init_course

    course_id = init_course(args.folder, args.course_id)
    print(
        f"made the course directory {args.folder} (course id '{course_id}'): nbgrader_config.py, "
        f"source/, README.md; next: cd {args.folder} && course new NAME"
    )
    return 0


def cmd_new(args) -> int:
    from instructor_tools.scaffold import new_assignment

    path = new_assignment(args.name, args.root)
    print(f"created {path.relative_to(args.root)}: edit it, then run 'course release {args.name}'")
    return 0


def cmd_roster(args) -> int:
    from instructor_tools.lms import import_roster

    added, updated = import_roster(args.file, args.db, args.course_id)
    print(f"roster: {added} students added, {updated} updated")
    return 0


def write_grades_csv(assignment: str, root: Path, db_url: str | None) -> Path:
    """``reports/<a>-grades.csv``, rewritten from the gradebook as it is now."""
    from instructor_tools.gradetable import class_grades, write_csv

    path = root / "reports" / f"{assignment}-grades.csv"
    write_csv(path, *class_grades(assignment, root, db_url))
    return path


def cmd_export(args) -> int:
    from instructor_tools import assignments
    from instructor_tools.export import export

    assignments.check_name(args.assignment, args.root)
    out = args.out or args.root / "reports" / f"{args.assignment}-{args.format}.csv"
    export(args.assignment, args.db, out, args.format, args.canvas_id, args.course_id)
    report = write_grades_csv(args.assignment, args.root, args.db)
    print(f"{args.format}: {out}")
    print(f"grades by function: {report.relative_to(args.root)}")
    return 0


def grade_table(assignment: str, root: Path, db_url: str | None = None):
    """A rich table of students x graded functions, with totals, problems and flags."""
    from rich.table import Table
    from rich.text import Text

    from grader.sanitize import printable
    from instructor_tools.gradetable import class_grades

    columns, rows = class_grades(assignment, root, db_url)
    table = Table(title=f"{assignment}: grades", title_justify="left")
    table.add_column("student")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_column("total", justify="right", style="bold")
    table.add_column("notes")
    for row in rows:
        cells = []
        for column in columns:
            score, top = row.by_function.get(column, (0.0, 0.0))
            style = "green" if score >= top else ("red" if score == 0 else "yellow")
            cells.append(Text(f"{score:g}/{top:g}", style=style))
        late = [f"late penalty -{row.penalty:g}"] if row.penalty else []
        notes = "; ".join(([row.problem] if row.problem else []) + late + row.flags)
        if row.needs_manual:
            notes = "; ".join(filter(None, [notes, f"{row.needs_manual} to grade by hand"]))
        # Text, not str: a student's id or flag is never read as rich markup, on any console.
        total = f"{row.total:g}/{row.max_total:g}"
        table.add_row(Text(printable(row.student)), *cells, total, Text(printable(notes)))
    return table, columns, rows


def collect_submissions(args) -> None:
    """Copy ``--submissions`` into submitted/ and say what was skipped or misnamed."""
    from instructor_tools import assignments, lms

    collected = lms.collect(args.assignment, args.submissions, args.root, args.db)
    print(f"collected {len(collected.students)} submissions into submitted/")
    for line in collected.skipped:
        print(f"skipped {line}")
    for student in collected.students:
        for note in assignments.unexpected_files(args.assignment, student, args.root):
            print(f"{student}: {note}")
    if collected.late:
        print(
            f"Canvas marked late: {', '.join(collected.late)} (its file names carry no time; "
            f"nbgrader applies a late penalty from submitted/<student>/"
            f"{args.assignment}/timestamp.txt)"
        )


def cmd_grade(args) -> int:
    from instructor_tools import assignments

    assignments.check_name(args.assignment, args.root)  # at once, before the heavy imports
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from grader import classroom
    from grader.grading import COULD_NOT_GRADE, GradeSettings
    from grader.sanitize import printable
    from instructor_tools import assignments

    assignments.check_name(args.assignment, args.root)
    if args.submissions:
        collect_submissions(args)
    settings = GradeSettings(
        cell_timeout=args.timeout,
        memory_limit=args.memory_limit,
        sandbox=not args.unsafe_no_sandbox,
        grader_memory=args.grader_memory,
    )
    if os.geteuid() == 0:
        print(
            "course: warning: grading as root; student code is sandboxed, but grade as an "
            "ordinary user where you can",
            file=sys.stderr,
        )
    if settings.sandbox:
        from grader.sandbox import sandbox_status

        ok, why = sandbox_status()
        if not ok:
            raise CourseError(
                f"cannot sandbox student code: {why}; fix that, or pass "
                f"--unsafe-no-sandbox to run it with your own permissions"
            )
    console = _console()
    started = time.perf_counter()
    with Progress(
        TextColumn("grading {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(args.assignment, total=None, rate="")

        def advance(result, done: int, total: int) -> None:
            rate = done / (time.perf_counter() - started) * 60
            progress.update(task, completed=done, total=total, rate=f"{rate:.1f}/min")

        results, skipped = classroom.grade_class(
            args.assignment,
            args.root,
            workers=args.workers,
            scheduler=args.scheduler,
            settings=settings,
            force=args.force,
            students=args.students,
            on_result=advance,
            db_url=args.db,
        )
    elapsed = time.perf_counter() - started
    table, columns, rows = grade_table(args.assignment, args.root, args.db)
    console.print(table)
    csv_path = write_grades_csv(args.assignment, args.root, args.db)
    failed = [result for result in results if result.failed]
    summary = f"graded {len(results) - len(failed)} submissions in {elapsed:.1f} s"
    if skipped:
        summary += f"; {len(skipped)} already graded (unchanged), kept (--force regrades them)"
    console.print(summary)
    for result in failed:
        console.print(printable(f"not graded, due again on the next run: {result.student}: "
                                f"{result.problem}"), markup=False)
    could_not = [r for r in results if (r.problem or "").startswith(COULD_NOT_GRADE)]
    if could_not:
        console.print(f"{len(could_not)} could not be graded (recorded with no points and flagged; "
                      f"the others are graded): "
                      + printable("; ".join(f"{r.student}: {r.problem}" for r in could_not)),
                      markup=False)
    console.print(f"grades CSV: {csv_path.relative_to(args.root)}")
    return 1 if failed else 0


def cmd_feedback(args) -> int:
    from instructor_tools import assignments
    from instructor_tools.feedback_pages import generate_feedback

    assignments.check_name(args.assignment, args.root)
    pages = generate_feedback(args.assignment, args.root, args.db)
    for page in pages:
        print(f"feedback: {page.relative_to(args.root)}")
    if args.release:
        from instructor_tools import exchange

        released, notes = exchange.release_feedback(args.assignment, args.root, args.db)
        _warn("not released", notes)
        print(
            f"released feedback to the exchange for {len(released)} students: "
            f"{', '.join(released) or 'none'} (they run 'nbgrader fetch_feedback "
            f"{args.assignment}' or use the Assignments tab)"
        )
        return 1 if notes else 0
    return 0


def cmd_report(args) -> int:
    from rich.table import Table

    from grader.sanitize import printable
    from instructor_tools import assignments
    from instructor_tools.report import pass_rates, save_histogram

    assignments.check_name(args.assignment, args.root)
    table, columns, rows = grade_table(args.assignment, args.root, args.db)
    if not rows:
        raise CourseError(
            f"no grades for '{args.assignment}' yet: run 'course grade {args.assignment}' first"
        )
    console = _console()
    console.print(table)
    rates = Table(title="share of students with full points, per function", title_justify="left")
    rates.add_column("function")
    rates.add_column("full points", justify="right")
    for column, rate in pass_rates(columns, rows).items():
        rates.add_row(column, f"{rate:.0%}")
    console.print(rates)
    flagged = [r for r in rows if r.flags or r.problem]
    if flagged:
        integrity = Table(title="integrity and problems", title_justify="left")
        integrity.add_column("student")
        integrity.add_column("what was found")
        for row in flagged:
            notes = "; ".join(([row.problem] if row.problem else []) + row.flags)
            integrity.add_row(printable(row.student), printable(notes))
        console.print(integrity)
    else:
        console.print("integrity: no flags")
    _print_mistakes(console, rows)
    png = save_histogram(
        args.root / "reports" / f"{args.assignment}-scores.png", args.assignment, columns, rows
    )
    console.print(f"histogram: {png.relative_to(args.root)}")
    csv_path = write_grades_csv(args.assignment, args.root, args.db)
    console.print(f"grades CSV: {csv_path.relative_to(args.root)}")
    return 0


def _print_mistakes(console, rows) -> None:
    """The misconceptions the diagnostics named across the class, most common first (a student
    counts once per mistake however many tests it failed)."""
    from rich.table import Table

    from grader.diagnostics import summarise

    counted = summarise(key for row in rows for key in dict.fromkeys(row.mistakes))
    if not counted:
        return
    table = Table(title="common mistakes (students)", title_justify="left")
    for column in ("mistake", "students", "what the feedback says"):
        table.add_column(column)
    for key, message, count in counted:
        table.add_row(key, str(count), message)
    console.print(table)


def cmd_check(args) -> int:
    """The student kit's ``course check`` (one report, the same for students and instructors)."""
    from course_kit.check import check_notebook, report

    result = check_notebook(args.notebook)
    print(report(args.notebook, result))
    return 0 if all(c.failed == 0 and not c.warnings for c in result.functions) else 1


def cmd_kit(args) -> int:
    from instructor_tools import assignments
    from instructor_tools.kit import write_kit

    names = args.assignments or assignments.discover(args.root)
    for name in names:
        assignments.check_name(name, args.root)
        if not (args.root / "release" / name).is_dir():
            raise CourseError(f"'{name}' has no release yet: run 'course release {name}' first")
    kit = args.config.get("CourseKit", {})
    written = write_kit(args.root, args.out, names, title=kit.get("title") or args.course_id)
    for path in written:
        _console().print(f"wrote {path}")
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1; got '{text}'")
    return value


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose complaints are one line (the usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _command(sub, name: str, run, help: str, assignment: bool = False) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` that calls ``run(args)`` (with an ``assignment`` argument)."""
    p = sub.add_parser(name, help=help)
    if assignment:
        p.add_argument("assignment")
    p.set_defaults(run=run)
    return p


def parser() -> argparse.ArgumentParser:
    top = OneLineParser(
        prog="course",
        description="Release, grade and check an nbgrader course's assignments "
        "(nbgrader underneath; plain nbgrader commands keep working in the course directory).",
    )
    top.add_argument("--version", action="version", version=f"course {__version__}")
    top.add_argument(
        "--course-dir",
        "--root",
        dest="root",
        metavar="DIR",
        type=Path,
        default=Path(os.environ["COURSE_DIR"]) if os.environ.get("COURSE_DIR") else None,
        help="the course directory (default: the nearest folder upwards holding "
        "nbgrader_config.py)",
    )
    top.add_argument(
        "--db",
        default=os.environ.get("COURSE_DB"),
        help="the gradebook as a SQLAlchemy URL, e.g. postgresql+psycopg2://user@host/course "
        "(default: CourseDirectory.db_url in nbgrader_config.py, else "
        "sqlite:///<course dir>/gradebook.db)",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND")

    p = _command(sub, "init", cmd_init, "make a course directory: nbgrader_config.py, source/")
    p.add_argument("folder", type=Path)
    p.add_argument("--course-id", help="nbgrader's course id (default: the folder's name)")

    p = _command(sub, "new", cmd_new, "start an assignment: source/NAME/NAME.ipynb, laid out")
    p.add_argument("name")

    p = _command(sub, "release", cmd_release, "generate the student versions and check them")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help="default: every assignment in source/")
    p.add_argument("--exchange", action="store_true",
                   help="also release them to nbgrader's exchange, for students to fetch")

    p = sub.add_parser("roster", help="the students in the gradebook")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = _command(actions, "import", cmd_roster, "add or update the students of a CSV file")
    p.add_argument("file", type=Path, help="columns id, first, last, email (lms_user_id optional)")

    p = _command(sub, "grade", cmd_grade, "autograde every submission of an assignment",
                 assignment=True)
    p.add_argument("--submissions", type=Path, metavar="X",
                   help="first collect submissions from X: a folder of <student>.ipynb files or "
                   "<student>/ folders, a .zip, or a Canvas or Moodle bulk download")
    p.add_argument("--workers", type=_positive, default=None,
                   help="submissions graded at once (default: the number of cores)")
    p.add_argument("--scheduler", help="address of a Dask scheduler to grade on (tcp://host:8786)")
    p.add_argument("--timeout", type=_positive,
                   help="seconds per cell (default: Execute.timeout in nbgrader_config.py, "
                   "else 30)")
    p.add_argument("--memory-limit", type=_positive,
                   help="bytes of memory per kernel (default: SandboxedKernelManager.memory_limit "
                   "in nbgrader_config.py, else 2 GiB)")
    p.add_argument("--grader-memory", type=_positive,
                   help="bytes the grader itself may spend on one test of a submission (default: "
                   "ResilientExecute.grader_memory in nbgrader_config.py, else 256 MiB)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded")
    p.add_argument("--student", action="append", metavar="ID", dest="students",
                   help="grade (again) only this student; repeat for several")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run student code with your own permissions (only for trusted code)")

    _command(sub, "collect", cmd_collect,
             "copy the submissions in nbgrader's exchange to submitted/", assignment=True)

    p = _command(sub, "feedback", cmd_feedback,
                 "write feedback pages (hidden tests stay hidden)", assignment=True)
    p.add_argument("--release", action="store_true", help="then hand them out through "
                   "nbgrader's exchange (each student gets their own)")

    _command(sub, "report", cmd_report,
             "score distribution, pass rate per function, integrity flags", assignment=True)

    p = _command(sub, "export", cmd_export,
                 "the grades from the gradebook, for a spreadsheet or an LMS", assignment=True)
    p.add_argument("--format", choices=FORMATS, default="csv", help="csv (nbgrader's) or canvas")
    p.add_argument("--out", type=Path, help="default: reports/<assignment>-<format>.csv")
    p.add_argument("--canvas-id", help="the Canvas assignment's id, for the canvas column name")

    p = _command(sub, "kit", cmd_kit,
                 "what students receive: release notebooks, a wheel, a README")
    p.add_argument("out", type=Path, help="the folder to write the kit into")
    p.add_argument("assignments", nargs="*", help="default: every assignment")

    p = _command(sub, "check", cmd_check, "for students: run your notebook's visible tests")
    p.add_argument("notebook", type=Path)
    return top


def _load_course(args) -> None:
    """Find the course directory and read its configuration into ``args``: ``config``,
    ``course_id`` and ``db`` (``--db``, else the configuration's gradebook)."""
    from grader.config import course_config
    from grader.gradebook import check_url
    from instructor_tools import assignments

    args.root = course_dir(args.root)
    if getattr(args, "assignment", None):
        assignments.check_name(args.assignment, args.root)  # at once, before the heavy imports
    args.config = course_config(args.root, args.db)
    args.course_id = args.config.CourseDirectory.get("course_id", "")
    args.db = args.config.CourseDirectory.db_url
    check_url(args.db)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not getattr(args, "run", None):
        parser().print_help()
        return 0
    put_tools_on_path()
    try:
        if args.run in (cmd_check, cmd_init):
            return args.run(args)
        _load_course(args)
        from grader.gradebook import explained_errors

        with explained_errors(args.db):
            return args.run(args)
    except CourseError as error:
        return said(error, "course")
    except KeyboardInterrupt:
        print(
            "course: interrupted; run the same command again to finish (graded submissions "
            "are kept)",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
