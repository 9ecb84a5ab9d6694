"""Argument checks shared by the reference modules: one clear ValueError naming the argument."""

from __future__ import annotations

import numpy as np


def as_2d(name: str, value) -> np.ndarray:
    """Return ``value`` as a float array of shape (n, m); ValueError if it is not 2-D."""
    array = np.asarray(value, dtype=float)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, m); got shape {array.shape}")
    return array


def as_column(name: str, value, n: int) -> np.ndarray:
    """Return ``value`` as a float column vector of shape (n, 1); ValueError otherwise."""
    array = np.asarray(value, dtype=float)
    if array.shape != (n, 1):
        raise ValueError(f"{name} must have shape ({n}, 1); got shape {array.shape}")
    return array


def positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum``; ValueError for floats, bools and smaller ints."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def bounds(low, high) -> tuple[np.ndarray, np.ndarray]:
    """Return ``low`` and ``high`` as 1-D float arrays of one length d >= 1 with low < high."""
    low_array = np.atleast_1d(np.asarray(low, dtype=float))
    high_array = np.atleast_1d(np.asarray(high, dtype=float))
    if low_array.ndim != 1 or low_array.size == 0:
        raise ValueError(f"low must be a non-empty 1-D sequence; got shape {low_array.shape}")
    if high_array.shape != low_array.shape:
        raise ValueError(
            f"high must have the same length as low ({low_array.size}); "
            f"got shape {high_array.shape}"
        )
    if not np.all(low_array < high_array):
        raise ValueError(f"low must be < high in every dimension; got low={low}, high={high}")
    return low_array, high_array


def generator(rng) -> np.random.Generator:
    """Check that ``rng`` is a numpy Generator (the only source of randomness in the course)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            "rng must be a numpy.random.Generator (np.random.default_rng(seed)); "
            f"got {type(rng).__name__}"
        )
    return rng
