"""Tests of course_lib.softmax against CURRICULUM.md (assignment `softmax`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.softmax import cross_entropy, one_hot, predict, softmax, softmax_regression_grads
from tests.gradcheck import TOLERANCE, numeric_grad, rel_error

# ---------------------------------------------------------------------------------- softmax


def test_softmax_hand_checked():
    Z = np.array([[0.0, np.log(3.0)], [0.0, 0.0]])
    np.testing.assert_allclose(softmax(Z), [[0.5, 0.75], [0.5, 0.25]], rtol=1e-14)
    Z = np.array([[0.0], [np.log(2.0)], [np.log(5.0)]])
    np.testing.assert_allclose(softmax(Z), [[1 / 8], [2 / 8], [5 / 8]], rtol=1e-14)


def test_softmax_is_column_wise_not_row_wise():
    Z = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(softmax(Z), np.full((2, 3), 0.5), rtol=1e-14)


@pytest.mark.parametrize("seed", range(3))
def test_softmax_two_classes_is_sigmoid_of_logit_difference(seed):
    Z = np.random.default_rng(seed).normal(scale=5.0, size=(2, 40))
    A = softmax(Z)
    sigmoid = 1.0 / (1.0 + np.exp(-(Z[0] - Z[1])))
    np.testing.assert_allclose(A[0], sigmoid, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(A[1], 1 - sigmoid, rtol=1e-12, atol=1e-15)


def test_softmax_large_entries_finite():
    Z = np.array(
        [
            [1000.0, -1000.0, 1000.0, 1000.0, 0.0],
            [-1000.0, 1000.0, 1000.0, 999.0, -1000.0],
            [-1000.0, -1000.0, -1000.0, -1000.0, 1000.0],
        ]
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        A = softmax(Z)
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(A[:, 0], [1.0, 0.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(A[:, 1], [0.0, 1.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(A[:2, 2], [0.5, 0.5], rtol=1e-15)
    e = np.exp(-1.0)  # column [1000, 999, -1000]: like [1, 0, -inf]
    np.testing.assert_allclose(A[:2, 3], [1 / (1 + e), e / (1 + e)], rtol=1e-14)


def test_softmax_extreme_finite_entries():
    big = np.finfo(float).max
    Z = np.array([[big, -big, 0.0], [-big, big, 0.0]])
    with np.errstate(over="ignore"):  # big - (-big) overflows to inf on the way; exp(-inf) = 0
        A = softmax(Z)
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A, [[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]], rtol=1e-15)


def _logit_arrays(max_abs=50.0):
    return st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(0, 2**32 - 1)).map(
        lambda t: np.random.default_rng(t[2]).uniform(-max_abs, max_abs, size=(t[0], t[1]))
    )


@settings(max_examples=50, deadline=None)
@given(Z=_logit_arrays(), seed=st.integers(0, 2**32 - 1))
def test_softmax_shift_invariant_per_column(Z, seed):
    shifts = np.random.default_rng(seed).uniform(-500, 500, size=(1, Z.shape[1]))
    np.testing.assert_allclose(softmax(Z + shifts), softmax(Z), rtol=1e-9, atol=1e-14)


@settings(max_examples=50, deadline=None)
@given(Z=_logit_arrays(max_abs=1000.0))
def test_softmax_shape_range_and_columns_sum_to_one(Z):
    A = softmax(Z)
    assert A.shape == Z.shape
    assert np.all(np.isfinite(A)) and np.all(A >= 0) and np.all(A <= 1)
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=0, atol=1e-12)
    # the largest logit gets the largest probability
    np.testing.assert_array_equal(np.argmax(A, axis=0), np.argmax(Z, axis=0))


# ---------------------------------------------------------------------------------- one_hot


def test_one_hot_hand_checked():
    Y = one_hot([2, 0, 1, 2], 3)
    expected = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]], dtype=float)
    np.testing.assert_array_equal(Y, expected)
    assert Y.dtype == np.float64
    assert Y.shape == (3, 4)


def test_one_hot_with_unused_classes_and_numpy_ints():
    Y = one_hot(np.array([1, 1], dtype=np.int32), np.int64(5))
    assert Y.shape == (5, 2)
    np.testing.assert_array_equal(Y[:, 0], [0, 1, 0, 0, 0])


def test_one_hot_whole_number_floats_and_empty_labels():
    np.testing.assert_array_equal(one_hot(np.array([2.0, 0.0]), 3), [[0, 1], [0, 0], [1, 0]])
    for empty in (np.array([], dtype=int), np.array([]), []):
        Y = one_hot(empty, 4)
        assert Y.shape == (4, 0) and Y.dtype == np.float64


@settings(max_examples=50, deadline=None)
@given(data=st.data(), C=st.integers(1, 12))
def test_one_hot_argmax_round_trip(data, C):
    labels = np.array(data.draw(st.lists(st.integers(0, C - 1), min_size=1, max_size=30)))
    Y = one_hot(labels, C)
    assert Y.shape == (C, labels.size)
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    np.testing.assert_array_equal(np.argmax(Y, axis=0), labels)


# ---------------------------------------------------------------------------- cross_entropy


def test_cross_entropy_hand_checked():
    A = np.array([[0.5, 0.25], [0.5, 0.75]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss = cross_entropy(A, Y)
    assert isinstance(loss, float | np.floating)
    assert loss == pytest.approx(-(np.log(0.5) + np.log(0.75)) / 2, rel=1e-14)


def test_cross_entropy_is_mean_not_sum():
    A = np.full((4, 10), 0.25)
    Y = one_hot(np.arange(10) % 4, 4)
    assert cross_entropy(A, Y) == pytest.approx(np.log(4.0), rel=1e-14)


def test_cross_entropy_zero_probability_on_wrong_class_is_fine():
    A = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.eye(2)
    with np.errstate(all="raise"):
        assert cross_entropy(A, Y) == 0.0


def test_cross_entropy_zero_probability_on_the_true_class_is_infinite():
    with np.errstate(divide="ignore"):
        assert cross_entropy(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]])) == np.inf


# ---------------------------------------------------------------------- softmax_regression


def _problem(seed, C=4, n_x=5, m=7):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(C, n_x))
    b = rng.normal(size=(C, 1))
    X = rng.normal(size=(n_x, m))
    Y = one_hot(rng.integers(0, C, size=m), C)
    return W, b, X, Y


@pytest.mark.parametrize(("seed", "C", "n_x", "m"), [(0, 4, 5, 7), (1, 2, 3, 1), (2, 10, 8, 20)])
def test_grads_match_numeric_gradient(seed, C, n_x, m):
    W, b, X, Y = _problem(seed, C, n_x, m)
    loss, dW, db = softmax_regression_grads(W, b, X, Y)
    assert dW.shape == (C, n_x) and db.shape == (C, 1)

    def f():
        return cross_entropy(softmax(W @ X + b), Y)

    # the loss itself is the cross-entropy of the softmax of the logits
    assert loss == pytest.approx(f(), rel=1e-14)
    for name, analytic, x in (("dW", dW, W), ("db", db, b)):
        err = rel_error(analytic, numeric_grad(f, x))
        assert err < TOLERANCE, f"{name}: relative error {err:.2e}"


def test_grads_hand_checked_at_zero_weights():
    # W = 0, b = 0: A is uniform 1/C, loss = log C, dW = (1/C - Y) X^T / m
    C, X = 3, np.array([[1.0, 2.0], [0.0, -1.0]])
    Y = one_hot([0, 2], C)
    loss, dW, db = softmax_regression_grads(np.zeros((C, 2)), np.zeros((C, 1)), X, Y)
    assert loss == pytest.approx(np.log(3.0), rel=1e-14)
    expected_dZ = 1 / 3 - Y
    np.testing.assert_allclose(dW, expected_dZ @ X.T / 2, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(db, [[-1 / 6], [1 / 3], [-1 / 6]], rtol=1e-13)


# ---------------------------------------------------------------------------------- predict


def test_predict_ties_go_to_the_first_class():
    b = np.array([[1.0], [3.0], [3.0], [0.0]])  # classes 1 and 2 tie whatever X is
    np.testing.assert_array_equal(predict(np.zeros((4, 2)), b, np.ones((2, 3))), [1, 1, 1])


def test_predict_hand_checked():
    W = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    b = np.array([[0.0], [0.5], [0.0]])
    X = np.array([[2.0, 0.0, -3.0], [1.0, 0.0, -1.0]])
    # logits: [2, 1.5, -3], [0, 0.5, 0], [-3, -0.5, 4]
    labels = predict(W, b, X)
    np.testing.assert_array_equal(labels, [0, 1, 2])
    assert labels.shape == (3,)
    assert np.issubdtype(labels.dtype, np.integer)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), C=st.integers(1, 6), n_x=st.integers(1, 5), m=st.integers(1, 9)
)
def test_shapes_property(seed, C, n_x, m):
    W, b, X, Y = _problem(seed, C, n_x, m)
    loss, dW, db = softmax_regression_grads(W, b, X, Y)
    assert np.ndim(loss) == 0 and np.isfinite(loss) and loss >= 0
    assert dW.shape == (C, n_x) and db.shape == (C, 1)
    labels = predict(W, b, X)
    assert labels.shape == (m,) and np.issubdtype(labels.dtype, np.integer)
    assert np.all((labels >= 0) & (labels < C))
    np.testing.assert_array_equal(labels, np.argmax(softmax(W @ X + b), axis=0))


# ------------------------------------------------------------------------------ ValueErrors

W2, b2, X2, Y2 = np.zeros((3, 2)), np.zeros((3, 1)), np.zeros((2, 4)), np.zeros((3, 4))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: softmax(np.zeros(3)), "Z"),
        (lambda: softmax(np.zeros((2, 2, 2))), "Z"),
        (lambda: one_hot([0, 3], 3), "labels"),
        (lambda: one_hot([-1, 0], 3), "labels"),
        (lambda: one_hot([[0, 1]], 3), "labels"),
        (lambda: one_hot([0.5, 1.0], 3), "labels"),
        (lambda: one_hot([0, 1], 0), "C"),
        (lambda: one_hot([0, 1], 2.0), "C"),
        (lambda: cross_entropy(np.zeros(3), np.zeros((3, 1))), "A"),
        (lambda: cross_entropy(np.ones((3, 1)), np.zeros(3)), "Y"),
        (lambda: cross_entropy(np.ones((3, 2)), np.zeros((2, 3))), "A and Y"),
        (lambda: softmax_regression_grads(np.zeros(3), b2, X2, Y2), "W"),
        (lambda: softmax_regression_grads(W2, np.zeros((2, 1)), X2, Y2), "b"),
        (lambda: softmax_regression_grads(W2, b2, np.zeros((3, 4)), Y2), "X"),
        (lambda: softmax_regression_grads(W2, b2, np.zeros(4), Y2), "X"),
        (lambda: softmax_regression_grads(W2, b2, X2, np.zeros((3, 5))), "Y"),
        (lambda: softmax_regression_grads(W2, b2, X2, np.zeros(12)), "Y"),
        (lambda: predict(W2, b2, np.zeros((5, 4))), "X"),
        (lambda: predict(W2, np.zeros(3), X2), "b"),
        (lambda: predict(np.zeros(6), b2, X2), "W"),
    ],
)
def test_value_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
