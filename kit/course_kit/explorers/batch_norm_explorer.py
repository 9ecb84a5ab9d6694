"""The gamma/beta explorer: what batch norm does to one unit's pre-activations over a batch.

Course notation: one hidden unit, a batch of m examples, so ``Z`` is (1, m). The explorer
draws ``Z``, normalises it with ``batchnorm_forward`` and shows histograms of ``z``,
``z_norm = (z - mu) / sqrt(var + eps)`` and ``z_tilde = gamma * z_norm + beta``, each panel on
axes fitted to its own data (so every panel stays readable at any gamma), chosen from the
state alone (so a state looks the same whatever path led to it). On the ``z_tilde`` panel a
bracket marks ``beta ± gamma * std(z_norm)`` and an arrow the shift ``beta``, over a faint
outline of ``z_norm``. Setting ``gamma = sqrt(var + eps)`` and ``beta = mu`` gives back ``z``;
the explorer says so only when the function shown also computes the lecture's ``z_norm``
(mean 0, biased standard deviation ``sqrt(var / (var + eps))``).

``batchnorm_forward`` is an argument (the ``batch_norm`` assignment's signature), so the
explorer runs on a student's own (``course_lib.widgets`` gives it the reference's).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from course_kit._validate import generator, positive_int
from course_kit.explorers._view import (
    Explorer,
    FunctionError,
    LiveFigure,
    call_function,
    float_slider,
    follow_range,
    nice_upper,
    seed_box,
    stats_table,
)
from course_kit.explorers.palette import BLUE, GREEN, ORANGE, VERMILLION

DISTRIBUTIONS = ("normal", "skewed", "bimodal")
BINS = 60  # histogram bins across the current x range
BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1000)
BRACKET_Y, ARROW_Y = 0.84, 0.6  # heights on the z-tilde panel, as fractions of the axes


def sample_preactivations(
    distribution: str, mean: float, spread: float, batch_size: int, rng: np.random.Generator
) -> np.ndarray:
    """One unit's pre-activations over a batch: ``Z = mean + spread * s``, shape (1, m).

    ``s`` has population mean 0 and standard deviation 1:
    ``"normal"``: ``s ~ N(0, 1)``; ``"skewed"``: ``s = e - 1`` with ``e ~ Exp(1)``;
    ``"bimodal"``: ``s = 0.9 * sign + sqrt(0.19) * N(0, 1)``, ``sign = ±1`` with equal odds.
    So ``mean`` and ``spread`` are the distribution's mean and standard deviation; a given
    ``rng`` state gives the same ``s`` for every ``mean`` and ``spread``.
    """
    m = positive_int("batch_size", batch_size, minimum=2)
    rng = generator(rng)
    if not spread > 0:
        raise ValueError(f"spread must be > 0; got {spread!r}")
    if distribution == "normal":
        s = rng.standard_normal(m)
    elif distribution == "skewed":
        s = rng.exponential(1.0, m) - 1.0
    elif distribution == "bimodal":
        sign = np.where(rng.random(m) < 0.5, -1.0, 1.0)
        s = 0.9 * sign + np.sqrt(1 - 0.9**2) * rng.standard_normal(m)
    else:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}; got {distribution!r}")
    return (mean + spread * s)[None, :]


@dataclass(frozen=True)
class GammaBetaState:
    """Everything the explorer shows: 1-D arrays (m,) and the batch statistics.

    ``mu`` and ``var`` are batch norm's (biased, 1/m) statistics of ``z``.
    """

    z: np.ndarray
    z_norm: np.ndarray
    z_tilde: np.ndarray
    mu: float
    var: float
    gamma: float
    beta: float
    eps: float

    @property
    def identity_gamma(self) -> float:
        """``sqrt(var + eps)``: with this gamma (and ``beta = mu``) batch norm gives back z."""
        return float(np.sqrt(self.var + self.eps))

    @property
    def identity_beta(self) -> float:
        """``mu``, the beta that (with ``gamma = sqrt(var + eps)``) gives back z."""
        return self.mu

    @property
    def max_abs_change(self) -> float:
        """``max |z_tilde - z|`` over the batch (0 up to rounding when batch norm is undone)."""
        return float(np.max(np.abs(self.z_tilde - self.z)))

    def summary(self) -> dict[str, tuple[float, float]]:
        """(mean, standard deviation with 1/m) of ``z``, ``z_norm`` and ``z_tilde``."""
        return {
            name: (float(values.mean()), float(values.std()))
            for name, values in (("z", self.z), ("z_norm", self.z_norm), ("z_tilde", self.z_tilde))
        }


def gamma_beta_state(
    distribution: str,
    mean: float,
    spread: float,
    gamma: float,
    beta: float,
    eps: float,
    batch_size: int,
    rng: np.random.Generator,
    batchnorm_forward: Callable,
) -> GammaBetaState:
    """Draw a batch with :func:`sample_preactivations` and pass it through batch norm.

    ``z_tilde, cache = batchnorm_forward(Z, [[gamma]], [[beta]], eps)`` with ``Z`` (1, m); the
    course's cache is ``(Z, Z_norm, mu, var, gamma, beta, eps)``. A ``batchnorm_forward`` that
    raises or returns another shape raises :class:`FunctionError` saying so, with the shapes
    it returned.
    """
    Z = sample_preactivations(distribution, mean, spread, batch_size, rng)
    result = call_function(
        "batchnorm_forward", batchnorm_forward, Z, np.array([[gamma]]), np.array([[beta]]), eps
    )
    try:
        Z_tilde, (_, Z_norm, mu, var, *_rest) = result
        Z_tilde, Z_norm = np.asarray(Z_tilde, dtype=float), np.asarray(Z_norm, dtype=float)
        mu, var = np.asarray(mu, dtype=float), np.asarray(var, dtype=float)
        if Z_tilde.shape != Z.shape or Z_norm.shape != Z.shape or mu.shape != (1, 1) \
                or var.shape != (1, 1):
            raise ValueError
    except (TypeError, ValueError):
        raise FunctionError(
            "batchnorm_forward(Z, gamma, beta, eps) must return (Z_tilde, cache) with Z_tilde "
            f"of Z's shape {Z.shape} and cache = (Z, Z_norm, mu, var, gamma, beta, eps), "
            f"mu and var of shape (1, 1); got {_returned(result)}"
        ) from None
    return GammaBetaState(
        z=Z[0], z_norm=Z_norm[0], z_tilde=Z_tilde[0], mu=float(mu[0, 0]), var=float(var[0, 0]),
        gamma=float(gamma), beta=float(beta), eps=float(eps),
    )


def _returned(result) -> str:
    """What a ``batchnorm_forward`` returned, in a few words: the shapes of ``Z_tilde`` and of
    the cache's ``Z_norm``, ``mu`` and ``var`` (a type name for what has no shape)."""
    if not isinstance(result, tuple | list) or len(result) != 2:
        return f"{type(result).__name__}, not a pair (Z_tilde, cache)"

    def shape(value) -> str:
        return str(getattr(value, "shape", type(value).__name__))

    Z_tilde, cache = result
    if not isinstance(cache, tuple | list):
        return f"Z_tilde {shape(Z_tilde)} and a {type(cache).__name__} as the cache"
    named = zip(("Z_norm", "mu", "var"), cache[1:4], strict=False)  # a short cache: fewer
    return ", ".join([f"Z_tilde {shape(Z_tilde)}", f"a cache of {len(cache)} items",
                      *(f"{name} {shape(value)}" for name, value in named)])


