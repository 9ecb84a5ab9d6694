"""The classroom exchange: ``course release A --exchange``, ``course collect A`` and ``course
feedback A --release`` through nbgrader's own exchange.

nbgrader's folder exchange is one directory every user of the machine (or of the hub's shared
volume) can write, ``Exchange.root`` (``/srv/nbgrader/exchange`` unless ``$COURSE_EXCHANGE`` or
the course's nbgrader_config.py says otherwise); each course has its folder there, named by its
``CourseDirectory.course_id``::

    <root>/<course_id>/outbound/<a>/      released assignments (0755: students fetch them)
    <root>/<course_id>/inbound/           submissions (0733 + setgid: students write, cannot list)
    <root>/<course_id>/feedback/<h>.html  returned feedback (0711: found only by name, and the
                                          name <h> is a hash of the submission's secret)

The students run nbgrader's own commands (``nbgrader fetch_assignment``, ``nbgrader submit``,
``nbgrader fetch_feedback``, or the Assignments tab of JupyterLab); the instructor's steps run
here through nbgrader's exchange classes with the course's configuration, so that whatever
nbgrader would refuse ends in one line saying what to do.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
from pathlib import Path

from course_kit.errors import CourseError

#: Where nbgrader's exchange classes log; ``course`` prints what matters itself.
LOG = logging.getLogger("course.exchange")
LOG.propagate = False
LOG.addHandler(logging.NullHandler())

#: The mode nbgrader wants for the exchange root.
ROOT_MODE = 0o777


class _Warnings(logging.Handler):
    """Keeps nbgrader's warnings (a submission owned by someone else, for one) to show them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(" ".join(record.getMessage().split()))


def course_settings(root: Path, db_url: str | None = None):
    """The course's nbgrader configuration as nbgrader reads it in ``root`` (its course id, its
    exchange root; see ``grader.config.course_config``), then ``db_url`` if given."""
    from grader.config import course_config

    return course_config(root, db_url)


def _root_problem(path: Path, create: bool) -> str | None:
    """Why ``path`` cannot serve as the exchange root for this user, or None.

    With ``create`` a missing root is made (mode 0777), as nbgrader's release does."""
    user = getpass.getuser()
    where = "set COURSE_EXCHANGE or c.Exchange.root in nbgrader_config.py to the exchange"
    fix = f"as root run 'mkdir -p {path} && chmod 0777 {path}', or {where}"
    if not path.exists() and create:
        try:
            path.mkdir(parents=True)
            path.chmod(ROOT_MODE)
        except PermissionError:
            return f"the exchange folder {path} does not exist and {user} cannot create it: {fix}"
    if not path.is_dir():
        return f"the exchange folder {path} does not exist: {fix}"
    if not os.access(path, os.W_OK | os.X_OK):
        mode = path.stat().st_mode & 0o7777
        return (
            f"the exchange folder {path} (mode {mode:04o}) is not writable for {user}: "
            f"as root run 'chmod 0777 {path}', or {where}"
        )
    return None


