"""Faster versions of reference functions, with their signatures and results, for large arrays.

:mod:`course_lib.batch_norm` and :mod:`course_lib.softmax` are written to be read beside the
lecture; the functions here compute the same formulas with fewer passes over memory and fewer
new arrays. The networks of the experiments (``course_lib.experiments.reference_functions``)
and the benchmarks use them; ``tests/test_fast_paths.py`` holds each one equal to its readable
version. Like the rest of the reference, this module is not part of the student kit.
"""

from __future__ import annotations

import numpy as np

from course_kit._validate import as_2d
from course_lib.batch_norm import Cache, forward_arguments, gradient_argument

BLOCK_ELEMENTS = 1 << 18  # entries per block of rows (2 MiB of float64), see ``_row_blocks``


def _row_blocks(n: int, m: int) -> list[slice]:
    """Slices of about ``BLOCK_ELEMENTS`` entries covering the rows 0..n of an (n, m) array.

    Batch norm treats every row (unit) on its own, so working block by block gives the same
    numbers as working on the whole array. It is faster on large batches: batch norm is
    memory-bound, and a block small enough to stay in the CPU cache is read from main memory
    once, where whole-array NumPy expressions would read it once per pass.
    """
    rows = max(1, BLOCK_ELEMENTS // max(m, 1))
    return [slice(start, start + rows) for start in range(0, n, rows)]


def batchnorm_forward_fast(Z, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, Cache]:
    """:func:`course_lib.batch_norm.batchnorm_forward`, one block of rows at a time.

    Same arguments, checks, results and cache ``(Z, Z_norm, mu, var, gamma, beta, eps)``.
    Each line is the formula for one block of rows (see ``_row_blocks``): ``Z - mu`` is
    computed once, into ``Z_norm``, and normalised in place (multiplied by
    ``1 / sqrt(var + eps)``: one division per row instead of one per entry); the row sums are
    matrix-vector products with a vector of ones, and ``vecdot(D, D)`` is the row-wise
    ``sum(D**2, axis=1)`` without a temporary (both run in BLAS).
    """
    Z, gamma, beta, eps = forward_arguments(Z, gamma, beta, eps)
    n, m = Z.shape
    Z_norm, Z_tilde = np.empty_like(Z), np.empty_like(Z)
    mu, var = np.empty((n, 1)), np.empty((n, 1))
    ones = np.ones(m)
    for rows in _row_blocks(n, m):
        mu[rows, 0] = Z[rows] @ ones / m  # mean(Z, axis=1)
        D = np.subtract(Z[rows], mu[rows], out=Z_norm[rows])  # centred, normalised in place
        var[rows, 0] = np.vecdot(D, D) / m  # mean((Z - mu)**2, axis=1)
        D *= 1 / np.sqrt(var[rows] + eps)
        np.multiply(gamma[rows], D, out=Z_tilde[rows])
        Z_tilde[rows] += beta[rows]
    return Z_tilde, (Z, Z_norm, mu, var, gamma, beta, eps)


def batchnorm_backward_fast(dZ_tilde, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`course_lib.batch_norm.batchnorm_backward`, one block of rows at a time.

    Same arguments, checks and results. Since ``gamma`` is constant along a row,
    ``mean(g) = gamma * dbeta / m`` and ``mean(g * Z_norm) = gamma * dgamma / m`` (with
    ``g = gamma * dZ_tilde``), so the lecture's ``dZ`` reads
    ``dZ = gamma / sqrt(var + eps) * (dZ_tilde - dbeta / m - Z_norm * dgamma / m)``, which is
    what this computes: it reuses the two sums and builds ``dZ`` in place (``vecdot(A, B)`` is
    ``sum(A * B, axis=1)`` without the temporary ``A * B``).
    """
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    dZ_tilde = gradient_argument(dZ_tilde, Z)
    n, m = Z.shape
    dZ = np.empty_like(dZ_tilde)
    dgamma, dbeta = np.empty((n, 1)), np.empty((n, 1))
    scale = gamma / np.sqrt(var + eps)
    ones = np.ones(m)
    for rows in _row_blocks(n, m):
        dbeta[rows, 0] = dZ_tilde[rows] @ ones  # sum(dZ_tilde, axis=1)
        dgamma[rows, 0] = np.vecdot(dZ_tilde[rows], Z_norm[rows])  # sum(dZ_tilde * Z_norm)
        D = np.multiply(Z_norm[rows], -dgamma[rows] / m, out=dZ[rows])
        D += dZ_tilde[rows]
        D -= dbeta[rows] / m
        D *= scale[rows]
    return dZ, dgamma, dbeta


def softmax_fast(Z) -> np.ndarray:
    """:func:`course_lib.softmax.softmax` with one (C, m) array for the whole computation.

    Same argument, check and result: the shifted logits are exponentiated and divided by
    their column sums in place, where the readable version makes a new array at each step.
    """
    Z = as_2d("Z", Z)
    E = Z - Z.max(axis=0, keepdims=True)
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E
