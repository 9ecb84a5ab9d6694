"""Students and submissions from a learning-management system (LMS), a zip file or a folder.

**Roster.** ``course roster import FILE.csv`` adds (or updates) the students of a CSV file with the
columns ``id, first, last, email`` (``lms_user_id``, the LMS's own number for the student, is
optional) to nbgrader's gradebook, where the formgrader shows them.

**Submissions.** ``course grade A --submissions X`` hands ``X`` (a folder, a ``.zip``, or an LMS
bulk download) to nbgrader's ``zip_collect`` (:class:`ZipCollectApp`): it extracts the archives,
asks :class:`CourseCollector` whose each file is and which notebook it is, and copies it to
``submitted/<student>/<a>/``. The collector knows

- Canvas: ``<name>_<canvas id>_<submission id>_<file>`` (``<name>_late_<...>`` when late; a
  resubmitted file ends in ``-1``, ``-2``: ``problem1-1.ipynb``),
- Moodle: ``<Full Name>_<id>_assignsubmission_file_<file>`` (also as a folder
  ``<Full Name>_<id>_assignsubmission_file_/<file>``),
- plain layouts: ``<student>.ipynb`` (one-notebook assignments) and ``<student>/<file>`` (also
  nbgrader's ``<student>/<a>/<file>``),

and maps LMS names to student ids through the roster: the LMS number (``lms_user_id``) first,
then the name (Canvas writes ``lastfirst``, Moodle ``First Last``). Files it cannot place are
skipped with the reason; misnamed files are copied and named in the grade report.

**Archives.** Zip files (also zips inside zips, as LMSs nest them) are unpacked by
:class:`CheckedExtractor`, within limits checked on each archive's central directory before
anything is written and counted again while writing (a header can lie): :data:`MAX_ENTRIES`,
:data:`MAX_ENTRY_BYTES`, :data:`MAX_TOTAL_BYTES`, :data:`MAX_RATIO`, :data:`MAX_DEPTH`; each name
must be a plain relative path (no absolute path, no ``..``, no symbolic link, no duplicate).
An archive that breaks one is refused whole, in one line; nothing is written outside.
"""

from __future__ import annotations

import csv
import functools
import logging
import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from traitlets import List

from course_kit.errors import CourseError
from grader import gradebook
from instructor_tools import assignments

#: A student id as nbgrader takes one: a folder name (no '/', not hidden), no glob characters
#: (nbgrader matches ids as globs), no surrounding spaces (it strips them); spaces inside and
#: letters of any script are fine.
STUDENT_ID = re.compile(r"^(?![.\s])[^/\\*?\[\]\x00-\x1f]{1,64}(?<!\s)$")

CANVAS = re.compile(
    r"^(?P<name>[^_/]+?)(?P<late>_late)?_(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<file>.+)$",
    re.IGNORECASE,
)
MOODLE = re.compile(
    r"^(?P<name>[^/]+?)_(?P<lms_id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<file>.+)$"
)
#: Canvas's suffix on a resubmitted file's name: ``problem1-2.ipynb`` is the third upload.
RESUBMISSION = re.compile(r"^(?P<stem>.+)-\d+(?P<suffix>\.[^.]+)$")

#: Roster columns and the header names accepted for each (case, spaces and dashes ignored).
ROSTER_COLUMNS = {
    "id": ("id", "student_id", "username"),
    "first_name": ("first", "first_name", "given_name"),
    "last_name": ("last", "last_name", "family_name", "surname"),
    "email": ("email", "e_mail", "mail"),
    "lms_user_id": ("lms_user_id", "lms_id", "canvas_id", "moodle_id"),
}


