"""Softmax explorers: logits to probabilities (with a temperature), and decision regions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgb

from course_kit._validate import generator, positive_int
from course_kit.data import make_blobs
from course_kit.explorers._view import (
    Explorer,
    LiveFigure,
    float_slider,
    follow_upper,
    int_slider,
    seed_box,
    stats_table,
)
from course_lib.softmax import one_hot, predict, softmax, softmax_regression_grads

CLASS_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")


def softmax_probabilities(logits: Sequence[float], temperature: float = 1.0) -> np.ndarray:
    """``softmax(z / T)`` of one column of logits ``z`` (C,), returned as (C,).

    T = 1 is the plain softmax; a large T flattens the probabilities towards 1/C, a small T
    sharpens them towards the arg-max.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature!r}")
    z = np.asarray(logits, dtype=float)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"logits must be a 1-D sequence of at least 2 numbers; got {logits!r}")
    return softmax(z[:, None] / temperature)[:, 0]


def exponentiated(logits: Sequence[float], temperature: float = 1.0) -> np.ndarray:
    """The softmax's middle step for one column: ``t = exp((z - max z) / T)`` (C,).

    Subtracting the largest logit first keeps every ``t`` in (0, 1] (the largest is 1) and
    changes nothing after normalising: ``softmax(z / T) = t / sum(t)``.
    """
    z = np.asarray(logits, dtype=float)
    return np.exp((z - z.max()) / temperature)


