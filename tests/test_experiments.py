"""Tests of course_lib.experiments on the quick runs.

Where a claim is robust on a quick run its direction is asserted (never a number); where it is
not (noted per test) the mechanics are: shapes, ranges, determinism for a seed.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from course_lib import experiments  # noqa: E402
from course_lib.experiments import NAMES, ExperimentResult, SummaryRow  # noqa: E402
from tests.support import run_python  # noqa: E402

_CACHE: dict[str, ExperimentResult] = {}


def quick(name: str) -> ExperimentResult:
    """The quick run of ``name`` with seed 0, computed once per test session."""
    if name not in _CACHE:
        _CACHE[name] = experiments.run(name, seed=0, quick=True)
    return _CACHE[name]


# --- every experiment: the result's shape, the figure, the summary ------------------------

@pytest.mark.parametrize("name", NAMES)
def test_result_has_numbers_figure_and_summary_rows(name):
    result = quick(name)
    assert result.name == name and result.quick
    assert isinstance(result.figure, Figure)
    assert isinstance(result.summary, SummaryRow) and result.summary is result.rows[0]
    for row in result.rows:
        assert row.experiment == name and row.claim and row.measured
        assert isinstance(row.confirmed, bool)
    for ax in result.figure.axes:
        if ax.has_data() and ax.get_label() != "<colorbar>":
            assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: an axis without labels"
    # a quick run's figure says so (its numbers contradicted the full run's, unlabelled)
    assert "QUICK RUN" in result.figure.get_suptitle()


def test_registry_lists_eight_experiments_and_rejects_unknown_names():
    assert len(NAMES) == 8 and len(set(NAMES)) == 8
    with pytest.raises(ValueError, match="choose one of"):
        experiments.run("no_such_experiment")


def test_outputs_are_written(tmp_path):
    results = [quick("coarse_to_fine"), quick("softmax_vs_logistic")]
    experiments.write_outputs(results, tmp_path)
    assert (tmp_path / "coarse_to_fine.png").stat().st_size > 0
    assert (tmp_path / "softmax_vs_logistic.png").stat().st_size > 0
    table = (tmp_path / "summary.md").read_text().splitlines()
    assert table[0] == f"**{experiments.QUICK_LABEL}**" and table[1] == ""  # says "quick"
    assert len(table) == 4 + sum(len(r.rows) for r in results)
    csv_lines = (tmp_path / "summary.csv").read_text().splitlines()
    assert csv_lines[0] == "experiment,claim,measured,confirmed"
    assert all(line.endswith((",yes", ",no")) for line in csv_lines[1:])


@pytest.mark.parametrize("name", NAMES)
def test_figure_fits_a_notebook_column_with_readable_text(name):
    fig = quick(name).figure
    assert fig.get_size_inches()[0] * fig.dpi <= 850  # shown at its own size, not shrunk
    fig.draw_without_rendering()
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    rows: dict[float, int] = {}
    for ax in panels:
        top = round(ax.get_position().y1, 2)
        rows[top] = rows.get(top, 0) + 1
    assert max(rows.values()) <= 2, f"{name}: more than two panels in a row"
    legends = [ax.get_legend() for ax in panels if ax.get_legend()] + fig.legends
    for legend in legends:
        for text in legend.get_texts():
            assert text.get_fontsize() * fig.dpi / 72 >= 10, f"{name}: legend text under 10 px"


def test_coarse_to_fine_trap_panel_marks_the_optimum_and_the_best_point():
    result = quick("coarse_to_fine")
    trap = result.figure.axes[2]
    example = result.numbers["two basins"]
    marks = {line.get_label(): np.ravel(line.get_data()) for line in trap.get_lines()}
    surface = example["example_surface"]
    np.testing.assert_allclose(marks["optimum (the narrow, deep basin)"],
                               surface.centres[np.argmax(surface.depths)])
    np.testing.assert_allclose(marks["best point found"], example["example_best"])


def test_random_vs_grid_median_curve_is_not_cut():
    result = quick("random_vs_grid")
    ax = result.figure.axes[2]
    low, high = ax.get_ylim()
    n = result.numbers
    assert low <= min(n["best_median"].min(), n["best_q25"].min()) and high >= 1.0


# --- the CLI ------------------------------------------------------------------------------

def _cli(*args: str):
    return run_python("-m", "course_lib.experiments", *args)


def test_cli_unknown_name_is_one_line_and_exit_code_2():
    done = _cli("no_such_experiment")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert all(name in lines[0] for name in NAMES)


def test_cli_runs_one_quick_experiment(tmp_path):
    done = _cli("softmax_vs_logistic", "--quick", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "softmax_vs_logistic.png").exists()
    assert "softmax_vs_logistic" in done.stdout and "| yes |" in done.stdout


# --- determinism --------------------------------------------------------------------------

def _flat(numbers: dict) -> list[np.ndarray]:
    out = []
    for key in sorted(numbers):
        value = numbers[key]
        if isinstance(value, dict):
            out += _flat(value)
        elif isinstance(value, np.ndarray | float | int):
            out.append(np.asarray(value))
    return out


@pytest.mark.parametrize("name", ["coarse_to_fine", "random_vs_grid"])
def test_same_seed_same_numbers_other_seed_other_numbers(name):
    again = experiments.run(name, seed=0, quick=True)
    for a, b in zip(_flat(quick(name).numbers), _flat(again.numbers), strict=True):
        np.testing.assert_array_equal(a, b)
    other = experiments.run(name, seed=1, quick=True)
    assert any(a.shape != b.shape or not np.array_equal(a, b)
               for a, b in zip(_flat(quick(name).numbers), _flat(other.numbers), strict=True))


# --- 1. random vs grid --------------------------------------------------------------------

def test_random_tries_more_distinct_values_and_finds_better_toy_optima():
    n = quick("random_vs_grid").numbers
    assert np.all(n["toy_distinct_random"] > n["toy_distinct_grid"])
    assert n["toy_best_random"].mean() < n["toy_best_grid"].mean()


def test_random_and_sobol_hit_the_1_percent_target_more_often_than_a_grid():
    n = quick("random_vs_grid").numbers
    assert n["cube_hit_random"].mean() > n["cube_hit_grid"].mean()
    assert n["cube_hit_sobol"].mean() > n["cube_hit_grid"].mean()


def test_digits_efficiency_curve_mechanics():
    # Not robust on the quick run (a tiny pool, 60 training steps): mechanics only.
    n = quick("random_vs_grid").numbers
    pool = n["pool_scores"].size
    assert n["best_median"].shape == (pool,) and n["trials"][-1] == pool
    assert np.all(np.diff(n["best_median"]) >= 0)  # more trials never find less
    assert n["best_median"][-1] == pytest.approx(n["pool_scores"].max())
    assert np.all((n["grid_best"] >= 0) & (n["grid_best"] <= 1))


# --- 2. coarse to fine --------------------------------------------------------------------

def test_coarse_to_fine_beats_flat_random_search_on_one_basin():
    n = quick("coarse_to_fine").numbers
    assert n["one basin final mean"]["c2f"] < n["one basin final mean"]["flat"]


def test_coarse_to_fine_curves_mechanics():
    # The two-basin comparison is not robust on 40 seeds: mechanics only.
    n = quick("coarse_to_fine").numbers
    for kind in ("one basin", "two basins"):
        for curve in n[kind]["curves"].values():
            assert curve.shape == (n["n_seeds"], n["budget"])
            assert np.all(np.diff(curve, axis=1) <= 0)
        assert len(n[kind]["example_boxes"]) == n["n_rounds"]


# --- 3. appropriate scale -----------------------------------------------------------------

def test_uniform_crowds_the_top_decade_log_uniform_spreads_evenly():
    n = quick("appropriate_scale").numbers
    uniform, log = n["fractions_uniform"], n["fractions_log"]
    assert np.all(np.diff(uniform) > 0) and uniform[-1] > 0.5
    assert log.max() - log.min() < uniform.max() - uniform.min()
    np.testing.assert_allclose(uniform, n["fractions_uniform_exact"], atol=0.01)


def test_log_uniform_finds_a_good_adam_learning_rate_more_often():
    # Robust: Adam's good rates lie below 1e-2, where uniform draws almost never land.
    # (For plain SGD the good rates are near 1 and uniform does as well or better: not asserted.)
    n = quick("appropriate_scale").numbers
    assert n["adam_log_p_good"].mean() > n["adam_uniform_p_good"].mean()


def test_window_is_sensitive_near_one():
    w = quick("appropriate_scale").numbers["windows"]
    assert w[1] / w[0] < w[3] / w[2]


# --- 4. batch norm, Figure 1 --------------------------------------------------------------

def test_bn_reaches_the_target_accuracy_in_fewer_steps_on_average():
    n = quick("bn_figure1").numbers
    assert n["bn_mean_steps_to_target"] < n["plain_mean_steps_to_target"]


def test_bn_steadies_the_sigmoid_input_percentiles():
    n = quick("bn_figure1").numbers
    assert n["bn_percentile_drift"] < n["plain_percentile_drift"]
    n_eval = n["eval_steps"].size
    assert n["bn_percentiles"].shape == (n["n_seeds"], n_eval, 3)
    assert np.all(np.diff(n["bn_percentiles"], axis=2) >= 0)  # 15th <= 50th <= 85th


def test_with_and_without_bn_start_from_the_same_weights():
    from course_kit.network import MLP
    from course_lib.experiments import reference_functions

    sizes = [64, 100, 100, 100, 10]
    plain = MLP(sizes, "sigmoid", rng=np.random.default_rng(3), **reference_functions(False))
    bn = MLP(sizes, "sigmoid", rng=np.random.default_rng(3), **reference_functions(True))
    for l in range(1, 5):
        np.testing.assert_array_equal(plain.params[f"W{l}"], bn.params[f"W{l}"])


# --- 5. batch norm and learning rates -----------------------------------------------------

def test_bn_trains_at_more_learning_rates():
    n = quick("bn_learning_rates").numbers
    assert n["bn_n_working"] > n["plain_n_working"]
    assert n["bn_accuracy"].shape == n["plain_accuracy"].shape == (n["n_seeds"], n["rates"].size)


# --- 6. batch norm's noise ----------------------------------------------------------------

def test_batch_statistics_noise_falls_with_batch_size():
    n = quick("bn_batch_noise").numbers
    assert np.all(np.diff(n["mean_noise"]) < 0) and np.all(np.diff(n["var_noise"]) < 0)
    assert n["mean_noise_slope"] < 0


def test_batch_size_accuracy_mechanics():
    # The test-accuracy trend is not robust (a few test images; confounded with the number of
    # updates): mechanics only.
    n = quick("bn_batch_noise").numbers
    shape = (n["test_accuracy"].shape[0], n["train_batch_sizes"].size)
    assert n["test_accuracy"].shape == n["train_accuracy"].shape == shape
    assert np.all((n["test_accuracy"] >= 0) & (n["test_accuracy"] <= 1))


# --- 7. softmax vs logistic ---------------------------------------------------------------

def test_two_class_softmax_equals_logistic_regression():
    n = quick("softmax_vs_logistic").numbers
    assert n["prediction_agreement"] == 1.0
    np.testing.assert_allclose(n["softmax_loss"], n["logistic_loss"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(n["softmax_p_test"], n["logistic_p_test"], atol=1e-9)
    assert n["identity_error_random_parameters"] < 1e-9
    assert n["softmax_loss"][-1] < n["softmax_loss"][0]


# --- 8. panda vs caviar -------------------------------------------------------------------

def test_parallel_and_sequential_training_give_the_same_models():
    # The speed-up is not robust on a quick run (worker start-up, other load): mechanics only.
    n = quick("panda_vs_caviar").numbers
    np.testing.assert_array_equal(n["panda_accuracy"], n["caviar_accuracy"])
    assert len(set(n["panda_pids"])) == 1
    assert 1 <= len(set(n["caviar_pids"])) <= n["cores"]
    assert n["panda_seconds"] > 0 and n["caviar_seconds"] > 0
