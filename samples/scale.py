"""Answers to the `scale` assignment: correct ones in other styles, and mistakes.

Each entry maps an answer cell's grade_id (the function's name) to the full source of that cell.
``CORRECT`` answers must get full marks; each ``MISTAKES`` answer must fail at least one test
cell of its own function and no test cell of any other function.
"""

# ----------------------------------------------------------------------------- correct answers

CORRECT = {
    "np.power, np.reciprocal, via sample_log_uniform, scipy lfilter": {
        "sample_log_uniform": """
import numpy as np


def sample_log_uniform(low, high, size, rng):
    if low <= 0 or high <= low:
        raise ValueError(f"need 0 < low < high; got low={low}, high={high}")
    exponents = rng.uniform(np.log10(low), np.log10(high), size=size)
    return np.power(10.0, exponents)
""",
        "effective_window": """
import numpy as np


def effective_window(beta):
    b = np.asarray(beta, dtype=float)
    if not np.all((b >= 0) & (b < 1)):
        raise ValueError("every beta must satisfy 0 <= beta < 1")
    return np.reciprocal(1.0 - b)
""",
        "sample_beta": """
def sample_beta(low, high, size, rng):
    if not 0 <= low < high:
        raise ValueError(f"low must satisfy 0 <= low < high; got {low}")
    if high >= 1:
        raise ValueError(f"high must be below 1; got {high}")
    # 1 - beta is log-uniform between 1 - high and 1 - low
    return 1 - sample_log_uniform(1 - high, 1 - low, size, rng)
""",
        "ewa": """
import numpy as np
from scipy.signal import lfilter


def ewa(x, beta, bias_correction=False):
    if not 0 <= beta < 1:
        raise ValueError(f"beta = {beta} is outside [0, 1)")
    # v_t - beta * v_{t-1} = (1 - beta) * x_t, with v_0 = 0: a first-order linear filter
    v = lfilter([1 - beta], [1, -beta], np.asarray(x, dtype=float))
    if bias_correction:
        t = np.arange(1, len(v) + 1)
        v = v / (1 - beta**t)
    return v
""",
    },
    "affine rng.random, scalar branch, explicit 1 - 10**r, weight matrix": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    if low <= 0:
        raise ValueError("low must be positive")
    if low >= high:
        raise ValueError("low must be below high")
    a, b = np.log10(low), np.log10(high)
    # rng.uniform(a, b) is a + (b - a) * rng.random(): the same numbers
    r = a + (b - a) * rng.random(size)
    return 10**r
""",
        "effective_window": """
def effective_window(beta):
    if np.ndim(beta) == 0:  # a number or a 0-d array: a float
        beta = float(beta)
        if beta < 0 or beta >= 1:
            raise ValueError(f"beta must lie in [0, 1); got {beta}")
        return 1 / (1 - beta)
    beta = np.asarray(beta, dtype=float)
    if (beta < 0).any() or (beta >= 1).any():
        raise ValueError(f"beta must lie in [0, 1); got {beta}")
    return 1 / (1 - beta)
""",
        "sample_beta": """
def sample_beta(low, high, size, rng):
    if high >= 1:
        raise ValueError("high must be < 1")
    if low < 0 or low >= high:
        raise ValueError("low must be >= 0 and < high")
    smallest, largest = np.log10(1 - high), np.log10(1 - low)
    one_minus_beta = 10 ** rng.uniform(smallest, largest, size)
    return 1.0 - one_minus_beta
""",
        "ewa": """
def ewa(x, beta, bias_correction=False):
    if beta < 0 or beta >= 1:
        raise ValueError("beta must be in [0, 1)")
    x = np.asarray(x, dtype=float)
    T = x.shape[0]
    t = np.arange(1, T + 1)
    # v_t = sum over k <= t of (1 - beta) * beta**(t - k) * x_k
    lag = t[:, None] - t[None, :]
    weights = np.where(lag >= 0, (1 - beta) * beta ** np.maximum(lag, 0), 0.0)
    v = weights @ x
    if bias_correction:
        v = v / (1 - beta**t)
    return v
""",
    },
    "natural logs both ways, list-building ewa": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    if not (0 < low and low < high):
        raise ValueError(f"low={low} must be positive and below high={high}")
    # e**U(ln a, ln b) and 10**U(log10 a, log10 b) are the same numbers for the same draw
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))
""",
        "ewa": """
def ewa(x, beta, bias_correction=False):
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1); got {beta}")
    values = []
    v = 0.0
    for t, x_t in enumerate(x, start=1):
        v = beta * v + (1 - beta) * x_t
        values.append(v / (1 - beta**t) if bias_correction else v)
    return np.array(values, dtype=float)
""",
    },
}

# ------------------------------------------------------------------------------------ mistakes

