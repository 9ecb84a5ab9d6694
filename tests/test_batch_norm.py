"""Tests of course_lib.batch_norm against CURRICULUM.md (assignment `batch_norm`)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import wire
from course_lib.batch_norm import (
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
    update_running_stats,
)
from tests.gradcheck import TOLERANCE, numeric_grad, rel_error


def _rows_with_std(rng, n, m, low=0.5, high=2.0):
    """(n, m) rows with means in [-3, 3] and (biased) std drawn from [low, high], m >= 2."""
    Z = rng.normal(size=(n, m))
    Z = (Z - Z.mean(axis=1, keepdims=True)) / Z.std(axis=1, keepdims=True)
    return Z * rng.uniform(low, high, size=(n, 1)) + rng.uniform(-3, 3, size=(n, 1))


def _random_layer(seed, n=4, m=6):
    rng = np.random.default_rng(seed)
    Z = rng.normal(
        loc=rng.normal(size=(n, 1)) * 3, scale=rng.uniform(0.5, 2.0, size=(n, 1)), size=(n, m)
    )
    gamma = rng.uniform(0.5, 2.0, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    beta = rng.normal(size=(n, 1))
    return Z, gamma, beta


# ---------------------------------------------------------------------------------- forward


def test_forward_hand_checked():
    # row [1, 3]: mu 2, var 1; row [0, 0, ...]: handled by eps
    Z = np.array([[1.0, 3.0], [5.0, 5.0]])
    gamma = np.array([[2.0], [1.0]])
    beta = np.array([[0.5], [-1.0]])
    eps = 1e-5
    Z_tilde, cache = batchnorm_forward(Z, gamma, beta, eps)
    s = np.sqrt(1.0 + eps)
    expected = np.array([[2.0 * (-1.0 / s) + 0.5, 2.0 * (1.0 / s) + 0.5], [-1.0, -1.0]])
    np.testing.assert_allclose(Z_tilde, expected, rtol=1e-14, atol=1e-15)


def test_forward_cache_is_exactly_the_contract_tuple():
    Z, gamma, beta = _random_layer(0)
    eps = 1e-3
    Z_tilde, cache = batchnorm_forward(Z, gamma, beta, eps)
    assert type(cache) is tuple and len(cache) == 7  # a plain tuple, as check_tuple asks
    c_Z, c_Z_norm, c_mu, c_var, c_gamma, c_beta, c_eps = cache
    mu = Z.sum(axis=1, keepdims=True) / Z.shape[1]
    var = ((Z - mu) ** 2).sum(axis=1, keepdims=True) / Z.shape[1]  # biased: 1/m
    np.testing.assert_array_equal(c_Z, Z)
    np.testing.assert_allclose(c_mu, mu, rtol=1e-13)
    np.testing.assert_allclose(c_var, var, rtol=1e-12)
    assert c_mu.shape == c_var.shape == (4, 1)
    np.testing.assert_allclose(c_Z_norm, (Z - mu) / np.sqrt(var + eps), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(c_gamma, gamma)
    np.testing.assert_array_equal(c_beta, beta)
    assert c_eps == eps
    np.testing.assert_allclose(Z_tilde, gamma * c_Z_norm + beta, rtol=1e-14, atol=1e-14)


def test_forward_cache_crosses_the_grading_channel_as_the_same_tuple():
    # Hidden tests hand the reference's cache to the student's batchnorm_backward through the
    # data-only channel, which carries plain tuples (a tuple subclass would arrive opaque).
    _, cache = batchnorm_forward(*_random_layer(1), 1e-3)
    received = wire.Decoder().decode(json.loads(json.dumps(wire.Encoder().encode(cache))))
    assert type(received) is tuple and len(received) == 7
    for sent, got in zip(cache, received, strict=True):
        np.testing.assert_array_equal(got, sent)


def test_forward_uses_biased_variance_and_eps_inside_root():
    # m = 2 rows [0, 2]: biased var 1 (unbiased would be 2); eps=0.25 inside the root -> /1.118
    Z = np.array([[0.0, 2.0]])
    Z_tilde, _ = batchnorm_forward(Z, np.ones((1, 1)), np.zeros((1, 1)), eps=0.25)
    np.testing.assert_allclose(Z_tilde, [[-1 / np.sqrt(1.25), 1 / np.sqrt(1.25)]], rtol=1e-14)


@pytest.mark.parametrize("seed", range(3))
def test_identity_parameters_give_back_Z(seed):
    Z, _, _ = _random_layer(seed)
    eps = 1e-5
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_tilde, _ = batchnorm_forward(Z, np.sqrt(var + eps), mu, eps)
    np.testing.assert_allclose(Z_tilde, Z, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_output_rows_have_mean_beta_and_std_close_to_gamma(seed):
    Z, gamma, beta = _random_layer(seed, n=5, m=50)
    eps = 1e-5
    Z_tilde, _ = batchnorm_forward(Z, gamma, beta, eps)
    np.testing.assert_allclose(Z_tilde.mean(axis=1, keepdims=True), beta, rtol=0, atol=1e-12)
    var = Z.var(axis=1, keepdims=True)
    std = Z_tilde.std(axis=1, keepdims=True)
    # Exactly: std = |gamma| * sqrt(var / (var + eps)), slightly BELOW |gamma| because eps sits
    # in the denominator. The relative shortfall 1 - std/|gamma| lies in [0, eps / (2 var)].
    np.testing.assert_allclose(std, np.abs(gamma) * np.sqrt(var / (var + eps)), rtol=1e-12)
    shortfall = 1 - std / np.abs(gamma)
    assert np.all(shortfall >= -1e-13)
    assert np.all(shortfall <= eps / (2 * var) + 1e-13)
    # so std matches |gamma| to a relative eps / (2 min var), below 1e-4 for these rows
    bound = eps / (2 * var.min())
    assert bound < 1e-4
    np.testing.assert_allclose(std, np.abs(gamma), rtol=bound + 1e-13)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 5),
    m=st.integers(2, 10),
    data=st.data(),
)
def test_forward_invariant_to_positive_row_scaling(seed, n, m, data):
    # every row gets its own positive factor in [0.1, 100]
    scales = np.array(data.draw(st.lists(st.floats(0.1, 100.0), min_size=n, max_size=n)))
    scales = scales[:, None]
    rng = np.random.default_rng(seed)
    Z = _rows_with_std(rng, n, m)
    var = Z.var(axis=1)  # >= 0.25 by construction
    gamma = rng.uniform(0.5, 2.0, size=(n, 1))
    beta = rng.normal(size=(n, 1))
    eps = 1e-12
    out, _ = batchnorm_forward(Z, gamma, beta, eps)
    out_scaled, _ = batchnorm_forward(scales * Z, gamma, beta, eps)
    # eps breaks exact invariance: Z_norm changes by a relative factor of at most
    # eps / (2 * smallest variance involved) (<= 1e-12 / (2 * 0.1**2 * 0.25) = 2e-10 here),
    # and |Z_norm| <= sqrt(m); the 1e-11 covers rounding.
    smallest_var = var.min() * min(1.0, float(scales.min()) ** 2)
    eps_effect = eps / (2 * smallest_var) * np.sqrt(m) * np.abs(gamma).max()
    np.testing.assert_allclose(out_scaled, out, rtol=0, atol=eps_effect + 1e-11)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 5),
    m=st.integers(2, 10),
    shift=st.floats(-100.0, 100.0),
)
def test_forward_invariant_to_per_row_shift(seed, n, m, shift):
    rng = np.random.default_rng(seed)
    Z = _rows_with_std(rng, n, m)
    gamma, beta = rng.uniform(0.5, 2.0, size=(n, 1)), rng.normal(size=(n, 1))
    offsets = shift * rng.uniform(-1, 1, size=(n, 1))
    out, _ = batchnorm_forward(Z, gamma, beta)
    out_shifted, _ = batchnorm_forward(Z + offsets, gamma, beta)
    # exact in real arithmetic for any eps; only rounding of Z + offsets (|offset| <= 100)
    np.testing.assert_allclose(out_shifted, out, rtol=0, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), m=st.integers(1, 9), seed=st.integers(0, 1000))
def test_shapes_property(n, m, seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, m))
    gamma, beta = np.ones((n, 1)), np.zeros((n, 1))
    Z_tilde, cache = batchnorm_forward(Z, gamma, beta)
    assert Z_tilde.shape == (n, m)
    dZ, dgamma, dbeta = batchnorm_backward(rng.normal(size=(n, m)), cache)
    assert dZ.shape == (n, m) and dgamma.shape == (n, 1) and dbeta.shape == (n, 1)
    out = batchnorm_inference(Z, gamma, beta, np.zeros((n, 1)), np.ones((n, 1)))
    assert out.shape == (n, m)


# --------------------------------------------------------------------------------- backward


@pytest.mark.parametrize(
    ("seed", "n", "m", "eps"), [(0, 3, 5, 1e-5), (1, 4, 2, 1e-5), (2, 2, 8, 1e-1), (3, 5, 16, 1e-5)]
)
def test_backward_matches_numeric_gradient(seed, n, m, eps):
    Z, gamma, beta = _random_layer(seed, n, m)
    dZ_tilde = np.random.default_rng(100 + seed).normal(size=(n, m))

    def loss():
        Z_tilde, _ = batchnorm_forward(Z, gamma, beta, eps)
        return float(np.sum(dZ_tilde * Z_tilde))

    _, cache = batchnorm_forward(Z, gamma, beta, eps)
    dZ, dgamma, dbeta = batchnorm_backward(dZ_tilde, cache)
    assert dZ.shape == (n, m) and dgamma.shape == (n, 1) and dbeta.shape == (n, 1)
    for name, analytic, x in (("dZ", dZ, Z), ("dgamma", dgamma, gamma), ("dbeta", dbeta, beta)):
        err = rel_error(analytic, numeric_grad(loss, x))
        assert err < TOLERANCE, f"{name}: relative error {err:.2e}"


def test_backward_hand_checked_dbeta_dgamma():
    Z = np.array([[1.0, 3.0]])
    eps = 1e-5
    _, cache = batchnorm_forward(Z, np.array([[2.0]]), np.array([[0.0]]), eps)
    dZ_tilde = np.array([[1.0, 4.0]])
    dZ, dgamma, dbeta = batchnorm_backward(dZ_tilde, cache)
    z_norm = np.array([-1.0, 1.0]) / np.sqrt(1 + eps)
    np.testing.assert_allclose(dbeta, [[5.0]], rtol=1e-14)
    np.testing.assert_allclose(dgamma, [[np.dot([1.0, 4.0], z_norm)]], rtol=1e-14)
    # the gradient with respect to Z sums to zero over the batch (the mean is subtracted)
    assert abs(dZ.sum()) < 1e-12


# ------------------------------------------------------------------- running stats / inference


def test_update_running_stats_hand_checked():
    rm, rv = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    mu, var = np.array([[10.0], [-1.0]]), np.array([[3.0], [0.0]])
    new_mean, new_var = update_running_stats(rm, rv, mu, var)  # default momentum 0.9
    np.testing.assert_allclose(new_mean, [[1.0], [0.8]], rtol=1e-14)
    np.testing.assert_allclose(new_var, [[1.2], [1.8]], rtol=1e-14)
    new_mean, new_var = update_running_stats(rm, rv, mu, var, momentum=0.5)
    np.testing.assert_allclose(new_mean, [[5.0], [0.0]], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(new_var, [[2.0], [1.0]], rtol=1e-14)


def test_update_running_stats_converges_to_constant_batch_stats():
    rm, rv = np.zeros((3, 1)), np.ones((3, 1))
    mu, var = np.array([[1.0], [2.0], [3.0]]), np.array([[0.5], [4.0], [9.0]])
    for k in range(1, 21):
        rm, rv = update_running_stats(rm, rv, mu, var, momentum=0.8)
        # after k updates: 0.8**k * start + (1 - 0.8**k) * target
        np.testing.assert_allclose(rm, (1 - 0.8**k) * mu, rtol=1e-12)
        np.testing.assert_allclose(rv, 0.8**k + (1 - 0.8**k) * var, rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_inference_with_batch_stats_equals_forward(seed):
    Z, gamma, beta = _random_layer(seed, n=4, m=7)
    eps = 1e-3
    Z_tilde, cache = batchnorm_forward(Z, gamma, beta, eps)
    mu, var = cache[2], cache[3]
    out = batchnorm_inference(Z, gamma, beta, mu, var, eps)
    np.testing.assert_allclose(out, Z_tilde, rtol=1e-12, atol=1e-13)


def test_inference_m_equals_1_hand_checked():
    Z = np.array([[3.0], [-1.0]])
    gamma, beta = np.array([[2.0], [0.5]]), np.array([[1.0], [0.0]])
    rm, rv = np.array([[1.0], [1.0]]), np.array([[4.0], [0.25]])
    eps = 1e-5
    out = batchnorm_inference(Z, gamma, beta, rm, rv, eps)
    expected = np.array(
        [[2.0 * 2.0 / np.sqrt(4.0 + eps) + 1.0], [0.5 * -2.0 / np.sqrt(0.25 + eps)]]
    )
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_inference_default_eps_is_1e_5():
    out = batchnorm_inference(
        np.array([[1.0]]), np.ones((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1))
    )
    np.testing.assert_allclose(out, [[1.0 / np.sqrt(1e-5)]], rtol=1e-14)


def test_forward_default_eps_is_1e_5():
    _, cache = batchnorm_forward(np.array([[0.0, 1.0]]), np.ones((1, 1)), np.zeros((1, 1)))
    assert cache[6] == 1e-5


# ------------------------------------------------------------------------------ ValueErrors

Z3 = np.zeros((3, 4))
ONES3, ZEROS3 = np.ones((3, 1)), np.zeros((3, 1))


def _cache():
    return batchnorm_forward(np.arange(12.0).reshape(3, 4), ONES3, ZEROS3)[1]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: batchnorm_forward(np.zeros(4), ONES3, ZEROS3), "Z"),
        (lambda: batchnorm_forward(np.zeros((3, 0)), ONES3, ZEROS3), "Z must hold at least one"),
        (lambda: batchnorm_forward(Z3, np.ones((3,)), ZEROS3), "gamma"),
        (lambda: batchnorm_forward(Z3, np.ones((2, 1)), ZEROS3), "gamma"),
        (lambda: batchnorm_forward(Z3, ONES3, np.zeros((1, 3))), "beta"),
        (lambda: batchnorm_forward(Z3, ONES3, ZEROS3, eps=0.0), "eps"),
        (lambda: batchnorm_forward(Z3, ONES3, ZEROS3, eps=-1e-5), "eps"),
        (lambda: batchnorm_backward(np.zeros((3, 5)), _cache()), "dZ_tilde"),
        (lambda: batchnorm_backward(np.zeros(12), _cache()), "dZ_tilde"),
        (lambda: update_running_stats(ZEROS3, ONES3, ZEROS3, ONES3, momentum=1.5), "momentum"),
        (lambda: update_running_stats(ZEROS3, ONES3, ZEROS3, ONES3, momentum=-0.1), "momentum"),
        (lambda: update_running_stats(np.zeros((2, 1)), ONES3, ZEROS3, ONES3), "running_mean"),
        (lambda: batchnorm_inference(np.zeros((3, 1, 1)), ONES3, ZEROS3, ZEROS3, ONES3), "Z"),
        (lambda: batchnorm_inference(Z3, np.ones((4, 1)), ZEROS3, ZEROS3, ONES3), "gamma"),
        (lambda: batchnorm_inference(Z3, ONES3, np.zeros(3), ZEROS3, ONES3), "beta"),
        (lambda: batchnorm_inference(Z3, ONES3, ZEROS3, np.zeros((2, 1)), ONES3), "running_mean"),
        (lambda: batchnorm_inference(Z3, ONES3, ZEROS3, ZEROS3, np.ones(3)), "running_var"),
        (lambda: batchnorm_inference(Z3, ONES3, ZEROS3, ZEROS3, -ONES3), "running_var"),
        (lambda: batchnorm_inference(Z3, ONES3, ZEROS3, ZEROS3, ONES3, eps=0), "eps"),
    ],
)
def test_value_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_forward_and_backward_leave_their_inputs_unchanged():
    Z, gamma, beta = _random_layer(5)
    dZ_tilde = np.random.default_rng(6).normal(size=Z.shape)
    copies = [a.copy() for a in (Z, gamma, beta, dZ_tilde)]
    _, cache = batchnorm_forward(Z, gamma, beta)
    cache_copies = [np.copy(c) for c in cache]
    batchnorm_backward(dZ_tilde, cache)
    for before, after in zip(copies, (Z, gamma, beta, dZ_tilde), strict=True):
        np.testing.assert_array_equal(after, before)
    for before, after in zip(cache_copies, cache, strict=True):
        np.testing.assert_array_equal(after, before)
