"""The 1/(1 - beta) explorer: how many points an exponentially weighted average covers.

The slider steps through the lecture's values of beta, the pairs 0.9 -> 0.9005 and
0.999 -> 0.9995 among them: the effective window ``1 / (1 - beta)`` barely moves for the
first (10 -> 10.05 points) and doubles for the second (1000 -> 2000). Plotted against beta on
linear axes it blows up as beta nears 1; the stats say how much the last move changed it.
A noisy series smoothed with ``ewa`` shows what that means: which points ``v_T`` averages
(its weights ``beta**(T - t)`` against the band of the last ``1 / (1 - beta)`` points), how it
lags, and how it starts with and without bias correction.

The functions are arguments (``ewa``, ``effective_window``, as in the ``scale`` assignment), so
the explorer runs on a student's own (``course_lib.widgets`` gives it the reference's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Polygon
from matplotlib.ticker import NullLocator

from course_kit._validate import generator, positive_int
from course_kit.explorers._view import (
    Explorer,
    FunctionError,
    LiveFigure,
    call_function,
    stats_table,
)
from course_kit.explorers.palette import BLUE, GREEN, VERMILLION

#: The slider's stops: the lecture's values, with its pairs 0.9 -> 0.9005 and 0.999 -> 0.9995.
BETAS = (0.5, 0.8, 0.9, 0.9005, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995)
SERIES_LENGTH = 3000
START = 60  # the first points, drawn large: where bias correction matters
LAGS = np.logspace(0, np.log10(4000), 400)  # k = T - t + 1, points back from the newest


def beta_label(beta: float) -> str:
    """``beta`` as the lecture writes it (0.9, 0.9005, 0.999)."""
    return f"{beta:g}"


def noisy_series(length: int, rng: np.random.Generator) -> np.ndarray:
    """A slow wave plus noise, (length,): ``10 + 6 sin(2 pi t / 1500) + 3 N(0, 1)``, t = 1..T."""
    length = positive_int("length", length)
    t = np.arange(1, length + 1)
    return 10 + 6 * np.sin(2 * np.pi * t / 1500) + 3 * generator(rng).standard_normal(length)


@dataclass(frozen=True)
class EwaState:
    """``beta``, its window ``1 / (1 - beta)`` and the averages ``v`` and ``v_corrected`` (T,).

    ``band_share`` is the share of ``v_T``'s weight on the last ``round(window)`` points:
    the weights are ``(1 - beta) * beta**k``, k = 0, 1, ... points back, so the share is
    ``1 - beta**round(window)`` (about ``1 - 1/e = 63 %`` for beta near 1).
    """

    beta: float
    window: float
    v: np.ndarray
    v_corrected: np.ndarray

    @property
    def band_share(self) -> float:
        return float(1 - self.beta ** round(self.window))


def ewa_window_state(
    beta: float,
    series: np.ndarray,
    ewa: Callable,
    effective_window: Callable,
) -> EwaState:
    """``window = effective_window(beta)``; ``v = ewa(series, beta)`` and
    ``v_corrected = ewa(series, beta, bias_correction=True)``, both (T,).

    A function that raises, or returns something else than a positive number (window) or an
    array of the series' shape (v), raises :class:`FunctionError` saying so.
    """
    beta = float(beta)
    window = call_function("effective_window", effective_window, beta)
    if np.ndim(window) != 0 or not np.isfinite(window) or window <= 0:
        raise FunctionError(
            f"effective_window({beta:.4g}) must return a positive number; got {window!r}"
        )
    averages = []
    for correction in (False, True):
        v = np.asarray(call_function("ewa", ewa, series, beta, bias_correction=correction),
                       dtype=float)
        if v.shape != series.shape:
            raise FunctionError(
                f"ewa(x, beta, bias_correction={correction}) must return an array of shape "
                f"{series.shape}; got shape {v.shape}"
            )
        averages.append(v)
    return EwaState(beta, float(window), *averages)


def _update(explorer: Explorer, full: bool) -> None:
    beta = explorer.controls["beta"].value
    if beta not in explorer.states:  # each stop computed once: the functions are fixed
        explorer.states[beta] = ewa_window_state(
            beta, explorer.series, explorer.ewa, explorer.effective_window
        )
    state = explorer.states[beta]
    if explorer.state is not None and explorer.state.beta != state.beta:
        explorer.previous = explorer.state  # the last other beta: what the move changed
    explorer.state, before = state, explorer.previous
    art = explorer.artists
    art["point"].set_data([state.beta], [state.window])
    if before is not None:
        art["previous"].set_data([before.beta], [before.window])
    art["point_label"].set_text(f"β = {beta_label(state.beta)}: {state.window:,.2f} points")
    weights = state.beta ** (LAGS - 1)
    art["weights"].set_data(LAGS, weights)
    art["weights_fill"].set_xy(np.column_stack([[LAGS[0], *LAGS, LAGS[-1]], [0, *weights, 0]]))
    art["weights_band"].set_width(state.window - 1)
    art["edge"].set_data([state.window], [state.beta ** (state.window - 1)])
    t = np.arange(1, state.v.size + 1)
    for key in ("v", "v_corrected"):
        values = getattr(state, key)
        art[key].set_data(t, values)
        art[f"{key}_start"].set_data(t[:START], values[:START])
    art["series_band"].set_x(state.v.size - state.window)
    art["series_band"].set_width(state.window)
    explorer.live.refresh(full=full)
    change = "" if before is None else (
        f"From β = {beta_label(before.beta)} ({before.window:,.2f} points) the window changed "
        f"× {state.window / before.window:.3g}."
    )
    explorer.stats.value = stats_table(
        [(beta_label(state.beta), f"{1 - state.beta:.2g}", f"{state.window:,.2f}",
          f"{state.band_share:.0%}", f"{state.v[0]:.2f}", f"{state.v_corrected[0]:.2f}",
          f"{explorer.series[0]:.2f}")],
        ("β", "1 − β", "window 1/(1−β)", "weight in the band", "v₁", "v₁ corrected", "x₁"),
    ) + (f"<div>{change}</div>" if change else "")
    explorer.describe(
        f"β = {beta_label(state.beta)}: v_t averages about the last {state.window:,.2f} points "
        f"(the window 1/(1 − β)), which hold {state.band_share:.0%} of its weight. {change} "
        f"Uncorrected, v₁ = {state.v[0]:.2f} starts near 0 while the data start near "
        f"{explorer.series[0]:.1f}; corrected, v₁ = {state.v_corrected[0]:.2f}."
    )


def _move(start: float, end: float) -> Callable[[Explorer], None]:
    """A lesson's setting: beta at ``start``, then moved to ``end`` (the stats and the hollow
    point show the change), whatever the explorer showed before."""

    def setting(explorer: Explorer) -> None:
        explorer.state = explorer.previous = None
        explorer.controls["beta"].value = start
        explorer.update()
        explorer.controls["beta"].value = end

    return setting


def ewa_window_explorer(
    seed: int = 0,
    *,
    ewa: Callable,
    effective_window: Callable,
) -> Explorer:
    """A slider for beta (the lecture's values); four views of its window.

    Parameters
    ----------
    seed : the seed of the noisy series
    ewa, effective_window : the functions to show, with the ``scale`` assignment's signatures
        (``ewa(x, beta, bias_correction=False)``, ``effective_window(beta)`` elementwise);

    ``explorer.state`` is the current :class:`EwaState`; ``explorer.series`` the noisy data;
    ``explorer.artists``: the ``"point"`` (beta, window) on the window curve and the
    ``"previous"`` one, the ``"weights"`` line with its ``"weights_fill"``, ``"weights_band"``
    and ``"edge"`` point, the lines ``"v"``, ``"v_corrected"`` (and their ``*_start`` zooms)
    and the ``"series_band"``, the span of the last 1/(1 - beta) points.
    """
    controls = {
        "beta": widgets.SelectionSlider(
            options=[(beta_label(b), b) for b in BETAS], value=0.9, description="β",
            tooltip="β, the weight of the past in v_t = β v_(t−1) + (1 − β) x_t",
            continuous_update=True, style={"description_width": "9em"},
            layout=widgets.Layout(width="30em"),
        )
    }
    live = LiveFigure(
        [["window", "weights"], ["start", "series"]], height=5.4, width_ratios=(1, 1.55),
    )
    ax = live.ax
    art = {}

    # The window (linear) against beta on a logit axis (0.9, 0.99, 0.999 equally spaced):
    # it blows up as beta nears 1, and 0.999 -> 0.9995 doubles it.
    betas = 1 - np.logspace(np.log10(0.5), np.log10(1 - BETAS[-1]), 400)
    try:
        line = call_function("effective_window", effective_window, betas)
    except FunctionError:
        line = np.full_like(betas, np.nan)  # the update shows the error
    ax["window"].plot(betas, line, color=BLUE)
    ax["window"].set_xscale("logit")
    ax["window"].set_xlim(0.5, 0.9998)
    ax["window"].set_xticks([0.5, 0.9, 0.99, 0.999], ["0.5", "0.9", "0.99", "0.999"])
    ax["window"].xaxis.set_minor_locator(NullLocator())
    ax["window"].set_ylim(0, 2200)
    ax["window"].set_xlabel("β  (axis spaced as 1 − β: 0.9, 0.99, 0.999)")
    ax["window"].set_ylabel("window 1/(1−β)  (points)")
    ax["window"].set_title("Window against β", loc="left")
    art["previous"] = ax["window"].plot([], [], "o", mfc="white", mec="0.4", ms=7,
                                        zorder=3)[0]
    art["point"] = ax["window"].plot([], [], "o", color=VERMILLION, ms=7, zorder=4)[0]
    art["point_label"] = ax["window"].text(
        0.05, 0.94, "", transform=ax["window"].transAxes, va="top", color=VERMILLION
    )

    # What v_T averages: the weight of each point, newest on the right, against the band.
    art["weights_band"] = ax["weights"].axvspan(1, 10, color=VERMILLION, alpha=0.15, lw=0)
    art["weights_fill"] = ax["weights"].add_patch(
        Polygon(np.zeros((2, 2)), closed=True, color=BLUE, alpha=0.2, lw=0)
    )
    art["weights"] = ax["weights"].plot([], [], color=BLUE)[0]
    art["edge"] = ax["weights"].plot([], [], "o", color=VERMILLION, ms=5)[0]
    ax["weights"].set_xscale("log")
    ax["weights"].set_xlim(LAGS[-1], 0.8)  # inverted: the newest point on the right
    ax["weights"].set_ylim(0, 1.2)
    ax["weights"].set_yticks([0, 1 / math.e, 1], ["0", "1/e", "1"])
    ax["weights"].set_xlabel("points back from the newest, T − t + 1  (log)")
    ax["weights"].set_ylabel("weight β^(T−t) of x_t in v_T")
    ax["weights"].set_title("Which points v_T averages (red: the window)", loc="left")

    series = noisy_series(SERIES_LENGTH, np.random.default_rng(seed))
    t = np.arange(1, SERIES_LENGTH + 1)
    for key, end in (("start", START), ("series", SERIES_LENGTH)):
        a = ax[key]
        a.plot(t[:end], series[:end], ".", ms=1.5 if key == "series" else 3, color="0.6",
               label="data x_t")
        suffix = "" if key == "series" else "_start"
        # Corrected: a broad pale line; uncorrected: a thin line on top, visible inside it.
        art[f"v_corrected{suffix}"] = a.plot([], [], color=GREEN, lw=2.6, alpha=0.55,
                                             label="v_t / (1 − βᵗ)  (corrected)")[0]
        art[f"v{suffix}"] = a.plot([], [], color=BLUE, lw=1.1,
                                   label="v_t  (no correction)")[0]
        a.set_xlabel("t")
    art["series_band"] = ax["series"].axvspan(
        SERIES_LENGTH - 10, SERIES_LENGTH, color=VERMILLION, alpha=0.15, lw=0,
        label="last 1/(1−β) points",
    )
    ax["start"].set_xlim(0, START + 0.5)
    ax["start"].set_ylim(-2, 24)
    ax["start"].set_ylabel("x_t and v_t")
    ax["start"].set_title(f"The first {START} points", loc="left")
    ax["series"].set_xlim(0, SERIES_LENGTH)
    ax["series"].set_ylim(-6, 37)  # the data (-5.4 to 24) and, above them, the legend
    ax["series"].set_title("All 3000 points", loc="left")
    ax["series"].legend(loc="upper center", ncols=2, fontsize=9, framealpha=0.9)
    live.animate(*art.values())

    lessons = [
        ("β = 0.9005 → 0.9: the window barely moves (10.05 → 10 points); the start bias is "
         "gone after about 20 points", _move(0.9005, 0.9)),
        ("β = 0.9 → 0.99: 100 points; smoother, and it lags behind the wave", _move(0.9, 0.99)),
        ("β = 0.999 → 0.9995: the window doubles, 1,000 → 2,000 points", _move(0.999, 0.9995)),
    ]
    return Explorer(
        "ewa-window", "The 1/(1 − β) window explorer", controls, live, _update, art,
        lessons=lessons, series=series, ewa=ewa, effective_window=effective_window,
        previous=None, states={},
    )
