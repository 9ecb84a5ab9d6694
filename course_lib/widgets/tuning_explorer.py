"""Explorers for the tuning process: grid against random search, and coarse to fine.

Points are rows, (n_points, d), as in :mod:`course_lib.tuning`; lower scores are better.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from course_lib._validate import positive_int
from course_lib.tuning import coarse_to_fine, grid_search_points, random_search_points
from course_lib.widgets._view import Explorer, LiveFigure, float_slider, int_slider, stats_table

LOW, HIGH = (0.0, 0.0), (1.0, 1.0)
BEST_X = 0.637  # where the objective that depends on one axis only is lowest
RUG_BANDS = {"grid": (1.12, 1.24), "random": (1.28, 1.40)}  # y bands of the x_0 rugs


def one_axis_objective(point) -> float:
    """``1 - exp(-((x_0 - 0.637) / 0.05)**2)``: depends on the first coordinate only.

    Lower is better; the minimum 0 lies on the line ``x_0 = 0.637`` whatever ``x_1`` is.
    """
    x0 = np.asarray(point, dtype=float)[..., 0]
    return 1.0 - np.exp(-(((x0 - BEST_X) / 0.05) ** 2))


@dataclass(frozen=True)
class GridRandomState:
    """Both searches with n**2 trials: points (n**2, 2), scores (n**2,), distinct x_0 values."""

    n: int
    grid: np.ndarray
    random: np.ndarray
    grid_scores: np.ndarray
    random_scores: np.ndarray

    @property
    def grid_distinct(self) -> int:
        """Distinct values tried on the axis that matters (n for a grid)."""
        return int(np.unique(self.grid[:, 0]).size)

    @property
    def random_distinct(self) -> int:
        """Distinct values tried on the axis that matters (n**2 for random points, a.s.)."""
        return int(np.unique(self.random[:, 0]).size)

    @property
    def grid_best(self) -> tuple[np.ndarray, float]:
        """The grid's best point (first of equal scores) and its score."""
        i = int(np.argmin(self.grid_scores))
        return self.grid[i], float(self.grid_scores[i])

    @property
    def random_best(self) -> tuple[np.ndarray, float]:
        """The random search's best point (first of equal scores) and its score."""
        i = int(np.argmin(self.random_scores))
        return self.random[i], float(self.random_scores[i])


def grid_vs_random_state(n: int, rng: np.random.Generator) -> GridRandomState:
    """``grid_search_points(LOW, HIGH, n)`` against ``random_search_points(LOW, HIGH, n**2, rng)``,
    both scored with :func:`one_axis_objective`."""
    n = positive_int("n", n)
    grid = grid_search_points(LOW, HIGH, n)
    random = random_search_points(LOW, HIGH, n * n, rng)
    return GridRandomState(n, grid, random, one_axis_objective(grid), one_axis_objective(random))


