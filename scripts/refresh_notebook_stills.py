"""Execute the self-learner notebooks and keep only the outputs of cells tagged ``still``.

Those cells show a static PNG of an explorer's starting state, so a notebook opened without a
live kernel (or on a web page) still shows meaningful figures. Every other output, the
execution counts and the saved widget state are removed.

    .venv/bin/python scripts/refresh_notebook_stills.py [notebooks/NAME.ipynb ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SELF_LEARNER = ("tuning", "scale", "batch_norm", "softmax")


def refresh(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "still" in cell.metadata.get("tags", []):
            cell.outputs = [o for o in cell.outputs if o.output_type == "execute_result"]
            for output in cell.outputs:
                output.data = {k: v for k, v in output.data.items()
                               if k in ("image/png", "text/plain")}
                output.execution_count = None
        else:
            cell.outputs = []
        cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return path.stat().st_size


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or [ROOT / "notebooks" / f"{n}.ipynb" for n in SELF_LEARNER]
    for path in paths:
        print(f"{path}: {refresh(path) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
