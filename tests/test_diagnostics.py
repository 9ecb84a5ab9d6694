"""Diagnostics name the student's mistake, and never a correct answer.

Every candidate answer (a catalogued mistake, a correct answer in another style, a mistake of
the held-apart set) runs through the real test cells of its function in the source notebook,
visible and hidden, through the grader's real path: a :class:`~course_kit.judge.Judge` set up as
grading sets it up (callables wrapped in :class:`Recorded`, arguments kept by
:func:`snapshot`), reaching a namespace that stands for the kernel through the bridge's own code
(:class:`~instructor_tools.visible_mistakes.InProcessLink`). Each call is then diagnosed as grading
diagnoses it; a failed test cell's verdict is the first diagnosis among its calls (the calls
before the failing one gave the reference's results, which are never named).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from unittest import mock

import nbformat
import numpy as np
import pytest

from course_kit.cells import answer_sources, nbgrader_meta
from course_kit.judge import Judge
from grader.config import ASSIGNMENTS, REPOSITORY
from grader.diagnostics import (
    Diagnosis,
    Raised,
    Recorded,
    diagnose,
    same,
    snapshot,
    summarise,
)
from grader.mistakes import Misconception, load, reference, substituting
from instructor_tools import assignments
from instructor_tools.gradetable import function_of
from instructor_tools.visible_mistakes import InProcessLink

CATALOGUE = load()

# Student answers divide by zero and overflow on purpose; what they return is what counts.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# ------------------------------------------------------------------------------ the harness


@functools.cache
def notebook(assignment: str):
    return nbformat.read(assignments.source_path(assignment, REPOSITORY), 4)


@functools.cache
def functions(assignment: str) -> tuple[str, ...]:
    return tuple(answer_sources(notebook(assignment)))


ASSIGNMENT_OF = {f: a for a in ASSIGNMENTS for f in functions(a)}


@functools.cache
def setup_code(assignment: str) -> str:
    """The locked set-up cells (imports), which run in the grader's test namespace too."""
    cells = notebook(assignment).cells
    return "\n".join(
        c.source
        for c in cells
        if c.cell_type == "code"
        and nbgrader_meta(c).get("locked")
        and not nbgrader_meta(c).get("grade")
        and not nbgrader_meta(c).get("solution")
    )


@functools.cache
def cells_testing(function: str) -> tuple[tuple[str, str], ...]:
    """``(grade_id, source)`` of every test cell (visible and hidden) of ``function``."""
    assignment = ASSIGNMENT_OF[function]
    cells = []
    for cell in notebook(assignment).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution") and meta.get("points", 0) > 0:
            if function_of(meta["grade_id"], list(functions(assignment))) == function:
                cells.append((meta["grade_id"], cell.source))
    return tuple(cells)


@dataclass
class Call:
    args: tuple
    kwargs: dict
    result: object
    substitutes: dict


@dataclass
class CellRun:
    grade_id: str
    calls: list[Call] = field(default_factory=list)
    failure: str | None = None

    def diagnoses(self, function: str) -> list[Diagnosis | None]:
        return [
            diagnose(function, call.args, call.kwargs, call.result, call.substitutes)
            for call in self.calls
        ]

    def verdict(self, function: str) -> str | None:
        """The key named for this failed cell: the first diagnosis among its calls."""
        named = [d.key for d in self.diagnoses(function) if d is not None]
        return named[0] if named else None


def run_cell(function: str, candidate: Callable, grade_id: str, source: str) -> CellRun:
    """Run one test cell with ``candidate`` as the student's ``function`` in a stand-in kernel
    (the other graded functions: the reference), through the grader's Judge.

    As in the grader, while the test has bound another graded function (``replaced(globals(),
    ...)``) the candidate sees it as a callback to the test's value.
    """
    assignment = ASSIGNMENT_OF[function]
    kernel = getattr(candidate, "student_namespace", None)
    if kernel is None:
        kernel = {name: reference(name) for name in functions(assignment)}
        kernel[function] = seeing(candidate, kernel, function, functions(assignment))
    judge = Judge(functions(assignment), cell_timeout=60, watch=Recorded, snapshot=snapshot)
    judge.link = InProcessLink(kernel)
    judge.run_setup(setup_code(assignment))
    outcome = judge.run_test(source, grade_id)
    calls = [Call(c.args, c.kwargs, Raised(*c.raised) if c.raised else c.result, c.substitutes)
             for c in outcome.calls if c.name == function]
    return CellRun(grade_id, calls, None if outcome.passed else outcome.message)


