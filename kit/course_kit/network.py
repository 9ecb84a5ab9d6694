"""A small fully connected network in course notation, for the notebooks and the experiments.

Layer l computes ``Z[l] = W[l] @ A[l-1] + b[l]`` (examples are columns) and, on hidden layers,
``A[l] = g(Z[l])``. With batch norm, a hidden layer computes ``Z[l] = W[l] @ A[l-1]`` (the bias
is dropped: batch norm's ``beta`` takes its place), then
``Z_tilde[l] = forward(Z[l], gamma[l], beta[l])`` and ``A[l] = g(Z_tilde[l])``; at test time
batch norm uses running averages of the batch statistics.

The network holds no batch norm and no softmax of its own: it is given them. ``batch_norm`` is a
:class:`BatchNormFunctions` (a student passes the four functions of the batch-norm notebook; the
experiments pass the course's), and ``softmax`` a :class:`SoftmaxFunctions` for a softmax output
layer with the cross-entropy loss. Without ``softmax`` the output layer is a multiclass hinge
(SVM) layer, which needs neither: its outputs are class scores ``S = Z[L]`` and its loss is the
mean over the examples of ``sum_{k != y} max(0, 1 + S[k] - S[y])``, with ``y`` the true class.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from course_kit._validate import generator, positive_int


@dataclass(frozen=True)
class BatchNormFunctions:
    """The four batch-norm functions a network calls, with the contracts of the batch-norm notebook.

    ``forward(Z, gamma, beta)`` returns ``(Z_tilde, cache)`` with
    ``cache = (Z, Z_norm, mu, var, gamma, beta, eps)``; ``backward(dZ_tilde, cache)`` returns
    ``(dZ, dgamma, dbeta)``; ``update_running_stats(running_mean, running_var, mu, var,
    momentum)`` returns the new ``(running_mean, running_var)``; ``inference(Z, gamma, beta,
    running_mean, running_var)`` returns ``Z_tilde``.
    """

    forward: Callable
    backward: Callable
    update_running_stats: Callable
    inference: Callable

    def __post_init__(self) -> None:
        _check_callables(self)


@dataclass(frozen=True)
class SoftmaxFunctions:
    """The functions of a softmax output layer, with the contracts of the softmax notebook.

    ``softmax(Z)`` returns the column-wise probabilities ``A`` (C, m); ``one_hot(labels, C)``
    the one-hot labels ``Y`` (C, m); ``cross_entropy(A, Y)`` the mean loss, a float.
    """

    softmax: Callable
    one_hot: Callable
    cross_entropy: Callable

    def __post_init__(self) -> None:
        _check_callables(self)


def _check_callables(functions) -> None:
    for item in fields(functions):
        value = getattr(functions, item.name)
        if not callable(value):
            raise ValueError(f"{item.name} must be a function; got {type(value).__name__}")


def hinge_margins(S: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``max(0, 1 + S[k, i] - S[y_i, i])`` for every class k, and 0 for the true class ``y_i``.

    ``S`` (C, m) holds the class scores and ``labels`` (m,) the true classes; a positive margin
    means class k scores within 1 of the true class (or above it), which the hinge loss charges.
    """
    columns = np.arange(S.shape[1])
    margins = np.maximum(0.0, 1.0 + S - S[labels, columns])
    margins[labels, columns] = 0.0
    return margins


