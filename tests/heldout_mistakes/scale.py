"""Held-apart answers to the `scale` assignment (see the package docstring)."""

from tests.heldout_mistakes import Heldout

_LOW_HIGH = """
    if not (low > 0 and low < high):
        raise ValueError(f"need 0 < low < high, got low={low}")
"""

_BETA_BOUNDS = """
    if not high < 1:
        raise ValueError("high must be below 1")
    if not 0 <= low < high:
        raise ValueError("low must satisfy 0 <= low < high")
"""

_BETA_RANGE = """
    if beta < 0 or beta >= 1:
        raise ValueError("beta must be in [0, 1)")
"""

HELDOUT = [
    Heldout(
        "sample_log_uniform",
        "sample_log_uniform.uniform_not_log",
        "affine rng.random between low and high",
        f"""
def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    return low + (high - low) * rng.random(size)
""",
    ),
    Heldout(
        "sample_log_uniform",
        "sample_log_uniform.exp_of_log10",
        "math.e to the power of a base-10 exponent",
        f"""
import math


def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    exponent = rng.uniform(math.log10(low), math.log10(high), size)
    return math.e ** exponent
""",
    ),
    Heldout(
        "sample_log_uniform",
        "sample_log_uniform.natural_log_range",
        "np.power(10, r) with r between natural logs",
        f"""
def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    return np.power(10.0, rng.uniform(np.log(low), np.log(high), size=size))
""",
    ),
    Heldout(
        "sample_log_uniform",
        "sample_log_uniform.returns_exponent",
        "returns r itself",
        f"""
def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    r = rng.uniform(low=np.log10(low), high=np.log10(high), size=size)
    return r
""",
    ),
    Heldout(
        "sample_log_uniform",
        "sample_log_uniform.ignores_rng",
        "the global np.random",
        f"""
def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)
""",
    ),
    Heldout(
        "sample_log_uniform",
        None,
        "an evenly spaced np.logspace instead of random samples",
        f"""
def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    n = int(np.prod(size))
    return np.logspace(np.log10(low), np.log10(high), n, endpoint=False).reshape(size)
""",
    ),
    Heldout(
        "sample_beta",
        "sample_beta.returns_one_minus_beta",
        "returns the log-uniform 1 - beta",
        f"""
def sample_beta(low, high, size, rng):{_BETA_BOUNDS}
    exps = rng.uniform(np.log10(1 - high), np.log10(1 - low), size)
    return 10 ** exps
""",
    ),
    Heldout(
        "sample_beta",
        "sample_beta.uniform_in_beta",
        "affine rng.random between low and high",
        f"""
def sample_beta(low, high, size, rng):{_BETA_BOUNDS}
    return low + (high - low) * rng.random(size)
""",
    ),
    Heldout(
        "sample_beta",
        "sample_beta.bounds_swapped",
        "exponents from log10(1 - low) down to log10(1 - high)",
        f"""
def sample_beta(low, high, size, rng):{_BETA_BOUNDS}
    a, b = np.log10(1 - low), np.log10(1 - high)
    return 1 - 10 ** rng.uniform(a, b, size)
""",
    ),
    Heldout(
        "sample_beta",
        None,
        "uniform in the window 1 / (1 - beta)",
        f"""
def sample_beta(low, high, size, rng):{_BETA_BOUNDS}
    window = rng.uniform(1 / (1 - low), 1 / (1 - high), size)
    return 1 - 1 / window
""",
    ),
    Heldout(
        "effective_window",
        "effective_window.operator_precedence",
        "1 / 1 - beta on an array",
        """
def effective_window(beta):
    b = np.array(beta, dtype=float)
    if ((b < 0) | (b >= 1)).any():
        raise ValueError("beta must be in [0, 1)")
    return 1 / 1 - b
""",
    ),
    Heldout(
        "effective_window",
        "effective_window.no_range_check",
        "1.0 / (1.0 - beta), nothing checked",
        """
def effective_window(beta):
    return 1.0 / (1.0 - np.asarray(beta, dtype=float)) if np.ndim(beta) else 1.0 / (1.0 - beta)
""",
    ),
    Heldout(
        "effective_window",
        "effective_window.accepts_one",
        "min and max compared with 0 and 1 (1 allowed)",
        """
def effective_window(beta):
    b = np.asarray(beta, dtype=float)
    if b.min() < 0 or b.max() > 1:
        raise ValueError("beta must be between 0 and 1")
    return 1 / (1 - b)
""",
    ),
    Heldout(
        "effective_window",
        None,
        "beta / (1 - beta)",
        """
def effective_window(beta):
    b = np.asarray(beta, dtype=float)
    if np.any(b < 0) or np.any(b >= 1):
        raise ValueError("beta must be in [0, 1)")
    return b / (1 - b)
""",
    ),
    Heldout(
        "ewa",
        "ewa.bias_correction_off_by_one",
        "vectorised correction with powers 0..T-1",
        f"""
def ewa(x, beta, bias_correction=False):{_BETA_RANGE}
    x = np.asarray(x, dtype=float)
    out, acc = [], 0.0
    for value in x:
        acc = beta * acc + (1 - beta) * value
        out.append(acc)
    out = np.array(out)
    if bias_correction:
        out = out / (1 - beta ** np.arange(len(x)))
    return out
""",
    ),
    Heldout(
        "ewa",
        "ewa.weights_swapped",
        "(1 - beta) on the past, beta on the new value, index loop",
        f"""
def ewa(x, beta, bias_correction=False):{_BETA_RANGE}
    x = np.asarray(x, dtype=float)
    v = np.zeros(x.shape[0])
    prev = 0.0
    for i in range(x.shape[0]):
        prev = (1 - beta) * prev + beta * x[i]
        v[i] = prev / (1 - beta ** (i + 1)) if bias_correction else prev
    return v
""",
    ),
    Heldout(
        "ewa",
        "ewa.starts_at_first_value",
        "the running value starts at x[0]",
        f"""
def ewa(x, beta, bias_correction=False):{_BETA_RANGE}
    x = np.asarray(x, dtype=float)
    v = np.zeros(x.shape[0])
    prev = x[0]
    for i in range(x.shape[0]):
        prev = beta * prev + (1 - beta) * x[i]
        v[i] = prev / (1 - beta ** (i + 1)) if bias_correction else prev
    return v
""",
    ),
    Heldout(
        "ewa",
        "ewa.integer_array",
        "np.zeros_like(x) for the result",
        f"""
def ewa(x, beta, bias_correction=False):{_BETA_RANGE}
    v = np.zeros_like(x)
    prev = 0.0
    for i, value in enumerate(x):
        prev = beta * prev + (1 - beta) * value
        v[i] = prev / (1 - beta ** (i + 1)) if bias_correction else prev
    return v
""",
    ),
    Heldout(
        "ewa",
        "ewa.no_beta_check",
        "the formula, beta never checked",
        """
def ewa(x, beta, bias_correction=False):
    v, prev = [], 0.0
    for i, value in enumerate(np.asarray(x, dtype=float), start=1):
        prev = beta * prev + (1 - beta) * value
        v.append(prev / (1 - beta**i) if bias_correction else prev)
    return np.array(v)
""",
    ),
    Heldout(
        "ewa",
        None,
        "bias correction divides by beta**t",
        f"""
def ewa(x, beta, bias_correction=False):{_BETA_RANGE}
    v, prev = [], 0.0
    for i, value in enumerate(np.asarray(x, dtype=float), start=1):
        prev = beta * prev + (1 - beta) * value
        v.append(prev / beta**i if bias_correction else prev)
    return np.array(v)
""",
    ),
]