def seeing(candidate: Callable, kernel: dict, function: str, graded: tuple[str, ...]) -> Callable:
    """``candidate`` as the kernel's ``function``, seeing the kernel's other graded functions
    (the test's stand-ins during a call): the reference through its module, a catalogued
    mistake through :func:`grader.mistakes.graded`."""
    module = inspect.getmodule(candidate)

    def student(*args, **kwargs):
        others = {n: kernel[n] for n in graded if n != function and n in kernel}
        with contextlib.ExitStack() as stack:
            if module is not None and module.__name__.startswith("course_lib."):
                for name, other in others.items():
                    if hasattr(module, name):
                        stack.enter_context(mock.patch.object(module, name, other))
            stack.enter_context(substituting(others))
            return candidate(*args, **kwargs)

    return student


def run_tests(function: str, candidate: Callable) -> list[CellRun]:
    return [run_cell(function, candidate, *cell) for cell in cells_testing(function)]


def answer(assignment: str, function: str, source: str) -> Callable:
    """The student's ``function`` defined by an answer cell's ``source`` in a stand-in kernel
    namespace where the other graded functions are the reference (the student's own, answered
    right)."""
    namespace = {"np": np, **{name: reference(name) for name in functions(assignment)}}
    exec(source, namespace)
    student = namespace[function]
    student.student_namespace = namespace
    return student


def verdicts(function: str, candidate: Callable) -> list[str | None]:
    """The verdict of every failed test cell of ``function`` for ``candidate``."""
    return [run.verdict(function) for run in run_tests(function, candidate) if run.failure]


# Mistakes whose results coincide on some test inputs, so that the one catalogued first is
# named for both there; its message fits the other's result on those inputs too.
SHARED_SYMPTOMS = {
    # the hand-worked examples have var = 1, where sqrt(var) + eps = var + eps
    "batchnorm_forward.divides_by_variance": {"batchnorm_forward.eps_outside_root"},
    "batchnorm_inference.divides_by_variance": {"batchnorm_inference.eps_outside_root"},
    # a constant series, or a single value, averages to itself either way
    "ewa.bias_correction_always": {"ewa.starts_at_first_value"},
    # a negative beta (label) gets through both
    "effective_window.no_range_check": {"effective_window.accepts_negative"},
    "one_hot.no_range_check": {"one_hot.negative_labels_unchecked"},
    # over a long series 1 - beta**T is 1 to within 1e-9: dividing by it changes nothing
    "ewa.bias_correction_uses_T": {"ewa.bias_correction_ignored"},
    # with low = 0 both draw the exponent from log10(0) = -inf
    "sample_beta.log_uniform_in_beta": {"sample_beta.log_of_beta"},
}


def named_correctly(label: str | None, cell_verdicts: list[str | None]) -> bool:
    """A mistake is named correctly when a failed cell names its key and none names another
    (but one with the same symptom on that cell's inputs, see SHARED_SYMPTOMS); an
    uncatalogued one (label None) when no failed cell names anything."""
    allowed = {label, None} | SHARED_SYMPTOMS.get(label, set())
    return set(cell_verdicts) <= allowed and (label is None or label in cell_verdicts)


def bank(assignment: str):
    return importlib.import_module(f"samples.{assignment}")


def heldout(assignment: str, kind: str = "HELDOUT"):
    return getattr(importlib.import_module(f"tests.heldout_mistakes.{assignment}"), kind)


# ------------------------------------------------------------------------------- catalogue


