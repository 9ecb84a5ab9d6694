"""Known mistakes of the `softmax` assignment: softmax, one-hot, loss, gradients, predict."""

from __future__ import annotations

import numpy as np

from grader.mistakes import graded, misconception, reference, right

# ------------------------------------------------------------------------------------ softmax


def _normalised(E, total) -> np.ndarray:
    return E / total(E)


def _column_sums(E) -> np.ndarray:
    return np.sum(E, axis=0, keepdims=True)


@misconception(
    "softmax.no_max_shift",
    "Your softmax overflows for large logits: np.exp(1000) is inf, and inf / inf is nan. "
    "Subtract each column's maximum first — softmax does not change when you shift a column — "
    "E = np.exp(Z - Z.max(axis=0, keepdims=True)).",
)
def unshifted(Z):
    return _normalised(np.exp(np.asarray(Z, dtype=float)), _column_sums)


@misconception(
    "softmax.wrong_axis",
    "Your softmax normalises the rows. Examples are columns: each column (one example's "
    "logits over the C classes) must sum to 1 — take max and sum over axis=0.",
)
def over_rows(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return _normalised(E, lambda E: np.sum(E, axis=1, keepdims=True))


@misconception(
    "softmax.global_max_shift",
    "You subtract the largest logit of the whole array. A column far below it underflows to "
    "exp(-2000) = 0 and gives 0 / 0. Subtract each column's own maximum: "
    "Z.max(axis=0, keepdims=True).",
)
def global_shift(Z):
    Z = np.asarray(Z, dtype=float)
    return _normalised(np.exp(Z - Z.max()), _column_sums)


@misconception(
    "softmax.whole_array_sum",
    "You divide by the sum of the whole array, so all entries together sum to 1. Each column "
    "sums to 1: divide by np.sum(E, axis=0, keepdims=True).",
)
def whole_sum(Z):
    Z = np.asarray(Z, dtype=float)
    return _normalised(np.exp(Z - Z.max(axis=0, keepdims=True)), np.sum)


@misconception(
    "softmax.whole_array",
    "Your softmax treats the whole array as one vector: one maximum and one sum over every "
    "entry, so all entries together sum to 1. Each column is one example: take max and sum over "
    "axis=0 with keepdims=True.",
)
def whole_array(Z):
    Z = np.asarray(Z, dtype=float)
    return _normalised(np.exp(Z - Z.max()), np.sum)


@misconception(
    "softmax.not_normalised",
    "You return the exponentials without dividing by their column sums. "
    "A = E / np.sum(E, axis=0, keepdims=True).",
)
def exponentials(Z):
    Z = np.asarray(Z, dtype=float)
    return np.exp(Z - Z.max(axis=0, keepdims=True))


# ------------------------------------------------------------------------------------ one_hot


def _one_hot(labels, C: int, rows=None, dtype=float) -> np.ndarray:
    """Columns with a 1 in row ``labels[i]``; ``rows`` defaults to C. No range check."""
    labels = np.asarray(labels).astype(int)
    Y = np.zeros((C if rows is None else rows, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y


def _checked(labels, C: int, bad) -> np.ndarray:
    """``labels`` as ints after the reference's whole-number check and the range check ``bad``."""
    labels = np.asarray(labels)
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if np.any(labels % 1 != 0):
            raise ValueError("labels must be whole numbers")
        labels = labels.astype(int)
    if labels.size and np.any(bad(labels)):
        raise ValueError("labels must be in [0, C)")
    return labels


def _outside(C: int):
    return lambda labels: (labels < 0) | (labels >= C)


@misconception(
    "one_hot.transposed",
    "Your one-hot array has one row per example, shape (m, C). Examples are columns: "
    "shape (C, m), with Y[labels[i], i] = 1.",
)
def one_row_per_example(labels, C):
    return _one_hot(_checked(labels, C, _outside(C)), C).T


@misconception(
    "one_hot.negative_labels_unchecked",
    "Your one_hot accepts negative labels, which NumPy indexing silently takes from the end "
    "(-1 becomes class C-1). Raise ValueError naming labels when any label is < 0 or >= C.",
    checks=True,
)
def negatives_wrap(labels, C):
    return _one_hot(_checked(labels, C, lambda labels: labels >= C), C)


no_range_check = misconception(
    "one_hot.no_range_check",
    "Your one_hot lets labels outside [0, C) through: a label >= C ends in an IndexError (and "
    "a negative one silently picks a class from the end). Check the labels first: raise "
    "ValueError naming labels when any label is < 0 or >= C.",
    raises=("IndexError",),
    checks=True,
)


@no_range_check
def unchecked(labels, C):
    return _one_hot(labels, C)


@no_range_check
def lets_C_through(labels, C):
    return _one_hot(_checked(labels, C, lambda labels: (labels < 0) | (labels > C)), C)


@misconception(
    "one_hot.float_labels_as_indices",
    "Your one_hot indexes with the labels as they come, and float labels (2.0) cannot index an "
    "array. Check that every label is a whole number (else ValueError naming labels), then "
    "convert: labels.astype(int).",
    raises=("IndexError",),
    checks=True,
)
def float_indices(labels, C):
    labels = np.asarray(labels)
    if labels.size and np.any((labels < 0) | (labels >= C)):
        raise ValueError("labels must be in [0, C)")
    Y = np.zeros((C, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


@misconception(
    "one_hot.integer_array",
    "Your one-hot array is an integer array. Return floats (np.zeros((C, m)) is float): Y is "
    "compared with probabilities.",
)
def integer_entries(labels, C):
    return _one_hot(_checked(labels, C, _outside(C)), C, dtype=int)


@misconception(
    "one_hot.classes_from_labels",
    "Your number of rows comes from the labels (labels.max() + 1), not from C. Use C rows: a "
    "class no example has still gets its row.",
)
def rows_from_labels(labels, C):
    labels = np.asarray(labels).astype(int)
    return _one_hot(labels, C, rows=int(labels.max()) + 1 if labels.size else 0)


# ------------------------------------------------------------------------------ cross_entropy


def _loss(A, Y, log=np.log, mean_over=lambda A: A.shape[1]):
    """``-sum(Y * log(A)) / mean_over(A)``, terms with Y = 0 counting 0 (as in the reference)."""
    A, Y = np.asarray(A, dtype=float), np.asarray(Y, dtype=float)
    terms = np.where(Y != 0, Y * log(np.where(Y != 0, A, 1.0)), 0.0)
    return float(-np.sum(terms) / mean_over(A))


@misconception(
    "cross_entropy.sum_not_mean",
    "Your loss is the sum over the examples. The cost is the mean: divide the sum by m, the "
    "number of examples (columns).",
)
def summed(A, Y):
    return _loss(A, Y, mean_over=lambda A: 1)


@misconception(
    "cross_entropy.mean_over_all_entries",
    "You take the mean over all C * m entries of Y * log(A). Sum over the classes, then "
    "average over the m examples: -np.sum(Y * np.log(A)) / m.",
)
def mean_of_entries(A, Y):
    return _loss(A, Y, mean_over=np.size)


@misconception(
    "cross_entropy.labels_ignored",
    "You sum log(A) over every class. Only the true class counts: multiply by Y, "
    "-np.sum(Y * np.log(A)) / m.",
)
def every_class(A, Y):
    return _loss(A, np.ones(np.shape(A)))


@misconception(
    "cross_entropy.log10",
    "Your loss uses log10. Cross-entropy uses the natural log, np.log.",
)
def base_ten(A, Y):
    return _loss(A, Y, log=np.log10)


@misconception(
    "cross_entropy.sign_flipped",
    "Your loss is negative: log of a probability is <= 0, so the cost has a minus sign, "
    "-np.sum(Y * np.log(A)) / m.",
)
def positive_sign(A, Y):
    return -_loss(A, Y)


@misconception(
    "cross_entropy.zero_times_log_zero",
    "Your loss is nan when a probability is exactly 0 on a class the example is not: "
    "Y * np.log(A) there is 0 * -inf = nan. Those terms count 0 — take the log only where "
    "Y != 0, e.g. np.log(A, out=np.zeros_like(A), where=Y != 0).",
)
def nan_for_zeros(A, Y):
    A, Y = np.asarray(A, dtype=float), np.asarray(Y, dtype=float)
    return float(-np.sum(Y * np.log(A)) / A.shape[1])


@misconception(
    "cross_entropy.not_a_float",
    "You return an array. The loss is one number: return a float, e.g. float(...) of the sum, "
    "or sum over both axes.",
)
def one_element_array(A, Y):
    return np.array([_loss(A, Y)])


clipped = misconception(
    "cross_entropy.clipped_log",
    "You add a small constant to A (or clip it) before the log, which changes the loss of a "
    "confident mistake: -log(1e-300) is about 690.8, not -log(1e-8). np.log(A) is finite for "
    "every A > 0; use it as it is.",
)

for _eps in (1e-7, 1e-8, 1e-9, 1e-10):
    clipped(lambda A, Y, eps=_eps: _loss(A, Y, log=lambda A: np.log(A + eps)))
    clipped(lambda A, Y, eps=_eps: _loss(A, Y, log=lambda A: np.log(np.clip(A, eps, 1.0))))


# ------------------------------------------------------------------- softmax_regression_grads


def _grads(W, b, X, Y, logits=None, dW=None, db=None, loss=None):
    """Loss and gradients with any of ``logits(W, b, X)``, ``dW(dZ, X, m)``, ``db(dZ, m)`` or
    ``loss(A, Y)`` replaced; the probabilities come from the graded ``softmax``."""
    W, b, X, Y = (np.asarray(a, dtype=float) for a in (W, b, X, Y))
    m = X.shape[1]
    A = graded("softmax")(W @ X + b if logits is None else logits(W, b, X))
    dZ = A - Y
    return (
        graded("cross_entropy")(A, Y) if loss is None else loss(A, Y),
        dZ @ X.T / m if dW is None else dW(dZ, X, m),
        np.sum(dZ, axis=1, keepdims=True) / m if db is None else db(dZ, m),
    )


right("softmax_regression_grads")(reference("softmax_regression_grads"))


@right("softmax_regression_grads")
def through_graded_functions(W, b, X, Y):
    """Right too: the graded softmax and cross_entropy (a test may bind stand-ins for them)."""
    return _grads(W, b, X, Y)


@misconception(
    "softmax_regression_grads.not_divided_by_m",
    "Your gradients are sums over the examples. The cost is a mean over the m examples, so "
    "its gradients are too: dW = (A - Y) @ X.T / m, db = np.mean(A - Y, axis=1, keepdims=True).",
)
def summed_grads(W, b, X, Y):
    return _grads(
        W, b, X, Y, dW=lambda dZ, X, m: dZ @ X.T, db=lambda dZ, m: dZ.sum(1, keepdims=True)
    )


@misconception(
    "softmax_regression_grads.softmax_without_max_shift",
    "Your gradients compute the softmax themselves without the max shift: at logits near 1000 "
    "np.exp overflows to inf, and the loss and gradients become nan. Call softmax (which "
    "shifts each column by its maximum), or subtract each column's maximum before np.exp.",
)
def own_unshifted_softmax(W, b, X, Y):
    W, b, X, Y = (np.asarray(a, dtype=float) for a in (W, b, X, Y))
    m = X.shape[1]
    E = np.exp(W @ X + b)
    A = E / E.sum(axis=0, keepdims=True)
    dZ = A - Y
    loss = float(-np.sum(Y * np.log(A)) / m)
    return loss, dZ @ X.T / m, np.sum(dZ, axis=1, keepdims=True) / m


@misconception(
    "softmax_regression_grads.db_not_column",
    "Your db is 1-D (C,). It has the shape of b, a column (C, 1): keepdims=True.",
)
def flat_db(W, b, X, Y):
    return _grads(W, b, X, Y, db=lambda dZ, m: dZ.mean(axis=1))


@misconception(
    "softmax_regression_grads.db_wrong_axis",
    "Your db averages over the classes (axis 0). Average A - Y over the examples, axis=1, "
    "keeping a column (C, 1).",
)
def db_over_classes(W, b, X, Y):
    return _grads(W, b, X, Y, db=lambda dZ, m: dZ.mean(axis=0, keepdims=True))


@misconception(
    "softmax_regression_grads.dW_transposed",
    "Your dW has the shape of W transposed, (n_x, C): X @ (A - Y).T. dW has W's shape "
    "(C, n_x): (A - Y) @ X.T / m.",
)
def transposed_dW(W, b, X, Y):
    return _grads(W, b, X, Y, dW=lambda dZ, X, m: X @ dZ.T / m)


@misconception(
    "softmax_regression_grads.sign_flipped",
    "Your gradients have the wrong sign (Y - A). The gradient of the cost with respect to "
    "the logits is A - Y.",
)
def flipped_sign(W, b, X, Y):
    return _grads(
        W, b, X, Y, dW=lambda dZ, X, m: -dZ @ X.T / m, db=lambda dZ, m: -dZ.mean(1, keepdims=True)
    )


@misconception(
    "softmax_regression_grads.bias_left_out",
    "Your logits leave out b. The model is A = softmax(W @ X + b).",
)
def without_bias(W, b, X, Y):
    return _grads(W, b, X, Y, logits=lambda W, b, X: W @ X)


@misconception(
    "softmax_regression_grads.loss_not_averaged",
    "Your loss is the sum over the examples; the cost is their mean, cross_entropy(A, Y).",
)
def summed_loss(W, b, X, Y):
    return _grads(W, b, X, Y, loss=lambda A, Y: float(-np.sum(Y * np.log(A))))


# ------------------------------------------------------------------------------------ predict


def _logits(W, b, X) -> np.ndarray:
    return np.asarray(W, dtype=float) @ np.asarray(X, dtype=float) + np.asarray(b, dtype=float)


right("predict")(reference("predict"))


@right("predict")
def most_probable(W, b, X):
    """Right too: the arg-max of the graded softmax (a test may bind a stand-in for it)."""
    return np.argmax(graded("softmax")(_logits(W, b, X)), axis=0)


@misconception(
    "predict.wrong_axis",
    "Your arg-max runs along the examples (axis 1). Each example is a column: take the "
    "arg-max over the classes, np.argmax(Z, axis=0).",
)
def argmax_over_examples(W, b, X):
    return np.argmax(_logits(W, b, X), axis=1)


@misconception(
    "predict.returns_probabilities",
    "You return the probabilities. predict returns each example's class, the arg-max over "
    "classes: an integer array (m,).",
)
def probabilities(W, b, X):
    return graded("softmax")(_logits(W, b, X))


@misconception(
    "predict.row_not_vector",
    "Your labels have shape (1, m). Return a 1-D integer array (m,): np.argmax(Z, axis=0) "
    "without keepdims.",
)
def labels_as_row(W, b, X):
    return np.argmax(_logits(W, b, X), axis=0, keepdims=True)


@misconception(
    "predict.bias_left_out",
    "Your logits leave out b. The scores are W @ X + b: the bias can decide the class alone.",
)
def without_bias_at_test(W, b, X):
    return np.argmax(np.asarray(W, dtype=float) @ np.asarray(X, dtype=float), axis=0)


@misconception(
    "predict.argmin",
    "You take the arg-min. The predicted class has the largest score: np.argmax.",
)
def lowest_score(W, b, X):
    return np.argmin(_logits(W, b, X), axis=0)


@misconception(
    "predict.float_labels",
    "Your labels are floats. Class labels are integers: np.argmax already returns them.",
)
def float_labels(W, b, X):
    return np.argmax(_logits(W, b, X), axis=0).astype(float)
