"""Answers to the `softmax` assignment for checking its tests.

``CORRECT`` holds correct answers written differently from the reference: each must get full
marks. ``MISTAKES`` holds realistic student mistakes: each must fail at least one test cell of
the function it changes and no test cell of any other function. Keys of the inner dicts are the
answer cells' grade ids (the function names); values are full cell sources.
"""

# ---------------------------------------------------------------------------------------------
# Correct answers in other styles

CORRECT = {
    "log-sum-exp, np.eye, loops and einsum": {
        "softmax": '''
import numpy as np


def softmax(Z):
    # log softmax = Z - logsumexp(Z), with the log-sum-exp computed stably.
    M = np.max(Z, axis=0, keepdims=True)
    log_sum = M + np.log(np.sum(np.exp(Z - M), axis=0, keepdims=True))
    return np.exp(Z - log_sum)
''',
        "one_hot": '''
import numpy as np


def one_hot(labels, C):
    labels = np.asarray(labels)
    if np.any(labels != np.floor(labels)):
        raise ValueError("labels must be whole numbers")
    if np.any(labels < 0) or np.any(labels >= C):
        raise ValueError(f"every entry of labels must be in 0..{C - 1}")
    return np.eye(C)[labels.astype(int)].T
''',
        "cross_entropy": '''
import math

import numpy as np


def cross_entropy(A, Y):
    # Only the true class of each (one-hot) example contributes.
    m = A.shape[1]
    total = 0.0
    for i in range(m):
        k = int(np.argmax(Y[:, i]))
        total -= math.log(A[k, i])
    return total / m
''',
        "softmax_regression_grads": '''
import numpy as np


def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    A = softmax(np.dot(W, X) + b)
    dZ = A - Y
    dW = np.einsum("ki,ji->kj", dZ, X) / m
    db = dZ.mean(axis=1).reshape(-1, 1)
    return cross_entropy(A, Y), dW, db
''',
        "predict": '''
import numpy as np


def predict(W, b, X):
    Z = W @ X + b
    return np.array([int(np.argmax(Z[:, i])) for i in range(Z.shape[1])])
''',
    },
    "broadcasting without keepdims, comparisons, everything inline": {
        "softmax": '''
import numpy as np


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0))  # (m,) broadcasts along the last axis
    return E / E.sum(axis=0)
''',
        "one_hot": '''
import numpy as np


def one_hot(labels, C):
    labels = np.asarray(labels)
    if not np.all((labels >= 0) & (labels < C) & (np.mod(labels, 1) == 0)):
        raise ValueError("labels must be whole numbers in range")
    # 2.0 == 2, so whole-number floats compare like ints
    return (np.arange(C)[:, None] == labels[None, :]).astype(np.float64)
''',
        "cross_entropy": '''
import numpy as np
from scipy.special import xlogy


def cross_entropy(A, Y):
    # xlogy(y, a) is y * log(a), and 0 where y == 0
    return -np.mean(np.sum(xlogy(Y, A), axis=0))
''',
        "softmax_regression_grads": '''
import numpy as np


def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    Z = W.dot(X) + b
    Z = Z - Z.max(axis=0, keepdims=True)
    A = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)
    loss = -np.sum(Y * np.log(A)) / m
    return loss, (A - Y).dot(X.T) / m, np.mean(A - Y, axis=1, keepdims=True)
''',
        "predict": '''
import numpy as np


def predict(W, b, X):
    # The most probable class (softmax keeps the order, so this equals argmax of the logits).
    return np.argmax(softmax(W @ X + b), axis=0)
''',
    },
}

# ---------------------------------------------------------------------------------------------
# Realistic mistakes

_SOFTMAX = '''
import numpy as np


def softmax(Z):
{body}
'''

_ONE_HOT = '''
import numpy as np


def one_hot(labels, C):
    labels = np.asarray(labels)
{check}
{whole}
    Y = np.zeros({shape}{dtype})
    Y[{index}] = 1
    return Y
'''

_ONE_HOT_WHOLE = '''    if np.any(labels % 1 != 0):
        raise ValueError("labels must be whole numbers")
    labels = labels.astype(int)'''

_ONE_HOT_CHECK = '''    if np.any(labels < 0) or np.any(labels >= C):
        raise ValueError("labels must be in [0, C)")'''


def _one_hot(
    check=_ONE_HOT_CHECK,
    whole=_ONE_HOT_WHOLE,
    shape="(C, labels.size)",
    dtype="",
    index="labels, np.arange(labels.size)",
) -> str:
    return _ONE_HOT.format(check=check, whole=whole, shape=shape, dtype=dtype, index=index)


_CROSS_ENTROPY = '''
import numpy as np


def cross_entropy(A, Y):
    m = A.shape[1]
{where}    return {expression}
'''
# a term with Y = 0 counts 0: where Y = 0, A becomes 1 and its log 0
_ZERO_TERMS = "    A = np.where(Y != 0, A, 1.0)\n"


def _cross_entropy(expression, where=_ZERO_TERMS) -> str:
    return _CROSS_ENTROPY.format(expression=expression, where=where)


_GRADS = '''
import numpy as np


def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    A = softmax({logits})
    dW = {dW}
    db = {db}
    return cross_entropy(A, Y), dW, db
'''


