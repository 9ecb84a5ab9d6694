"""Batch normalization allows higher learning rates (Ioffe & Szegedy 2015, section 3.3).

The network of ``bn_figure1`` (3 x 100 sigmoid units, mini-batches of 60, plain SGD), trained
for a fixed number of steps at every learning rate of a log grid (half-decade steps), with and
without batch norm from the same initialisation. A learning rate "works" when the final
validation accuracy, averaged over seeds, reaches ``TARGET``; the claim is that the range of
working rates is wider with batch norm, and extends to higher rates.
"""

from __future__ import annotations

import numpy as np

from course_lib.experiments._common import (
    COLORS,
    ExperimentResult,
    Figure,
    SummaryRow,
    child_seeds,
    new_figure,
)
from course_lib.experiments.bn_figure1 import TARGET, train_pair

NAME = "bn_learning_rates"


def working_range(rates: np.ndarray, accuracy: np.ndarray, target: float) -> tuple[float, float]:
    """The lowest and highest rate whose accuracy reaches ``target`` (nan, nan if none)."""
    ok = rates[accuracy >= target]
    return (float(ok.min()), float(ok.max())) if ok.size else (np.nan, np.nan)


def make_figure(n: dict) -> Figure:
    """Final validation accuracy vs learning rate, with and without BN."""
    fig, ax = new_figure(1, 1, width=6.0, height=3.9)
    for key, label, marker in (("plain", "without BN", "s"), ("bn", "with BN", "o")):
        acc = n[f"{key}_accuracy"]
        ax[0].plot(n["rates"], acc.mean(0), marker + "-", color=COLORS[key], label=label)
        if acc.shape[0] > 1:
            ax[0].fill_between(n["rates"], acc.min(0), acc.max(0), color=COLORS[key], alpha=0.15)
        lo, hi = n[f"{key}_range"]
        if np.isfinite(lo):
            y = 1.09 if key == "bn" else 1.05
            ax[0].plot([lo, hi], [y, y], "-|", color=COLORS[key], lw=3, ms=10,
                       label=f"{label}: working range")
    ax[0].axhline(TARGET, color="0.4", ls=":", lw=1, label=f"target {TARGET:.0%}")
    ax[0].set_xscale("log")
    ax[0].set(xlabel="learning rate (SGD)", ylabel="final validation accuracy", ylim=(0, 1.13),
              title=f"3x100 sigmoid net, {n['steps']} SGD steps, {n['n_seeds']} seed(s)")
    ax[0].legend(fontsize=8, loc="center left", bbox_to_anchor=(0.0, 0.45))
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Full: 8 rates 0.01..31.6, 1000 steps, 2 seeds; quick: 4 rates 0.01..10, 200 steps, 1 seed."""
    if quick:
        rates, steps, n_seeds = 10.0 ** np.arange(-2, 1.1, 1.0), 200, 1
    else:
        rates, steps, n_seeds = 10.0 ** np.arange(-2, 1.6, 0.5), 1000, 2
    seeds = [s % 2**31 for s in child_seeds(seed, n_seeds)]
    acc = {"plain": np.empty((n_seeds, rates.size)), "bn": np.empty((n_seeds, rates.size))}
    for i, s in enumerate(seeds):
        for j, rate in enumerate(rates):
            pair = train_pair(s, steps, steps, learning_rate=float(rate), record=False)
            for key in acc:
                acc[key][i, j] = pair[key][1].val_accuracy[-1]
    numbers: dict = {"rates": rates, "steps": steps, "n_seeds": n_seeds, "target": TARGET}
    for key in acc:
        numbers[f"{key}_accuracy"] = acc[key]
        numbers[f"{key}_range"] = working_range(rates, acc[key].mean(0), TARGET)
        numbers[f"{key}_n_working"] = int((acc[key].mean(0) >= TARGET).sum())

    def describe(key: str) -> str:
        lo, hi = numbers[f"{key}_range"]
        if not np.isfinite(lo):
            return "none"
        return f"{lo:.3g}-{hi:.3g} ({numbers[f'{key}_n_working']} of {rates.size} rates)"

    plain_hi, bn_hi = numbers["plain_range"][1], numbers["bn_range"][1]
    wider = numbers["bn_n_working"] > numbers["plain_n_working"]
    higher = np.isfinite(bn_hi) and not (np.isfinite(plain_hi) and plain_hi > bn_hi)
    rows = [SummaryRow(
        NAME, f"BN trains to {TARGET:.0%} validation accuracy over a wider range of learning "
        f"rates, reaching higher ones ({steps} SGD steps)",
        f"working rates without BN: {describe('plain')}; with BN: {describe('bn')}",
        bool(wider and higher),
    )]
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)
