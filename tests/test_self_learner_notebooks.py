"""The self-learner notebooks in notebooks/: they run top to bottom, read without a kernel, and
make a small app in Voilà (a landing page, one layout per topic, no bare reprs)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SELF_LEARNER = ("tuning", "scale", "batch_norm", "softmax")


def code_cells(name: str) -> list:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.kernel
@pytest.mark.parametrize(
    "path",
    [pytest.param(path, marks=[pytest.mark.slow] if path.stem == "experiments" else [])
     for path in sorted(NOTEBOOKS.glob("*.ipynb"))],
    ids=lambda p: p.name,
)
def test_notebook_runs_top_to_bottom(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    failed = [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(nb.cells)
              if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not failed, f"{path.name}: {'; '.join(failed)}"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_is_saved_with_its_outputs(path: Path):
    """Saved outputs make a notebook readable without a kernel (their size, and the absence of
    widget state and execution counts, are checked with every notebook's in
    test_notebook_files.py)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if cell.cell_type != "code" or cell.source.startswith("%matplotlib") or all(
                line.startswith(("import ", "from ")) for line in lines):
            continue  # the imports show nothing
        assert cell.outputs, f"{path.name}: {cell.source[:60]!r} was saved without its output"
        assert all(output.output_type != "error" for output in cell.outputs)


@pytest.mark.parametrize("name", SELF_LEARNER)
def test_explorer_cells_keep_their_lesson_stills_and_nothing_else_is_a_bare_repr(name: str):
    explorers = 0
    for cell in code_cells(name):
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        if re.fullmatch(r"\w+_explorer\(\)", cell.source.strip()):
            explorers += 1
            # the explorer displays itself (display_data), its stills and their alt text
            (result,) = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert "(run the notebook to move the sliders)" in result.data["text/plain"]
            still = Image.open(io.BytesIO(base64.b64decode(result.data["image/png"])))
            assert still.height > 1.5 * still.width / 2  # several lesson frames, stacked
            assert still.width == 780  # text at 12 px or more
            assert result.metadata["image/png"]["alt"].count(". ") >= 2  # says each lesson
        else:
            # a tuple or array repr reads badly in Voilà: plain cells print sentences
            assert not results, f"{name}: {cell.source[:60]!r} shows a bare repr"
    assert explorers >= 1
    # no separate still cell: the live explorer replaces its own stills when it runs
    assert not any("still" in c.metadata.get("tags", []) for c in code_cells(name))
    # the figures are images: no ipympl canvas (it trapped the keyboard's focus)
    assert not any("%matplotlib widget" in c.source for c in code_cells(name))


def links(cell_source: str) -> list[str]:
    return re.findall(r"\]\(([^)]+\.ipynb)\)", cell_source)


@pytest.mark.parametrize("name", SELF_LEARNER)
def test_every_topic_has_the_same_frame(name: str):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    others = {f"{n}.ipynb" for n in SELF_LEARNER if n != name}
    assert set(links(first.source)) == {"index.ipynb", "experiments.ipynb", *others}
    assert nb.cells[1].source.startswith("# ")  # then the title
    # every explorer is followed by a "Try it" before the next section
    sources = [c.source for c in nb.cells]
    for i, source in enumerate(sources):
        if re.fullmatch(r"\w+_explorer\(\)", source.strip()):
            assert sources[i + 1].startswith("> **Try it.**"), f"{name}: cell {i}"


def test_landing_page_links_every_topic_and_the_experiments():
    nb = nbformat.read(NOTEBOOKS / "index.ipynb", as_version=4)
    found = {link for cell in nb.cells if cell.cell_type == "markdown"
             for link in links(cell.source)}
    assert found == {f"{n}.ipynb" for n in (*SELF_LEARNER, "experiments")}
    assert all((NOTEBOOKS / link).exists() for link in found)


@pytest.mark.parametrize("name", SELF_LEARNER)
def test_notebook_text_avoids_the_lecture_notes_slips(name: str):
    text = (NOTEBOOKS / f"{name}.ipynb").read_text()
    for slip in ("np.exp(10", "10e-4", "Loffe"):
        assert slip not in text
