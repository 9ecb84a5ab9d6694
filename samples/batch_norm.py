"""Answers to the `batch_norm` assignment for checking its tests.

``CORRECT`` holds correct answers written differently from the reference: each must get full
marks. ``MISTAKES`` holds realistic student mistakes: each must fail at least one test cell of
the function it changes and no test cell of any other function. Keys of the inner dicts are the
answer cells' grade ids (the function names); values are full cell sources.
"""

# ---------------------------------------------------------------------------------------------
# Correct answers in other styles

_FORWARD_LOOPS = '''
import numpy as np


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    Z = np.asarray(Z, dtype=float)
    n, m = Z.shape
    mu = np.zeros((n, 1))
    var = np.zeros((n, 1))
    Z_norm = np.zeros((n, m))
    for j in range(n):
        mu[j, 0] = sum(Z[j, i] for i in range(m)) / m
        var[j, 0] = sum((Z[j, i] - mu[j, 0]) ** 2 for i in range(m)) / m
        for i in range(m):
            Z_norm[j, i] = (Z[j, i] - mu[j, 0]) / (var[j, 0] + eps) ** 0.5
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde, (Z, Z_norm, mu, var, gamma, beta, eps)
'''

_BACKWARD_STAGED = '''
import numpy as np


def batchnorm_backward(dZ_tilde, cache):
    # Step by step through the computational graph, as in the paper.
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    dbeta = dZ_tilde.sum(axis=1).reshape(-1, 1)
    dgamma = np.einsum("ij,ij->i", dZ_tilde, Z_norm)[:, None]
    dZ_norm = dZ_tilde * gamma
    inv_std = 1.0 / np.sqrt(var + eps)
    dvar = np.sum(dZ_norm * (Z - mu), axis=1, keepdims=True) * -0.5 * inv_std**3
    dmu = (np.sum(-dZ_norm * inv_std, axis=1, keepdims=True)
           + dvar * np.mean(-2.0 * (Z - mu), axis=1, keepdims=True))
    dZ = dZ_norm * inv_std + dvar * 2.0 * (Z - mu) / m + dmu / m
    return dZ, dgamma, dbeta
'''

_RUNNING_LOOPS = '''
import numpy as np


def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    new_mean = np.empty_like(running_mean, dtype=float)
    new_var = np.empty_like(running_var, dtype=float)
    for j in range(running_mean.shape[0]):
        new_mean[j, 0] = running_mean[j, 0] + (1 - momentum) * (mu[j, 0] - running_mean[j, 0])
        new_var[j, 0] = running_var[j, 0] + (1 - momentum) * (var[j, 0] - running_var[j, 0])
    return new_mean, new_var
'''

_INFERENCE_SCALE_SHIFT = '''
import numpy as np


def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    # Fold everything into one scale and one shift per unit, as frameworks do at export time.
    scale = gamma / np.sqrt(running_var + eps)
    shift = beta - scale * running_mean
    return scale * Z + shift
'''

_FORWARD_NP_VAR = '''
import numpy as np


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    inv_std = (var + eps) ** -0.5
    Z_norm = (Z - mu) * inv_std
    return Z_norm * gamma + beta, (Z, Z_norm, mu, var, gamma, beta, eps)
'''

_BACKWARD_COMPACT = '''
import numpy as np


def batchnorm_backward(dZ_tilde, cache):
    # The compact form: (1 / (m * std)) * (m * g - sum(g) - Z_norm * sum(g * Z_norm)).
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    m = dZ_tilde.shape[1]
    g = gamma * dZ_tilde
    dZ = (m * g - g.sum(axis=1, keepdims=True)
          - Z_norm * (g * Z_norm).sum(axis=1, keepdims=True)) / (m * np.sqrt(var + eps))
    dgamma = (dZ_tilde * Z_norm) @ np.ones((m, 1))
    dbeta = dZ_tilde @ np.ones((m, 1))
    return dZ, dgamma, dbeta
'''

_RUNNING_NEW_ARRAYS = '''
import numpy as np


def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    return (np.add(momentum * running_mean, (1.0 - momentum) * mu),
            np.add(momentum * running_var, (1.0 - momentum) * var))
'''

