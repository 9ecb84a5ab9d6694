"""`course check` names the mistake before the deadline: 28 classic mistakes, written by hand in
other styles than the catalogue's, made one at a time in an otherwise solved notebook and run
through the check's real path (a kernel, the Judge, the kit's table of mistakes' outcomes);
right answers in three other styles (``tests.correct_styles``) are never named."""

from __future__ import annotations

import nbformat
import pytest

from course_kit.check import check_notebook, report
from grader.config import REPOSITORY
from instructor_tools import assignments
from instructor_tools.sample_class import solved, with_answers
from instructor_tools.visible_mistakes import assignment_table
from tests.correct_styles import STYLES

pytestmark = pytest.mark.kernel

#: (assignment, function, answer cell): one classic mistake each, not the catalogue's code.
MISTAKES = [
    ("batch_norm", "batchnorm_forward", """import numpy as np
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, ddof=1, keepdims=True)
    Zn = (Z - mu) / np.sqrt(var + eps)
    return gamma * Zn + beta, (Z, Zn, mu, var, gamma, beta, eps)
"""),
    ("batch_norm", "batchnorm_forward", """import numpy as np
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = np.mean(Z, axis=0, keepdims=True)
    var = np.mean((Z - mu) ** 2, axis=0, keepdims=True)
    Zn = (Z - mu) / np.sqrt(var + eps)
    return gamma * Zn + beta, (Z, Zn, mu, var, gamma, beta, eps)
"""),
    ("batch_norm", "batchnorm_forward", """import numpy as np
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    m = Z.shape[1]
    mu = Z.sum(axis=1, keepdims=True) / m
    var = ((Z - mu) ** 2).sum(axis=1, keepdims=True) / m
    Zn = (Z - mu) / (np.sqrt(var) + eps)
    return gamma * Zn + beta, (Z, Zn, mu, var, gamma, beta, eps)
"""),
    ("batch_norm", "batchnorm_backward", """import numpy as np
def batchnorm_backward(dZ_tilde, cache):
    Z, Zn, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    dZn = dZ_tilde * gamma
    dZ = dZn / np.sqrt(var + eps) - dZn.sum(axis=1, keepdims=True) / m / np.sqrt(var + eps)
    return dZ, (dZ_tilde * Zn).sum(axis=1, keepdims=True), dZ_tilde.sum(axis=1, keepdims=True)
"""),
    ("batch_norm", "batchnorm_backward", """import numpy as np
def batchnorm_backward(dZ_tilde, cache):
    Z, Zn, mu, var, gamma, beta, eps = cache
    m = Z.shape[1]
    std = np.sqrt(var + eps)
    dZn = dZ_tilde * gamma
    dvar = np.sum(dZn * (Z - mu), axis=1, keepdims=True) * -0.5 * std ** -3
    dZ = dZn / std + dvar * 2 * (Z - mu) / m
    return dZ, np.sum(dZ_tilde * Zn, axis=1, keepdims=True), np.sum(dZ_tilde, axis=1, keepdims=True)
"""),
    ("batch_norm", "update_running_stats", """def update_running_stats(running_mean, running_var,
                         mu, var,
                         momentum=0.9):
    new_mean = momentum * running_mean + mu
    new_var = momentum * running_var + var
    return new_mean, new_var
"""),
    ("batch_norm", "batchnorm_inference", """import numpy as np
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    return gamma * (Z - mu) / np.sqrt(var + eps) + beta
"""),
    ("softmax", "softmax", """import numpy as np
def softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True)
"""),
    ("softmax", "softmax", """import numpy as np
def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / np.sum(E, axis=0)
"""),
    ("softmax", "softmax", """import numpy as np
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
"""),
    ("softmax", "cross_entropy", """import numpy as np
def cross_entropy(A, Y):
    return float(-(Y * np.log(A)).sum())
"""),
    ("softmax", "softmax_regression_grads", """import numpy as np
def softmax_regression_grads(W, b, X, Y):
    m = X.shape[1]
    A = softmax(W @ X + b)
    loss = float(-np.sum(Y * np.log(A)) / m)
    dZ = A - Y
    return loss, dZ @ X.T, dZ.sum(axis=1, keepdims=True)
"""),
    ("softmax", "one_hot", """import numpy as np
def one_hot(labels, C):
    labels = np.asarray(labels)
    if np.any(labels % 1 != 0):
        raise ValueError("labels must be whole")
    labels = labels.astype(int)
    if np.any(labels >= C):
        raise ValueError("labels must be below C")
    Y = np.zeros((C, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y
"""),
    ("scale", "sample_beta", """import numpy as np
def sample_beta(low, high, size, rng):
    if not 0 <= low < high < 1:
        raise ValueError("need 0 <= low < high < 1")
    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size=size)
    return 10.0 ** r
"""),
    ("scale", "sample_beta", """import numpy as np
def sample_beta(low, high, size, rng):
    if not 0 <= low < high < 1:
        raise ValueError("need 0 <= low < high < 1")
    r = rng.uniform(np.log10(1 - low), np.log10(1 - high), size=size)
    return 1 - 10.0 ** r
"""),
    ("scale", "sample_log_uniform", """import numpy as np
def sample_log_uniform(low, high, size, rng):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    return rng.uniform(low, high, size=size)
"""),
    ("scale", "sample_log_uniform", """import numpy as np
def sample_log_uniform(low, high, size, rng):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    return np.exp(rng.uniform(np.log10(low), np.log10(high), size=size))
"""),
    ("scale", "ewa", """import numpy as np
def ewa(x, beta, bias_correction=False):
    if not 0 <= beta < 1:
        raise ValueError("beta must be in [0, 1)")
    out, v = [], 0.0
    for t, value in enumerate(x, start=1):
        v = beta * v + value
        out.append(v / (1 - beta ** t) if bias_correction else v)
    return np.array(out, dtype=float)
"""),
    ("scale", "ewa", """import numpy as np
def ewa(x, beta, bias_correction=False):
    if not 0 <= beta < 1:
        raise ValueError("beta must be in [0, 1)")
    out, v = [], 0.0
    for t, value in enumerate(x, start=1):
        v = beta * v + (1 - beta) * value
        out.append(v / (1 - beta ** (t - 1)) if bias_correction and t > 1 else v)
    return np.array(out, dtype=float)
"""),
    ("scale", "effective_window", """import numpy as np
def effective_window(beta):
    beta = np.asarray(beta, dtype=float)
    if np.any(beta < 0) or np.any(beta >= 1):
        raise ValueError("beta must be in [0, 1)")
    return 1 / beta
"""),
    ("tuning", "grid_search_points", """import numpy as np
def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high)]
    grids = np.meshgrid(*axes)
    return np.stack([g.ravel() for g in grids], axis=1)
"""),
    ("tuning", "random_search", """def random_search(objective, sampler, n_trials, rng):
    history, best = [], None
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if best is None or score <= best[1]:
            best = (params, score)
    return best[0], best[1], history
"""),
    ("tuning", "random_search", """def random_search(objective, sampler, n_trials, rng):
    history = []
    for _ in range(n_trials):
        params = sampler(rng)
        history.append((params, objective(params)))
    best = max(history, key=lambda trial: trial[1])
    return best[0], best[1], history
"""),
    ("tuning", "random_search_points", """import numpy as np
def random_search_points(low, high, n_points, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return rng.uniform(low, high, size=(n_points, len(low))).T
"""),
    ("tuning", "coarse_to_fine", """import numpy as np
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high, boxes = low, high, []
    best_point, best_score = None, np.inf
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        points = random_search_points(box_low, box_high, n_points, rng)
        scores = [objective(p) for p in points]
        i = int(np.argmin(scores))
        if scores[i] < best_score:
            best_point, best_score = points[i], scores[i]
        half = shrink * (box_high - box_low) / 2
        box_low = np.clip(points[i] - half, low, high)
        box_high = np.clip(points[i] + half, low, high)
    return best_point, best_score, boxes
"""),
    ("tuning", "coarse_to_fine", """import numpy as np
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high, boxes = low, high, []
    best_point, best_score = None, np.inf
    side = high - low
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        for p in random_search_points(box_low, box_high, n_points, rng):
            s = objective(p)
            if s < best_score:
                best_point, best_score = p, s
        side = side * shrink
        box_low = np.clip(best_point - side / 2, low, high)
        box_high = np.clip(best_point + side / 2, low, high)
    return best_point, best_score, boxes
"""),
    ("softmax", "predict", """import numpy as np
def predict(W, b, X):
    return np.argmin(softmax(W @ X + b), axis=0)
"""),
    ("batch_norm", "batchnorm_forward", """import numpy as np
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Zn = (Z - mu) / np.sqrt(var + eps)
    return gamma * Zn + beta, [Z, Zn, mu, var, gamma, beta, eps]
"""),
]


