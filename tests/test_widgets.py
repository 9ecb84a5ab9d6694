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
import threading

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from course_kit.explorers._view import (
    MAX_STEPS_ACROSS,
    STILLS_ENV,
    FunctionError,
    call_function,
    follow_range,
    follow_upper,
    steps_across,
    whole_pixels,
)
from course_kit.explorers.batch_norm_explorer import (
    histogram,
    panel_limits,
    sample_preactivations,
)
from course_kit.explorers.ewa_explorer import LAGS
from course_kit.explorers.palette import VERMILLION
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
    GRID_XS,
    REGION_RGB,
    softmax_probabilities,
    train_softmax_regression,
    training_notice,
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


def _assert_panels_fit(explorer, state):
    """Each panel on axes of its own, fitted to its own data from the state alone: every value
    inside, filling at least 30 % of the width; the y range holds the tallest bar."""
    for key in ("z", "z_norm", "z_tilde"):
        ax, values = explorer.live.ax[key], getattr(state, key)
        (lo, hi), top = ax.get_xlim(), ax.get_ylim()[1]
        assert (lo, hi, top) == (*panel_limits(values)[0], panel_limits(values)[1])
        assert lo <= values.min() and values.max() <= hi
        assert values.max() - values.min() >= 0.3 * (hi - lo), key  # the data fill the width
        tallest = histogram(values, (lo, hi))[0].max()
        assert tallest <= top <= 2.5 * 1.1 * tallest, key  # and the height


def test_gamma_beta_explorer_histograms_and_overlays_follow_the_sliders():
    explorer = gamma_beta_explorer(seed=5)
    c = explorer.controls
    c["mean"].value = -1.2
    c["spread"].value = 0.8
    c["gamma"].value = 2.5
    c["beta"].value = 1.5
    c["batch_size"].value = 512
    c["distribution"].value = "bimodal"
    expected = gamma_beta_state("bimodal", -1.2, 0.8, 2.5, 1.5, 1e-5, 512, np.random.default_rng(5))
    _assert_panels_fit(explorer, expected)
    for key in ("z", "z_norm", "z_tilde"):
        limits = explorer.live.ax[key].get_xlim()
        heights, edges = histogram(getattr(expected, key), limits)
        np.testing.assert_allclose(_heights(explorer, key), heights)
        np.testing.assert_allclose(explorer.artists[key].get_data().edges, edges)
        # every value is inside the plotted range: the area is the whole batch
        assert np.sum(heights * np.diff(edges)) == pytest.approx(1.0)
        assert explorer.artists[f"{key}_mean"].get_xdata()[0] == pytest.approx(
            getattr(expected, key).mean()
        )
    limits = explorer.live.ax["z_tilde"].get_xlim()
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


@pytest.mark.parametrize("setting", [
    {"gamma": 0.1}, {"gamma": 4.0, "beta": 4.0}, {"distribution": "skewed", "spread": 2.5},
    {"spread": 0.25, "mean": -3.0},
])
def test_gamma_beta_every_panel_stays_readable(setting):
    # One shared x axis squashed two of the three panels at gamma = 0.1 or 4 and on skewed
    # data: each panel now has the scale of its own data.
    explorer = gamma_beta_explorer(seed=0)
    explorer.apply(setting)
    _assert_panels_fit(explorer, explorer.state)


def test_gamma_beta_limits_do_not_depend_on_the_path_taken():
    direct = gamma_beta_explorer(seed=0)
    direct.apply({"gamma": 2.0, "beta": 1.5})
    detour = gamma_beta_explorer(seed=0)
    for setting in ({"gamma": 4.0, "beta": -4.0}, {"gamma": 0.1}, {"gamma": 2.0, "beta": 1.5}):
        detour.apply(setting)
    assert [ax.get_xlim() for ax in detour.live.axes] == \
        [ax.get_xlim() for ax in direct.live.axes]
    assert [ax.get_ylim() for ax in detour.live.axes] == \
        [ax.get_ylim() for ax in direct.live.axes]
    assert detour.live.image.value == direct.live.image.value  # the same picture