_INFERENCE_EINSUM = '''
import numpy as np


def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    Z = np.asarray(Z, dtype=np.float64)
    std = np.sqrt(running_var + eps)
    return np.einsum("ij,i->ij", (Z - running_mean) / std, gamma[:, 0]) + beta
'''

CORRECT = {
    "loops and a staged backward pass": {
        "batchnorm_forward": _FORWARD_LOOPS,
        "batchnorm_backward": _BACKWARD_STAGED,
        "update_running_stats": _RUNNING_LOOPS,
        "batchnorm_inference": _INFERENCE_SCALE_SHIFT,
    },
    "np.var, the compact gradient and matrix products": {
        "batchnorm_forward": _FORWARD_NP_VAR,
        "batchnorm_backward": _BACKWARD_COMPACT,
        "update_running_stats": _RUNNING_NEW_ARRAYS,
        "batchnorm_inference": _INFERENCE_EINSUM,
    },
}

# ---------------------------------------------------------------------------------------------
# Realistic mistakes

_FORWARD_TEMPLATE = '''
import numpy as np


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = {mu}
    var = {var}
    Z_norm = {Z_norm}
    Z_tilde = {Z_tilde}
    return Z_tilde, {cache}
'''


def _forward(mu="np.mean(Z, axis=1, keepdims=True)",
             var="np.mean((Z - mu) ** 2, axis=1, keepdims=True)",
             Z_norm="(Z - mu) / np.sqrt(var + eps)",
             Z_tilde="gamma * Z_norm + beta",
             cache="(Z, Z_norm, mu, var, gamma, beta, eps)") -> str:
    return _FORWARD_TEMPLATE.format(mu=mu, var=var, Z_norm=Z_norm, Z_tilde=Z_tilde, cache=cache)


_BACKWARD_TEMPLATE = '''
import numpy as np


def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    dbeta = {dbeta}
    dgamma = {dgamma}
    g = {g}
    dZ = {dZ}
    return dZ, dgamma, dbeta
'''


def _backward(dbeta="np.sum(dZ_tilde, axis=1, keepdims=True)",
              dgamma="np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)",
              g="gamma * dZ_tilde",
              dZ="(g - np.mean(g, axis=1, keepdims=True) - Z_norm * np.mean(g * Z_norm, axis=1, "
                 "keepdims=True)) / np.sqrt(var + eps)") -> str:
    return _BACKWARD_TEMPLATE.format(dbeta=dbeta, dgamma=dgamma, g=g, dZ=dZ)


_RUNNING_TEMPLATE = '''
import numpy as np


def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    new_mean = {mean}
    new_var = {var}
    return new_mean, new_var
'''


def _running(mean="momentum * running_mean + (1 - momentum) * mu",
             var="momentum * running_var + (1 - momentum) * var") -> str:
    return _RUNNING_TEMPLATE.format(mean=mean, var=var)


_INFERENCE_TEMPLATE = '''
import numpy as np


def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    Z_norm = {Z_norm}
    return gamma * Z_norm + beta
'''


def _inference(Z_norm) -> str:
    return _INFERENCE_TEMPLATE.format(Z_norm=Z_norm)


