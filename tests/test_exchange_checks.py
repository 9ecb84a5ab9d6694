"""What the exchange's collect accepts in a submission folder (``instructor_tools.exchange._walk``),
file by file, without other users: links anywhere inside, FIFOs, hard links, the owner.
``tests/test_exchange.py`` forges the same as real students, end to end."""

from __future__ import annotations

import os
import re
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
    _walk(folder, os.getuid(), _Copier(folder, copied, skip, 10_000))
    found = sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*") if p.is_file())
    assert found == ["notes/a.txt", "timestamp.txt", "tiny.ipynb"]
    with pytest.raises(Refused, match="max_dir_size"):
        _walk(folder, os.getuid(), _Copier(folder, tmp_path / "small", skip, 10))
