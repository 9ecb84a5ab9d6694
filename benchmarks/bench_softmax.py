"""``course_lib`` softmax against SciPy's, and softmax-regression gradients against PyTorch.

The softmax row measures the fast version (:func:`course_lib.fast.softmax_fast`, used by the
experiments' networks) against the goal; the readable reference's time is in its note.

- ``softmax_fast(Z)`` for logits (C, m) = (10, 65536) against ``scipy.special.softmax(Z, axis=0)``;
- ``softmax_regression_grads(W, b, X, Y)`` (C = 10, n_x = 256, m = 8192, float64) against the
  same loss and gradients from PyTorch autograd (``cross_entropy`` with probability targets).

Both sides run on one thread (NumPy's BLAS and PyTorch), so the comparison is of the code, not
of how two thread pools share two busy cores.
"""

from __future__ import annotations

import numpy as np

from benchmarks import Comparison, interleaved_medians, single_threaded
from course_lib.fast import softmax_fast
from course_lib.softmax import one_hot, softmax, softmax_regression_grads


def run(quick: bool = False) -> list[Comparison]:
    with single_threaded():
        return _run(quick)


def _run(quick: bool) -> list[Comparison]:
    import scipy.special
    import torch

    repeat = 11 if quick else 61
    rng = np.random.default_rng(0)

    Z = rng.normal(0.0, 5.0, size=(10, 65536))
    assert np.allclose(softmax_fast(Z), scipy.special.softmax(Z, axis=0))
    assert np.allclose(softmax_fast(Z), softmax(Z), rtol=1e-14, atol=0)
    softmaxes = interleaved_medians(
        {
            "ours": lambda: softmax_fast(Z),
            "scipy": lambda: scipy.special.softmax(Z, axis=0),
            "readable": lambda: softmax(Z),
        },
        repeat,
    )

    C, n_x, m = 10, 256, 8192
    W, b = rng.normal(0, 0.1, size=(C, n_x)), rng.normal(size=(C, 1))
    X = rng.normal(size=(n_x, m))
    Y = one_hot(rng.integers(0, C, size=m), C)
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b[:, 0].copy(), requires_grad=True)
    Xt, Yt = torch.tensor(X.T.copy()), torch.tensor(Y.T.copy())

    def torch_grads():
        Wt.grad = bt.grad = None
        loss = torch.nn.functional.cross_entropy(Xt @ Wt.T + bt, Yt)
        loss.backward()
        return loss

    loss, dW, db = softmax_regression_grads(W, b, X, Y)
    torch_loss = torch_grads()
    assert np.isclose(loss, torch_loss.item()) and np.allclose(dW, Wt.grad.numpy())
    assert np.allclose(db[:, 0], bt.grad.numpy())
    grads = interleaved_medians(
        {"ours": lambda: softmax_regression_grads(W, b, X, Y), "torch": torch_grads}, repeat
    )
    return [
        Comparison(
            "softmax f64 10x65536",
            softmaxes["ours"],
            "scipy.special.softmax",
            softmaxes["scipy"],
            goal=1.0,
            note=f"readable reference {softmaxes['readable'] * 1e3:.2f} ms",
        ),
        Comparison(
            f"softmax_regression_grads C={C} n_x={n_x} m={m}",
            grads["ours"],
            "PyTorch autograd",
            grads["torch"],
            goal=1.3,
            note="one thread each",
        ),
    ]
