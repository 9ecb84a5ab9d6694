"""The gamma/beta explorer: what batch norm does to one unit's pre-activations over a batch.

Course notation: one hidden unit, a batch of m examples, so ``Z`` is (1, m). The explorer
draws ``Z``, normalises it with :func:`course_lib.batch_norm.batchnorm_forward` and shows
histograms of ``z``, ``z_norm = (z - mu) / sqrt(var + eps)`` and ``z_tilde = gamma * z_norm +
beta``. Setting ``gamma = sqrt(var + eps)`` and ``beta = mu`` gives back ``z``.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course_lib._validate import generator, positive_int
from course_lib.batch_norm import batchnorm_forward
from course_lib.widgets._view import (
    Explorer,
    LiveFigure,
    float_slider,
    int_slider,
    nice_upper,
    stats_table,
)

DISTRIBUTIONS = ("normal", "skewed", "bimodal")
#: The histograms' common x range and bins (values outside are not drawn, but are counted
#: in the printed statistics).
X_LIMITS = (-12.0, 12.0)
BINS = 96
GAMMA_BETA_STEP = 0.001  # the gamma and beta sliders' resolution


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
) -> GammaBetaState:
    """Draw a batch with :func:`sample_preactivations` and pass it through batch norm.

    ``z_tilde, cache = batchnorm_forward(Z, [[gamma]], [[beta]], eps)`` with ``Z`` (1, m).
    """
    Z = sample_preactivations(distribution, mean, spread, batch_size, rng)
    Z_tilde, (_, Z_norm, mu, var, *_rest) = batchnorm_forward(
        Z, np.array([[gamma]]), np.array([[beta]]), eps
    )
    return GammaBetaState(
        z=Z[0], z_norm=Z_norm[0], z_tilde=Z_tilde[0], mu=float(mu[0, 0]), var=float(var[0, 0]),
        gamma=float(gamma), beta=float(beta), eps=float(eps),
    )


def histogram(
    values: np.ndarray, limits=X_LIMITS, bins: int = BINS
) -> tuple[np.ndarray, np.ndarray]:
    """Density histogram on fixed bins: ``heights = counts / (m * width)``, ``edges`` (bins+1,).

    Dividing by the whole batch size m (not by the count inside ``limits``) keeps the area
    equal to the share of the batch that falls inside the plotted range.
    """
    edges = np.linspace(limits[0], limits[1], bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    return counts / (values.size * (edges[1] - edges[0])), edges


def _update(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    state = gamma_beta_state(
        v["distribution"], v["mean"], v["spread"], v["gamma"], v["beta"], v["eps"],
        v["batch_size"], np.random.default_rng(v["seed"]),
    )
    explorer.state = state
    art = explorer.artists
    for key, values in (("z", state.z), ("z_norm", state.z_norm), ("z_tilde", state.z_tilde)):
        heights, edges = histogram(values)
        art[key].set_data(heights, edges)
        art[f"{key}_mean"].set_xdata([values.mean()] * 2)
        top = nice_upper(1.1 * max(heights.max(), 1e-9))
        ax = art[key].axes
        if ax.get_ylim()[1] != top:
            ax.set_ylim(0, top)
            full = True
        if key == "z":
            z_heights = heights
    art["z_ghost"].set_data(z_heights, edges)
    explorer.live.refresh(full=full)
    explorer.stats.value = _stats_html(state, GAMMA_BETA_STEP)


def _stats_html(state: GammaBetaState, step: float) -> str:
    s = state.summary()
    rows = [
        ("z", f"{s['z'][0]:+.3f}", f"{s['z'][1]:.3f}"),
        ("z_norm", f"{s['z_norm'][0]:+.3f}", f"{s['z_norm'][1]:.3f}"),
        ("z̃", f"{s['z_tilde'][0]:+.3f}", f"{s['z_tilde'][1]:.3f}"),
    ]
    exact = state.max_abs_change <= 1e-9 * max(1.0, np.abs(state.z).max())
    # A browser snaps slider values to the slider's step, so "undone" there means "to within
    # half a step" of gamma = sqrt(var + eps) and beta = mu.
    close = (abs(state.gamma - state.identity_gamma) <= step / 2 + 1e-12
             and abs(state.beta - state.identity_beta) <= step / 2 + 1e-12)
    if exact:
        verdict = "<b style='color:#2a7d2a'>z̃ = z: batch norm is undone</b>"
    elif close:
        verdict = ("<b style='color:#2a7d2a'>z̃ = z up to the sliders' rounding "
                   f"(max |z̃ − z| = {state.max_abs_change:.2g}): batch norm is undone</b>")
    else:
        verdict = f"max |z̃ − z| = {state.max_abs_change:.3g}"
    return (
        stats_table(rows, ("", "mean", "std"))
        + f"<div>μ = {state.mu:+.4f}, σ² = {state.var:.4f}, √(σ²+ε) = {state.identity_gamma:.4f}"
        f" &nbsp;·&nbsp; {verdict}</div>"
    )


def gamma_beta_explorer(seed: int = 0) -> Explorer:
    """Sliders for the batch (distribution, mean, spread, size) and for gamma, beta and eps.

    Returns the layout; ``explorer.state`` is the current :class:`GammaBetaState` and
    ``explorer.artists`` the histogram artists (``"z"``, ``"z_norm"``, ``"z_tilde"`` steps,
    their ``"*_mean"`` lines and the dashed ``"z_ghost"`` outline of z on the z̃ panel).
    """
    controls = {
        "mean": float_slider("batch mean", 2.0, -3.0, 3.0, 0.1),
        "spread": float_slider("batch spread", 1.5, 0.25, 2.5, 0.05),
        "gamma": float_slider("γ (scale)", 1.0, 0.1, 4.0, GAMMA_BETA_STEP, ".3f"),
        "beta": float_slider("β (shift)", 0.0, -4.0, 4.0, GAMMA_BETA_STEP, ".3f"),
        "eps": widgets.FloatLogSlider(
            value=1e-5, base=10, min=-8, max=0, step=0.5, description="ε",
            readout_format=".0e", style={"description_width": "9em"},
            layout=widgets.Layout(width="26em"),
        ),
        "batch_size": int_slider("batch size m", 256, 2, 1000),
        "distribution": widgets.Dropdown(
            options=DISTRIBUTIONS, value="normal", description="distribution",
            style={"description_width": "9em"}, layout=widgets.Layout(width="20em"),
        ),
        "seed": widgets.BoundedIntText(
            value=seed, min=0, max=10**6, description="batch seed",
            style={"description_width": "6em"}, layout=widgets.Layout(width="12em"),
        ),
    }
    live = LiveFigure(3, 1, height=4.2, sharex=True)
    art = {}
    titles = {
        "z": r"$z$: the batch as it arrives",
        "z_norm": r"$z_{\mathrm{norm}} = (z-\mu)\,/\,\sqrt{\sigma^2+\varepsilon}$",
        "z_tilde": r"$\tilde z = \gamma\, z_{\mathrm{norm}} + \beta$  (dashed: $z$)",
    }
    colors = {"z": "tab:blue", "z_norm": "tab:orange", "z_tilde": "tab:green"}
    empty = np.zeros(BINS)
    edges = np.linspace(*X_LIMITS, BINS + 1)
    for ax, key in zip(live.axes, ("z", "z_norm", "z_tilde"), strict=True):
        art[key] = ax.stairs(empty, edges, fill=True, color=colors[key], alpha=0.75)
        art[f"{key}_mean"] = ax.axvline(0.0, color="black", lw=1, ls=":")
        ax.set_title(titles[key], loc="left")
        ax.set_ylabel("density")
        ax.set_xlim(*X_LIMITS)
        ax.set_ylim(0, 1)
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    art["z_ghost"] = live.axes[2].stairs(empty, edges, color="black", ls="--", lw=1)
    live.axes[2].set_xlabel("value (dotted line: the batch mean)")
    live.animate(*art.values())

    undo = widgets.Button(
        description="set γ = √(σ²+ε), β = μ", tooltip="undo the normalisation: z̃ becomes z",
        layout=widgets.Layout(width="16em"),
    )
    new_batch = widgets.Button(description="new batch", layout=widgets.Layout(width="8em"))

    explorer = Explorer(
        "gamma-beta", controls, live, _update, art, extra=[widgets.HBox([undo, new_batch])]
    )

    def on_undo(_button=None) -> None:
        state = explorer.state
        controls["gamma"].value = state.identity_gamma
        controls["beta"].value = state.identity_beta

    def on_new_batch(_button=None) -> None:
        controls["seed"].value = controls["seed"].value + 1

    undo.on_click(on_undo)
    new_batch.on_click(on_new_batch)
    explorer.undo_button, explorer.new_batch_button = undo, new_batch
    explorer.undo = on_undo
    return explorer