def test_gamma_beta_update_from_another_thread_waits_for_the_one_drawing():
    # JupyterLab handles some widget messages on a kernel subshell, another thread: the
    # browser's echo of β arrived while the undo's full redraw (new limits) was drawing, and
    # blitted the old background under it (stacked tick labels that stayed until the next
    # change of limits).
    undo = {"mean": 2.3, "spread": 0.25, "gamma": 4.0, "beta": 4.0, "eps": 1.0,
            "batch_size": 2}
    explorer = gamma_beta_explorer(seed=0)
    explorer.apply(undo)
    identity = explorer.state.identity_gamma, explorer.state.mu
    explorer.controls["gamma"].value = identity[0]
    canvas, draw = explorer.live.canvas, explorer.live.canvas.draw
    echoes = []

    def draw_then_echo():
        draw()
        if not echoes:  # the echo comes in while this draw's frame is not yet sent
            echo = threading.Thread(target=setattr, args=(
                explorer.controls["beta"], "value", math.nextafter(identity[1], math.inf)))
            echoes.append(echo)
            echo.start()
            echo.join(timeout=0.5)

    canvas.draw = draw_then_echo
    explorer.controls["beta"].value = identity[1]
    echoes[0].join()
    clean = gamma_beta_explorer(seed=0)
    clean.apply({**undo, "gamma": identity[0], "beta": math.nextafter(identity[1], math.inf)})
    assert explorer.live.image.value == clean.live.image.value


def test_gamma_beta_labels_and_arrow_stay_in_the_figure_at_any_state():
    # after the browser test's moves and the undo: limits 2.26-2.34 and -0.04-0.04, wider
    # labels than the first state's "8" the layout was frozen on; 0 (the arrow's tail) off z̃'s
    explorer = gamma_beta_explorer(seed=0)
    explorer.apply({"mean": 2.3, "spread": 0.25, "eps": 1.0, "batch_size": 2})
    explorer.undo_button.click()
    live = explorer.live
    live.canvas.draw()
    renderer, width = live.canvas.get_renderer(), live.figure.bbox.width
    for ax in live.axes:
        low, high = ax.get_xlim()
        labels = [tick.label1 for tick in ax.xaxis.get_major_ticks()
                  if low <= tick.get_loc() <= high and tick.label1.get_text()]
        assert labels and all(0 <= label.get_window_extent(renderer).x0
                              and label.get_window_extent(renderer).x1 <= width
                              for label in labels), ax.get_label()
    picture = np.asarray(Image.open(io.BytesIO(live.image.value)).convert("RGB"), dtype=int)
    box = live.ax["z_tilde"].get_window_extent()
    top, bottom = round(picture.shape[0] - box.y1), round(picture.shape[0] - box.y0)
    left_of_axes = picture[top:bottom, : int(box.x0) - 1]
    vermillion = np.round(np.array(to_rgb(VERMILLION)) * 255)
    assert not np.any(np.all(np.abs(left_of_axes - vermillion) < 40, axis=2))


def test_gamma_beta_explorer_eps_and_new_batch():
    explorer = gamma_beta_explorer(seed=0)
    explorer.controls["spread"].value = 0.25
    explorer.controls["eps"].value = 1.0
    v = explorer.values()
    expected = gamma_beta_state(
        v["distribution"], v["mean"], 0.25, v["gamma"], v["beta"], 1.0, v["batch_size"],
        np.random.default_rng(0),
    )
    limits = explorer.live.ax["z_norm"].get_xlim()
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


def test_gamma_beta_undo_survives_a_browser_round_trip():
    # gamma and beta are continuous sliders: a browser does not snap the exact values the
    # button sets to a step (it did, to 0.001, leaving "undone up to rounding"); what comes
    # back may differ in the last bits only.
    explorer = gamma_beta_explorer(seed=2)
    assert explorer.controls["gamma"].step is None and explorer.controls["beta"].step is None
    explorer.undo_button.click()
    exact = explorer.state
    explorer.controls["gamma"].value = math.nextafter(exact.identity_gamma, 0)
    explorer.controls["beta"].value = math.nextafter(exact.mu, math.inf)
    assert "✓ z̃ = z: batch norm is undone" in explorer.stats.value
    explorer.controls["gamma"].value = exact.identity_gamma + 0.001
    assert "undone" not in explorer.stats.value


def unbiased(Z, gamma, beta, eps=1e-5):
    # a common mistake: the unbiased variance (1 / (m - 1))
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True, ddof=1)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)


