"""The 1/(1 - beta) explorer: how many points an exponentially weighted average covers.

The slider sets ``beta = 1 - 10**r`` in equal steps of ``r``, so it spends as much room on
[0.99, 0.999] as on [0.9, 0.99]; beta grows to the right. The effective window
``1 / (1 - beta)`` grows from 10 points at ``beta = 0.9`` to 1000 at ``beta = 0.999``: plotted
against ``1 - beta`` on log axes it is a straight line. A noisy series smoothed with ``ewa``
shows what that means: which points ``v_T`` averages (its weights ``beta**(T - t)`` against the
band of the last ``1 / (1 - beta)`` points), how it lags, and how it starts with and without
bias correction.

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

R_RANGE = (-3.3, -0.3)  # beta from 0.9995 down to 0.5
R_STEP = 0.05
SERIES_LENGTH = 3000
START = 60  # the first points, drawn large: where bias correction matters
LAGS = np.logspace(0, np.log10(4000), 400)  # k = T - t + 1, points back from the newest


def beta_from_r(r: float) -> float:
    """``beta = 1 - 10**r`` (r = -1 gives 0.9, r = -3 gives 0.999)."""
    return 1.0 - 10.0**r


def beta_label(r: float) -> str:
    """``beta`` with enough digits to tell the stops apart (0.900, 0.9900, 0.99900)."""
    return f"{beta_from_r(r):.{math.ceil(-r) + 2}f}"


def beta_options() -> list[tuple[str, float]]:
    """The slider's stops ``(label, r)``: r from -0.3 down to -3.3, so beta rises rightwards."""
    stops = np.round(np.arange(R_RANGE[1], R_RANGE[0] - R_STEP / 2, -R_STEP), 2)
    return [(beta_label(r), float(r)) for r in stops]


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

    r: float
    beta: float
    window: float
    v: np.ndarray
    v_corrected: np.ndarray

    @property
    def band_share(self) -> float:
        return float(1 - self.beta ** round(self.window))


def ewa_window_state(
    r: float,
    series: np.ndarray,
    ewa: Callable,
    effective_window: Callable,
) -> EwaState:
    """``beta = 1 - 10**r``; ``window = effective_window(beta)``; ``v = ewa(series, beta)`` and
    ``v_corrected = ewa(series, beta, bias_correction=True)``, both (T,).

    A function that raises, or returns something else than a positive number (window) or an
    array of the series' shape (v), raises :class:`FunctionError` saying so.
    """
    beta = beta_from_r(r)
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
    return EwaState(float(r), beta, float(window), *averages)


def _update(explorer: Explorer, full: bool) -> None:
    state = ewa_window_state(
        explorer.controls["r"].value, explorer.series, explorer.ewa, explorer.effective_window
    )
    explorer.state = state
    art = explorer.artists
    art["point"].set_data([1 - state.beta], [state.window])
    art["point_label"].set_text(f"β = {beta_label(state.r)}")  # short: text is slow to draw
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
    explorer.stats.value = stats_table(
        [(beta_label(state.r), f"{1 - state.beta:.2g}", f"{state.window:,.1f}",
          f"{state.band_share:.0%}", f"{state.v[0]:.2f}", f"{state.v_corrected[0]:.2f}",
          f"{explorer.series[0]:.2f}")],
        ("β", "1 − β", "window 1/(1−β)", "weight in the band", "v₁", "v₁ corrected", "x₁"),
    )