def test_every_graded_function_has_a_catalogue():
    graded = {f for a in ASSIGNMENTS for f in functions(a)}
    assert graded and set(CATALOGUE) == graded
    for function, entries in CATALOGUE.items():
        assert entries, function
        for entry in entries:
            assert entry.key.startswith(f"{function}."), entry.key
            assert entry.variants or entry.recognisers, entry.key
            assert len(entry.message) > 40, entry.key


VARIANTS = [
    pytest.param(entry, variant, id=f"{entry.key}-{variant.__name__}-{i}")
    for entries in CATALOGUE.values()
    for entry in entries
    for i, variant in enumerate(entry.variants)
]


def as_a_student(entry: Misconception, variant: Callable) -> Callable:
    """The variant as a student would write it: arguments checked like the reference (the
    variants of a mistake in the checks make that mistake instead). Functions that take
    callables have no checks to copy (calling the reference would use the callables up)."""
    if entry.checks:
        return variant

    def student(*args, **kwargs):
        if not any(callable(a) for a in (*args, *kwargs.values())):
            try:
                reference(entry.function)(*snapshot(args), **snapshot(kwargs))
            except ValueError:
                raise
            except Exception:
                pass
        return variant(*args, **kwargs)

    return student


@pytest.mark.parametrize(("entry", "variant"), VARIANTS)
def test_each_catalogued_mistake_is_named_on_the_notebook_tests(entry: Misconception, variant):
    cell_verdicts = verdicts(entry.function, as_a_student(entry, variant))
    assert cell_verdicts, f"{entry.key}: {variant.__name__} passes every test of the notebook"
    assert named_correctly(entry.key, cell_verdicts), cell_verdicts


def candidates_of_the_correct_kind():
    for assignment in ASSIGNMENTS:
        for function in functions(assignment):
            yield pytest.param(function, reference(function), id=f"reference-{function}")
        for style, answers in bank(assignment).CORRECT.items():
            for function, source in answers.items():
                yield pytest.param(
                    function, answer(assignment, function, source), id=f"{style}-{function}"
                )


@pytest.mark.parametrize(("function", "candidate"), list(candidates_of_the_correct_kind()))
def test_a_correct_answer_is_never_named(function, candidate):
    runs = run_tests(function, candidate)
    calls = sum(len(run.calls) for run in runs)
    assert calls > 0
    named = [(run.grade_id, d) for run in runs for d in run.diagnoses(function) if d]
    assert not named


