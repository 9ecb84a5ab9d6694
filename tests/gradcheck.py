"""Numeric gradients for the gradient checks (float64 throughout), by the kit's centred
differences.

Relative error used by every gradient test (the max-norm version)::

    rel_error(a, n) = max|a - n| / max(max|a| + max|n|, 1e-300)

so a gradient that is zero everywhere compares as 0 when the numeric one is zero too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_kit.checks import numeric_gradient

TOLERANCE = 1e-7


def numeric_grad(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar ``f()`` with respect to the float64 array ``x``, which ``f`` reads
    when called: :func:`course_kit.checks.numeric_gradient` (centred differences)."""
    if x.dtype != np.float64:
        raise TypeError(f"numeric_grad needs a float64 array; got {x.dtype}")
    return numeric_gradient(lambda _: f(), x, h)


def rel_error(analytic, numeric) -> float:
    """``max|a - n| / max(max|a| + max|n|, tiny)``, the max-norm relative error."""
    a = np.asarray(analytic, dtype=float)
    n = np.asarray(numeric, dtype=float)
    if a.shape != n.shape:
        raise ValueError(f"shapes differ: analytic {a.shape}, numeric {n.shape}")
    scale = np.max(np.abs(a), initial=0.0) + np.max(np.abs(n), initial=0.0)
    return float(np.max(np.abs(a - n), initial=0.0) / max(scale, 1e-300))
