"""Softmax regression: softmax, one-hot labels, cross-entropy, gradients and prediction.

Examples are columns: logits ``Z`` and probabilities ``A`` are (C, m), one-hot labels ``Y``
are (C, m), inputs ``X`` are (n_x, m), weights ``W`` are (C, n_x) and the bias ``b`` is (C, 1).
The code is written to be read beside the lecture; :func:`course_lib.fast.softmax_fast` is
``softmax`` with fewer new arrays, for large inputs.
"""

from __future__ import annotations

import numpy as np

from course_kit._validate import as_2d, as_column, positive_int


def softmax(Z) -> np.ndarray:
    """Column-wise softmax: ``A[k, i] = exp(Z[k, i]) / sum_j exp(Z[j, i])``.

    Subtracting each column's maximum first leaves the result unchanged (softmax is
    shift-invariant) and keeps ``exp`` from overflowing, so any finite input gives a finite
    output whose columns sum to 1.

    Parameters
    ----------
    Z : (C, m) logits

    Returns
    -------
    A : (C, m) probabilities

    Raises
    ------
    ValueError
        If ``Z`` is not a 2-D array.
    """
    Z = as_2d("Z", Z)
    E = np.exp(Z - np.max(Z, axis=0, keepdims=True))  # shifted: no overflow, same result
    return E / np.sum(E, axis=0, keepdims=True)


def one_hot(labels, C: int) -> np.ndarray:
    """One-hot columns: ``Y[k, i] = 1.0`` if ``labels[i] == k`` else ``0.0``.

    Parameters
    ----------
    labels : 1-D, shape (m,), class indices in [0, C): ints, or floats with whole values
        (``2.0`` is used as ``2``); ``m = 0`` gives ``Y`` of shape (C, 0)
    C : int >= 1, number of classes

    Returns
    -------
    Y : float array (C, m)

    Raises
    ------
    ValueError
        If ``labels`` is not 1-D or holds a value that is not a whole number or lies outside
        ``[0, C)``, or if ``C`` is not an int >= 1; the message names the argument.
    """
    C = positive_int("C", C)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of class indices; got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):  # floats (an empty list gives floats too)
        if not np.all(np.mod(labels, 1) == 0):
            raise ValueError("labels must be whole numbers (class indices)")
        labels = labels.astype(int)
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        raise ValueError(
            f"labels must lie in [0, {C}); got values from {labels.min()} to {labels.max()}"
        )
    Y = np.zeros((C, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def cross_entropy(A, Y) -> float:
    """Mean cross-entropy over the m examples: ``-(1/m) * sum_i sum_k Y[k, i] * log(A[k, i])``.

    Terms with ``Y[k, i] == 0`` contribute 0 even where ``A[k, i] == 0`` (NumPy's
    ``0 * log 0`` would be nan); a probability of 0 where ``Y[k, i] > 0`` gives ``inf``.

    Parameters
    ----------
    A : (C, m) predicted probabilities; Y : (C, m) one-hot (or soft) labels

    Returns
    -------
    loss : float
    """
    A, Y = as_2d("A", A), as_2d("Y", Y)
    if A.shape != Y.shape:
        raise ValueError(f"A and Y must have one shape; got A {A.shape} and Y {Y.shape}")
    log_A = np.log(A, out=np.zeros_like(A), where=Y != 0)
    return float(-(Y * log_A).sum() / A.shape[1])


def softmax_regression_grads(W, b, X, Y) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss and gradients of softmax regression ``A = softmax(W @ X + b)``.

    ``loss = cross_entropy(A, Y)``, ``dW = (A - Y) @ X.T / m`` and
    ``db = mean(A - Y, axis=1)`` as a (C, 1) column.

    Parameters
    ----------
    W : (C, n_x); b : (C, 1); X : (n_x, m); Y : (C, m)

    Returns
    -------
    loss : float; dW : (C, n_x); db : (C, 1)
    """
    W, X, Y = as_2d("W", W), as_2d("X", X), as_2d("Y", Y)
    C, n_x = W.shape
    b = as_column("b", b, C)
    if X.shape[0] != n_x:
        raise ValueError(f"X must have {n_x} rows (W is {W.shape}); got shape {X.shape}")
    if Y.shape != (C, X.shape[1]):
        raise ValueError(f"Y must have shape {(C, X.shape[1])}; got {Y.shape}")
    m = X.shape[1]
    A = softmax(W @ X + b)
    dZ = A - Y
    return cross_entropy(A, Y), dZ @ X.T / m, dZ.mean(axis=1, keepdims=True)


def predict(W, b, X) -> np.ndarray:
    """Predicted class of every example: ``argmax_k (W @ X + b)[k, i]``, an int array (m,).

    On a tie the first (smallest) class wins, as in ``np.argmax``.
    """
    W, X = as_2d("W", W), as_2d("X", X)
    b = as_column("b", b, W.shape[0])
    if X.shape[0] != W.shape[1]:
        raise ValueError(f"X must have {W.shape[1]} rows (W is {W.shape}); got shape {X.shape}")
    return np.argmax(W @ X + b, axis=0)
