"""Benchmarks: each compares something of ours against a named baseline measured in the same run.

Every ``benchmarks/bench_*.py`` module exposes ``run(quick: bool = False) -> list[Comparison]``;
``python -m benchmarks [NAME ...] [--quick]`` runs them and prints one table of ratios.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    """One row of the table: ``ratio = ours / baseline`` (lower is better) against ``goal``.

    ``unit`` says what the two values are (seconds by default). For a throughput comparison
    pass the times, so that a ratio below 1 still means "ours is faster".
    """

    name: str
    ours: float
    baseline_name: str
    baseline: float
    goal: float
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal


def median_seconds(fn: Callable[[], object], repeat: int = 7, number: int = 1) -> float:
    """Median over ``repeat`` runs of the time of ``number`` calls of ``fn``, per call."""
    fn()  # warm up (imports, caches, first allocation)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """NumPy's BLAS and PyTorch on one thread each, so that both sides compete on equal terms."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(before)
