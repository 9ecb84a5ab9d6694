"""Batch normalization speeds up training and steadies the inputs to the sigmoids
(Ioffe & Szegedy 2015, Figure 1).

The paper's setting as far as the data allows: three fully connected hidden layers of 100
sigmoid units, a softmax output, mini-batches of 60, plain SGD, and the same initial weights and
mini-batches with and without batch norm (``Z_tilde = gamma * (Z - mu_B) / sqrt(var_B + eps)
+ beta`` before every sigmoid). The difference: the 1,797 8x8 digits (1,199 for training) instead
of MNIST's 60,000 28x28 images, and a few thousand steps instead of 50,000.
Measured: (a) validation accuracy vs steps and the steps to reach ``TARGET``; (b) the 15th,
50th and 85th percentiles of one last-hidden-layer sigmoid's input over training (on the
validation images), averaged over seeds.
"""

from __future__ import annotations

import numpy as np

from course_lib.experiments._common import (
    COLORS,
    ExperimentResult,
    Figure,
    SummaryRow,
    child_seeds,
    digits,
    first_reaching,
    new_figure,
    train_digits_mlp,
)

NAME = "bn_figure1"
HIDDEN = (100, 100, 100)
BATCH_SIZE = 60
LEARNING_RATE = 0.5  # fixed before the runs; bn_learning_rates sweeps it
TARGET = 0.90
UNIT = 0  # the recorded sigmoid of the last hidden layer


def train_pair(seed: int, steps: int, eval_every: int,
               learning_rate: float = LEARNING_RATE, batch_size: int = BATCH_SIZE,
               record: bool = True) -> dict[str, object]:
    """Train the paper's network without and with batch norm from one initialisation."""
    return {
        key: train_digits_mlp(
            HIDDEN, seed=seed, steps=steps, batch_size=batch_size, learning_rate=learning_rate,
            optimizer="sgd", activation="sigmoid", batch_norm=key == "bn",
            eval_every=eval_every, record_layer=len(HIDDEN) if record else None,
        )
        for key in ("plain", "bn")
    }


def make_figure(n: dict) -> Figure:
    """(a) validation accuracy vs steps; (b, c) the sigmoid input percentiles without / with BN."""
    fig, ax = new_figure(2, 2, width=4.2, height=3.3, mosaic=[["a", "a"], ["b", "c"]],
                         title=f"Batch normalization, Ioffe & Szegedy Fig. 1, on digits "
                               f"(mean of {n['n_seeds']} seeds)")
    steps = n["eval_steps"]
    for key, label in (("plain", "without BN"), ("bn", "with BN")):
        acc = n[f"{key}_val_accuracy"]
        ax[0].plot(steps, acc.mean(0), color=COLORS[key], label=label)
        ax[0].fill_between(steps, acc.min(0), acc.max(0), color=COLORS[key], alpha=0.15)
    ax[0].axhline(TARGET, color="0.4", ls=":", lw=1, label=f"target {TARGET:.0%}")
    ax[0].set(xlabel="training steps", ylabel="validation accuracy", ylim=(0, 1.02),
              title="(a) accuracy (band: min-max over seeds)")
    ax[0].legend(fontsize=8, loc="lower right")
    lims = [min(n[f"{k}_percentiles"].min() for k in ("plain", "bn")),
            max(n[f"{k}_percentiles"].max() for k in ("plain", "bn"))]
    pad = 0.05 * (lims[1] - lims[0])
    for a, key, label in ((ax[1], "plain", "(b) without BN"), (ax[2], "bn", "(c) with BN")):
        p = n[f"{key}_percentiles"].mean(0)  # (n_eval, 3)
        for j, (q, ls) in enumerate(zip((15, 50, 85), (":", "-", ":"), strict=True)):
            a.plot(steps, p[:, j], ls, color=COLORS[key], label=f"{q}th percentile")
        a.set(xlabel="training steps", ylabel="input to a last-layer sigmoid",
              ylim=(lims[0] - pad, lims[1] + pad), title=label)
        a.legend(fontsize=8, loc="best")
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Full: 3 seeds x 2,000 steps (100 epochs of 20 batches); quick: 2 seeds x 300 steps."""
    n_seeds, steps, eval_every = (2, 300, 20) if quick else (3, 2000, 40)
    runs = [train_pair(s % 2**31, steps, eval_every) for s in child_seeds(seed, n_seeds)]
    numbers: dict = {"n_seeds": n_seeds, "steps": steps, "learning_rate": LEARNING_RATE,
                     "eval_steps": np.array(runs[0]["plain"][1].eval_steps)}
    for key in ("plain", "bn"):
        histories = [r[key][1] for r in runs]
        numbers[f"{key}_val_accuracy"] = np.array([h.val_accuracy for h in histories])
        numbers[f"{key}_percentiles"] = np.array(
            [[p[:, UNIT] for p in h.layer_input_percentiles] for h in histories])
        numbers[f"{key}_steps_to_target"] = np.array(
            [first_reaching(h.eval_steps, h.val_accuracy, TARGET) for h in histories])
        numbers[f"{key}_final_test_accuracy"] = np.array(
            [r[key][0].accuracy(digits().test.X, digits().test.labels) for r in runs])
        # how far the percentiles wander during training: their range, mean over q and seeds
        pct = numbers[f"{key}_percentiles"]
        numbers[f"{key}_percentile_drift"] = float((pct.max(1) - pct.min(1)).mean())

    def mean_steps(key: str) -> float:
        s = numbers[f"{key}_steps_to_target"]
        return float(np.where(np.isnan(s), np.inf, s).mean())

    plain_steps, bn_steps = mean_steps("plain"), mean_steps("bn")
    numbers["plain_mean_steps_to_target"] = plain_steps
    numbers["bn_mean_steps_to_target"] = bn_steps

    def fmt(x: float) -> str:
        return f"{x:.0f}" if np.isfinite(x) else f"not reached in {steps} (some seeds)"

    rows = [
        SummaryRow(
            NAME, f"with BN the network reaches {TARGET:.0%} validation accuracy in fewer steps "
            f"(3x100 sigmoid, batch 60, SGD lr {LEARNING_RATE})",
            f"mean steps: without BN {fmt(plain_steps)}, with BN {fmt(bn_steps)}; final "
            f"test accuracy {numbers['plain_final_test_accuracy'].mean():.3f} vs "
            f"{numbers['bn_final_test_accuracy'].mean():.3f}",
            bool(bn_steps < plain_steps),
        ),
        SummaryRow(
            NAME, "with BN the distribution of a last-layer sigmoid's input moves less during "
            "training",
            "mean range of the 15/50/85th percentiles over training: without BN "
            f"{numbers['plain_percentile_drift']:.2f}, "
            f"with BN {numbers['bn_percentile_drift']:.2f}",
            bool(numbers["bn_percentile_drift"] < numbers["plain_percentile_drift"]),
        ),
    ]
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)

