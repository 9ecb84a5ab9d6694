"""Known mistakes of the `scale` assignment: log-scale sampling, exponentially weighted averages."""

from __future__ import annotations

import numpy as np

from grader.mistakes import graded, misconception, reference, right


def _within(samples, low, high) -> bool:
    return bool(np.all((np.asarray(samples) >= low) & (np.asarray(samples) <= high)))


def _another_stream(arguments, student, expected) -> bool:
    """Samples of the right shape and range that are not the draw the given rng makes."""
    return (
        isinstance(student, np.ndarray)
        and student.shape == np.shape(expected)
        and np.issubdtype(student.dtype, np.floating)
        and _within(student, arguments["low"], arguments["high"])
    )


# ------------------------------------------------------------------------- sample_log_uniform


@misconception(
    "sample_log_uniform.uniform_not_log",
    "Your samples are uniform in [low, high], so almost all of them land in the top decade. "
    "Sample the exponent instead: r = rng.uniform(np.log10(low), np.log10(high), size), "
    "then return 10**r — every decade gets the same share.",
)
def uniform(low, high, size, rng):
    return rng.uniform(low, high, size=size)


@misconception(
    "sample_log_uniform.natural_log_range",
    "Your exponent range uses the natural log (np.log) but you raise 10 to it. The course "
    "works in base 10: r between np.log10(low) and np.log10(high), then 10**r.",
)
def natural_log_then_power_of_ten(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log(low), np.log(high), size=size)


@misconception(
    "sample_log_uniform.exp_of_log10",
    "Your exponent is in base 10 (np.log10) but you return np.exp(r). Undo log10 with 10**r.",
)
def exp_of_log10(low, high, size, rng):
    return np.exp(rng.uniform(np.log10(low), np.log10(high), size=size))


@misconception(
    "sample_log_uniform.exponent_between_bounds",
    "You draw the exponent r between low and high themselves. r lies between their logs: "
    "r = rng.uniform(np.log10(low), np.log10(high), size), then 10**r.",
)
def exponent_between_bounds(low, high, size, rng):
    return 10.0 ** rng.uniform(low, high, size=size)


@misconception(
    "sample_log_uniform.returns_exponent",
    "You return the exponent r. The sample is 10**r.",
)
def returns_exponent(low, high, size, rng):
    return rng.uniform(np.log10(low), np.log10(high), size=size)


@misconception(
    "sample_log_uniform.bounds_swapped",
    "Your exponent is drawn from np.log10(high) to np.log10(low), reversed. The draw is "
    "rng.uniform(np.log10(low), np.log10(high), size): low first.",
    raises=("ValueError",),
)
def high_first(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log10(high), np.log10(low), size=size)


@misconception(
    "sample_log_uniform.integer_exponents",
    "Your exponents are whole numbers (rng.integers), so you only get powers of 10. r is any "
    "real number in [log10(low), log10(high)): rng.uniform.",
)
def integer_exponents(low, high, size, rng):
    return 10.0 ** rng.integers(np.log10(low), np.log10(high), size=size)


@misconception(
    "sample_log_uniform.size_ignored",
    "You return one sample; pass size on to rng.uniform(..., size=size) to get an array of "
    "that shape.",
)
def one_sample(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high))


@misconception(
    "sample_log_uniform.no_argument_check",
    "Your sample_log_uniform does not check its arguments. log10 of 0 or of a negative number "
    "is not a number, and low must be below high: raise ValueError naming low unless "
    "0 < low < high, as the docstring says.",
    raises=("OverflowError",),
    checks=True,
)
def log_uniform_unchecked(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)


misconception(
    "sample_log_uniform.ignores_rng",
    "Your samples are in range but are not the ones the rng argument draws. Take "
    "every random number from rng (not np.random, not a new default_rng) in one call, "
    "rng.uniform(np.log10(low), np.log10(high), size=size), so that a seed gives one answer.",
).recogniser(_another_stream)


# -------------------------------------------------------------------------------- sample_beta

right("sample_beta")(reference("sample_beta"))


@right("sample_beta")
def via_sample_log_uniform(low, high, size, rng):
    """Right too: 1 - beta drawn by sample_log_uniform (a test may bind a stand-in for it)."""
    if not 0 <= low < high < 1:
        raise ValueError(f"low and high must satisfy 0 <= low < high < 1; got {low}, {high}")
    return 1 - graded("sample_log_uniform")(1 - high, 1 - low, size, rng)