# The argument check each function's docstring asks for. A mistake below gets it (unless it is
# the mistake), so that it is caught by the test of what it gets wrong, not by the test of the
# check.
CHECKS = {
    "sample_log_uniform": """    if not 0 < low < high:
        raise ValueError(f"low and high must satisfy 0 < low < high; got {low}, {high}")
""",
    "sample_beta": """    if not high < 1:
        raise ValueError(f"high must be < 1; got {high}")
    if not 0 <= low < high:
        raise ValueError(f"low must satisfy 0 <= low < high; got {low}")
""",
    "ewa": """    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1); got {beta}")
""",
}


def _checked(function: str, source: str) -> str:
    """``source`` with ``CHECKS[function]`` as the first lines of the function's body."""
    head, separator, body = source.partition("):\n")
    return head + separator + CHECKS[function] + body


_MISTAKES = {
    # sample_log_uniform
    "log-uniform: uniform instead of log-uniform": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    return rng.uniform(low, high, size=size)
"""
    },
    "log-uniform: natural log for the exponent range, then 10**r": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    r = rng.uniform(np.log(low), np.log(high), size=size)
    return 10.0**r
"""
    },
    "log-uniform: np.exp(r) for 10**r": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    r = rng.uniform(np.log10(low), np.log10(high), size=size)
    return np.exp(r)
"""
    },
    "log-uniform: exponent drawn between low and high themselves": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    return 10.0 ** rng.uniform(low, high, size=size)
"""
    },
    "log-uniform: global np.random instead of rng": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    r = np.random.uniform(np.log10(low), np.log10(high), size=size)
    return 10.0**r
"""
    },
    "log-uniform: bounds of r swapped (high first)": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    r = rng.uniform(np.log10(high), np.log10(low), size=size)
    return 10.0**r
"""
    },
    "log-uniform: integer exponents only": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    r = rng.integers(np.log10(low), np.log10(high), size=size)
    return 10.0**r
"""
    },
    "log-uniform: size ignored (one sample)": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    r = rng.uniform(np.log10(low), np.log10(high))
    return 10.0**r
"""
    },
    # sample_beta
    "beta: 10**r instead of 1 - 10**r": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size=size)
    return 10.0**r
"""
    },
    "beta: exponent range swapped (log10(1 - low) first)": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    r = rng.uniform(np.log10(1 - low), np.log10(1 - high), size=size)
    return 1 - 10.0**r
"""
    },
    "beta: sample_log_uniform(1 - low, 1 - high) with the bounds swapped": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    return 1 - sample_log_uniform(1 - low, 1 - high, size, rng)
"""
    },
    "beta: log-uniform in beta itself": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    r = rng.uniform(np.log10(low), np.log10(high), size=size)
    return 10.0**r
"""
    },
    "beta: uniform in beta": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    return rng.uniform(low, high, size=size)
"""
    },
    "beta: natural log for the exponent range": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    r = rng.uniform(np.log(1 - high), np.log(1 - low), size=size)
    return 1 - 10.0**r
"""
    },
    "beta: 1 - 10**r with r between log10(low) and log10(high)": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    r = rng.uniform(np.log10(low), np.log10(high), size=size)
    return 1 - 10.0**r
"""
    },
    "beta: global np.random instead of rng": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    r = np.random.uniform(np.log10(1 - high), np.log10(1 - low), size=size)
    return 1 - 10.0**r
"""
    },
    # effective_window
    "window: no check, beta = 1 divides by zero": {
        "effective_window": """
def effective_window(beta):
    return 1 / (1 - beta)
"""
    },
    "window: rejects beta >= 1 but accepts negative beta": {
        "effective_window": """
def effective_window(beta):
    beta = np.asarray(beta, dtype=float)
    if np.any(beta >= 1):
        raise ValueError(f"beta must be below 1; got {beta}")
    return 1 / (1 - beta)
"""
    },
    "window: rejects beta > 1 only, so beta = 1 slips through": {
        "effective_window": """
def effective_window(beta):
    beta = np.asarray(beta, dtype=float)
    if np.any(beta < 0) or np.any(beta > 1):
        raise ValueError(f"beta must be in [0, 1]; got {beta}")
    return 1 / (1 - beta)
"""
    },
    "window: scalar-only check (fails on arrays)": {
        "effective_window": """
def effective_window(beta):
    if beta < 0 or beta >= 1:
        raise ValueError(f"beta must be in [0, 1); got {beta}")
    return 1 / (1 - beta)
"""
    },
    "window: np.all instead of np.any (one bad entry slips through)": {
        "effective_window": """
def effective_window(beta):
    beta = np.asarray(beta, dtype=float)
    if np.all(beta < 0) or np.all(beta >= 1):
        raise ValueError(f"beta must be in [0, 1); got {beta}")
    return 1 / (1 - beta)
"""
    },
    "window: assert instead of ValueError": {
        "effective_window": """
def effective_window(beta):
    beta = np.asarray(beta, dtype=float)
    assert np.all((beta >= 0) & (beta < 1)), "beta must be in [0, 1)"
    return 1 / (1 - beta)
"""
    },
    "window: ValueError message does not name beta": {
        "effective_window": """
def effective_window(beta):
    b = np.asarray(beta, dtype=float)
    if np.any(b < 0) or np.any(b >= 1):
        raise ValueError("the momentum term must be in [0, 1)")
    return 1 / (1 - b)
"""
    },
    # ewa
    "ewa: bias correction divides by 1 - beta**(t - 1)": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    v, out = 0.0, []
    for t in range(1, len(x) + 1):
        v = beta * v + (1 - beta) * x[t - 1]
        out.append(v / (1 - beta ** (t - 1)) if bias_correction else v)
    return np.array(out, dtype=float)
