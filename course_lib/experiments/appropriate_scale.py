"""Sample hyperparameters at an appropriate scale.

1. Over [1e-4, 1] a uniform draw puts ``(10**(k+1) - 10**k) / (1 - 1e-4)`` of its samples in the
   decade [10**k, 10**(k+1)] (90 % in [0.1, 1], 0.09 % in [1e-4, 1e-3]); ``alpha = 10**r`` with
   ``r ~ U(-4, 0)`` puts 25 % in every decade.
2. Tuning the learning rate of a small digits network with uniform vs log-uniform samples: how
   often the best of s trials is a good alpha (validation accuracy within 2 points of the best
   seen), for Adam and for plain SGD. Each sampler's pool is trained once and resampled.
3. The window ``1 / (1 - beta)`` of an exponentially weighted average: 0.9 -> 0.9005 changes it
   from 10 to 10.05, 0.999 -> 0.9995 from 1000 to 2000.
"""

from __future__ import annotations

import numpy as np

from course_lib.experiments._common import (
    COLORS,
    ExperimentResult,
    Figure,
    SummaryRow,
    best_of_s,
    child_rngs,
    new_figure,
    train_digits_mlp,
)
from course_lib.scale import effective_window, sample_log_uniform

NAME = "appropriate_scale"
LOW, HIGH = 1e-4, 1.0
GOOD_MARGIN = 0.02
BETAS = (0.9, 0.9005, 0.999, 0.9995)


def decade_fractions(samples: np.ndarray, low: float = LOW, high: float = HIGH) -> np.ndarray:
    """Fraction of samples in each decade [10**k, 10**(k+1)) from ``low`` to ``high``."""
    edges = 10.0 ** np.arange(np.log10(low), np.log10(high) + 1)
    counts, _ = np.histogram(samples, bins=edges)
    return counts / samples.size


def uniform_decade_fractions(low: float = LOW, high: float = HIGH) -> np.ndarray:
    """The exact decade shares of U(low, high): ``(10**(k+1) - 10**k) / (high - low)``."""
    edges = 10.0 ** np.arange(np.log10(low), np.log10(high) + 1)
    return np.diff(edges) / (high - low)


