"""Known mistakes of the `batch_norm` assignment: forward, backward, running stats, inference."""

from __future__ import annotations

import numpy as np

from grader.mistakes import misconception


def _mean(Z, axis: int = 1) -> np.ndarray:
    return np.mean(Z, axis=axis, keepdims=True)


def _variance(Z, mu, axis: int = 1) -> np.ndarray:
    return np.mean((Z - mu) ** 2, axis=axis, keepdims=True)


def _forward(Z, gamma, beta, eps, mu=None, var=None, normalise=None):
    """Batch norm with any of its pieces replaced (``Z_norm = normalise(Z, mu, var)``);
    returns ``(Z_tilde, cache)``."""
    Z = np.asarray(Z, dtype=float)
    mu = _mean(Z) if mu is None else mu
    var = _variance(Z, mu) if var is None else var
    Z_norm = (Z - mu) / np.sqrt(var + eps) if normalise is None else normalise(Z, mu, var)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)


# -------------------------------------------------------------------------- batchnorm_forward


@misconception(
    "batchnorm_forward.wrong_axis",
    "Your statistics are taken over axis 0, across the units of one example. Batch norm "
    "normalises each unit (row) over the m examples of the batch (columns): "
    "mu = np.mean(Z, axis=1, keepdims=True), and the variance likewise.",
)
def over_units(Z, gamma, beta, eps=1e-5):
    Z = np.asarray(Z, dtype=float)
    mu = _mean(Z, axis=0)
    return _forward(Z, gamma, beta, eps, mu=mu, var=_variance(Z, mu, axis=0))


@misconception(
    "batchnorm_forward.unbiased_variance",
    "Your variance divides by m - 1 (the unbiased estimate, ddof=1). Batch norm uses the "
    "biased variance, 1/m: var = np.mean((Z - mu)**2, axis=1, keepdims=True).",
)
def unbiased(Z, gamma, beta, eps=1e-5):
    return _forward(Z, gamma, beta, eps, var=np.var(Z, axis=1, ddof=1, keepdims=True))


@misconception(
    "batchnorm_forward.eps_outside_root",
    "You add eps after the square root, sqrt(var) + eps. eps goes inside the root: "
    "(Z - mu) / np.sqrt(var + eps).",
)
def eps_outside(Z, gamma, beta, eps=1e-5):
    return _forward(Z, gamma, beta, eps, normalise=lambda Z, mu, var: (Z - mu) / (var**0.5 + eps))


@misconception(
    "batchnorm_forward.no_eps",
    "You divide by sqrt(var) without eps, so a row with variance 0 gives 0/0. Add eps inside "
    "the root: (Z - mu) / np.sqrt(var + eps).",
)
def without_eps(Z, gamma, beta, eps=1e-5):
    return _forward(Z, gamma, beta, eps, normalise=lambda Z, mu, var: (Z - mu) / np.sqrt(var))


@misconception(
    "batchnorm_forward.divides_by_variance",
    "You divide by var + eps, the variance. Normalising divides by the standard deviation: "
    "(Z - mu) / np.sqrt(var + eps).",
)
def over_variance(Z, gamma, beta, eps=1e-5):
    return _forward(Z, gamma, beta, eps, normalise=lambda Z, mu, var: (Z - mu) / (var + eps))


@misconception(
    "batchnorm_forward.not_centred",
    "You divide Z by the standard deviation without subtracting the mean first. "
    "Z_norm = (Z - mu) / np.sqrt(var + eps).",
)
def uncentred(Z, gamma, beta, eps=1e-5):
    return _forward(Z, gamma, beta, eps, normalise=lambda Z, mu, var: Z / np.sqrt(var + eps))


@misconception(
    "batchnorm_forward.variance_not_centred",
    "Your variance is the mean of Z**2, not of (Z - mu)**2. var = np.mean((Z - mu)**2, "
    "axis=1, keepdims=True).",
)
def raw_second_moment(Z, gamma, beta, eps=1e-5):
    return _forward(Z, gamma, beta, eps, var=np.mean(np.square(Z), axis=1, keepdims=True))


@misconception(
    "batchnorm_forward.statistics_not_columns",
    "Your mu and var are 1-D arrays (n,) (no keepdims). Keep them as columns (n, 1) — "
    "keepdims=True — so they broadcast over the examples and the cache holds (n, 1) columns.",
)
def flat_statistics(Z, gamma, beta, eps=1e-5):
    Z = np.asarray(Z, dtype=float)
    mu, var = _mean(Z), _variance(Z, _mean(Z))
    Z_tilde, cache = _forward(Z, gamma, beta, eps, mu=mu, var=var)
    return Z_tilde, (Z, cache[1], mu[:, 0], var[:, 0], gamma, beta, eps)


