"""Tests of course_kit.data: the bundled digits split and the synthetic blobs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from course_kit.data import Digits, Split, load_digits_split, make_blobs

N_DIGITS = 1797


def _columns_with_labels(X, labels):
    """Rows (pixels..., label) sorted lexicographically: a multiset of examples."""
    rows = np.column_stack([np.asarray(X).T, np.asarray(labels)])
    return rows[np.lexsort(rows.T[::-1])]


# ------------------------------------------------------------------------ load_digits_split


def test_digits_shapes_values_labels():
    digits = load_digits_split()
    assert isinstance(digits, Digits)
    assert digits.n_classes == 10 and digits.n_x == 64
    for split in (digits.train, digits.validation, digits.test):
        assert isinstance(split, Split)
        assert split.X.shape == (64, split.m)
        assert split.labels.shape == (split.m,)
        assert np.issubdtype(split.labels.dtype, np.integer)
        assert split.X.min() >= 0.0 and split.X.max() <= 1.0
        # pixel intensities 0..16 scaled to [0, 1]
        np.testing.assert_allclose(split.X * 16, np.round(split.X * 16), atol=1e-12)
        assert set(np.unique(split.labels)) <= set(range(10))
    assert digits.train.X.max() == 1.0
    # with 1,197+ training examples every digit appears
    assert set(np.unique(digits.train.labels)) == set(range(10))


@pytest.mark.parametrize(("val", "test"), [(1 / 6, 1 / 6), (0.2, 0.1), (0.05, 0.3)])
def test_digits_split_sizes(val, test):
    digits = load_digits_split(val, test, seed=3)
    sizes = digits.train.m, digits.validation.m, digits.test.m
    assert sum(sizes) == N_DIGITS
    assert abs(digits.validation.m - N_DIGITS * val) <= 1
    assert abs(digits.test.m - N_DIGITS * test) <= 1


@pytest.mark.parametrize("seed", [0, 1])
def test_digits_splits_disjoint_and_cover_everything(seed):
    digits = load_digits_split(seed=seed)
    bunch = load_digits()
    X_all = np.concatenate([s.X for s in (digits.train, digits.validation, digits.test)], axis=1)
    labels_all = np.concatenate([s.labels for s in (digits.train, digits.validation, digits.test)])
    assert X_all.shape == (64, N_DIGITS)
    # the three parts together are exactly the 1,797 examples (as a multiset, duplicates
    # included), so no example is in two parts and none is missing
    np.testing.assert_array_equal(
        _columns_with_labels(X_all * 16, labels_all),
        _columns_with_labels(bunch.data.T, bunch.target),
    )


def test_digits_labels_match_images():
    # every example keeps its own label: look each training image up in the original data
    digits = load_digits_split(seed=4)
    bunch = load_digits()
    lookup = {}
    for image, label in zip(bunch.data, bunch.target, strict=True):
        lookup.setdefault(image.tobytes(), set()).add(int(label))
    for image, label in zip((digits.test.X * 16).T, digits.test.labels, strict=True):
        assert int(label) in lookup[np.round(image).tobytes()]


def test_digits_deterministic_for_a_seed_and_seed_matters():
    a, b = load_digits_split(seed=11), load_digits_split(seed=11)
    for sa, sb in zip(
        (a.train, a.validation, a.test), (b.train, b.validation, b.test), strict=True
    ):
        np.testing.assert_array_equal(sa.X, sb.X)
        np.testing.assert_array_equal(sa.labels, sb.labels)
    c = load_digits_split(seed=12)
    assert not np.array_equal(a.validation.labels, c.validation.labels) or not np.array_equal(
        a.validation.X, c.validation.X
    )


def test_digits_shuffled_not_in_file_order():
    digits = load_digits_split(seed=0)
    # the file lists digits 0,1,2,...,9,0,1,...; a shuffled split does not start that way
    assert not np.array_equal(digits.train.labels[:20], np.arange(20) % 10)


# -------------------------------------------------------------------------------- make_blobs


@pytest.mark.parametrize(("n_per_class", "n_classes"), [(1, 2), (5, 3), (40, 7)])
def test_blobs_shapes_and_labels(n_per_class, n_classes):
    split = make_blobs(n_per_class, n_classes, rng=np.random.default_rng(0))
    assert split.X.shape == (2, n_per_class * n_classes)
    assert split.m == n_per_class * n_classes
    np.testing.assert_array_equal(split.labels, np.repeat(np.arange(n_classes), n_per_class))
    assert np.issubdtype(split.labels.dtype, np.integer)


def test_blobs_default_classes_and_default_rng_deterministic():
    a, b = make_blobs(10), make_blobs(10)
    assert a.X.shape == (2, 30)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.labels, np.repeat([0, 1, 2], 10))


def test_blobs_deterministic_for_a_seed():
    a = make_blobs(8, 4, rng=np.random.default_rng(5))
    b = make_blobs(8, 4, rng=np.random.default_rng(5))
    c = make_blobs(8, 4, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_blobs_centres_on_circle_of_radius_3(n_classes):
    split = make_blobs(200, n_classes, spread=1e-3, rng=np.random.default_rng(1))
    for k in range(n_classes):
        angle = 2 * np.pi * k / n_classes
        centre = 3.0 * np.array([np.cos(angle), np.sin(angle)])
        points = split.X[:, split.labels == k]
        # spread 1e-3: every point is within 6 standard deviations of its centre
        assert np.all(np.abs(points - centre[:, None]) < 6e-3)


def test_blobs_spread_scales_the_noise():
    one = make_blobs(50, 3, spread=1.0, rng=np.random.default_rng(2))
    two = make_blobs(50, 3, spread=2.5, rng=np.random.default_rng(2))
    angles = 2 * np.pi * one.labels / 3
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)])
    np.testing.assert_allclose(two.X - centres, 2.5 * (one.X - centres), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------ ValueErrors


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: load_digits_split(0.0, 0.2), "validation_fraction"),
        (lambda: load_digits_split(0.2, 0.0), "test_fraction"),
        (lambda: load_digits_split(1.2, 0.1), "validation_fraction"),
        (lambda: load_digits_split(0.6, 0.5), "test_fraction"),
        (lambda: make_blobs(0), "n_per_class"),
        (lambda: make_blobs(3.5), "n_per_class"),
        (lambda: make_blobs(3, 1), "n_classes"),
        (lambda: make_blobs(3, 3, spread=0.0), "spread"),
        (lambda: make_blobs(3, 3, spread=-1.0), "spread"),
        (lambda: make_blobs(3, 3, rng=7), "rng"),
    ],
)
def test_value_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
