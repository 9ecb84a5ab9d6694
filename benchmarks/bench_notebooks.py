"""Each source notebook, executed top to bottom in a fresh kernel, against a 10-second budget.

The instructor's notebooks (``source/<a>/<a>.ipynb``, solutions and hidden tests included) run
in their own folder with nbclient, kernel start included, as ``Run All`` or a CI job would; the
ratio is the median time over the budget, so a ratio at most 1 means under 10 s.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks import Comparison

REPOSITORY = Path(__file__).resolve().parent.parent
BUDGET = 10.0


def execute(path: Path) -> float:
    """Seconds to start a kernel and run every cell of ``path``; raises if a cell fails."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return time.perf_counter() - started


def run(quick: bool = False) -> list[Comparison]:
    rows = []
    for path in sorted(REPOSITORY.glob("source/*/*.ipynb")):
        if path.stem != path.parent.name:
            continue
        times = [execute(path) for _ in range(1 if quick else 3)]
        rows.append(
            Comparison(
                f"run source/{path.parent.name} top to bottom",
                statistics.median(times),
                "budget",
                BUDGET,
                goal=1.0,
                note=f"median of {len(times)}, kernel start included",
            )
        )
    return rows
