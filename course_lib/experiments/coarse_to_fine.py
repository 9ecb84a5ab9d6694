"""Coarse to fine vs flat random search at equal total budget.

The lecture: after a random search, zoom in on the region of the best points and sample it more
densely. Here ``coarse_to_fine`` (rounds of ``n_points`` random points, each box ``shrink``
times the last, centred on the best point so far) is compared with ``random_search`` over the
whole box with the same number of trials. The objective is a synthetic validation-error surface
over (log10 learning rate, log10 (1 - beta)) in [-4, 0] x [-3, -1]:

    error(u) = floor - max_k depth_k * exp(-1/2 * sum_i ((u_i - c_ki) / w_ki)**2) + noise,

with noise ~ N(0, 0.003**2) per evaluation, as retraining would give. Two surfaces: one basin,
and two basins where a broad, shallow one can lure the zoom away from a narrow, deeper one.
Each seed moves the basins.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from course_lib.experiments._common import (
    COLORS,
    ExperimentResult,
    Figure,
    SummaryRow,
    child_rngs,
    new_figure,
)
from course_lib.tuning import coarse_to_fine, random_search, random_search_points

NAME = "coarse_to_fine"
LOW = np.array([-4.0, -3.0])
HIGH = np.array([0.0, -1.0])
NOISE = 0.003


class Surface:
    """A validation-error surface with Gaussian basins (centres (k, 2), widths (k, 2), depths)."""

    def __init__(self, centres, widths, depths, rng: np.random.Generator, floor: float = 0.6):
        self.centres, self.widths = np.asarray(centres), np.asarray(widths)
        self.depths, self.floor, self.rng = np.asarray(depths), floor, rng

    def mean(self, u: np.ndarray) -> np.ndarray:
        """The noise-free error at points ``u`` (..., 2)."""
        u = np.asarray(u)[..., None, :]
        wells = np.exp(-0.5 * (((u - self.centres) / self.widths) ** 2).sum(-1))
        return self.floor - (self.depths * wells).max(-1)

    def __call__(self, u: np.ndarray) -> float:
        return float(self.mean(u) + NOISE * self.rng.standard_normal())


def make_surface(kind: str, rng: np.random.Generator) -> Surface:
    """``"one basin"``: a basin 0.3 x 0.2 decades wide at a random place, floor 0.6 - 0.57.
    ``"two basins"``: plus a broad (1.2 x 0.8) shallower basin (depth 0.5) elsewhere."""
    span = HIGH - LOW
    centres = LOW + span * rng.uniform(0.1, 0.9, size=(2, 2))
    if kind == "one basin":
        return Surface(centres[:1], [[0.3, 0.2]], [0.57], rng)
    return Surface(centres, [[0.3, 0.2], [1.2, 0.8]], [0.57, 0.5], rng)


def best_so_far_curves(kind: str, n_seeds: int, n_points: int, n_rounds: int, shrink: float,
                       rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Best observed error after each trial, (n_seeds, budget), for both searches."""
    budget = n_points * n_rounds
    curves = {"c2f": np.empty((n_seeds, budget)), "flat": np.empty((n_seeds, budget))}
    example_boxes = None
    for i in range(n_seeds):
        surface = make_surface(kind, rng)
        scores: list[float] = []

        def recorded(u, surface=surface, scores=scores):
            scores.append(surface(u))
            return scores[-1]

        best, _, boxes = coarse_to_fine(recorded, LOW, HIGH, n_points, n_rounds, shrink, rng)
        curves["c2f"][i] = np.minimum.accumulate(scores)
        _, _, history = random_search(
            surface, lambda r: random_search_points(LOW, HIGH, 1, r)[0], budget, rng
        )
        curves["flat"][i] = np.minimum.accumulate([score for _, score in history])
        if example_boxes is None:
            example_boxes, example_surface, example_best = boxes, surface, best
    return {"curves": curves, "example_boxes": example_boxes, "example_surface": example_surface,
            "example_best": example_best}