one_minus_beta = misconception(
    "sample_beta.returns_one_minus_beta",
    "You return 10**r, which is 1 - beta (log-uniform between 1 - high and 1 - low). "
    "beta itself is 1 - 10**r.",
)


@one_minus_beta
def power_of_ten(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size=size)


@one_minus_beta
def log_uniform_one_minus(low, high, size, rng):
    return graded("sample_log_uniform")(1 - high, 1 - low, size, rng)


swapped_beta_bounds = misconception(
    "sample_beta.bounds_swapped",
    "Your exponent range is reversed. 1 - beta runs from 1 - high (the smaller) to 1 - low: "
    "r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size).",
    raises=("ValueError",),
)


@swapped_beta_bounds
def reversed_exponents(low, high, size, rng):
    return 1 - 10.0 ** rng.uniform(np.log10(1 - low), np.log10(1 - high), size=size)


@swapped_beta_bounds
def log_uniform_reversed(low, high, size, rng):
    return 1 - graded("sample_log_uniform")(1 - low, 1 - high, size, rng)


@misconception(
    "sample_beta.log_of_beta",
    "Your exponent is drawn between log10(low) and log10(high). The exponent is that of "
    "1 - beta: r between np.log10(1 - high) and np.log10(1 - low).",
    raises=("OverflowError",),
)
def exponent_of_beta(low, high, size, rng):
    return 1 - 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)


@misconception(
    "sample_beta.log_uniform_in_beta",
    "You sample beta itself on a log scale. What matters is 1 - beta (the window "
    "1 / (1 - beta)): sample 1 - beta log-uniformly and return beta = 1 - 10**r.",
    raises=("OverflowError",),
)
def log_uniform_beta(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)


@misconception(
    "sample_beta.uniform_in_beta",
    "Your betas are uniform in [low, high], so nearly all land far from 1 where the window "
    "barely changes. Sample 1 - beta log-uniformly: r = rng.uniform(np.log10(1 - high), "
    "np.log10(1 - low), size), beta = 1 - 10**r.",
)
def uniform_beta(low, high, size, rng):
    return rng.uniform(low, high, size=size)


@misconception(
    "sample_beta.natural_log_range",
    "Your exponent range uses the natural log (np.log) but you raise 10 to it. Work in base "
    "10: r between np.log10(1 - high) and np.log10(1 - low), then 1 - 10**r.",
)
def natural_log_range(low, high, size, rng):
    return 1 - 10.0 ** rng.uniform(np.log(1 - high), np.log(1 - low), size=size)


beta_unchecked = misconception(
    "sample_beta.no_argument_check",
    "Your sample_beta does not check its arguments. beta must stay in [0, 1): raise ValueError "
    "naming high unless high < 1, and naming low unless 0 <= low < high, as the docstring "
    "says (sample_log_uniform cannot see that 1 - low > 1 means a negative low).",
    raises=("OverflowError",),
    checks=True,
)


@beta_unchecked
def beta_without_check(low, high, size, rng):
    return 1 - 10.0 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size=size)


@beta_unchecked
def check_left_to_sample_log_uniform(low, high, size, rng):
    return 1 - graded("sample_log_uniform")(1 - high, 1 - low, size, rng)


misconception(
    "sample_beta.ignores_rng",
    "Your betas are in range but are not the ones the rng argument draws. Take every random "
    "number from rng (not np.random, not a new default_rng) in one call, so that a seed gives "
    "one answer.",
).recogniser(_another_stream)


# --------------------------------------------------------------------------- effective_window

_BAD_BETA = "beta must be in [0, 1)"


@misconception(
    "effective_window.all_instead_of_any",
    "Your check raises only when every entry is out of range (np.all); one bad beta in an "
    "array must raise too: np.any.",
    checks=True,
)
def all_entries_bad(beta):
    b = np.asarray(beta, dtype=float)
    if np.all(b < 0) or np.all(b >= 1):
        raise ValueError(_BAD_BETA)
    return 1 / (1 - b)


@misconception(
    "effective_window.accepts_negative",
    "Your effective_window accepts a negative beta. beta must lie in [0, 1): raise "
    "ValueError naming beta for any beta < 0 as well as beta >= 1.",
    checks=True,
)
def accepts_negative(beta):
    b = np.asarray(beta, dtype=float)
    if np.any(b >= 1):
        raise ValueError(_BAD_BETA)
    return 1 / (1 - b)


