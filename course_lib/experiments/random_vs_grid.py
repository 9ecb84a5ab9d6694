"""Random search beats grid search when few hyperparameters matter (Bergstra & Bengio, 2012).

(a) Their Figure 1 toy: ``loss(x, y) = g(x) + h(y)`` where only ``x`` matters much. A 3 x 3
    grid tries 3 distinct values of ``x`` with 9 trials; 9 random trials try 9.
(b) A real tuning problem on digits: a one-hidden-layer ReLU network trained with momentum,
    four hyperparameters (learning rate ``10**u``, hidden units ``2**u``, momentum
    ``beta = 1 - 10**u``, mini-batch size ``2**u``). A pool of random configurations and the grids
    are trained once; trials of size s are resampled from the pool (as Bergstra & Bengio do).
(c) Their Figure 8 simulation: how often a design of N points hits a target box that fills 1 %
    of the unit cube, for a grid, random points and a scrambled Sobol sequence. A random design
    hits with probability ``1 - 0.99**N``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

from course_lib.experiments._common import (
    COLORS,
    ExperimentResult,
    Figure,
    SummaryRow,
    best_of_s,
    centred_grid,
    child_rngs,
    child_seeds,
    new_figure,
    train_digits_mlp,
)
from course_lib.tuning import random_search_points

NAME = "random_vs_grid"

# (b) the search space, in the coordinates that are sampled uniformly: log10 learning rate,
# log2 hidden units, log10 (1 - beta), log2 batch size
SPACE_LOW = np.array([-4.0, 4.0, -3.0, 3.0])
SPACE_HIGH = np.array([0.0, 8.0, -1.0, 8.0])


# --- (a) the toy ---------------------------------------------------------------------------

def toy_loss(points: np.ndarray, centre: np.ndarray, width: float = 0.05) -> np.ndarray:
    """``g(x) + h(y)`` for rows ``(x, y)``: ``g = 1 - exp(-(x - a)**2 / (2 w**2))`` matters,
    ``h = 0.05 (y - b)**2`` barely does; ``centre = (a, b)``. The minimum is 0."""
    x, y = points[..., 0], points[..., 1]
    return 1 - np.exp(-((x - centre[0]) ** 2) / (2 * width**2)) + 0.05 * (y - centre[1]) ** 2


def toy_experiment(n_seeds: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Best toy loss found by an n x n grid and by n**2 random points, n = 2..7, per seed.

    Each seed moves the optimum ``(a, b)`` uniformly in the unit square.
    """
    sides = np.arange(2, 8)
    budgets = sides**2
    centres = rng.uniform(0, 1, size=(n_seeds, 2))
    best_grid = np.empty((n_seeds, sides.size))
    best_random = np.empty((n_seeds, sides.size))
    distinct_grid = np.empty(sides.size, dtype=int)
    distinct_random = np.empty(sides.size, dtype=int)
    for j, (side, budget) in enumerate(zip(sides, budgets, strict=True)):
        grid = centred_grid([0, 0], [1, 1], int(side))
        distinct_grid[j] = np.unique(grid[:, 0]).size
        for i, centre in enumerate(centres):
            points = random_search_points([0, 0], [1, 1], int(budget), rng)
            best_grid[i, j] = toy_loss(grid, centre).min()
            best_random[i, j] = toy_loss(points, centre).min()
        distinct_random[j] = np.unique(points[:, 0]).size
    return {"toy_budgets": budgets, "toy_best_grid": best_grid, "toy_best_random": best_random,
            "toy_distinct_grid": distinct_grid, "toy_distinct_random": distinct_random,
            "toy_example_centre": centres[0],
            "toy_example_random": random_search_points([0, 0], [1, 1], 9, rng)}


# --- (b) digits ----------------------------------------------------------------------------

def decode(u: np.ndarray) -> dict[str, float | int]:
    """A point of the search space (4,) as hyperparameters."""
    return {
        "learning_rate": float(10.0 ** u[0]),
        "hidden": int(round(2.0 ** u[1])),
        "beta": float(1 - 10.0 ** u[2]),
        "batch_size": int(round(2.0 ** u[3])),
    }


def evaluate(points: np.ndarray, steps: int, seed: int) -> np.ndarray:
    """Validation accuracy of the network trained with each configuration (rows of ``points``)."""
    scores = np.empty(len(points))
    for i, u in enumerate(points):
        h = decode(u)
        net, history = train_digits_mlp(
            [h["hidden"]], seed=seed, steps=steps, batch_size=h["batch_size"],
            learning_rate=h["learning_rate"], optimizer="momentum", beta1=h["beta"],
        )
        scores[i] = history.val_accuracy[-1]
    return scores


