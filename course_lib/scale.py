"""Sampling hyperparameters at an appropriate scale, and exponentially weighted averages.

A learning rate in [1e-4, 1] is sampled as ``10**r`` with ``r`` uniform in [-4, 0], so each
decade gets the same share of samples. A momentum ``beta`` in [0.9, 0.999] is sampled as
``1 - 10**r`` with ``r`` uniform in [-3, -1], because the window ``1 / (1 - beta)`` it averages
over is what matters, and that window is sensitive near ``beta = 1``.
"""

from __future__ import annotations

import numpy as np

from course_kit._validate import generator


def sample_log_uniform(low: float, high: float, size, rng: np.random.Generator) -> np.ndarray:
    """Log-uniform samples in ``[low, high)``: ``r ~ U(log10 low, log10 high)``, return ``10**r``.

    ``0 < low < high``; ``size`` as in ``rng.uniform`` (an int or a shape tuple).

    Raises
    ------
    ValueError
        Unless ``0 < low < high`` (the message names ``low`` and ``high``), or if ``rng`` is
        not a ``numpy.random.Generator``.
    """
    if not 0 < low < high:
        raise ValueError(
            f"low and high must satisfy 0 < low < high; got low={low!r}, high={high!r}"
        )
    r = generator(rng).uniform(np.log10(low), np.log10(high), size=size)
    return 10.0**r


def sample_beta(low: float, high: float, size, rng: np.random.Generator) -> np.ndarray:
    """Samples of ``beta`` in ``(low, high]`` that are log-uniform in ``1 - beta``.

    ``r ~ U(log10(1 - high), log10(1 - low))`` and ``beta = 1 - 10**r``; ``0 <= low < high < 1``.

    Raises
    ------
    ValueError
        Unless ``0 <= low < high < 1`` (the message names ``low`` and ``high``), or if ``rng``
        is not a ``numpy.random.Generator``.
    """
    if not 0 <= low < high < 1:
        raise ValueError(
            f"low and high must satisfy 0 <= low < high < 1; got low={low!r}, high={high!r}"
        )
    r = generator(rng).uniform(np.log10(1 - high), np.log10(1 - low), size=size)
    return 1 - 10.0**r


def effective_window(beta):
    """Roughly how many recent values an exponentially weighted average covers: ``1 / (1 - beta)``.

    ``beta`` is a number (int or float), a list, or an array of any shape; every value must lie
    in ``[0, 1)``. Returns a NumPy float for a number or a 0-d array, a float array of
    ``beta``'s shape for a list or an array with at least one dimension (elementwise).

    Raises
    ------
    ValueError
        If any ``beta`` is outside ``[0, 1)`` (NaN included); the message names ``beta``.
    """
    beta_array = np.asarray(beta, dtype=float)
    if not np.all((beta_array >= 0) & (beta_array < 1)):
        raise ValueError(f"beta must be in [0, 1); got {beta!r}")
    return 1.0 / (1.0 - beta_array)


def bias_corrected(v, beta: float) -> np.ndarray:
    """``v_t / (1 - beta**t)`` for t = 1..T: an average started at ``v_0 = 0``, unbiased.

    ``v`` : 1-D array (T,), the values v_1..v_T of :func:`ewa` without correction.
    """
    v = np.asarray(v, dtype=float)
    return v / (1 - beta ** np.arange(1, v.size + 1))


def ewa(x, beta: float, bias_correction: bool = False) -> np.ndarray:
    """Exponentially weighted average of a series.

    ``v_0 = 0``, ``v_t = beta * v_{t-1} + (1 - beta) * x_t`` for t = 1..T; with
    ``bias_correction`` each ``v_t`` is divided by ``1 - beta**t``.

    Parameters
    ----------
    x : 1-D array (T,)
    beta : float in [0, 1)

    Returns
    -------
    v : float array (T,), the values v_1..v_T

    Raises
    ------
    ValueError
        If ``x`` is not 1-D, or ``beta`` is outside ``[0, 1)``; the message names the argument.
    """
    x_array = np.asarray(x, dtype=float)
    if x_array.ndim != 1:
        raise ValueError(f"x must be a 1-D array; got shape {x_array.shape}")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1); got {beta!r}")
    v = np.empty_like(x_array)
    running = 0.0
    for t, value in enumerate(x_array):
        running = beta * running + (1 - beta) * value
        v[t] = running
    return bias_corrected(v, beta) if bias_correction else v
