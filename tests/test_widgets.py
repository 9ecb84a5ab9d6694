"""The explorers of course_lib.widgets, driven from Python.

Each test moves a control and checks that what the figure shows (histogram heights, line data,
bar heights, axis limits, notices, printed numbers) is what the pure functions and course_lib
compute for the new values; the expectation is never read back from the widget itself.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math

import numpy as np
import pytest
from PIL import Image

from course_kit.explorers._view import (
    STILLS_ENV,
    FunctionError,
    call_function,
    follow_range,
    follow_upper,
    whole_pixels,
)
from course_kit.explorers.batch_norm_explorer import histogram, sample_preactivations
from course_kit.explorers.ewa_explorer import LAGS, beta_from_r
from course_lib.batch_norm import batchnorm_forward
from course_lib.scale import effective_window, ewa, sample_log_uniform
from course_lib.softmax import predict, softmax
from course_lib.tuning import (
    coarse_to_fine,
    grid_search_points,
    random_search,
    random_search_points,
)
from course_lib.widgets import (
    EXPLORERS,
    coarse_to_fine_explorer,
    decision_regions_explorer,
    decision_regions_state,
    ewa_window_explorer,
    gamma_beta_explorer,
    gamma_beta_state,
    grid_vs_random_explorer,
    log_vs_uniform_explorer,
    softmax_explorer,
)
from course_lib.widgets.sampling_explorer import decade_shares, log_vs_uniform_state
from course_lib.widgets.softmax_explorers import (
    GRID_LIMIT,
    GRID_SIZE,
    REGION_RGB,
    softmax_probabilities,
    train_softmax_regression,
)
from course_lib.widgets.tuning_explorer import (
    BEST_X,
    HIGH,
    LOW,
    VALLEY_CENTRE,
    coarse_to_fine_state,
    one_axis_objective,
    valley_objective,
)
from tests.support import imported_modules

# ----------------------------------------------------------------------------- axis helpers


def test_follow_range_holds_the_data_keeps_its_limits_and_rounds_to_steps():
    lo, hi = follow_range(None, -2.93, 3.1)
    assert lo <= -2.93 and hi >= 3.1
    assert (3.1 + 2.93) / (hi - lo) >= 0.4
    assert lo == pytest.approx(-4.0) and hi == pytest.approx(4.0)  # steps of 1 (span 6 / 8)
    assert follow_range((lo, hi), -2.93, 3.1) == (lo, hi)  # the same data keep the limits
    assert follow_range((lo, hi), -2.0, 2.5) == (lo, hi)  # a small move keeps them too
    assert follow_range((lo, hi), -2.0, 5.0) != (lo, hi)  # data outside: new limits
    assert follow_range((lo, hi), 0.0, 0.5)[1] - follow_range((lo, hi), 0.0, 0.5)[0] < 2
    for low, high in ((-0.3, 0.2), (2.0, 2.0001), (-40.0, 170.0)):
        first = follow_range(None, low, high)
        assert first[0] <= low and high <= first[1]
        assert follow_range(first, low, high) == first


def test_follow_upper_steps_and_keeps():
    assert follow_upper(None, 1.7) == 2.0
    assert follow_upper(2.0, 1.0) == 2.0  # fills half: kept
    assert follow_upper(2.0, 0.5) == 1.0  # fills a quarter: 1.1 * 0.5 rounded up
    assert follow_upper(2.0, 2.7) == 5.0


# ----------------------------------------------------------------------------- gamma / beta


def test_sample_preactivations_has_the_requested_mean_and_spread():
    for distribution in ("normal", "skewed", "bimodal"):
        Z = sample_preactivations(distribution, 1.5, 2.0, 200_000, np.random.default_rng(0))
        assert Z.shape == (1, 200_000)
        assert Z.mean() == pytest.approx(1.5, abs=0.03), distribution
        assert Z.std() == pytest.approx(2.0, rel=0.02), distribution
    with pytest.raises(ValueError, match="distribution"):
        sample_preactivations("uniform", 0, 1, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size"):
        sample_preactivations("normal", 0, 1, 1, np.random.default_rng(0))


def test_gamma_beta_state_is_batchnorm_forward_of_the_batch():
    state = gamma_beta_state("skewed", -1.0, 0.5, 2.0, 0.7, 1e-3, 64, np.random.default_rng(3))
    Z = sample_preactivations("skewed", -1.0, 0.5, 64, np.random.default_rng(3))
    Z_tilde, (_, Z_norm, mu, var, *_rest) = batchnorm_forward(Z, [[2.0]], [[0.7]], 1e-3)
    np.testing.assert_array_equal(state.z, Z[0])
    np.testing.assert_allclose(state.z_norm, Z_norm[0])
    np.testing.assert_allclose(state.z_tilde, Z_tilde[0])
    assert state.mu == pytest.approx(mu[0, 0]) and state.var == pytest.approx(var[0, 0])
    # eps shrinks the normalised spread: std(z_norm) = sqrt(var / (var + eps)).
    assert state.z_norm.std() == pytest.approx(np.sqrt(state.var / (state.var + 1e-3)))
    assert state.z_tilde.mean() == pytest.approx(0.7)


def _heights(explorer, key):
    return np.asarray(explorer.artists[key].get_data().values)


def _assert_axes_follow(explorer, state):
    """One x range for the three panels holding every value; one y range holding every bar."""
    axes = [explorer.live.ax[k] for k in ("z", "z_norm", "z_tilde")]
    (lo, hi), top = axes[0].get_xlim(), axes[0].get_ylim()[1]
    assert all(ax.get_xlim() == (lo, hi) and ax.get_ylim() == (0, top) for ax in axes)
    values = np.concatenate([state.z, state.z_norm, state.z_tilde])
    assert lo <= values.min() and values.max() <= hi
    assert values.max() - values.min() >= 0.3 * (hi - lo)  # the data fill the width
    tallest = max(histogram(getattr(state, k), (lo, hi))[0].max()
                  for k in ("z", "z_norm", "z_tilde"))
    assert tallest <= top <= 2.5 * 1.1 * tallest  # and the height


def test_gamma_beta_explorer_histograms_and_overlays_follow_the_sliders():
    explorer = gamma_beta_explorer(seed=5)
    c = explorer.controls
    c["mean"].value = -1.2
    c["spread"].value = 0.8
    c["gamma"].value = 2.5
    c["beta"].value = 1.5
    c["batch_size"].value = 500
    c["distribution"].value = "bimodal"
    expected = gamma_beta_state("bimodal", -1.2, 0.8, 2.5, 1.5, 1e-5, 500, np.random.default_rng(5))
    _assert_axes_follow(explorer, expected)
    limits = explorer.live.ax["z"].get_xlim()
    for key in ("z", "z_norm", "z_tilde"):
        heights, edges = histogram(getattr(expected, key), limits)
        np.testing.assert_allclose(_heights(explorer, key), heights)
        np.testing.assert_allclose(explorer.artists[key].get_data().edges, edges)
        # every value is inside the plotted range: the area is the whole batch
        assert np.sum(heights * np.diff(edges)) == pytest.approx(1.0)
        assert explorer.artists[f"{key}_mean"].get_xdata()[0] == pytest.approx(
            getattr(expected, key).mean()
        )
    np.testing.assert_allclose(_heights(explorer, "z_ghost"), histogram(expected.z, limits)[0])
    np.testing.assert_allclose(_heights(explorer, "z_norm_ghost"),
                               histogram(expected.z_norm, limits)[0])
    # the bracket spans beta -/+ gamma * std(z_norm), the arrow runs from 0 to beta
    half = 2.5 * expected.z_norm.std()
    x, _ = explorer.artists["gamma_bracket"].get_data()
    assert (min(x), max(x)) == pytest.approx((1.5 - half, 1.5 + half))
    assert explorer.artists["beta_arrow"].xy[0] == pytest.approx(1.5)
    assert explorer.artists["beta_arrow"].xyann[0] == 0
    assert f"{expected.z.mean():+.3f}" in explorer.stats.value
    assert f"{expected.z_tilde.std():.3f}" in explorer.stats.value  # = gamma * std(z_norm)
    assert "σ² = " + f"{expected.var:.4f}" in explorer.stats.value


def test_gamma_beta_axes_follow_a_narrow_batch_and_a_wide_shift():
    explorer = gamma_beta_explorer(seed=0)
    explorer.controls["spread"].value = 0.25
    explorer.controls["mean"].value = -3.0
    _assert_axes_follow(explorer, explorer.state)
    narrow = explorer.live.ax["z"].get_xlim()
    assert narrow[1] - narrow[0] <= 12  # half the old fixed 24-wide axis, or less
    # the narrow z is tall, z_norm flat: on one y range the heights compare
    assert _heights(explorer, "z").max() > 3 * _heights(explorer, "z_norm").max()
    explorer.controls["gamma"].value = 4.0
    explorer.controls["beta"].value = 4.0
    _assert_axes_follow(explorer, explorer.state)
    assert explorer.live.ax["z"].get_xlim()[1] >= explorer.state.z_tilde.max() > narrow[1]


def test_gamma_beta_explorer_eps_and_new_batch():
    explorer = gamma_beta_explorer(seed=0)
    explorer.controls["spread"].value = 0.25
    explorer.controls["eps"].value = 1.0
    v = explorer.values()
    expected = gamma_beta_state(
        v["distribution"], v["mean"], 0.25, v["gamma"], v["beta"], 1.0, v["batch_size"],
        np.random.default_rng(0),
    )
    limits = explorer.live.ax["z"].get_xlim()
    np.testing.assert_allclose(_heights(explorer, "z_norm"),
                               histogram(expected.z_norm, limits)[0])
    assert expected.z_norm.std() < 0.3  # eps = 1 dominates var = 0.0625
    before = _heights(explorer, "z").copy()
    explorer.new_batch_button.click()
    assert explorer.controls["seed"].value == 1
    again = gamma_beta_state(
        v["distribution"], v["mean"], 0.25, v["gamma"], v["beta"], 1.0, v["batch_size"],
        np.random.default_rng(1),
    )
    np.testing.assert_allclose(_heights(explorer, "z"),
                               histogram(again.z, explorer.live.ax["z"].get_xlim())[0])
    assert not np.array_equal(before, _heights(explorer, "z"))


def test_gamma_beta_explorer_undo_gives_back_z():
    explorer = gamma_beta_explorer(seed=2)
    explorer.controls["mean"].value = 1.3
    explorer.controls["spread"].value = 2.2
    assert "undone" not in explorer.stats.value
    explorer.undo_button.click()
    state = explorer.state
    assert explorer.controls["gamma"].value == pytest.approx(np.sqrt(state.var + state.eps))
    assert explorer.controls["beta"].value == pytest.approx(state.mu)
    np.testing.assert_allclose(state.z_tilde, state.z, atol=1e-12)
    np.testing.assert_allclose(_heights(explorer, "z_tilde"), _heights(explorer, "z"))
    assert "undone" in explorer.stats.value


def test_gamma_beta_undo_survives_the_browser_snapping_sliders_to_their_step():
    # A browser snaps gamma and beta to the slider step after the button sets them.
    from course_kit.explorers.batch_norm_explorer import GAMMA_BETA_STEP

    explorer = gamma_beta_explorer(seed=2)
    explorer.undo_button.click()
    exact = explorer.state
    snapped = round(exact.identity_gamma / GAMMA_BETA_STEP) * GAMMA_BETA_STEP
    explorer.controls["gamma"].value = snapped
    explorer.controls["beta"].value = round(exact.mu / GAMMA_BETA_STEP) * GAMMA_BETA_STEP
    assert "up to the sliders' rounding" in explorer.stats.value
    assert explorer.state.max_abs_change < 0.01
    explorer.controls["gamma"].value = snapped + 0.01
    assert "undone" not in explorer.stats.value


def test_gamma_beta_explorer_runs_on_the_function_passed_in():
    calls = []

    def unbiased(Z, gamma, beta, eps=1e-5):
        # a common mistake: the unbiased variance (1 / (m - 1))
        calls.append(Z.shape)
        mu = Z.mean(axis=1, keepdims=True)
        var = Z.var(axis=1, keepdims=True, ddof=1)
        Z_norm = (Z - mu) / np.sqrt(var + eps)
        return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)

    explorer = gamma_beta_explorer(seed=1, batchnorm_forward=unbiased)
    explorer.controls["batch_size"].value = 4
    assert calls[-1] == (1, 4)
    z = explorer.state.z
    np.testing.assert_allclose(explorer.state.z_norm.std(), np.sqrt(3 / 4), rtol=1e-4)
    assert explorer.state.var == pytest.approx(z.var(ddof=1))
    assert explorer.error is None


def stub(Z, gamma, beta, eps=1e-5):
    # YOUR CODE HERE
    raise NotImplementedError()


def over_the_units(Z, gamma, beta, eps=1e-5):
    # a common mistake: the statistics over axis 0 (the units) instead of the examples
    mu = Z.mean(axis=0, keepdims=True)
    var = Z.var(axis=0, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (stub, "batchnorm_forward is not written yet (it raised NotImplementedError): write it, "
               "run its cell, then run this cell again"),
        (lambda Z, gamma, beta, eps=1e-5: (_ for _ in ()).throw(NotImplementedError("todo")),
         "batchnorm_forward is not written yet (it raised NotImplementedError: todo)"),
        (lambda Z, gamma, beta, eps=1e-5: Z,
         "must return (Z_tilde, cache) with Z_tilde of Z's shape (1, 256) and cache = (Z, "
         "Z_norm, mu, var, gamma, beta, eps), mu and var of shape (1, 1); got ndarray, not a "
         "pair (Z_tilde, cache)"),
        (over_the_units,
         "mu and var of shape (1, 1); got Z_tilde (1, 256), a cache of 7 items, Z_norm "
         "(1, 256), mu (1, 256), var (1, 256)"),
        (lambda Z, gamma, beta, eps=1e-5: (Z, 0.5),
         "got Z_tilde (1, 256) and a float as the cache"),
    ],
)
def test_gamma_beta_explorer_shows_a_failing_function_in_one_line(function, message):
    explorer = gamma_beta_explorer(batchnorm_forward=function)  # no exception escapes
    assert message in explorer.error
    assert explorer.live.canvas.layout.display == "none"  # no empty axes beside the message
    shown = html.unescape(explorer.stats.value)
    assert message in shown and "Traceback" not in shown
    explorer.controls["mean"].value = 0.5  # moving a slider keeps showing it
    assert message in html.unescape(explorer.stats.value)


def test_the_figure_is_hidden_only_while_the_function_fails():
    def needs_three(Z, gamma, beta, eps=1e-5):
        if Z.shape[1] < 3:
            raise IndexError("index 2 is out of bounds for axis 1 with size 2")
        return batchnorm_forward(Z, gamma, beta, eps)

    explorer = gamma_beta_explorer(batchnorm_forward=needs_three)
    assert explorer.error is None and explorer.live.canvas.layout.display is None
    explorer.controls["batch_size"].value = 2
    assert explorer.error.startswith("batchnorm_forward raised IndexError: index 2")
    assert explorer.live.canvas.layout.display == "none"
    explorer.controls["batch_size"].value = 3
    assert explorer.error is None and explorer.live.canvas.layout.display is None
    assert "z_norm" in explorer.stats.value


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ValueError("beta must be in [0, 1)"), "ewa raised ValueError: beta must be in [0, 1)"),
        (KeyError(), "ewa raised KeyError"),  # no message: no dangling colon
        (NotImplementedError(), "ewa is not written yet (it raised NotImplementedError): "
                                "write it, run its cell, then run this cell again"),
    ],
)
def test_call_function_turns_an_error_into_one_line_naming_the_function(error, message):
    def failing(x):
        raise error

    with pytest.raises(FunctionError) as caught:
        call_function("ewa", failing, 1.0)
    assert str(caught.value) == message
    assert caught.value.__suppress_context__  # shown without the student's traceback
    assert call_function("ewa", lambda x, y=0: x + y, 1.0, y=2.0) == 3.0


def test_the_kit_explorers_import_no_reference_module():
    loaded = imported_modules(
        "import course_kit.explorers.batch_norm_explorer, course_kit.explorers.ewa_explorer",
        "course_lib",
    )
    for reference in ("course_lib.batch_norm", "course_lib.scale", "course_lib.tuning",
                      "course_lib.softmax"):
        assert reference not in loaded, reference


# ----------------------------------------------------------------------------- 1 / (1 - beta)


def test_ewa_window_slider_raises_beta_to_the_right_and_reads_out_beta():
    explorer = ewa_window_explorer(seed=1)
    options = explorer.controls["r"].options
    betas = [beta_from_r(r) for _label, r in options]
    assert np.all(np.diff(betas) > 0)  # left to right: beta grows
    assert betas[0] == pytest.approx(1 - 10**-0.3) and betas[-1] == pytest.approx(1 - 10**-3.3)
    labels = dict((r, label) for label, r in options)
    assert labels[-1.0] == "0.900" and labels[-2.0] == "0.9900" and labels[-3.0] == "0.99900"


def test_ewa_window_axis_is_log_scaled_against_one_minus_beta():
    explorer = ewa_window_explorer(seed=1)
    ax = explorer.live.ax["window"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    left, right = ax.get_xlim()
    assert left > right  # 1 - beta falls to the right: beta grows to the right
    line = ax.get_lines()[0]
    x, y = line.get_data()
    slope = np.diff(np.log10(y)) / np.diff(np.log10(x))
    np.testing.assert_allclose(slope, -1.0, rtol=1e-9)  # a straight line on log-log axes
    for r in (-0.3, -3.3):  # the point stays inside the axes at both ends of the slider
        explorer.controls["r"].value = r
        px, py = explorer.artists["point"].get_data()
        assert right < px[0] < left and ax.get_ylim()[0] < py[0] < ax.get_ylim()[1]


def test_ewa_window_explorer_follows_beta():
    explorer = ewa_window_explorer(seed=1)
    for r, window in ((-1.0, 10.0), (-2.0, 100.0), (-3.0, 1000.0)):
        explorer.controls["r"].value = r
        beta = 1 - 10.0**r
        assert explorer.state.beta == pytest.approx(beta)
        x, y = explorer.artists["point"].get_data()
        assert x[0] == pytest.approx(1 - beta) and y[0] == pytest.approx(window)
        assert y[0] == pytest.approx(effective_window(beta))
        np.testing.assert_allclose(explorer.artists["v"].get_ydata(), ewa(explorer.series, beta))
        np.testing.assert_allclose(
            explorer.artists["v_corrected"].get_ydata(),
            ewa(explorer.series, beta, bias_correction=True),
        )
        np.testing.assert_allclose(explorer.artists["v_start"].get_ydata(),
                                   ewa(explorer.series, beta)[:60])
        assert explorer.artists["series_band"].get_width() == pytest.approx(window)
        # the weights of v_T over the band: beta**(k - 1), k points back, 1/e at the edge
        np.testing.assert_allclose(explorer.artists["weights"].get_ydata(), beta ** (LAGS - 1))
        band = explorer.artists["weights_band"]
        assert band.get_x() == 1 and band.get_x() + band.get_width() == pytest.approx(window)
        ex, ey = explorer.artists["edge"].get_data()
        assert ex[0] == pytest.approx(window)
        assert ey[0] == pytest.approx(1 / math.e, abs=0.02)
        assert explorer.state.band_share == pytest.approx(1 - beta ** round(window))
        assert f"{1 - beta:.2g}" in explorer.stats.value
        assert f"{window:,.1f}" in explorer.stats.value
    assert beta_from_r(-1) == pytest.approx(0.9)


def test_ewa_uncorrected_curve_is_apart_from_the_corrected_one_at_beta_09():
    explorer = ewa_window_explorer(seed=0)
    explorer.controls["r"].value = -1.0
    start = explorer.live.ax["start"]
    v, corrected = explorer.artists["v_start"], explorer.artists["v_corrected_start"]
    # drawn on top of the corrected curve, and far below it over the first points
    assert v.get_zorder() >= corrected.get_zorder()
    assert start.get_lines().index(v) > start.get_lines().index(corrected)
    gap = corrected.get_ydata()[:5] - v.get_ydata()[:5]
    assert np.all(gap > 0.2 * (start.get_ylim()[1] - start.get_ylim()[0]) / 5)


def test_ewa_bias_correction_fixes_the_start():
    explorer = ewa_window_explorer(seed=0)
    explorer.controls["r"].value = -3.0
    state = explorer.state
    # Without correction v_1 = (1 - beta) x_1, far below the data; corrected v_1 = x_1.
    assert state.v[0] == pytest.approx(0.001 * explorer.series[0])
    assert state.v_corrected[0] == pytest.approx(explorer.series[0])


def test_ewa_explorer_runs_on_the_functions_passed_in():
    seen = []

    def my_ewa(x, beta, bias_correction=False):
        seen.append((beta, bias_correction))
        return ewa(x, beta, bias_correction)

    def my_window(beta):
        return 2.0 / (1.0 - np.asarray(beta))  # wrong on purpose: twice the window

    explorer = ewa_window_explorer(ewa=my_ewa, effective_window=my_window)
    explorer.controls["r"].value = -2.0
    assert seen[-2:] == [(pytest.approx(0.99), False), (pytest.approx(0.99), True)]
    assert explorer.state.window == pytest.approx(200.0)
    assert explorer.artists["point"].get_data()[1][0] == pytest.approx(200.0)
    line = explorer.live.ax["window"].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), 2 / line.get_xdata())


def test_ewa_explorer_shows_a_failing_function_in_one_line():
    def unfinished(x, beta, bias_correction=False):
        return None

    explorer = ewa_window_explorer(ewa=unfinished)
    assert "ewa(x, beta, bias_correction=False) must return an array of shape (3000,)" in (
        explorer.error
    )

    def window_raises(beta):
        raise ValueError("beta must be in [0, 1)")

    explorer = ewa_window_explorer(effective_window=window_raises)
    assert "effective_window raised ValueError: beta must be in [0, 1)" in explorer.stats.value


# ----------------------------------------------------------------------------- tuning


def test_grid_vs_random_explorer_shows_the_searches():
    explorer = grid_vs_random_explorer(seed=4)
    explorer.controls["n"].value = 5
    grid = grid_search_points(LOW, HIGH, 5)
    random = random_search_points(LOW, HIGH, 25, np.random.default_rng(4))
    np.testing.assert_allclose(explorer.artists["grid"].get_offsets(), grid)
    np.testing.assert_allclose(explorer.artists["random"].get_offsets(), random)
    assert len(explorer.artists["grid_rug"].get_segments()) == 25
    assert len({round(s[0][0], 12) for s in explorer.artists["grid_rug"].get_segments()}) == 5
    best = random[np.argmin(one_axis_objective(random))]
    x, y = explorer.artists["random_best"].get_data()
    assert (x[0], y[0]) == pytest.approx(tuple(best))
    stats = explorer.stats.value
    assert "font-family:monospace'>5</td>" in stats  # grid: n distinct
    assert stats.count(">25<") == 3  # 25 trials twice, 25 distinct random values
    assert f"{one_axis_objective(best):.4f}" in stats


def test_random_wins_share_is_counted_over_100_seeds():
    explorer = grid_vs_random_explorer()
    for n in (3, 4):
        explorer.controls["n"].value = n
        grid_best = one_axis_objective(grid_search_points(LOW, HIGH, n)).min()
        wins = sum(
            one_axis_objective(random_search_points(LOW, HIGH, n * n,
                                                    np.random.default_rng(seed))).min()
            < grid_best
            for seed in range(100)
        )
        assert f"random wins in {wins}% of 100 seeds" in explorer.stats.value
    assert 0 < wins < 100  # at n = 4 the grid sometimes wins: the readout says how often


def test_grid_vs_random_default_seed_wins_without_landing_on_the_optimum():
    explorer = grid_vs_random_explorer()
    state = explorer.state
    assert state.n == 4
    assert 1e-3 < state.random_best[1] < state.grid_best[1]
    assert abs(state.random_best[0][0] - BEST_X) > 1e-3
    assert "random search wins" in explorer.stats.value


def test_grid_vs_random_points_stay_off_the_frame_and_markers_mean_one_thing():
    explorer = grid_vs_random_explorer()
    for ax in explorer.live.axes:
        lo, hi = ax.get_xlim()
        assert lo < 0 and hi > 1  # points and rug ticks at x0 = 0 or 1 are inside
    for name in ("grid", "random"):
        lo, hi = explorer.live.ax[name].get_ylim()
        assert lo < 0 and hi > 1
    art = explorer.artists
    for key in ("grid", "random"):
        a, b = art[f"{key}_best"], art[f"{key}_best_1d"]
        assert (a.get_marker(), a.get_color()) == (b.get_marker(), b.get_color())
    assert art["grid_best"].get_marker() != art["random_best"].get_marker()
    labels = explorer.live.ax["x0"].get_legend_handles_labels()[1]
    assert {"grid best", "random best"} <= set(labels)


def test_one_axis_objective_ignores_the_second_axis():
    points = np.random.default_rng(0).uniform(size=(50, 2))
    moved = points.copy()
    moved[:, 1] = 1 - moved[:, 1]
    np.testing.assert_array_equal(one_axis_objective(points), one_axis_objective(moved))


def test_coarse_to_fine_explorer_draws_the_boxes_of_coarse_to_fine():
    explorer = coarse_to_fine_explorer(seed=7)
    explorer.controls["n_rounds"].value = 4
    explorer.controls["shrink"].value = 0.5
    explorer.controls["n_points"].value = 10
    best_point, best_score, boxes = coarse_to_fine(
        valley_objective, LOW, HIGH, 10, 4, 0.5, np.random.default_rng(7)
    )
    for view in ("map", "zoom"):
        for k in range(6):
            rect = explorer.artists[f"{view}_box{k}"]
            assert rect.get_visible() == (k < 4)
            if k < 4:
                low, high = boxes[k]
                assert (rect.get_x(), rect.get_y()) == pytest.approx(tuple(low))
                assert (rect.get_width(), rect.get_height()) == pytest.approx(tuple(high - low))
        assert len(explorer.artists[f"{view}_points"].get_offsets()) == 40
        x, y = explorer.artists[f"{view}_best"].get_data()
        assert (x[0], y[0]) == pytest.approx(tuple(best_point))
    curve = explorer.artists["curve"].get_ydata()
    assert curve.size == 40 and curve[-1] == pytest.approx(best_score)
    assert np.all(np.diff(curve) <= 0)
    # the recorded points are exactly the ones coarse_to_fine scored, round by round
    state = explorer.state
    first = random_search_points(LOW, HIGH, 10, np.random.default_rng(7))
    np.testing.assert_allclose(state.rounds[0], first)
    np.testing.assert_allclose(explorer.artists["map_points"].get_offsets()[:10], first)


def test_coarse_to_fine_flat_random_search_has_the_same_budget():
    explorer = coarse_to_fine_explorer(seed=3)
    explorer.controls["n_rounds"].value = 5
    _, _, history = random_search(
        valley_objective, lambda r: random_search_points(LOW, HIGH, 1, r)[0], 5 * 12,
        np.random.default_rng(3),
    )
    expected = np.minimum.accumulate([score for _, score in history])
    np.testing.assert_allclose(explorer.artists["flat_curve"].get_ydata(), expected)
    assert f"same 60 trials: {expected[-1]:.2e}" in explorer.stats.value
    # the score axis holds both curves
    assert explorer.live.ax["curve"].get_ylim()[0] <= min(expected[-1],
                                                          explorer.state.best_score)


def test_coarse_to_fine_marks_the_optimum_and_names_the_rounds():
    explorer = coarse_to_fine_explorer()
    for view in ("map", "zoom"):
        marks = [line for line in explorer.live.ax[view].get_lines()
                 if line.get_label() == "optimum"]
        assert len(marks) == 1
        np.testing.assert_allclose(np.ravel(marks[0].get_data()), VALLEY_CENTRE)
    legend = [t.get_text() for t in explorer.live.figure.legends[0].get_texts()]
    assert legend[:6] == [f"round {k}" for k in range(1, 7)]
    assert "optimum" in legend and "best point" in legend
    # the last rounds' boxes are visible in the zoom: they lie inside it
    explorer.controls["n_rounds"].value = 6
    zoom = explorer.live.ax["zoom"]
    low, high = explorer.state.boxes[-1]
    assert zoom.get_xlim()[0] < low[0] and high[0] < zoom.get_xlim()[1]


def test_coarse_to_fine_says_when_clipping_changes_a_side():
    state = coarse_to_fine_state(12, 3, 0.9, np.random.default_rng(0), np.random.default_rng(0))
    assert state.clipped  # a box 0.9 wide around a point near the edge is cut
    for k, axis, side, before in state.clipped:
        box_before, box = state.boxes[k - 1], state.boxes[k]
        assert side == pytest.approx((box[1] - box[0])[axis])
        assert before == pytest.approx(0.9 * (box_before[1] - box_before[0])[axis])
        assert side < before
    explorer = coarse_to_fine_explorer(seed=0)
    explorer.controls["shrink"].value = 0.9
    assert "Clipped by the edge of the search range" in explorer.stats.value
    explorer.controls["shrink"].value = 0.2
    assert not explorer.state.clipped and "Clipped" not in explorer.stats.value


# ----------------------------------------------------------------------------- log vs uniform


def test_log_vs_uniform_explorer_bars_are_the_decade_shares():
    explorer = log_vs_uniform_explorer(seed=3)
    explorer.controls["exponents"].value = (-5, 1)
    explorer.controls["n"].value = 600
    rng = np.random.default_rng(3)
    uniform = rng.uniform(1e-5, 10.0, size=600)
    log_uniform = sample_log_uniform(1e-5, 10.0, 600, rng)
    bars = explorer.artists
    heights_u = np.array([b.get_height() for b in bars["uniform_bars"]])
    heights_l = np.array([b.get_height() for b in bars["log_bars"]])
    # decades shown: 10^-6 .. 10^2; [a, b) = [-5, 1) are indices 1..6
    np.testing.assert_allclose(heights_u[1:7], decade_shares(uniform, -5, 1))
    np.testing.assert_allclose(heights_l[1:7], decade_shares(log_uniform, -5, 1))
    assert heights_u[0] == heights_u[7] == heights_l[0] == heights_l[7] == 0
    assert heights_u[6] > 0.85  # uniform: almost everything in the top decade
    np.testing.assert_allclose(heights_l[1:7], 1 / 6, atol=0.06)
    np.testing.assert_allclose(bars["log_strip"].get_offsets()[:, 0], log_uniform)
    # the expected shares: uniform proportional to the decade's width, log-uniform 1/6
    levels = bars["uniform_expected"].get_ydata()[::3]
    np.testing.assert_allclose(levels, 9 * 10.0 ** np.arange(-5, 1) / (10 - 1e-5))
    np.testing.assert_allclose(bars["log_expected"].get_ydata()[::3], 1 / 6)


def test_log_vs_uniform_shows_small_shares_and_unambiguous_ranges():
    explorer = log_vs_uniform_explorer()
    ax = explorer.live.ax["bars"]
    assert ax.get_yscale() == "log"
    assert ax.get_ylim()[0] < 1 / 2000  # one sample of the most (n = 2000) still shows
    explorer.controls["exponents"].value = (-6, 2)
    assert explorer.range_label.value == "samples in [10⁻⁶, 10²), 8 decades"
    assert explorer.controls["exponents"].readout is False  # no bare "-6 – 2"
    stats = explorer.stats.value
    assert "10⁻⁶–10⁻⁵" in stats and "10¹–10²" in stats
    assert stats.count("white-space:nowrap") == stats.count("<th") + stats.count("<td")


def test_log_vs_uniform_state_rejects_bad_exponents():
    with pytest.raises(ValueError, match="a < b"):
        log_vs_uniform_state(0, 0, 10, np.random.default_rng(0))


# ----------------------------------------------------------------------------- softmax


def test_softmax_explorer_shows_the_three_steps():
    explorer = softmax_explorer()
    explorer.controls["z2"].value = 4.5
    explorer.controls["temperature"].value = 2.0
    z = np.array([5.0, 4.5, -1.0, 3.0])
    expected = softmax(z[:, None] / 2.0)[:, 0]
    heights = [b.get_height() for b in explorer.artists["prob_bars"]]
    np.testing.assert_allclose(heights, expected)
    np.testing.assert_allclose([b.get_height() for b in explorer.artists["logit_bars"]], z)
    t = np.exp((z - 5.0) / 2.0)
    np.testing.assert_allclose([b.get_height() for b in explorer.artists["exp_bars"]], t)
    np.testing.assert_allclose(t / t.sum(), expected)
    assert [t.get_text() for t in explorer.artists["prob_labels"]] == [
        f"{p:.2f}" for p in expected
    ]
    assert "sum of a = 1.000000" in explorer.stats.value
    assert explorer.artists["uniform"].get_ydata()[0] == pytest.approx(1 / 4)
    for ax in explorer.live.axes:
        assert ax.get_ylabel() and ax.get_xlabel() == "class"


def test_softmax_temperature_limits():
    z = [1.0, 2.0, 3.0]
    np.testing.assert_allclose(softmax_probabilities(z, 1e3), 1 / 3, atol=1e-3)
    assert softmax_probabilities(z, 1e-2)[2] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="temperature"):
        softmax_probabilities(z, 0)


def test_decision_regions_explorer_shows_the_trained_regions():
    explorer = decision_regions_explorer(seed=2)
    explorer.controls["n_classes"].value = 4
    explorer.controls["steps"].value = 60
    state = explorer.state
    W, b, losses = train_softmax_regression(state.X, state.labels, 4, 60, 0.5)
    xs = np.linspace(-GRID_LIMIT, GRID_LIMIT, GRID_SIZE)
    X1, X2 = np.meshgrid(xs, xs)
    expected = predict(W, b, np.stack([X1.ravel(), X2.ravel()])).reshape(GRID_SIZE, GRID_SIZE)
    np.testing.assert_array_equal(np.asarray(explorer.artists["regions"].get_array()),
                                  REGION_RGB[expected])
    assert len({tuple(c) for c in REGION_RGB}) == len(REGION_RGB)  # one colour per class
    np.testing.assert_allclose(explorer.artists["loss"].get_ydata(), losses)
    assert losses[-1] < losses[0]
    assert set(np.unique(expected)) == {0, 1, 2, 3}
    accuracy = np.mean(predict(W, b, state.X) == state.labels)
    assert f"{accuracy:.1%}" in explorer.stats.value
    assert not explorer.artists["notice"].get_visible() and "diverged" not in explorer.stats.value
    ax = explorer.live.ax["loss"]
    assert 60 <= ax.get_xlim()[1] <= 2.5 * 60  # the step axis follows the steps


def test_decision_regions_explorer_state_is_decision_regions_state_at_every_step_count():
    explorer = decision_regions_explorer(seed=4)
    explorer.controls["learning_rate"].value = 1.0
    for steps in (90, 30, 0, 120):  # fewer steps after more: a prefix of the same descent
        explorer.controls["steps"].value = steps
        expected = decision_regions_state(3, 1.0, steps, 1.0, np.random.default_rng(4))
        np.testing.assert_array_equal(explorer.state.W, expected.W)
        np.testing.assert_array_equal(explorer.state.regions, expected.regions)
        assert explorer.state.losses == expected.losses


def test_decision_regions_loss_axis_follows_and_divergence_is_announced_at_alpha_2():
    explorer = decision_regions_explorer(seed=0)
    for name, value in (("n_classes", 5), ("spread", 3.0), ("steps", 300),
                        ("learning_rate", 2.0)):
        explorer.controls[name].value = value
    losses = explorer.state.losses
    assert losses[-1] > losses[0]  # the setting of the issue: the loss ends at 2.7 > ln 5
    ax = explorer.live.ax["loss"]
    assert ax.get_ylim()[1] >= max(losses)  # nothing off the plot
    assert ax.get_xlim()[1] == 300
    notice = explorer.artists["notice"]
    assert notice.get_visible() and notice.get_text() == "training diverged"
    assert "training diverged" in explorer.stats.value
    assert f"{losses[-1]:.2f}" in explorer.stats.value
    explorer.controls["learning_rate"].value = 0.5
    assert not explorer.artists["notice"].get_visible()
    assert "diverged" not in explorer.stats.value


# ----------------------------------------------------------------------------- all of them


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_explorer_is_a_layout_with_a_live_figure_that_blits(name):
    import ipywidgets as widgets

    explorer = EXPLORERS[name]()
    assert isinstance(explorer, widgets.VBox)
    assert explorer.live.canvas in explorer.children
    assert explorer.stats.value and explorer.error is None
    # The layout is frozen once built; once a front end is connected, the first draw caches
    # the background; after that a refresh only blits the animated artists (no full draw).
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    live = explorer.live
    assert isinstance(live.figure.get_layout_engine(), PlaceHolderLayoutEngine)
    positions = [ax.get_position().bounds for ax in live.axes]
    assert not live.connected and live._background is None  # nothing drawn before display
    live.canvas.syncing_data_url = False  # what ipympl does when the front end initialises
    live.canvas.draw()
    assert live._background is not None
    assert [ax.get_position().bounds for ax in live.axes] == positions
    full_draws = []
    original = type(live.canvas).draw
    live.canvas.draw = lambda: (full_draws.append(1), original(live.canvas))
    live.refresh()
    assert full_draws == []
    live.refresh(full=True)
    assert full_draws == [1]
    # every frame goes out whole (a skipped frame in the browser then cannot tear the next)
    live.canvas._png_is_old = True
    frame = live.canvas.get_diff_image()
    assert live.canvas._image_mode == "full"
    width, height = live.figure.bbox.size
    assert Image.open(io.BytesIO(frame)).size == (round(width), round(height))
    # the frame is the canvas's pixels exactly (opaque figure: sent as RGB)
    pixels = np.asarray(live.canvas.get_renderer().buffer_rgba())
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(frame))), pixels[..., :3])
    assert live.canvas.resizable is False


def test_canvas_sizes_are_whole_pixels_so_the_bitmap_is_not_stretched():
    # ipympl's front end truncates the bitmap's size and rounds the laid-out size: 4.6 in at
    # 100 dpi is 459.99999999999994 px, a 459-row bitmap stretched over 460 rows (Chromium
    # then left parts of the gamma/beta figure unpainted).
    assert 4.6 * 100 < 460
    inches = whole_pixels(4.6, 100)
    assert inches * 100 >= 460 and inches - 4.6 < 1e-14
    assert whole_pixels(5.4, 100) == 5.4  # 540.0000000000001 px already truncates to 540
    width, height = gamma_beta_explorer().live.canvas._size
    assert (int(width), int(height)) == (780, 460)


@pytest.mark.slow  # seven renders of every lesson: about a fifth of the fast tier's time
@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_explorer_has_lesson_stills_and_a_text_output(name, monkeypatch):
    explorer = EXPLORERS[name]()
    assert len(explorer.lessons) >= 2
    before = explorer.values()
    png = explorer.still()
    assert explorer.values() == before  # the controls are put back
    still = Image.open(io.BytesIO(png))
    frame = Image.open(io.BytesIO(explorer.live.png()))
    # one frame per lesson, each under a caption strip
    assert still.width == frame.width
    assert still.height == len(explorer.lessons) * (frame.height + 26)
    monkeypatch.delenv(STILLS_ENV, raising=False)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" not in bundle
    assert bundle["text/plain"] == f"{explorer.title} (run the notebook to move the sliders)"
    monkeypatch.setenv(STILLS_ENV, "1")
    assert base64.b64decode(explorer._repr_mimebundle_()["image/png"]) == png


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_explorer_describes_its_axes(name):
    explorer = EXPLORERS[name]()
    html = explorer.figure_summary.value
    data = json.loads(html.split('data-axes="', 1)[1].split('"', 1)[0].replace("&quot;", '"'))
    assert set(data) == {ax.get_label() for ax in explorer.live.axes}
    for ax in explorer.live.axes:
        entry = data[ax.get_label()]
        assert entry["xlim"] == pytest.approx(list(ax.get_xlim()))
        assert entry["ylim"] == pytest.approx(list(ax.get_ylim()))
        assert (entry["xscale"], entry["yscale"]) == (ax.get_xscale(), ax.get_yscale())


@pytest.mark.parametrize("opaque", [True, False])
def test_png_bytes_decodes_to_the_same_pixels(opaque):
    from course_kit.explorers._view import png_bytes

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(7, 11, 4), dtype=np.uint8)
    if opaque:
        pixels[..., 3] = 255
    decoded = Image.open(io.BytesIO(png_bytes(pixels)))
    decoded.load()  # checks the CRCs and the zlib stream
    assert decoded.mode == ("RGB" if opaque else "RGBA")
    np.testing.assert_array_equal(np.asarray(decoded), pixels[..., :3] if opaque else pixels)
