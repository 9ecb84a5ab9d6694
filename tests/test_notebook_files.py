"""Every notebook in the repository is small and tidy, and each source or self-learner
notebook has its text twin in text/, in sync (``scripts.tidy_notebooks``, ``jupytext.toml``)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from grader.config import REPOSITORY
from scripts.tidy_notebooks import (
    paired_notebooks,
    pre_save_hook,
    problems,
    tidy,
    tidy_all,
    twin_path,
)

NOTEBOOKS = sorted(
    [*REPOSITORY.glob("source/*/*.ipynb"), *REPOSITORY.glob("release/*/*.ipynb"),
     *REPOSITORY.glob("notebooks/*.ipynb")]
)
#: Graded notebooks are text and code; self-learner notebooks keep their figures, and the
#: experiments notebook its eight.
MAX_BYTES = {"notebooks/experiments.ipynb": 1_500_000}
MAX_SELF_LEARNER_BYTES = 500_000
MAX_GRADED_BYTES = 100_000


def relative(path: Path) -> str:
    return path.relative_to(REPOSITORY).as_posix()


def limit(path: Path) -> int:
    name = relative(path)
    return MAX_BYTES.get(name, MAX_SELF_LEARNER_BYTES if name.startswith("notebooks/")
                         else MAX_GRADED_BYTES)


def test_the_repository_has_every_kind_of_notebook():
    kinds = {relative(path).split("/")[0] for path in NOTEBOOKS}
    assert kinds == {"source", "release", "notebooks"}
    released = {p for p in NOTEBOOKS if relative(p).startswith("release/")}
    assert set(paired_notebooks()) == set(NOTEBOOKS) - released


@pytest.mark.parametrize("path", NOTEBOOKS, ids=relative)
def test_every_notebook_is_small(path: Path):
    assert path.stat().st_size < limit(path), f"{relative(path)}: {path.stat().st_size} bytes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=relative)
def test_every_notebook_is_saved_tidy(path: Path):
    nb = nbformat.read(path, as_version=4)
    before = json.dumps(nb, sort_keys=True)
    keep = relative(path).startswith("notebooks/")
    assert json.dumps(tidy(nb, keep_outputs=keep), sort_keys=True) == before, (
        f"{relative(path)} is not tidy: run .venv/bin/python -m scripts.tidy_notebooks")


def test_every_twin_is_in_sync():
    assert problems() == []


def copy_notebooks(root: Path) -> None:
    """The repository's paired notebooks and jupytext.toml, copied under ``root``."""
    for notebook in paired_notebooks():
        copy = root / notebook.relative_to(REPOSITORY)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(notebook.read_bytes())
    (root / "jupytext.toml").write_bytes((REPOSITORY / "jupytext.toml").read_bytes())


def test_tidying_strips_what_a_run_leaves_and_an_edit_shows_in_the_twin(tmp_path):
    """What the check finds, in a copy of the repository's notebooks run and edited."""
    copy_notebooks(tmp_path)
    written = set(tidy_all(tmp_path))  # the notebooks are tidy already: only their twins
    assert written == {twin_path(p, tmp_path) for p in paired_notebooks(tmp_path)}
    assert problems(tmp_path) == []

    source = tmp_path / "source" / "softmax" / "softmax.ipynb"
    nb = nbformat.read(source, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 7
    code.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    code.outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    code.source += "\n# an edit"
    nbformat.write(nb, source)
    (tmp_path / "text" / "notebooks" / "gone.py").write_text("# %%\n")
    found = problems(tmp_path)
    assert found == [
        "source/softmax/softmax.ipynb: not tidy (execution counts, run or tool metadata, "
        "widget state or, in source/, outputs)",
        "text/source/softmax/softmax.py: out of sync with source/softmax/softmax.ipynb (run "
        "jupytext --sync on the one you edited)",
        "text/notebooks/gone.py: a twin without its notebook",
    ]
    assert tidy_all(tmp_path) == [source, twin_path(source, tmp_path)]
    tidied = nbformat.read(source, as_version=4)
    code = next(c for c in tidied.cells if c.cell_type == "code")
    assert (code.execution_count, code.outputs, "execution" in code.metadata) == (None, [], False)
    assert "# an edit" in twin_path(source, tmp_path).read_text()


def test_a_notebook_saved_in_jupyterlab_is_tidy_and_its_twin_follows(tmp_path):
    """What `make lab` does on a save: jupytext's contents manager (as JupyterLab runs it) with
    the repository's pre-save hook, on a source notebook that was run and edited."""
    import asyncio
    import concurrent.futures

    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    copy_notebooks(tmp_path)
    tidy_all(tmp_path)
    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(
        root_dir=str(tmp_path), pre_save_hook=pre_save_hook)
    path = "source/softmax/softmax.ipynb"

    async def run_edit_and_save():
        model = await manager.get(path)
        code = next(c for c in model["content"].cells if c.cell_type == "code")
        code.source += "\n# edited in JupyterLab"
        code.execution_count = 3
        code.outputs = [nbformat.v4.new_output("stream", text="ran\n")]
        await manager.save(model, path)

    # a thread of its own: a browser test of the same session may leave an event loop running
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run_edit_and_save()).result()
    assert problems(tmp_path) == []  # tidy (no count, output or jupytext metadata), in sync
    assert "# edited in JupyterLab" in twin_path(tmp_path / path, tmp_path).read_text()