def eps_outside_and_unbiased(Z, gamma, beta, eps=1e-5):
    # two common mistakes: eps outside the root, and the unbiased variance
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True, ddof=1)
    Z_norm = (Z - mu) / (np.sqrt(var) + eps)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)


def eps_outside(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_norm = (Z - mu) / (np.sqrt(var) + eps)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, beta, eps)


@pytest.mark.parametrize("wrong", [unbiased, eps_outside_and_unbiased, eps_outside])
def test_gamma_beta_verdict_checks_the_function_against_the_lecture(wrong):
    # gamma = sqrt(var + eps), beta = mu gives back z for ANY function that uses its own
    # variance: the green "undone" verdict must not be a wrong function's reward.
    explorer = gamma_beta_explorer(seed=0, batchnorm_forward=wrong)
    explorer.undo_button.click()
    assert explorer.state.max_abs_change < 1e-4  # z̃ looks like z all the same
    shown = html.unescape(explorer.stats.value)
    assert "undone" not in shown and "✓" not in shown and "#2a7d2a" not in shown
    assert "not the lecture's" in shown and "ε inside the root" in shown
    assert "not the lecture's" in html.unescape(explorer.description.value)
    right = gamma_beta_explorer(seed=0)
    right.undo_button.click()
    assert "✓ z̃ = z: batch norm is undone" in right.stats.value


def test_gamma_beta_explorer_runs_on_the_function_passed_in():
    calls = []

    def counted(*args):
        calls.append(args[0].shape)
        return unbiased(*args)

    explorer = gamma_beta_explorer(seed=1, batchnorm_forward=counted)
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
    assert explorer.live.image.layout.display == "none"  # no empty axes beside the message
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
    assert explorer.error is None and explorer.live.image.layout.display is None
    explorer.controls["batch_size"].value = 2
    assert explorer.error.startswith("batchnorm_forward raised IndexError: index 2")
    assert explorer.live.image.layout.display == "none"
    explorer.controls["batch_size"].value = 4
    assert explorer.error is None and explorer.live.image.layout.display is None
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


def test_ewa_window_slider_raises_beta_to_the_right_and_reaches_the_lecture_pairs():
    explorer = ewa_window_explorer(seed=1)
    options = explorer.controls["beta"].options
    betas = [beta for _label, beta in options]
    assert np.all(np.diff(betas) > 0)  # left to right: beta grows
    labels = dict((beta, label) for label, beta in options)
    # the lecture's pairs: 0.9 -> 0.9005 barely moves the window, 0.999 -> 0.9995 doubles it
    for low, high, ratio in ((0.9, 0.9005, 1.005), (0.999, 0.9995, 2.0)):
        assert labels[low] == f"{low:g}" and labels[high] == f"{high:g}"
        assert betas.index(high) == betas.index(low) + 1  # one key press apart
        explorer.controls["beta"].value = low
        explorer.controls["beta"].value = high
        assert explorer.state.window / explorer.previous.window == pytest.approx(ratio, rel=1e-3)
        assert f"changed × {ratio:.3g}" in explorer.stats.value
        assert f"changed × {ratio:.3g}" in explorer.description.value


def test_ewa_window_axes_show_the_blow_up_near_one():
    # On log-log axes the window was a straight line and 1000 -> 2000 a few pixels apart:
    # the window is now on a linear axis, beta on a logit axis (0.9, 0.99, 0.999 evenly).
    explorer = ewa_window_explorer(seed=1)
    ax = explorer.live.ax["window"]
    assert ax.get_yscale() == "linear" and ax.get_xscale() == "logit"
    low, high = ax.get_ylim()
    assert low == 0 and high >= 2000
    pixels = []
    for beta in (0.999, 0.9995):
        explorer.controls["beta"].value = beta
        px, py = explorer.artists["point"].get_data()
        assert ax.get_xlim()[0] < px[0] < ax.get_xlim()[1] and low < py[0] < high
        pixels.append(ax.transData.transform((px[0], py[0]))[1])
    assert pixels[1] - pixels[0] > 0.3 * ax.bbox.height  # the doubling is plain to see
    line = ax.get_lines()[0]
    x, y = line.get_data()
    assert x.max() >= 0.9995 and y.max() == pytest.approx(2000, rel=1e-6)


