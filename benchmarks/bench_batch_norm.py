"""``course_lib`` batch norm against PyTorch and against the memory-bandwidth bound.

The fast versions (:mod:`course_lib.fast`, used by the experiments' networks) are measured
against the goals; the readable reference (:mod:`course_lib.batch_norm`) is timed beside them
for information, in each row's note.

- forward + backward, float64, n = 256 units, m = 8192 examples, one thread each, against
  ``torch.nn.functional.batch_norm`` in training mode with autograd;
- forward alone against the memory-bandwidth bound: NumPy copying ``Z`` into two new arrays.
  The forward pass must read ``Z`` and write two new (n, m) arrays, ``Z_tilde`` and the cached
  ``Z_norm``, so writing the same number of new bytes is a floor no implementation can beat.
  (One copy alone would be unfair the other way: glibc hands a freed 16 MB block straight back,
  so a single copy in a loop never pays for fresh pages, while two or more new arrays do.)
"""

from __future__ import annotations

import numpy as np

from benchmarks import Comparison, interleaved_medians, single_threaded
from course_lib.batch_norm import batchnorm_backward, batchnorm_forward
from course_lib.fast import batchnorm_backward_fast, batchnorm_forward_fast


def run(quick: bool = False) -> list[Comparison]:
    with single_threaded():
        return _run(quick)


def _run(quick: bool) -> list[Comparison]:
    import torch

    n, m = 256, 8192
    repeat = 11 if quick else 61
    rng = np.random.default_rng(0)
    Z = rng.normal(2.0, 3.0, size=(n, m))
    gamma, beta = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    dZ_tilde = rng.normal(size=(n, m))

    def ours_forward_backward():
        Z_tilde, cache = batchnorm_forward_fast(Z, gamma, beta)
        return batchnorm_backward_fast(dZ_tilde, cache)

    def readable_forward_backward():
        Z_tilde, cache = batchnorm_forward(Z, gamma, beta)
        return batchnorm_backward(dZ_tilde, cache)

    # PyTorch's layout is (batch, features): the same numbers, transposed once, outside the timing.
    X = torch.tensor(Z.T.copy(), requires_grad=True)
    weight = torch.tensor(gamma[:, 0].copy(), requires_grad=True)
    bias = torch.tensor(beta[:, 0].copy(), requires_grad=True)
    grad_out = torch.tensor(dZ_tilde.T.copy())

    def torch_forward_backward():
        X.grad = weight.grad = bias.grad = None
        out = torch.nn.functional.batch_norm(X, None, None, weight, bias, training=True, eps=1e-5)
        out.backward(grad_out)
        return X.grad

    # Same answers first (a benchmark of a wrong result would mean nothing).
    dZ, dgamma, dbeta = ours_forward_backward()
    torch_forward_backward()
    assert np.allclose(dZ, X.grad.numpy().T, atol=1e-10)
    assert np.allclose(dgamma[:, 0], weight.grad.numpy()) and np.allclose(dbeta[:, 0], bias.grad)

    # Side by side: the four in turn, many times, each one's median.
    median = interleaved_medians(
        {
            "ours": ours_forward_backward,
            "torch": torch_forward_backward,
            "forward": lambda: batchnorm_forward_fast(Z, gamma, beta),
            "copies": lambda: (Z.copy(), Z.copy()),
        },
        repeat,
    )
    # The readable reference only afterwards: its many large temporaries change how the memory
    # allocator hands out the next arrays, and with it what the runs above would cost.
    for fast, readable in zip((dZ, dgamma, dbeta), readable_forward_backward(), strict=True):
        assert np.allclose(fast, readable, rtol=1e-10, atol=1e-12)
    readable = interleaved_medians(
        {
            "forward_backward": readable_forward_backward,
            "forward": lambda: batchnorm_forward(Z, gamma, beta),
        },
        repeat,
    )
    return [
        Comparison(
            f"batch norm fwd+bwd f64 {n}x{m}",
            median["ours"],
            "PyTorch CPU",
            median["torch"],
            goal=1.3,
            note=f"torch {torch.__version__}; one thread each; "
            f"readable reference {readable['forward_backward'] * 1e3:.2f} ms",
        ),
        Comparison(
            f"batch norm forward f64 {n}x{m}",
            median["forward"],
            "2 NumPy copies of Z",
            median["copies"],
            goal=2.5,
            note="memory-bandwidth bound: the bytes forward writes; "
            f"readable reference {readable['forward'] * 1e3:.2f} ms",
        ),
    ]
