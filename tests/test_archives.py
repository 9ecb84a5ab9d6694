"""Issue 18 (7): archives given to ``course grade A --submissions X.zip`` are unpacked within
limits checked before anything is written, names are plain relative paths, and a bad archive is
one line with nothing written outside."""

from __future__ import annotations

import shutil
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from grader.config import REPOSITORY
from instructor_tools import lms
from tests.support import course
from tests.tiny_course import ASSIGNMENT, make_course

NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def make_zip(path: Path, files: dict[str, bytes], kinds: dict[str, int] | None = None) -> Path:
    """A deflated zip of ``files``; ``kinds`` gives some entries a Unix file type (a link)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names made here
        for name, data in files.items():
            info = zipfile.ZipInfo(name.split("#")[0])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((kinds or {}).get(name, stat.S_IFREG) | 0o644) << 16
            archive.writestr(info, data)
    return path


def lying(path: Path, claimed: int) -> Path:
    """``path`` with every entry's uncompressed size in both headers replaced by ``claimed``."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            data[start + offset : start + offset + 4] = claimed.to_bytes(4, "little")
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


ZEROS = bytes(50_000_000)
BAD = {
    "bomb": ({"alice/tiny.ipynb": ZEROS}, None, "'alice/tiny.ipynb' unpacks 1028 times larger"),
    "wide bomb": (
        {f"s{i}/tiny.ipynb": bytes(999_999) for i in range(300)},
        None,
        "it unpacks to 299,999,700 bytes from",
    ),
    "dot-dot": ({"../evil.ipynb": NOTEBOOK}, None, "'../evil.ipynb' leads out of its folder"),
    "deep dot-dot": ({"a/../../evil.ipynb": NOTEBOOK}, None, "leads out of its folder"),
    "absolute": ({"/tmp/evil.ipynb": NOTEBOOK}, None, "'/tmp/evil.ipynb' is an absolute path"),
    "drive": ({"C:/evil.ipynb": NOTEBOOK}, None, "'C:/evil.ipynb' is an absolute path"),
    "backslash": ({"..\\evil.ipynb": NOTEBOOK}, None, "holds a backslash"),
    "symlink": (
        {"alice/tiny.ipynb": b"/course/source/tiny/tiny.ipynb"},
        {"alice/tiny.ipynb": stat.S_IFLNK},
        "'alice/tiny.ipynb' is a symbolic link",
    ),
    "fifo": ({"alice/tiny.ipynb": b""}, {"alice/tiny.ipynb": stat.S_IFIFO}, "not a regular file"),
    "duplicate": (
        {"alice/tiny.ipynb#1": NOTEBOOK, "alice/tiny.ipynb#2": NOTEBOOK},
        None,
        "'alice/tiny.ipynb' appears twice",
    ),
    "many": (
        {f"f{i}.ipynb": b"" for i in range(lms.MAX_ENTRIES + 1)},
        None,
        f"{lms.MAX_ENTRIES + 1} entries (at most {lms.MAX_ENTRIES})",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_archive_is_refused_before_anything_is_written(tmp_path, case):
    files, kinds, says = BAD[case]
    archive = make_zip(tmp_path / "class.zip", files, kinds)
    dest = tmp_path / "out" / "class"
    with pytest.raises(lms.Unsafe) as refused:
        lms.unzip(archive, dest, lms._Budget())
    assert says in str(refused.value)
    assert not dest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class.zip"]


def test_a_header_that_lies_about_the_size_is_caught_while_unpacking(tmp_path):
    archive = lying(make_zip(tmp_path / "class.zip", {"alice/tiny.ipynb": ZEROS}), 1000)
    with zipfile.ZipFile(archive) as opened:  # the central directory now passes every limit
        assert [i.file_size for i in opened.infolist()] == [1000]
    with pytest.raises(lms.Unsafe, match="'alice/tiny.ipynb' cannot be unpacked"):
        lms.unzip(archive, tmp_path / "out", lms._Budget())
    written = tmp_path / "out" / "alice" / "tiny.ipynb"
    assert written.stat().st_size <= 1000


def test_zips_inside_a_zip_share_one_budget_and_unpack_into_folders(tmp_path):
    inner = make_zip(tmp_path / "alice.zip", {"tiny.ipynb": NOTEBOOK}).read_bytes()
    archive = make_zip(tmp_path / "class.zip", {"alice.zip": inner, "bob/tiny.ipynb": NOTEBOOK})
    budget = lms._Budget()
    lms.unzip(archive, tmp_path / "out", budget)
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
                  if p.is_file()) == ["alice/tiny.ipynb", "bob/tiny.ipynb"]  # fmt: skip
    assert budget.entries == lms.MAX_ENTRIES - 3
    budget = lms._Budget(size=len(NOTEBOOK) + len(inner))  # the inner notebook is one too many
    with pytest.raises(lms.Unsafe, match="bytes unpacked in all"):
        lms.unzip(archive, tmp_path / "again", budget)



def test_names_that_clash_are_refused_in_one_line(tmp_path):
    """Red team: a file and a folder of one name, or a zip inside beside the folder it unpacks
    into, stopped the whole collection with a traceback (FileExistsError)."""
    inner = make_zip(tmp_path / "inner.zip", {"tiny.ipynb": NOTEBOOK}).read_bytes()
    clashes = {
        "file then folder": {"alice": NOTEBOOK, "alice/tiny.ipynb": NOTEBOOK},
        "zip beside its folder": {"alice/sub/x.txt": b"x", "alice/sub.zip": inner},
    }
    for case, files in clashes.items():
        archive = make_zip(tmp_path / f"{case}.zip", files)
        with pytest.raises(lms.Unsafe, match="clashes with another entry") as refused:
            lms.unzip(archive, tmp_path / case, lms._Budget())
        assert "\n" not in str(refused.value), case

@pytest.mark.e2e
@pytest.mark.parametrize("case", ["bomb", "dot-dot", "absolute", "symlink"])
def test_course_grade_refuses_a_bad_zip_in_one_line(tmp_path, case):
    root = make_course(tmp_path / "course")
    shutil.copyfile(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    files, kinds, says = BAD[case]
    archive = make_zip(tmp_path / "class.zip", files, kinds)
    before = sorted(tmp_path.rglob("*"))
    done = course("grade", ASSIGNMENT, "--submissions", str(archive), cwd=root)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"course: refused '{archive}': ") and says in done.stderr
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, inside or out


@pytest.mark.e2e
def test_in_a_folder_each_bad_archive_is_one_line_and_the_others_are_collected(tmp_path):
    root = make_course(tmp_path / "course")
    shutil.copyfile(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    notebook = (root / "release" / ASSIGNMENT / "tiny.ipynb").read_bytes()
    folder = tmp_path / "download"
    folder.mkdir()
    make_zip(folder / "good.zip", {"alice/tiny.ipynb": notebook})
    make_zip(folder / "bad.zip", {"../bob/tiny.ipynb": notebook})
    collected = lms.collect(ASSIGNMENT, folder, root)
    assert collected.students == ["alice"]
    assert collected.skipped == ["bad.zip: '../bob/tiny.ipynb' leads out of its folder"]
    assert not (root / "submitted" / "bob").exists()


@pytest.mark.e2e
def test_a_link_in_a_download_folder_is_not_followed(tmp_path):
    """Red team: a folder the instructor unpacked (``unzip`` restores a student's symbolic
    links) was copied following its links, so ``bob/tiny.ipynb -> the instructor's source``
    was collected, and graded, as bob's answer. A link is refused in one line, not followed."""
    root = make_course(tmp_path / "course")
    shutil.copyfile(REPOSITORY / "nbgrader_config.py", root / "nbgrader_config.py")
    notebook = (root / "release" / ASSIGNMENT / "tiny.ipynb").read_bytes()
    folder = tmp_path / "download"
    (folder / "alice").mkdir(parents=True)
    (folder / "bob").mkdir()
    (folder / "alice" / "tiny.ipynb").write_bytes(notebook)
    (folder / "bob" / "tiny.ipynb").symlink_to(root / "source" / ASSIGNMENT / "tiny.ipynb")
    (folder / "carol").symlink_to(root / "source" / ASSIGNMENT, target_is_directory=True)
    collected = lms.collect(ASSIGNMENT, folder, root)
    assert collected.students == ["alice"]
    assert "bob/tiny.ipynb: a symbolic link, not followed" in collected.skipped
    assert "carol: a symbolic link, not followed" in collected.skipped
    assert not (root / "submitted" / "bob").exists() and not (root / "submitted" / "carol").exists()