def test_ewa_series_panel_shows_every_point_and_its_legend_covers_none():
    explorer = ewa_window_explorer()
    ax = explorer.live.ax["series"]
    explorer.live.canvas.draw()
    legend = ax.get_legend().get_window_extent(explorer.live.canvas.get_renderer())
    legend_bottom = ax.transData.inverted().transform((0, legend.y0))[1]
    low, _high = ax.get_ylim()
    assert low < explorer.series.min() and explorer.series.max() < legend_bottom


def test_ewa_window_explorer_follows_beta():
    explorer = ewa_window_explorer(seed=1)
    for beta, window in ((0.9, 10.0), (0.99, 100.0), (0.999, 1000.0)):
        explorer.controls["beta"].value = beta
        assert explorer.state.beta == beta
        x, y = explorer.artists["point"].get_data()
        assert x[0] == pytest.approx(beta) and y[0] == pytest.approx(window)
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
        assert f"{window:,.2f}" in explorer.stats.value


def test_ewa_uncorrected_curve_is_apart_from_the_corrected_one_at_beta_09():
    explorer = ewa_window_explorer(seed=0)
    explorer.controls["beta"].value = 0.9
    start = explorer.live.ax["start"]
    v, corrected = explorer.artists["v_start"], explorer.artists["v_corrected_start"]
    # drawn on top of the corrected curve, and far below it over the first points
    assert v.get_zorder() >= corrected.get_zorder()
    assert start.get_lines().index(v) > start.get_lines().index(corrected)
    gap = corrected.get_ydata()[:5] - v.get_ydata()[:5]
    assert np.all(gap > 0.2 * (start.get_ylim()[1] - start.get_ylim()[0]) / 5)


def test_ewa_bias_correction_fixes_the_start():
    explorer = ewa_window_explorer(seed=0)
    explorer.controls["beta"].value = 0.999
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
    explorer.controls["beta"].value = 0.99
    assert seen[-2:] == [(pytest.approx(0.99), False), (pytest.approx(0.99), True)]
    assert explorer.state.window == pytest.approx(200.0)
    assert explorer.artists["point"].get_data()[1][0] == pytest.approx(200.0)
    line = explorer.live.ax["window"].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), 2 / (1 - line.get_xdata()))


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


def test_coarse_to_fine_baseline_is_typical_over_seeds_not_one_lucky_draw():
    # At seed 0 flat search's first trial scores 9.0e-3 and nothing in 240 trials beats it:
    # the explorer compares with the median (and 10-90 % band) over 100 seeds instead.
    explorer = coarse_to_fine_explorer(seed=0)
    explorer.controls["n_rounds"].value = 5
    finals = {"c2f": [], "flat": []}
    curves = {"c2f": [], "flat": []}
    for seed in range(100):
        best, score, _ = coarse_to_fine(valley_objective, LOW, HIGH, 12, 5, 0.4,
                                        np.random.default_rng(seed))
        _, _, history = random_search(
            valley_objective, lambda r: random_search_points(LOW, HIGH, 1, r)[0], 60,
            np.random.default_rng(seed),
        )
        flat = np.minimum.accumulate([s for _, s in history])
        finals["c2f"].append(score)
        finals["flat"].append(flat[-1])
        curves["flat"].append(flat)
    np.testing.assert_allclose(explorer.artists["flat_median"].get_ydata(),
                               np.median(curves["flat"], axis=0))
    assert explorer.artists["c2f_median"].get_ydata()[-1] == pytest.approx(
        np.median(finals["c2f"]))
    band = explorer.artists["flat_band"].get_xy()
    assert band[:, 1].max() == pytest.approx(np.quantile(curves["flat"], 0.9, axis=0).max())
    stats = explorer.stats.value
    assert (f"coarse to fine {np.median(finals['c2f']):.2e}, flat random search "
            f"{np.median(finals['flat']):.2e}") in stats
    assert "same 60 trials" in stats
    assert explorer.live.ax["curve"].get_ylim()[0] <= explorer.state.best_score


def test_coarse_to_fine_lesson_caption_holds_over_seeds():
    explorer = coarse_to_fine_explorer(seed=0)
    caption, setting = explorer.lessons[1]
    explorer.apply(setting)
    c2f = explorer.artists["c2f_median"].get_ydata()[-1]
    flat = explorer.artists["flat_median"].get_ydata()[-1]
    assert "stalls" not in caption and "median" in caption
    assert round(flat / c2f, -1) == 90 and "~90×" in caption