# The sample submissions' mistakes (the catalogue started from them): the key each should get,
# or None where the result alone cannot show the mistake (the values are right; the test sees
# a changed argument, or the wording of an error message).
BANK_KEYS = {
    "tuning": {
        "grid: first dimension varies fastest (meshgrid's default 'xy' order)": (
            "grid_search_points.wrong_order"
        ),
        "grid: product of reversed axes, first dimension fastest": "grid_search_points.wrong_order",
        "grid: np.arange instead of linspace (misses the endpoint)": (
            "grid_search_points.endpoint_missing"
        ),
        "grid: transposed, one row per dimension (d, n**d)": "grid_search_points.points_as_columns",
        "grid: returns the list of tuples from itertools.product": (
            "grid_search_points.not_an_array"
        ),
        "grid: step (high - low) / (n - 1) breaks down for n_per_dim = 1": (
            "grid_search_points.step_divides_by_zero"
        ),
        "random points: global np.random instead of rng": "random_search_points.ignores_rng",
        "random points: size=(d, n) then transposed": "random_search_points.dimension_by_dimension",
        "random points: one draw per dimension (column by column)": (
            "random_search_points.dimension_by_dimension"
        ),
        "random points: a fresh default_rng() instead of the rng given": (
            "random_search_points.ignores_rng"
        ),
        "random search: keeps the last of equal scores (<=)": "random_search.ties_keep_last",
        "random search: maximises the score": "random_search.maximises",
        "random search: best score starts at 0, never beaten by positive scores": (
            "random_search.best_starts_at_zero"
        ),
        "random search: history sorted by score instead of trial order": (
            "random_search.history_sorted"
        ),
        "random search: history records only the improvements": (
            "random_search.history_improvements_only"
        ),
        "random search: history newest first (insert at 0)": "random_search.history_newest_first",
        "random search: the sampler gets a fresh generator, not rng": (
            "random_search.sampler_ignores_rng"
        ),
        "random search: history as lists [params, score]": "random_search.history_as_lists",
        "coarse to fine: no clipping to the original box": "coarse_to_fine.no_clipping",
        "coarse to fine: shrinks around the box centre instead of the best point": (
            "coarse_to_fine.centred_on_box"
        ),
        "coarse to fine: centres on the best point of the current round only": (
            "coarse_to_fine.round_best_only"
        ),
        "coarse to fine: only the current round counts, even for the result": (
            "coarse_to_fine.round_best_only"
        ),
        "coarse to fine: side shrinks from the original box every round (not the current one)": (
            "coarse_to_fine.side_of_original_box"
        ),
        "coarse to fine: shrink used as the half side instead of the side": (
            "coarse_to_fine.shrink_is_half_side"
        ),
        "coarse to fine: records the box after updating it (boxes shifted by one round)": (
            "coarse_to_fine.boxes_recorded_late"
        ),
        "coarse to fine: draws its own points instead of calling random_search_points": (
            "coarse_to_fine.own_draw"
        ),
        "coarse to fine: the side shrinks from the unclipped side, not the side of the clipped box": (  # noqa: E501
            "coarse_to_fine.side_of_unclipped_box"
        ),
    },
    "scale": {
        "log-uniform: uniform instead of log-uniform": "sample_log_uniform.uniform_not_log",
        "log-uniform: natural log for the exponent range, then 10**r": (
            "sample_log_uniform.natural_log_range"
        ),
        "log-uniform: np.exp(r) for 10**r": "sample_log_uniform.exp_of_log10",
        "log-uniform: exponent drawn between low and high themselves": (
            "sample_log_uniform.exponent_between_bounds"
        ),
        "log-uniform: global np.random instead of rng": "sample_log_uniform.ignores_rng",
        "log-uniform: bounds of r swapped (high first)": "sample_log_uniform.bounds_swapped",
        "log-uniform: integer exponents only": "sample_log_uniform.integer_exponents",
        "log-uniform: size ignored (one sample)": "sample_log_uniform.size_ignored",
        "beta: 10**r instead of 1 - 10**r": "sample_beta.returns_one_minus_beta",
        "beta: exponent range swapped (log10(1 - low) first)": "sample_beta.bounds_swapped",
        "beta: sample_log_uniform(1 - low, 1 - high) with the bounds swapped": (
            "sample_beta.bounds_swapped"
        ),
        "beta: log-uniform in beta itself": "sample_beta.log_uniform_in_beta",
        "beta: uniform in beta": "sample_beta.uniform_in_beta",
        "beta: natural log for the exponent range": "sample_beta.natural_log_range",
        "beta: 1 - 10**r with r between log10(low) and log10(high)": "sample_beta.log_of_beta",
        "beta: global np.random instead of rng": "sample_beta.ignores_rng",
        "window: no check, beta = 1 divides by zero": "effective_window.no_range_check",
        "window: rejects beta >= 1 but accepts negative beta": "effective_window.accepts_negative",
        "window: rejects beta > 1 only, so beta = 1 slips through": "effective_window.accepts_one",
        "window: scalar-only check (fails on arrays)": "effective_window.scalar_only_check",
        "window: np.all instead of np.any (one bad entry slips through)": (
            "effective_window.all_instead_of_any"
        ),
        "window: assert instead of ValueError": "effective_window.assert_not_value_error",
        "window: ValueError message does not name beta": None,
        "ewa: bias correction divides by 1 - beta**(t - 1)": "ewa.bias_correction_off_by_one",
        "ewa: bias correction with t starting at 0": "ewa.bias_correction_off_by_one",
        "ewa: bias correction applied even when not asked": "ewa.bias_correction_always",
        "ewa: v_0 initialised to x_1": "ewa.starts_at_first_value",
        "ewa: first value copied, v_1 = x_1": "ewa.starts_at_first_value",
        "ewa: beta and 1 - beta swapped": "ewa.weights_swapped",
        "ewa: np.zeros_like(x) keeps an integer series' dtype": "ewa.integer_array",
        "ewa: returns v_0..v_T (T + 1 values)": "ewa.includes_v0",
        "ewa: bias correction with beta**T for every t": "ewa.bias_correction_uses_T",
        "ewa: corrected value fed back into the recursion": "ewa.corrected_value_fed_back",
        "log-uniform: no argument check (low = 0 draws r from -inf)": (
            "sample_log_uniform.no_argument_check"
        ),
        "beta: leaves the check to sample_log_uniform (a negative low slips through)": (
            "sample_beta.no_argument_check"
        ),
        "ewa: no check of beta (beta = 1 divides by 0 in the bias correction)": "ewa.no_beta_check",
    },
    "batch_norm": {
        "forward: mean over axis 0 (over the units instead of the examples)": (
            "batchnorm_forward.wrong_axis"
        ),
        "forward: unbiased variance (ddof=1)": "batchnorm_forward.unbiased_variance",
        "forward: eps outside the square root": "batchnorm_forward.eps_outside_root",
        "forward: no eps at all": "batchnorm_forward.no_eps",
        "forward: statistics without keepdims (1-D mu and var)": (
            "batchnorm_forward.statistics_not_columns"
        ),
        "forward: gamma and beta swapped": "batchnorm_forward.gamma_beta_swapped",
        "forward: cache in a different order": "batchnorm_forward.cache_order",
        "forward: cache without eps": "batchnorm_forward.cache_without_eps",
        "forward: cache holds the standard deviation instead of the variance": (
            "batchnorm_forward.cache_holds_std"
        ),
        "forward: cache is a list": "batchnorm_forward.cache_is_a_list",
        "backward: variance term missing (var treated as a constant)": (
            "batchnorm_backward.no_variance_path"
        ),
        "backward: mean term missing (mu treated as a constant)": "batchnorm_backward.no_mean_path",
        "backward: only the direct path (dZ = gamma * dZ_tilde / std)": (
            "batchnorm_backward.direct_path_only"
        ),
        "backward: dgamma and dbeta 1-D (n,)": "batchnorm_backward.parameter_grads_not_columns",
        "backward: dgamma and dbeta as means instead of sums": (
            "batchnorm_backward.parameter_grads_are_means"
        ),
        "backward: dgamma and dbeta summed over axis 0": (
            "batchnorm_backward.parameter_grads_wrong_axis"
        ),
        "backward: gamma forgotten in dZ": "batchnorm_backward.gamma_forgotten",
        "backward: compact formula without the factor m": "batchnorm_backward.compact_without_m",
        "running stats: momentum and 1 - momentum swapped": "update_running_stats.weights_swapped",
        "running stats: the variance averages mu (copy-paste)": (
            "update_running_stats.variance_averages_mean"
        ),
        "running stats: updated in place": None,
        "inference: the batch's own statistics instead of the running ones": (
            "batchnorm_inference.batch_statistics"
        ),
        "inference: eps outside the square root": "batchnorm_inference.eps_outside_root",
        "inference: no eps": "batchnorm_inference.no_eps",
        "inference: divides by the variance instead of the standard deviation": (
            "batchnorm_inference.divides_by_variance"
        ),
    },
    "softmax": {
        "softmax: no max-shift (overflows at +1000)": "softmax.no_max_shift",
        "softmax: over the rows instead of the columns": "softmax.wrong_axis",
        "softmax: subtracts the global maximum (a column far below it underflows to 0/0)": (
            "softmax.global_max_shift"
        ),
        "softmax: normalises by the sum of the whole array": "softmax.whole_array_sum",
        "softmax: shifts Z in place (changes the caller's array)": None,
        "one_hot: transposed (m, C)": "one_hot.transposed",
        "one_hot: no ValueError (an IndexError, or -1 silently taken as the last class)": (
            "one_hot.no_range_check"
        ),
        "one_hot: range check off by one (label == C passes the check)": "one_hot.no_range_check",
        "one_hot: negative labels not checked": "one_hot.negative_labels_unchecked",
        "one_hot: the ValueError does not name labels": None,
        "one_hot: an integer array": "one_hot.integer_array",
        "cross_entropy: sum instead of mean": "cross_entropy.sum_not_mean",
        "cross_entropy: log of every entry of A (Y ignored)": "cross_entropy.labels_ignored",
        "cross_entropy: mean over all C * m entries": "cross_entropy.mean_over_all_entries",
        "cross_entropy: returns an array of shape (1,)": "cross_entropy.not_a_float",
        "cross_entropy: log10 instead of the natural log": "cross_entropy.log10",
        "grads: not divided by m": "softmax_regression_grads.not_divided_by_m",
        "grads: db 1-D (C,)": "softmax_regression_grads.db_not_column",
        "grads: dW transposed, X @ (A - Y).T": "softmax_regression_grads.dW_transposed",
        "grads: sign flipped (Y - A)": "softmax_regression_grads.sign_flipped",
        "grads: b left out of the logits": "softmax_regression_grads.bias_left_out",
        "predict: argmax over the wrong axis": "predict.wrong_axis",
        "predict: returns the probabilities": "predict.returns_probabilities",
        "predict: returns a (1, m) row": "predict.row_not_vector",
        "predict: b left out": "predict.bias_left_out",
        "one_hot: float labels used as indices (2.0 raises an IndexError, 1.5 is not caught)": (
            "one_hot.float_labels_as_indices"
        ),
        "cross_entropy: 0 * log 0 left as nan (no special case where Y = 0)": (
            "cross_entropy.zero_times_log_zero"
        ),
    },
}


