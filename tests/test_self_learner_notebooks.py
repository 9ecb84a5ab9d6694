"""The self-learner notebooks in notebooks/: they run top to bottom, and read without a kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SELF_LEARNER = ("tuning", "scale", "batch_norm", "softmax")


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("name", SELF_LEARNER)
def test_notebook_has_saved_stills_and_is_small(name: str):
    path = NOTEBOOKS / f"{name}.ipynb"
    assert path.stat().st_size < 1_000_000
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    explorers = [c for c in code if "_explorer()" in c.source]
    stills = [c for c in code if "still" in c.metadata.get("tags", [])]
    assert explorers and len(stills) == len(explorers)
    for cell in stills:
        pngs = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert pngs, f"{name}: the still cell {cell.source!r} has no saved image"
    # only the stills keep outputs
    assert all(not c.outputs for c in code if c not in stills)
    assert code[0].source.startswith("%matplotlib widget")


@pytest.mark.parametrize("name", SELF_LEARNER)
def test_notebook_text_avoids_the_lecture_notes_slips(name: str):
    text = (NOTEBOOKS / f"{name}.ipynb").read_text()
    for slip in ("np.exp(10", "10e-4", "Loffe"):
        assert slip not in text
