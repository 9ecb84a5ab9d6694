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
    pass the times, so that a ratio below 1 still means "ours is faster". ``limit``, when set,
    is a ceiling on ``ours`` itself (in ``unit``) that must hold as well as the ratio's goal.
    """

    name: str
    ours: float
    baseline_name: str
    baseline: float
    goal: float
    unit: str = "s"
    note: str = ""
    limit: float | None = None

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal and (self.limit is None or self.ours <= self.limit)


def interleaved_medians(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds per call of each function, timed in turn: a, b, c, a, b, c, ...

    Interleaving puts ours and the baseline under the same conditions: on a shared (virtual)
    machine the speed drifts over seconds, and timing one side after the other would compare
    two different machines. Each function runs once first (imports, caches, first allocation).
    """
    for fn in calls.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


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
