"""The lecture's claims and two papers' results, reproduced on bundled, offline data.

Each experiment is a module with ``run(seed=0, quick=False) -> ExperimentResult``: its numbers,
a matplotlib ``figure`` and summary rows (claim, measured number, confirmed or not). Run them
through :func:`run` (which also pins BLAS to one thread: the networks are small, and two BLAS
threads competing with other work are many times slower), or from the shell::

    python -m course_lib.experiments NAME [--quick] [--seed N] [--out DIR]
    python -m course_lib.experiments all        # every figure and summary.md / summary.csv
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

from threadpoolctl import threadpool_limits

from course_lib.experiments._common import ExperimentResult, SummaryRow, reference_functions

EXPERIMENTS: dict[str, str] = {
    "random_vs_grid": "Random vs grid search (Bergstra & Bengio 2012, Figures 1, 5, 8)",
    "coarse_to_fine": "Coarse to fine vs flat random search at equal budget",
    "appropriate_scale": "Uniform vs log-uniform sampling of alpha; the 1/(1-beta) window",
    "bn_figure1": "Batch normalization, Ioffe & Szegedy Figure 1, on digits",
    "bn_learning_rates": "Batch normalization allows higher learning rates",
    "bn_batch_noise": "Batch normalization's mini-batch noise vs batch size",
    "softmax_vs_logistic": "Softmax regression with C = 2 is logistic regression",
    "panda_vs_caviar": "Panda vs caviar: sequential vs parallel training",
}
NAMES: tuple[str, ...] = tuple(EXPERIMENTS)

__all__ = ["EXPERIMENTS", "NAMES", "ExperimentResult", "SummaryRow", "reference_functions",
           "run", "run_all", "summary_markdown", "write_outputs"]


def run(name: str, seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Run one experiment by name; ``ValueError`` naming the choices for an unknown name."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of: {', '.join(NAMES)}, all")
    module = importlib.import_module(f"course_lib.experiments.{name}")
    with threadpool_limits(limits=1, user_api="blas"):
        result = module.run(seed=seed, quick=quick)
    if result.quick:
        mark_quick(result.figure)
    return result


#: What a quick run's figure and summary say: its numbers are not the full run's.
QUICK_LABEL = "QUICK RUN (--quick): fewer steps and seeds, not the full run's results"


def mark_quick(figure) -> None:
    """Say on ``figure``, in its title, that it comes from a quick run."""
    title = figure.get_suptitle()
    figure.suptitle(f"{title}\n{QUICK_LABEL}" if title else QUICK_LABEL, fontsize=12,
                    color="#b22222" if not title else "black")


def run_all(seed: int = 0, quick: bool = False) -> list[ExperimentResult]:
    """Every experiment in the listed order."""
    return [run(name, seed=seed, quick=quick) for name in NAMES]


def summary_markdown(results: list[ExperimentResult]) -> str:
    """One markdown table, a row per claim: experiment, claim, measured, confirmed."""
    lines = ["| experiment | claim | measured | confirmed |", "|---|---|---|---|"]
    if any(result.quick for result in results):
        lines.insert(0, f"**{QUICK_LABEL}**\n")
    for result in results:
        for row in result.rows:
            cells = (row.experiment, row.claim, row.measured, "yes" if row.confirmed else "no")
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write_outputs(results: list[ExperimentResult], out: str | Path, dpi: int = 100,
                  summary: bool = True) -> Path:
    """Save every figure as ``<name>.png`` and (``summary``) the rows as ``summary.md`` and
    ``summary.csv``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for result in results:
        result.figure.savefig(out / f"{result.name}.png", dpi=dpi)
    if not summary:
        return out
    (out / "summary.md").write_text(summary_markdown(results))
    with open(out / "summary.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["experiment", "claim", "measured", "confirmed"])
        for result in results:
            for row in result.rows:
                writer.writerow([row.experiment, row.claim, row.measured,
                                 "yes" if row.confirmed else "no"])
    return out