def _exchange(kind: str, cfg, assignment: str, **traits):
    """nbgrader's exchange class ``kind`` ("ReleaseAssignment", "Collect", "ReleaseFeedback")
    for ``assignment``, configured by ``cfg`` and logging to :data:`LOG`."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory

    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = assignment
    factory = ExchangeFactory(config=cfg)
    authenticator = Authenticator(config=cfg)
    app = getattr(factory, kind)(
        coursedir=coursedir, authenticator=authenticator, config=cfg, log=LOG, **traits
    )
    if not coursedir.course_id:
        raise CourseError(
            "no course id: set c.CourseDirectory.course_id in nbgrader_config.py (the exchange "
            "keeps each course in a folder of that name)"
        )
    return app


def _start(app, doing: str, create: bool = False) -> list[str]:
    """Run the exchange step ``app``; return nbgrader's warnings. Its refusals, and missing
    permissions on the way, become one line that starts with ``doing``."""
    from nbgrader.exchange import ExchangeError

    problem = _root_problem(Path(app.root), create)
    if problem:
        raise CourseError(problem)
    warnings = _Warnings()
    LOG.addHandler(warnings)
    try:
        app.start()
    except ExchangeError as error:
        raise CourseError(f"{doing}: {error}") from None
    except PermissionError as error:
        raise CourseError(
            f"{doing}: {getpass.getuser()} may not write or read {error.filename}: the exchange "
            f"and the course directory must be the instructor's, or shared with the course's "
            f"group (c.CourseDirectory.groupshared = True)"
        ) from None
    finally:
        LOG.removeHandler(warnings)
    return warnings.lines


def release(assignment: str, root: Path, db_url: str | None = None) -> Path:
    """Put ``release/<a>/`` into the exchange (nbgrader's ``release_assignment``, replacing an
    earlier release of it); return its folder there."""
    app = _exchange("ReleaseAssignment", course_settings(root, db_url), assignment, force=True)
    _start(app, f"cannot release '{assignment}' to the exchange", create=True)
    return Path(app.dest_path)


def collect(assignment: str, root: Path, db_url: str | None = None) -> tuple[list[str], list[str]]:
    """Copy each student's latest submission of ``assignment`` from the exchange into
    ``submitted/<student>/<a>/`` (nbgrader's ``collect --update``). Returns the students whose
    submission was new or newer, and nbgrader's warnings (a submission owned by someone other
    than the student it names, for one)."""
    cfg = course_settings(root, db_url)
    app = _exchange("Collect", cfg, assignment, update=True)
    before = _stamps(app.coursedir, assignment)
    warnings = _start(app, f"cannot collect '{assignment}'")
    after = _stamps(app.coursedir, assignment)
    return sorted(s for s, stamp in after.items() if before.get(s) != stamp), warnings


def _stamps(coursedir, assignment: str) -> dict[str, str]:
    """Each collected student's submission time (their ``timestamp.txt``)."""
    submitted = Path(coursedir.root) / coursedir.submitted_directory
    return {
        path.parent.parent.name: path.read_text().strip()
        for path in submitted.glob(f"*/{assignment}/timestamp.txt")
    }


def release_feedback(
    assignment: str, root: Path, db_url: str | None = None
) -> tuple[list[str], list[str]]:
    """Hand ``feedback/<student>/<a>/`` out through the exchange (nbgrader's
    ``release_feedback``). Returns the students whose feedback went out, and a note for each
    one left out.

    nbgrader names each page by a hash of the submission's secret (``submission_secret.txt``,
    written by ``nbgrader submit``), so only the student who holds that secret finds it. The
    secret is taken from ``submitted/`` when the feedback folder lacks it, provided the
    submission there is the one that was graded (same ``timestamp.txt``); feedback on a
    submission that did not come through the exchange cannot go back through it.
    """
    folders = sorted((root / "feedback").glob(f"*/{assignment}"))
    students = [folder.parent.name for folder in folders if any(folder.glob("*.html"))]
    if not students:
        raise CourseError(
            f"no feedback for '{assignment}' yet: run 'course feedback {assignment}' first"
        )
    notes = {s: note for s in students if (note := _carry_secret(root, s, assignment))}
    released = [s for s in students if s not in notes]
    cfg = course_settings(root, db_url)
    cfg.CourseDirectory.student_id_exclude = ",".join(notes)
    if released:
        app = _exchange("ReleaseFeedback", cfg, assignment)
        _start(app, f"cannot release feedback of '{assignment}'")
    return released, list(notes.values())


def _carry_secret(root: Path, student: str, assignment: str) -> str | None:
    """Put the submission's secret beside ``student``'s feedback; None, or why it cannot."""
    feedback = root / "feedback" / student / assignment
    submitted = root / "submitted" / student / assignment
    if (feedback / "submission_secret.txt").is_file():
        return None
    if not (submitted / "submission_secret.txt").is_file():
        return (
            f"{student}: not submitted through the exchange (no submission_secret.txt); give "
            f"feedback/{student}/{assignment}/ to them another way"
        )
    stamps = [folder / "timestamp.txt" for folder in (feedback, submitted)]
    graded, latest = (p.read_text().strip() if p.is_file() else None for p in stamps)
    if graded != latest:
        return (
            f"{student}: submitted again after grading; run 'course grade {assignment}' and "
            f"'course feedback {assignment} --release' again"
        )
    shutil.copyfile(submitted / "submission_secret.txt", feedback / "submission_secret.txt")
    return None
