"""Softmax explorers: logits to probabilities (with a temperature), and decision regions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.ticker import FuncFormatter, MaxNLocator

from course_kit._validate import generator, positive_int
from course_kit.data import make_blobs
from course_kit.explorers._view import (
    Explorer,
    LiveFigure,
    float_slider,
    int_slider,
    nice_upper,
    seed_box,
    stats_table,
)
from course_kit.explorers.palette import CATEGORIES, CATEGORY_MARKERS
from course_lib.softmax import one_hot, predict, softmax, softmax_regression_grads

CLASS_COLORS = CATEGORIES[:5]
CLASS_MARKERS = CATEGORY_MARKERS[:5]


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
    """The softmax's middle step for one column, as the lecture writes it: ``t = e^(z / T)``
    (C,). For z = (5, 2, -1, 3), T = 1: t = (148.4, 7.4, 0.4, 20.1), sum 176.3.

    Code subtracts the largest logit first (``e^((z - max z) / T)``, every value in (0, 1])
    so that nothing overflows; that divides every t by the same number and changes no
    probability ``a = t / sum(t)``.
    """
    z = np.asarray(logits, dtype=float)
    return np.exp(z / temperature)


def _update_logits(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    logits = [v[f"z{k}"] for k in range(1, explorer.n_classes + 1)]
    temperature = v["temperature"]
    probabilities = softmax_probabilities(logits, temperature)
    t = exponentiated(logits, temperature)
    explorer.state = probabilities
    art, ax_t = explorer.artists, explorer.live.ax["t"]
    top = nice_upper(1.1 * float(t.max()))  # from the state alone
    if top != ax_t.get_ylim()[1]:
        ax_t.set_ylim(0, top)  # its y axis is animated: no full redraw
    for k, (z, e, p) in enumerate(zip(logits, t, probabilities, strict=True)):
        art["logit_bars"][k].set_height(z)
        art["exp_bars"][k].set_height(e)
        art["prob_bars"][k].set_height(p)
        art["prob_labels"][k].set_text(f"{p:.2f}")
        art["prob_labels"][k].set_y(p + 0.02)
    art["exp_sum"].set_text(f"Σt = {t.sum():.4g}")
    explorer.live.refresh(full=full)
    explorer.stats.value = stats_table(
        [("z", *(f"{z:+.2f}" for z in logits)),
         ("z / T", *(f"{z / temperature:+.2f}" for z in logits)),
         ("t = e^(z/T)", *(f"{e:.4g}" for e in t)),
         ("a = t / Σt", *(f"{p:.3f}" for p in probabilities))],
        ("", *(f"class {k}" for k in range(1, len(logits) + 1))),
    ) + f"<div>Σt = {t.sum():.4g}; sum of a = {probabilities.sum():.6f}; 1/C = " \
        f"{1 / len(logits):.3f}. (Code computes e^((z − max z)/T) instead: each t divided " \
        "by the same number, no overflow, the same a.)</div>"
    order = np.argsort(probabilities)[::-1]
    explorer.describe(
        f"Logits z = ({', '.join(f'{z:g}' for z in logits)}) at temperature T = "
        f"{temperature:.3g}. Exponentiated, t = e^(z/T) = "
        f"({', '.join(f'{e:.4g}' for e in t)}), sum {t.sum():.4g}. Normalised, a = "
        f"({', '.join(f'{p:.2f}' for p in probabilities)}): class {order[0] + 1} gets "
        f"{probabilities[order[0]]:.0%}, against 1/C = {1 / len(logits):.0%} each if uniform."
    )


def softmax_explorer(logits: Sequence[float] = (5.0, 2.0, -1.0, 3.0)) -> Explorer:
    """One slider per logit and one for the temperature T; the softmax in its three steps.

    Bars of the logits z, of ``t = e^(z / T)`` (the lecture's numbers: Σt = 176.3 for the
    default logits) and of ``a = t / sum(t)`` with the uniform ``1/C`` as a dashed line. The
    default logits are the lecture's example ``z = (5, 2, -1, 3)``. ``explorer.state`` is the
    probability vector (C,); ``explorer.artists`` holds ``"logit_bars"``, ``"exp_bars"``,
    ``"prob_bars"`` and ``"prob_labels"`` (lists, one per class), the ``"exp_sum"`` text and
    the ``"uniform"`` line at 1/C.
    """
    C = len(logits)
    controls = {
        f"z{k + 1}": float_slider(f"logit z{k + 1}", float(z), -6.0, 6.0, 0.25, ".2f",
                                  f"the logit of class {k + 1}")
        for k, z in enumerate(logits)
    }
    controls["temperature"] = widgets.FloatLogSlider(
        value=1.0, base=10, min=-1, max=1, step=0.05, description="temperature T",
        tooltip="T divides every logit: large T flattens, small T sharpens",
        readout_format=".3g", style={"description_width": "9em"},
        layout=widgets.Layout(width="26em"),
    )
    live = LiveFigure([["z", "t", "a"]], height=3.0)
    ax_z, ax_t, ax_p = live.axes
    classes = np.arange(1, C + 1)
    colors = [CATEGORIES[k % len(CATEGORIES)] for k in range(C)]
    art = {
        "logit_bars": list(ax_z.bar(classes, np.zeros(C), color=colors)),
        "exp_bars": list(ax_t.bar(classes, np.zeros(C), color=colors)),
        "prob_bars": list(ax_p.bar(classes, np.zeros(C), color=colors)),
        "prob_labels": [ax_p.text(k, 0, "", ha="center", fontsize=9) for k in classes],
        "exp_sum": ax_t.text(0.97, 0.95, "", transform=ax_t.transAxes, ha="right", va="top"),
    }
    art["uniform"] = ax_p.axhline(1 / C, color="black", ls="--", lw=1, label=f"1/C = 1/{C}")
    ax_z.axhline(0, color="black", lw=0.8)
    ax_z.set_ylim(-6.5, 6.5)
    ax_z.set_ylabel("logit z")
    ax_z.set_title("1. Logits z", loc="left")
    ax_t.set_ylim(0, 1.15)
    # no offset, and "8e21" rather than "8e+21": at T = 0.1 wider labels pushed the axis
    # label into the logits' panel, under its bars
    ax_t.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:.3g}".replace("e+", "e")))
    ax_t.set_ylabel("t = e^(z / T)")
    ax_t.set_title("2. Exponentiate", loc="left")
    ax_p.set_ylim(0, 1.15)
    ax_p.set_ylabel("probability a = t / Σt")
    ax_p.set_title("3. Normalise", loc="left")
    ax_p.legend(loc="upper right", fontsize=9)
    for ax in (ax_z, ax_t, ax_p):
        ax.set_xticks(classes)
        ax.set_xlabel("class")
    live.animate(*art["logit_bars"], *art["exp_bars"], *art["prob_bars"], *art["prob_labels"],
                 art["exp_sum"], ax_t.yaxis)
    lessons = [
        ("T = 1: z = (5, 2, −1, 3): t = e^z sums to 176.3; a = (0.84, 0.04, 0.00, 0.11)",
         {"temperature": 1.0}),
        ("T = 0.1: nearly the hard max, all on the largest logit", {"temperature": 0.1}),
        ("T = 10: flatter, a = (0.32, 0.24, 0.18, 0.26), nearer 1/C = 0.25; the order is kept",
         {"temperature": 10.0}),
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
GRID_XS = np.linspace(-GRID_LIMIT, GRID_LIMIT, GRID_SIZE)  # the grid's coordinates, both axes


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
        """What went wrong in training, as (headline, details), or None: see
        :func:`training_notice`."""
        return training_notice(self.losses)


def training_notice(losses) -> tuple[str, str] | None:
    """What went wrong in a run of gradient descent, as (headline, details), or None.

    Gradient descent from ``W = 0`` starts at the loss ``ln C``; a step size too large makes
    the loss jump instead of falling. Looking at the last quarter of the run: "training
    diverged" when the loss is not finite or still grows there (every value above the
    quarter's first, the last the largest); "training oscillates" when it goes up and down
    there (at least a third of the steps rise, by more than 5 % of the loss), saying whether
    it stays above the start; "training is unstable" when the loss rose above the start on
    the way and then settled below it.
    """
    losses = np.asarray(losses, dtype=float)
    if losses.size < 2:
        return None
    if not np.all(np.isfinite(losses)):
        return ("training diverged", "the loss became infinite: lower the learning rate α")
    tail = losses[-max(4, losses.size // 4):]
    if losses[-1] > losses[0] and tail[-1] == tail.max() and np.all(tail[1:] > tail[0]):
        return ("training diverged",
                f"the loss went from {losses[0]:.2f} up to {losses[-1]:.2f} and is still "
                "growing: lower the learning rate α")
    steps = np.diff(tail)
    if np.mean(steps > 0) >= 1 / 3 and tail.max() - tail.min() > 0.05 * tail.mean():
        above = " and stays above the start" if tail.min() > losses[0] else ""
        return ("training oscillates",
                f"over the last {tail.size} steps the loss jumps between {tail.min():.2f} and "
                f"{tail.max():.2f} (start {losses[0]:.2f}){above}: lower the learning rate α")
    if losses.max() > losses[0]:
        return ("training is unstable",
                f"the loss rose to {losses.max():.2f} (start {losses[0]:.2f}) before "
                "falling: α is on the edge")
    return None


def regions_state(data, W: np.ndarray, b: np.ndarray, losses: list) -> RegionsState:
    """The :class:`RegionsState` of a trained model: ``predict(W, b, grid)`` on the plotting
    grid and the training accuracy on ``data`` (``X`` (2, m), ``labels`` (m,))."""
    X1, X2 = np.meshgrid(GRID_XS, GRID_XS)
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
#: Each class's region colour, opaque RGB (C, 3) uint8: its colour at 50 % over white. An
#: image of these needs no colour mapping when it is drawn (a third of an update's time).
#: Pale colours lie closer together (7 ΔE apart with deuteranopia): each region also shows
#: its class number.
REGION_RGB = np.round(
    255 * (0.5 + 0.5 * np.array([to_rgb(color) for color in CLASS_COLORS]))
).astype(np.uint8)


def loss_axis_limits(steps: int, losses) -> tuple[float, float]:
    """The loss panel's right end (steps, at least 10, in 1-2-5 steps, at most MAX_STEPS) and
    top (the largest finite loss, or ln 5, rounded up): from the state alone."""
    finite = [loss for loss in losses if np.isfinite(loss)]
    return (min(nice_upper(max(steps, 10)), MAX_STEPS),
            nice_upper(1.1 * max(finite, default=np.log(5))))


def _update_regions(explorer: Explorer, full: bool) -> None:
    v = explorer.values()
    data, path = _blobs_and_path(v["n_classes"], v["spread"], v["learning_rate"], v["seed"])
    state = regions_state(data, *path.at(v["steps"]))
    explorer.state = state
    art, ax = explorer.artists, explorer.live.ax["loss"]
    art["regions"].set_data(REGION_RGB[state.regions])
    for k, label in enumerate(art["region_labels"]):
        rows, cols = np.nonzero(state.regions == k)
        label.set_visible(rows.size > 0)
        if rows.size:  # the region's cell nearest to its centre of mass
            i = np.argmin((rows - rows.mean()) ** 2 + (cols - cols.mean()) ** 2)
            label.set_position((GRID_XS[cols[i]], GRID_XS[rows[i]]))
    for k, points in enumerate(art["points"]):
        points.set_offsets(state.X.T[state.labels == k].reshape(-1, 2))
    art["loss"].set_data(np.arange(len(state.losses)), state.losses)
    right, top = loss_axis_limits(v["steps"], state.losses)
    legend = explorer.live.ax["regions"].get_legend()
    if len(legend.legend_handles) != v["n_classes"]:
        _class_legend(explorer.live.ax["regions"], art["points"][: v["n_classes"]])
        full = True
    if (right, top) != (ax.get_xlim()[1], ax.get_ylim()[1]):
        ax.set_xlim(0, right)  # the loss axes are animated: no full redraw
        ax.set_ylim(0, top)
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
    shown = np.unique(state.regions) + 1
    explorer.describe(
        f"{v['n_classes']} classes of {len(state.labels) // v['n_classes']} points each "
        f"(spread {v['spread']:.1f}); after {v['steps']} steps at α = {v['learning_rate']:.2f} "
        f"the plane is split into the regions of {len(shown)} class"
        f"{'es' if len(shown) > 1 else ''} ({', '.join(map(str, shown))}) and "
        f"{state.accuracy:.0%} of the points are classified right. "
        + (f"{notice[0].capitalize()}: {notice[1]}." if notice else
           "No steps yet: W = 0 and b = 0, every class scores the same." if not v["steps"]
           else f"The loss fell from {state.losses[0]:.2f} to {state.losses[-1]:.2f}.")
    )


def _class_legend(ax, points) -> None:
    ax.legend(handles=points, loc="lower left", fontsize=9, ncols=3, handletextpad=0.1,
              columnspacing=0.6, framealpha=0.8)


def decision_regions_explorer(seed: int = 0) -> Explorer:
    """Softmax regression on 2-D blobs: sliders for classes, spread, steps and learning rate.

    ``explorer.state`` is the current :class:`RegionsState`; ``explorer.artists`` has the
    ``"regions"`` image (``REGION_RGB`` of the predicted classes, each region numbered), the
    ``"points"`` scatters (one per class, each its own colour and marker), the ``"loss"``
    curve (on axes fitted to the steps and the loss) and the ``"notice"`` text shown when
    training oscillates or diverges.
    """
    controls = {
        "steps": int_slider("gradient steps", 40, 0, MAX_STEPS, 5,
                            "how many steps of batch gradient descent from W = 0"),
        "n_classes": int_slider("classes C", 3, 2, 5, 1, "how many blobs, one per class"),
        "spread": float_slider("blob spread", 1.0, 0.3, 3.0, 0.1, ".1f",
                               "the standard deviation of each blob: larger overlaps more"),
        "learning_rate": float_slider("learning rate α", 0.5, 0.05, 2.0, 0.05, ".2f",
                                      "α, the step size of gradient descent"),
        "seed": seed_box(seed),
    }
    live = LiveFigure([["regions", "loss"]], height=3.4, width_ratios=(1, 1.1))
    ax, ax_loss = live.axes
    art = {
        "regions": ax.imshow(
            REGION_RGB[np.zeros((GRID_SIZE, GRID_SIZE), dtype=int)],
            extent=(-GRID_LIMIT, GRID_LIMIT) * 2, origin="lower", interpolation="nearest",
        ),
        "points": [ax.scatter([], [], s=16, color=color, marker=marker, edgecolors="black",
                              linewidths=0.4, label=f"class {k + 1}")
                   for k, (color, marker) in enumerate(zip(CLASS_COLORS, CLASS_MARKERS,
                                                           strict=True))],
        "region_labels": [ax.text(0, 0, str(k + 1), ha="center", va="center", fontsize=11,
                                  fontweight="bold", zorder=4,
                                  bbox={"boxstyle": "circle,pad=0.2", "fc": "white",
                                        "ec": color, "lw": 1.5})
                          for k, color in enumerate(CLASS_COLORS)],
    }
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title("Decision regions: argmax of W x + b", loc="left")
    art["loss"] = ax_loss.plot([], [], color="black")[0]
    art["notice"] = ax_loss.text(
        0.5, 0.95, "", transform=ax_loss.transAxes, ha="center", va="top", color="#b22222",
        fontsize=12, fontweight="bold", bbox={"facecolor": "white", "alpha": 0.85, "lw": 0},
    )
    ax_loss.set_xlim(0, MAX_STEPS)
    ax_loss.set_ylim(0, 2)
    ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_loss.set_xlabel("gradient step")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title("Training loss", loc="left")
    _class_legend(ax, art["points"])
    live.animate(art["regions"], *art["points"], *art["region_labels"], art["loss"],
                 art["notice"], ax_loss.xaxis, ax_loss.yaxis)
    lessons = [
        ("40 steps at α = 0.5: three straight boundaries, the loss falling",
         {"steps": 40, "learning_rate": 0.5, "spread": 1.0, "n_classes": 3}),
        ("Overlapping blobs (spread 3), 5 classes, α = 2: the loss oscillates above its start",
         {"steps": 300, "learning_rate": 2.0, "spread": 3.0, "n_classes": 5}),
    ]
    return Explorer("regions", "Softmax regression: decision regions", controls, live,
                    _update_regions, art, lessons=lessons)
