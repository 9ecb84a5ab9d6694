"""Tests of course_lib.tuning against CURRICULUM.md (assignment `tuning`)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import tuning
from course_lib.tuning import (
    coarse_to_fine,
    grid_search_points,
    random_search,
    random_search_points,
)

# --------------------------------------------------------------------------- grid_search_points


def test_grid_hand_example_two_dims():
    points = grid_search_points([0, 0], [1, 1], 2)
    expected = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_array_equal(points, expected)
    assert points.dtype == np.float64


@pytest.mark.parametrize(
    ("low", "high", "n"),
    [
        ([0.0], [1.0], 5),
        ([-1.0, 10.0], [1.0, 20.0], 3),
        ([0.0, -2.0, 1e-4], [1.0, 2.0, 1.0], 4),
        ([0.5, 0.5], [0.7, 0.9], 1),
    ],
)
def test_grid_is_itertools_product_of_linspaces(low, high, n):
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(low, high, strict=True)]
    expected = np.array(list(itertools.product(*axes)), dtype=float)
    points = grid_search_points(low, high, n)
    assert points.shape == (n ** len(low), len(low))
    np.testing.assert_array_equal(points, expected)


def test_grid_last_dimension_varies_fastest():
    points = grid_search_points([0, 0, 0], [2, 2, 2], 3)
    # the first three points differ only in the last coordinate
    np.testing.assert_array_equal(points[:3, :2], np.zeros((3, 2)))
    np.testing.assert_array_equal(points[:3, 2], [0.0, 1.0, 2.0])


@settings(max_examples=30, deadline=None)
@given(d=st.integers(1, 3), n=st.integers(1, 5))
def test_grid_shape_property(d, n):
    points = grid_search_points(np.zeros(d), np.ones(d), n)
    assert points.shape == (n**d, d)
    assert np.all((points >= 0) & (points <= 1))
    # every point is distinct
    assert len({tuple(p) for p in points}) == n**d


# ------------------------------------------------------------------------- random_search_points


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_random_search_points_is_exactly_one_uniform_draw(seed):
    low, high = [0.0, -5.0, 1e-3], [1.0, 5.0, 2e-3]
    points = random_search_points(low, high, 7, np.random.default_rng(seed))
    expected = np.random.default_rng(seed).uniform(low, high, size=(7, 3))
    np.testing.assert_array_equal(points, expected)


def test_random_search_points_consumes_exactly_one_draw():
    rng = np.random.default_rng(3)
    random_search_points([0, 0], [1, 1], 4, rng)
    reference = np.random.default_rng(3)
    reference.uniform([0, 0], [1, 1], size=(4, 2))
    # the generators are now in the same state
    assert rng.uniform() == reference.uniform()


@settings(max_examples=30, deadline=None)
@given(
    d=st.integers(1, 4),
    n=st.integers(1, 20),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_search_points_shape_and_box(d, n, seed):
    rng = np.random.default_rng(seed)
    low = rng.uniform(-10, 10, size=d)
    high = low + rng.uniform(0.1, 5, size=d)
    points = random_search_points(low, high, n, np.random.default_rng(seed))
    assert points.shape == (n, d)
    assert np.all(points >= low) and np.all(points <= high)


# -------------------------------------------------------------------------------- random_search


def test_random_search_tie_keeps_first():
    counter = itertools.count()

    def sampler(rng):
        return next(counter)

    scores = {0: 3.0, 1: 1.0, 2: 2.0, 3: 1.0, 4: 1.0}
    best_params, best_score, history = random_search(
        scores.__getitem__, sampler, 5, np.random.default_rng(0)
    )
    assert best_params == 1
    assert best_score == 1.0
    assert history == [(0, 3.0), (1, 1.0), (2, 2.0), (3, 1.0), (4, 1.0)]


def test_random_search_lower_is_better_and_history_in_order():
    def sampler(rng):
        return rng.uniform(-1, 1)

    best_params, best_score, history = random_search(
        lambda x: (x - 0.3) ** 2, sampler, 50, np.random.default_rng(7)
    )
    # independent construction: the same draws from a same-seeded generator
    rng = np.random.default_rng(7)
    draws = [rng.uniform(-1, 1) for _ in range(50)]
    assert [p for p, _ in history] == draws
    assert [s for _, s in history] == [(x - 0.3) ** 2 for x in draws]
    i = int(np.argmin([(x - 0.3) ** 2 for x in draws]))
    assert best_params == draws[i]
    assert best_score == (draws[i] - 0.3) ** 2


def test_random_search_passes_the_given_generator_to_the_sampler():
    rng = np.random.default_rng(0)
    seen = []

    def sampler(r):
        seen.append(r)
        return 0

    random_search(lambda p: 0.0, sampler, 3, rng)
    assert len(seen) == 3 and all(r is rng for r in seen)


def test_random_search_single_trial():
    best_params, best_score, history = random_search(
        lambda p: 5.0, lambda r: "only", 1, np.random.default_rng(0)
    )
    assert (best_params, best_score, history) == ("only", 5.0, [("only", 5.0)])


# ------------------------------------------------------------------------------- coarse_to_fine


def _expected_coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, seed):
    """The contract, written out independently: boxes, every evaluated point, best point."""
    rng = np.random.default_rng(seed)
    low, high = np.asarray(low, float), np.asarray(high, float)
    box_low, box_high = low.copy(), high.copy()
    boxes, evaluated = [], []
    best_point, best_score = None, None
    for _ in range(n_rounds):
        boxes.append((box_low.copy(), box_high.copy()))
        points = rng.uniform(box_low, box_high, size=(n_points, low.size))
        for p in points:
            s = objective(p)
            evaluated.append(p)
            if best_score is None or s < best_score:
                best_point, best_score = p, s
        side = box_high - box_low
        centre = best_point
        box_low = np.clip(centre - shrink * side / 2, low, high)
        box_high = np.clip(centre + shrink * side / 2, low, high)
    return best_point, best_score, boxes, evaluated


@pytest.mark.parametrize(
    ("low", "high", "n_points", "n_rounds", "shrink", "seed"),
    [
        ([0.0], [1.0], 5, 4, 0.5, 0),
        ([-2.0, 0.0], [2.0, 1.0], 8, 3, 0.3, 1),
        ([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], 10, 5, 0.8, 2),
    ],
)
def test_coarse_to_fine_follows_contract(low, high, n_points, n_rounds, shrink, seed):
    target = np.array([0.9, 0.05, 0.5])[: len(low)]

    def objective(p):
        return float(np.sum((p - target) ** 2))

    calls = []

    def recorded(p):
        calls.append(np.array(p, copy=True))
        return objective(p)

    best_point, best_score, boxes = coarse_to_fine(
        recorded, low, high, n_points, n_rounds, shrink, np.random.default_rng(seed)
    )
    exp_point, exp_score, exp_boxes, exp_evaluated = _expected_coarse_to_fine(
        objective, low, high, n_points, n_rounds, shrink, seed
    )
    assert len(boxes) == n_rounds
    for (bl, bh), (el, eh) in zip(boxes, exp_boxes, strict=True):
        np.testing.assert_allclose(bl, el, rtol=0, atol=1e-15)
        np.testing.assert_allclose(bh, eh, rtol=0, atol=1e-15)
    assert len(calls) == n_points * n_rounds
    np.testing.assert_allclose(np.array(calls), np.array(exp_evaluated), rtol=0, atol=1e-15)
    np.testing.assert_allclose(best_point, exp_point, rtol=0, atol=1e-15)
    assert best_score == pytest.approx(exp_score, abs=1e-15)
    # first box is the original one
    np.testing.assert_array_equal(boxes[0][0], low)
    np.testing.assert_array_equal(boxes[0][1], high)


def test_coarse_to_fine_hand_checked_1d():
    # objective picks the point closest to 0.95: the next box is centred there with half the
    # side (0.5), so [0.7, 1.2] is clipped to [0.7, 1.0].
    low, high = [0.0], [1.0]
    rng = np.random.default_rng(5)
    first = rng.uniform(low, high, size=(6, 1))[:, 0]
    best = first[np.argmin(np.abs(first - 0.95))]
    _, _, boxes = coarse_to_fine(
        lambda p: abs(p[0] - 0.95), low, high, 6, 2, 0.5, np.random.default_rng(5)
    )
    box_low, box_high = boxes[1]
    assert box_low[0] == pytest.approx(max(best - 0.25, 0.0), abs=1e-15)
    assert box_high[0] == pytest.approx(min(best + 0.25, 1.0), abs=1e-15)


def test_coarse_to_fine_next_side_is_shrink_times_the_clipped_side(monkeypatch):
    # The tuning notebook's hand example: random_search_points returns hand-chosen points.
    # Round 2 is 7.5 +- 2 clipped to [5.5, 8]; round 3 is 7.5 +- 0.625 (half of 0.5 * 2.5, the
    # side of the clipped box, not of the unclipped 4) clipped to [6.875, 8].
    rounds = iter([[2.0, 7.5, 4.0], [6.0, 8.0, 6.5], [7.25, 6.875, 7.875]])
    monkeypatch.setattr(
        tuning, "random_search_points", lambda *args: np.array(next(rounds)).reshape(3, 1)
    )
    best_point, best_score, boxes = coarse_to_fine(
        lambda p: abs(p[0] - 7.0), [0.0], [8.0], 3, 3, 0.5, np.random.default_rng(0)
    )
    assert [(lo[0], hi[0]) for lo, hi in boxes] == [(0.0, 8.0), (5.5, 8.0), (6.875, 8.0)]
    assert best_point[0] == 6.875 and best_score == 0.125


def test_coarse_to_fine_boxes_stay_in_original_and_contain_best():
    low, high = np.array([0.0, -1.0]), np.array([1.0, 1.0])
    best_point, _, boxes = coarse_to_fine(
        lambda p: float(np.sum((p - np.array([1.0, -1.0])) ** 2)),
        low,
        high,
        10,
        6,
        0.5,
        np.random.default_rng(0),
    )
    for bl, bh in boxes:
        assert np.all(bl >= low) and np.all(bh <= high) and np.all(bl < bh)
    assert np.all(best_point >= boxes[-1][0]) and np.all(best_point <= boxes[-1][1])


def test_coarse_to_fine_tie_keeps_first_point():
    calls = []

    def objective(p):
        calls.append(p.copy())
        return 0.0  # every point ties

    best_point, best_score, _ = coarse_to_fine(
        objective, [0.0], [1.0], 4, 3, 0.5, np.random.default_rng(9)
    )
    np.testing.assert_array_equal(best_point, calls[0])
    assert best_score == 0.0


# ---------------------------------------------------------------------------------- ValueErrors

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: grid_search_points([0, 0], [1, 1], 0), "n_per_dim"),
        (lambda: grid_search_points([0, 0], [1, 1], 2.0), "n_per_dim"),
        (lambda: grid_search_points([0, 0], [1, 1], True), "n_per_dim"),
        (lambda: grid_search_points([], [], 2), "low"),
        (lambda: grid_search_points([[0, 0]], [[1, 1]], 2), "low"),
        (lambda: grid_search_points([0, 0], [1], 2), "high"),
        (lambda: grid_search_points([0, 1], [1, 1], 2), "low"),
        (lambda: random_search_points([0], [1], 0, RNG), "n_points"),
        (lambda: random_search_points([1], [0], 3, RNG), "low"),
        (lambda: random_search_points([0], [1], 3, 0), "rng"),
        (lambda: random_search_points([0], [1], 3, np.random.RandomState(0)), "rng"),
        (lambda: random_search(lambda p: 0, lambda r: 0, 0, RNG), "n_trials"),
        (lambda: random_search(lambda p: 0, lambda r: 0, 3, None), "rng"),
        (lambda: coarse_to_fine(lambda p: 0, [0], [1], 0, 2, 0.5, RNG), "n_points"),
        (lambda: coarse_to_fine(lambda p: 0, [0], [1], 3, 0, 0.5, RNG), "n_rounds"),
        (lambda: coarse_to_fine(lambda p: 0, [0], [1], 3, 2, 0.0, RNG), "shrink"),
        (lambda: coarse_to_fine(lambda p: 0, [0], [1], 3, 2, 1.0, RNG), "shrink"),
        (lambda: coarse_to_fine(lambda p: 0, [0], [1], 3, 2, 0.5, 42), "rng"),
        (lambda: coarse_to_fine(lambda p: 0, [0], [0], 3, 2, 0.5, RNG), "low"),
    ],
)
def test_value_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