@misconception(
    "batchnorm_forward.gamma_beta_swapped",
    "You scale by beta and shift by gamma. gamma scales and beta shifts: "
    "Z_tilde = gamma * Z_norm + beta.",
)
def swapped_parameters(Z, gamma, beta, eps=1e-5):
    _, cache = _forward(Z, gamma, beta, eps)
    return beta * cache[1] + gamma, cache


def _recached(order):
    """A forward pass whose cache is ``order(Z, Z_norm, mu, var, gamma, beta, eps)``."""

    def variant(Z, gamma, beta, eps=1e-5):
        Z_tilde, cache = _forward(Z, gamma, beta, eps)
        return Z_tilde, order(*cache)

    return variant


misconception(
    "batchnorm_forward.cache_order",
    "Your cache holds the right values in another order. The backward pass unpacks exactly "
    "(Z, Z_norm, mu, var, gamma, beta, eps).",
)(_recached(lambda Z, Z_norm, mu, var, gamma, beta, eps: (Z, mu, var, Z_norm, gamma, beta, eps)))

misconception(
    "batchnorm_forward.cache_without_eps",
    "Your cache leaves out eps. It is the 7-tuple (Z, Z_norm, mu, var, gamma, beta, eps): the "
    "backward pass needs eps for sqrt(var + eps).",
)(_recached(lambda Z, Z_norm, mu, var, gamma, beta, eps: (Z, Z_norm, mu, var, gamma, beta)))

misconception(
    "batchnorm_forward.cache_holds_std",
    "Your cache holds the standard deviation sqrt(var + eps) where the variance belongs. "
    "cache[3] is var itself.",
)(
    _recached(
        lambda Z, Z_norm, mu, var, gamma, beta, eps: (
            (Z, Z_norm, mu, np.sqrt(var + eps), gamma, beta, eps)
        )
    )
)

misconception(
    "batchnorm_forward.cache_is_a_list",
    "Your cache is a list; it is the tuple (Z, Z_norm, mu, var, gamma, beta, eps).",
)(_recached(lambda *cache: list(cache)))

misconception(
    "batchnorm_forward.cache_holds_Z_tilde",
    "Your cache holds Z_tilde where Z_norm belongs. cache[1] is Z_norm = (Z - mu) / "
    "sqrt(var + eps), before gamma and beta.",
)(
    _recached(
        lambda Z, Z_norm, mu, var, gamma, beta, eps: (
            (Z, gamma * Z_norm + beta, mu, var, gamma, beta, eps)
        )
    )
)


# ------------------------------------------------------------------------- batchnorm_backward


def _right_dZ(g, Z_norm, std, m):
    return (g - _mean(g) - Z_norm * _mean(g * Z_norm)) / std


def _backward(dZ_tilde, cache, dZ=_right_dZ, dgamma=None, dbeta=None, gamma=None):
    """The gradients with dZ computed by ``dZ(g, Z_norm, std, m)`` (g = gamma * dZ_tilde) and
    with ``dgamma``, ``dbeta`` or the ``gamma`` used in g replaced where given."""
    Z, Z_norm, mu, var, cached_gamma, beta, eps = cache
    dZ_tilde = np.asarray(dZ_tilde, dtype=float)
    g = (cached_gamma if gamma is None else gamma) * dZ_tilde
    if dgamma is None:
        dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    if dbeta is None:
        dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    return dZ(g, Z_norm, np.sqrt(var + eps), dZ_tilde.shape[1]), dgamma, dbeta


def _dZ_variant(formula):
    """A backward pass whose dZ is ``formula(g, Z_norm, std, m)`` with g = gamma * dZ_tilde."""

    def variant(dZ_tilde, cache):
        return _backward(dZ_tilde, cache, dZ=formula)

    return variant


misconception(
    "batchnorm_backward.no_variance_path",
    "Your dZ treats var as a constant: it misses the path through the variance. Every Z[i, j] "
    "changes var too, which adds - Z_norm * mean(g * Z_norm) to the gradient: dZ = (g - "
    "mean(g) - Z_norm * mean(g * Z_norm)) / sqrt(var + eps), with g = gamma * dZ_tilde.",
)(_dZ_variant(lambda g, Z_norm, std, m: (g - _mean(g)) / std))