def test_coarse_to_fine_marks_the_optimum_and_names_the_rounds():
    explorer = coarse_to_fine_explorer()
    for view in ("map", "zoom"):
        marks = [line for line in explorer.live.ax[view].get_lines()
                 if line.get_label() == "optimum"]
        assert len(marks) == 1
        np.testing.assert_allclose(np.ravel(marks[0].get_data()), VALLEY_CENTRE)
    legend = [t.get_text() for t in explorer.live.figure.legends[0].get_texts()]
    assert "optimum" in legend and "best point" in legend
    # each box carries its round's number (colour is not the only cue)
    explorer.controls["n_rounds"].value = 6
    for k in range(6):
        number = explorer.artists[f"map_number{k}"]
        low, high = explorer.state.boxes[k]
        assert number.get_text() == str(k + 1) and number.get_visible()
        assert number.get_position() == pytest.approx((low[0], high[1]))
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


def test_log_vs_uniform_bars_are_on_a_linear_axis_and_ranges_unambiguous():
    # On a log axis 90 % and 25 % bars looked alike: the lesson needs a linear axis.
    explorer = log_vs_uniform_explorer()
    ax = explorer.live.ax["bars"]
    assert ax.get_yscale() == "linear" and ax.get_ylim() == (0, 1.05)
    uniform = [b.get_height() for b in explorer.artists["uniform_bars"]]
    log = [b.get_height() for b in explorer.artists["log_bars"]]
    assert max(uniform) > 3 * max(log)  # 90 % against 25 %: three times as tall
    assert "90% in the top decade" in explorer.description.value
    explorer.controls["exponents"].value = (-6, 2)
    assert explorer.range_label.value == "samples in [10⁻⁶, 10²), 8 decades"
    assert explorer.controls["exponents"].readout is False  # no bare "-6 – 2"
    stats = explorer.stats.value
    assert "10⁻⁶–10⁻⁵" in stats and "10¹–10²" in stats
    assert stats.count("white-space:nowrap") == stats.count("<th") + stats.count("<td")


def test_log_vs_uniform_says_when_the_handles_meet():
    # a = b froze the explorer: the label kept "8 decades" and the ValueError was lost
    explorer = log_vs_uniform_explorer()
    explorer.controls["exponents"].value = (-6, 2)
    explorer.controls["exponents"].value = (0, 0)
    for shown in (explorer.range_label.value, explorer.stats.value,
                  explorer.description.value):
        assert "a = b = 0" in shown and "at least one decade apart" in shown
    assert "8 decades" not in explorer.range_label.value
    explorer.controls["exponents"].value = (-2, 0)
    assert explorer.range_label.value == "samples in [10⁻², 10⁰), 2 decades"


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
    t = np.exp(z / 2.0)
    np.testing.assert_allclose([b.get_height() for b in explorer.artists["exp_bars"]], t)
    np.testing.assert_allclose(t / t.sum(), expected)
    assert [t.get_text() for t in explorer.artists["prob_labels"]] == [
        f"{p:.2f}" for p in expected
    ]
    assert "sum of a = 1.000000" in explorer.stats.value
    assert explorer.artists["uniform"].get_ydata()[0] == pytest.approx(1 / 4)
    for ax in explorer.live.axes:
        assert ax.get_ylabel() and ax.get_xlabel() == "class"


def test_softmax_explorer_shows_the_lectures_numbers():
    # The lecture's z = (5, 2, -1, 3): t = e^z = (148.4, 7.4, 0.4, 20.1), sum 176.3.
    explorer = softmax_explorer()
    t = [b.get_height() for b in explorer.artists["exp_bars"]]
    np.testing.assert_allclose(t, np.exp([5.0, 2.0, -1.0, 3.0]))
    assert explorer.artists["exp_sum"].get_text() == "Σt = 176.3"
    assert "Σt = 176.3" in explorer.stats.value and "148.4" in explorer.stats.value
    assert "sum 176.3" in explorer.description.value
    ax = explorer.live.ax["t"]
    assert max(t) <= ax.get_ylim()[1] <= 2.5 * max(t)  # every bar on the plot
    # T = 10 is flatter, not "nearly uniform": the caption gives the numbers
    caption = [c for c, setting in explorer.lessons if setting == {"temperature": 10.0}][0]
    assert "nearly uniform" not in caption
    explorer.controls["temperature"].value = 10.0
    a = explorer.state
    assert f"({', '.join(f'{p:.2f}' for p in a)})" in caption


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