def _update_grid(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    state = grid_vs_random_state(v["n"], np.random.default_rng(v["seed"]))
    explorer.state = state
    art = explorer.artists
    art["grid"].set_offsets(state.grid)
    art["random"].set_offsets(state.random)
    for key, points in (("grid", state.grid), ("random", state.random)):
        best, score = getattr(state, f"{key}_best")
        art[f"{key}_best"].set_data([best[0]], [best[1]])
        y0, y1 = RUG_BANDS[key]
        art[f"{key}_rug"].set_segments([[(x, y0), (x, y1)] for x in points[:, 0]])
        art[f"{key}_best_1d"].set_data([best[0]], [score])
    explorer.live.refresh(full=full)
    explorer.stats.value = stats_table(
        [("grid", f"{state.n ** 2}", f"{state.grid_distinct}", f"{state.grid_best[1]:.4f}"),
         ("random", f"{state.n ** 2}", f"{state.random_distinct}", f"{state.random_best[1]:.4f}")],
        ("search", "trials", "distinct x₀ (the axis that matters)", "best score (0 is optimal)"),
    )


def grid_vs_random_explorer(seed: int = 0) -> Explorer:
    """n**2 trials on a grid and at random, on an objective that ignores the second axis.

    ``explorer.state`` is the current :class:`GridRandomState`; ``explorer.artists`` holds the
    scatters ``"grid"``/``"random"``, their best points, and the rugs of the x_0 values tried.
    """
    controls = {
        "n": int_slider("n (n² trials)", 4, 2, 10),
        "seed": widgets.BoundedIntText(
            value=seed, min=0, max=10**6, description="seed",
            style={"description_width": "6em"}, layout=widgets.Layout(width="12em"),
        ),
    }
    live = LiveFigure(1, 3, height=3.0, width_ratios=(1, 1, 1.25))
    ax_grid, ax_random, ax_1d = live.axes
    xs = np.linspace(0, 1, 400)
    shade = one_axis_objective(np.stack([xs, np.zeros_like(xs)], axis=1))[None, :]
    art = {}
    for ax, key, title in ((ax_grid, "grid", "Grid"), (ax_random, "random", "Random")):
        ax.imshow(shade, extent=(0, 1, 0, 1), origin="lower", aspect="auto", cmap="Blues_r",
                  vmin=0, vmax=1.6, zorder=0)
        art[key] = ax.scatter([], [], s=14, color="black", zorder=2)
        art[f"{key}_best"] = ax.plot([], [], "*", color="tab:red", ms=12, zorder=3)[0]
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("x₀ (matters)")
        ax.set_ylabel("x₁ (does not matter)")
        ax.set_title(f"{title}: n² points", loc="left")
    ax_1d.plot(xs, one_axis_objective(np.stack([xs, xs], axis=1)), color="tab:blue", lw=1)
    for key, color in (("grid", "black"), ("random", "tab:red")):
        art[f"{key}_rug"] = ax_1d.add_collection(LineCollection([], colors=color, linewidths=0.8))
    art["grid_best_1d"] = ax_1d.plot([], [], "s", color="black", ms=6, label="grid best")[0]
    art["random_best_1d"] = ax_1d.plot([], [], "*", color="tab:red", ms=11,
                                       label="random best")[0]
    ax_1d.set_xlim(0, 1)
    ax_1d.set_ylim(-0.05, 1.45)
    ax_1d.set_yticks(
        [0, 0.5, 1, np.mean(RUG_BANDS["grid"]), np.mean(RUG_BANDS["random"])],
        ["0", "0.5", "1", "grid", "random"],
    )
    ax_1d.set_xlabel("x₀")
    ax_1d.set_ylabel("score (lower is better)")
    ax_1d.set_title("Values tried on x₀", loc="left")
    ax_1d.legend(loc="center right", fontsize=7, framealpha=0.9)
    live.animate(*art.values())
    return Explorer("grid-random", controls, live, _update_grid, art)


VALLEY_CENTRE = np.array([0.72, 0.31])


def valley_objective(point) -> float:
    """A tilted narrow valley on [0, 1]^2, lowest (0) at (0.72, 0.31).

    With ``u, v`` the offsets from the centre along and across the valley (rotated 30°):
    ``u**2 + 12 * v**2``.
    """
    d = np.asarray(point, dtype=float) - VALLEY_CENTRE
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    u, v = c * d[..., 0] + s * d[..., 1], -s * d[..., 0] + c * d[..., 1]
    return u**2 + 12 * v**2


@dataclass(frozen=True)
class CoarseToFineState:
    """What :func:`course_lib.tuning.coarse_to_fine` did: its boxes, and the points per round.

    ``rounds[k]`` is (n_points, 2), the points of round k in the order they were scored;
    ``best_so_far[k]`` the best score after round k.
    """

    best_point: np.ndarray
    best_score: float
    boxes: list
    rounds: list
    best_so_far: np.ndarray


def coarse_to_fine_state(
    n_points: int, n_rounds: int, shrink: float, rng: np.random.Generator
) -> CoarseToFineState:
    """Run ``coarse_to_fine(valley_objective, LOW, HIGH, n_points, n_rounds, shrink, rng)``,
    recording every point the search scores."""
    seen: list[np.ndarray] = []
    scores: list[float] = []

    def recorded(point):
        seen.append(np.array(point))
        scores.append(float(valley_objective(point)))
        return scores[-1]

    best_point, best_score, boxes = coarse_to_fine(
        recorded, LOW, HIGH, n_points, n_rounds, shrink, rng
    )
    points = np.array(seen).reshape(n_rounds, n_points, 2)
    best_so_far = np.minimum.accumulate(np.array(scores).reshape(n_rounds, n_points).min(axis=1))
    return CoarseToFineState(best_point, float(best_score), boxes, list(points), best_so_far)


MAX_ROUNDS = 6
ROUND_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def _update_c2f(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    state = coarse_to_fine_state(
        v["n_points"], v["n_rounds"], v["shrink"], np.random.default_rng(v["seed"])
    )
    explorer.state = state
    art = explorer.artists
    for k in range(MAX_ROUNDS):
        shown = k < len(state.boxes)
        art[f"box{k}"].set_visible(shown)
        art[f"points{k}"].set_visible(shown)
        if shown:
            low, high = state.boxes[k]
            art[f"box{k}"].set_bounds(low[0], low[1], *(high - low))
            art[f"points{k}"].set_offsets(state.rounds[k])
    art["best"].set_data([state.best_point[0]], [state.best_point[1]])
    art["curve"].set_data(np.arange(1, len(state.best_so_far) + 1), state.best_so_far)
    explorer.live.refresh(full=full)
    sides = ", ".join(f"{(high - low)[0]:.3g}" for low, high in state.boxes)
    explorer.stats.value = (
        f"best point ({state.best_point[0]:.4f}, {state.best_point[1]:.4f}), score "
        f"{state.best_score:.2e} (the optimum is ({VALLEY_CENTRE[0]}, {VALLEY_CENTRE[1]}), "
        "score 0)<br>"
        f"box side per round: {sides}"
    )


def coarse_to_fine_explorer(seed: int = 0) -> Explorer:
    """The boxes of :func:`course_lib.tuning.coarse_to_fine`, round by round, on a 2-D valley.

    ``explorer.state`` is the current :class:`CoarseToFineState`; ``explorer.artists`` has
    ``"box{k}"`` rectangles and ``"points{k}"`` scatters for rounds k = 0..5, the ``"best"``
    point and the best-score ``"curve"``.
    """
    controls = {
        "n_rounds": int_slider("rounds", 3, 1, MAX_ROUNDS),
        "n_points": int_slider("points per round", 12, 3, 40),
        "shrink": float_slider("shrink", 0.4, 0.1, 0.9, 0.05),
        "seed": widgets.BoundedIntText(
            value=seed, min=0, max=10**6, description="seed",
            style={"description_width": "6em"}, layout=widgets.Layout(width="12em"),
        ),
    }
    live = LiveFigure(1, 2, height=3.6, width_ratios=(1.15, 1))
    ax, ax_curve = live.axes
    xs = np.linspace(0, 1, 200)
    X0, X1 = np.meshgrid(xs, xs)
    ax.contourf(X0, X1, np.log10(valley_objective(np.stack([X0, X1], axis=-1)) + 1e-3),
                levels=12, cmap="Greys_r", alpha=0.5)
    art = {}
    for k in range(MAX_ROUNDS):
        color = ROUND_COLORS[k]
        art[f"box{k}"] = ax.add_patch(
            Rectangle((0, 0), 1, 1, fill=False, lw=1.6, edgecolor=color, label=f"round {k + 1}")
        )
        art[f"points{k}"] = ax.scatter([], [], s=10, color=color)
    art["best"] = ax.plot([], [], "*", color="gold", mec="black", ms=14)[0]
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("x₀")
    ax.set_ylabel("x₁")
    ax.set_title("Boxes searched, round by round", loc="left")
    art["curve"] = ax_curve.plot([], [], "o-", color="tab:blue")[0]
    ax_curve.set_yscale("log")
    ax_curve.set_ylim(1e-7, 3)
    ax_curve.set_xlim(0.5, MAX_ROUNDS + 0.5)
    ax_curve.set_xlabel("round")
    ax_curve.set_ylabel("best score so far (log)")
    ax_curve.set_title("Best score after each round", loc="left")
    live.animate(*art.values())
    return Explorer("coarse-to-fine", controls, live, _update_c2f, art)