def digits_experiment(pool_size: int, grid_sides: tuple[int, ...], steps: int, seed: int,
                      rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Train a random pool and the grids once; summarise best-of-s for the random pool."""
    pool = random_search_points(SPACE_LOW, SPACE_HIGH, pool_size, rng)
    pool_scores = evaluate(pool, steps, seed)
    grid_sizes, grid_best = [], []
    for side in grid_sides:
        grid = centred_grid(SPACE_LOW, SPACE_HIGH, side)
        grid_sizes.append(len(grid))
        grid_best.append(evaluate(grid, steps, seed).max())
    best = best_of_s(pool_scores, 2000, rng)
    s = np.arange(1, pool_size + 1)
    median = np.median(best, axis=0)
    largest_grid_best = grid_best[-1]
    matching = s[median >= largest_grid_best]
    return {
        "pool_points": pool, "pool_scores": pool_scores, "trials": s,
        "best_q25": np.percentile(best, 25, axis=0), "best_median": median,
        "best_q75": np.percentile(best, 75, axis=0),
        "grid_sizes": np.array(grid_sizes), "grid_best": np.array(grid_best),
        "random_trials_matching_grid": int(matching[0]) if matching.size else -1,
    }


# --- (c) the hypercube simulation ----------------------------------------------------------

def random_targets(n: int, d: int, volume: float, rng: np.random.Generator):
    """Boxes of the given volume in [0, 1]^d with random shapes and positions: (lower, upper).

    Side ``i`` is ``volume ** w_i`` with ``w ~ Dirichlet(1, ..., 1)``; the corner is uniform.
    """
    sides = volume ** rng.dirichlet(np.ones(d), size=n)
    lower = rng.uniform(0, 1, size=(n, d)) * (1 - sides)
    return lower, lower + sides


def hit_rate(points: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Fraction of targets containing at least one point; ``points`` (N, d) or (T, N, d)."""
    if points.ndim == 2:
        points = points[None]
    inside = np.all((points >= lower[:, None]) & (points <= upper[:, None]), axis=-1)
    return float(inside.any(axis=1).mean())


def hypercube_experiment(n_targets: int, rng: np.random.Generator, d: int = 3,
                         volume: float = 0.01) -> dict[str, np.ndarray]:
    """Hit rates of grid, random and Sobol designs with n**d points, n = 2..8 (up to 512)."""
    sides = np.arange(2, 9)
    budgets = sides**d
    lower, upper = random_targets(n_targets, d, volume, rng)
    sobol = qmc.Sobol(d, scramble=True, seed=rng).random_base2(int(np.log2(budgets[-1])))
    rates = {"grid": [], "random": [], "sobol": []}
    for side, budget in zip(sides, budgets, strict=True):
        rates["grid"].append(hit_rate(centred_grid(np.zeros(d), np.ones(d), int(side)),
                                      lower, upper))
        random_points = random_search_points(np.zeros(d), np.ones(d), n_targets * int(budget), rng)
        rates["random"].append(hit_rate(random_points.reshape(n_targets, budget, d),
                                        lower, upper))
        rates["sobol"].append(hit_rate(sobol[:budget], lower, upper))
    return {"cube_budgets": budgets, "cube_d": d,
            **{f"cube_hit_{k}": np.array(v) for k, v in rates.items()},
            "cube_hit_theory": 1 - (1 - volume) ** budgets}


# --- together ------------------------------------------------------------------------------

def make_figure(n: dict) -> Figure:
    """Four panels: the 9-trial designs, toy loss vs budget, digits efficiency, hypercube hits."""
    fig, ax = new_figure(2, 2, width=4.2, height=3.4,
                         title="Random vs grid search (Bergstra & Bengio 2012)")
    # (a) the designs on the toy, with the important dimension's values marked below
    xs = np.linspace(0, 1, 300)
    a, b = n["toy_example_centre"]
    grid = centred_grid([0, 0], [1, 1], 3)
    rand = n["toy_example_random"]
    ax[0].plot(xs, 1 - toy_loss(np.stack([xs, np.full_like(xs, b)], 1), (a, b)), "k-", lw=1,
               label="1 - g(x) (important)")
    ax[0].scatter(grid[:, 0], grid[:, 1], marker="s", color=COLORS["grid"], label="3 x 3 grid")
    ax[0].scatter(rand[:, 0], rand[:, 1], marker="o", color=COLORS["random"], label="9 random")
    ax[0].plot(grid[:, 0], np.full(9, -0.08), "|", color=COLORS["grid"], ms=12)
    ax[0].plot(rand[:, 0], np.full(9, -0.16), "|", color=COLORS["random"], ms=12)
    ax[0].set(xlabel="x (matters)", ylabel="y (barely matters)", ylim=(-0.22, 1.3),
              title="(a) 9 trials: distinct values of x")
    ax[0].legend(fontsize=8, loc="upper center", ncol=3, framealpha=0.9)

    budgets = n["toy_budgets"]
    for key, label in (("grid", "grid"), ("random", "random")):
        values = n[f"toy_best_{key}"]
        ax[1].plot(budgets, values.mean(0), "o-", color=COLORS[key], label=f"{label} (mean)")
        ax[1].fill_between(budgets, np.percentile(values, 25, 0), np.percentile(values, 75, 0),
                           color=COLORS[key], alpha=0.2)
    ax[1].set(xlabel="trials (n x n grid / n² random)", ylabel="best loss found (0 = optimum)",
              title=f"(a) toy, {len(n['toy_best_grid'])} random optima")
    ax[1].legend(fontsize=8)

    s = n["trials"]
    ax[2].plot(s, n["best_median"], color=COLORS["random"], label="random: median best of s")
    ax[2].fill_between(s, n["best_q25"], n["best_q75"], color=COLORS["random"], alpha=0.2,
                       label="random: 25-75 %")
    ax[2].plot(n["grid_sizes"], n["grid_best"], "s--", color=COLORS["grid"], ms=7,
               label="grid (cell centres)")
    ax[2].set_xscale("log", base=2)
    lowest = min(n["best_q25"].min(), n["best_median"].min(), n["grid_best"].min())
    ax[2].set(xlabel="trials", ylabel="best validation accuracy",
              ylim=(np.floor(10 * lowest) / 10, 1.0),  # the whole median curve shows
              title="(b) digits MLP, 4 hyperparameters")
    ax[2].legend(fontsize=8, loc="lower right")

    cb = n["cube_budgets"]
    ax[3].plot(cb, n["cube_hit_grid"], "s-", color=COLORS["grid"], label="grid")
    ax[3].plot(cb, n["cube_hit_random"], "o-", color=COLORS["random"], label="random")
    ax[3].plot(cb, n["cube_hit_sobol"], "^-", color=COLORS["sobol"], label="Sobol (scrambled)")
    ax[3].plot(cb, n["cube_hit_theory"], "k:", label="1 - 0.99^N")
    ax[3].set_xscale("log", base=2)
    ax[3].set(xlabel="trials N", ylabel="P(hit the 1 % target)", ylim=(0, 1.02),
              title=f"(c) target = 1 % of the unit {n['cube_d']}-cube")
    ax[3].legend(fontsize=8, loc="lower right")
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Run (a), (b) and (c); quick uses fewer optima, a small pool, short training, one grid."""
    rng_toy, rng_digits, rng_cube = child_rngs(seed, 3)
    numbers: dict = {}
    numbers.update(toy_experiment(200 if quick else 2000, rng_toy))
    numbers.update(digits_experiment(
        pool_size=24 if quick else 128, grid_sides=(2,) if quick else (2, 3),
        steps=60 if quick else 200, seed=child_seeds(seed, 1)[0] % 2**31, rng=rng_digits))
    numbers.update(hypercube_experiment(200 if quick else 2000, rng_cube))

    j9 = int(np.flatnonzero(numbers["toy_budgets"] == 9)[0])
    grid9, rand9 = numbers["toy_best_grid"][:, j9], numbers["toy_best_random"][:, j9]
    rows = [SummaryRow(
        NAME, "9 trials: a grid tries 3 values of the important hyperparameter, random tries 9,"
        " and finds a better optimum on average (toy)",
        f"distinct x: grid {numbers['toy_distinct_grid'][j9]}, random "
        f"{numbers['toy_distinct_random'][j9]}; mean best loss grid {grid9.mean():.3f}, "
        f"random {rand9.mean():.3f}",
        bool(rand9.mean() < grid9.mean()
             and numbers["toy_distinct_random"][j9] > numbers["toy_distinct_grid"][j9]),
    )]
    grid_size, grid_best = int(numbers["grid_sizes"][-1]), float(numbers["grid_best"][-1])
    s_match = numbers["random_trials_matching_grid"]
    rows.append(SummaryRow(
        NAME, f"digits: random search matches a {grid_size}-trial grid with fewer trials",
        f"grid best {grid_best:.3f}; median best of random reaches it at s = "
        f"{s_match if s_match > 0 else 'never (in the pool)'}",
        bool(0 < s_match < grid_size),
    ))
    i64 = int(np.flatnonzero(numbers["cube_budgets"] == 64)[0])
    rows.append(SummaryRow(
        NAME, "a 1 % target is hit more often by random (and Sobol) points than by a grid",
        f"hit rate at N = 64: grid {numbers['cube_hit_grid'][i64]:.2f}, random "
        f"{numbers['cube_hit_random'][i64]:.2f}, Sobol {numbers['cube_hit_sobol'][i64]:.2f}",
        bool(numbers["cube_hit_random"].mean() > numbers["cube_hit_grid"].mean()),
    ))
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)