@misconception(
    "effective_window.accepts_one",
    "Your check lets beta = 1 through (> 1 instead of >= 1). beta must be below 1: at 1 the "
    "window 1 / (1 - beta) is infinite.",
    raises=("ZeroDivisionError",),
    checks=True,
)
def accepts_one(beta):
    b = np.asarray(beta, dtype=float)
    if np.any(b < 0) or np.any(b > 1):
        raise ValueError(_BAD_BETA)
    return 1 / (1 - b)


@misconception(
    "effective_window.no_range_check",
    "Your effective_window accepts a beta outside [0, 1) — beta = 1 would average forever: "
    "raise ValueError naming beta for any entry outside, as the docstring says.",
    raises=("ZeroDivisionError",),
    checks=True,
)
def unchecked(beta):
    return 1 / (1 - beta)


@misconception(
    "effective_window.scalar_only_check",
    "Your check compares a whole array in an if (beta < 0 or beta >= 1), which raises "
    "'truth value of an array is ambiguous' for arrays. Check every entry: "
    "np.any((beta < 0) | (beta >= 1)) on np.asarray(beta).",
    raises=("ValueError",),
    checks=True,
)
def scalar_check(beta):
    if beta < 0 or beta >= 1:
        raise ValueError(_BAD_BETA)
    return 1 / (1 - beta)


@misconception(
    "effective_window.assert_not_value_error",
    "You check beta with assert, which raises AssertionError (and is skipped under python -O). "
    "Invalid arguments raise ValueError naming the argument: raise ValueError('beta must be "
    "in [0, 1)').",
    raises=("AssertionError",),
    checks=True,
)
def asserts(beta):
    b = np.asarray(beta, dtype=float)
    assert np.all((b >= 0) & (b < 1)), _BAD_BETA
    return 1 / (1 - b)


@misconception(
    "effective_window.operator_precedence",
    "You compute 1 / 1 - beta, which Python reads as (1 / 1) - beta = 1 - beta. The window is "
    "1 / (1 - beta): parenthesise the denominator.",
)
def precedence(beta):
    b = np.asarray(beta, dtype=float)
    if np.any((b < 0) | (b >= 1)):
        raise ValueError(_BAD_BETA)
    return 1 / 1 - b


@misconception(
    "effective_window.one_over_beta",
    "Your window is 1 / beta, which is about 1 for every beta near 1. The average forgets at "
    "the rate 1 - beta, so it remembers about 1 / (1 - beta) values.",
)
def one_over_beta(beta):
    b = np.asarray(beta, dtype=float)
    if np.any((b < 0) | (b >= 1)):
        raise ValueError(_BAD_BETA)
    return 1 / b


# ------------------------------------------------------------------------------------------ ewa


def _average(x, beta, start=0.0, swapped=False, new_weight=True) -> np.ndarray:
    """v_t = beta * v_{t-1} + (1 - beta) * x_t from v_0 = ``start`` (weights ``swapped``; the
    new value's weight 1 unless ``new_weight``)."""
    keep, new = (1 - beta, beta) if swapped else (beta, 1 - beta)
    new = new if new_weight else 1.0
    v, running = np.empty(len(x)), start
    for t, x_t in enumerate(np.asarray(x, dtype=float)):
        running = keep * running + new * x_t
        v[t] = running
    return v


def _corrected(v: np.ndarray, beta: float, bias_correction: bool, shift: int = 0) -> np.ndarray:
    """``v_t / (1 - beta**(t + shift))`` when ``bias_correction`` (shift 0 is right), else ``v``."""
    steps = np.arange(1, len(v) + 1) + shift
    return v / (1 - beta**steps) if bias_correction else v


off_by_one = misconception(
    "ewa.bias_correction_off_by_one",
    "Your bias correction uses the wrong power of beta. With v_1 the first average, "
    "v_t is divided by 1 - beta**t for t = 1, 2, …, T (the first value by 1 - beta).",
)


@off_by_one
def corrected_with_t_minus_one(x, beta, bias_correction=False):
    return _corrected(_average(x, beta), beta, bias_correction, shift=-1)


@off_by_one
def corrected_with_t_plus_one(x, beta, bias_correction=False):
    return _corrected(_average(x, beta), beta, bias_correction, shift=1)


