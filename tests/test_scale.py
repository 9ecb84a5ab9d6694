"""Tests of course_lib.scale against CURRICULUM.md (assignment `scale`).

The statistical checks use FIXED seeds and 20,000 samples. A right sampler must give a
Kolmogorov-Smirnov p-value above 1e-6 and every decade's share within 6 binomial standard
deviations of its expected share; both are so loose that a correct sampler passes for
essentially every seed (we fix the seeds anyway, so nothing can flake), while the common
wrong samplers miss by dozens of standard deviations. Tests at the end prove that power.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from course_lib.scale import effective_window, ewa, sample_beta, sample_log_uniform

N_SAMPLES = 20_000
SEEDS = (0, 1, 2)
KS_MIN_P = 1e-6
SIGMAS = 6.0


# ----------------------------------------------------------------------- statistical checks


def ks_uniform_problem(values: np.ndarray, a: float, b: float) -> str | None:
    """None if ``values`` pass a KS test against uniform on [a, b]; else a description."""
    result = stats.kstest(values, stats.uniform(loc=a, scale=b - a).cdf)
    if not result.pvalue > KS_MIN_P:
        return f"KS statistic {result.statistic:.4f}, p-value {result.pvalue:.3g} <= {KS_MIN_P}"
    return None


def decade_problem(log10_values: np.ndarray, a: int, b: int) -> str | None:
    """None if each decade [k, k+1), k = a..b-1, holds its 1/(b-a) share within 6 sigma."""
    n = log10_values.size
    p = 1.0 / (b - a)
    bound = SIGMAS * np.sqrt(p * (1 - p) / n)
    for k in range(a, b):
        share = np.mean((log10_values >= k) & (log10_values < k + 1))
        if abs(share - p) > bound:
            return (
                f"decade [1e{k}, 1e{k + 1}) has share {share:.4f}, expected {p:.4f} +- {bound:.4f}"
            )
    return None


def log_spread_problems(samples: np.ndarray, low: float, high: float, to_log) -> list[str]:
    """Problems with ``samples`` as draws in [low, high] whose ``to_log(samples)`` is uniform
    between ``to_log`` of the ends (whole decades)."""
    problems = []
    if not (np.all(samples >= low) and np.all(samples <= high)):
        problems.append(f"samples outside [{low}, {high}]: {samples.min()} .. {samples.max()}")
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = to_log(samples)
    a, b = sorted((to_log(low), to_log(high)))
    for problem in (ks_uniform_problem(logs, a, b), decade_problem(logs, round(a), round(b))):
        if problem:
            problems.append(problem)
    return problems


def log_uniform_problems(samples: np.ndarray, low: float, high: float) -> list[str]:
    """Problems with ``samples`` as log-uniform draws on [low, high]."""
    return log_spread_problems(samples, low, high, np.log10)


def beta_problems(samples: np.ndarray, low: float, high: float) -> list[str]:
    """Problems with ``samples`` as draws whose ``1 - beta`` is log-uniform on [1-high, 1-low]."""
    return log_spread_problems(samples, low, high, lambda beta: np.log10(1 - beta))


# ------------------------------------------------------------------------ sample_log_uniform


@pytest.mark.parametrize("seed", [0, 7, 2024])
@pytest.mark.parametrize(("low", "high"), [(1e-4, 1.0), (1e-3, 5e-1), (2.0, 3000.0)])
def test_sample_log_uniform_exact_draw(seed, low, high):
    samples = sample_log_uniform(low, high, 500, np.random.default_rng(seed))
    r = np.random.default_rng(seed).uniform(np.log10(low), np.log10(high), size=500)
    np.testing.assert_allclose(samples, 10.0**r, rtol=1e-14, atol=0)


def test_sample_log_uniform_size_tuple():
    samples = sample_log_uniform(1e-3, 1e-1, (3, 4), np.random.default_rng(0))
    assert samples.shape == (3, 4)
    r = np.random.default_rng(0).uniform(-3, -1, size=(3, 4))
    np.testing.assert_allclose(samples, 10.0**r, rtol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_sample_log_uniform_distribution(seed):
    samples = sample_log_uniform(1e-4, 1.0, N_SAMPLES, np.random.default_rng(seed))
    assert log_uniform_problems(samples, 1e-4, 1.0) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_sample_log_uniform_each_decade_equally_likely_chi_square(seed):
    samples = sample_log_uniform(1e-5, 1.0, N_SAMPLES, np.random.default_rng(seed))
    counts = np.histogram(np.log10(samples), bins=np.arange(-5, 1))[0]
    assert counts.sum() == N_SAMPLES
    result = stats.chisquare(counts)  # expected: equal counts in the five decades
    assert result.pvalue > KS_MIN_P, counts


# ------------------------------------------------------------------------------- sample_beta


@pytest.mark.parametrize("seed", [0, 7, 2024])
@pytest.mark.parametrize(("low", "high"), [(0.9, 0.999), (0.0, 0.99), (0.5, 0.9)])
def test_sample_beta_exact_draw(seed, low, high):
    samples = sample_beta(low, high, 500, np.random.default_rng(seed))
    r = np.random.default_rng(seed).uniform(np.log10(1 - high), np.log10(1 - low), size=500)
    np.testing.assert_allclose(samples, 1 - 10.0**r, rtol=1e-14, atol=0)


def test_sample_beta_size_tuple_and_range():
    samples = sample_beta(0.9, 0.999, (2, 5), np.random.default_rng(1))
    assert samples.shape == (2, 5)
    assert np.all((samples >= 0.9) & (samples <= 0.999))


@pytest.mark.parametrize("seed", SEEDS)
def test_sample_beta_distribution(seed):
    samples = sample_beta(0.9, 0.999, N_SAMPLES, np.random.default_rng(seed))
    assert beta_problems(samples, 0.9, 0.999) == []


# ------------------------------------------------------- the checks have power (wrong samplers)


def _plain_uniform(low, high, size, rng):
    return rng.uniform(low, high, size=size)


def _natural_log(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log(low), np.log(high), size=size)


def _no_log(low, high, size, rng):
    return 10.0 ** rng.uniform(low, high, size=size)


@pytest.mark.parametrize("wrong", [_plain_uniform, _natural_log, _no_log])
@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_log_uniform_samplers_fail(wrong, seed):
    samples = wrong(1e-4, 1.0, N_SAMPLES, np.random.default_rng(seed))
    assert log_uniform_problems(samples, 1e-4, 1.0) != []


@pytest.mark.parametrize("wrong", [_plain_uniform, _natural_log])
@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_log_uniform_samplers_fail_ks_and_decades_separately(wrong, seed):
    # Not only the range check: each statistical check alone rejects the wrong sampler.
    samples = wrong(1e-4, 1.0, N_SAMPLES, np.random.default_rng(seed))
    logs = np.log10(samples)
    assert ks_uniform_problem(logs, -4.0, 0.0) is not None
    assert decade_problem(logs, -4, 0) is not None


def _beta_is_10_to_r(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size=size)


def _beta_natural_log(low, high, size, rng):
    return 1 - 10.0 ** rng.uniform(np.log(1 - high), np.log(1 - low), size=size)


def _beta_log_uniform_in_beta(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)


def _beta_one_minus_wrong_order(low, high, size, rng):
    # r from the log of the bounds themselves, not of 1 - bounds
    return 1 - 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)


@pytest.mark.parametrize(
    "wrong",
    [
        _plain_uniform,
        _beta_is_10_to_r,
        _beta_natural_log,
        _beta_log_uniform_in_beta,
        _beta_one_minus_wrong_order,
    ],
)
@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_beta_samplers_fail(wrong, seed):
    samples = wrong(0.9, 0.999, N_SAMPLES, np.random.default_rng(seed))
    assert beta_problems(samples, 0.9, 0.999) != []


@pytest.mark.parametrize("wrong", [_plain_uniform, _beta_natural_log, _beta_log_uniform_in_beta])
@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_beta_samplers_fail_ks_and_decades_separately(wrong, seed):
    samples = wrong(0.9, 0.999, N_SAMPLES, np.random.default_rng(seed))
    logs = np.log10(1 - samples)
    assert ks_uniform_problem(logs, -3.0, -1.0) is not None
    assert decade_problem(logs, -3, -1) is not None


# -------------------------------------------------------------------------- effective_window


def test_effective_window_hand_values():
    assert effective_window(0.0) == pytest.approx(1.0)
    assert effective_window(0.9) == pytest.approx(10.0)
    assert effective_window(0.99) == pytest.approx(100.0)
    assert effective_window(0.999) == pytest.approx(1000.0)


def test_effective_window_elementwise():
    out = effective_window(np.array([[0.0, 0.5], [0.75, 0.9]]))
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, [[1.0, 2.0], [4.0, 10.0]])
    np.testing.assert_allclose(effective_window([0.5, 0.8]), [2.0, 5.0])


def test_effective_window_types_for_ints_lists_and_0d_arrays():
    for number in (0, 0.5, np.float32(0.5), np.array(0.5)):
        window = effective_window(number)
        assert isinstance(window, np.floating) and np.ndim(window) == 0
    assert effective_window(0) == 1.0 and effective_window(np.array(0.75)) == 4.0
    windows = effective_window([[0, 0.5]])
    assert isinstance(windows, np.ndarray) and windows.dtype == np.float64
    np.testing.assert_array_equal(windows, [[1.0, 2.0]])


@settings(max_examples=60, deadline=None)
@given(
    b1=st.floats(0.0, 1.0, exclude_max=True),
    b2=st.floats(0.0, 1.0, exclude_max=True),
)
def test_effective_window_monotone(b1, b2):
    lo, hi = sorted((b1, b2))
    w_lo, w_hi = float(effective_window(lo)), float(effective_window(hi))
    assert 1.0 <= w_lo <= w_hi
    if hi - lo > 1e-9:
        assert w_lo < w_hi


# -------------------------------------------------------------------------------------- ewa


def test_ewa_hand_checked_half():
    np.testing.assert_allclose(ewa([1, 1, 1], 0.5), [0.5, 0.75, 0.875], rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        ewa([1, 1, 1], 0.5, bias_correction=True), [1.0, 1.0, 1.0], rtol=0, atol=1e-15
    )


def test_ewa_hand_checked_bias_correction_starts_at_t_1():
    # v1 = 0.1 * 10 = 1, v2 = 0.9 * 1 + 0.1 * 0 = 0.9, v3 = 0.81 + 0.1 * 5 = 1.31
    x = [10.0, 0.0, 5.0]
    np.testing.assert_allclose(ewa(x, 0.9), [1.0, 0.9, 1.31], rtol=1e-14)
    # corrected by 1 - 0.9**t, t = 1, 2, 3: 0.1, 0.19, 0.271
    np.testing.assert_allclose(
        ewa(x, 0.9, bias_correction=True), [10.0, 0.9 / 0.19, 1.31 / 0.271], rtol=1e-14
    )


def test_ewa_constant_series_bias_corrected_is_constant():
    out = ewa(np.full(50, 3.5), 0.98, bias_correction=True)
    np.testing.assert_allclose(out, 3.5, rtol=1e-12)


def test_ewa_beta_zero_is_identity():
    x = np.array([3.0, -1.0, 4.0, 1.5])
    np.testing.assert_array_equal(ewa(x, 0.0), x)
    np.testing.assert_array_equal(ewa(x, 0.0, bias_correction=True), x)


def test_ewa_matches_closed_form():
    x = np.random.default_rng(0).normal(size=30)
    beta = 0.8
    t = np.arange(1, 31)
    # v_t = (1 - beta) * sum_{i<=t} beta**(t - i) x_i
    closed = np.array([(1 - beta) * np.sum(beta ** (k - t[:k]) * x[:k]) for k in t])
    out = ewa(x, beta)
    assert out.shape == (30,)
    np.testing.assert_allclose(out, closed, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        ewa(x, beta, bias_correction=True), closed / (1 - beta**t), rtol=1e-12, atol=1e-14
    )


def test_ewa_empty_and_returns_float_array():
    assert ewa([], 0.5).shape == (0,)
    out = ewa([1, 2, 3], 0.5)
    assert out.dtype == np.float64


# ------------------------------------------------------------------------------ ValueErrors

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: sample_log_uniform(0.0, 1.0, 3, RNG), "low"),
        (lambda: sample_log_uniform(-1.0, 1.0, 3, RNG), "low"),
        (lambda: sample_log_uniform(1.0, 1.0, 3, RNG), "high"),
        (lambda: sample_log_uniform(2.0, 1.0, 3, RNG), "high"),
        (lambda: sample_log_uniform(1e-3, 1.0, 3, 0), "rng"),
        (lambda: sample_beta(-0.1, 0.9, 3, RNG), "low"),
        (lambda: sample_beta(0.9, 0.9, 3, RNG), "high"),
        (lambda: sample_beta(0.9, 1.0, 3, RNG), "high"),
        (lambda: sample_beta(0.9, 0.99, 3, None), "rng"),
        (lambda: effective_window(1.0), "beta"),
        (lambda: effective_window(-0.1), "beta"),
        (lambda: effective_window([0.5, 1.0]), "beta"),
        (lambda: effective_window(np.nan), "beta"),
        (lambda: ewa([[1.0, 2.0]], 0.5), "x"),
        (lambda: ewa([1.0, 2.0], 1.0), "beta"),
        (lambda: ewa([1.0, 2.0], -0.5), "beta"),
    ],
)
def test_value_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
