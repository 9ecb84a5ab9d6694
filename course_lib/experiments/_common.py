"""What several experiments share: the result and summary-row types, seeding, digits training
with the course's reference functions, the cell-centred grid, and one figure style.

Every experiment module has ``run(seed: int = 0, quick: bool = False) -> ExperimentResult``.
All randomness comes from generators derived from ``seed`` (``child_rngs``), so a seed fixes
every number and every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from course_kit.data import Digits, load_digits_split
from course_kit.explorers.palette import IDEAS
from course_kit.network import MLP, BatchNormFunctions, SoftmaxFunctions
from course_lib.batch_norm import batchnorm_inference, update_running_stats
from course_lib.fast import batchnorm_backward_fast, batchnorm_forward_fast, softmax_fast
from course_lib.softmax import cross_entropy, one_hot
from course_lib.tuning import grid_search_points

REFERENCE_BATCH_NORM = BatchNormFunctions(
    batchnorm_forward_fast, batchnorm_backward_fast, update_running_stats, batchnorm_inference
)
REFERENCE_SOFTMAX = SoftmaxFunctions(softmax_fast, one_hot, cross_entropy)


def reference_functions(batch_norm: bool = False) -> dict[str, Any]:
    """``MLP`` keyword arguments that give a network the course's reference functions.

    A softmax output layer with the cross-entropy loss and, with ``batch_norm``, batch norm on
    every hidden layer: ``MLP([64, 32, 10], "relu", rng=rng, **reference_functions(True))``.
    Batch norm's forward and backward passes and the softmax are the fast versions
    (:mod:`course_lib.fast`), equal to the readable reference.
    """
    return {
        "batch_norm": REFERENCE_BATCH_NORM if batch_norm else None,
        "softmax": REFERENCE_SOFTMAX,
    }


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary table: the claim, what was measured, and whether it held."""

    experiment: str
    claim: str
    measured: str
    confirmed: bool


@dataclass
class ExperimentResult:
    """What an experiment returns.

    ``numbers`` holds every number behind the figure and the claims (arrays and floats);
    ``figure`` is the matplotlib Figure built from them; ``rows`` are the summary rows, the
    first being the experiment's headline (``summary``), further ones its sub-claims.
    """

    name: str
    numbers: dict[str, Any]
    figure: Figure
    rows: list[SummaryRow] = field(default_factory=list)
    quick: bool = False
    seed: int = 0

    @property
    def summary(self) -> SummaryRow:
        return self.rows[0]


def child_rngs(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent generators derived from ``seed`` (``SeedSequence(seed).spawn(n)``)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def child_seeds(seed: int, n: int) -> list[int]:
    """``n`` integer seeds derived from ``seed``, for code that wants a seed, not a generator."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(n)]


@lru_cache(maxsize=4)
def digits(seed: int = 0) -> Digits:
    """The digits split (1,199 / 299 / 299), cached: every experiment uses the same cut."""
    return load_digits_split(seed=seed)


def train_digits_mlp(
    hidden: Sequence[int],
    *,
    seed: int,
    steps: int,
    batch_size: int,
    learning_rate: float,
    optimizer: str = "sgd",
    beta1: float = 0.9,
    activation: str = "relu",
    batch_norm: bool = False,
    eval_every: int | None = None,
    record_layer: int | None = None,
) -> tuple[MLP, Any]:
    """Train ``MLP([64, *hidden, 10])`` on the digits training split, validating as it goes.

    The network has a softmax output layer and, with ``batch_norm``, batch norm, both the
    course's reference functions (:func:`reference_functions`).

    The initial weights use ``default_rng(seed)`` and the mini-batch order
    ``default_rng(seed + 1)``, so two networks with one seed start equal and see the same batches
    (with and without batch norm alike). Returns ``(net, history)``.
    """
    data = digits()
    net = MLP(
        [data.n_x, *hidden, data.n_classes],
        activation=activation,
        rng=np.random.default_rng(seed),
        **reference_functions(batch_norm),
    )
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        history = net.fit(
            data.train.X,
            data.train.labels,
            steps=steps,
            batch_size=batch_size,
            learning_rate=learning_rate,
            optimizer=optimizer,
            beta1=beta1,
            rng=np.random.default_rng(seed + 1),
            validation=(data.validation.X, data.validation.labels),
            eval_every=eval_every or steps,
            record_layer=record_layer,
            probe_X=data.validation.X if record_layer is not None else None,
        )
    return net, history


def centred_grid(low: Sequence[float], high: Sequence[float], n_per_dim: int) -> np.ndarray:
    """A grid with the points at the centres of ``n_per_dim`` equal cells per dimension.

    ``grid_search_points`` on the box shrunk by half a cell on each side, so the grid covers
    ``[low, high]`` as evenly as it can instead of spending points on the box's edges.
    """
    low_a, high_a = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    half = (high_a - low_a) / (2 * n_per_dim)
    if n_per_dim == 1:
        return ((low_a + high_a) / 2)[None, :]
    return grid_search_points(low_a + half, high_a - half, n_per_dim)


def first_reaching(steps: Sequence[int], values: Sequence[float], target: float) -> float:
    """The first step whose value is >= ``target``; ``nan`` if none reaches it."""
    for step, value in zip(steps, values, strict=True):
        if value >= target:
            return float(step)
    return float("nan")


def best_of_s(pool_scores: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Best score among the first s trials of random orderings of the pool, (n_resamples, pool).

    Column s - 1 is a sample of "best of s random trials" (drawn without replacement).
    """
    order = rng.random((n_resamples, pool_scores.size)).argsort(axis=1)
    return np.maximum.accumulate(pool_scores[order], axis=1)


# --- figures -------------------------------------------------------------------------------

#: One colour per idea, the explorers' (course_kit.explorers.palette: Okabe-Ito, the approach
#: the lecture recommends vermillion, its baseline blue).
COLORS = IDEAS


#: Figures are drawn for a notebook column at 100 dpi: at most FIGURE_WIDTH inches (840 px)
#: wide, at most two panels a row, so 8-point legend text is 11 px on screen.
FIGURE_WIDTH = 8.4
DPI = 100


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.6, height: float = 3.6,
               title: str | None = None, mosaic: list[list[str]] | None = None,
               ) -> tuple[Figure, np.ndarray]:
    """A Figure (not pyplot state) with readable font sizes; its axes flattened, in order.

    ``ncols`` x ``nrows`` panels of ``width`` x ``height`` inches are laid out at most two a
    row (four panels in a row become two rows of two, three become two and one) and shrunk
    to :data:`FIGURE_WIDTH` when wider. ``mosaic`` (``Figure.subplot_mosaic`` names, a name
    repeated to span cells) replaces the grid; the axes come in the order the names first
    appear.
    """
    if mosaic is None:
        count = ncols * nrows
        per_row = min(ncols, 2)
        names = [str(i) for i in range(count)]
        mosaic = [names[i:i + per_row] for i in range(0, count, per_row)]
        if len(mosaic[-1]) < per_row:  # an odd panel out spans the last row
            mosaic[-1] = [mosaic[-1][0]] * per_row
    columns = len(mosaic[0])
    fig_width = min(width * columns, FIGURE_WIDTH)
    fig = Figure(figsize=(fig_width, height * len(mosaic) * fig_width / (width * columns)),
                 dpi=DPI, layout="constrained")
    axes = np.array(list(fig.subplot_mosaic(mosaic).values()))
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=9)
    if title:
        fig.suptitle(title, fontsize=12)
    return fig, axes
