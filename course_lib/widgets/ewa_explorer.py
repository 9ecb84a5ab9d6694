"""The 1/(1 - beta) explorer: how many points an exponentially weighted average covers.

``beta`` is set through ``r`` with ``beta = 1 - 10**r``, so the slider spends as much room on
[0.99, 0.999] as on [0.9, 0.99]. The effective window ``1 / (1 - beta)``
(:func:`course_lib.scale.effective_window`) grows from 10 points at ``beta = 0.9`` to 1000 at
``beta = 0.999``; a noisy series smoothed with :func:`course_lib.scale.ewa` shows what that
means, with and without bias correction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib._validate import generator, positive_int
from course_lib.scale import bias_corrected, effective_window, ewa
from course_lib.widgets._view import Explorer, LiveFigure, float_slider, stats_table

R_RANGE = (-3.3, -0.3)  # beta from 0.9995 down to 0.5
SERIES_LENGTH = 3000


def beta_from_r(r: float) -> float:
    """``beta = 1 - 10**r`` (r = -1 gives 0.9, r = -3 gives 0.999)."""
    return 1.0 - 10.0**r


def noisy_series(length: int, rng: np.random.Generator) -> np.ndarray:
    """A slow wave plus noise, (length,): ``10 + 6 sin(2 pi t / 1500) + 3 N(0, 1)``, t = 1..T."""
    length = positive_int("length", length)
    t = np.arange(1, length + 1)
    return 10 + 6 * np.sin(2 * np.pi * t / 1500) + 3 * generator(rng).standard_normal(length)


@dataclass(frozen=True)
class EwaState:
    """``beta``, its window ``1 / (1 - beta)`` and the averages ``v`` and ``v_corrected`` (T,)."""

    r: float
    beta: float
    window: float
    v: np.ndarray
    v_corrected: np.ndarray


def ewa_window_state(r: float, series: np.ndarray) -> EwaState:
    """``beta = 1 - 10**r``; ``v = ewa(series, beta)``; ``v_corrected = v / (1 - beta**t)``
    (the same average, corrected: one pass of ``ewa`` for both curves)."""
    beta = beta_from_r(r)
    v = ewa(series, beta)
    return EwaState(
        r=float(r), beta=beta, window=float(effective_window(beta)),
        v=v, v_corrected=bias_corrected(v, beta),
    )


def _update(explorer: Explorer, full: bool) -> None:
    state = ewa_window_state(explorer.controls["r"].value, explorer.series)
    explorer.state = state
    art = explorer.artists
    art["point"].set_data([state.beta], [state.window])
    art["point_label"].set_text(f"β = {state.beta:.4f}\nwindow ≈ {state.window:,.0f}")
    art["point_label"].xy = (state.beta, state.window)
    t = np.arange(1, state.v.size + 1)
    art["v"].set_data(t, state.v)
    art["v_corrected"].set_data(t, state.v_corrected)
    art["window"].set_x(state.v.size - state.window)
    art["window"].set_width(state.window)
    explorer.live.refresh(full=full)
    explorer.stats.value = stats_table(
        [(f"{state.r:+.2f}", f"{state.beta:.5f}", f"{state.window:,.1f}",
          f"{state.v[0]:.2f}", f"{state.v_corrected[0]:.2f}", f"{explorer.series[0]:.2f}")],
        ("r", "β = 1 − 10ʳ", "window 1/(1−β)", "v₁", "v₁ corrected", "x₁"),
    )


def ewa_window_explorer(seed: int = 0) -> Explorer:
    """A slider for ``r`` (``beta = 1 - 10**r``), the window curve and the smoothed series.

    ``explorer.state`` is the current :class:`EwaState`; ``explorer.series`` the noisy data;
    ``explorer.artists``: ``"point"`` (beta, window) on the curve, lines ``"v"`` and
    ``"v_corrected"``, and ``"window"``, the span of the last 1/(1 - beta) points.
    """
    controls = {"r": float_slider("r  (β = 1 − 10ʳ)", -1.0, *R_RANGE, 0.05)}
    live = LiveFigure(1, 2, height=3.2, width_ratios=(1, 1.7))
    ax_window, ax_series = live.axes

    betas = 1 - np.logspace(R_RANGE[1], R_RANGE[0], 400)
    ax_window.plot(betas, effective_window(betas), color="tab:blue")
    ax_window.set_yscale("log")
    ax_window.set_xlim(0.5, 1.0)
    ax_window.set_ylim(1, 3000)
    ax_window.set_xlabel("β")
    ax_window.set_ylabel("window 1/(1−β)  (points)")
    ax_window.set_title("Window against β", loc="left")
    for b in (0.9, 0.99, 0.999):
        ax_window.axhline(effective_window(b), color="0.85", lw=0.8, zorder=0)
    art = {
        "point": ax_window.plot([], [], "o", color="tab:red", ms=7)[0],
        "point_label": ax_window.annotate(
            "", xy=(0.9, 10), xytext=(-10, 0), textcoords="offset points", ha="right",
            va="center", fontsize=8,
        ),
    }

    series = noisy_series(SERIES_LENGTH, np.random.default_rng(seed))
    t = np.arange(1, SERIES_LENGTH + 1)
    ax_series.plot(t, series, ".", ms=1.5, color="0.6", label="data x_t")
    art["window"] = ax_series.axvspan(
        SERIES_LENGTH - 10, SERIES_LENGTH, color="tab:red", alpha=0.15, lw=0,
        label="last 1/(1−β) points",
    )
    art["v"] = ax_series.plot([], [], color="tab:blue", lw=1.5, label="v_t (no correction)")[0]
    art["v_corrected"] = ax_series.plot(
        [], [], color="tab:green", lw=1.2, ls="--", label="v_t / (1 − βᵗ)"
    )[0]
    ax_series.set_xlim(0, SERIES_LENGTH)
    ax_series.set_ylim(-4, 31)
    ax_series.set_xlabel("t")
    ax_series.set_title("Exponentially weighted average", loc="left")
    ax_series.legend(loc="upper center", ncols=2, framealpha=0.9)
    live.animate(*art.values())

    return Explorer("ewa-window", controls, live, _update, art, series=series)
