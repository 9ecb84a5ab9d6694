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

Anyone can write into ``inbound/``, so collecting takes only what a student demonstrably made:
:class:`CheckedCollect` (the course's ``ExchangeFactory.collect``, for ``course collect``,
``nbgrader collect`` and the formgrader alike) refuses, with one line each, a submission folder
not owned by the Unix user it names, anything in it that is not a regular file of theirs with
one link (symlinks, hard links, FIFOs, devices), and a time that is in the future, before the
release, or earlier than its files were written; of the rest, each student's newest wins.
"""

from __future__ import annotations

import getpass
import logging
import os
import pwd
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import ignore_patterns, parse_utc

from course_kit.errors import CourseError

#: Where nbgrader's exchange classes log; ``course`` prints what matters itself.
LOG = logging.getLogger("course.exchange")
LOG.propagate = False
LOG.addHandler(logging.NullHandler())

#: The exchange root's mode: every user writes (nbgrader's layout), and the sticky bit, so that
#: no user renames or removes a folder of another's there, such as a course's.
ROOT_MODE = 0o1777
#: How far a submission's stated time may be off the exchange's clock (clock skew, slow copies).
SKEW = timedelta(minutes=5)


class Refused(Exception):
    """A submission folder that is not its student's own work, with the reason."""


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


class CheckedCollect(ExchangeCollect):
    """nbgrader's collect, taking only what each student made: see the module's docstring.

    The refused folders are in :attr:`refused` (one line each) and in nbgrader's log."""

    def init_src(self):
        """Choose each student's newest acceptable submission (nbgrader's ``init_src``, whose
        one unreadable name would stop the whole collection, redone with the checks)."""
        if not self.coursedir.course_id:
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not os.access(self.inbound_path, os.R_OK | os.X_OK):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.refused: list[str] = []
        released = self._released()
        newest: dict[str, dict] = {}
        pattern = f"{self.coursedir.student_id or '*'}+{self.coursedir.assignment_id}+*"
        for path in sorted(Path(self.inbound_path).glob(pattern)):
            try:
                record = self._checked(path, released)
            except Refused as why:
                self.refused.append(f"{path.name}: {why}")
                self.log.warning("refused %s: %s", path.name, why)
                continue
            best = newest.get(record["username"])
            if best is None or self._better(record["timestamp"], best["timestamp"]):
                newest[record["username"]] = record
        self.src_records = list(newest.values())

    def _better(self, new: datetime, old: datetime) -> bool:
        """Whether a submission at ``new`` replaces one at ``old`` (nbgrader's choice: the
        newest, or with ``before_duedate`` the newest before the due date if there is one)."""
        if self.duedate is None or not self.before_duedate:
            return new > old
        return (new <= self.duedate, new) > (old <= self.duedate, old)

    def _released(self) -> datetime | None:
        """When the assignment was first released, if it was: its outbound folder's time, which
        ``course release --exchange`` keeps from the first release (nbgrader's own
        ``release_assignment --force`` does not: submissions before it are then refused)."""
        outbound = Path(self.course_path) / "outbound" / self.coursedir.assignment_id
        return _utc(outbound.stat().st_mtime) if outbound.is_dir() else None

    def _checked(self, path: Path, released: datetime | None) -> dict:
        """nbgrader's record of the submission folder ``path``; Refused if not the student's."""
        try:
            record = self._path_to_record(str(path))
        except (ExchangeError, ValueError, OverflowError):
            raise Refused("its name is not <student>+<assignment>+<time>") from None
        student = record["username"]
        try:
            uid = pwd.getpwnam(student).pw_uid
        except KeyError:
            raise Refused(f"no Unix user is named {student}") from None
        stamps = _Stamp(path)
        newest, size = _walk(path, uid, stamps)
        if size > 1000 * self.coursedir.max_dir_size:
            raise Refused(f"it holds {size:,} bytes (CourseDirectory.max_dir_size)")
        if stamps.text is None:
            raise Refused("it has no timestamp.txt")
        try:
            written = parse_utc(stamps.text.strip())
        except (ValueError, OverflowError):
            raise Refused("its timestamp.txt holds no time") from None
        stated = record["timestamp"]
        if written != stated:
            raise Refused(f"its timestamp.txt ({written}) differs from its name ({stated})")
        now = _utc(datetime.now(UTC).timestamp())
        if stated > now + SKEW:
            raise Refused(f"its time {stated} is in the future")
        if released is not None and stated < released - SKEW:
            raise Refused(f"its time {stated} is before the release ({released:%Y-%m-%d %H:%M})")
        if stated < _utc(newest) - SKEW:
            raise Refused(f"its time {stated} is earlier than its files ({_utc(newest)})")
        return record

    def do_copy(self, src, dest, log=None):
        """Copy the checked folder ``src`` to ``dest`` without following any link, checking
        each file again as it is opened; nbgrader's ignore, include and size settings apply."""
        record = self._path_to_record(src)
        skip = ignore_patterns(
            exclude=self.coursedir.ignore,
            include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size,
            log=self.log,
        )
        latest = (record["timestamp"] + SKEW).timestamp()
        copier = _Copier(Path(src), Path(dest), skip, 1000 * self.coursedir.max_dir_size, latest)
        try:
            newest, _ = _walk(Path(src), pwd.getpwnam(record["username"]).pw_uid, copier)
            copier.unchanged(newest)
        except Refused as why:  # changed since it was checked: nothing of it is kept
            shutil.rmtree(dest, ignore_errors=True)
            self.refused.append(f"{Path(src).name}: {why} (while copying)")
            self.log.warning("refused %s: %s (while copying)", Path(src).name, why)