@pytest.fixture(scope="module")
def tables() -> dict:
    return {a: assignment_table(nbformat.read(assignments.release_path(a, REPOSITORY), 4))
            for a in STYLES}


def checked(tmp_path, assignment: str, answers: dict, table: dict):
    release = nbformat.read(assignments.release_path(assignment, REPOSITORY), 4)
    source = nbformat.read(assignments.source_path(assignment, REPOSITORY), 4)
    path = tmp_path / f"{assignment}.ipynb"
    nbformat.write(with_answers(solved(release, source), answers), path)
    result = check_notebook(path, table=table)
    return {c.function: c for c in result.functions}, report(path, result)


def test_the_check_names_at_least_four_in_five_classic_mistakes(tmp_path, tables):
    named, missed = [], []
    for assignment, function, code in MISTAKES:
        checks, text = checked(tmp_path, assignment, {function: code}, tables[assignment])
        assert checks[function].failed, (function, code)  # the mistake fails a visible test
        (named if checks[function].mistakes else missed).append((function, code))
        if checks[function].mistakes:
            assert f"Likely mistake: {checks[function].mistakes[0]}" in text
    print(f"course check named {len(named)} of {len(MISTAKES)} classic mistakes")
    assert len(MISTAKES) == 28
    assert len(named) / len(MISTAKES) >= 0.8, missed
    print("missed:", [f for f, _ in missed])


@pytest.mark.parametrize("style", [0, 1, 2])
@pytest.mark.parametrize("assignment", sorted(STYLES))
def test_right_answers_in_three_styles_pass_and_are_never_named(tmp_path, tables, assignment,
                                                                 style):
    answers = STYLES[assignment][style]
    checks, _ = checked(tmp_path, assignment, answers, tables[assignment])
    assert set(answers) == set(checks)  # every graded function, in this style
    assert all(c.failed == 0 and c.passed and not c.mistakes for c in checks.values()), checks