def _grads(logits="W @ X + b", dW="(A - Y) @ X.T / m",
           db="np.sum(A - Y, axis=1, keepdims=True) / m") -> str:
    return _GRADS.format(logits=logits, dW=dW, db=db)


_PREDICT = '''
import numpy as np


def predict(W, b, X):
    return {expression}
'''

MISTAKES = {
    # softmax
    "softmax: no max-shift (overflows at +1000)": {
        "softmax": _SOFTMAX.format(body="    E = np.exp(Z)\n"
                                        "    return E / np.sum(E, axis=0, keepdims=True)"),
    },
    "softmax: over the rows instead of the columns": {
        "softmax": _SOFTMAX.format(body="    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))\n"
                                        "    return E / np.sum(E, axis=1, keepdims=True)"),
    },
    "softmax: subtracts the global maximum (a column far below it underflows to 0/0)": {
        "softmax": _SOFTMAX.format(body="    E = np.exp(Z - np.max(Z))\n"
                                        "    return E / np.sum(E, axis=0, keepdims=True)"),
    },
    "softmax: normalises by the sum of the whole array": {
        "softmax": _SOFTMAX.format(body="    E = np.exp(Z - np.max(Z, axis=0, keepdims=True))\n"
                                        "    return E / np.sum(E)"),
    },
    "softmax: shifts Z in place (changes the caller's array)": {
        "softmax": _SOFTMAX.format(body="    Z -= np.max(Z, axis=0, keepdims=True)\n"
                                        "    E = np.exp(Z)\n"
                                        "    return E / np.sum(E, axis=0, keepdims=True)"),
    },
    # one_hot
    "one_hot: transposed (m, C)": {
        "one_hot": _one_hot(shape="(labels.size, C)", index="np.arange(labels.size), labels"),
    },
    "one_hot: no ValueError (an IndexError, or -1 silently taken as the last class)": {
        "one_hot": _one_hot(check="    pass"),
    },
    "one_hot: range check off by one (label == C passes the check)": {
        "one_hot": _one_hot(check='''    if np.any(labels < 0) or np.any(labels > C):
        raise ValueError("labels must be in [0, C)")'''),
    },
    "one_hot: negative labels not checked": {
        "one_hot": _one_hot(check='''    if np.any(labels >= C):
        raise ValueError("labels must be smaller than C")'''),
    },
    "one_hot: the ValueError does not name labels": {
        "one_hot": _one_hot(check='''    if np.any(labels < 0) or np.any(labels >= C):
        raise ValueError("class index out of range")'''),
    },
    "one_hot: an integer array": {
        "one_hot": _one_hot(dtype=", dtype=int"),
    },
    "one_hot: float labels used as indices (2.0 raises an IndexError, 1.5 is not caught)": {
        "one_hot": _one_hot(whole="    pass"),
    },
    # cross_entropy
    "cross_entropy: sum instead of mean": {
        "cross_entropy": _cross_entropy("-np.sum(Y * np.log(A))"),
    },
    "cross_entropy: log of every entry of A (Y ignored)": {
        "cross_entropy": _cross_entropy("-np.sum(np.log(A)) / m", where=""),
    },
    "cross_entropy: mean over all C * m entries": {
        "cross_entropy": _cross_entropy("-np.mean(Y * np.log(A))"),
    },
    "cross_entropy: returns an array of shape (1,)": {
        "cross_entropy": _cross_entropy(
            "-np.sum(np.sum(Y * np.log(A), axis=0, keepdims=True), axis=1) / m"
        ),
    },
    "cross_entropy: 0 * log 0 left as nan (no special case where Y = 0)": {
        "cross_entropy": _cross_entropy("-np.sum(Y * np.log(A)) / m", where=""),
    },
    "cross_entropy: log10 instead of the natural log": {
        "cross_entropy": _cross_entropy("-np.sum(Y * np.log10(A)) / m"),
    },
    # softmax_regression_grads
    "grads: not divided by m": {
        "softmax_regression_grads": _grads(
            dW="(A - Y) @ X.T", db="np.sum(A - Y, axis=1, keepdims=True)"
        ),
    },
    "grads: db 1-D (C,)": {
        "softmax_regression_grads": _grads(db="np.mean(A - Y, axis=1)"),
    },
    "grads: dW transposed, X @ (A - Y).T": {
        "softmax_regression_grads": _grads(dW="X @ (A - Y).T / m"),
    },
    "grads: sign flipped (Y - A)": {
        "softmax_regression_grads": _grads(dW="(Y - A) @ X.T / m",
                                           db="np.mean(Y - A, axis=1, keepdims=True)"),
    },
    "grads: b left out of the logits": {
        "softmax_regression_grads": _grads(logits="W @ X"),
    },
    # predict
    "predict: argmax over the wrong axis": {
        "predict": _PREDICT.format(expression="np.argmax(W @ X + b, axis=1)"),
    },
    "predict: returns the probabilities": {
        "predict": _PREDICT.format(expression="softmax(W @ X + b)"),
    },
    "predict: returns a (1, m) row": {
        "predict": _PREDICT.format(expression="np.argmax(W @ X + b, axis=0, keepdims=True)"),
    },
    "predict: b left out": {
        "predict": _PREDICT.format(expression="np.argmax(W @ X, axis=0)"),
    },
}