def _walk(top: Path, uid: int, visit) -> tuple[float, int]:
    """Check every entry under ``top`` (the folder itself included) without following links:
    folders and regular files owned by ``uid``, files with one link. Calls ``visit(folder,
    name, fd)`` with each file opened (O_NOFOLLOW, checked again on the open descriptor).
    Returns the newest status-change time (ctime, which no user can set back) and the bytes
    in all files."""
    try:
        info = os.lstat(top)
    except OSError as error:
        raise Refused(f"cannot read it ({error.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise Refused("it is not a folder (a link or a file)")
    if info.st_uid != uid:
        raise Refused(f"it belongs to {_owner(info.st_uid)}, not to the student it names")
    newest, size = info.st_ctime, 0
    for folder, dirs, files, dirfd in os.fwalk(top, follow_symlinks=False):
        for name in dirs:
            entry = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
            where = f"{os.path.relpath(folder, top)}/{name}".removeprefix("./")
            _own(entry, uid, where, folder_ok=True)
            newest = max(newest, entry.st_ctime)
        for name in files:
            where = f"{os.path.relpath(folder, top)}/{name}".removeprefix("./")
            _own(os.stat(name, dir_fd=dirfd, follow_symlinks=False), uid, where)
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
            try:
                fd = os.open(name, flags, dir_fd=dirfd)
            except OSError as error:
                raise Refused(f"cannot open {where} ({error.strerror})") from None
            try:
                entry = os.fstat(fd)
                _own(entry, uid, where)
                newest, size = max(newest, entry.st_ctime), size + entry.st_size
                visit(folder, name, fd)
            finally:
                os.close(fd)
    return newest, size


def _own(entry: os.stat_result, uid: int, where: str, folder_ok: bool = False) -> None:
    """Refused unless ``entry`` is a regular file (or a folder) of ``uid`` with one link."""
    kind = entry.st_mode
    if stat.S_ISLNK(kind):
        raise Refused(f"{where} is a symbolic link")
    if not (stat.S_ISREG(kind) or (folder_ok and stat.S_ISDIR(kind))):
        raise Refused(f"{where} is not a regular file (a FIFO, socket or device)")
    if entry.st_uid != uid:
        raise Refused(f"{where} belongs to {_owner(entry.st_uid)}")
    if stat.S_ISREG(kind) and entry.st_nlink != 1:
        raise Refused(f"{where} is a hard link ({entry.st_nlink} names)")


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class _Stamp:
    """``visit`` for :func:`_walk`: keeps the text of the ``timestamp.txt`` in ``top``."""

    def __init__(self, top: Path) -> None:
        self.top, self.text = str(top), None

    def __call__(self, folder: str, name: str, fd: int) -> None:
        if name == "timestamp.txt" and folder == self.top:
            self.text = os.read(fd, 1000).decode(errors="replace")


class _Copier:
    """``visit`` for :func:`_walk`: copy each opened file from ``src`` to ``dest`` unless
    nbgrader's ignore rules ``skip`` it (or the folder it is in), at most ``limit`` bytes, and
    only as it was at its stated time: nothing in it changed later than ``latest`` (a time in
    seconds; the check before the copy held the same, but a student may rewrite a file or
    swap the folder after it)."""

    def __init__(self, src: Path, dest: Path, skip, limit: int, latest: float) -> None:
        self.src, self.dest, self.skip, self.left, self.latest = src, dest, skip, limit, latest
        dest.mkdir(parents=True)

    def unchanged(self, changed: float) -> None:
        """Refused if something changed (status-change time ``changed``) after ``latest``."""
        if changed > self.latest:
            raise Refused(f"it changed at {_utc(changed)}, after its stated time")

    def visit(self, folder: str, name: str, fd: int) -> None:
        relative = Path(folder).relative_to(self.src)
        parts = [*relative.parts, name]
        for depth, part in enumerate(parts):
            if part in self.skip(str(self.src.joinpath(*parts[:depth])), [part]):
                return
        size = os.fstat(fd).st_size
        self.left -= size
        if self.left < 0:
            raise Refused("it is larger than CourseDirectory.max_dir_size")
        target = self.dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            while size > 0 and (chunk := os.read(fd, min(size, 1 << 20))):
                out.write(chunk)
                size -= len(chunk)
        self.unchanged(os.fstat(fd).st_ctime)  # not written to while it was copied

    __call__ = visit


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

    With ``create`` a missing root is made (mode 1777), as nbgrader's release does."""
    user = getpass.getuser()
    where = "set COURSE_EXCHANGE or c.Exchange.root in nbgrader_config.py to the exchange"
    fix = f"as root run 'mkdir -p {path} && chmod 1777 {path}', or {where}"
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
            f"as root run 'chmod 1777 {path}', or {where}"
        )
    mode = path.stat().st_mode
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        return (
            f"the exchange folder {path} (mode {mode & 0o7777:04o}) lets any user rename a "
            f"course's folder there and put their own in its place: as root run "
            f"'chmod 1777 {path}' (the sticky bit)"
        )
    return None