def test_the_bank_key_table_covers_every_bank_mistake():
    for assignment in ASSIGNMENTS:
        assert set(BANK_KEYS[assignment]) == set(bank(assignment).MISTAKES), assignment
        keys = {e.key for entries in CATALOGUE.values() for e in entries}
        assert {k for k in BANK_KEYS[assignment].values() if k} <= keys


BANK_MISTAKES = [
    pytest.param(assignment, name, id=f"{assignment}-{name}")
    for assignment in ASSIGNMENTS
    for name in bank(assignment).MISTAKES
]


@pytest.mark.parametrize(("assignment", "name"), BANK_MISTAKES)
def test_the_sample_submissions_mistakes_are_named(assignment, name):
    ((function, source),) = bank(assignment).MISTAKES[name].items()
    cell_verdicts = verdicts(function, answer(assignment, function, source))
    assert cell_verdicts, "the mistake passes every test"
    assert named_correctly(BANK_KEYS[assignment][name], cell_verdicts), cell_verdicts


# ------------------------------------------------------------------------------ robustness


def first_calls() -> dict[str, Call]:
    calls = {}
    for function in ASSIGNMENT_OF:
        runs = run_tests(function, reference(function))
        made = [call for run in runs for call in run.calls]
        assert made, f"no test cell of {function} called it"
        calls[function] = made[0]
    return calls


