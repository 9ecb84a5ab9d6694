"""Right answers to every graded function written by hand in three styles unlike the reference's
(loops, other NumPy calls, other names), for tests that a right answer is never named."""

from __future__ import annotations

TUNING = [
    {
        "grid_search_points": """import itertools
import numpy as np
def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(a, b, n_per_dim) for a, b in zip(low, high)]
    return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(axes))
""",
        "random_search_points": """import numpy as np
def random_search_points(low, high, n_points, rng):
    lo = np.array(low, dtype=float)
    hi = np.array(high, dtype=float)
    return rng.uniform(lo, hi, size=(n_points, lo.shape[0]))
""",
        "random_search": """def random_search(objective, sampler, n_trials, rng):
    history = []
    for _ in range(n_trials):
        p = sampler(rng)
        history.append((p, objective(p)))
    best = min(range(len(history)), key=lambda i: history[i][1])
    return history[best][0], history[best][1], history
""",
        "coarse_to_fine": """import numpy as np
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    lo0, hi0 = np.array(low, dtype=float), np.array(high, dtype=float)
    lo, hi = lo0.copy(), hi0.copy()
    best, best_score, boxes = None, None, []
    for _ in range(n_rounds):
        boxes.append((lo, hi))
        for point in random_search_points(lo, hi, n_points, rng):
            score = objective(point)
            if best is None or score < best_score:
                best, best_score = point, score
        side = (hi - lo) * shrink
        lo, hi = np.clip(best - side / 2, lo0, hi0), np.clip(best + side / 2, lo0, hi0)
    return best, best_score, boxes
""",
    },
    {
        "grid_search_points": """import numpy as np
def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(low[i], high[i], n_per_dim) for i in range(len(low))]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.reshape(-1) for m in mesh]).astype(float)
""",
        "random_search_points": """import numpy as np
def random_search_points(low, high, n_points, rng):
    d = len(low)
    return rng.uniform(np.asarray(low, float), np.asarray(high, float), (n_points, d))
""",
        "random_search": """def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, float("inf")
    for trial in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if trial == 0 or score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
""",
        "coarse_to_fine": """import numpy as np
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box = (low.copy(), high.copy())
    boxes, points, scores = [], [], []
    for _ in range(n_rounds):
        boxes.append(box)
        drawn = random_search_points(box[0], box[1], n_points, rng)
        points.extend(drawn)
        scores.extend(objective(p) for p in drawn)
        centre = points[int(np.argmin(scores))]
        half = shrink * (box[1] - box[0]) / 2
        box = (np.clip(centre - half, low, high), np.clip(centre + half, low, high))
    i = int(np.argmin(scores))
    return points[i], scores[i], boxes
""",
    },
    {
        "grid_search_points": """import numpy as np
def grid_search_points(low, high, n_per_dim):
    d = len(low)
    out = np.empty((n_per_dim ** d, d))
    for row in range(n_per_dim ** d):
        rest = row
        for dim in reversed(range(d)):
            rest, k = divmod(rest, n_per_dim)
            out[row, dim] = np.linspace(low[dim], high[dim], n_per_dim)[k]
    return out
""",
        "random_search_points": """import numpy as np
def random_search_points(low, high, n_points, rng):
    bounds = np.array([low, high], dtype=float)
    return rng.uniform(bounds[0], bounds[1], size=(n_points, bounds.shape[1]))
""",
        "random_search": """import numpy as np
def random_search(objective, sampler, n_trials, rng):
    history = []
    while len(history) < n_trials:
        params = sampler(rng)
        history.append((params, objective(params)))
    scores = [score for _, score in history]
    first = scores.index(min(scores))
    return history[first][0], history[first][1], history
""",
        "coarse_to_fine": """import numpy as np
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    original = np.array([low, high], dtype=float)
    box = original.copy()
    boxes, best = [], (None, np.inf)
    for _ in range(n_rounds):
        boxes.append((box[0].copy(), box[1].copy()))
        for point in random_search_points(box[0], box[1], n_points, rng):
            value = objective(point)
            if best[0] is None or value < best[1]:
                best = (point, value)
        width = shrink * (box[1] - box[0])
        box = np.clip(np.array([best[0] - width / 2, best[0] + width / 2]),
                      original[0], original[1])
    return best[0], best[1], boxes
""",
    },
]

