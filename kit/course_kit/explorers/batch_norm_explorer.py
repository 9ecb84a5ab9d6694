"""The gamma/beta explorer: what batch norm does to one unit's pre-activations over a batch.

Course notation: one hidden unit, a batch of m examples, so ``Z`` is (1, m). The explorer
draws ``Z``, normalises it with ``batchnorm_forward`` and shows histograms of ``z``,
``z_norm = (z - mu) / sqrt(var + eps)`` and ``z_tilde = gamma * z_norm + beta`` on one x axis
that follows the data and one y range, so widths and heights compare across the panels. On
the ``z_tilde`` panel a bracket marks ``beta ± gamma * std(z_norm)`` and an arrow the shift
``beta``, over a faint outline of ``z_norm``. Setting ``gamma = sqrt(var + eps)`` and
``beta = mu`` gives back ``z``.

``batchnorm_forward`` is an argument (the ``batch_norm`` assignment's signature), so the
explorer runs on a student's own (``course_lib.widgets`` gives it the reference's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course_kit._validate import generator, positive_int
from course_kit.explorers._view import (
    Explorer,
    FunctionError,
    LiveFigure,
    call_function,
    float_slider,
    follow_range,
    follow_upper,
    int_slider,
    seed_box,
    stats_table,
)

DISTRIBUTIONS = ("normal", "skewed", "bimodal")
BINS = 60  # histogram bins across the current x range
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


def axis_limits(
    state: GammaBetaState, current_x: tuple[float, float] | None, current_top: float | None
) -> tuple[tuple[float, float], float]:
    """The shared x range (every value of z, z_norm and z_tilde inside, and 0) and the shared
    y top (the tallest of the three histograms), each kept while it still fits
    (:func:`follow_range`, :func:`follow_upper`)."""
    values = np.concatenate([state.z, state.z_norm, state.z_tilde, [0.0]])
    x = follow_range(current_x, float(values.min()), float(values.max()))
    peak = max(histogram(v, x)[0].max() for v in (state.z, state.z_norm, state.z_tilde))
    return x, follow_upper(current_top, float(peak))


BRACKET_Y, ARROW_Y = 0.84, 0.6  # heights on the z-tilde panel, as fractions of the axes


def _update(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    state = gamma_beta_state(
        v["distribution"], v["mean"], v["spread"], v["gamma"], v["beta"], v["eps"],
        v["batch_size"], np.random.default_rng(v["seed"]), explorer.batchnorm_forward,
    )
    explorer.state = state
    art, ax = explorer.artists, explorer.live.ax
    x, top = axis_limits(state, ax["z"].get_xlim(), ax["z"].get_ylim()[1])
    if x != ax["z"].get_xlim() or top != ax["z"].get_ylim()[1]:
        ax["z"].set_xlim(*x)  # shared by the three panels
        ax["z"].set_ylim(0, top)
        full = True
    for key in ("z", "z_norm", "z_tilde"):
        values = getattr(state, key)
        art[key].set_data(*histogram(values, x))
        art[f"{key}_mean"].set_xdata([values.mean()] * 2)
    art["z_ghost"].set_data(*histogram(state.z, x))
    art["z_norm_ghost"].set_data(*histogram(state.z_norm, x))
    half = state.gamma * state.z_norm.std()
    left, right = state.beta - half, state.beta + half
    art["gamma_bracket"].set_data([left, left, right, right],
                                  [BRACKET_Y - 0.05, BRACKET_Y, BRACKET_Y, BRACKET_Y - 0.05])
    art["gamma_label"].set_x(state.beta)
    art["beta_arrow"].xy = (state.beta, ARROW_Y)
    art["beta_label"].set_x(state.beta / 2)
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
        "seed": seed_box(seed, "batch seed"),
    }
    live = LiveFigure([["z"], ["z_norm"], ["z_tilde"]], height=4.6, sharex=True, sharey=True)
    art = {}
    titles = {
        "z": r"$z$: the batch as it arrives",
        "z_norm": r"$z_{\mathrm{norm}} = (z-\mu)\,/\,\sqrt{\sigma^2+\varepsilon}$",
        "z_tilde": r"$\tilde z = \gamma\, z_{\mathrm{norm}} + \beta$"
                   r"     arrow: shift $\beta$;  bracket: $\beta \pm \gamma$ std;  dashed: $z$;"
                   r"  faint: $z_{\mathrm{norm}}$",
    }
    colors = {"z": "tab:blue", "z_norm": "tab:orange", "z_tilde": "tab:green"}
    empty, edges = np.zeros(BINS), np.linspace(-1, 1, BINS + 1)
    for key in ("z", "z_norm", "z_tilde"):
        ax = live.ax[key]
        art[key] = ax.stairs(empty, edges, fill=True, color=colors[key], alpha=0.75)
        art[f"{key}_mean"] = ax.axvline(0.0, color="black", lw=1, ls=":")
        ax.set_title(titles[key], loc="left")
        ax.set_ylabel("density")
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax = live.ax["z_tilde"]
    art["z_norm_ghost"] = ax.stairs(empty, edges, fill=True, color="tab:orange", alpha=0.18,
                                    lw=0)
    art["z_ghost"] = ax.stairs(empty, edges, color="black", ls="--", lw=1)
    blend = ax.get_xaxis_transform()  # x in data, y as a fraction of the axes
    art["gamma_bracket"] = ax.plot([], [], color="black", lw=1.2, transform=blend)[0]
    art["gamma_label"] = ax.text(0, BRACKET_Y + 0.02, "γ", transform=blend, ha="center",
                                 va="bottom", fontsize=10)
    art["beta_arrow"] = ax.annotate(
        "", xy=(0, ARROW_Y), xytext=(0, ARROW_Y), xycoords=blend, textcoords=blend,
        arrowprops={"arrowstyle": "-|>", "color": "tab:red", "lw": 1.5},
    )
    art["beta_label"] = ax.text(0, ARROW_Y + 0.03, "β", transform=blend, ha="center",
                                va="bottom", color="tab:red", fontsize=10)
    ax.set_xlabel("value (dotted line: the batch mean)")
    live.animate(*art.values())

    undo = widgets.Button(
        description="set γ = √(σ²+ε), β = μ", tooltip="undo the normalisation: z̃ becomes z",
        layout=widgets.Layout(width="16em"),
    )
    new_batch = widgets.Button(description="new batch", layout=widgets.Layout(width="8em"))

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