JUNK = [
    None,
    "a string",
    3,
    float("nan"),
    (1, 2),
    [np.zeros(3)],
    {"a": 1},
    np.full((2, 2), np.nan),
    np.zeros((0,)),
    np.array(["x", "y"]),
    np.array([object(), None]),
    object(),
    Raised("TypeError", "unsupported operand"),
    Raised("SystemExit"),
]


def test_diagnose_never_raises_on_junk_results_or_arguments():
    for function, call in first_calls().items():
        for junk in JUNK:
            result = diagnose(function, call.args, call.kwargs, junk, call.substitutes)
            assert result is None or isinstance(result, Diagnosis)
        assert diagnose(function, (None,), {"bogus": 1}, None) is None
        assert diagnose(function, (), {}, np.zeros(2)) is None
    assert diagnose("no_such_function", (), {}, None) is None
    junk_substitute = diagnose(
        "predict",
        (np.ones((2, 2)), np.ones((2, 1)), np.ones((2, 3))),
        {},
        np.ones(3),
        {"softmax": 1},
    )
    assert junk_substitute is None or isinstance(junk_substitute, Diagnosis)


def test_diagnose_changes_neither_the_arguments_nor_the_generator():
    Z = np.array([[1000.0, -1000.0], [1000.0, -999.0]])
    before = Z.copy()
    student = np.exp(Z) / np.exp(Z).sum(axis=0)
    assert diagnose("softmax", (Z,), {}, student).key == "softmax.no_max_shift"
    assert np.array_equal(Z, before)
    rng = np.random.default_rng(7)
    state = rng.bit_generator.state
    uniform = np.random.default_rng(7).uniform(1e-3, 1.0, size=5)
    found = diagnose("sample_log_uniform", (1e-3, 1.0, 5, rng), {}, uniform)
    assert found.key == "sample_log_uniform.uniform_not_log"
    assert rng.bit_generator.state == state


