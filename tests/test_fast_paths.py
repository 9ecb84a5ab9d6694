"""course_lib.fast against the readable reference it stands in for: same results, same checks.

``tests/test_batch_norm.py`` and ``tests/test_softmax.py`` hold the readable versions to the
contract; these tests hold each fast version equal to its readable one on every shape those
tests and the assignments' tests use (one row, one example, blocks of rows with a short last
one, a batch spanning several blocks), and keep the fast module out of the student kit.
"""

from __future__ import annotations

import re
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import RUNTIME
from course_lib import batch_norm, fast
from course_lib.experiments import reference_functions
from course_lib.softmax import softmax

#: Blocks of one row, of a few rows (a short last block for most n), and one block for all.
BLOCKS = (1, 3 * 7, 4 * 7, fast.BLOCK_ELEMENTS)


def _layer(seed: int, n: int, m: int):
    """Z (n, m) with rows on different scales and offsets, gamma of both signs, beta, dZ_tilde."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(rng.normal(0.0, 3.0, size=(n, 1)), rng.uniform(0.5, 3.0, size=(n, 1)), (n, m))
    gamma = rng.uniform(0.5, 2.0, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    return Z, gamma, rng.normal(size=(n, 1)), rng.normal(size=(n, m))


def _assert_batch_norm_equal(Z, gamma, beta, dZ_tilde, eps, block_elements):
    with mock.patch.object(fast, "BLOCK_ELEMENTS", block_elements):
        Z_tilde, cache = fast.batchnorm_forward_fast(Z, gamma, beta, eps)
        grads = fast.batchnorm_backward_fast(dZ_tilde, cache)
    expected_Z_tilde, expected_cache = batch_norm.batchnorm_forward(Z, gamma, beta, eps)
    expected_grads = batch_norm.batchnorm_backward(dZ_tilde, expected_cache)
    np.testing.assert_allclose(Z_tilde, expected_Z_tilde, rtol=1e-12, atol=1e-12)
    assert type(cache) is tuple and len(cache) == 7
    for name, got, want in zip(("Z", "Z_norm", "mu", "var", "gamma", "beta"), cache,
                               expected_cache, strict=False):
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)
    assert cache[6] == expected_cache[6] == eps
    for name, got, want in zip(("dZ", "dgamma", "dbeta"), grads, expected_grads, strict=True):
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 9),
    m=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
    eps=st.sampled_from([1e-8, 1e-5, 1e-3, 0.5, 3.0]),
    block_elements=st.sampled_from(BLOCKS),
)
def test_batch_norm_equals_the_formula_on_small_layers(n, m, seed, eps, block_elements):
    _assert_batch_norm_equal(*_layer(seed, n, m), eps, block_elements)


@pytest.mark.parametrize("block_elements", BLOCKS)
@pytest.mark.parametrize(("n", "m"), [(1, 1), (3, 1), (1, 7), (8, 7), (6, 32), (32, 64)])
def test_batch_norm_equals_the_formula_for_every_split_into_blocks(n, m, block_elements):
    # (8, 7) with 3 rows a block: 3, 3 and a short 2; with 4 rows: two full blocks.
    _assert_batch_norm_equal(*_layer(n * 100 + m, n, m), 1e-5, block_elements)


def test_batch_norm_equals_the_formula_on_a_batch_spanning_several_blocks():
    n, m = 70, 8192
    assert [rows.stop - rows.start for rows in fast._row_blocks(n, m)] == [32, 32, 32]
    _assert_batch_norm_equal(*_layer(12, n, m), 1e-5, fast.BLOCK_ELEMENTS)


def test_batch_norm_equals_the_formula_on_constant_rows_and_one_example():
    Z = np.array([[7.0, 7.0, 7.0], [1.0, 2.0, 6.0]])
    ones, zeros = np.ones((2, 1)), np.zeros((2, 1))
    _assert_batch_norm_equal(Z, ones, zeros, np.ones((2, 3)), 1e-5, fast.BLOCK_ELEMENTS)
    _assert_batch_norm_equal(Z[:, :1], ones, zeros, np.ones((2, 1)), 1e-5, 1)


def _message(call) -> str:
    with pytest.raises(ValueError) as error:
        call()
    return str(error.value)


Z3, ONES3, ZEROS3 = np.zeros((3, 4)), np.ones((3, 1)), np.zeros((3, 1))


@pytest.mark.parametrize(
    "args",
    [
        (np.zeros(4), ONES3, ZEROS3),
        (np.zeros((3, 0)), ONES3, ZEROS3),
        (Z3, np.ones((2, 1)), ZEROS3),
        (Z3, ONES3, np.zeros((1, 3))),
        (Z3, ONES3, ZEROS3, 0.0),
    ],
)
def test_batch_norm_forward_rejects_what_the_formula_rejects_in_the_same_words(args):
    assert _message(lambda: fast.batchnorm_forward_fast(*args)) == _message(
        lambda: batch_norm.batchnorm_forward(*args)
    )


@pytest.mark.parametrize("dZ_tilde", [np.zeros((3, 5)), np.zeros(12)])
def test_batch_norm_backward_rejects_what_the_formula_rejects_in_the_same_words(dZ_tilde):
    _, cache = batch_norm.batchnorm_forward(np.arange(12.0).reshape(3, 4), ONES3, ZEROS3)
    assert _message(lambda: fast.batchnorm_backward_fast(dZ_tilde, cache)) == _message(
        lambda: batch_norm.batchnorm_backward(dZ_tilde, cache)
    )


def test_fast_functions_leave_their_arguments_unchanged():
    Z, gamma, beta, dZ_tilde = _layer(5, 4, 6)
    arguments = (Z, gamma, beta, dZ_tilde)
    copies = [a.copy() for a in arguments]
    _, cache = fast.batchnorm_forward_fast(Z, gamma, beta)
    cache_copies = [np.copy(c) for c in cache]
    fast.batchnorm_backward_fast(dZ_tilde, cache)
    A = fast.softmax_fast(Z)
    assert not np.shares_memory(A, Z)
    for before, after in zip(copies + cache_copies, arguments + cache, strict=True):
        np.testing.assert_array_equal(after, before)


@settings(max_examples=60, deadline=None)
@given(
    C=st.integers(1, 12),
    m=st.integers(1, 20),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1.0, 50.0, 1000.0]),
)
def test_softmax_equals_the_formula(C, m, seed, scale):
    Z = np.random.default_rng(seed).uniform(-scale, scale, size=(C, m))
    np.testing.assert_allclose(fast.softmax_fast(Z), softmax(Z), rtol=1e-13, atol=1e-300)


def test_softmax_equals_the_formula_on_large_inputs_and_lists():
    Z = np.random.default_rng(7).normal(0.0, 5.0, size=(10, 65536))
    np.testing.assert_allclose(fast.softmax_fast(Z), softmax(Z), rtol=1e-13, atol=1e-300)
    logits = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]]
    np.testing.assert_array_equal(fast.softmax_fast(logits), softmax(logits))
    assert _message(lambda: fast.softmax_fast(np.zeros(3))) == _message(
        lambda: softmax(np.zeros(3))
    )


def test_the_experiments_networks_run_the_fast_versions():
    functions = reference_functions(batch_norm=True)
    assert functions["batch_norm"].forward is fast.batchnorm_forward_fast
    assert functions["batch_norm"].backward is fast.batchnorm_backward_fast
    assert functions["softmax"].softmax is fast.softmax_fast


def test_the_fast_module_stays_out_of_the_student_kit():
    assert not list(RUNTIME.rglob("fast.py"))
    importer = re.compile(r"^\s*(from|import)\s+course_lib(\.fast\b|\s+import\s+.*\bfast\b)", re.M)
    for module in RUNTIME.rglob("*.py"):
        assert not importer.search(module.read_text()), module
