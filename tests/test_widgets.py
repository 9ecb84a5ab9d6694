"""The explorers of course_lib.widgets, driven from Python.

Each test moves a control and checks that what the figure shows (histogram heights, line data,
bar heights, printed numbers) is what the pure functions and course_lib compute for the new
values; the expectation is never read back from the widget itself.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from course_lib.batch_norm import batchnorm_forward
from course_lib.scale import effective_window, ewa, sample_log_uniform
from course_lib.softmax import predict, softmax
from course_lib.tuning import coarse_to_fine, grid_search_points, random_search_points
from course_lib.widgets import (
    EXPLORERS,
    coarse_to_fine_explorer,
    decision_regions_explorer,
    ewa_window_explorer,
    gamma_beta_explorer,
    grid_vs_random_explorer,
    log_vs_uniform_explorer,
    softmax_explorer,
)
from course_lib.widgets.batch_norm_explorer import (
    gamma_beta_state,
    histogram,
    sample_preactivations,
)
from course_lib.widgets.ewa_explorer import beta_from_r
from course_lib.widgets.sampling_explorer import decade_shares, log_vs_uniform_state
from course_lib.widgets.softmax_explorer import (
    GRID_LIMIT,
    GRID_SIZE,
    softmax_probabilities,
    train_softmax_regression,
)
from course_lib.widgets.tuning_explorer import (
    HIGH,
    LOW,
    coarse_to_fine_state,
    one_axis_objective,
    valley_objective,
)

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


def test_gamma_beta_explorer_histograms_follow_the_sliders():
    explorer = gamma_beta_explorer(seed=5)
    c = explorer.controls
    c["mean"].value = -1.2
    c["spread"].value = 0.8
    c["gamma"].value = 2.5
    c["beta"].value = 1.5
    c["batch_size"].value = 500
    c["distribution"].value = "bimodal"
    expected = gamma_beta_state("bimodal", -1.2, 0.8, 2.5, 1.5, 1e-5, 500, np.random.default_rng(5))
    for key in ("z", "z_norm", "z_tilde"):
        heights, edges = histogram(getattr(expected, key))
        np.testing.assert_allclose(_heights(explorer, key), heights)
        np.testing.assert_allclose(explorer.artists[key].get_data().edges, edges)
        assert explorer.artists[f"{key}_mean"].get_xdata()[0] == pytest.approx(
            getattr(expected, key).mean()
        )
        # the y axis holds the tallest bar
        assert explorer.artists[key].axes.get_ylim()[1] >= heights.max()
    np.testing.assert_allclose(_heights(explorer, "z_ghost"), histogram(expected.z)[0])
    assert f"{expected.z.mean():+.3f}" in explorer.stats.value
    assert f"{expected.z_tilde.std():.3f}" in explorer.stats.value  # = gamma * std(z_norm)
    assert "σ² = " + f"{expected.var:.4f}" in explorer.stats.value


def test_gamma_beta_explorer_eps_and_new_batch():
    explorer = gamma_beta_explorer(seed=0)
    explorer.controls["spread"].value = 0.25
    explorer.controls["eps"].value = 1.0
    v = explorer.values()
    expected = gamma_beta_state(
        v["distribution"], v["mean"], 0.25, v["gamma"], v["beta"], 1.0, v["batch_size"],
        np.random.default_rng(0),
    )
    np.testing.assert_allclose(_heights(explorer, "z_norm"), histogram(expected.z_norm)[0])
    assert expected.z_norm.std() < 0.3  # eps = 1 dominates var = 0.0625
    before = _heights(explorer, "z").copy()
    explorer.new_batch_button.click()
    assert explorer.controls["seed"].value == 1
    again = gamma_beta_state(
        v["distribution"], v["mean"], 0.25, v["gamma"], v["beta"], 1.0, v["batch_size"],
        np.random.default_rng(1),
    )
    np.testing.assert_allclose(_heights(explorer, "z"), histogram(again.z)[0])
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


# ----------------------------------------------------------------------------- 1 / (1 - beta)


def test_ewa_window_explorer_follows_r():
    explorer = ewa_window_explorer(seed=1)
    for r, window in ((-1.0, 10.0), (-2.0, 100.0), (-3.0, 1000.0)):
        explorer.controls["r"].value = r
        beta = 1 - 10.0**r
        assert explorer.state.beta == pytest.approx(beta)
        x, y = explorer.artists["point"].get_data()
        assert x[0] == pytest.approx(beta) and y[0] == pytest.approx(window)
        assert y[0] == pytest.approx(effective_window(beta))
        np.testing.assert_allclose(explorer.artists["v"].get_ydata(), ewa(explorer.series, beta))
        np.testing.assert_allclose(
            explorer.artists["v_corrected"].get_ydata(),
            ewa(explorer.series, beta, bias_correction=True),
        )
        assert explorer.artists["window"].get_width() == pytest.approx(window)
        assert f"{beta:.5f}" in explorer.stats.value
        assert f"{window:,.1f}" in explorer.stats.value
    assert beta_from_r(-1) == pytest.approx(0.9)


def test_ewa_bias_correction_fixes_the_start():
    explorer = ewa_window_explorer(seed=0)
    explorer.controls["r"].value = -3.0
    state = explorer.state
    # Without correction v_1 = (1 - beta) x_1, far below the data; corrected v_1 = x_1.
    assert state.v[0] == pytest.approx(0.001 * explorer.series[0])
    assert state.v_corrected[0] == pytest.approx(explorer.series[0])


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
    assert "<td style='padding:0 0.8em;font-family:monospace'>5</td>" in stats  # grid: n distinct
    assert stats.count(">25<") == 3  # 25 trials twice, 25 distinct random values
    assert f"{one_axis_objective(best):.4f}" in stats


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
    for k in range(6):
        rect = explorer.artists[f"box{k}"]
        assert rect.get_visible() == (k < 4)
        if k < 4:
            low, high = boxes[k]
            assert (rect.get_x(), rect.get_y()) == pytest.approx(tuple(low))
            assert (rect.get_width(), rect.get_height()) == pytest.approx(tuple(high - low))
            assert len(explorer.artists[f"points{k}"].get_offsets()) == 10
    x, y = explorer.artists["best"].get_data()
    assert (x[0], y[0]) == pytest.approx(tuple(best_point))
    curve = explorer.artists["curve"].get_ydata()
    assert curve[-1] == pytest.approx(best_score)
    assert np.all(np.diff(curve) <= 0)
    # the recorded points are exactly the ones coarse_to_fine scored, round by round
    state = coarse_to_fine_state(10, 4, 0.5, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    first = random_search_points(LOW, HIGH, 10, rng)
    np.testing.assert_allclose(state.rounds[0], first)


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


def test_log_vs_uniform_state_rejects_bad_exponents():
    with pytest.raises(ValueError, match="a < b"):
        log_vs_uniform_state(0, 0, 10, np.random.default_rng(0))


# ----------------------------------------------------------------------------- softmax


def test_softmax_explorer_bars_are_softmax_of_the_logits():
    explorer = softmax_explorer()
    explorer.controls["z2"].value = 4.5
    explorer.controls["temperature"].value = 2.0
    z = np.array([5.0, 4.5, -1.0, 3.0])
    expected = softmax(z[:, None] / 2.0)[:, 0]
    heights = [b.get_height() for b in explorer.artists["prob_bars"]]
    np.testing.assert_allclose(heights, expected)
    np.testing.assert_allclose([b.get_height() for b in explorer.artists["logit_bars"]], z)
    assert [t.get_text() for t in explorer.artists["prob_labels"]] == [
        f"{p:.2f}" for p in expected
    ]
    assert "sum of a = 1.000000" in explorer.stats.value


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
    np.testing.assert_array_equal(np.asarray(explorer.artists["regions"].get_array()), expected)
    np.testing.assert_allclose(explorer.artists["loss"].get_ydata(), losses)
    assert losses[-1] < losses[0]
    assert set(np.unique(expected)) == {0, 1, 2, 3}
    accuracy = np.mean(predict(W, b, state.X) == state.labels)
    assert f"{accuracy:.1%}" in explorer.stats.value


# ----------------------------------------------------------------------------- all of them


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_every_explorer_is_a_layout_with_a_live_figure_and_a_still(name):
    import ipywidgets as widgets

    explorer = EXPLORERS[name]()
    assert isinstance(explorer, widgets.VBox)
    assert explorer.live.canvas in explorer.children
    assert explorer.stats.value
    png = explorer.snapshot().data
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # Once a front end is connected, the first draw freezes the layout and caches the
    # background; after that a refresh only blits the animated artists (no full draw).
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    live = explorer.live
    assert not live.connected and live._background is None  # nothing drawn before display
    live.canvas.syncing_data_url = False  # what ipympl does when the front end initialises
    live.canvas.draw()
    assert live._background is not None
    assert isinstance(live.figure.get_layout_engine(), PlaceHolderLayoutEngine)
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
    from PIL import Image

    width, height = live.figure.bbox.size
    assert Image.open(io.BytesIO(frame)).size == (round(width), round(height))
    # the frame is the canvas's pixels exactly (opaque figure: sent as RGB)
    pixels = np.asarray(live.canvas.get_renderer().buffer_rgba())
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(frame))), pixels[..., :3])


@pytest.mark.parametrize("opaque", [True, False])
def test_png_bytes_decodes_to_the_same_pixels(opaque):
    from PIL import Image

    from course_lib.widgets._view import png_bytes

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(7, 11, 4), dtype=np.uint8)
    if opaque:
        pixels[..., 3] = 255
    decoded = Image.open(io.BytesIO(png_bytes(pixels)))
    decoded.load()  # checks the CRCs and the zlib stream
    assert decoded.mode == ("RGB" if opaque else "RGBA")
    np.testing.assert_array_equal(np.asarray(decoded), pixels[..., :3] if opaque else pixels)


def test_gamma_beta_undo_survives_the_browser_snapping_sliders_to_their_step():
    # A browser snaps gamma and beta to the slider step after the button sets them.
    from course_lib.widgets.batch_norm_explorer import GAMMA_BETA_STEP

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