SCALE = [
    {
        "sample_log_uniform": """import math
import numpy as np
def sample_log_uniform(low, high, size, rng):
    if low <= 0 or high <= low:
        raise ValueError(f"need 0 < low < high; got low={low}, high={high}")
    return np.power(10.0, rng.uniform(math.log10(low), math.log10(high), size=size))
""",
        "effective_window": """import numpy as np
def effective_window(beta):
    b = np.asarray(beta, dtype=float)
    if ((b < 0) | (b >= 1)).any():
        raise ValueError("beta must be in [0, 1)")
    return 1.0 / (1.0 - b)
""",
        "sample_beta": """import numpy as np
def sample_beta(low, high, size, rng):
    if not (0 <= low < high < 1):
        raise ValueError("need 0 <= low < high < 1 (check low and high)")
    exponent = rng.uniform(np.log10(1 - high), np.log10(1 - low), size=size)
    return 1 - np.power(10.0, exponent)
""",
        "ewa": """import numpy as np
def ewa(x, beta, bias_correction=False):
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1); got {beta}")
    v, out = 0.0, np.zeros(len(x))
    for t in range(len(x)):
        v = beta * v + (1 - beta) * x[t]
        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
    return out
""",
    },
    {
        "sample_log_uniform": """import numpy as np
def sample_log_uniform(low, high, size, rng):
    if not 0 < low < high:
        raise ValueError("low and high must satisfy 0 < low < high")
    exponents = rng.uniform(np.log10(low), np.log10(high), size=size)
    return 10.0 ** exponents
""",
        "effective_window": """import numpy as np
def effective_window(beta):
    if np.any(np.less(beta, 0)) or np.any(np.greater_equal(beta, 1)):
        raise ValueError("every beta must lie in [0, 1)")
    return np.reciprocal(1 - np.asarray(beta, dtype=float))
""",
        "sample_beta": """import numpy as np
def sample_beta(low, high, size, rng):
    if low < 0 or high >= 1 or low >= high:
        raise ValueError("bad low/high: need 0 <= low < high < 1")
    r = rng.uniform(np.log10(1.0 - high), np.log10(1.0 - low), size=size)
    one_minus = 10.0 ** r
    return 1.0 - one_minus
""",
        "ewa": """import numpy as np
def ewa(x, beta, bias_correction=False):
    if beta < 0 or beta >= 1:
        raise ValueError("beta must be in [0, 1)")
    values = np.asarray(x, dtype=float)
    averages = []
    v = 0.0
    for value in values:
        v = beta * v + (1 - beta) * value
        averages.append(v)
    averages = np.array(averages)
    if bias_correction:
        averages = averages / (1 - beta ** np.arange(1, len(values) + 1))
    return averages
""",
    },
    {
        "sample_log_uniform": """import numpy as np
def sample_log_uniform(low, high, size, rng):
    if low <= 0:
        raise ValueError("low must be positive")
    if high <= low:
        raise ValueError("high must be above low")
    lo, hi = np.log(low) / np.log(10), np.log(high) / np.log(10)
    return 10.0 ** rng.uniform(lo, hi, size=size)
""",
        "effective_window": """import numpy as np
def effective_window(beta):
    arr = np.array(beta, dtype=float)
    bad = np.logical_or(arr < 0, arr >= 1)
    if bad.any():
        raise ValueError("beta out of [0, 1)")
    result = 1 / (1 - arr)
    return result
""",
        "sample_beta": """import numpy as np
def sample_beta(low, high, size, rng):
    if not 0 <= low < high < 1:
        raise ValueError("low and high must satisfy 0 <= low < high < 1")
    lo, hi = np.log10(1 - high), np.log10(1 - low)
    return 1 - 10 ** rng.uniform(lo, hi, size=size)
""",
        "ewa": """import numpy as np
def ewa(x, beta, bias_correction=False):
    if not (0 <= beta < 1):
        raise ValueError("beta must be in [0, 1)")
    out = np.empty(len(x), dtype=float)
    previous = 0.0
    for i, value in enumerate(x):
        previous = previous * beta + value * (1 - beta)
        out[i] = previous
    if bias_correction:
        for i in range(len(out)):
            out[i] /= 1 - beta ** (i + 1)
    return out
""",
    },
]