def _course_problem(app) -> str | None:
    """Why the course's folder in the exchange (or its inbound, outbound or feedback folder)
    is not to be trusted, or None: each must be a folder of this user or root (with
    ``groupshared``, of the folder's group when it is one of this user's), not a link. A
    student who made it first would serve their own release and read every submission."""
    course = Path(app.root) / app.coursedir.course_id
    mine = {os.getuid(), 0}
    for folder in (course, course / "inbound", course / "outbound", course / "feedback"):
        try:
            entry = os.lstat(folder)
        except FileNotFoundError:
            continue
        shared = app.coursedir.groupshared and entry.st_gid in os.getgroups()
        if stat.S_ISDIR(entry.st_mode) and (entry.st_uid in mine or shared):
            continue
        what = f"owned by {_owner(entry.st_uid)}" if stat.S_ISDIR(entry.st_mode) else "a link"
        return (
            f"the exchange's folder {folder} is {what}, not {getpass.getuser()}'s: a student "
            f"may have made it to catch the release and the submissions; as root move it away "
            f"and release again"
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

    problem = _root_problem(Path(app.root), create) or _course_problem(app)
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
    cfg = course_settings(root, db_url)
    app = _exchange("ReleaseAssignment", cfg, assignment, force=True)
    outbound = Path(app.root) / cfg.CourseDirectory.course_id / "outbound" / assignment
    first = outbound.stat().st_mtime if outbound.is_dir() else None
    _start(app, f"cannot release '{assignment}' to the exchange", create=True)
    if first is not None:  # a new release keeps the first one's time: what collect goes by
        os.utime(outbound, (first, first))
    return outbound


def collect(
    assignment: str, root: Path, db_url: str | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Copy each student's latest acceptable submission of ``assignment`` from the exchange into
    ``submitted/<student>/<a>/`` (nbgrader's ``collect --update`` with :class:`CheckedCollect`).
    Returns the students whose submission was new or newer, the refused folders (one line
    each, with the reason) and nbgrader's other warnings."""
    cfg = course_settings(root, db_url)
    cfg.ExchangeFactory.collect = CheckedCollect  # also when nbgrader_config.py names another
    app = _exchange("Collect", cfg, assignment, update=True)
    before = _stamps(app.coursedir, assignment)
    warnings = _start(app, f"cannot collect '{assignment}'")
    after = _stamps(app.coursedir, assignment)
    refused = [line for line in warnings if line.startswith("refused ")]
    others = [line for line in warnings if line not in refused]
    new = sorted(s for s, stamp in after.items() if before.get(s) != stamp)
    return new, refused, others


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