def test_decision_regions_oscillation_is_not_called_divergence_at_alpha_2():
    explorer = decision_regions_explorer(seed=0)
    for name, value in (("n_classes", 5), ("spread", 3.0), ("steps", 300),
                        ("learning_rate", 2.0)):
        explorer.controls[name].value = value
    losses = explorer.state.losses
    assert losses[-1] > losses[0]  # it ends above ln 5 ...
    assert max(losses) < 4  # ... but stays bounded, jumping up and down
    ax = explorer.live.ax["loss"]
    assert ax.get_ylim()[1] >= max(losses)  # nothing off the plot
    assert ax.get_xlim()[1] == 300
    notice = explorer.artists["notice"]
    assert notice.get_visible() and notice.get_text() == "training oscillates"
    assert "training oscillates" in explorer.stats.value and "diverged" not in explorer.stats.value
    assert "stays above the start" in explorer.stats.value
    explorer.controls["learning_rate"].value = 0.5
    assert not explorer.artists["notice"].get_visible()
    assert "oscillates" not in explorer.stats.value


@pytest.mark.parametrize(("losses", "headline"), [
    ([1.1 * 1.5**k for k in range(40)], "training diverged"),
    ([1.1, 2.0, float("inf")], "training diverged"),
    ([1.1] + [0.6 + 0.3 * (k % 2) for k in range(40)], "training oscillates"),
    ([1.1, 1.5, 0.9] + [0.8 - 0.01 * k for k in range(40)], "training is unstable"),
    ([1.1 - 0.02 * k for k in range(40)], None),
])
def test_training_notice_names_what_the_loss_did(losses, headline):
    notice = training_notice(losses)
    assert (notice[0] if notice else None) == headline


def test_decision_regions_at_zero_steps_has_an_integer_step_axis():
    explorer = decision_regions_explorer(seed=0)
    explorer.controls["steps"].value = 0
    ax = explorer.live.ax["loss"]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks) and ax.get_xlim()[1] >= 10
    assert "No steps yet" in explorer.description.value


# ----------------------------------------------------------------------------- all of them


def _tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _tree(child)


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_explorer_is_a_layout_with_an_image_figure_that_blits(name):
    import ipywidgets as widgets

    explorer = EXPLORERS[name]()
    assert isinstance(explorer, widgets.VBox)
    # The figure is an <img> (ipywidgets.Image): Tab passes through it. An ipympl canvas
    # took the focus and kept it for 19 presses, and drew stale tick labels in JupyterLab.
    assert isinstance(explorer.live.image, widgets.Image) and explorer.live.image in \
        explorer.children
    assert not any(type(w).__module__.startswith("ipympl") for w in _tree(explorer))
    assert not explorer.live.image.tooltip  # ipywidgets 8.1's ImageView fails to render one
    assert explorer.stats.value and explorer.error is None
    # The layout is frozen once built; a refresh only blits the animated artists (no full
    # draw) over the background the last full draw kept.
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    live = explorer.live
    assert isinstance(live.figure.get_layout_engine(), PlaceHolderLayoutEngine)
    positions = [ax.get_position().bounds for ax in live.axes]
    live.refresh(full=True)
    assert live._background is not None
    assert [ax.get_position().bounds for ax in live.axes] == positions
    full_draws = []
    original = type(live.canvas).draw
    live.canvas.draw = lambda: (full_draws.append(1), original(live.canvas))
    live.refresh()
    assert full_draws == []
    live.refresh(full=True)
    assert full_draws == [1]
    # every frame goes out whole, and is the canvas's pixels exactly (opaque: sent as RGB)
    frame = live.image.value
    width, height = live.figure.bbox.size
    assert Image.open(io.BytesIO(frame)).size == (round(width), round(height))
    pixels = np.asarray(live.canvas.buffer_rgba())
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(frame))), pixels[..., :3])


