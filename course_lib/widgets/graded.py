"""The student kit's two graded explorers (:mod:`course_kit.explorers`), on the reference.

In the kit they run on the functions a notebook passes in (the student's own); for
self-learners the functions default to the reference's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_kit.explorers import batch_norm_explorer, ewa_explorer
from course_kit.explorers._view import Explorer
from course_lib import batch_norm, scale


def gamma_beta_state(
    distribution: str, mean: float, spread: float, gamma: float, beta: float, eps: float,
    batch_size: int, rng: np.random.Generator,
    batchnorm_forward: Callable = batch_norm.batchnorm_forward,
) -> batch_norm_explorer.GammaBetaState:
    """:func:`course_kit.explorers.batch_norm_explorer.gamma_beta_state`, on the reference."""
    return batch_norm_explorer.gamma_beta_state(
        distribution, mean, spread, gamma, beta, eps, batch_size, rng, batchnorm_forward
    )


def gamma_beta_explorer(
    seed: int = 0, batchnorm_forward: Callable = batch_norm.batchnorm_forward
) -> Explorer:
    """:func:`course_kit.explorers.batch_norm_explorer.gamma_beta_explorer`, on the reference."""
    return batch_norm_explorer.gamma_beta_explorer(seed, batchnorm_forward=batchnorm_forward)


def ewa_window_state(
    beta: float, series: np.ndarray, ewa: Callable = scale.ewa,
    effective_window: Callable = scale.effective_window,
) -> ewa_explorer.EwaState:
    """:func:`course_kit.explorers.ewa_explorer.ewa_window_state`, on the reference."""
    return ewa_explorer.ewa_window_state(beta, series, ewa, effective_window)


def ewa_window_explorer(
    seed: int = 0, ewa: Callable = scale.ewa, effective_window: Callable = scale.effective_window
) -> Explorer:
    """:func:`course_kit.explorers.ewa_explorer.ewa_window_explorer`, on the reference."""
    return ewa_explorer.ewa_window_explorer(seed, ewa=ewa, effective_window=effective_window)