CORRECT = [
    Heldout(
        "sample_log_uniform",
        None,
        "e ** U(ln low, ln high): the same numbers",
        f"""
def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    return np.exp(rng.uniform(np.log(low), np.log(high), size))
""",
    ),
    Heldout(
        "sample_log_uniform",
        None,
        "2 ** U(log2 low, log2 high): the same numbers",
        f"""
def sample_log_uniform(low, high, size, rng):{_LOW_HIGH}
    return 2.0 ** rng.uniform(np.log2(low), np.log2(high), size)
""",
    ),
    Heldout(
        "effective_window",
        None,
        "np.divide with a range check on an array copy",
        """
def effective_window(beta):
    b = np.array(beta, dtype=float)
    if np.logical_or(b < 0, b >= 1).any():
        raise ValueError("every beta must be in [0, 1)")
    return np.divide(1.0, 1.0 - b)
""",
    ),
    Heldout(
        "ewa",
        None,
        "running value in a list, corrected on output",
        f"""
def ewa(x, beta, bias_correction=False):{_BETA_RANGE}
    values, running = [], 0.0
    for t, x_t in enumerate(np.asarray(x, dtype=float)):
        running = beta * running + (1 - beta) * x_t
        values.append(running)
    values = np.array(values)
    if bias_correction:
        values /= 1 - beta ** np.arange(1, len(values) + 1)
    return values
""",
    ),
]