MISTAKES = {
    # batchnorm_forward
    "forward: mean over axis 0 (over the units instead of the examples)": {
        "batchnorm_forward": _forward(mu="np.mean(Z, axis=0, keepdims=True)",
                                      var="np.mean((Z - mu) ** 2, axis=0, keepdims=True)"),
    },
    "forward: unbiased variance (ddof=1)": {
        "batchnorm_forward": _forward(var="np.var(Z, axis=1, ddof=1, keepdims=True)"),
    },
    "forward: eps outside the square root": {
        "batchnorm_forward": _forward(Z_norm="(Z - mu) / (np.sqrt(var) + eps)"),
    },
    "forward: no eps at all": {
        "batchnorm_forward": _forward(Z_norm="(Z - mu) / np.sqrt(var)"),
    },
    "forward: statistics without keepdims (1-D mu and var)": {
        "batchnorm_forward": _forward(mu="np.mean(Z, axis=1)",
                                      var="np.mean((Z - mu[:, None]) ** 2, axis=1)",
                                      Z_norm="(Z - mu[:, None]) / np.sqrt(var[:, None] + eps)"),
    },
    "forward: gamma and beta swapped": {
        "batchnorm_forward": _forward(Z_tilde="beta * Z_norm + gamma"),
    },
    "forward: cache in a different order": {
        "batchnorm_forward": _forward(cache="(Z, mu, var, Z_norm, gamma, beta, eps)"),
    },
    "forward: cache without eps": {
        "batchnorm_forward": _forward(cache="(Z, Z_norm, mu, var, gamma, beta)"),
    },
    "forward: cache holds the standard deviation instead of the variance": {
        "batchnorm_forward": _forward(
            cache="(Z, Z_norm, mu, np.sqrt(var + eps), gamma, beta, eps)"),
    },
    "forward: cache is a list": {
        "batchnorm_forward": _forward(cache="[Z, Z_norm, mu, var, gamma, beta, eps]"),
    },
    # batchnorm_backward
    "backward: variance term missing (var treated as a constant)": {
        "batchnorm_backward": _backward(
            dZ="(g - np.mean(g, axis=1, keepdims=True)) / np.sqrt(var + eps)"),
    },
    "backward: mean term missing (mu treated as a constant)": {
        "batchnorm_backward": _backward(
            dZ="(g - Z_norm * np.mean(g * Z_norm, axis=1, keepdims=True)) / np.sqrt(var + eps)"),
    },
    "backward: only the direct path (dZ = gamma * dZ_tilde / std)": {
        "batchnorm_backward": _backward(dZ="g / np.sqrt(var + eps)"),
    },
    "backward: dgamma and dbeta 1-D (n,)": {
        "batchnorm_backward": _backward(dbeta="np.sum(dZ_tilde, axis=1)",
                                        dgamma="np.sum(dZ_tilde * Z_norm, axis=1)"),
    },
    "backward: dgamma and dbeta as means instead of sums": {
        "batchnorm_backward": _backward(dbeta="np.mean(dZ_tilde, axis=1, keepdims=True)",
                                        dgamma="np.mean(dZ_tilde * Z_norm, axis=1, keepdims=True)"),
    },
    "backward: dgamma and dbeta summed over axis 0": {
        "batchnorm_backward": _backward(dbeta="np.sum(dZ_tilde, axis=0, keepdims=True)",
                                        dgamma="np.sum(dZ_tilde * Z_norm, axis=0, keepdims=True)"),
    },
    "backward: gamma forgotten in dZ": {
        "batchnorm_backward": _backward(g="dZ_tilde"),
    },
    "backward: compact formula without the factor m": {
        "batchnorm_backward": _backward(
            dZ="(g - np.sum(g, axis=1, keepdims=True) - Z_norm * np.sum(g * Z_norm, axis=1, "
               "keepdims=True)) / (g.shape[1] * np.sqrt(var + eps))"),
    },
    # update_running_stats
    "running stats: momentum and 1 - momentum swapped": {
        "update_running_stats": _running(mean="(1 - momentum) * running_mean + momentum * mu",
                                         var="(1 - momentum) * running_var + momentum * var"),
    },
    "running stats: the variance averages mu (copy-paste)": {
        "update_running_stats": _running(var="momentum * running_var + (1 - momentum) * mu"),
    },
    "running stats: updated in place": {
        "update_running_stats": '''
import numpy as np


def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    running_mean *= momentum
    running_mean += (1 - momentum) * mu
    running_var *= momentum
    running_var += (1 - momentum) * var
    return running_mean, running_var
''',
    },
    # batchnorm_inference
    "inference: the batch's own statistics instead of the running ones": {
        "batchnorm_inference": _inference(
            "(Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(Z.var(axis=1, keepdims=True) + eps)"),
    },
    "inference: eps outside the square root": {
        "batchnorm_inference": _inference("(Z - running_mean) / (np.sqrt(running_var) + eps)"),
    },
    "inference: no eps": {
        "batchnorm_inference": _inference("(Z - running_mean) / np.sqrt(running_var)"),
    },
    "inference: divides by the variance instead of the standard deviation": {
        "batchnorm_inference": _inference("(Z - running_mean) / (running_var + eps)"),
    },
}