def ewa_window_explorer(
    seed: int = 0,
    *,
    ewa: Callable,
    effective_window: Callable,
) -> Explorer:
    """A slider for beta (``1 - 10**r`` in equal steps of r); four views of its window.

    Parameters
    ----------
    seed : the seed of the noisy series
    ewa, effective_window : the functions to show, with the ``scale`` assignment's signatures
        (``ewa(x, beta, bias_correction=False)``, ``effective_window(beta)`` elementwise;
        ``course_lib.widgets`` gives the reference's by default)

    ``explorer.state`` is the current :class:`EwaState`; ``explorer.series`` the noisy data;
    ``explorer.artists``: the ``"point"`` (1 - beta, window) on the window line, the
    ``"weights"`` line with its ``"weights_fill"``, ``"weights_band"`` and ``"edge"`` point,
    the lines ``"v"``, ``"v_corrected"`` (and their ``*_start`` zooms) and the
    ``"series_band"``, the span of the last 1/(1 - beta) points.
    """
    controls = {
        "r": widgets.SelectionSlider(
            options=beta_options(), value=-1.0, description="β  (= 1 − 10ʳ)",
            continuous_update=True, style={"description_width": "9em"},
            layout=widgets.Layout(width="30em"),
        )
    }
    live = LiveFigure(
        [["window", "weights"], ["start", "series"]], height=5.4, width_ratios=(1, 1.55)
    )
    ax = live.ax
    art = {}

    # The window against 1 - beta, both on log axes: the straight line window = (1 - beta)^-1.
    one_minus = 10.0 ** np.linspace(R_RANGE[1], R_RANGE[0], 100)
    try:
        line = call_function("effective_window", effective_window, 1 - one_minus)
    except FunctionError:
        line = np.full_like(one_minus, np.nan)  # the update shows the error
    ax["window"].plot(one_minus, line, color="tab:blue")
    ax["window"].set_xscale("log")
    ax["window"].set_yscale("log")
    ax["window"].set_xlim(0.8, 3e-4)  # inverted: beta grows to the right
    ax["window"].set_ylim(1, 8000)
    ax["window"].set_xticks([0.5, 0.1, 0.01, 0.001], ["0.5", "0.9", "0.99", "0.999"])
    ax["window"].xaxis.set_minor_locator(NullLocator())
    for b in (0.9, 0.99, 0.999):
        ax["window"].axvline(1 - b, color="0.88", lw=0.8, zorder=0)
        ax["window"].axhline(1 / (1 - b), color="0.88", lw=0.8, zorder=0)
    ax["window"].set_xlabel("β  (axis: 1 − β, log scale)")
    ax["window"].set_ylabel("window 1/(1−β)  (points)")
    ax["window"].set_title("Window against β", loc="left")
    art["point"] = ax["window"].plot([], [], "o", color="tab:red", ms=7, zorder=3)[0]
    art["point_label"] = ax["window"].text(
        0.05, 0.94, "", transform=ax["window"].transAxes, va="top", color="tab:red"
    )

    # What v_T averages: the weight of each point, newest on the right, against the band.
    art["weights_band"] = ax["weights"].axvspan(1, 10, color="tab:red", alpha=0.15, lw=0)
    art["weights_fill"] = ax["weights"].add_patch(
        Polygon(np.zeros((2, 2)), closed=True, color="tab:blue", alpha=0.2, lw=0)
    )
    art["weights"] = ax["weights"].plot([], [], color="tab:blue")[0]
    art["edge"] = ax["weights"].plot([], [], "o", color="tab:red", ms=5)[0]
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
        art[f"v_corrected{suffix}"] = a.plot([], [], color="tab:green", lw=2.6, alpha=0.55,
                                             label="v_t / (1 − βᵗ)  (corrected)")[0]
        art[f"v{suffix}"] = a.plot([], [], color="tab:blue", lw=1.1,
                                   label="v_t  (no correction)")[0]
        a.set_xlabel("t")
    art["series_band"] = ax["series"].axvspan(
        SERIES_LENGTH - 10, SERIES_LENGTH, color="tab:red", alpha=0.15, lw=0,
        label="last 1/(1−β) points",
    )
    ax["start"].set_xlim(0, START + 0.5)
    ax["start"].set_ylim(-2, 24)
    ax["start"].set_ylabel("x_t and v_t")
    ax["start"].set_title(f"The first {START} points", loc="left")
    ax["series"].set_xlim(0, SERIES_LENGTH)
    ax["series"].set_ylim(-4, 31)
    ax["series"].set_title("All 3000 points", loc="left")
    ax["series"].legend(loc="upper center", ncols=2, fontsize=8, framealpha=0.9)
    live.animate(*art.values())

    lessons = [
        ("β = 0.9: a window of 10 points; the start bias is gone after about 20 points",
         {"r": -1.0}),
        ("β = 0.99: 100 points; smoother, and it lags behind the wave", {"r": -2.0}),
        ("β = 0.999: 1,000 points; uncorrected, v_t starts near 0 and catches up slowly",
         {"r": -3.0}),
    ]
    return Explorer(
        "ewa-window", "The 1/(1 − β) window explorer", controls, live, _update, art,
        lessons=lessons, series=series, ewa=ewa, effective_window=effective_window,
    )