@pytest.mark.parametrize("make, name, control, values, limits", [
    # the t axis follows the largest t = e^z: z2 moves under it, z1 moves it (top 200, 500)
    (softmax_explorer, "t", "z2", (2.25, 2.0), ("z1", 5.25, 5.0)),
    # the loss axes follow the steps: 40 -> 45 keeps them (right end 50), 0 -> 5 does not
    (decision_regions_explorer, "loss", "steps", (45, 40), ("steps", 150, 40)),
])
def test_an_animated_axis_is_drawn_again_only_when_its_limits_change(make, name, control,
                                                                      values, limits):
    # Axes that follow the data are animated, so a change of limits needs no full redraw;
    # drawing them on every frame cost 15-60 ms a slider move (three ticked axes). Now each
    # is drawn over the background once per change of limits, and that picture is reused.
    explorer = make()
    live = explorer.live
    axes = [artist for artist in live._animated if hasattr(artist, "get_view_interval")]
    assert live.ax[name] in {axis.axes for axis in axes}
    live.refresh()  # the layout is frozen after the first frame: a full draw if it moved
    drawn = []
    for axis in axes:
        axis.draw = lambda renderer, draw=axis.draw: (drawn.append(1), draw(renderer))
    first_frame = live.image.value
    for value in values:
        explorer.controls[control].value = value
    assert drawn == [] and live.frames >= 1 + len(values)
    assert live.image.value == first_frame  # back where it started: the same pixels
    key, moved, back = limits
    before = live.ax[name].get_ylim() + live.ax[name].get_xlim()
    explorer.controls[key].value = moved
    assert live.ax[name].get_ylim() + live.ax[name].get_xlim() != before
    assert len(drawn) == len(axes)
    explorer.controls[key].value = back
    assert len(drawn) == 2 * len(axes)
    assert live.image.value == first_frame


def test_figure_sizes_are_whole_pixels_so_the_image_is_not_stretched():
    # Agg truncates the bitmap's size while the page lays the image out at the size rounded:
    # 4.6 in at 100 dpi is 459.99999999999994 px, a 459-row bitmap stretched over 460 rows.
    assert 4.6 * 100 < 460
    inches = whole_pixels(4.6, 100)
    assert inches * 100 >= 460 and inches - 4.6 < 1e-14
    assert whole_pixels(5.4, 100) == 5.4  # 540.0000000000001 px already truncates to 540
    explorer = gamma_beta_explorer()
    assert Image.open(io.BytesIO(explorer.live.image.value)).size == (780, 480)
    assert explorer.live.image.layout.width == "780px"


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_control_is_named_and_crosses_its_range_in_a_few_key_presses(name):
    # WCAG 2.1 A: each control says what it sets; gamma moved 0.001 per arrow key (780
    # presses across). noUiSlider's PageUp moves 5 steps: at most 100 steps, 20 presses.
    explorer = EXPLORERS[name]()
    for key, control in explorer.controls.items():
        assert control.description.strip(), key
        assert len(control.tooltip) >= 10, key  # in words, beyond the symbol
        if "Slider" in type(control).__name__:
            assert steps_across(control) <= MAX_STEPS_ACROSS, (key, steps_across(control))


def test_a_live_explorer_brings_the_sliders_accessible_names(monkeypatch):
    # ipywidgets 8.1 gives a slider handle no accessible name and reads its value as
    # "1.0000000000000002": each explorer's output adds the script that names them.
    import IPython.display

    from course_kit.explorers._view import ACCESSIBILITY_SCRIPT

    shown = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, **kwargs: shown.append((obj, kwargs)))
    monkeypatch.delenv(STILLS_ENV, raising=False)
    explorer = softmax_explorer()
    explorer._ipython_display_()
    (bundle, options), (script, _) = shown
    assert "application/vnd.jupyter.widget-view+json" in bundle and options["raw"]
    assert script.data == ACCESSIBILITY_SCRIPT
    for attribute in ('"aria-label"', '"aria-valuetext"', ".widget-readout", ".noUi-handle",
                      '"alt"', ".explorer-figure-text"):
        assert attribute in ACCESSIBILITY_SCRIPT
    shown.clear()
    monkeypatch.setenv(STILLS_ENV, "1")  # a saved notebook keeps the stills, not the script
    explorer._ipython_display_()
    assert len(shown) == 1 and "image/png" in shown[0][0]


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_explorer_says_what_its_figure_shows(name):
    # The hidden summary listed only axis limits: each explorer now says, in words under its
    # figure, what the current state shows, with its numbers; a move changes the words.
    explorer = EXPLORERS[name]()
    text = html.unescape(explorer.description.value)
    assert len(text) > 80 and any(ch.isdigit() for ch in text)
    first_slider = next(c for c in explorer.controls.values() if "Slider" in type(c).__name__)
    if hasattr(first_slider, "options"):
        options = [o[1] if isinstance(o, tuple) else o for o in first_slider.options]
        first_slider.value = options[0] if first_slider.value != options[0] else options[-1]
    elif isinstance(first_slider.value, tuple):
        first_slider.value = (first_slider.min, first_slider.max)
    else:
        first_slider.value = first_slider.max
    assert html.unescape(explorer.description.value) != text


