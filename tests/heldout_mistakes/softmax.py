"""Held-apart answers to the `softmax` assignment (see the package docstring)."""

from tests.heldout_mistakes import Heldout


def _summing(log: str, result: str) -> str:
    """A cross_entropy answer summing ``Y * log(A)`` with loops over the true classes."""
    return f"""
import math


def cross_entropy(A, Y):
    total = 0.0
    for i in range(A.shape[1]):
        for k in range(A.shape[0]):
            if Y[k, i] != 0:
                total -= Y[k, i] * {log}(A[k, i])
    return {result}
"""


_LABEL_CHECK = """
    labels = np.asarray(labels)
    if labels.size:
        if np.any(labels != np.floor(labels)):
            raise ValueError("labels must be whole numbers")
        if labels.min() < 0 or labels.max() >= C:
            raise ValueError("labels must lie in [0, C)")
    labels = labels.astype(int)
"""

HELDOUT = [
    Heldout(
        "softmax",
        "softmax.no_max_shift",
        "column by column, exponentials as they are",
        """
def softmax(Z):
    out = np.zeros(Z.shape)
    for j in range(Z.shape[1]):
        e = np.exp(Z[:, j])
        out[:, j] = e / e.sum()
    return out
""",
    ),
    Heldout(
        "softmax",
        "softmax.wrong_axis",
        "np.apply_along_axis over the rows",
        """
def softmax(Z):
    def one(v):
        e = np.exp(v - v.max())
        return e / e.sum()
    return np.apply_along_axis(one, 1, Z)
""",
    ),
    Heldout(
        "softmax",
        "softmax.global_max_shift",
        "np.amax of everything",
        """
def softmax(Z):
    shifted = np.exp(Z - np.amax(Z))
    return shifted / shifted.sum(axis=0)
""",
    ),
    Heldout(
        "softmax",
        None,
        "divides by the column maximum of the exponentials",
        """
def softmax(Z):
    e = np.exp(Z - Z.max(axis=0))
    return e / e.max(axis=0)
""",
    ),
    Heldout(
        "one_hot",
        "one_hot.transposed",
        "rows of the identity, not transposed",
        f"""
def one_hot(labels, C):{_LABEL_CHECK}
    return np.eye(C)[labels]
""",
    ),
    Heldout(
        "one_hot",
        "one_hot.no_range_check",
        "np.eye(C)[labels].T with no check",
        """
def one_hot(labels, C):
    return np.eye(C)[np.asarray(labels).astype(int)].T
""",
    ),
    Heldout(
        "one_hot",
        "one_hot.integer_array",
        "comparison with a column of class indices, cast to int",
        f"""
def one_hot(labels, C):{_LABEL_CHECK}
    return (labels[None, :] == np.arange(C)[:, None]).astype(int)
""",
    ),
    Heldout(
        "one_hot",
        None,
        "one row too many (C + 1)",
        f"""
def one_hot(labels, C):{_LABEL_CHECK}
    Y = np.zeros((C + 1, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y
""",
    ),
    Heldout(
        "cross_entropy",
        "cross_entropy.sum_not_mean",
        "loop over examples, no division",
        _summing("math.log", "total"),
    ),
    Heldout(
        "cross_entropy",
        "cross_entropy.log10",
        "math.log10 in a loop",
        _summing("math.log10", "total / A.shape[1]"),
    ),
    Heldout(
        "cross_entropy",
        "cross_entropy.mean_over_all_entries",
        "np.mean of the masked terms",
        """
def cross_entropy(A, Y):
    logs = np.log(np.where(Y > 0, A, 1.0))
    return float(np.mean(-Y * logs))
""",
    ),
    Heldout(
        "cross_entropy",
        "cross_entropy.clipped_log",
        "np.maximum(A, 1e-12) before the log",
        """
def cross_entropy(A, Y):
    logs = np.log(np.where(Y > 0, np.maximum(A, 1e-12), 1.0))
    return float(-np.sum(Y * logs) / A.shape[1])
""",
    ),
    Heldout(
        "cross_entropy",
        None,
        "the binary cross-entropy formula",
        """
def cross_entropy(A, Y):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(Y > 0, Y * np.log(A), 0.0) + np.where(
            Y < 1, (1 - Y) * np.log(1 - A), 0.0)
    return float(-np.sum(terms) / A.shape[1])
""",
    ),
    Heldout(
        "softmax_regression_grads",
        "softmax_regression_grads.not_divided_by_m",
        "np.dot and sums",
        """
def softmax_regression_grads(W, b, X, Y):
    A = softmax(np.dot(W, X) + b)
    dZ = A - Y
    return cross_entropy(A, Y), np.dot(dZ, X.T), dZ.sum(axis=1, keepdims=True)
""",
    ),
    Heldout(
        "softmax_regression_grads",
        "softmax_regression_grads.db_not_column",
        "db = dZ.sum(axis=1) / m",
        """
def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    A = softmax(W.dot(X) + b)
    return cross_entropy(A, Y), (A - Y).dot(X.T) / m, (A - Y).sum(axis=1) / m
""",
    ),
    Heldout(
        "softmax_regression_grads",
        "softmax_regression_grads.dW_transposed",
        "np.dot(X, dZ.T) / m",
        """
def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    A = softmax(W @ X + b)
    dZ = A - Y
    return cross_entropy(A, Y), np.dot(X, dZ.T) / m, dZ.mean(axis=1, keepdims=True)
""",
    ),
    Heldout(
        "softmax_regression_grads",
        None,
        "dW divided by n_x instead of m",
        """
def softmax_regression_grads(W, b, X, Y):
    n_x, m = X.shape
    A = softmax(W @ X + b)
    dZ = A - Y
    return cross_entropy(A, Y), dZ @ X.T / n_x, dZ.mean(axis=1, keepdims=True)
""",
    ),
    Heldout(
        "predict",
        "predict.argmin",
        "the class with the smallest score",
        """
def predict(W, b, X):
    scores = W @ X + b
    return scores.argmin(axis=0)
""",
    ),
    Heldout(
        "predict",
        None,
        "a list of Python ints",
        """
def predict(W, b, X):
    scores = W @ X + b
    return [int(k) for k in np.argmax(scores, axis=0)]
""",
    ),
]

CORRECT = [
    Heldout(
        "softmax",
        None,
        "scipy.special.softmax over axis 0",
        """
from scipy.special import softmax as scipy_softmax


def softmax(Z):
    return scipy_softmax(Z, axis=0)
""",
    ),
    Heldout(
        "cross_entropy",
        None,
        "probabilities of the true classes picked with the one-hot mask",
        """
def cross_entropy(A, Y):
    return float(-np.log(A[Y == 1]).sum() / A.shape[1])
""",
    ),
    Heldout(
        "predict",
        None,
        "arg-max of the probabilities",
        """
def predict(W, b, X):
    probs = softmax(W @ X + b)
    return np.argmax(probs, axis=0)
""",
    ),
]
