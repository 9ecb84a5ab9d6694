"""Keep the course's notebooks reviewable: tidy, small, each paired with a text twin.

Every source notebook (``source/<a>/<name>.ipynb``) and self-learner notebook
(``notebooks/<name>.ipynb``) has a twin in jupytext's percent format under ``text/``
(``text/source/<a>/<name>.py``, ``text/notebooks/<name>.py``), declared in ``jupytext.toml``:
diffs read like code, and ruff lints the twins. Release notebooks are nbgrader's output and
have none.

A tidy notebook has no execution counts, no per-run metadata (nbclient's timestamps, a cell's
collapsed or scrolled state, saved widget state, the filter jupytext records) and, in
``source/``, no outputs; self-learner notebooks keep their outputs (the explorers' stills: they
read without a kernel) but not the live widgets' part.

    .venv/bin/python -m scripts.tidy_notebooks          # tidy every notebook, rewrite its twin
    .venv/bin/python -m scripts.tidy_notebooks --check  # list what is untidy or out of sync

``make lab`` saves notebooks tidy: it runs JupyterLab with :func:`pre_save_hook`, and jupytext
(the dev extra) writes the twin beside every save.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path, PurePosixPath

import jupytext
import nbformat
from jupytext.config import load_jupytext_config

ROOT = Path(__file__).resolve().parent.parent
TEXT = "text"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Cell metadata a run or a view leaves behind (nbclient, JupyterLab, classic Notebook).
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
#: Notebook metadata of tools: saved widget state, the filter jupytext records on a save.
VOLATILE_METADATA = ("widgets", "jupytext")


def is_paired(relative: PurePosixPath) -> bool:
    """Whether the notebook at ``relative`` (to the repository) has a twin."""
    parts = relative.parts
    return relative.suffix == ".ipynb" and (
        (len(parts) == 3 and parts[0] == "source") or (len(parts) == 2 and parts[0] == "notebooks")
    )


def paired_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks that have a text twin: ``source/*/*.ipynb`` and ``notebooks/*.ipynb``."""
    return sorted([*root.glob("source/*/*.ipynb"), *root.glob("notebooks/*.ipynb")])


def twin_path(notebook: Path, root: Path = ROOT) -> Path:
    """``text/<the notebook's path>`` with ``.py``: where the notebook's text twin lives."""
    return root / TEXT / notebook.relative_to(root).with_suffix(".py")


def keeps_outputs(relative: PurePosixPath) -> bool:
    """Whether the notebook at ``relative`` keeps its outputs: self-learner notebooks do,
    source notebooks keep none."""
    return relative.parts[0] == "notebooks"


def tidy(nb: nbformat.NotebookNode, keep_outputs: bool) -> nbformat.NotebookNode:
    """``nb`` without execution counts, per-run metadata and widget state (changed in place)."""
    for key in VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        if not keep_outputs:
            cell.outputs = []
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = None
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def pre_save_hook(model: dict, path: str, **kwargs) -> None:
    """Jupyter's ``ContentsManager.pre_save_hook``: a paired notebook is saved tidy (``path``
    is relative to the server's root, the repository for ``make lab``)."""
    relative = PurePosixPath(path.lstrip("/"))
    if model.get("type") == "notebook" and is_paired(relative):
        nb = nbformat.from_dict(model["content"])
        model["content"] = tidy(nb, keeps_outputs(relative))


def twin_text(nb: nbformat.NotebookNode, notebook: Path) -> str:
    """The text twin of ``nb`` (read from ``notebook``), as jupytext writes it with the
    repository's ``jupytext.toml``."""
    return jupytext.writes(nb, fmt="py:percent", config=load_jupytext_config(str(notebook)))


def problems(root: Path = ROOT) -> list[str]:
    """One line for each notebook that is not tidy, each twin that is missing or out of date,
    and each twin whose notebook is gone (empty when all is well)."""
    found = []
    notebooks = paired_notebooks(root)
    for notebook in notebooks:
        nb = nbformat.read(notebook, as_version=4)
        name = PurePosixPath(notebook.relative_to(root).as_posix())
        before = json.dumps(nb, sort_keys=True)
        if json.dumps(tidy(nb, keeps_outputs(name)), sort_keys=True) != before:
            found.append(f"{name}: not tidy (execution counts, run or tool metadata, widget "
                         f"state or, in source/, outputs)")
        twin = twin_path(notebook, root)
        if not twin.is_file():
            found.append(f"{name}: no text twin at {twin.relative_to(root)}")
        elif twin.read_text() != twin_text(nb, notebook):
            found.append(f"{twin.relative_to(root)}: out of sync with {name} (run jupytext "
                         f"--sync on the one you edited)")
    twins = {twin_path(notebook, root) for notebook in notebooks}
    for orphan in sorted(set((root / TEXT).rglob("*.py")) - twins):
        found.append(f"{orphan.relative_to(root)}: a twin without its notebook")
    return found


def tidy_all(root: Path = ROOT) -> list[Path]:
    """Tidy every paired notebook and write its twin; return the files that changed."""
    changed = []
    for notebook in paired_notebooks(root):
        nb = nbformat.read(notebook, as_version=4)
        before = json.dumps(nb, sort_keys=True)
        tidy(nb, keeps_outputs(PurePosixPath(notebook.relative_to(root).as_posix())))
        if json.dumps(nb, sort_keys=True) != before:
            nbformat.write(nb, notebook)
            changed.append(notebook)
        twin, text = twin_path(notebook, root), twin_text(nb, notebook)
        if not twin.is_file() or twin.read_text() != text:
            twin.parent.mkdir(parents=True, exist_ok=True)
            twin.write_text(text)
            changed.append(twin)
    return changed


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        found = problems()
        print("\n".join(found) or "every notebook is tidy and in sync with its text twin")
        return 1 if found else 0
    if argv:
        print("usage: python -m scripts.tidy_notebooks [--check]", file=sys.stderr)
        return 2
    for path in tidy_all():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