def make_figure(n: dict) -> Figure:
    """Best error vs trials for both surfaces, and the boxes of one coarse-to-fine run."""
    fig, ax = new_figure(2, 2, width=4.4, height=3.4,
                         title="Coarse to fine vs flat random search, equal budget",
                         mosaic=[["one", "two"], ["trap", "trap"]])
    trials = np.arange(1, n["budget"] + 1)
    for a, kind in zip(ax[:2], ("one basin", "two basins"), strict=True):
        for key, label in (("flat", "flat random"), ("c2f", "coarse to fine")):
            c = n[kind]["curves"][key]
            a.plot(trials, c.mean(0), color=COLORS[key], label=f"{label} (mean)")
            a.fill_between(trials, np.percentile(c, 25, 0), np.percentile(c, 75, 0),
                           color=COLORS[key], alpha=0.2)
        for r in range(1, n["n_rounds"]):
            a.axvline(r * n["n_points"] + 0.5, color="0.6", lw=0.6, ls=":")
        a.set_yscale("log")
        a.set(xlabel="trials", ylabel="best validation error found",
              title=f"{kind}, {n['n_seeds']} seeds")
        a.legend(fontsize=8)
    surface, boxes = n["two basins"]["example_surface"], n["two basins"]["example_boxes"]
    g0, g1 = np.meshgrid(np.linspace(LOW[0], HIGH[0], 200), np.linspace(LOW[1], HIGH[1], 100))
    cs = ax[2].contourf(g0, g1, surface.mean(np.stack([g0, g1], -1)), levels=20, cmap="viridis")
    fig.colorbar(cs, ax=ax[2], label="error (noise-free)")
    for k, (lo, hi) in enumerate(boxes):
        ax[2].add_patch(Rectangle(lo, *(hi - lo), fill=False, color="w", lw=1.8 - 0.3 * k))
    deepest = surface.centres[np.argmax(surface.depths)]
    ax[2].plot(*deepest, "P", color="w", mec="black", ms=12, ls="none",
               label="optimum (the narrow, deep basin)")
    best = n["two basins"]["example_best"]
    ax[2].plot(*best, "*", color="gold", mec="black", ms=14, ls="none", label="best point found")
    trapped = surface.mean(best) > surface.mean(deepest) + 0.05
    ax[2].set_aspect("equal")
    ax[2].legend(fontsize=8, loc="upper left", framealpha=0.9)
    ax[2].set(xlabel="log10 learning rate", ylabel="log10 (1 - beta)",
              title="two basins: the boxes of one coarse-to-fine run"
              + (", trapped in the broad basin" if trapped else ", in the deep basin"))
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Both surfaces, 5 rounds x 10 points (50 trials) vs 50 random trials, shrink 0.5."""
    n_points, n_rounds, shrink = 10, 5, 0.5
    n_seeds = 40 if quick else 300
    rngs = child_rngs(seed, 2)
    numbers: dict = {"budget": n_points * n_rounds, "n_points": n_points, "n_rounds": n_rounds,
                     "shrink": shrink, "n_seeds": n_seeds}
    rows = []
    for kind, rng in zip(("one basin", "two basins"), rngs, strict=True):
        res = best_so_far_curves(kind, n_seeds, n_points, n_rounds, shrink, rng)
        numbers[kind] = res
        final = {k: v[:, -1] for k, v in res["curves"].items()}
        numbers[f"{kind} final mean"] = {k: float(v.mean()) for k, v in final.items()}
        wins = float(np.mean(final["c2f"] < final["flat"]))
        numbers[f"{kind} c2f win rate"] = wins
        rows.append(SummaryRow(
            NAME, f"coarse to fine finds a better point than flat random search at equal budget "
            f"({numbers['budget']} trials, {kind})",
            f"mean best error c2f {final['c2f'].mean():.3f} vs flat {final['flat'].mean():.3f};"
            f" c2f better in {100 * wins:.0f} % of seeds",
            bool(final["c2f"].mean() < final["flat"].mean()),
        ))
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)