misconception(
    "batchnorm_backward.no_mean_path",
    "Your dZ treats mu as a constant: it misses the path through the mean, the term "
    "- mean(g): dZ = (g - mean(g) - Z_norm * mean(g * Z_norm)) / sqrt(var + eps).",
)(_dZ_variant(lambda g, Z_norm, std, m: (g - Z_norm * _mean(g * Z_norm)) / std))

misconception(
    "batchnorm_backward.direct_path_only",
    "Your dZ is gamma * dZ_tilde / sqrt(var + eps), as if mu and var did not depend on Z. Each "
    "example moves the batch's mean and variance: dZ = (g - mean(g) - Z_norm * "
    "mean(g * Z_norm)) / sqrt(var + eps).",
)(_dZ_variant(lambda g, Z_norm, std, m: g / std))

misconception(
    "batchnorm_backward.compact_without_m",
    "You use the compact formula with sums but drop the factor m: it is (m * g - sum(g) - "
    "Z_norm * sum(g * Z_norm)) / (m * sqrt(var + eps)).",
)(
    _dZ_variant(
        lambda g, Z_norm, std, m: (
            (g - g.sum(axis=1, keepdims=True) - Z_norm * (g * Z_norm).sum(axis=1, keepdims=True))
            / (m * std)
        )
    )
)

misconception(
    "batchnorm_backward.divides_by_variance",
    "Your dZ divides by var + eps; the forward pass divided by the standard deviation, so the "
    "gradient divides by sqrt(var + eps).",
)(_dZ_variant(lambda g, Z_norm, std, m: _right_dZ(g, Z_norm, std, m) / std))


@misconception(
    "batchnorm_backward.gamma_forgotten",
    "Your dZ leaves out gamma. Z_tilde = gamma * Z_norm + beta, so the gradient reaching Z_norm "
    "is g = gamma * dZ_tilde.",
)
def without_gamma(dZ_tilde, cache):
    return _backward(dZ_tilde, cache, gamma=1.0)


@misconception(
    "batchnorm_backward.parameter_grads_not_columns",
    "Your dgamma and dbeta are 1-D (n,). They have the shape of gamma and beta, (n, 1): sum "
    "with keepdims=True.",
)
def flat_parameter_grads(dZ_tilde, cache):
    dZ, dgamma, dbeta = _backward(dZ_tilde, cache)
    return dZ, dgamma[:, 0], dbeta[:, 0]


@misconception(
    "batchnorm_backward.parameter_grads_are_means",
    "Your dgamma and dbeta are means over the examples. gamma and beta are used by every "
    "example, so their gradients add up: dbeta = np.sum(dZ_tilde, axis=1, keepdims=True), "
    "dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True).",
)
def mean_parameter_grads(dZ_tilde, cache):
    dZ, dgamma, dbeta = _backward(dZ_tilde, cache)
    m = np.shape(dZ_tilde)[1]
    return dZ, dgamma / m, dbeta / m


@misconception(
    "batchnorm_backward.parameter_grads_wrong_axis",
    "Your dgamma and dbeta sum over axis 0 (the units). Sum over the examples, axis=1, to get "
    "one value per unit, shape (n, 1).",
)
def parameter_grads_over_units(dZ_tilde, cache):
    Z_norm, dZ_tilde = cache[1], np.asarray(dZ_tilde, dtype=float)
    return _backward(
        dZ_tilde,
        cache,
        dgamma=np.sum(dZ_tilde * Z_norm, axis=0, keepdims=True),
        dbeta=np.sum(dZ_tilde, axis=0, keepdims=True),
    )


@misconception(
    "batchnorm_backward.dgamma_uses_Z",
    "Your dgamma multiplies dZ_tilde by Z. gamma scales Z_norm, so dgamma = "
    "np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True).",
)
def dgamma_from_Z(dZ_tilde, cache):
    Z = cache[0]
    return _backward(dZ_tilde, cache, dgamma=np.sum(dZ_tilde * Z, axis=1, keepdims=True))


no_eps = misconception(
    "batchnorm_backward.no_eps",
    "Your dZ divides by sqrt(var) without eps. The forward pass used sqrt(var + eps); the "
    "gradient uses the same (and the cache's Z_norm, already divided by it).",
)