def _header_key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def read_roster(path: Path) -> list[dict[str, str | None]]:
    """The students of the CSV file at ``path``, checked: one dict per row with the keys of
    ``ROSTER_COLUMNS`` (None where the file has no such column or the cell is empty)."""
    if not path.is_file():
        raise CourseError(f"no roster file at '{path}': give the path of a CSV file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CourseError(f"'{path}' is not a UTF-8 CSV file: save it as CSV (UTF-8)") from None
    reader = csv.reader(text.splitlines())
    header = [_header_key(name) for name in next(reader, [])]
    where = {
        key: next((header.index(a) for a in aliases if a in header), None)
        for key, aliases in ROSTER_COLUMNS.items()
    }
    if where["id"] is None:
        found = ", ".join(filter(None, header)) or "nothing"
        raise CourseError(
            f"'{path}' has no student id column (its header names {found}): the first line "
            f"must name the columns id, first, last, email"
        )
    students, seen = [], set()
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        entry = {
            key: (row[i].strip() or None) if i is not None and i < len(row) else None
            for key, i in where.items()
        }
        student = entry["id"] or ""
        if not STUDENT_ID.match(student):
            raise CourseError(
                f"'{path}' line {line}: '{student}' is not a usable student id (no '/', '*', "
                f"'?', '[', ']', nor a leading '.'): fix the file and import it again"
            )
        if student in seen:
            raise CourseError(f"'{path}' line {line}: student '{student}' appears twice")
        seen.add(student)
        students.append(entry)
    if not students:
        raise CourseError(f"'{path}' lists no students: one line per student after the header")
    return students


def import_roster(path: Path, url: str, course_id: str = "") -> tuple[int, int]:
    """Add or update the students of ``path`` in the gradebook at ``url`` (of the course
    ``course_id``): (added, updated).

    Nothing is written unless the whole file is valid.
    """
    students = read_roster(path)
    with gradebook.open_gradebook(url, course_id) as gb:
        known = {s.id for s in gb.students}
        for entry in students:
            details = {k: v for k, v in entry.items() if k != "id" and v is not None}
            gb.update_or_create_student(entry["id"], **details)
    added = sum(entry["id"] not in known for entry in students)
    return added, len(students) - added


@dataclass(frozen=True)
class Roster:
    """The gradebook's students, looked up the ways LMS downloads name them."""

    by_lms_id: dict[str, list[str]]
    by_name: dict[str, list[str]]

    @classmethod
    def load(cls, url: str, course_id: str = "") -> Roster:
        by_lms_id: dict[str, list[str]] = {}
        by_name: dict[str, list[str]] = {}
        path = gradebook.sqlite_path(url)
        if path is not None and not path.exists():
            return cls(by_lms_id, by_name)
        with gradebook.open_gradebook(url, course_id) as gb:
            for s in gb.students:
                if s.lms_user_id:
                    by_lms_id.setdefault(str(s.lms_user_id), []).append(s.id)
                first, last = s.first_name or "", s.last_name or ""
                for name in {_name_key(f"{first} {last}"), _name_key(f"{last}{first}")} - {""}:
                    by_name.setdefault(name, []).append(s.id)
        return cls(by_lms_id, by_name)

    def find(self, lms_id: str, name: str) -> str | None:
        """The one student with LMS number ``lms_id``, else the one named ``name``, else None."""
        for matches in (self.by_lms_id.get(lms_id, []), self.by_name.get(_name_key(name), [])):
            if len(set(matches)) == 1:
                return matches[0]
        return None


def _name_key(name: str) -> str:
    """A name as both LMSs may write it: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _without_wrappers(files: list[tuple[str, ...]], assignment: str) -> int:
    """How many leading folders every file shares that hold no student (``submissions/``)."""
    depth = 0
    while (
        all(len(parts) >= depth + 3 for parts in files)
        and len({parts[depth] for parts in files}) == 1
        and files[0][depth + 1] != assignment
    ):
        depth += 1
    return depth


class CourseCollector(FileNameCollectorPlugin):
    """nbgrader ``zip_collect`` plugin: whose file is it, and which of the assignment's files.

    For nbgrader's own command, configure ``c.ZipCollectApp.collector_plugin =
    "instructor_tools.lms.CourseCollector"``. Skipped files and their reasons are kept in
    :attr:`skipped`, the students placed in :attr:`students`, those Canvas marked late in
    :attr:`late`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.skipped: list[str] = []
        self.students: set[str] = set()
        self.late: set[str] = set()

    @functools.cached_property
    def _context(self):
        app = self.parent
        coursedir = app.coursedir
        assignment = coursedir.assignment_id
        root = Path(coursedir.root)
        extracted = Path(app._format_collect_path(app.extracted_directory))
        archive = Path(app._format_collect_path(app.archive_directory))
        archives = {  # each archive is extracted into a folder named after it
            path.relative_to(archive).with_name(_archive_stem(path.name)).as_posix()
            for path in archive.rglob("*")
            if path.is_file() and path.suffix in app.extractor_plugin_inst.zip_ext
        }
        files = [
            self._relative(p, extracted, archives) for p in extracted.rglob("*") if p.is_file()
        ]
        return {
            "assignment": assignment,
            "notebooks": assignments.notebooks(assignment, root),
            "extracted": extracted,
            "archives": archives,
            "depth": _without_wrappers([f for f in files if not _ignored(f)], assignment),
            "roster": Roster.load(coursedir.db_url, coursedir.course_id),
        }

    @staticmethod
    def _relative(path: Path, extracted: Path, archives: set[str]) -> tuple[str, ...]:
        parts = path.relative_to(extracted).parts
        for n in range(len(parts) - 1, 0, -1):
            if "/".join(parts[:n]) in archives:
                return parts[n:]
        return parts

    def collect(self, submitted_file: str) -> dict | None:
        """``{"student_id", "file_id"}`` for one extracted file, or None to skip it."""
        ctx = self._context
        parts = self._relative(Path(submitted_file), ctx["extracted"], ctx["archives"])
        if _ignored(parts):
            return None
        found = self._place(parts, ctx)
        if isinstance(found, str):
            self.skipped.append(f"{'/'.join(parts)}: {found}")
            return None
        self.students.add(found["student_id"])
        return found

    def _place(self, parts: tuple[str, ...], ctx) -> dict | str:
        """Where a file goes, or why it goes nowhere."""
        name = parts[-1]
        lms = CANVAS.match(name) or MOODLE.match((parts[-2] if len(parts) > 1 else "") + name)
        if lms:
            student = ctx["roster"].find(lms["lms_id"], lms["name"])
            if student is None:
                return (
                    f"no student in the roster with LMS number {lms['lms_id']} or name "
                    f"'{lms['name']}': add them with 'course roster import FILE.csv'"
                )
            if lms.groupdict().get("late"):
                self.late.add(student)
            return {"student_id": student, "file_id": self._file_id(lms["file"], ctx)}
        parts = parts[ctx["depth"] :]
        if len(parts) == 1:
            return self._flat(name, ctx)
        student, rest = parts[0], list(parts[1:])
        if len(rest) > 1 and rest[0] == ctx["assignment"]:
            rest = rest[1:]
        if not STUDENT_ID.match(student):
            return f"folder '{student}' is not a usable student id (no '*', '?', '[', ']')"
        return {"student_id": student, "file_id": "/".join(rest)}

    def _flat(self, name: str, ctx) -> dict | str:
        """A file beside the others: ``<student>.ipynb`` for a one-notebook assignment."""
        stem, suffix = name.rsplit(".", 1) if "." in name else (name, "")
        expected = ", ".join(f"{n}.ipynb" for n in ctx["notebooks"])
        if suffix != "ipynb":
            return f"not a notebook; expected <student>.ipynb or <student>/{expected}"
        if len(ctx["notebooks"]) > 1:
            return f"{ctx['assignment']} has several notebooks: put them in <student>/{expected}"
        if stem in ctx["notebooks"] or not STUDENT_ID.match(stem):
            return f"names no student: expected <student>.ipynb or <student>/{expected}"
        return {"student_id": stem, "file_id": f"{ctx['notebooks'][0]}.ipynb"}

    @staticmethod
    def _file_id(name: str, ctx) -> str:
        """The LMS's file name as the student uploaded it, without Canvas's resubmission suffix."""
        again = RESUBMISSION.match(name)
        if again and f"{again['stem']}.ipynb" in {f"{n}.ipynb" for n in ctx["notebooks"]}:
            return f"{again['stem']}{again['suffix']}"
        return name


#: At most this many entries in one archive, and in all of them together.
MAX_ENTRIES = 10_000
#: At most this many bytes in one unpacked file (nbgrader's own ``max_file_size``: 100 MB).
MAX_ENTRY_BYTES = 100_000_000
#: At most this many bytes unpacked from one ``--submissions`` (all its archives together).
MAX_TOTAL_BYTES = 2_000_000_000
#: At most this many bytes unpacked per byte stored, for an entry larger than 1 MB.
MAX_RATIO = 100
#: Zips inside zips are unpacked this many levels deep (an LMS download of students' zips: 2).
MAX_DEPTH = 3


class Unsafe(Exception):
    """An archive that breaks a limit or names a path outside its folder."""


@dataclass
class _Budget:
    """What is left to unpack, shared by every archive of one collection."""

    entries: int = MAX_ENTRIES
    size: int = MAX_TOTAL_BYTES

    def take(self, entries: int = 0, size: int = 0) -> None:
        self.entries -= entries
        self.size -= size
        if self.entries < 0:
            raise Unsafe(f"more than {MAX_ENTRIES} files in all")
        if self.size < 0:
            raise Unsafe(f"more than {MAX_TOTAL_BYTES:,} bytes unpacked in all")


def _plan(archive: zipfile.ZipFile, stored: int) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Each entry of ``archive`` (``stored`` bytes on disk) with its checked relative path;
    Unsafe names the first entry that breaks a rule (from the central directory, before
    anything is written)."""
    plan, seen, total = [], set(), 0
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise Unsafe(f"{len(entries)} entries (at most {MAX_ENTRIES})")
    for info in entries:
        name = info.filename
        path = PurePosixPath(name)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise Unsafe(f"'{name}' is an absolute path")
        if "\\" in name:
            raise Unsafe(f"'{name}' holds a backslash (a Windows path)")
        if ".." in path.parts or not path.parts:
            raise Unsafe(f"'{name}' leads out of its folder")
        if kind == stat.S_IFLNK:
            raise Unsafe(f"'{name}' is a symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise Unsafe(f"'{name}' is not a regular file")
        key = path.as_posix().lower()
        if key in seen:
            raise Unsafe(f"'{name}' appears twice")
        seen.add(key)
        if info.file_size > MAX_ENTRY_BYTES:
            raise Unsafe(
                f"'{name}' unpacks to {info.file_size:,} bytes (at most {MAX_ENTRY_BYTES:,})"
            )
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Unsafe(
                f"'{name}' unpacks {info.file_size // max(info.compress_size, 1)} times larger "
                f"than it is stored (at most {MAX_RATIO})"
            )
        total += info.file_size
        plan.append((info, path))
    if total > 1_000_000 and total > MAX_RATIO * stored:
        raise Unsafe(f"it unpacks to {total:,} bytes from {stored:,} (at most {MAX_RATIO} times)")
    return plan


def unzip(path: Path, dest: Path, budget: _Budget, depth: int = 1) -> None:
    """Unpack the zip file ``path`` into the new folder ``dest`` within the limits (see the
    module's docstring), zips inside it into folders named after them, up to :data:`MAX_DEPTH`.
    Unsafe says why not; what was written of it is then left for the caller to remove."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise Unsafe(f"not a readable zip file ({error})") from None
    with archive:
        plan = _plan(archive, path.stat().st_size)
        budget.take(entries=len(plan), size=sum(info.file_size for info, _ in plan))
        dest.mkdir(parents=True, exist_ok=False)
        for info, name in plan:
            target = dest.joinpath(*name.parts)
            try:
                _unpack(archive, info, target, budget, depth)
            except OSError as error:  # a file where a folder goes, a zip beside its folder
                raise Unsafe(
                    f"'{info.filename}' clashes with another entry ({error.strerror})"
                ) from None


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget, depth) -> None:
    """Write one entry of ``archive`` at ``target``; a zip in it into its folder."""
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    _stream(archive, info, target)
    if target.suffix == ".zip" and depth < MAX_DEPTH:
        unzip(target, target.with_name(_archive_stem(target.name)), budget, depth + 1)
        target.unlink()


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Write one entry, stopping as soon as it gives more than its header said."""
    left = info.file_size
    try:
        with archive.open(info) as source, open(target, "xb") as out:
            while chunk := source.read(1 << 20):
                left -= len(chunk)
                if left < 0:
                    raise Unsafe(f"'{info.filename}' unpacks to more than its header says")
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise Unsafe(f"'{info.filename}' cannot be unpacked ({error})") from None


class CheckedExtractor(ExtractorPlugin):
    """nbgrader ``zip_collect``'s extractor, unpacking zips with :func:`unzip`: a bad archive
    is refused whole (one line in :attr:`refused` and nbgrader's log) and the others go on.
    Other files are copied as they are; a symbolic link (a student's, restored by the tool that
    unpacked a download folder) is refused, never followed."""

    zip_ext = List([".zip"], help="Archives to unpack (zip only).").tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        self.refused: list[str] = []
        budget, top = _Budget(), Path(archive_path)
        for folder, dirs, files in os.walk(top):
            to = Path(extracted_path) / Path(folder).relative_to(top)
            to.mkdir(parents=True, exist_ok=True)
            for name in [*dirs, *files]:
                source = Path(folder) / name
                if source.is_symlink():
                    why = "a symbolic link, not followed"
                    self.refused.append(f"{source.relative_to(top)}: {why}")
                    self.log.error("refused %s: %s", source.relative_to(top), why)
            for name in files:
                source = Path(folder) / name
                if source.is_symlink():
                    continue
                if source.suffix not in self.zip_ext:
                    shutil.copy(source, to / name)
                    continue
                dest = to / _archive_stem(name)
                try:
                    unzip(source, dest, budget)
                except Unsafe as why:
                    shutil.rmtree(dest, ignore_errors=True)
                    self.refused.append(f"{source.relative_to(top)}: {why}")
                    self.log.error("refused %s: %s", source.relative_to(top), why)


def _archive_stem(name: str) -> str:
    """The folder nbgrader extracts an archive into: its name without ``.zip``/``.tar.gz``."""
    stem = Path(name).stem
    return stem[: -len(".tar")] if stem.endswith(".tar") else stem


def _ignored(parts: tuple[str, ...]) -> bool:
    """Files every archive tool leaves behind: ``__MACOSX/``, ``.DS_Store``, dot folders."""
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


@dataclass
class Collected:
    """What ``collect`` copied to ``submitted/``: the students, the files skipped (one line
    each, with the reason) and the students Canvas marked late."""

    students: list[str]
    skipped: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)


def collect(assignment: str, source: Path, root: Path, db_url: str | None = None) -> Collected:
    """Copy the submissions in ``source`` (folder, zip or LMS download) to ``submitted/`` with
    nbgrader's ``zip_collect`` and :class:`CourseCollector`; a student's earlier files for
    ``assignment`` are replaced."""
    from nbgrader.apps.zipcollectapp import ZipCollectApp
    from nbgrader.coursedir import CourseDirectory

    if not source.exists():
        raise CourseError(
            f"'{source}' does not exist: pass a folder, a .zip file or an LMS bulk download"
        )
    if source.is_file() and not zipfile.is_zipfile(source):
        raise CourseError(
            f"'{source}' is neither a folder nor a zip file: pass a folder of <student>.ipynb "
            f"files, a .zip file or an LMS bulk download"
        )
    with tempfile.TemporaryDirectory(prefix="course-collect-") as tmp:
        archive = Path(tmp) / assignment / "archive"
        if source.is_dir():
            shutil.copytree(source, archive, symlinks=True)  # links kept as links, refused
        else:
            archive.mkdir(parents=True)
            shutil.copyfile(source, archive / f"{_archive_stem(source.name)}.zip")
        cfg = assignments.configured(root, db_url)
        cfg.ZipCollectApp.collect_directory_structure = f"{tmp}/{{assignment_id}}/{{collect_step}}"
        cfg.ZipCollectApp.collector_plugin = CourseCollector
        cfg.ZipCollectApp.extractor_plugin = CheckedExtractor
        cfg.ZipCollectApp.force = True
        cfg.ExtractorPlugin.force = True
        app = ZipCollectApp(config=cfg)
        app.coursedir = CourseDirectory(parent=app)
        app.coursedir.assignment_id = assignment
        errors, handlers = _ErrorLog(logging.ERROR), app.log.handlers
        app.log.handlers = [errors]  # nbgrader's reasons become one line, not log output
        try:
            app.init_plugins()
            app.extract_archive_files()
            app.process_extracted_files()
        except SystemExit:
            raise CourseError(f"nbgrader zip_collect stopped: {errors.last}") from None
        finally:
            app.log.handlers = handlers
        plugin, refused = app.collector_plugin_inst, app.extractor_plugin_inst.refused
    if source.is_file() and refused:
        raise CourseError(f"refused '{source}': {refused[0].split(': ', 1)[1]}")
    skipped = [*refused, *plugin.skipped]
    if not plugin.students:
        reasons = "; ".join(skipped[:3]) or "it holds no files"
        raise CourseError(f"no submissions found in '{source}' ({reasons})")
    return Collected(sorted(plugin.students), skipped, sorted(plugin.late))


class _ErrorLog(logging.Handler):
    """Keeps the last error nbgrader logged (it logs the reason, then exits)."""

    last = "no reason given"

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage().splitlines()[0]