def _update_logits(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    logits = [v[f"z{k}"] for k in range(1, explorer.n_classes + 1)]
    temperature = v["temperature"]
    probabilities = softmax_probabilities(logits, temperature)
    t = exponentiated(logits, temperature)
    explorer.state = probabilities
    art = explorer.artists
    for k, (z, e, p) in enumerate(zip(logits, t, probabilities, strict=True)):
        art["logit_bars"][k].set_height(z)
        art["exp_bars"][k].set_height(e)
        art["prob_bars"][k].set_height(p)
        art["prob_labels"][k].set_text(f"{p:.2f}")
        art["prob_labels"][k].set_y(p + 0.02)
    art["exp_sum"].set_text(f"Σt = {t.sum():.3g}")
    explorer.live.refresh(full=full)
    explorer.stats.value = stats_table(
        [("z", *(f"{z:+.2f}" for z in logits)),
         ("z / T", *(f"{z / temperature:+.2f}" for z in logits)),
         ("t = e^((z − max z)/T)", *(f"{e:.3g}" for e in t)),
         ("a = t / Σt", *(f"{p:.3f}" for p in probabilities))],
        ("", *(f"class {k}" for k in range(1, len(logits) + 1))),
    ) + f"<div>Σt = {t.sum():.4g}; sum of a = {probabilities.sum():.6f}; 1/C = " \
        f"{1 / len(logits):.3f}</div>"


def softmax_explorer(logits: Sequence[float] = (5.0, 2.0, -1.0, 3.0)) -> Explorer:
    """One slider per logit and one for the temperature T; the softmax in its three steps.

    Bars of the logits z, of ``t = exp((z - max z) / T)`` and of ``a = t / sum(t)`` with the
    uniform ``1/C`` as a dashed line. The default logits are the lecture's example
    ``z = (5, 2, -1, 3)``. ``explorer.state`` is the probability vector (C,);
    ``explorer.artists`` holds ``"logit_bars"``, ``"exp_bars"``, ``"prob_bars"`` and
    ``"prob_labels"`` (lists, one per class), the ``"exp_sum"`` text and the ``"uniform"``
    line at 1/C.
    """
    C = len(logits)
    controls = {
        f"z{k + 1}": float_slider(f"logit z{k + 1}", float(z), -6.0, 6.0, 0.1)
        for k, z in enumerate(logits)
    }
    controls["temperature"] = widgets.FloatLogSlider(
        value=1.0, base=10, min=-1, max=1, step=0.05, description="temperature T",
        style={"description_width": "9em"}, layout=widgets.Layout(width="26em"),
    )
    live = LiveFigure([["z", "t", "a"]], height=3.0)
    ax_z, ax_t, ax_p = live.axes
    classes = np.arange(1, C + 1)
    colors = CLASS_COLORS[:C] if C <= len(CLASS_COLORS) else None
    art = {
        "logit_bars": list(ax_z.bar(classes, np.zeros(C), color=colors)),
        "exp_bars": list(ax_t.bar(classes, np.zeros(C), color=colors)),
        "prob_bars": list(ax_p.bar(classes, np.zeros(C), color=colors)),
        "prob_labels": [ax_p.text(k, 0, "", ha="center", fontsize=8) for k in classes],
        "exp_sum": ax_t.text(0.97, 0.95, "", transform=ax_t.transAxes, ha="right", va="top"),
    }
    art["uniform"] = ax_p.axhline(1 / C, color="black", ls="--", lw=1, label=f"1/C = 1/{C}")
    ax_z.axhline(0, color="black", lw=0.8)
    ax_z.set_ylim(-6.5, 6.5)
    ax_z.set_ylabel("logit z")
    ax_z.set_title("1. Logits z", loc="left")
    ax_t.set_ylim(0, 1.15)
    ax_t.set_ylabel("t = e^((z − max z) / T)")
    ax_t.set_title("2. Exponentiate", loc="left")
    ax_p.set_ylim(0, 1.15)
    ax_p.set_ylabel("probability a = t / Σt")
    ax_p.set_title("3. Normalise", loc="left")
    ax_p.legend(loc="upper right", fontsize=8)
    for ax in (ax_z, ax_t, ax_p):
        ax.set_xticks(classes)
        ax.set_xlabel("class")
    live.animate(*art["logit_bars"], *art["exp_bars"], *art["prob_bars"], *art["prob_labels"],
                 art["exp_sum"])
    lessons = [
        ("T = 1: z = (5, 2, −1, 3) gives a = (0.84, 0.04, 0.00, 0.11)", {"temperature": 1.0}),
        ("T = 0.1: nearly the hard max, all on the largest logit", {"temperature": 0.1}),
        ("T = 10: nearly uniform, every a close to 1/C", {"temperature": 10.0}),
    ]
    return Explorer("softmax", "The softmax explorer", controls, live, _update_logits, art,
                    columns=2, lessons=lessons, n_classes=C)


class TrainingPath:
    """Batch gradient descent from ``W = 0``, ``b = 0`` with ``softmax_regression_grads``, kept
    step by step: the parameters after any number of steps are at hand, and asking for more
    steps goes on from the last ones.

    ``X`` (n_x, m), ``labels`` (m,). Each step: ``W -= lr * dW``, ``b -= lr * db``.
    """

    def __init__(self, X: np.ndarray, labels: np.ndarray, n_classes: int,
                 learning_rate: float) -> None:
        self.X, self.Y, self.learning_rate = X, one_hot(labels, n_classes), learning_rate
        self.Ws = [np.zeros((n_classes, X.shape[0]))]
        self.bs = [np.zeros((n_classes, 1))]
        self.losses: list[float] = []

    def at(self, steps: int) -> tuple[np.ndarray, np.ndarray, list[float]]:
        """``(W (C, n_x), b (C, 1), losses)`` after ``steps`` steps, the loss before each."""
        steps = positive_int("steps", steps, minimum=0)
        while len(self.losses) < steps:
            loss, dW, db = softmax_regression_grads(self.Ws[-1], self.bs[-1], self.X, self.Y)
            self.losses.append(loss)
            self.Ws.append(self.Ws[-1] - self.learning_rate * dW)
            self.bs.append(self.bs[-1] - self.learning_rate * db)
        return self.Ws[steps], self.bs[steps], self.losses[:steps]


def train_softmax_regression(
    X: np.ndarray, labels: np.ndarray, n_classes: int, steps: int, learning_rate: float
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """``steps`` steps of :class:`TrainingPath`: ``(W (C, n_x), b (C, 1), losses)``."""
    return TrainingPath(X, labels, n_classes, learning_rate).at(steps)


GRID_LIMIT = 6.5
GRID_SIZE = 120


@dataclass(frozen=True)
class RegionsState:
    """Blobs ``X`` (2, m) with ``labels`` (m,), the trained ``W``, ``b``, the losses, and the
    predicted class on a GRID_SIZE x GRID_SIZE grid over [-6.5, 6.5]^2 (rows: x_2, cols: x_1)."""

    X: np.ndarray
    labels: np.ndarray
    W: np.ndarray
    b: np.ndarray
    losses: list
    regions: np.ndarray
    accuracy: float

    @property
    def notice(self) -> tuple[str, str] | None:
        """What went wrong in training, as (headline, details), or None.

        Gradient descent from ``W = 0`` starts at the loss ``ln C``; a step size too large for
        the data makes the loss rise above that start instead of falling. "training diverged"
        when the last loss is above the first (or not finite), "training is unstable" when the
        loss rose above the first on the way but came back under it.
        """
        losses = np.asarray(self.losses, dtype=float)
        if losses.size < 2:
            return None
        if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
            return ("training diverged",
                    f"the loss went from {losses[0]:.2f} up to {losses[-1]:.2f}: "
                    "lower the learning rate α")
        if losses.max() > losses[0]:
            return ("training is unstable",
                    f"the loss rose to {losses.max():.2f} (start {losses[0]:.2f}) before "
                    "falling: α is on the edge")
        return None


def regions_state(data, W: np.ndarray, b: np.ndarray, losses: list) -> RegionsState:
    """The :class:`RegionsState` of a trained model: ``predict(W, b, grid)`` on the plotting
    grid and the training accuracy on ``data`` (``X`` (2, m), ``labels`` (m,))."""
    xs = np.linspace(-GRID_LIMIT, GRID_LIMIT, GRID_SIZE)
    X1, X2 = np.meshgrid(xs, xs)
    regions = predict(W, b, np.stack([X1.ravel(), X2.ravel()])).reshape(X1.shape)
    accuracy = float(np.mean(predict(W, b, data.X) == data.labels))
    return RegionsState(data.X, data.labels, W, b, losses, regions, accuracy)


def decision_regions_state(
    n_classes: int, spread: float, steps: int, learning_rate: float, rng: np.random.Generator,
    n_per_class: int = 40,
) -> RegionsState:
    """``make_blobs(n_per_class, n_classes, spread, rng)``, then :func:`train_softmax_regression`
    and :func:`regions_state`."""
    data = make_blobs(n_per_class, n_classes, spread, generator(rng))
    return regions_state(
        data, *train_softmax_regression(data.X, data.labels, n_classes, steps, learning_rate)
    )


@lru_cache(maxsize=16)
def _blobs_and_path(n_classes: int, spread: float, learning_rate: float, seed: int):
    """The explorer's data (``make_blobs(40, n_classes, spread, default_rng(seed))``) and its
    :class:`TrainingPath`, kept while the steps slider moves (as decision_regions_state with
    a fresh ``default_rng(seed)`` would give)."""
    data = make_blobs(40, n_classes, spread, np.random.default_rng(seed))
    return data, TrainingPath(data.X, data.labels, n_classes, learning_rate)


MAX_STEPS = 300
#: Each class's region colour, opaque RGB (C, 3) uint8: its colour at 30 % over white. An
#: image of these needs no colour mapping when it is drawn (a third of an update's time).
REGION_RGB = np.round(
    255 * (0.7 + 0.3 * np.array([to_rgb(color) for color in CLASS_COLORS]))
).astype(np.uint8)


def _update_regions(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    data, path = _blobs_and_path(v["n_classes"], v["spread"], v["learning_rate"], v["seed"])
    state = regions_state(data, *path.at(v["steps"]))
    explorer.state = state
    art, ax = explorer.artists, explorer.live.ax["loss"]
    art["regions"].set_data(REGION_RGB[state.regions])
    art["points"].set_offsets(state.X.T)
    art["points"].set_facecolors([CLASS_COLORS[k] for k in state.labels])
    art["loss"].set_data(np.arange(len(state.losses)), state.losses)
    right = min(follow_upper(ax.get_xlim()[1], max(v["steps"], 1)), MAX_STEPS)
    finite = [loss for loss in state.losses if np.isfinite(loss)]
    top = follow_upper(ax.get_ylim()[1], max(finite, default=np.log(v["n_classes"])))
    if (right, top) != (ax.get_xlim()[1], ax.get_ylim()[1]):
        ax.set_xlim(0, right)
        ax.set_ylim(0, top)
        full = True
    notice = state.notice
    art["notice"].set_visible(notice is not None)
    # the headline only: a constant text draws fast, the numbers are in the stats box
    art["notice"].set_text(notice[0] if notice else "")
    explorer.live.refresh(full=full)
    final = f"{state.losses[-1]:.3f}" if state.losses else "–"
    explorer.stats.value = (
        f"after {v['steps']} gradient steps: training accuracy {state.accuracy:.1%} · "
        f"cross-entropy before the last step {final}"
        + (f"<br><b style='color:#b22222'>{notice[0]}</b>: {notice[1]}" if notice else "")
    )


def decision_regions_explorer(seed: int = 0) -> Explorer:
    """Softmax regression on 2-D blobs: sliders for classes, spread, steps and learning rate.

    ``explorer.state`` is the current :class:`RegionsState`; ``explorer.artists`` has the
    ``"regions"`` image (``REGION_RGB`` of the predicted classes), the ``"points"`` scatter,
    the ``"loss"`` curve (on axes that follow the steps and the loss) and the ``"notice"``
    text shown when training diverges.
    """
    controls = {
        "steps": int_slider("gradient steps", 40, 0, MAX_STEPS, 5),
        "n_classes": int_slider("classes C", 3, 2, 5),
        "spread": float_slider("blob spread", 1.0, 0.3, 3.0, 0.1),
        "learning_rate": float_slider("learning rate α", 0.5, 0.05, 2.0, 0.05),
        "seed": seed_box(seed),
    }
    live = LiveFigure([["regions", "loss"]], height=3.4, width_ratios=(1, 1.1))
    ax, ax_loss = live.axes
    art = {
        "regions": ax.imshow(
            REGION_RGB[np.zeros((GRID_SIZE, GRID_SIZE), dtype=int)],
            extent=(-GRID_LIMIT, GRID_LIMIT) * 2, origin="lower", interpolation="nearest",
        ),
        "points": ax.scatter([], [], s=12, edgecolors="black", linewidths=0.4),
    }
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title("Decision regions: argmax of W x + b", loc="left")
    art["loss"] = ax_loss.plot([], [], color="tab:blue")[0]
    art["notice"] = ax_loss.text(
        0.5, 0.95, "", transform=ax_loss.transAxes, ha="center", va="top", color="#b22222",
        fontsize=12, fontweight="bold", bbox={"facecolor": "white", "alpha": 0.85, "lw": 0},
    )
    ax_loss.set_xlim(0, MAX_STEPS)
    ax_loss.set_ylim(0, 2)
    ax_loss.set_xlabel("gradient step")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title("Training loss", loc="left")
    live.animate(*art.values())
    lessons = [
        ("40 steps at α = 0.5: three straight boundaries, the loss falling",
         {"steps": 40, "learning_rate": 0.5, "spread": 1.0, "n_classes": 3}),
        ("Overlapping blobs (spread 3), 5 classes, α = 2: training diverges",
         {"steps": 300, "learning_rate": 2.0, "spread": 3.0, "n_classes": 5}),
    ]
    return Explorer("regions", "Softmax regression: decision regions", controls, live,
                    _update_regions, art, lessons=lessons)
