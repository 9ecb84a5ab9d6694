"""What the exchange's collect accepts in a submission folder (``instructor_tools.exchange._walk``),
file by file, without other users: links anywhere inside, FIFOs, hard links, the owner.
``tests/test_exchange.py`` forges the same as real students, end to end."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from instructor_tools.exchange import Refused, _Copier, _Stamp, _walk


def submission(folder: Path) -> Path:
    (folder / "notes").mkdir(parents=True)
    (folder / "tiny.ipynb").write_text("{}")
    (folder / "notes" / "a.txt").write_text("a")
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
    return folder


@pytest.mark.parametrize(
    "make, says",
    [
        (lambda d, o: (d / "notes" / "b.txt").symlink_to(o), "notes/b.txt is a symbolic link"),
        (lambda d, o: (d / "linked").symlink_to(o.parent, True), "linked is a symbolic link"),
        (lambda d, o: os.mkfifo(d / "notes" / "pipe"), "notes/pipe is not a regular file"),
        (lambda d, o: os.link(o, d / "notes" / "c.txt"), "notes/c.txt is a hard link (2 names)"),
        (lambda d, o: os.link(d / "tiny.ipynb", d / "again"), "is a hard link (2 names)"),
    ],
)
def test_a_link_or_fifo_anywhere_inside_is_refused(tmp_path, make, says):
    folder = submission(tmp_path / "alice+tiny+2026-01-01 00:00:00.000000 UTC")
    other = tmp_path / "answers.ipynb"
    other.write_text("the reference")
    make(folder, other)
    with pytest.raises(Refused, match=re.escape(says)):
        _walk(folder, os.getuid(), _Stamp(folder))


def test_a_folder_of_someone_else_or_a_link_to_one_is_refused(tmp_path):
    folder = submission(tmp_path / "real")
    with pytest.raises(Refused, match="not to the student it names"):
        _walk(folder, os.getuid() + 1, _Stamp(folder))
    (tmp_path / "link").symlink_to(folder)
    with pytest.raises(Refused, match="it is not a folder"):
        _walk(tmp_path / "link", os.getuid(), _Stamp(folder))


def test_a_clean_folder_is_copied_with_nbgraders_ignore_rules(tmp_path):
    folder = submission(tmp_path / "sub")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "tiny-checkpoint.ipynb").write_text("{}")
    stamp = _Stamp(folder)
    newest, size = _walk(folder, os.getuid(), stamp)
    assert stamp.text == "2026-01-01 00:00:00.000000 UTC" and size == 2 + 1 + 30 + 2

    def skip(_folder, names):
        return [name for name in names if name.startswith(".")]

    copied = tmp_path / "copy"
    _walk(folder, os.getuid(), _Copier(folder, copied, skip, 10_000, newest))
    found = sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*") if p.is_file())
    assert found == ["notes/a.txt", "timestamp.txt", "tiny.ipynb"]
    with pytest.raises(Refused, match="max_dir_size"):
        _walk(folder, os.getuid(), _Copier(folder, tmp_path / "small", skip, 10, newest))


def test_a_folder_changed_after_it_was_checked_is_not_copied(tmp_path):
    """Red team: collect checks every folder first and copies later, so a student who sees the
    check (their file's access time) could rewrite their answer or swap their folder for a new
    one before the copy. The copy refuses anything changed after the stated time."""
    folder = submission(tmp_path / "sub")
    checked, _ = _walk(folder, os.getuid(), _Stamp(folder))

    def rewrite_during_copy(_folder, names):
        if names == ["a.txt"]:
            time.sleep(0.05)  # past the coarse clock's tick, so the write has a later ctime
            (folder / "notes" / "a.txt").write_text("rewritten after the deadline")
        return []

    late = _Copier(folder, tmp_path / "during", rewrite_during_copy, 10_000, checked + 0.02)
    with pytest.raises(Refused, match="after its stated time"):
        _walk(folder, os.getuid(), late)
    # A folder changed where no file is: it is checked after the copy.
    again = submission(tmp_path / "again")
    checked, _ = _walk(again, os.getuid(), _Stamp(again))
    time.sleep(0.05)
    (again / "notes" / "added later").mkdir()
    copier = _Copier(again, tmp_path / "after", lambda *_: [], 10_000, checked + 0.02)
    newest, _ = _walk(again, os.getuid(), copier)
    with pytest.raises(Refused, match="after its stated time"):
        copier.unchanged(newest)
    copier.unchanged(checked)  # as it was when checked: copied