@no_eps
def std_without_eps(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    return _backward(dZ_tilde, (Z, Z_norm, mu, var, gamma, beta, 0.0))


@no_eps
def normalised_again_without_eps(dZ_tilde, cache):
    """Recomputes the normalised values from Z, mu and var, without eps there too."""
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    Z_norm = (np.asarray(Z, dtype=float) - mu) / np.sqrt(var)
    return _backward(dZ_tilde, (Z, Z_norm, mu, var, gamma, beta, 0.0))


# ----------------------------------------------------------------------- update_running_stats


def _averaged(old, new, weight_old):
    return weight_old * np.asarray(old, dtype=float) + (1 - weight_old) * np.asarray(new)


@misconception(
    "update_running_stats.weights_swapped",
    "Your average weighs the running value by 1 - momentum and the batch by momentum. It is "
    "momentum * running + (1 - momentum) * batch: a momentum near 1 changes the running "
    "statistics slowly.",
)
def swapped_weights(running_mean, running_var, mu, var, momentum=0.9):
    return (
        _averaged(running_mean, mu, 1 - momentum),
        _averaged(running_var, var, 1 - momentum),
    )


@misconception(
    "update_running_stats.variance_averages_mean",
    "Your running variance averages in the batch mean mu (a copy-paste slip). It averages "
    "the batch variance: momentum * running_var + (1 - momentum) * var.",
)
def variance_from_mu(running_mean, running_var, mu, var, momentum=0.9):
    return _averaged(running_mean, mu, momentum), _averaged(running_var, mu, momentum)


@misconception(
    "update_running_stats.returns_batch_statistics",
    "You return the batch's mu and var unchanged. The running statistics are exponentially "
    "weighted averages: momentum * running + (1 - momentum) * batch.",
)
def batch_statistics(running_mean, running_var, mu, var, momentum=0.9):
    return np.asarray(mu, dtype=float), np.asarray(var, dtype=float)


@misconception(
    "update_running_stats.new_weight_missing",
    "You add the whole batch statistic: momentum * running + batch. The new value is weighted "
    "by 1 - momentum, so the weights sum to 1.",
)
def unweighted_batch(running_mean, running_var, mu, var, momentum=0.9):
    return (
        momentum * np.asarray(running_mean, dtype=float) + mu,
        momentum * np.asarray(running_var, dtype=float) + var,
    )


@misconception(
    "update_running_stats.order_swapped",
    "You return (running_var, running_mean). The order is (running_mean, running_var).",
)
def variance_first(running_mean, running_var, mu, var, momentum=0.9):
    return _averaged(running_var, var, momentum), _averaged(running_mean, mu, momentum)


# ------------------------------------------------------------------------ batchnorm_inference


def _inference(Z, gamma, beta, normalised):
    return gamma * normalised(np.asarray(Z, dtype=float)) + beta


@misconception(
    "batchnorm_inference.batch_statistics",
    "At test time you normalise with the batch's own mean and variance. Inference uses the "
    "running statistics from training — that is what makes it work for a single example: "
    "gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta.",
)
def own_statistics(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return _inference(
        Z, gamma, beta, lambda Z: (Z - _mean(Z)) / np.sqrt(_variance(Z, _mean(Z)) + eps)
    )


@misconception(
    "batchnorm_inference.eps_outside_root",
    "You add eps after the square root. eps goes inside: np.sqrt(running_var + eps).",
)
def eps_outside_at_test(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return _inference(Z, gamma, beta, lambda Z: (Z - running_mean) / (np.sqrt(running_var) + eps))


@misconception(
    "batchnorm_inference.no_eps",
    "You divide by sqrt(running_var) without eps. Add eps inside the root, as in training: "
    "np.sqrt(running_var + eps).",
)
def no_eps_at_test(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return _inference(Z, gamma, beta, lambda Z: (Z - running_mean) / np.sqrt(running_var))


@misconception(
    "batchnorm_inference.divides_by_variance",
    "You divide by running_var + eps, the variance. Divide by the standard deviation, "
    "np.sqrt(running_var + eps).",
)
def over_running_variance(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return _inference(Z, gamma, beta, lambda Z: (Z - running_mean) / (running_var + eps))


@misconception(
    "batchnorm_inference.not_centred",
    "You do not subtract running_mean. (Z - running_mean) / np.sqrt(running_var + eps).",
)
def uncentred_at_test(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return _inference(Z, gamma, beta, lambda Z: Z / np.sqrt(running_var + eps))


@misconception(
    "batchnorm_inference.gamma_beta_swapped",
    "You scale by beta and shift by gamma. gamma scales and beta shifts, as in training.",
)
def swapped_at_test(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return _inference(Z, beta, gamma, lambda Z: (Z - running_mean) / np.sqrt(running_var + eps))