"""
    },
    "ewa: bias correction with t starting at 0": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v = np.zeros(len(x))
    running = 0.0
    for t in range(len(x)):
        running = beta * running + (1 - beta) * x[t]
        v[t] = running
    if bias_correction:
        v = v / (1 - beta ** np.arange(len(x)))
    return v
"""
    },
    "ewa: bias correction applied even when not asked": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v = np.zeros(len(x))
    running = 0.0
    for t in range(len(x)):
        running = beta * running + (1 - beta) * x[t]
        v[t] = running / (1 - beta ** (t + 1))
    return v
"""
    },
    "ewa: v_0 initialised to x_1": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v = np.zeros(len(x))
    running = x[0]
    for t in range(len(x)):
        running = beta * running + (1 - beta) * x[t]
        v[t] = running
    if bias_correction:
        v = v / (1 - beta ** np.arange(1, len(x) + 1))
    return v
"""
    },
    "ewa: first value copied, v_1 = x_1": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v = np.zeros(len(x))
    v[0] = x[0]
    for t in range(1, len(x)):
        v[t] = beta * v[t - 1] + (1 - beta) * x[t]
    if bias_correction:
        v = v / (1 - beta ** np.arange(1, len(x) + 1))
    return v
"""
    },
    "ewa: beta and 1 - beta swapped": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v = np.zeros(len(x))
    running = 0.0
    for t in range(len(x)):
        running = (1 - beta) * running + beta * x[t]
        v[t] = running
    if bias_correction:
        v = v / (1 - beta ** np.arange(1, len(x) + 1))
    return v
"""
    },
    "ewa: np.zeros_like(x) keeps an integer series' dtype": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    v = np.zeros_like(x)
    running = 0.0
    for t in range(len(x)):
        running = beta * running + (1 - beta) * x[t]
        v[t] = running
    if bias_correction:
        v = v / (1 - beta ** np.arange(1, len(x) + 1))
    return v
"""
    },
    "ewa: returns v_0..v_T (T + 1 values)": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    v = [0.0]
    for x_t in x:
        v.append(beta * v[-1] + (1 - beta) * x_t)
    v = np.array(v)
    if bias_correction:
        v[1:] = v[1:] / (1 - beta ** np.arange(1, len(x) + 1))
    return v
"""
    },
    "ewa: bias correction with beta**T for every t": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v = np.zeros(len(x))
    running = 0.0
    for t in range(len(x)):
        running = beta * running + (1 - beta) * x[t]
        v[t] = running
    if bias_correction:
        v = v / (1 - beta ** len(x))
    return v
"""
    },
    "ewa: corrected value fed back into the recursion": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v = np.zeros(len(x))
    running = 0.0
    for t in range(1, len(x) + 1):
        running = beta * running + (1 - beta) * x[t - 1]
        if bias_correction:
            running = running / (1 - beta**t)
        v[t - 1] = running
    return v
"""
    },
}

UNCHECKED = {
    "log-uniform: no argument check (low = 0 draws r from -inf)": {
        "sample_log_uniform": """
def sample_log_uniform(low, high, size, rng):
    r = rng.uniform(np.log10(low), np.log10(high), size=size)
    return 10.0**r
"""
    },
    "beta: leaves the check to sample_log_uniform (a negative low slips through)": {
        "sample_beta": """
def sample_beta(low, high, size, rng):
    return 1 - sample_log_uniform(1 - high, 1 - low, size, rng)
"""
    },
    "ewa: no check of beta (beta = 1 divides by 0 in the bias correction)": {
        "ewa": """
def ewa(x, beta, bias_correction=False):
    x = np.asarray(x, dtype=float)
    v, running = np.zeros(x.size), 0.0
    for t in range(x.size):
        running = beta * running + (1 - beta) * x[t]
        v[t] = running
    if bias_correction:
        v = v / (1 - beta ** np.arange(1, x.size + 1))
    return v
"""
    },
}

MISTAKES = {
    **{
        name: {f: _checked(f, source) if f in CHECKS else source for f, source in answers.items()}
        for name, answers in _MISTAKES.items()
    },
    **UNCHECKED,
}