def test_one_palette_that_survives_colour_blindness():
    from course_kit.explorers.palette import IDEAS, min_distance
    from course_lib.experiments._common import COLORS
    from course_lib.widgets.softmax_explorers import CLASS_COLORS
    from course_lib.widgets.tuning_explorer import ROUND_COLORS

    # tab10's five classes came within 5-7 ΔE of each other under deuteranopia/protanopia
    assert min_distance(("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"),
                        "deuteranopia") < 10
    for deficiency in (None, "deuteranopia", "protanopia"):
        assert min_distance(CLASS_COLORS, deficiency) >= 15
        assert min_distance(ROUND_COLORS, deficiency) >= 15
        assert min_distance(REGION_RGB / 255, deficiency) >= 7  # the pale regions ...
        for a, b in (("uniform", "log"), ("grid", "random"), ("flat", "c2f"), ("plain", "bn")):
            assert min_distance((IDEAS[a], IDEAS[b]), deficiency) >= 60
    # ... are numbered: each class's label sits inside its own region
    explorer = decision_regions_explorer()
    explorer.controls["n_classes"].value = 5
    for k, label in enumerate(explorer.artists["region_labels"]):
        assert label.get_text() == str(k + 1) and label.get_visible()
        x, y = label.get_position()
        column, row = (np.abs(GRID_XS - x).argmin(), np.abs(GRID_XS - y).argmin())
        assert explorer.state.regions[row, column] == k
    assert COLORS == IDEAS  # the experiments' figures use the same colour per idea
    # the same idea has the same colour in explorer and experiment figure
    explorer = log_vs_uniform_explorer()
    assert explorer.artists["uniform_bars"][0].get_facecolor()[:3] == pytest.approx(
        to_rgb(IDEAS["uniform"]))
    assert explorer.artists["log_bars"][0].get_facecolor()[:3] == pytest.approx(
        to_rgb(IDEAS["log"]))


def test_colour_blind_simulation_matches_a_known_value():
    from course_kit.explorers.palette import simulate

    # Machado et al. (2009): pure red seen with deuteranopia is a dark olive, equal R and G
    seen = simulate([1.0, 0.0, 0.0], "deuteranopia")
    assert seen[0] == pytest.approx(seen[1], abs=0.08) and seen[2] < 0.1
    np.testing.assert_allclose(simulate([1.0, 1.0, 1.0], "protanopia"), 1.0, atol=0.01)


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_text_in_a_still_is_at_least_12_px(name):
    from matplotlib.text import Text

    from course_kit.explorers._view import DPI

    explorer = EXPLORERS[name]()
    assert explorer.live.figure.get_figwidth() * DPI == 780  # the still's width in pixels
    sizes = [t.get_fontsize() * DPI / 72 for t in explorer.live.figure.findobj(Text)
             if t.get_text().strip()]
    assert min(sizes) >= 12


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
    bundle, metadata = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == png
    # the stills' alt text says each lesson (nbconvert writes it into the <img>)
    alt = metadata["image/png"]["alt"]
    assert alt.startswith(explorer.title)
    assert all(caption in alt for caption, _setting in explorer.lessons)


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
        explorer.live.canvas.draw()  # an axes of fixed aspect takes its drawn place in a draw
        box = ax.get_position()  # from the bottom left; the summary's from the top left
        assert entry["box"] == pytest.approx([box.x0, 1 - box.y1, box.x1, 1 - box.y0], abs=1e-4)


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