def histogram(values: np.ndarray, limits: tuple[float, float], bins: int = BINS
              ) -> tuple[np.ndarray, np.ndarray]:
    """Density histogram on ``bins`` equal bins over ``limits``: ``heights = counts / (m *
    width)``, ``edges`` (bins+1,). Dividing by the whole batch size m keeps the area equal to
    the share of the batch inside ``limits`` (all of it when the limits hold the data)."""
    edges = np.linspace(limits[0], limits[1], bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    return counts / (values.size * (edges[1] - edges[0])), edges


def panel_limits(values: np.ndarray) -> tuple[tuple[float, float], float]:
    """A panel's x range (the data padded, in 1-2-5 steps) and y top (the histogram's peak
    on that range, rounded up to 1-2-5): a function of the values alone, never of the limits
    drawn before (:func:`follow_range` from scratch, :func:`nice_upper`)."""
    x = follow_range(None, float(values.min()), float(values.max()))
    return x, nice_upper(1.1 * float(histogram(values, x)[0].max()))


def broken_fact(state: GammaBetaState) -> str | None:
    """The first of the lecture's facts the shown ``batchnorm_forward`` breaks, or None.

    With the batch's own mean ``mu = mean(z)`` and biased variance ``var = mean((z - mu)**2)``:
    ``z_norm`` has mean 0 and standard deviation (1/m) ``sqrt(var / (var + eps))`` (1 when
    eps is small), and ``z_tilde = gamma * z_norm + beta``. Undoing batch norm with
    ``gamma = sqrt(var + eps)``, ``beta = mu`` works for any function that uses its own
    statistics; these facts tell the lecture's function apart (e.g. a variance divided by
    m - 1, or eps outside the square root, change the standard deviation).
    """
    var = float(state.z.var())
    expected_std = float(np.sqrt(var / (var + state.eps)))
    mean, std = float(state.z_norm.mean()), float(state.z_norm.std())
    scale = max(1.0, float(np.abs(state.z).max()))
    if abs(mean) > 1e-9 * scale or abs(std - expected_std) > 1e-9 * expected_std:
        return (f"z_norm has mean {mean:.3g} and standard deviation {std:.8f} (1/m); the "
                f"lecture's has mean 0 and √(σ²/(σ²+ε)) = {expected_std:.8f} (σ² with 1/m, "
                "ε inside the root)")
    expected = state.gamma * state.z_norm + state.beta
    if np.max(np.abs(state.z_tilde - expected)) > 1e-9 * max(scale, np.abs(expected).max()):
        return "z̃ is not γ · z_norm + β"
    return None


def _update(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    state = gamma_beta_state(
        v["distribution"], v["mean"], v["spread"], v["gamma"], v["beta"], v["eps"],
        v["batch_size"], np.random.default_rng(v["seed"]), explorer.batchnorm_forward,
    )
    explorer.state = state
    art, ax = explorer.artists, explorer.live.ax
    for key in ("z", "z_norm", "z_tilde"):
        values = getattr(state, key)
        x, top = panel_limits(values)
        if x != ax[key].get_xlim() or top != ax[key].get_ylim()[1]:
            ax[key].set_xlim(*x)
            ax[key].set_ylim(0, top)
            full = True  # six animated axes would cost more than one full redraw
        art[key].set_data(*histogram(values, x))
        art[f"{key}_mean"].set_xdata([values.mean()] * 2)
    x = ax["z_tilde"].get_xlim()
    art["z_ghost"].set_data(*histogram(state.z, x))
    art["z_norm_ghost"].set_data(*histogram(state.z_norm, x))
    half = state.gamma * state.z_norm.std()
    left, right = state.beta - half, state.beta + half
    art["gamma_bracket"].set_data([left, left, right, right],
                                  [BRACKET_Y - 0.05, BRACKET_Y, BRACKET_Y, BRACKET_Y - 0.05])
    art["gamma_label"].set_x(right)
    art["beta_arrow"].xy = (state.beta, ARROW_Y)
    art["beta_label"].set_x(state.beta / 2)
    explorer.live.refresh(full=full)
    broken = broken_fact(state)
    explorer.stats.value = _stats_html(state, broken)
    s = state.summary()
    explorer.describe(
        f"Three histograms. z: mean {s['z'][0]:.2f}, standard deviation {s['z'][1]:.2f}. "
        f"z_norm: mean {s['z_norm'][0]:.2f}, standard deviation {s['z_norm'][1]:.2f}. "
        f"z̃ = γ · z_norm + β with γ = {state.gamma:.3f} and β = {state.beta:.3f}: mean "
        f"{s['z_tilde'][0]:.2f} (β), standard deviation {s['z_tilde'][1]:.2f} (γ times "
        f"z_norm's). {_verdict_text(state, broken)}"
    )


def _undone(state: GammaBetaState) -> bool:
    return state.max_abs_change <= 1e-9 * max(1.0, np.abs(state.z).max())


def _verdict_text(state: GammaBetaState, broken: str | None) -> str:
    if broken:
        return f"This batchnorm_forward is not the lecture's: {broken}."
    if _undone(state):
        return "z̃ = z: batch norm is undone."
    return f"z̃ differs from z by up to {state.max_abs_change:.3g}."


def _stats_html(state: GammaBetaState, broken: str | None) -> str:
    s = state.summary()
    rows = [
        ("z", f"{s['z'][0]:+.3f}", f"{s['z'][1]:.3f}"),
        ("z_norm", f"{s['z_norm'][0]:+.3f}", f"{s['z_norm'][1]:.3f}"),
        ("z̃", f"{s['z_tilde'][0]:+.3f}", f"{s['z_tilde'][1]:.3f}"),
    ]
    text = html.escape(_verdict_text(state, broken))
    if broken:
        verdict = f"<b style='color:#b22222'>✗ {text}</b>"
    elif _undone(state):
        verdict = f"<b style='color:#2a7d2a'>✓ {text}</b>"
    else:
        verdict = text
    return (
        stats_table(rows, ("", "mean", "std"))
        + f"<div>μ = {state.mu:+.4f}, σ² = {state.var:.4f}, √(σ²+ε) = {state.identity_gamma:.4f}"
        f" &nbsp;·&nbsp; {verdict}</div>"
    )


def gamma_beta_explorer(seed: int = 0, *, batchnorm_forward: Callable) -> Explorer:
    """Sliders for the batch (distribution, mean, spread, size) and for gamma, beta and eps.

    Parameters
    ----------
    seed : the seed of the first batch (the "new batch" button adds 1)
    batchnorm_forward : the function to show, with the ``batch_norm`` assignment's signature
        ``batchnorm_forward(Z, gamma, beta, eps) -> (Z_tilde, cache)`` (``course_lib.widgets``
        gives the reference's by default)

    Returns the layout; ``explorer.state`` is the current :class:`GammaBetaState` and
    ``explorer.artists`` the histogram artists (``"z"``, ``"z_norm"``, ``"z_tilde"`` steps,
    their ``"*_mean"`` lines, and on the z-tilde panel the dashed ``"z_ghost"`` outline of z,
    the faint ``"z_norm_ghost"``, the ``"gamma_bracket"`` and the ``"beta_arrow"``).
    """
    controls = {
        "mean": float_slider("batch mean", 2.0, -3.0, 3.0, 0.1, ".1f",
                             "the mean of z over the batch, before batch norm"),
        "spread": float_slider("batch spread", 1.5, 0.25, 2.5, 0.05, ".2f",
                               "the standard deviation of z over the batch"),
        "gamma": float_slider("γ (scale)", 1.0, 0.1, 4.0, None, ".3f",
                              "γ: z̃'s standard deviation is γ times z_norm's"),
        "beta": float_slider("β (shift)", 0.0, -4.0, 4.0, None, ".3f",
                             "β: z̃'s mean is β"),
        "eps": widgets.FloatLogSlider(
            value=1e-5, base=10, min=-8, max=0, step=0.5, description="ε",
            tooltip="ε, added to the variance under the square root",
            readout_format=".0e", style={"description_width": "9em"},
            layout=widgets.Layout(width="26em"),
        ),
        "batch_size": widgets.SelectionSlider(
            options=BATCH_SIZES, value=256, description="batch size m",
            tooltip="m, the number of examples in the batch", continuous_update=True,
            style={"description_width": "9em"}, layout=widgets.Layout(width="26em"),
        ),
        "distribution": widgets.Dropdown(
            options=DISTRIBUTIONS, value="normal", description="distribution",
            tooltip="the shape of the batch's distribution",
            style={"description_width": "9em"}, layout=widgets.Layout(width="20em"),
        ),
        "seed": seed_box(seed, "batch seed"),
    }
    live = LiveFigure([["z"], ["z_norm"], ["z_tilde"]], height=4.8)
    # room on the right for half of the last x tick label, which sits on the axes' edge: the
    # layout is frozen on the first state's ("8"), and a later "−0.04" was cut at the edge
    live.figure.get_layout_engine().set(rect=(0, 0, 0.975, 1))
    art = {}
    titles = {
        "z": r"$z$: the batch as it arrives",
        "z_norm": r"$z_{\mathrm{norm}} = (z-\mu)\,/\,\sqrt{\sigma^2+\varepsilon}$",
        "z_tilde": r"$\tilde z = \gamma\, z_{\mathrm{norm}} + \beta$"
                   r"   (arrow: $\beta$; bracket: $\beta \pm \gamma$ std; dashed: $z$;"
                   r" faint: $z_{\mathrm{norm}}$)",
    }
    colors = {"z": BLUE, "z_norm": ORANGE, "z_tilde": GREEN}
    empty, edges = np.zeros(BINS), np.linspace(-1, 1, BINS + 1)
    for key in ("z", "z_norm", "z_tilde"):
        ax = live.ax[key]
        art[key] = ax.stairs(empty, edges, fill=True, color=colors[key], alpha=0.75)
        art[f"{key}_mean"] = ax.axvline(0.0, color="black", lw=1, ls=":")
        ax.set_title(titles[key], loc="left")
        ax.set_ylabel("density")
        ax.yaxis.set_major_locator(MaxNLocator(3))
    ax = live.ax["z_tilde"]
    art["z_norm_ghost"] = ax.stairs(empty, edges, fill=True, color=ORANGE, alpha=0.18, lw=0)
    art["z_ghost"] = ax.stairs(empty, edges, color="black", ls="--", lw=1)
    blend = ax.get_xaxis_transform()  # x in data, y as a fraction of the axes
    art["gamma_bracket"] = ax.plot([], [], color="black", lw=1.2, transform=blend)[0]
    art["gamma_label"] = ax.text(0, BRACKET_Y, " γ", transform=blend, ha="left",
                                 va="center", fontsize=10)
    art["beta_arrow"] = ax.annotate(
        "", xy=(0, ARROW_Y), xytext=(0, ARROW_Y), xycoords=blend, textcoords=blend,
        arrowprops={"arrowstyle": "-|>", "color": VERMILLION, "lw": 1.5},
    )
    art["beta_label"] = ax.text(0, ARROW_Y - 0.04, "β", transform=blend, ha="center",
                                va="top", color=VERMILLION, fontsize=10)
    for artist in (art["beta_arrow"].arrow_patch, art["beta_label"]):
        artist.set_clip_box(ax.bbox)  # 0 off the panel: the arrow comes in from its edge
        artist.set_clip_on(True)
    ax.set_xlabel("value (dotted line: the batch mean; each panel has its own scale)")
    live.animate(*art.values())

    undo = widgets.Button(
        description="set γ = √(σ²+ε), β = μ", tooltip="undo the normalisation: z̃ becomes z",
        layout=widgets.Layout(width="16em"),
    )
    new_batch = widgets.Button(description="new batch", tooltip="draw another batch (seed + 1)",
                               layout=widgets.Layout(width="8em"))

    def on_undo(explorer: Explorer) -> None:
        state = explorer.state
        explorer.controls["gamma"].value = state.identity_gamma
        explorer.controls["beta"].value = state.identity_beta

    lessons = [
        ("γ = 1, β = 0: z̃ is z_norm, mean 0 and standard deviation 1", {"gamma": 1.0,
                                                                          "beta": 0.0}),
        ("γ = 2, β = 1.5: z̃ is z_norm stretched by γ and shifted by β",
         {"gamma": 2.0, "beta": 1.5}),
        ("γ = √(σ²+ε), β = μ: batch norm undone, z̃ = z", on_undo),
    ]
    explorer = Explorer(
        "gamma-beta", "The γ/β batch-norm explorer", controls, live, _update, art,
        extra=[widgets.HBox([undo, new_batch])], lessons=lessons,
        batchnorm_forward=batchnorm_forward,
    )

    def on_new_batch(_button=None) -> None:
        controls["seed"].value = controls["seed"].value + 1

    undo.on_click(lambda _button: on_undo(explorer))
    new_batch.on_click(on_new_batch)
    explorer.undo_button, explorer.new_batch_button = undo, new_batch
    return explorer