BATCH_NORM = [
    {
        "batchnorm_forward": """import numpy as np
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.var(Z, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)
""",
        "batchnorm_backward": """import numpy as np
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dZn = dZ_tilde * gamma
    dZ = (m * dZn - dZn.sum(axis=1, keepdims=True)
          - Z_norm * (dZn * Z_norm).sum(axis=1, keepdims=True)) / (m * np.sqrt(var + eps))
    return dZ, dgamma, dbeta
""",
        "update_running_stats": """def update_running_stats(running_mean, running_var, mu, var,
                         momentum=0.9):
    keep, new = momentum, 1 - momentum
    return keep * running_mean + new * mu, keep * running_var + new * var
""",
        "batchnorm_inference": """import numpy as np
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta
""",
    },
    {
        "batchnorm_forward": """import numpy as np
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    m = Z.shape[1]
    mu = Z.sum(axis=1, keepdims=True) / m
    centred = Z - mu
    var = (centred * centred).sum(axis=1, keepdims=True) / m
    Z_norm = centred / np.sqrt(var + eps)
    Z_tilde = Z_norm * gamma + beta
    return Z_tilde, (Z, Z_norm, mu, var, gamma, beta, eps)
""",
        "batchnorm_backward": """import numpy as np
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    inv_std = 1.0 / np.sqrt(var + eps)
    dZn = dZ_tilde * gamma
    dvar = np.sum(dZn * (Z - mu), axis=1, keepdims=True) * -0.5 * inv_std ** 3
    dmu = -np.sum(dZn, axis=1, keepdims=True) * inv_std - 2 * dvar * np.mean(Z - mu, axis=1,
                                                                             keepdims=True)
    dZ = dZn * inv_std + dvar * 2 * (Z - mu) / m + dmu / m
    return dZ, np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True), np.sum(dZ_tilde, axis=1,
                                                                        keepdims=True)
""",
        "update_running_stats": """def update_running_stats(running_mean, running_var, mu, var,
                         momentum=0.9):
    new_mean = running_mean + (1 - momentum) * (mu - running_mean)
    new_var = running_var + (1 - momentum) * (var - running_var)
    return new_mean, new_var
""",
        "batchnorm_inference": """import numpy as np
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return scale * Z + (beta - scale * running_mean)
""",
    },
    {
        "batchnorm_forward": """import numpy as np
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1).reshape(-1, 1)
    var = ((Z - mu) ** 2).mean(axis=1).reshape(-1, 1)
    std = np.sqrt(var + eps)
    Z_norm = (Z - mu) / std
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)
""",
        "batchnorm_backward": """import numpy as np
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    dZn = gamma * dZ_tilde
    mean_dZn = dZn.mean(axis=1, keepdims=True)
    mean_dZn_Zn = (dZn * Z_norm).mean(axis=1, keepdims=True)
    dZ = (dZn - mean_dZn - Z_norm * mean_dZn_Zn) / np.sqrt(var + eps)
    dgamma = (dZ_tilde * Z_norm).sum(axis=1).reshape(-1, 1)
    dbeta = dZ_tilde.sum(axis=1).reshape(-1, 1)
    return dZ, dgamma, dbeta
""",
        "update_running_stats": """import numpy as np
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    weights = np.array([momentum, 1 - momentum])
    mean = weights[0] * running_mean + weights[1] * mu
    variance = weights[0] * running_var + weights[1] * var
    return mean, variance
""",
        "batchnorm_inference": """import numpy as np
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    Z_norm = (Z - running_mean) / (running_var + eps) ** 0.5
    return Z_norm * gamma + beta
""",
    },
]

