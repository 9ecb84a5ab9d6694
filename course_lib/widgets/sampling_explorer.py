"""Log against uniform sampling: how many samples land in each decade of [10**a, 10**b]."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import PercentFormatter

from course_kit._validate import generator, positive_int
from course_kit.explorers._view import Explorer, LiveFigure, int_slider, seed_box, stats_table
from course_kit.explorers.palette import IDEAS, MARKERS
from course_lib.scale import sample_log_uniform

EXPONENTS = (-6, 2)  # the decades the figure can show: 10**-6 .. 10**2


@dataclass(frozen=True)
class SamplingState:
    """Samples (n,) drawn uniformly and log-uniformly, and the share of each in every decade.

    ``decades`` (b - a,) are the lower exponents k of the decades ``[10**k, 10**(k+1))``.
    """

    a: int
    b: int
    uniform: np.ndarray
    log_uniform: np.ndarray
    decades: np.ndarray
    uniform_shares: np.ndarray
    log_shares: np.ndarray


def decade_shares(samples: np.ndarray, a: int, b: int) -> np.ndarray:
    """Share of ``samples`` in each decade ``[10**k, 10**(k+1))``, k = a..b-1, shape (b - a,)."""
    counts, _ = np.histogram(samples, bins=10.0 ** np.arange(a, b + 1))
    return counts / samples.size


def log_vs_uniform_state(a: int, b: int, n: int, rng: np.random.Generator) -> SamplingState:
    """``rng.uniform(10**a, 10**b, n)`` then ``sample_log_uniform(10**a, 10**b, n, rng)``.

    A uniform draw puts a share ``9 * 10**k / (10**b - 10**a)`` in decade k, so nearly all
    samples land in the top decade; log-uniform puts ``1 / (b - a)`` in every decade.
    """
    if not (isinstance(a, int | np.integer) and isinstance(b, int | np.integer) and a < b):
        raise ValueError(f"a and b must be integers with a < b; got a={a!r}, b={b!r}")
    n = positive_int("n", n)
    rng = generator(rng)
    uniform = rng.uniform(10.0**a, 10.0**b, size=n)
    log_uniform = sample_log_uniform(10.0**a, 10.0**b, n, rng)
    return SamplingState(
        int(a), int(b), uniform, log_uniform, np.arange(a, b),
        decade_shares(uniform, a, b), decade_shares(log_uniform, a, b),
    )


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(k: int) -> str:
    """``10**k`` written with a superscript exponent: ``power_of_ten(-4) == "10⁻⁴"``."""
    return "10" + str(int(k)).translate(SUPERSCRIPTS)


def expected_shares(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """The share each decade k = a..b-1 should get: uniform ``(10**(k+1) - 10**k) /
    (10**b - 10**a)`` (proportional to the decade's width), log-uniform ``1 / (b - a)``."""
    k = np.arange(a, b)
    return (10.0 ** (k + 1) - 10.0**k) / (10.0**b - 10.0**a), np.full(k.size, 1 / (b - a))


def _update(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    a, b = v["exponents"]
    if a >= b:  # the two handles met: no range to sample
        message = (f"a = b = {a}: the range [{power_of_ten(a)}, {power_of_ten(b)}) is empty; "
                   "move the handles at least one decade apart")
        explorer.range_label.value = f"<b style='color:#b22222'>{message}</b>"
        explorer.stats.value = f"<b style='color:#b22222'>{message}</b>"
        explorer.describe(message)
        return
    state = log_vs_uniform_state(a, b, v["n"], np.random.default_rng(v["seed"]))
    explorer.state = state
    explorer.range_label.value = (
        f"samples in [{power_of_ten(a)}, {power_of_ten(b)}), {b - a} decade"
        + ("s" if b - a > 1 else "")
    )
    art = explorer.artists
    all_decades = np.arange(*EXPONENTS)
    inside = slice(a - EXPONENTS[0], b - EXPONENTS[0])
    for key, shares, expected, offset in zip(
        ("uniform", "log"), (state.uniform_shares, state.log_shares), expected_shares(a, b),
        (0.3, 0.7), strict=True,
    ):
        heights = np.zeros(all_decades.size)
        heights[inside] = shares
        for bar, h in zip(art[f"{key}_bars"], heights, strict=True):
            bar.set_height(h)
        x = state.decades + offset
        ticks = np.full((state.decades.size, 3), np.nan)
        ticks[:, 0], ticks[:, 1] = x - 0.19, x + 0.19
        level = np.column_stack([expected, expected, np.full(expected.size, np.nan)])
        art[f"{key}_expected"].set_data(ticks.ravel(), level.ravel())
    jitter = np.random.default_rng(v["seed"] + 1).uniform(-0.3, 0.3, size=(2, state.uniform.size))
    art["uniform_strip"].set_offsets(np.column_stack([state.uniform, 1 + jitter[0]]))
    art["log_strip"].set_offsets(np.column_stack([state.log_uniform, jitter[1]]))
    explorer.live.refresh(full=full)
    top = int(np.argmax(state.uniform_shares))
    explorer.describe(
        f"{v['n']} samples from [{power_of_ten(a)}, {power_of_ten(b)}), {b - a} decades. "
        f"Uniform: {state.uniform_shares[top]:.0%} in the top decade "
        f"{power_of_ten(state.decades[top])}–{power_of_ten(state.decades[top] + 1)}, "
        f"{state.uniform_shares.sum() - state.uniform_shares[top]:.1%} in all the others. "
        "Log-uniform: "
        + ", ".join(f"{s:.0%}" for s in state.log_shares)
        + f" per decade, about 1/{b - a} each."
    )
    explorer.stats.value = stats_table(
        [("uniform", *(f"{s:.1%}" for s in state.uniform_shares)),
         ("log-uniform", *(f"{s:.1%}" for s in state.log_shares))],
        ("share per decade",
         *(f"{power_of_ten(k)}–{power_of_ten(k + 1)}" for k in state.decades)),
    )


def log_vs_uniform_explorer(seed: int = 0) -> Explorer:
    """Sliders for the range ``[10**a, 10**b)`` and ``n``; the share of samples per decade.

    ``explorer.state`` is the current :class:`SamplingState`; ``explorer.artists`` has the
    bar rectangles ``"uniform_bars"``/``"log_bars"`` (one per decade from 10**-6 to 10**2)
    on a linear axis (90 % against 25 % must look it; the stats give the small shares),
    the ``"*_expected"`` ticks (the share each
    decade should get) and the two strips of samples. ``explorer.range_label`` spells the
    range out.
    """
    controls = {
        "exponents": widgets.IntRangeSlider(
            value=(-4, 0), min=EXPONENTS[0], max=EXPONENTS[1], step=1, readout=False,
            description="range: a, b",
            tooltip="the exponents a and b of the range [10^a, 10^b) sampled",
            style={"description_width": "9em"},
            layout=widgets.Layout(width="22em"),
        ),
        "n": int_slider("samples n", 200, 50, 2000, 50,
                        "how many values each way of sampling draws"),
        "seed": seed_box(seed),
    }
    range_label = widgets.HTML(layout=widgets.Layout(width="18em"))
    live = LiveFigure([["bars", "strip"]], height=3.4, width_ratios=(1.2, 1))
    ax_bars, ax_strip = live.axes
    decades = np.arange(*EXPONENTS)
    ax_bars.set_ylim(0, 1.05)
    ax_bars.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    art = {
        "uniform_bars": list(ax_bars.bar(decades + 0.3, np.zeros(decades.size), width=0.38,
                                         color=IDEAS["uniform"], hatch="///",
                                         edgecolor="white", label="uniform (hatched)")),
        "log_bars": list(ax_bars.bar(decades + 0.7, np.zeros(decades.size), width=0.38,
                                     color=IDEAS["log"], label="log-uniform")),
        "uniform_expected": ax_bars.plot([], [], color="black", lw=1.5,
                                         label="share expected")[0],
        "log_expected": ax_bars.plot([], [], color="black", lw=1.5)[0],
    }
    ax_bars.set_xticks(decades + 0.5, [f"{power_of_ten(k)}–{power_of_ten(k + 1)}"
                                       for k in decades],
                       rotation=45, ha="right", rotation_mode="anchor")
    ax_bars.set_xlim(EXPONENTS[0] - 0.1, EXPONENTS[1] + 0.1)
    ax_bars.set_ylabel("share of samples")
    ax_bars.set_title("Samples per decade", loc="left")
    live.figure.legend(loc="outside lower center", ncols=3, fontsize=9, frameon=False)
    art["uniform_strip"] = ax_strip.scatter([], [], s=6, color=IDEAS["uniform"], alpha=0.6,
                                            marker=MARKERS["uniform"], lw=0)
    art["log_strip"] = ax_strip.scatter([], [], s=6, color=IDEAS["log"], alpha=0.6,
                                        marker=MARKERS["log"], lw=0)
    ax_strip.set_xscale("log")
    ax_strip.set_xlim(10.0 ** EXPONENTS[0], 10.0 ** EXPONENTS[1])
    ax_strip.set_ylim(-0.5, 1.5)
    ax_strip.set_yticks([0, 1], ["log-uniform", "uniform"])
    ax_strip.set_xlabel("sampled value (log axis)")
    ax_strip.set_title("The samples", loc="left")
    live.animate(*art["uniform_bars"], *art["log_bars"], art["uniform_expected"],
                 art["log_expected"], art["uniform_strip"], art["log_strip"])
    lessons = [
        ("[10⁻⁴, 1): uniform puts 90 % in the top decade; log-uniform 25 % in each",
         {"exponents": (-4, 0)}),
        ("[10⁻⁶, 10²): 8 decades; uniform leaves the lowest six almost empty",
         {"exponents": (-6, 2)}),
    ]
    return Explorer(
        "log-uniform", "Log-uniform against uniform sampling", controls, live, _update, art,
        rows=[[controls["exponents"], range_label], [controls["n"], controls["seed"]]],
        lessons=lessons, range_label=range_label,
    )
