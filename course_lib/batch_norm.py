"""Batch normalization of one layer's pre-activations, in course notation (examples are columns).

For ``Z`` of shape (n, m), every unit (row) is normalised over the m examples of the batch:
``mu = mean(Z, axis=1)``, ``var = mean((Z - mu)**2, axis=1)`` (the biased, 1/m variance),
``Z_norm = (Z - mu) / sqrt(var + eps)`` and ``Z_tilde = gamma * Z_norm + beta``, with ``gamma``
and ``beta`` learnable (n, 1) columns. At test time the batch statistics are replaced by
running averages (as most frameworks do; the paper uses population statistics instead).

The code is written to be read beside the lecture: one line per formula, named as there. A
version tuned for speed, with the same results, is :mod:`course_lib.fast`.
"""

from __future__ import annotations

import numpy as np

from course_kit._validate import as_2d, as_column

#: The cache of :func:`batchnorm_forward`, a plain tuple in the contract's order:
#: ``(Z, Z_norm, mu, var, gamma, beta, eps)``.
Cache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def _check_eps(eps: float) -> float:
    if not eps > 0:
        raise ValueError(f"eps must be > 0; got {eps!r}")
    return float(eps)


def forward_arguments(Z, gamma, beta, eps) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(Z, gamma, beta, eps)`` as float arrays (n, m), (n, 1), (n, 1) and a float > 0.

    Raises ``ValueError`` naming the argument otherwise, or if ``Z`` has no column (a batch of
    no examples has no mean).
    """
    Z = as_2d("Z", Z)
    n, m = Z.shape
    if m == 0:
        raise ValueError(f"Z must hold at least one example (column); got shape {Z.shape}")
    return Z, as_column("gamma", gamma, n), as_column("beta", beta, n), _check_eps(eps)


def gradient_argument(dZ_tilde, Z: np.ndarray) -> np.ndarray:
    """``dZ_tilde`` as a float array of the shape of ``Z``; ``ValueError`` naming it otherwise."""
    dZ_tilde = as_2d("dZ_tilde", dZ_tilde)
    if dZ_tilde.shape != Z.shape:
        raise ValueError(f"dZ_tilde must have the shape of Z {Z.shape}; got {dZ_tilde.shape}")
    return dZ_tilde


def batchnorm_forward(Z, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, Cache]:
    """Normalise each row of ``Z`` over the batch, then scale by ``gamma`` and shift by ``beta``.

    For every row, over the m examples (axis 1)::

        mu      = (1/m) * sum(Z)
        var     = (1/m) * sum((Z - mu)**2)          biased: divides by m, not m - 1
        Z_norm  = (Z - mu) / sqrt(var + eps)        eps inside the root
        Z_tilde = gamma * Z_norm + beta

    Parameters
    ----------
    Z : (n, m) pre-activations, one column per example, m >= 1
    gamma, beta : (n, 1)
    eps : float > 0, added to the variance inside the square root

    Returns
    -------
    Z_tilde : (n, m), ``gamma * Z_norm + beta``
    cache : the tuple ``(Z, Z_norm, mu, var, gamma, beta, eps)`` for the backward pass,
        ``mu`` and ``var`` (n, 1)

    Raises
    ------
    ValueError
        If ``Z`` is not 2-D with at least one column, ``gamma`` or ``beta`` is not (n, 1), or
        ``eps <= 0``; the message names the argument.
    """
    Z, gamma, beta, eps = forward_arguments(Z, gamma, beta, eps)
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.mean((Z - mu) ** 2, axis=1, keepdims=True)  # biased: divides by m
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde, (Z, Z_norm, mu, var, gamma, beta, eps)


def batchnorm_backward(dZ_tilde, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss through :func:`batchnorm_forward`, given ``dZ_tilde`` = dJ/dZ_tilde.

    Every example contributes one term to the parameters' gradients, summed over the batch;
    ``Z`` reaches the loss directly and through the batch's ``mu`` and ``var``. With
    ``g = gamma * dZ_tilde``, the gradient with respect to ``Z_norm``, and sums and means over
    the examples (axis 1)::

        dbeta  = sum(dZ_tilde)
        dgamma = sum(dZ_tilde * Z_norm)
        dZ     = (g - mean(g) - Z_norm * mean(g * Z_norm)) / sqrt(var + eps)

    In ``dZ`` the second term comes from the mean, the third from the variance.

    Parameters
    ----------
    dZ_tilde : (n, m), the shape of ``Z``
    cache : ``(Z, Z_norm, mu, var, gamma, beta, eps)`` as returned by :func:`batchnorm_forward`

    Returns
    -------
    dZ : (n, m)
    dgamma, dbeta : (n, 1)

    Raises
    ------
    ValueError
        If ``dZ_tilde`` is not 2-D of the shape of the cached ``Z``.
    """
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    dZ_tilde = gradient_argument(dZ_tilde, Z)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    g = gamma * dZ_tilde  # dJ/dZ_norm
    g_mean = np.mean(g, axis=1, keepdims=True)  # through mu
    g_Z_norm_mean = np.mean(g * Z_norm, axis=1, keepdims=True)  # through var
    dZ = (g - g_mean - Z_norm * g_Z_norm_mean) / np.sqrt(var + eps)
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
