"""A small fully connected network in course notation, for the notebooks and the experiments.

Layer l computes ``Z[l] = W[l] @ A[l-1] + b[l]`` (examples are columns) and, on hidden layers,
``A[l] = g(Z[l])``. With batch norm, a hidden layer computes ``Z[l] = W[l] @ A[l-1]`` (the bias
is dropped: batch norm's ``beta`` takes its place), then
``Z_tilde[l] = batchnorm_forward(Z[l], gamma[l], beta[l])`` and ``A[l] = g(Z_tilde[l])``.
The output layer is a softmax over C classes with the cross-entropy loss.
At test time batch norm uses running averages of the batch statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from course_lib._validate import generator, positive_int
from course_lib.batch_norm import (
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
    update_running_stats,
)
from course_lib.softmax import cross_entropy, one_hot, softmax


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
    """Fully connected network: hidden layers with ``activation``, a softmax output layer.

    Parameters
    ----------
    layer_sizes : [n_x, n_1, ..., n_{L-1}, C], at least an input and an output size
    activation : "relu", "sigmoid" or "tanh", for every hidden layer
    batch_norm : normalise every hidden layer's Z before its activation
    rng : the generator that draws the initial weights
    weight_scale : standard deviation of the initial weights; by default sqrt(2 / n_in) for
        relu (He) and sqrt(1 / n_in) otherwise (Xavier)
    momentum : the running-statistics momentum of batch norm

    Attributes
    ----------
    params : dict of arrays, ``W1`` (n_1, n_x), ``b1`` (n_1, 1), ... and with batch norm
        ``gamma1``/``beta1`` (n_1, 1) instead of ``b1`` on hidden layers
    running : dict of (n_l, 1) running means ``mean1..`` and variances ``var1..``
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        batch_norm: bool = False,
        rng: np.random.Generator | None = None,
        weight_scale: float | None = None,
        momentum: float = 0.9,
    ):
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes needs an input and an output size; got {layer_sizes!r}")
        self.layer_sizes = [positive_int("layer_sizes", n) for n in layer_sizes]
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
        if weight_scale is not None and not weight_scale > 0:
            raise ValueError(f"weight_scale must be > 0; got {weight_scale!r}")
        self.activation = activation
        self.batch_norm = bool(batch_norm)
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
        return self.batch_norm and l < self.n_layers

    def forward(self, X, training: bool = True, update_stats: bool = False):
        """Forward pass. Returns ``(A_L, caches)``, ``A_L`` (C, m) the softmax probabilities.

        ``training`` uses batch statistics in batch norm (and keeps what backward needs);
        otherwise the running statistics. ``update_stats`` updates the running statistics.
        ``caches[l]`` holds, for layer l, ``(A_prev, Z, Z_tilde, bn_cache, A)``.
        """
        g = ACTIVATIONS[self.activation][0]
        A = np.asarray(X, dtype=float)
        caches = {}
        for l in range(1, self.n_layers + 1):
            A_prev = A
            Z = self.params[f"W{l}"] @ A_prev
            bn_cache = None
            if self._normalised(l):
                gamma, beta = self.params[f"gamma{l}"], self.params[f"beta{l}"]
                if training:
                    Z_tilde, bn_cache = batchnorm_forward(Z, gamma, beta)
                    if update_stats:
                        mean, var = bn_cache[2], bn_cache[3]
                        self.running[f"mean{l}"], self.running[f"var{l}"] = update_running_stats(
                            self.running[f"mean{l}"],
                            self.running[f"var{l}"],
                            mean,
                            var,
                            self.momentum,
                        )
                else:
                    Z_tilde = batchnorm_inference(
                        Z, gamma, beta, self.running[f"mean{l}"], self.running[f"var{l}"]
                    )
            else:
                Z_tilde = Z + self.params[f"b{l}"]
            A = softmax(Z_tilde) if l == self.n_layers else g(Z_tilde)
            caches[l] = (A_prev, Z, Z_tilde, bn_cache, A)
        return A, caches

    def backward(self, caches, Y) -> dict[str, np.ndarray]:
        """Gradients of the mean cross-entropy with respect to every parameter (same keys)."""
        dg = ACTIVATIONS[self.activation][1]
        m = Y.shape[1]
        grads = {}
        dA = None
        for l in range(self.n_layers, 0, -1):
            A_prev, Z, Z_tilde, bn_cache, A = caches[l]
            if l == self.n_layers:
                dZ_tilde = (A - Y) / m  # softmax followed by the mean cross-entropy
            else:
                dZ_tilde = dA * dg(Z_tilde, A)
            if self._normalised(l):
                dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dZ_tilde, bn_cache)
            else:
                dZ = dZ_tilde
                grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
            grads[f"W{l}"] = dZ @ A_prev.T
            dA = self.params[f"W{l}"].T @ dZ
        return grads

    def loss_and_grads(self, X, Y) -> tuple[float, dict[str, np.ndarray]]:
        """Mean cross-entropy on ``(X, Y)`` in training mode and its gradients."""
        A, caches = self.forward(X, training=True)
        return cross_entropy(A, Y), self.backward(caches, Y)

    def predict(self, X) -> np.ndarray:
        """Class labels (m,) in inference mode (running statistics)."""
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
        """
        import time

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
        if record_layer is not None and probe_X is None:
            raise ValueError("probe_X is needed to record a layer's activation inputs")
        rng = generator(np.random.default_rng(0) if rng is None else rng)
        Y = one_hot(labels, self.layer_sizes[-1])
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
            grads = self.backward(caches, Y[:, batch])
            history.loss.append(cross_entropy(A, Y[:, batch]))
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