def hinge_loss_and_gradient(S: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean multiclass hinge loss of the scores ``S`` (C, m) and its gradient dJ/dS (C, m).

    ``J = (1/m) sum_i sum_{k != y_i} max(0, 1 + S[k, i] - S[y_i, i])``. Every class k with a
    positive margin adds ``1/m`` to ``dS[k, i]`` and ``-1/m`` to ``dS[y_i, i]``.
    """
    m = S.shape[1]
    margins = hinge_margins(S, labels)
    dS = (margins > 0).astype(float)
    dS[labels, np.arange(m)] = -dS.sum(axis=0)
    return float(margins.sum() / m), dS / m


def _sigmoid(Z):
    return 0.5 * (1.0 + np.tanh(0.5 * Z))  # equals 1 / (1 + exp(-Z)) without overflow


ACTIVATIONS = {
    # name: (g(Z), dA/dZ written in terms of Z and A = g(Z))
    "relu": (lambda Z: np.maximum(Z, 0.0), lambda Z, A: (Z > 0).astype(float)),
    "sigmoid": (_sigmoid, lambda Z, A: A * (1.0 - A)),
    "tanh": (np.tanh, lambda Z, A: 1.0 - A**2),
}
OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclass
class History:
    """What ``MLP.fit`` recorded.

    ``loss`` and ``train_accuracy`` have one entry per step (on that step's mini-batch);
    ``val_accuracy`` has one entry per step in ``eval_steps``; ``layer_input_percentiles``
    has, for each step in ``eval_steps``, an array (3, n) of the 15th/50th/85th percentiles of
    every unit's activation input in the recorded layer over the probe examples.
    """

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    layer_input_percentiles: list[np.ndarray] = field(default_factory=list)
    seconds: float = 0.0


class MLP:
    """Fully connected network: hidden layers with ``activation``, then a softmax or hinge output.

    Parameters
    ----------
    layer_sizes : [n_x, n_1, ..., n_{L-1}, C], at least an input and an output size
    activation : "relu", "sigmoid" or "tanh", for every hidden layer
    batch_norm : the :class:`BatchNormFunctions` that normalise every hidden layer's Z before
        its activation, or None for no batch norm
    softmax : the :class:`SoftmaxFunctions` of a softmax output layer with the cross-entropy
        loss, or None for a multiclass hinge output layer (class scores, hinge loss)
    rng : the generator that draws the initial weights
    weight_scale : standard deviation of the initial weights; by default sqrt(2 / n_in) for
        relu (He) and sqrt(1 / n_in) otherwise (Xavier)
    momentum : float in [0, 1], the running-statistics momentum of batch norm

    Attributes
    ----------
    params : dict of arrays, ``W1`` (n_1, n_x), ``b1`` (n_1, 1), ... and with batch norm
        ``gamma1``/``beta1`` (n_1, 1) instead of ``b1`` on hidden layers
    running : dict of (n_l, 1) running means ``mean1..`` and variances ``var1..``

    The initial weights depend only on ``layer_sizes``, ``activation``, ``weight_scale`` and
    ``rng``: two networks that differ only in ``batch_norm`` or ``softmax`` start equal.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        *,
        batch_norm: BatchNormFunctions | None = None,
        softmax: SoftmaxFunctions | None = None,
        rng: np.random.Generator | None = None,
        weight_scale: float | None = None,
        momentum: float = 0.9,
    ):
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes needs an input and an output size; got {layer_sizes!r}")
        self.layer_sizes = [positive_int("layer_sizes", n) for n in layer_sizes]
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
        if batch_norm is not None and not isinstance(batch_norm, BatchNormFunctions):
            raise ValueError(
                "batch_norm must be BatchNormFunctions(forward, backward, update_running_stats, "
                f"inference) or None; got {batch_norm!r}"
            )
        if softmax is not None and not isinstance(softmax, SoftmaxFunctions):
            raise ValueError(
                f"softmax must be SoftmaxFunctions(softmax, one_hot, cross_entropy) or None; "
                f"got {softmax!r}"
            )
        if weight_scale is not None and not weight_scale > 0:
            raise ValueError(f"weight_scale must be > 0; got {weight_scale!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"momentum must be in [0, 1]; got {momentum!r}")
        self.activation = activation
        self.batch_norm = batch_norm
        self.softmax = softmax
        self.momentum = momentum
        rng = generator(np.random.default_rng(0) if rng is None else rng)
        self.params: dict[str, np.ndarray] = {}
        self.running: dict[str, np.ndarray] = {}
        for l in range(1, self.n_layers + 1):
            n_in, n_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            scale = weight_scale or np.sqrt((2.0 if activation == "relu" else 1.0) / n_in)
            self.params[f"W{l}"] = scale * rng.standard_normal((n_out, n_in))
            if self._normalised(l):
                self.params[f"gamma{l}"] = np.ones((n_out, 1))
                self.params[f"beta{l}"] = np.zeros((n_out, 1))
                self.running[f"mean{l}"] = np.zeros((n_out, 1))
                self.running[f"var{l}"] = np.ones((n_out, 1))
            else:
                self.params[f"b{l}"] = np.zeros((n_out, 1))

    @property
    def n_layers(self) -> int:
        """L, the number of layers with weights (hidden layers + the output layer)."""
        return len(self.layer_sizes) - 1

    def _normalised(self, l: int) -> bool:
        return self.batch_norm is not None and l < self.n_layers

    def forward(self, X, training: bool = True, update_stats: bool = False):
        """Forward pass. Returns ``(A_L, caches)``, ``A_L`` (C, m) the output layer's values.

        ``A_L`` holds the softmax probabilities with ``softmax``, the class scores ``Z[L]``
        otherwise. ``training`` uses batch statistics in batch norm (and keeps what backward
        needs); otherwise the running statistics. ``update_stats`` updates the running
        statistics. ``caches[l]`` holds, for layer l, ``(A_prev, Z, Z_tilde, bn_cache, A)``.
        """
        g = ACTIVATIONS[self.activation][0]
        bn = self.batch_norm
        A = np.asarray(X, dtype=float)
        caches = {}
        for l in range(1, self.n_layers + 1):
            A_prev = A
            Z = self.params[f"W{l}"] @ A_prev
            bn_cache = None
            if self._normalised(l):
                gamma, beta = self.params[f"gamma{l}"], self.params[f"beta{l}"]
                if training:
                    Z_tilde, bn_cache = bn.forward(Z, gamma, beta)
                    if update_stats:
                        _Z, _Z_norm, mu, var, _gamma, _beta, _eps = bn_cache
                        key_mean, key_var = f"mean{l}", f"var{l}"
                        self.running[key_mean], self.running[key_var] = bn.update_running_stats(
                            self.running[key_mean], self.running[key_var], mu, var, self.momentum
                        )
                else:
                    Z_tilde = bn.inference(
                        Z, gamma, beta, self.running[f"mean{l}"], self.running[f"var{l}"]
                    )
            else:
                Z_tilde = Z + self.params[f"b{l}"]
            if l < self.n_layers:
                A = g(Z_tilde)
            else:
                A = self.softmax.softmax(Z_tilde) if self.softmax else Z_tilde
            caches[l] = (A_prev, Z, Z_tilde, bn_cache, A)
        return A, caches

    def loss_and_output_gradient(self, A_L, labels) -> tuple[float, np.ndarray]:
        """The mean loss of the output ``A_L`` (C, m) for ``labels`` (m,) and dJ/dZ[L] (C, m).

        With ``softmax``: the cross-entropy against ``one_hot(labels, C)``, whose gradient with
        respect to the logits is ``(A - Y) / m``. Otherwise the multiclass hinge loss of the
        scores (:func:`hinge_loss_and_gradient`).
        """
        labels = np.asarray(labels)
        if self.softmax is None:
            return hinge_loss_and_gradient(A_L, labels)
        Y = self.softmax.one_hot(labels, self.layer_sizes[-1])
        return self.softmax.cross_entropy(A_L, Y), (A_L - Y) / labels.size

    def backward(self, caches, dZ_L) -> dict[str, np.ndarray]:
        """Gradients of the loss with respect to every parameter (same keys), given dJ/dZ[L]."""
        dg = ACTIVATIONS[self.activation][1]
        grads = {}
        dA = None
        for l in range(self.n_layers, 0, -1):
            A_prev, Z, Z_tilde, bn_cache, A = caches[l]
            dZ_tilde = dZ_L if l == self.n_layers else dA * dg(Z_tilde, A)
            if self._normalised(l):
                dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = self.batch_norm.backward(
                    dZ_tilde, bn_cache
                )
            else:
                dZ = dZ_tilde
                grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
            grads[f"W{l}"] = dZ @ A_prev.T
            dA = self.params[f"W{l}"].T @ dZ
        return grads

    def loss_and_grads(self, X, labels) -> tuple[float, dict[str, np.ndarray]]:
        """Mean loss on ``(X, labels)`` in training mode and its gradients."""
        A, caches = self.forward(X, training=True)
        loss, dZ_L = self.loss_and_output_gradient(A, labels)
        return loss, self.backward(caches, dZ_L)

    def predict(self, X) -> np.ndarray:
        """Class labels (m,) in inference mode (running statistics): the arg-max of ``A_L``."""
        A, _ = self.forward(X, training=False)
        return np.argmax(A, axis=0)

    def accuracy(self, X, labels) -> float:
        """Fraction of examples whose predicted class equals ``labels``."""
        return float(np.mean(self.predict(X) == np.asarray(labels)))

    def activation_inputs(self, X, layer: int) -> np.ndarray:
        """The input to layer ``layer``'s activation (Z, or Z_tilde with batch norm), (n_l, m).

        Batch norm uses the statistics of ``X`` itself, as during training.
        """
        if not 1 <= layer <= self.n_layers:
            raise ValueError(f"layer must be in 1..{self.n_layers}; got {layer!r}")
        _, caches = self.forward(X, training=True)
        return caches[layer][2]

    def fit(
        self,
        X,
        labels,
        *,
        steps: int,
        batch_size: int = 64,
        learning_rate: float = 0.01,
        optimizer: str = "adam",
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        rng: np.random.Generator | None = None,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
        eval_every: int = 100,
        record_layer: int | None = None,
        probe_X: np.ndarray | None = None,
    ) -> History:
        """Mini-batch training for ``steps`` steps with "sgd", "momentum" (``beta1``) or "adam".

        Mini-batches of ``batch_size`` examples are drawn from a fresh permutation every epoch.
        Momentum: ``v = beta1 * v + (1 - beta1) * dW``, ``W -= learning_rate * v``. Adam adds
        ``s = beta2 * s + (1 - beta2) * dW**2`` and bias correction, then
        ``W -= learning_rate * v_hat / (sqrt(s_hat) + epsilon)``.
        Every ``eval_every`` steps (and after the last) the validation accuracy is recorded and,
        with ``record_layer``, the percentiles of that layer's activation inputs on ``probe_X``.
        ``labels`` are ints in [0, C).
        """
        X = np.asarray(X, dtype=float)
        labels = np.asarray(labels)
        steps = positive_int("steps", steps)
        batch_size = positive_int("batch_size", batch_size)
        eval_every = positive_int("eval_every", eval_every)
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {optimizer!r}")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {learning_rate!r}")
        if X.ndim != 2 or X.shape[0] != self.layer_sizes[0] or labels.shape != (X.shape[1],):
            raise ValueError(
                f"X must be ({self.layer_sizes[0]}, m) and labels (m,); "
                f"got X {X.shape} and labels {labels.shape}"
            )
        C = self.layer_sizes[-1]
        if not np.issubdtype(labels.dtype, np.integer) or not np.all((labels >= 0) & (labels < C)):
            raise ValueError(f"labels must be ints in [0, {C}); got {labels.dtype} labels")
        if record_layer is not None and probe_X is None:
            raise ValueError("probe_X is needed to record a layer's activation inputs")
        rng = generator(np.random.default_rng(0) if rng is None else rng)
        m = X.shape[1]
        v = {k: np.zeros_like(p) for k, p in self.params.items()}
        s = {k: np.zeros_like(p) for k, p in self.params.items()}
        history = History()
        start = time.perf_counter()
        order, position = rng.permutation(m), 0
        for step in range(1, steps + 1):
            if position + batch_size > m:
                order, position = rng.permutation(m), 0
            batch = order[position : position + batch_size]
            position += batch_size
            A, caches = self.forward(X[:, batch], training=True, update_stats=True)
            loss, dZ_L = self.loss_and_output_gradient(A, labels[batch])
            grads = self.backward(caches, dZ_L)
            history.loss.append(loss)
            history.train_accuracy.append(float(np.mean(np.argmax(A, axis=0) == labels[batch])))
            for k, grad in grads.items():
                if optimizer == "sgd":
                    update = grad
                else:
                    v[k] = beta1 * v[k] + (1 - beta1) * grad
                    update = v[k]
                    if optimizer == "adam":
                        s[k] = beta2 * s[k] + (1 - beta2) * grad**2
                        v_hat = v[k] / (1 - beta1**step)
                        s_hat = s[k] / (1 - beta2**step)
                        update = v_hat / (np.sqrt(s_hat) + epsilon)
                self.params[k] = self.params[k] - learning_rate * update
            if step % eval_every == 0 or step == steps:
                history.eval_steps.append(step)
                if validation is not None:
                    history.val_accuracy.append(self.accuracy(*validation))
                if record_layer is not None:
                    inputs = self.activation_inputs(probe_X, record_layer)
                    history.layer_input_percentiles.append(
                        np.percentile(inputs, [15, 50, 85], axis=1)
                    )
        history.seconds = time.perf_counter() - start
        return history
