"""Execute the self-learner notebooks and save their outputs, so they read without a kernel.

Every code cell keeps what it showed (printed numbers, figures). An explorer's cell keeps its
stills: the kernel runs with ``COURSE_EXPLORER_STILLS`` set, so each explorer adds to its
output a PNG of its lesson states (β = 0.9 / 0.99 / 0.999, γ and β undone, ...). The live
widget's part of the output is dropped (no widget state is saved): opened without a kernel
(nbconvert, a web page) the cell shows the stills; run in JupyterLab or Voilà, the live
explorer replaces them, so the two are never shown together. The notebook is saved tidy
(``scripts.tidy_notebooks``: no execution counts or run metadata).

    .venv/bin/python -m scripts.refresh_notebook_stills [notebooks/NAME.ipynb ...]

Without arguments: every notebook in notebooks/, experiments.ipynb included (its full runs
take several minutes of CPU).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_kit.explorers._view import STILLS_ENV
from scripts.tidy_notebooks import ROOT, tidy


def refresh(path: Path) -> int:
    """Run ``path`` top to bottom in a fresh kernel and save it with its outputs; its size."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={**os.environ, STILLS_ENV: "1"})
    nbformat.write(tidy(nb, keep_outputs=True), path)
    return path.stat().st_size


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path}: {refresh(path) / 1024:.0f} KiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