def test_a_used_up_callable_is_replayed_only_through_recorded():
    def ties(wrap):
        values = iter([0.0, 1.0, 2.0, 3.0])
        sampler, objective = (
            wrap(lambda rng: next(values)),
            wrap({0.0: 2, 1.0: 1, 2.0: 1, 3.0: 5}.get),
        )
        rng = np.random.default_rng(0)
        history = [(p, objective(p)) for p in (sampler(rng) for _ in range(4))]
        return (objective, sampler, 4, rng), (2.0, 1, history)

    args, keeps_last = ties(Recorded)
    assert diagnose("random_search", args, {}, keeps_last).key == "random_search.ties_keep_last"
    args, keeps_last = ties(lambda f: f)
    assert diagnose("random_search", args, {}, keeps_last) is None


def test_same_tells_structures_apart():
    assert same((np.ones(2), 1.0), (np.ones(2) + 1e-12, 1))
    assert not same((np.ones(2),), [np.ones(2)])
    assert not same(np.ones(2), np.ones(2, dtype=int))
    assert not same(np.ones((2, 1)), np.ones(2))
    assert same(np.array([np.nan, np.inf]), np.array([np.nan, np.inf]))
    assert not same(np.array([np.nan]), np.array([1.0]))
    assert not same(1.0, np.float64(1.0) + 1e-3)
    assert same(Raised("ValueError", "a"), Raised("ValueError", "b"))
    assert not same(Raised("ValueError"), np.ones(1))
    assert not same(np.array([1.0]), 1.0)


def test_summarise_counts_each_misconception_across_a_class():
    keys = ["softmax.no_max_shift", None, "ewa.weights_swapped", "softmax.no_max_shift", "gone.key"]
    rows = summarise(keys)
    assert [(key, count) for key, _, count in rows] == [
        ("softmax.no_max_shift", 2),
        ("ewa.weights_swapped", 1),
        ("gone.key", 1),
    ]
    assert rows[0][1].startswith("Your softmax overflows")
    assert rows[2][1] == ""


def test_the_readmes_figures_are_the_catalogues():
    text = (REPOSITORY / "README.md").read_text()
    said = re.search(r"(\d+) misconceptions over the (\d+) graded functions", text)
    graded = {f for a in ASSIGNMENTS for f in functions(a)}
    assert said and said.groups() == (str(sum(map(len, CATALOGUE.values()))), str(len(graded)))


# ------------------------------------------------------------------------- held-apart set


