"""Softmax regression generalises logistic regression: with C = 2 they are the same model.

With two classes, ``softmax(z)_1 = e^{z_1} / (e^{z_0} + e^{z_1}) = sigmoid(z_1 - z_0)``, so softmax
regression with ``W`` (2, n_x), ``b`` (2, 1) is logistic regression with ``w = W_1 - W_0`` and
``b = b_1 - b_0`` (one redundant direction), and its cross-entropy is the logistic loss.
From zero weights the gradients of the two rows are opposite, so gradient descent on the
softmax model with rate alpha moves ``w`` exactly as logistic regression with rate 2 alpha does:
the two give the same loss and the same predictions at every step. Data: two digit classes.
"""

from __future__ import annotations

import numpy as np

from course_lib.experiments._common import (
    COLORS,
    ExperimentResult,
    Figure,
    SummaryRow,
    child_rngs,
    digits,
    new_figure,
)
from course_lib.softmax import one_hot, predict, softmax, softmax_regression_grads

NAME = "softmax_vs_logistic"
CLASSES = (3, 8)  # class 0 and class 1


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))``, written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def logistic_loss_and_grads(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray):
    """Logistic regression ``a = sigmoid(w @ X + b)``; ``w`` (1, n_x), ``y`` (m,) in {0, 1}.

    Returns ``(loss, dw, db)`` with ``loss = -mean(y log a + (1 - y) log(1 - a))``,
    ``dw = (a - y) @ X.T / m`` and ``db = mean(a - y)``.
    """
    a = sigmoid(w @ X + b).ravel()
    eps = np.finfo(float).tiny
    loss = -np.mean(y * np.log(a + eps) + (1 - y) * np.log(1 - a + eps))
    return float(loss), ((a - y) @ X.T)[None, :] / y.size, float(np.mean(a - y))


def two_class_split(split) -> tuple[np.ndarray, np.ndarray]:
    """The examples of ``CLASSES`` from a digits split: ``X`` (64, m), labels 0/1 (m,)."""
    keep = np.isin(split.labels, CLASSES)
    return split.X[:, keep], (split.labels[keep] == CLASSES[1]).astype(int)


def make_figure(n: dict) -> Figure:
    """(a) both training losses vs step; (b) P(class 1) from one model against the other."""
    fig, ax = new_figure(2, 1, width=4.6, height=3.7,
                         title=f"Softmax regression (C = 2) vs logistic regression, digits "
                               f"{CLASSES[0]} vs {CLASSES[1]}")
    steps = np.arange(1, n["steps"] + 1)
    ax[0].plot(steps, n["softmax_loss"], color=COLORS["log"], lw=4, alpha=0.5,
               label=f"softmax, rate {n['alpha']}")
    ax[0].plot(steps, n["logistic_loss"], "k--", lw=1.2, label=f"logistic, rate {2 * n['alpha']}")
    ax[0].set_yscale("log")
    ax[0].set(xlabel="gradient-descent step", ylabel="training cross-entropy",
              title=f"(a) max |difference| {n['max_loss_difference']:.1e}")
    ax[0].legend(fontsize=8)
    ax[1].plot([0, 1], [0, 1], color="0.7", lw=1)
    ax[1].scatter(n["logistic_p_test"], n["softmax_p_test"], s=10, color=COLORS["log"])
    ax[1].set(xlabel="logistic: sigmoid(w x + b)", ylabel="softmax: A[1]",
              title=f"(b) test set, predictions agree on {n['prediction_agreement']:.0%}")
    return fig


def run(seed: int = 0, quick: bool = False) -> ExperimentResult:
    """Full-batch gradient descent from zeros, 400 steps (quick: 60), alpha = 0.5."""
    rng, = child_rngs(seed, 1)
    data = digits()
    X, y = two_class_split(data.train)
    X_test, y_test = two_class_split(data.test)
    steps, alpha = (60 if quick else 400), 0.5
    Y = one_hot(y, 2)
    W, b2 = np.zeros((2, X.shape[0])), np.zeros((2, 1))
    w, b = np.zeros((1, X.shape[0])), 0.0
    softmax_loss, logistic_loss = np.empty(steps), np.empty(steps)
    for t in range(steps):
        softmax_loss[t], dW, db2 = softmax_regression_grads(W, b2, X, Y)
        W, b2 = W - alpha * dW, b2 - alpha * db2
        logistic_loss[t], dw, db = logistic_loss_and_grads(w, b, X, y)
        w, b = w - 2 * alpha * dw, b - 2 * alpha * db
    p_softmax = softmax(W @ X_test + b2)[1]
    p_logistic = sigmoid(w @ X_test + b).ravel()
    agreement = float(np.mean(predict(W, b2, X_test) == (p_logistic > 0.5)))
    # the identity itself, at random parameters: softmax(z)_1 == sigmoid(z_1 - z_0)
    W_r, b_r = rng.standard_normal((2, X.shape[0])), rng.standard_normal((2, 1))
    identity_error = float(np.max(np.abs(
        softmax(W_r @ X_test + b_r)[1] - sigmoid((W_r[1] - W_r[0]) @ X_test + (b_r[1] - b_r[0])))))
    numbers = {
        "steps": steps, "alpha": alpha, "softmax_loss": softmax_loss,
        "logistic_loss": logistic_loss,
        "max_loss_difference": float(np.max(np.abs(softmax_loss - logistic_loss))),
        "max_weight_difference": float(np.max(np.abs((W[1] - W[0]) - w[0]))),
        "softmax_p_test": p_softmax, "logistic_p_test": p_logistic,
        "max_probability_difference": float(np.max(np.abs(p_softmax - p_logistic))),
        "prediction_agreement": agreement, "identity_error_random_parameters": identity_error,
        "test_accuracy": float(np.mean((p_softmax > 0.5) == y_test)),
    }
    rows = [SummaryRow(
        NAME, "with C = 2 softmax regression and logistic regression give the same predictions "
        "and the same loss (w = W1 - W0, rate x2)",
        f"max |loss difference| over {steps} steps {numbers['max_loss_difference']:.1e}; "
        f"predictions agree on {agreement:.0%} of the test set; max |P difference| "
        f"{numbers['max_probability_difference']:.1e}",
        bool(agreement == 1.0 and numbers["max_loss_difference"] < 1e-9),
    )]
    return ExperimentResult(NAME, numbers, make_figure(numbers), rows, quick, seed)