def alpha_pool(sampler: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` learning rates in [1e-4, 1]: ``"uniform"`` or ``"log"`` (``10**r``)."""
    if sampler == "uniform":
        return rng.uniform(LOW, HIGH, size=size)
    return sample_log_uniform(LOW, HIGH, size, rng)


def pool_accuracy(alphas: np.ndarray, optimizer: str, steps: int, seed: int) -> np.ndarray:
    """Validation accuracy of a 64-32-10 ReLU network after ``steps`` steps for each alpha."""
    return np.array([
        train_digits_mlp([32], seed=seed, steps=steps, batch_size=64, learning_rate=float(a),
                         optimizer=optimizer)[1].val_accuracy[-1]
        for a in alphas
    ])


def make_figure(n: dict) -> Figure:
    """Decade shares, accuracy vs alpha for both samplers, P(good) vs trials, and the window."""
    fig, ax = new_figure(4, 1, width=3.9, height=3.5, title="Using an appropriate scale")
    decades = np.arange(np.log10(LOW), np.log10(HIGH))
    labels = [f"[1e{int(k)}, 1e{int(k) + 1})" for k in decades]
    x = np.arange(decades.size)
    ax[0].bar(x - 0.2, 100 * n["fractions_uniform"], 0.4, color=COLORS["uniform"], label="uniform")
    ax[0].bar(x + 0.2, 100 * n["fractions_log"], 0.4, color=COLORS["log"], label="log-uniform")
    ax[0].set_yscale("log")
    ax[0].set_xticks(x, labels, fontsize=8)
    ax[0].set(xlabel="decade of alpha", ylabel="% of samples (log scale)",
              title=f"{n['n_samples']:,} samples in [1e-4, 1]")
    ax[0].legend(fontsize=8, loc="upper left")
    for optimizer, marker in (("adam", "o"), ("sgd", "^")):
        for sampler in ("uniform", "log"):
            ax[1].scatter(n[f"{optimizer}_{sampler}_alphas"], n[f"{optimizer}_{sampler}_acc"],
                          s=14, marker=marker, color=COLORS[sampler], alpha=0.7,
                          label=f"{optimizer}, {'log-uniform' if sampler == 'log' else sampler}")
    ax[1].set_xscale("log")
    ax[1].set(xlabel="learning rate alpha", ylabel="validation accuracy",
              title=f"digits MLP, {n['steps']} steps")
    ax[1].legend(fontsize=8, loc="lower left")
    s = n["trials"]
    for optimizer, ls in (("adam", "-"), ("sgd", "--")):
        for sampler in ("uniform", "log"):
            ax[2].plot(s, n[f"{optimizer}_{sampler}_p_good"], ls, color=COLORS[sampler],
                       label=f"{optimizer}, {'log-uniform' if sampler == 'log' else sampler}")
    ax[2].set(xlabel="trials s", ylabel="P(best of s is a good alpha)", ylim=(0, 1.03),
              title=f"good = within {100 * GOOD_MARGIN:.0f} points of best")
    ax[2].legend(fontsize=8, loc="lower right")
    x = np.arange(len(BETAS))
    ax[3].bar(x, n["windows"], 0.6, color=[COLORS["uniform"]] * 2 + [COLORS["log"]] * 2)
    for xi, window in zip(x, n["windows"], strict=True):
        ax[3].annotate(f"{window:.5g}", (xi, window), ha="center", fontsize=8,
                       xytext=(0, 3), textcoords="offset points")
    ax[3].set_xticks(x, [f"{b}" for b in BETAS], fontsize=8)
    ax[3].set_yscale("log")
    ax[3].set_ylim(1, 2e4)
    ax[3].set(xlabel="beta", ylabel="window 1 / (1 - beta)", title="same step in beta, near 1")
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Decade shares of 100,000 draws; alpha pools of 30 per sampler (quick: 12); the window."""
    rng_draw, rng_pools, rng_resample = child_rngs(seed, 3)
    n_samples = 100_000
    numbers: dict = {"n_samples": n_samples,
                     "fractions_uniform": decade_fractions(rng_draw.uniform(LOW, HIGH, n_samples)),
                     "fractions_uniform_exact": uniform_decade_fractions(),
                     "fractions_log": decade_fractions(sample_log_uniform(LOW, HIGH, n_samples,
                                                                          rng_draw))}
    pool_size, steps = (12, 100) if quick else (30, 200)
    numbers["steps"], numbers["trials"] = steps, np.arange(1, pool_size + 1)
    rows = [SummaryRow(
        NAME, "uniform sampling over [1e-4, 1] spends ~90 % of trials in [0.1, 1]; log-uniform "
        "25 % per decade",
        f"uniform: {100 * numbers['fractions_uniform'][-1]:.1f} % in [0.1, 1], "
        f"{100 * numbers['fractions_uniform'][0]:.3f} % in [1e-4, 1e-3]; log-uniform: "
        + ", ".join(f"{100 * f:.1f}" for f in numbers["fractions_log"]) + " %",
        bool(abs(numbers["fractions_uniform"][-1] - 0.9) < 0.01
             and np.all(np.abs(numbers["fractions_log"] - 0.25) < 0.01)),
    )]
    for optimizer in ("adam", "sgd"):
        for sampler in ("uniform", "log"):
            alphas = alpha_pool(sampler, pool_size, rng_pools)
            numbers[f"{optimizer}_{sampler}_alphas"] = alphas
            numbers[f"{optimizer}_{sampler}_acc"] = pool_accuracy(alphas, optimizer, steps, seed)
        best_seen = max(numbers[f"{optimizer}_{s}_acc"].max() for s in ("uniform", "log"))
        for sampler in ("uniform", "log"):
            best = best_of_s(numbers[f"{optimizer}_{sampler}_acc"], 2000, rng_resample)
            numbers[f"{optimizer}_{sampler}_p_good"] = (best >= best_seen - GOOD_MARGIN).mean(0)
        k = 5 - 1
        p_log, p_uni = (numbers[f"{optimizer}_{s}_p_good"][k] for s in ("log", "uniform"))
        rows.append(SummaryRow(
            NAME, f"tuning alpha ({optimizer}, digits MLP): log-uniform samples find a good alpha "
            "more often than uniform ones",
            f"P(best of 5 trials is good): log-uniform {p_log:.2f}, uniform {p_uni:.2f}",
            bool(p_log > p_uni),
        ))
    numbers["betas"] = np.array(BETAS)
    numbers["windows"] = effective_window(np.array(BETAS))
    w = numbers["windows"]
    rows.append(SummaryRow(
        NAME, "1/(1-beta): 0.9 -> 0.9005 barely changes the window, 0.999 -> 0.9995 doubles it",
        f"{w[0]:.2f} -> {w[1]:.2f} (x{w[1] / w[0]:.3f}); {w[2]:.0f} -> {w[3]:.0f} "
        f"(x{w[3] / w[2]:.2f})",
        bool(w[1] / w[0] < 1.01 and abs(w[3] / w[2] - 2) < 1e-6),
    ))
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)