def test_the_held_apart_mistakes_are_named():
    """The measure: the held-apart answers, run through the notebook's tests and diagnosed.

    Run with -s to see the figures and every miss."""
    rows = []
    for assignment in ASSIGNMENTS:
        for case in heldout(assignment):
            cell_verdicts = verdicts(case.function, answer(assignment, case.function, case.source))
            ok = bool(cell_verdicts) and named_correctly(case.key, cell_verdicts)
            rows.append((case, cell_verdicts or "passes every test", ok))
    catalogued = [row for row in rows if row[0].key is not None]
    uncatalogued = [row for row in rows if row[0].key is None]
    named = sum(ok for _, _, ok in catalogued)
    quiet = sum(ok for _, _, ok in uncatalogued)
    print(
        f"\nheld-apart mistakes of catalogued misconceptions named correctly: {named} of "
        f"{len(catalogued)} ({named / len(catalogued):.0%})"
        f"\nheld-apart mistakes of uncatalogued misconceptions named as nothing: {quiet} of "
        f"{len(uncatalogued)}"
    )
    for case, cell_verdicts, ok in rows:
        if not ok:
            print(f"  missed: {case.function} [{case.key}] {case.note}: {cell_verdicts}")
    assert named / len(catalogued) >= 0.8


def test_no_held_apart_correct_answer_is_named():
    named = []
    for assignment in ASSIGNMENTS:
        for case in heldout(assignment, "CORRECT"):
            candidate = answer(assignment, case.function, case.source)
            for run in run_tests(case.function, candidate):
                named += [
                    (case.note, run.grade_id, d.key) for d in run.diagnoses(case.function) if d
                ]
    print(f"\nheld-apart correct answers named as a mistake: {len(named)}")
    assert not named


# ------------------------------------------------- holes found with real code (issue 21, item 5)

UNSHIFTED_GRADS = """def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    E = np.exp(W @ X + b)
    A = E / E.sum(axis=0, keepdims=True)
    dZ = (A - Y) / m
    return float(-np.sum(Y * np.log(A)) / m), dZ @ X.T, dZ.sum(axis=1, keepdims=True)
"""
NO_EPS_BACKWARD = """def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    xhat = (Z - mu) / np.sqrt(var)
    g = dZ_tilde * gamma
    dZ = (m * g - g.sum(axis=1, keepdims=True) - xhat * (g * xhat).sum(axis=1, keepdims=True))
    dZ = dZ / (m * np.sqrt(var))
    return dZ, (dZ_tilde * xhat).sum(axis=1, keepdims=True), dZ_tilde.sum(axis=1, keepdims=True)
"""
WHOLE_ARRAY_SOFTMAX = """def softmax(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum()
"""
OWN_DRAW = """def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high, boxes = low.copy(), high.copy(), []
    best, best_score = None, np.inf
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        for p in rng.uniform(box_low, box_high, size=(n_points, low.size)):
            s = objective(p)
            if best is None or s < best_score:
                best, best_score = p, s
        half = shrink * (box_high - box_low) / 2
        box_low, box_high = np.clip(best - half, low, high), np.clip(best + half, low, high)
    return best, best_score, boxes
"""


@pytest.mark.parametrize(("assignment", "function", "source", "key"), [
    ("softmax", "softmax_regression_grads", UNSHIFTED_GRADS,
     "softmax_regression_grads.softmax_without_max_shift"),
    ("batch_norm", "batchnorm_backward", NO_EPS_BACKWARD, "batchnorm_backward.no_eps"),
    ("softmax", "softmax", WHOLE_ARRAY_SOFTMAX, "softmax.whole_array"),
    ("tuning", "coarse_to_fine", OWN_DRAW, "coarse_to_fine.own_draw"),
], ids=["grads-without-max-shift", "no-eps-backward-recomputed", "whole-array-softmax",
        "coarse-to-fine-own-draw"])
def test_real_code_that_slipped_through_fails_and_is_named(assignment, function, source, key):
    cell_verdicts = verdicts(function, answer(assignment, function, source))
    assert cell_verdicts, "the mistake passes every test"
    assert key in cell_verdicts and set(cell_verdicts) <= {key, None}, cell_verdicts


def test_a_test_says_which_stand_in_the_function_never_called():
    run = run_cell("coarse_to_fine", answer("tuning", "coarse_to_fine", OWN_DRAW),
                   *cells_testing("coarse_to_fine")[0])
    assert run.failure and ("Note: this test gave coarse_to_fine its own random_search_points"
                            in run.failure), run.failure
