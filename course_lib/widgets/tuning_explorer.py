"""Explorers for the tuning process: grid against random search, and coarse to fine.

Points are rows, (n_points, d), as in :mod:`course_lib.tuning`; lower scores are better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Polygon, Rectangle

from course_kit._validate import positive_int
from course_kit.explorers._view import (
    Explorer,
    LiveFigure,
    float_slider,
    int_slider,
    seed_box,
    stats_table,
)
from course_kit.explorers.palette import CATEGORIES, IDEAS, MARKERS
from course_lib.tuning import (
    coarse_to_fine,
    grid_search_points,
    random_search,
    random_search_points,
)

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


WIN_SEEDS = 100  # the seeds 0..99 behind the "random wins in X %" readout


@lru_cache(maxsize=16)
def random_win_share(n: int, seeds: int = WIN_SEEDS) -> float:
    """The share of the seeds 0..seeds-1 for which random search (n**2 points from
    ``default_rng(seed)``) finds a strictly lower best score than the n x n grid."""
    grid_best = float(one_axis_objective(grid_search_points(LOW, HIGH, n)).min())
    wins = [
        one_axis_objective(random_search_points(LOW, HIGH, n * n, np.random.default_rng(s))).min()
        < grid_best
        for s in range(seeds)
    ]
    return float(np.mean(wins))


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
    share = random_win_share(state.n)
    winner = ("random search wins" if state.random_best[1] < state.grid_best[1]
              else "the grid wins" if state.grid_best[1] < state.random_best[1] else "a tie")
    explorer.describe(
        f"{state.n ** 2} trials each. The grid tries {state.grid_distinct} values of x₀, the "
        f"only coordinate that matters; random search tries {state.random_distinct}. Best "
        f"score (0 is optimal): grid {state.grid_best[1]:.4f}, random "
        f"{state.random_best[1]:.4f}; with seed {v['seed']}: {winner}. Over 100 seeds random "
        f"search wins {share:.0%} of the time."
    )
    explorer.stats.value = stats_table(
        [("grid", f"{state.n ** 2}", f"{state.grid_distinct}", f"{state.grid_best[1]:.4f}"),
         ("random", f"{state.n ** 2}", f"{state.random_distinct}", f"{state.random_best[1]:.4f}")],
        ("search", "trials", "distinct x₀ (the axis that matters)", "best score (0 is optimal)"),
    ) + (
        f"<div>With seed {v['seed']}: {winner}. Over the seeds 0–{WIN_SEEDS - 1} at "
        f"n = {state.n}: <b>random wins in {share:.0%} of {WIN_SEEDS} seeds</b>.</div>"
    )


GRID_STYLE = {"marker": MARKERS["grid"], "color": IDEAS["grid"]}
RANDOM_STYLE = {"marker": MARKERS["random"], "color": IDEAS["random"]}


def grid_vs_random_explorer(seed: int = 7) -> Explorer:
    """n**2 trials on a grid and at random, on an objective that ignores the second axis.

    The default seed 7 is one where random search wins at n = 4 without landing on the
    optimum; the readout says how often it wins over 100 seeds.
    ``explorer.state`` is the current :class:`GridRandomState`; ``explorer.artists`` holds the
    scatters ``"grid"``/``"random"``, their best points (a large square for the grid's, a star
    for random's, in every panel), and the rugs of the x_0 values tried.
    """
    controls = {"n": int_slider("n (n² trials)", 4, 2, 10, 1,
                                "n: the grid is n × n, random search draws n² points"),
                "seed": seed_box(seed)}
    live = LiveFigure([["grid", "random", "x0"]], height=3.3, width_ratios=(1, 1, 1.25))
    ax_grid, ax_random, ax_1d = live.axes
    xs = np.linspace(0, 1, 400)
    shade = one_axis_objective(np.stack([xs, np.zeros_like(xs)], axis=1))[None, :]
    margin = (-0.06, 1.06)  # points and ticks on x_0 = 0 or 1 stay clear of the frame
    best_style = {"grid": {"marker": "s", "color": "black", "mfc": "none", "mew": 2, "ms": 12},
                  "random": {"marker": "*", "color": "black", "mfc": "white", "mew": 1.2,
                             "ms": 16}}
    art = {}
    for ax, key, title, style in ((ax_grid, "grid", "Grid", GRID_STYLE),
                                  (ax_random, "random", "Random", RANDOM_STYLE)):
        ax.imshow(shade, extent=(0, 1, 0, 1), origin="lower", aspect="auto", cmap="Blues_r",
                  vmin=0, vmax=1.6, zorder=0)
        ax.axvline(BEST_X, color="0.15", ls="--", lw=1, zorder=1)
        art[key] = ax.scatter([], [], s=16, zorder=2, **style)
        art[f"{key}_best"] = ax.plot([], [], ls="none", zorder=3, **best_style[key])[0]
        ax.set_xlim(*margin)
        ax.set_ylim(*margin)
        ax.set_xlabel("x₀ (matters)")
        ax.set_ylabel("x₁ (does not matter)")
        ax.set_title(f"{title}: n² points", loc="left")
    ax_1d.plot(xs, one_axis_objective(np.stack([xs, xs], axis=1)), color="0.15", lw=1)
    ax_1d.axvline(BEST_X, color="0.15", ls="--", lw=1, label="optimum x₀ = 0.637")
    for key, style in (("grid", GRID_STYLE), ("random", RANDOM_STYLE)):
        art[f"{key}_rug"] = ax_1d.add_collection(
            LineCollection([], colors=style["color"], linewidths=1)
        )
    art["grid_best_1d"] = ax_1d.plot([], [], ls="none", label="grid best", **best_style["grid"])[0]
    art["random_best_1d"] = ax_1d.plot([], [], ls="none", label="random best",
                                       **best_style["random"])[0]
    ax_1d.set_xlim(*margin)
    ax_1d.set_ylim(-0.08, 1.45)
    ax_1d.set_yticks(
        [0, 0.5, 1, np.mean(RUG_BANDS["grid"]), np.mean(RUG_BANDS["random"])],
        ["0", "0.5", "1", "grid x₀", "random x₀"],
    )
    ax_1d.set_xlabel("x₀")
    ax_1d.set_ylabel("score (lower is better)")
    ax_1d.set_title("Values tried on x₀", loc="left")
    ax_1d.legend(loc="center right", fontsize=9, framealpha=0.9)
    live.animate(*art.values())
    lessons = [
        ("n = 3: the grid tries 3 values of x₀, random search 9", {"n": 3, "seed": seed}),
        ("n = 6: 36 trials; the grid still tries only 6 values of x₀", {"n": 6, "seed": seed}),
    ]
    return Explorer("grid-random", "Grid against random search", controls, live,
                    _update_grid, art, lessons=lessons)


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
    """What :func:`course_lib.tuning.coarse_to_fine` did, and flat random search beside it.

    ``rounds[k]`` is (n_points, 2), the points of round k in the order they were scored;
    ``best_so_far`` (n_rounds * n_points,) the best score after each trial; ``flat_best_so_far``
    the same for :func:`course_lib.tuning.random_search` over the whole box with as many
    trials; ``clipped`` the rounds whose box the edge of ``[LOW, HIGH]`` cut, as
    ``(round index k, axis, side, side before clipping)``.
    """

    best_point: np.ndarray
    best_score: float
    boxes: list
    rounds: list
    best_so_far: np.ndarray
    flat_best_so_far: np.ndarray
    shrink: float

    @property
    def clipped(self) -> list[tuple[int, int, float, float]]:
        found = []
        for k in range(1, len(self.boxes)):
            before = self.shrink * (self.boxes[k - 1][1] - self.boxes[k - 1][0])
            side = self.boxes[k][1] - self.boxes[k][0]
            for axis in np.flatnonzero(side < before * (1 - 1e-9)):
                found.append((k, int(axis), float(side[axis]), float(before[axis])))
        return found


def coarse_to_fine_state(
    n_points: int, n_rounds: int, shrink: float, rng: np.random.Generator,
    flat_rng: np.random.Generator,
) -> CoarseToFineState:
    """Run ``coarse_to_fine(valley_objective, LOW, HIGH, n_points, n_rounds, shrink, rng)``,
    recording every point it scores, and ``random_search`` with ``n_points * n_rounds``
    trials of ``random_search_points(LOW, HIGH, 1, flat_rng)``."""
    seen: list[np.ndarray] = []
    scores: list[float] = []

    def recorded(point):
        seen.append(np.array(point))
        scores.append(float(valley_objective(point)))
        return scores[-1]

    best_point, best_score, boxes = coarse_to_fine(
        recorded, LOW, HIGH, n_points, n_rounds, shrink, rng
    )
    _, _, history = random_search(
        valley_objective, lambda r: random_search_points(LOW, HIGH, 1, r)[0],
        n_points * n_rounds, flat_rng,
    )
    return CoarseToFineState(
        best_point, float(best_score), boxes, list(np.array(seen).reshape(n_rounds, n_points, 2)),
        np.minimum.accumulate(scores), np.minimum.accumulate([score for _, score in history]),
        float(shrink),
    )


MAX_ROUNDS = 6
SEEDS = 100  # the seeds 0..99 behind the typical curves
QUANTILES = (0.1, 0.5, 0.9)


@lru_cache(maxsize=32)
def typical_curves(n_points: int, shrink: float, seeds: int = SEEDS) -> dict[str, np.ndarray]:
    """The best score after each trial over ``seeds`` runs, as quantiles (3, MAX_ROUNDS *
    n_points) (10th, 50th and 90th percentile): ``"c2f"`` for coarse to fine and ``"flat"``
    for flat random search, each run as :func:`coarse_to_fine_state` draws it with
    ``default_rng(seed)``, seed = 0..seeds-1. Fewer rounds are a prefix of these (each round
    and each flat trial draws in turn), so one call serves every round count.

    One seed can be lucky (flat search at seed 0 finds 9.0e-3 in its first trial and never
    beats it): the median says what to expect.
    """
    curves = {"c2f": [], "flat": []}
    for seed in range(seeds):
        state = coarse_to_fine_state(n_points, MAX_ROUNDS, shrink,
                                     np.random.default_rng(seed), np.random.default_rng(seed))
        curves["c2f"].append(state.best_so_far)
        curves["flat"].append(state.flat_best_so_far)
    return {key: np.quantile(np.array(runs), QUANTILES, axis=0) for key, runs in curves.items()}


def _band(trials: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The outline of the region between two curves, for a Polygon."""
    return np.column_stack([np.concatenate([trials, trials[::-1]]),
                            np.concatenate([low, high[::-1]])])
ROUND_COLORS = CATEGORIES  # and each box is numbered: colour is not the only cue
ZOOM = (VALLEY_CENTRE - 0.08, VALLEY_CENTRE + 0.08)  # the right map: around the optimum
AXIS_NAMES = ("x₀", "x₁")


def score_axis_bottom(lowest: float) -> float:
    """The bottom of the log score axis: 1e-6, or a power of ten at least a decade below
    ``lowest`` when that is lower (from the state alone, so no path changes it)."""
    return min(1e-6, 10.0 ** (math.floor(math.log10(max(lowest, 1e-300))) - 1))


def _update_c2f(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    state = coarse_to_fine_state(
        v["n_points"], v["n_rounds"], v["shrink"], np.random.default_rng(v["seed"]),
        np.random.default_rng(v["seed"]),
    )
    explorer.state = state
    art = explorer.artists
    colors = np.repeat(np.arange(len(state.rounds)), v["n_points"])
    for view in ("map", "zoom"):
        art[f"{view}_points"].set_offsets(np.concatenate(state.rounds))
        art[f"{view}_points"].set_facecolors([ROUND_COLORS[k] for k in colors])
    for k in range(MAX_ROUNDS):
        shown = k < len(state.boxes)
        for view in ("map", "zoom"):
            art[f"{view}_box{k}"].set_visible(shown)
            art[f"{view}_number{k}"].set_visible(shown)
            if shown:
                low, high = state.boxes[k]
                art[f"{view}_box{k}"].set_bounds(low[0], low[1], *(high - low))
                art[f"{view}_number{k}"].set_position((low[0], high[1]))
        art[f"round_end{k}"].set_visible(shown)
        if shown:
            end = (k + 1) * v["n_points"]
            art[f"round_end{k}"].set_data([end], [state.best_so_far[end - 1]])
    for view in ("map", "zoom"):
        art[f"{view}_best"].set_data([state.best_point[0]], [state.best_point[1]])
    trials = np.arange(1, state.best_so_far.size + 1)
    typical = {key: q[:, : trials.size]
               for key, q in typical_curves(v["n_points"], v["shrink"]).items()}
    art["curve"].set_data(trials, state.best_so_far)
    ax = explorer.live.ax["curve"]
    bottom = score_axis_bottom(min(state.best_score, typical["c2f"][0, -1]))
    if bottom != ax.get_ylim()[0]:
        ax.set_ylim(bottom, ax.get_ylim()[1])  # its y axis is animated: no full redraw
    for key in ("c2f", "flat"):
        art[f"{key}_median"].set_data(trials, typical[key][1])
        art[f"{key}_band"].set_xy(_band(trials, typical[key][0], typical[key][2]))
    explorer.live.refresh(full=full)
    median = {key: float(q[1, -1]) for key, q in typical.items()}
    sides = ", ".join(f"{(high - low)[0]:.3g}" for low, high in state.boxes)
    clipped: dict[int, list[str]] = {}
    for k, axis, side, shrink_side in state.clipped:
        clipped.setdefault(k, []).append(f"{AXIS_NAMES[axis]} {side:.3g} not {shrink_side:.3g}")
    notes = (
        "<br><b>Clipped by the edge of the search range</b> (a side shorter than shrink × the "
        "last side): " + "; ".join(f"round {k + 1}: {', '.join(parts)}"
                                   for k, parts in clipped.items())
        if clipped else ""
    )
    better = "coarse to fine" if median["c2f"] < median["flat"] else "flat random search"
    explorer.stats.value = (
        f"Seed {v['seed']}: coarse to fine's best point ({state.best_point[0]:.4f}, "
        f"{state.best_point[1]:.4f}), score {state.best_score:.2e}. The optimum is "
        f"({VALLEY_CENTRE[0]}, {VALLEY_CENTRE[1]}), score 0.<br>"
        f"Over seeds 0–{SEEDS - 1}, same {trials.size} trials: median best score "
        f"<b>coarse to fine {median['c2f']:.2e}, flat random search {median['flat']:.2e}</b>."
        f"<br>x₀ side of the box per round: {sides}{notes}"
    )
    explorer.describe(
        f"{len(state.boxes)} rounds of {v['n_points']} points, each box {v['shrink']:.2f} "
        f"times the last, centred on the best point so far; the boxes close in on the optimum "
        f"({VALLEY_CENTRE[0]}, {VALLEY_CENTRE[1]}). This seed's best score is "
        f"{state.best_score:.2e}. Typically (median over {SEEDS} seeds) coarse to fine reaches "
        f"{median['c2f']:.2e} and flat random search {median['flat']:.2e} with the same "
        f"{trials.size} trials: {better} does better."
    )


def coarse_to_fine_explorer(seed: int = 0) -> Explorer:
    """The boxes of :func:`course_lib.tuning.coarse_to_fine`, round by round, on a 2-D valley.

    Left the whole square, middle a zoom around the optimum (the dashed square on the left),
    right the best score after each trial: this seed's coarse to fine, and the median and
    10–90 % band over 100 seeds of coarse to fine and of flat random search with the same
    budget (:func:`typical_curves`; one seed's flat search can be lucky).
    ``explorer.state`` is the current :class:`CoarseToFineState`; ``explorer.artists`` has
    ``"map_box{k}"``/``"zoom_box{k}"`` rectangles for rounds k = 0..5 and their numbers
    ``"*_number{k}"``, the scatters of all points ``"map_points"``/``"zoom_points"`` coloured
    by round, the best point (``"map_best"``, ``"zoom_best"``), this seed's ``"curve"`` and
    the ``"c2f_median"``/``"flat_median"`` lines with their ``"*_band"`` polygons.
    """
    controls = {
        "n_rounds": int_slider("rounds", 3, 1, MAX_ROUNDS, 1, "how many boxes, one per round"),
        "n_points": int_slider("points per round", 12, 3, 40, 1,
                               "how many random points each round scores"),
        "shrink": float_slider("shrink", 0.4, 0.1, 0.9, 0.05, ".2f",
                               "each box's side as a fraction of the last box's side"),
        "seed": seed_box(seed),
    }
    live = LiveFigure([["map", "zoom", "curve"]], height=4.0, width_ratios=(1, 1, 1.1))
    art = {}
    for view, (low, high) in (("map", (np.zeros(2), np.ones(2))), ("zoom", ZOOM)):
        ax = live.ax[view]
        g0, g1 = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
        ax.contourf(g0, g1, np.log10(valley_objective(np.stack([g0, g1], axis=-1)) + 1e-4),
                    levels=12, cmap="Greys_r", alpha=0.5)
        art[f"{view}_points"] = ax.scatter([], [], s=10, linewidths=0, zorder=2)
        for k in range(MAX_ROUNDS):
            art[f"{view}_box{k}"] = ax.add_patch(Rectangle(
                (0, 0), 1, 1, fill=False, lw=1.5, edgecolor=ROUND_COLORS[k], zorder=4,
                label=f"round {k + 1}",
            ))
            art[f"{view}_number{k}"] = ax.text(
                0, 0, str(k + 1), color="black", fontsize=9, fontweight="bold", ha="left",
                va="top", zorder=6, clip_on=True,
                bbox={"boxstyle": "square,pad=0.1", "fc": ROUND_COLORS[k], "lw": 0},
            )
        art[f"{view}_best"] = ax.plot([], [], "*", color="gold", mec="black", ms=10, zorder=3,
                                      label="best point")[0]
        ax.plot(*VALLEY_CENTRE, "+", color="black", ms=12, mew=2, zorder=5, label="optimum")
        pad = 0.02 * (high - low)
        ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
        ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
        ax.set_aspect("equal")
        ax.set_xlabel("x₀")
    live.ax["map"].add_patch(Rectangle(ZOOM[0], *(ZOOM[1] - ZOOM[0]), fill=False, ls="--",
                                       lw=1, edgecolor="black", zorder=5))
    live.ax["map"].set_ylabel("x₁")
    live.ax["map"].set_title("Boxes by round", loc="left")
    live.ax["zoom"].set_title("Zoom (dashed)", loc="left")
    ax = live.ax["curve"]
    for key, label in (("flat", "flat random search"), ("c2f", "coarse to fine")):
        art[f"{key}_band"] = ax.add_patch(Polygon(np.ones((2, 2)), closed=True,
                                                  color=IDEAS[key], alpha=0.18, lw=0))
        art[f"{key}_median"] = ax.plot(
            [], [], color=IDEAS[key], ls="--" if key == "flat" else ":", lw=1.6,
            label=f"{label}: median, 10–90 % of {SEEDS} seeds",
        )[0]
    art["curve"] = ax.plot([], [], color=IDEAS["c2f"], lw=1.6,
                           label="coarse to fine: this seed")[0]
    for k in range(MAX_ROUNDS):
        art[f"round_end{k}"] = ax.plot([], [], "o", color=ROUND_COLORS[k], mec="black",
                                       mew=0.5, ms=6, zorder=3)[0]
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(0.8, MAX_ROUNDS * 40 * 1.25)
    ax.set_ylim(1e-6, 3)
    ax.set_xlabel("trials (dots: round ends)")
    ax.set_ylabel("best score so far (log)")
    ax.set_title("Best score so far", loc="left")
    handles, labels = live.ax["map"].get_legend_handles_labels()
    curves, names = ax.get_legend_handles_labels()
    live.figure.legend(handles[-2:] + curves, labels[-2:] + names, loc="outside lower center",
                       ncols=3, fontsize=9, frameon=False, handlelength=1.6)
    live.animate(*art.values(), live.ax["curve"].yaxis)
    lessons = [
        ("3 rounds, shrink 0.4: each box 0.4 times the last, around the best point so far",
         {"n_rounds": 3, "shrink": 0.4}),
        ("6 rounds: tiny last boxes (zoom); over 100 seeds the median best is ~90× below "
         "flat search's", {"n_rounds": 6, "shrink": 0.4}),
    ]
    return Explorer("coarse-to-fine", "Coarse-to-fine search", controls, live, _update_c2f,
                    art, lessons=lessons)
