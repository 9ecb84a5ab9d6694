"""Held-apart answers to the `batch_norm` assignment (see the package docstring)."""

from tests.heldout_mistakes import Heldout


def _normalising(mean: str, variance: str, cache: str = "Z, normed") -> str:
    """A batchnorm_forward answer with these statistics; the cache starts with ``cache``."""
    return f"""
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mean = {mean}
    variance = {variance}
    normed = (Z - mean) / np.sqrt(variance + eps)
    return gamma * normed + beta, ({cache}, mean, variance, gamma, beta, eps)
"""


HELDOUT = [
    Heldout(
        "batchnorm_forward",
        "batchnorm_forward.unbiased_variance",
        "sum of squares over m - 1",
        """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    m = Z.shape[1]
    mean = Z.sum(axis=1, keepdims=True) / m
    centred = Z - mean
    variance = (centred ** 2).sum(axis=1, keepdims=True) / (m - 1)
    normed = centred / np.sqrt(variance + eps)
    return gamma * normed + beta, (Z, normed, mean, variance, gamma, beta, eps)
""",
    ),
    Heldout(
        "batchnorm_forward",
        "batchnorm_forward.eps_outside_root",
        "loops over units, std + eps",
        """
import math


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    n, m = Z.shape
    mean, variance, normed = np.zeros((n, 1)), np.zeros((n, 1)), np.zeros((n, m))
    for u in range(n):
        mean[u, 0] = Z[u].mean()
        variance[u, 0] = ((Z[u] - mean[u, 0]) ** 2).mean()
        normed[u] = (Z[u] - mean[u, 0]) / (math.sqrt(variance[u, 0]) + eps)
    return gamma * normed + beta, (Z, normed, mean, variance, gamma, beta, eps)
""",
    ),
    Heldout(
        "batchnorm_forward",
        "batchnorm_forward.wrong_axis",
        "Z.mean(axis=0) and Z.var(axis=0)",
        _normalising("Z.mean(axis=0, keepdims=True)", "Z.var(axis=0, keepdims=True)"),
    ),
    Heldout(
        "batchnorm_forward",
        "batchnorm_forward.wrong_axis",
        "statistics of the whole matrix (no axis at all)",
        _normalising("np.full((Z.shape[0], 1), Z.mean())", "np.full((Z.shape[0], 1), Z.var())"),
    ),
    Heldout(
        "batchnorm_forward",
        "batchnorm_forward.cache_order",
        "cache starts with Z_norm",
        _normalising(
            "Z.mean(axis=1, keepdims=True)", "Z.var(axis=1, keepdims=True)", cache="normed, Z"
        ),
    ),
    Heldout(
        "batchnorm_backward",
        "batchnorm_backward.no_variance_path",
        "loops: only the mean is subtracted from the upstream gradient",
        """
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    n, m = Z.shape
    dZ = np.zeros((n, m))
    for u in range(n):
        g = gamma[u, 0] * dZ_tilde[u]
        dZ[u] = (g - g.mean()) / np.sqrt(var[u, 0] + eps)
    dgamma = (dZ_tilde * Z_norm).sum(axis=1).reshape(n, 1)
    dbeta = dZ_tilde.sum(axis=1).reshape(n, 1)
    return dZ, dgamma, dbeta
""",
    ),
    Heldout(
        "batchnorm_backward",
        "batchnorm_backward.parameter_grads_are_means",
        "np.mean for dgamma and dbeta",
        """
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    g = gamma * dZ_tilde
    dZ = (m * g - g.sum(1, keepdims=True) - Z_norm * (g * Z_norm).sum(1, keepdims=True)) / (
        m * np.sqrt(var + eps))
    return dZ, np.mean(dZ_tilde * Z_norm, 1, keepdims=True), np.mean(dZ_tilde, 1, keepdims=True)
""",
    ),
    Heldout(
        "batchnorm_backward",
        "batchnorm_backward.gamma_forgotten",
        "the upstream gradient used as it is",
        """
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    std = np.sqrt(var + eps)
    d_norm = dZ_tilde
    dZ = (d_norm - d_norm.mean(1, keepdims=True)
          - Z_norm * (d_norm * Z_norm).mean(1, keepdims=True)) / std
    return dZ, (dZ_tilde * Z_norm).sum(1, keepdims=True), dZ_tilde.sum(1, keepdims=True)
""",
    ),
    Heldout(
        "batchnorm_backward",
        None,
        "sign slip: + mean(g) instead of - mean(g)",
        """
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    g = gamma * dZ_tilde
    dZ = (g + g.mean(1, keepdims=True) - Z_norm * (g * Z_norm).mean(1, keepdims=True)) / np.sqrt(
        var + eps)
    return dZ, (dZ_tilde * Z_norm).sum(1, keepdims=True), dZ_tilde.sum(1, keepdims=True)
""",
    ),
    Heldout(
        "update_running_stats",
        "update_running_stats.weights_swapped",
        "running + momentum * (batch - running)",
        """
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    new_mean = running_mean + momentum * (mu - running_mean)
    new_var = running_var + momentum * (var - running_var)
    return new_mean, new_var
""",
    ),
    Heldout(
        "update_running_stats",
        "update_running_stats.returns_batch_statistics",
        "copies of the batch statistics",
        """
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    return np.array(mu, dtype=float), np.array(var, dtype=float)
""",
    ),
    Heldout(
        "update_running_stats",
        None,
        "averages the standard deviation, then squares it",
        """
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    std = momentum * np.sqrt(running_var) + (1 - momentum) * np.sqrt(var)
    return momentum * running_mean + (1 - momentum) * mu, std ** 2
""",
    ),
    Heldout(
        "batchnorm_inference",
        "batchnorm_inference.batch_statistics",
        "np.var of the test batch",
        """
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    centre = Z.mean(axis=1, keepdims=True)
    spread = np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    return gamma * (Z - centre) / spread + beta
""",
    ),
    Heldout(
        "batchnorm_inference",
        "batchnorm_inference.eps_outside_root",
        "folded scale and shift, eps after the root",
        """
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / (np.sqrt(running_var) + eps)
    return scale * Z + (beta - scale * running_mean)
""",
    ),
    Heldout(
        "batchnorm_inference",
        None,
        "multiplies by the standard deviation",
        """
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (Z - running_mean) * np.sqrt(running_var + eps) + beta
""",
    ),
]

CORRECT = [
    Heldout(
        "batchnorm_backward",
        None,
        "compact form with sums, dgamma and dbeta by matrix products",
        """
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    inv = 1.0 / np.sqrt(var + eps)
    g = gamma * dZ_tilde
    dZ = inv / m * (m * g - g @ np.ones((m, 1)) - Z_norm * ((g * Z_norm) @ np.ones((m, 1))))
    return dZ, (dZ_tilde * Z_norm) @ np.ones((m, 1)), dZ_tilde @ np.ones((m, 1))
""",
    ),
    Heldout(
        "batchnorm_forward",
        None,
        "statistics by np.average, normalised with a reciprocal",
        """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mean = np.average(Z, axis=1).reshape(-1, 1)
    variance = np.average((Z - mean) ** 2, axis=1).reshape(-1, 1)
    normed = (Z - mean) * np.reciprocal(np.sqrt(variance + eps))
    return normed * gamma + beta, (Z, normed, mean, variance, gamma, beta, eps)
""",
    ),
]