SOFTMAX = [
    {
        "softmax": """import numpy as np
def softmax(Z):
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    E = np.exp(shifted)
    return E / np.sum(E, axis=0, keepdims=True)
""",
        "one_hot": """import numpy as np
def one_hot(labels, C):
    labels = np.asarray(labels)
    if labels.size and (np.any(labels != np.floor(labels)) or labels.min() < 0
                        or labels.max() >= C):
        raise ValueError("labels must be whole numbers in [0, C)")
    return np.eye(C)[:, labels.astype(int)]
""",
        "cross_entropy": """import numpy as np
def cross_entropy(A, Y):
    m = A.shape[1]
    logs = np.log(A, out=np.zeros_like(A, dtype=float), where=Y != 0)
    return float(-np.sum(Y * logs) / m)
""",
        "softmax_regression_grads": """import numpy as np
def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    A = softmax(W @ X + b)
    loss = cross_entropy(A, Y)
    dZ = (A - Y) / m
    return loss, dZ @ X.T, dZ.sum(axis=1, keepdims=True)
""",
        "predict": """import numpy as np
def predict(W, b, X):
    return np.argmax(W @ X + b, axis=0)
""",
    },
    {
        "softmax": """import numpy as np
def softmax(Z):
    out = np.empty_like(Z, dtype=float)
    for j in range(Z.shape[1]):
        column = np.exp(Z[:, j] - Z[:, j].max())
        out[:, j] = column / column.sum()
    return out
""",
        "one_hot": """import numpy as np
def one_hot(labels, C):
    labels = np.asarray(labels, dtype=float)
    Y = np.zeros((C, labels.shape[0]))
    for i, label in enumerate(labels):
        if label != int(label) or not 0 <= label < C:
            raise ValueError(f"labels[{i}] = {label} is not a class in [0, {C})")
        Y[int(label), i] = 1.0
    return Y
""",
        "cross_entropy": """import numpy as np
def cross_entropy(A, Y):
    total = 0.0
    for j in range(A.shape[1]):
        k = Y[:, j] > 0
        total -= np.sum(Y[k, j] * np.log(A[k, j]))
    return total / A.shape[1]
""",
        "softmax_regression_grads": """import numpy as np
def softmax_regression_grads(W, b, X, Y):
    Z = np.dot(W, X) + b
    A = softmax(Z)
    m = Y.shape[1]
    loss = cross_entropy(A, Y)
    dW = np.dot(A - Y, X.T) / m
    db = np.mean(A - Y, axis=1, keepdims=True)
    return loss, dW, db
""",
        "predict": """import numpy as np
def predict(W, b, X):
    scores = W @ X + b
    return scores.argmax(axis=0).astype(int)
""",
    },
    {
        "softmax": """import numpy as np
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    logsum = Z.max(axis=0) + np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0))
    return np.exp(Z - logsum)
""",
        "one_hot": """import numpy as np
def one_hot(labels, C):
    labels = np.array(labels)
    if labels.size:
        whole = np.mod(labels, 1) == 0
        inside = (labels >= 0) & (labels < C)
        if not (whole.all() and inside.all()):
            raise ValueError("every one of the labels must be a whole number in [0, C)")
    Y = np.zeros((C, len(labels)))
    Y[labels.astype(int), np.arange(len(labels))] = 1
    return Y
""",
        "cross_entropy": """import numpy as np
def cross_entropy(A, Y):
    picked = np.where(Y > 0, Y * np.log(np.where(Y > 0, A, 1.0)), 0.0)
    return -picked.sum(axis=0).mean()
""",
        "softmax_regression_grads": """import numpy as np
def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    A = softmax(W @ X + b)
    dZ = A - Y
    dW = sum(np.outer(dZ[:, i], X[:, i]) for i in range(m)) / m
    db = dZ.mean(axis=1).reshape(-1, 1)
    return cross_entropy(A, Y), dW, db
""",
        "predict": """import numpy as np
def predict(W, b, X):
    Z = W @ X + b
    return np.array([int(np.argmax(Z[:, j])) for j in range(Z.shape[1])], dtype=int)
""",
    },
]

STYLES = {"tuning": TUNING, "scale": SCALE, "batch_norm": BATCH_NORM, "softmax": SOFTMAX}
