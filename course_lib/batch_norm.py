"""Batch normalization of one layer's pre-activations, in course notation (examples are columns).

For ``Z`` of shape (n, m), every unit (row) is normalised over the m examples of the batch:
``mu = mean(Z, axis=1)``, ``var = mean((Z - mu)**2, axis=1)`` (the biased, 1/m variance),
``Z_norm = (Z - mu) / sqrt(var + eps)`` and ``Z_tilde = gamma * Z_norm + beta``, with ``gamma``
and ``beta`` learnable (n, 1) columns. At test time the batch statistics are replaced by
running averages (as most frameworks do; the paper uses population statistics instead).
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import as_2d, as_column

Cache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def _check_eps(eps: float) -> float:
    if not eps > 0:
        raise ValueError(f"eps must be > 0; got {eps!r}")
    return float(eps)


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


def batchnorm_forward(Z, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, Cache]:
    """Normalise each row of ``Z`` over the batch, then scale by ``gamma`` and shift by ``beta``.

    Parameters
    ----------
    Z : (n, m) pre-activations, one column per example
    gamma, beta : (n, 1)
    eps : float > 0, added to the variance inside the square root

    Returns
    -------
    Z_tilde : (n, m), ``gamma * (Z - mu) / sqrt(var + eps) + beta``
    cache : ``(Z, Z_norm, mu, var, gamma, beta, eps)`` for the backward pass

    Notes
    -----
    Written for speed without changing the formula (each line is the formula for one block of
    rows, see ``_row_blocks``): ``Z - mu`` is computed once and normalised in place (multiplied
    by ``1 / sqrt(var + eps)``: one division per row instead of one per entry); the row sums are
    matrix-vector products with a vector of ones, and ``vecdot(D, D)`` is the row-wise
    ``sum(D**2, axis=1)`` without a temporary (both run in BLAS).
    """
    Z = as_2d("Z", Z)
    n, m = Z.shape
    gamma, beta = as_column("gamma", gamma, n), as_column("beta", beta, n)
    eps = _check_eps(eps)
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


def batchnorm_backward(dZ_tilde, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss through ``batchnorm_forward``.

    With ``g = gamma * dZ_tilde`` (the gradient with respect to ``Z_norm``), every example's
    normalised value depends on the whole batch through ``mu`` and ``var``, which gives
    ``dZ = (g - mean(g) - Z_norm * mean(g * Z_norm)) / sqrt(var + eps)`` (means over axis 1);
    ``dgamma = sum(dZ_tilde * Z_norm, axis=1)`` and ``dbeta = sum(dZ_tilde, axis=1)``.

    Since ``gamma`` is constant along a row, ``mean(g) = gamma * dbeta / m`` and
    ``mean(g * Z_norm) = gamma * dgamma / m``, so the same formula reads
    ``dZ = gamma / sqrt(var + eps) * (dZ_tilde - dbeta / m - Z_norm * dgamma / m)``,
    which is what the code computes, one block of rows at a time (see ``_row_blocks``): it
    reuses the two sums and builds ``dZ`` in place (``vecdot(A, B)`` is ``sum(A * B, axis=1)``
    without the temporary ``A * B``).

    Returns
    -------
    dZ : (n, m)
    dgamma, dbeta : (n, 1)
    """
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    dZ_tilde = as_2d("dZ_tilde", dZ_tilde)
    if dZ_tilde.shape != Z.shape:
        raise ValueError(f"dZ_tilde must have the shape of Z {Z.shape}; got {dZ_tilde.shape}")
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


def update_running_stats(
    running_mean, running_var, mu, var, momentum: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    """Exponentially weighted averages of the batch statistics, for use at test time.

    Returns ``(momentum * running_mean + (1 - momentum) * mu,
    momentum * running_var + (1 - momentum) * var)``, each (n, 1). ``momentum`` lies in
    ``[0, 1]``: unlike the ``beta`` of :func:`course_lib.scale.ewa`, 1 is allowed (it keeps the
    old averages; there is no window or bias correction to make infinite).

    Raises
    ------
    ValueError
        If ``momentum`` is outside ``[0, 1]`` or the four arrays differ in shape; the message
        names the argument.
    """
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum must be in [0, 1]; got {momentum!r}")
    running_mean, mu = np.asarray(running_mean, dtype=float), np.asarray(mu, dtype=float)
    running_var, var = np.asarray(running_var, dtype=float), np.asarray(var, dtype=float)
    if not running_mean.shape == mu.shape == running_var.shape == var.shape:
        raise ValueError(
            "running_mean, running_var, mu and var must have one shape (n, 1); got "
            f"{running_mean.shape}, {running_var.shape}, {mu.shape}, {var.shape}"
        )
    return (
        momentum * running_mean + (1 - momentum) * mu,
        momentum * running_var + (1 - momentum) * var,
    )


def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps: float = 1e-5) -> np.ndarray:
    """Batch norm at test time: ``gamma * (Z - running_mean) / sqrt(running_var + eps) + beta``.

    Uses only the stored statistics, so it works for any number of examples m, even m = 1.

    Parameters
    ----------
    Z : (n, m); gamma, beta, running_mean, running_var : (n, 1)

    Returns
    -------
    Z_tilde : (n, m)
    """
    Z = as_2d("Z", Z)
    n = Z.shape[0]
    gamma, beta = as_column("gamma", gamma, n), as_column("beta", beta, n)
    running_mean = as_column("running_mean", running_mean, n)
    running_var = as_column("running_var", running_var, n)
    eps = _check_eps(eps)
    if np.any(running_var < 0):
        raise ValueError("running_var must be >= 0 in every row")
    return gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta
