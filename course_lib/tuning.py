"""The tuning process: grid search, random search, and coarse-to-fine search.

Points are rows: a search over d hyperparameters returns an array of shape (n_points, d).
Every objective is minimised (lower is better).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from course_kit._validate import bounds, generator, positive_int


def grid_search_points(low: Sequence[float], high: Sequence[float], n_per_dim: int) -> np.ndarray:
    """Every point of a regular grid over the box ``[low, high]``.

    Dimension i takes the ``n_per_dim`` values ``np.linspace(low[i], high[i], n_per_dim)``;
    the points are all combinations in ``itertools.product`` order (last dimension fastest).

    Parameters
    ----------
    low, high : sequences of length d with ``low[i] < high[i]``
    n_per_dim : int >= 1, values per dimension

    Returns
    -------
    points : float array (n_per_dim**d, d)

    Examples
    --------
    >>> grid_search_points([0, 0], [1, 1], 2)
    array([[0., 0.],
           [0., 1.],
           [1., 0.],
           [1., 1.]])
    """
    low_array, high_array = bounds(low, high)
    n = positive_int("n_per_dim", n_per_dim)
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(low_array, high_array, strict=True)]
    # meshgrid with "ij" indexing varies the last axis fastest, exactly like itertools.product.
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([axis.ravel() for axis in mesh], axis=1)


def random_search_points(
    low: Sequence[float], high: Sequence[float], n_points: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_points`` points drawn uniformly in the box ``[low, high)``.

    Exactly one draw: ``rng.uniform(low, high, size=(n_points, d))``, so a seed fixes the points.

    Returns
    -------
    points : float array (n_points, d)
    """
    low_array, high_array = bounds(low, high)
    n = positive_int("n_points", n_points)
    return generator(rng).uniform(low_array, high_array, size=(n, low_array.size))


def random_search(
    objective: Callable[[object], float],
    sampler: Callable[[np.random.Generator], object],
    n_trials: int,
    rng: np.random.Generator,
) -> tuple[object, float, list[tuple[object, float]]]:
    """Random search: ``params = sampler(rng)``, ``score = objective(params)``, keep the lowest.

    Returns
    -------
    best_params, best_score
        The first trial with the lowest score (ties keep the earlier trial); the score as
        ``objective`` returned it.
    history : list of (params, score) in trial order
    """
    n = positive_int("n_trials", n_trials)
    generator(rng)
    history: list[tuple[object, float]] = []
    best_params, best_score = None, np.inf
    for _ in range(n):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if len(history) == 1 or score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history


def coarse_to_fine(
    objective: Callable[[np.ndarray], float],
    low: Sequence[float],
    high: Sequence[float],
    n_points: int,
    n_rounds: int,
    shrink: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float, list[tuple[np.ndarray, np.ndarray]]]:
    """Random search that zooms in on the best point, round after round.

    Round 1 searches ``[low, high]``. Each round draws
    ``random_search_points(box_low, box_high, n_points, rng)`` and scores the points in order
    (ties keep the earlier point). After every round but the last, the next box is centred on
    the best point so far; each of its sides is ``shrink`` times the side of the box just
    searched (as clipped), and it is clipped (``np.clip``) to the original ``[low, high]``.

    Returns
    -------
    best_point : float array (d,)
    best_score : the score of ``best_point``, as ``objective`` returned it (not converted)
    boxes : list of the ``n_rounds`` boxes searched, ``(box_low, box_high)`` with each a float
        array (d,); ``boxes[0]`` is ``(low, high)``
    """
    low_array, high_array = bounds(low, high)
    n_points = positive_int("n_points", n_points)
    n_rounds = positive_int("n_rounds", n_rounds)
    if not 0 < shrink < 1:
        raise ValueError(f"shrink must be in (0, 1); got {shrink!r}")
    generator(rng)
    box_low, box_high = low_array.copy(), high_array.copy()
    best_point, best_score = None, np.inf
    boxes = []
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        for point in random_search_points(box_low, box_high, n_points, rng):
            score = objective(point)
            if best_point is None or score < best_score:
                best_point, best_score = point, score
        half_side = shrink * (box_high - box_low) / 2
        box_low = np.clip(best_point - half_side, low_array, high_array)
        box_high = np.clip(best_point + half_side, low_array, high_array)
    return best_point, best_score, boxes
