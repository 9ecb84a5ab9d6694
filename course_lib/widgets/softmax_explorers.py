"""Softmax explorers: logits to probabilities (with a temperature), and decision regions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap

from course_lib._validate import generator, positive_int
from course_lib.data import make_blobs
from course_lib.softmax import one_hot, predict, softmax, softmax_regression_grads
from course_lib.widgets._view import (
    Explorer,
    LiveFigure,
    float_slider,
    int_slider,
    stats_table,
)

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


def _update_logits(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    logits = [v[f"z{k}"] for k in range(1, explorer.n_classes + 1)]
    probabilities = softmax_probabilities(logits, v["temperature"])
    explorer.state = probabilities
    art = explorer.artists
    for k, (z, p) in enumerate(zip(logits, probabilities, strict=True)):
        art["logit_bars"][k].set_height(z)
        art["prob_bars"][k].set_height(p)
        art["prob_labels"][k].set_text(f"{p:.2f}")
        art["prob_labels"][k].set_y(p + 0.02)
    explorer.live.refresh(full=full)
    explorer.stats.value = stats_table(
        [("z", *(f"{z:+.2f}" for z in logits)),
         ("a = softmax(z/T)", *(f"{p:.3f}" for p in probabilities))],
        ("", *(f"class {k}" for k in range(1, len(logits) + 1))),
    ) + f"<div>sum of a = {probabilities.sum():.6f}</div>"


def softmax_explorer(logits: Sequence[float] = (5.0, 2.0, -1.0, 3.0)) -> Explorer:
    """One slider per logit and one for the temperature T; bars of z and of softmax(z / T).

    The default logits are the lecture's example ``z = (5, 2, -1, 3)``. ``explorer.state`` is
    the probability vector (C,); ``explorer.artists`` holds ``"logit_bars"``, ``"prob_bars"``
    and ``"prob_labels"`` (lists, one per class).
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
    live = LiveFigure(1, 2, height=2.8)
    ax_z, ax_p = live.axes
    classes = np.arange(1, C + 1)
    colors = CLASS_COLORS[:C] if C <= len(CLASS_COLORS) else None
    art = {
        "logit_bars": list(ax_z.bar(classes, np.zeros(C), color=colors)),
        "prob_bars": list(ax_p.bar(classes, np.zeros(C), color=colors)),
        "prob_labels": [ax_p.text(k, 0, "", ha="center", fontsize=8) for k in classes],
    }
    ax_z.axhline(0, color="black", lw=0.8)
    ax_z.set_ylim(-6.5, 6.5)
    ax_z.set_title("Logits z (one column)", loc="left")
    ax_p.set_ylim(0, 1.12)
    ax_p.set_title("Probabilities a = softmax(z / T)", loc="left")
    for ax in (ax_z, ax_p):
        ax.set_xticks(classes)
        ax.set_xlabel("class")
    live.animate(*art["logit_bars"], *art["prob_bars"], *art["prob_labels"])
    return Explorer("softmax", controls, live, _update_logits, art, columns=2, n_classes=C)


def train_softmax_regression(
    X: np.ndarray, labels: np.ndarray, n_classes: int, steps: int, learning_rate: float
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Batch gradient descent from ``W = 0``, ``b = 0`` with ``softmax_regression_grads``.

    ``X`` (n_x, m), ``labels`` (m,). Each step: ``W -= lr * dW``, ``b -= lr * db``.
    Returns ``(W (C, n_x), b (C, 1), losses)`` with the loss before each step.
    """
    steps = positive_int("steps", steps, minimum=0)
    Y = one_hot(labels, n_classes)
    W, b = np.zeros((n_classes, X.shape[0])), np.zeros((n_classes, 1))
    losses = []
    for _ in range(steps):
        loss, dW, db = softmax_regression_grads(W, b, X, Y)
        losses.append(loss)
        W, b = W - learning_rate * dW, b - learning_rate * db
    return W, b, losses


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


def decision_regions_state(
    n_classes: int, spread: float, steps: int, learning_rate: float, rng: np.random.Generator,
    n_per_class: int = 40,
) -> RegionsState:
    """``make_blobs(n_per_class, n_classes, spread, rng)``, then :func:`train_softmax_regression`
    and ``predict(W, b, grid)`` on the plotting grid."""
    data = make_blobs(n_per_class, n_classes, spread, generator(rng))
    W, b, losses = train_softmax_regression(data.X, data.labels, n_classes, steps, learning_rate)
    xs = np.linspace(-GRID_LIMIT, GRID_LIMIT, GRID_SIZE)
    X1, X2 = np.meshgrid(xs, xs)
    regions = predict(W, b, np.stack([X1.ravel(), X2.ravel()])).reshape(X1.shape)
    accuracy = float(np.mean(predict(W, b, data.X) == data.labels))
    return RegionsState(data.X, data.labels, W, b, losses, regions, accuracy)


MAX_STEPS = 300


def _update_regions(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    state = decision_regions_state(
        v["n_classes"], v["spread"], v["steps"], v["learning_rate"],
        np.random.default_rng(v["seed"]),
    )
    explorer.state = state
    art = explorer.artists
    art["regions"].set_data(state.regions)
    art["points"].set_offsets(state.X.T)
    art["points"].set_facecolors([CLASS_COLORS[k] for k in state.labels])
    art["loss"].set_data(np.arange(len(state.losses)), state.losses)
    explorer.live.refresh(full=full)
    final = f"{state.losses[-1]:.3f}" if state.losses else "–"
    explorer.stats.value = (
        f"training accuracy {state.accuracy:.1%} · cross-entropy before the last step {final}"
    )


def decision_regions_explorer(seed: int = 0) -> Explorer:
    """Softmax regression on 2-D blobs: sliders for classes, spread, steps and learning rate.

    ``explorer.state`` is the current :class:`RegionsState`; ``explorer.artists`` has the
    ``"regions"`` image, the ``"points"`` scatter and the ``"loss"`` curve.
    """
    controls = {
        "steps": int_slider("gradient steps", 40, 0, MAX_STEPS, 5),
        "n_classes": int_slider("classes C", 3, 2, 5),
        "spread": float_slider("blob spread", 1.0, 0.3, 3.0, 0.1),
        "learning_rate": float_slider("learning rate α", 0.5, 0.05, 2.0, 0.05),
        "seed": widgets.BoundedIntText(
            value=seed, min=0, max=10**6, description="seed",
            style={"description_width": "6em"}, layout=widgets.Layout(width="12em"),
        ),
    }
    live = LiveFigure(1, 2, height=3.4, width_ratios=(1, 1.1))
    ax, ax_loss = live.axes
    cmap = ListedColormap(CLASS_COLORS)
    art = {
        "regions": ax.imshow(
            np.zeros((GRID_SIZE, GRID_SIZE)), extent=(-GRID_LIMIT, GRID_LIMIT) * 2,
            origin="lower", cmap=cmap, vmin=-0.5, vmax=len(CLASS_COLORS) - 0.5, alpha=0.3,
            interpolation="nearest",
        ),
        "points": ax.scatter([], [], s=12, edgecolors="black", linewidths=0.4),
    }
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title("Decision regions: argmax of W x + b", loc="left")
    art["loss"] = ax_loss.plot([], [], color="tab:blue")[0]
    ax_loss.set_xlim(0, MAX_STEPS)
    ax_loss.set_ylim(0, 1.8)
    ax_loss.set_xlabel("gradient step")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title("Training loss", loc="left")
    live.animate(*art.values())
    return Explorer("regions", controls, live, _update_regions, art)
