"""Batch normalization's mini-batch noise, and how it changes with the batch size.

Batch norm scales each mini-batch by its own ``mu_B`` and ``var_B``, estimates of the whole
training set's statistics from m examples; the lecture says this noise has a slight
regularising effect that a bigger mini-batch reduces.

(a) Noise: for the last hidden layer of a trained batch-norm network (the ``bn_figure1`` net),
    the spread of ``mu_B`` and ``var_B`` over random mini-batches of m training examples,
    relative to the unit's population statistics. Sampling without replacement from N examples:
    ``sd(mu_B) / sigma = sqrt((1/m) (N - m) / (N - 1))``, about ``1 / sqrt(m)``.
(b) Test accuracy: the batch-norm network trained for a fixed number of epochs at each batch
    size (SGD, the same learning rate). Caveat: the batch size also sets the number of updates
    and SGD's own gradient noise, so (b) shows their combined effect, not batch norm's alone.
"""

from __future__ import annotations

import numpy as np

from course_lib.experiments._common import (
    COLORS,
    ExperimentResult,
    Figure,
    SummaryRow,
    child_rngs,
    child_seeds,
    digits,
    new_figure,
    train_digits_mlp,
)
from course_lib.experiments.bn_figure1 import HIDDEN, LEARNING_RATE

NAME = "bn_batch_noise"


def batch_statistics_noise(Z: np.ndarray, batch_sizes, n_batches: int,
                           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Relative spread of the batch mean and variance of every unit (row) of ``Z`` (n, N).

    For each m: ``mean_units(sd_batches(mu_B) / sigma)`` and ``mean_units(sd_batches(var_B) /
    sigma**2)`` over ``n_batches`` batches of m columns drawn without replacement.
    """
    sigma = Z.std(axis=1)
    mean_noise, var_noise = [], []
    for m in batch_sizes:
        idx = np.stack([rng.choice(Z.shape[1], size=m, replace=False) for _ in range(n_batches)])
        batches = Z[:, idx]  # (n, n_batches, m)
        mean_noise.append(np.mean(batches.mean(axis=2).std(axis=1) / sigma))
        var_noise.append(np.mean(batches.var(axis=2).std(axis=1) / sigma**2))
    return np.array(mean_noise), np.array(var_noise)


def make_figure(n: dict) -> Figure:
    """(a) noise vs batch size on log-log axes, with the 1/sqrt(m) law; (b) accuracy vs m."""
    fig, ax = new_figure(2, 1, width=4.8, height=3.7,
                         title="Batch norm's mini-batch noise vs batch size")
    m = n["noise_batch_sizes"]
    ax[0].loglog(m, n["mean_noise"], "o-", color=COLORS["bn"], label="sd(mu_B) / sigma")
    ax[0].loglog(m, n["var_noise"], "s-", color=COLORS["plain"], label="sd(var_B) / sigma²")
    ax[0].loglog(m, n["mean_noise_theory"], "k:", label="sqrt((N - m) / (m (N - 1)))")
    ax[0].set(xlabel="mini-batch size m", ylabel="relative spread over batches",
              title="(a) last hidden layer, trained BN net")
    ax[0].legend(fontsize=8, loc="lower left")
    tm = n["train_batch_sizes"]
    for key, label, ls in (("test", "test", "-"), ("train", "training set", "--")):
        acc = n[f"{key}_accuracy"]
        ax[1].plot(tm, acc.mean(0), "o" + ls, color=COLORS["bn"] if key == "test" else "0.4",
                   label=f"{label} accuracy (band: min-max)")
        if acc.shape[0] > 1:
            ax[1].fill_between(tm, acc.min(0), acc.max(0), alpha=0.15,
                               color=COLORS["bn"] if key == "test" else "0.4")
    ax[1].set_xscale("log", base=2)
    ax[1].set(xlabel="mini-batch size m", ylabel="accuracy",
              title=f"(b) BN net, {n['epochs']} epochs, lr {n['learning_rate']}, "
                    f"{n['test_accuracy'].shape[0]} seed(s)")
    ax[1].legend(fontsize=8, loc="lower left")
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Full: noise for m = 2..512, training at m = 16..256 for 30 epochs, 2 seeds; quick:
    training at m = 32 and 256 for 5 epochs, 1 seed."""
    rng_noise, = child_rngs(seed, 1)
    seeds = [s % 2**31 for s in child_seeds(seed, 1 if quick else 2)]
    data = digits()
    net, _ = train_digits_mlp(HIDDEN, seed=seeds[0], steps=100 if quick else 300, batch_size=60,
                              learning_rate=LEARNING_RATE, activation="sigmoid", batch_norm=True)
    _, caches = net.forward(data.train.X, training=True)
    Z = caches[len(HIDDEN)][1]  # the last hidden layer's Z, before batch norm, (100, N)
    noise_m = 2 ** np.arange(1, 10)
    N = data.train.m
    mean_noise, var_noise = batch_statistics_noise(Z, noise_m, 100 if quick else 400, rng_noise)
    slope = float(np.polyfit(np.log(noise_m), np.log(mean_noise), 1)[0])

    train_m = np.array([32, 256]) if quick else 2 ** np.arange(4, 9)
    epochs = 5 if quick else 30
    test_acc = np.empty((len(seeds), train_m.size))
    train_acc = np.empty_like(test_acc)
    for i, s in enumerate(seeds):
        for j, m in enumerate(train_m):
            steps = int(np.ceil(epochs * N / m))
            net_m, _ = train_digits_mlp(HIDDEN, seed=s, steps=steps, batch_size=int(m),
                                        learning_rate=LEARNING_RATE, activation="sigmoid",
                                        batch_norm=True)
            test_acc[i, j] = net_m.accuracy(data.test.X, data.test.labels)
            train_acc[i, j] = net_m.accuracy(data.train.X, data.train.labels)
    numbers: dict = {
        "noise_batch_sizes": noise_m, "mean_noise": mean_noise, "var_noise": var_noise,
        "mean_noise_theory": np.sqrt((N - noise_m) / (noise_m * (N - 1))),
        "mean_noise_slope": slope, "train_batch_sizes": train_m, "epochs": epochs,
        "learning_rate": LEARNING_RATE, "test_accuracy": test_acc, "train_accuracy": train_acc,
    }
    small, large = test_acc[:, 0].mean(), test_acc[:, -1].mean()
    rows = [
        SummaryRow(
            NAME, "the noise of BN's batch mean falls like 1/sqrt(m) with the batch size",
            f"log-log slope of sd(mu_B)/sigma vs m: {slope:.2f} (1/sqrt(m): -0.5; finite "
            f"population makes it steeper); sd at m = 4: {mean_noise[1]:.2f}, m = 256: "
            f"{mean_noise[7]:.3f}",
            bool(-0.7 < slope < -0.4),
        ),
        SummaryRow(
            NAME, "smaller mini-batches (noisier BN statistics) give the BN net a slightly "
            "better test accuracy (regularisation; confounded with the number of updates)",
            f"test accuracy at m = {train_m[0]}: {small:.3f}, at m = {train_m[-1]}: {large:.3f}",
            bool(small > large),
        ),
    ]
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)
