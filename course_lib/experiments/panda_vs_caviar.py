"""Panda vs caviar: train N models one after another, or many at once in parallel processes.

The lecture's two ways of searching: babysit one model at a time (panda), or train many in
parallel and keep the best (caviar). Here N networks (64-64-10 ReLU, momentum, learning rates
``10**r`` with r uniform in [-3, 0]) are trained one after another in this process, then by a
pool of one worker process per core. The best model must be the same (every run is seeded);
the wall time can drop by at most ``min(N, cores)``, minus the cost of starting the workers.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

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
from course_lib.scale import sample_log_uniform

NAME = "panda_vs_caviar"


def train_one(job: tuple[int, float, int, int]) -> tuple[int, float, float, float, int]:
    """Train model ``index`` with ``learning_rate``; returns (index, val acc, start, end, pid).

    Times are ``time.time()``, comparable across processes.
    """
    index, learning_rate, seed, steps = job
    start = time.time()
    _, history = train_digits_mlp([64], seed=seed, steps=steps, batch_size=64,
                                  learning_rate=learning_rate, optimizer="momentum")
    return index, history.val_accuracy[-1], start, time.time(), os.getpid()


def _one_blas_thread() -> None:
    """Worker initialiser: one BLAS thread per process, so the workers do not fight."""
    from threadpoolctl import threadpool_limits

    global _LIMITS
    _LIMITS = threadpool_limits(limits=1, user_api="blas")


def start_method() -> str:
    """"fork" where the platform has it (workers start in milliseconds), else "spawn"."""
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def run_sequential(jobs) -> tuple[list, float]:
    t0 = time.time()
    return [train_one(job) for job in jobs], t0


def run_parallel(jobs, workers: int) -> tuple[list, float]:
    t0 = time.time()
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_one_blas_thread) as pool:
        return list(pool.map(train_one, jobs)), t0


def make_figure(n: dict) -> Figure:
    """(a) when each model trained, panda vs caviar; (b) every model's accuracy, best marked."""
    fig, ax = new_figure(2, 1, width=5.0, height=3.6,
                         title=f"Panda vs caviar: {n['n_models']} models, {n['cores']} cores")
    lanes = []
    for mode, offset, color in (("panda", 0, COLORS["plain"]), ("caviar", 1.5, COLORS["bn"])):
        pids = list(dict.fromkeys(n[f"{mode}_pids"]))
        for k, (start, end, pid) in enumerate(zip(n[f"{mode}_starts"], n[f"{mode}_ends"],
                                                  n[f"{mode}_pids"], strict=True)):
            lane = offset + 0.5 * pids.index(pid)
            ax[0].barh(lane, end - start, left=start, height=0.4, color=color,
                       edgecolor="w", alpha=0.85)
            ax[0].text(start + (end - start) / 2, lane, str(k), ha="center", va="center",
                       fontsize=8, color="w")
        lanes.append((offset, f"{mode}\n{n[f'{mode}_seconds']:.1f} s"))
    ax[0].set_yticks([y for y, _ in lanes], [label for _, label in lanes], fontsize=9)
    ax[0].invert_yaxis()
    ax[0].set(xlabel="wall time since the mode started (s)", ylabel="process (one lane each)",
              title=f"(a) speed-up x{n['speedup']:.2f} ({n['start_method']} workers)")
    ax[1].semilogx(n["learning_rates"], n["panda_accuracy"], "o", color=COLORS["plain"], ms=8,
                   label="panda (one after another)")
    ax[1].semilogx(n["learning_rates"], n["caviar_accuracy"], "x", color=COLORS["bn"], ms=8,
                   label="caviar (parallel)")
    best = n["best_index"]
    ax[1].annotate("best", (n["learning_rates"][best], n["caviar_accuracy"][best]),
                   xytext=(0, -18), textcoords="offset points", ha="center", fontsize=8)
    ax[1].set(xlabel="learning rate", ylabel="validation accuracy",
              title="(b) the same models, the same best")
    ax[1].legend(fontsize=8, loc="lower right")
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Full: 8 models x 800 steps; quick: 4 models x 150 steps. Workers: one per core."""
    n_models, steps = (4, 150) if quick else (8, 800)
    cores = os.cpu_count() or 1
    rng, = child_rngs(seed, 1)
    rates = sample_log_uniform(1e-3, 1.0, n_models, rng)
    seeds = [s % 2**31 for s in child_seeds(seed, n_models)]
    jobs = [(k, float(rates[k]), seeds[k], steps) for k in range(n_models)]
    digits()  # load the data before timing, so neither mode pays for it
    numbers: dict = {"n_models": n_models, "steps": steps, "cores": cores,
                     "learning_rates": rates, "start_method": start_method(),
                     "load_average_before": os.getloadavg()[0]}
    for mode, runner in (("panda", run_sequential), ("caviar", lambda j: run_parallel(j, cores))):
        t0 = time.time()
        results, t_start = runner(jobs)
        numbers[f"{mode}_seconds"] = time.time() - t0
        results = sorted(results)
        numbers[f"{mode}_accuracy"] = np.array([r[1] for r in results])
        numbers[f"{mode}_starts"] = np.array([r[2] - t_start for r in results])
        numbers[f"{mode}_ends"] = np.array([r[3] - t_start for r in results])
        numbers[f"{mode}_pids"] = [r[4] for r in results]
    numbers["speedup"] = numbers["panda_seconds"] / numbers["caviar_seconds"]
    numbers["best_index"] = int(np.argmax(numbers["caviar_accuracy"]))
    same = bool(np.array_equal(numbers["panda_accuracy"], numbers["caviar_accuracy"]))
    numbers["same_results"] = same
    ideal = min(n_models, cores)
    rows = [SummaryRow(
        NAME, f"caviar: training {n_models} models in parallel on {cores} cores cuts the wall "
        "time (ideal x min(N, cores)) and finds the same best model",
        f"sequential {numbers['panda_seconds']:.1f} s, parallel {numbers['caviar_seconds']:.1f} s"
        f" (x{numbers['speedup']:.2f} of ideal x{ideal}; load average before "
        f"{numbers['load_average_before']:.1f}); best model #{numbers['best_index']} "
        f"val acc {numbers['caviar_accuracy'].max():.3f}, identical results: {same}",
        bool(same and numbers["speedup"] > 1.0),
    )]
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)