@misconception(
    "ewa.starts_at_first_value",
    "Your average starts from the first value (v_0 = x_1, or v_1 = x_1). The course starts at "
    "v_0 = 0, so v_1 = (1 - beta) * x_1: that low start is what bias correction fixes.",
)
def starts_at_first_value(x, beta, bias_correction=False):
    start = float(np.asarray(x, dtype=float)[0])
    return _corrected(_average(x, beta, start=start), beta, bias_correction)


@misconception(
    "ewa.bias_correction_always",
    "You divide by 1 - beta**t even when bias_correction is False. Without it, return the "
    "plain averages v_1..v_T.",
)
def always_corrected(x, beta, bias_correction=False):
    return _corrected(_average(x, beta), beta, True)


@misconception(
    "ewa.bias_correction_ignored",
    "bias_correction=True changes nothing in yours. With it, divide each v_t by 1 - beta**t.",
)
def never_corrected(x, beta, bias_correction=False):
    return _average(x, beta)


@misconception(
    "ewa.bias_correction_multiplies",
    "Your bias correction multiplies by 1 - beta**t. It divides: v_t / (1 - beta**t) lifts "
    "the early averages that v_0 = 0 dragged down.",
)
def multiplied(x, beta, bias_correction=False):
    v = _average(x, beta)
    return v * (1 - beta ** np.arange(1, len(v) + 1)) if bias_correction else v


@misconception(
    "ewa.bias_correction_uses_T",
    "Your bias correction divides every v_t by 1 - beta**T (the last step). Each v_t gets "
    "its own step: v_t / (1 - beta**t).",
)
def corrected_with_last_step(x, beta, bias_correction=False):
    v = _average(x, beta)
    return v / (1 - beta ** len(v)) if bias_correction else v


@misconception(
    "ewa.corrected_value_fed_back",
    "You feed the corrected value back into the recursion. Keep v_t uncorrected for the next "
    "step and divide only what you output: v_t / (1 - beta**t).",
)
def feeds_back(x, beta, bias_correction=False):
    v, running = [], 0.0
    for t, x_t in enumerate(np.asarray(x, dtype=float), start=1):
        running = beta * running + (1 - beta) * x_t
        if bias_correction:
            running = running / (1 - beta**t)
        v.append(running)
    return np.array(v)


@misconception(
    "ewa.weights_swapped",
    "Your average weighs the past by 1 - beta and the new value by beta. It is "
    "v_t = beta * v_{t-1} + (1 - beta) * x_t: a large beta means a long memory.",
)
def swapped_weights(x, beta, bias_correction=False):
    return _corrected(_average(x, beta, swapped=True), beta, bias_correction)


@misconception(
    "ewa.new_weight_missing",
    "Your average adds each new value whole: v_t = beta * v_{t-1} + x_t grows towards "
    "x / (1 - beta). Weigh the new value by 1 - beta: v_t = beta * v_{t-1} + (1 - beta) * x_t.",
)
def without_new_weight(x, beta, bias_correction=False):
    return _corrected(_average(x, beta, new_weight=False), beta, bias_correction)


@misconception(
    "ewa.integer_array",
    "Your result keeps the dtype of an integer series (np.zeros_like(x)), so every average is "
    "cut to a whole number. Make a float array: np.zeros(len(x)).",
)
def integer_result(x, beta, bias_correction=False):
    return _corrected(_average(x, beta), beta, bias_correction).astype(np.asarray(x).dtype)


@misconception(
    "ewa.includes_v0",
    "You return v_0 = 0 as well (T + 1 values). Return v_1..v_T, one value per x_t.",
)
def with_v0(x, beta, bias_correction=False):
    return np.concatenate([[0.0], _corrected(_average(x, beta), beta, bias_correction)])


@misconception(
    "ewa.returns_last_value",
    "You return only the last average v_T. ewa returns the whole array v_1..v_T.",
)
def last_only(x, beta, bias_correction=False):
    return _corrected(_average(x, beta), beta, bias_correction)[-1]


@misconception(
    "ewa.no_beta_check",
    "Your ewa does not check beta. It must lie in [0, 1): beta = 1 never lets a new value in "
    "(and divides by 0 in the bias correction). Raise ValueError naming beta otherwise, as the "
    "docstring says.",
    checks=True,
)
def unchecked_beta(x, beta, bias_correction=False):
    return _corrected(_average(x, beta), beta, bias_correction)
