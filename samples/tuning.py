"""Answers to the `tuning` assignment: correct ones in other styles, and mistakes.

Each entry maps an answer cell's grade_id (the function's name) to the full source of that cell.
``CORRECT`` answers must get full marks; each ``MISTAKES`` answer must fail at least one test
cell of its own function and no test cell of any other function.
"""

# ----------------------------------------------------------------------------- correct answers

GRID_MESHGRID = """
import numpy as np


def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])
"""

GRID_LOOPS = """
def grid_search_points(low, high, n_per_dim):
    d = len(low)
    points = np.zeros((n_per_dim**d, d))
    for row in range(n_per_dim**d):
        rest = row
        for i in reversed(range(d)):
            k = rest % n_per_dim
            rest = rest // n_per_dim
            if n_per_dim == 1:
                points[row, i] = low[i]
            else:
                points[row, i] = low[i] + (high[i] - low[i]) * k / (n_per_dim - 1)
    return points
"""

RANDOM_POINTS_ARRAYS = """
import numpy as np


def random_search_points(low, high, n_points, rng):
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    return rng.uniform(low, high, size=(n_points, low.size))
"""

RANDOM_POINTS_AFFINE = """
def random_search_points(low, high, n_points, rng):
    low, high = np.array(low, dtype=float), np.array(high, dtype=float)
    # rng.uniform(low, high) is low + (high - low) * rng.random(): the same numbers
    return low + (high - low) * rng.random((n_points, len(low)))
"""

RANDOM_SEARCH_INF = """
def random_search(objective, sampler, n_trials, rng):
    history = []
    for trial in range(n_trials):
        params = sampler(rng)
        history.append((params, objective(params)))
    best_params, best_score = history[0]
    for params, score in history[1:]:
        if score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
"""

RANDOM_SEARCH_ARGMIN = """
import numpy as np


def random_search(objective, sampler, n_trials, rng):
    history = []
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
    i = int(np.argmin([score for _, score in history]))  # argmin returns the first minimum
    return history[i][0], history[i][1], history
"""

COARSE_TO_FINE_CENTRE_HALF = """
import numpy as np


def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.array(low, dtype=float), np.array(high, dtype=float)
    box = (low, high)
    boxes, best_point, best_score = [], None, np.inf
    for _ in range(n_rounds):
        boxes.append(box)
        points = random_search_points(box[0], box[1], n_points, rng)
        for point in points:
            score = objective(point)
            if best_point is None or score < best_score:
                best_point, best_score = point, score
        side = (box[1] - box[0]) * shrink
        box = (np.clip(best_point - side / 2, low, high),
               np.clip(best_point + side / 2, low, high))
    return best_point, best_score, boxes
"""

COARSE_TO_FINE_MAX_MIN = """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    box_low, box_high = low.copy(), high.copy()
    boxes = []
    best_point, best_score = None, None
    for _ in range(n_rounds):
        boxes.append((box_low.copy(), box_high.copy()))
        points = random_search_points(box_low, box_high, n_points, rng)
        scores = [objective(p) for p in points]
        i = min(range(n_points), key=lambda j: scores[j])
        if best_score is None or scores[i] < best_score:
            best_point, best_score = points[i], scores[i]
        half = (box_high - box_low) * shrink / 2
        box_low = np.maximum(best_point - half, low)
        box_high = np.minimum(best_point + half, high)
    return best_point, best_score, boxes
"""

CORRECT = {
    "meshgrid, arrays, argmin, centre +- half side": {
        "grid_search_points": GRID_MESHGRID,
        "random_search_points": RANDOM_POINTS_ARRAYS,
        "random_search": RANDOM_SEARCH_ARGMIN,
        "coarse_to_fine": COARSE_TO_FINE_CENTRE_HALF,
    },
    "loops, affine draw, first-trial start, round minimum and max/min": {
        "grid_search_points": GRID_LOOPS,
        "random_search_points": RANDOM_POINTS_AFFINE,
        "random_search": RANDOM_SEARCH_INF,
        "coarse_to_fine": COARSE_TO_FINE_MAX_MIN,
    },
    "row-major scalar draws (the same stream as one vectorised call)": {
        "random_search_points": """
def random_search_points(low, high, n_points, rng):
    # one number at a time, row by row: the generator yields exactly the same numbers
    return np.array([[rng.uniform(lo, hi) for lo, hi in zip(low, high)]
                     for _ in range(n_points)])
"""
    },
}

# ------------------------------------------------------------------------------------ mistakes

# The contract's loop, with one part changed per mistake below.
_COARSE_TO_FINE = """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    {start}
    best_point, best_score, boxes = None, np.inf, []
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        for point in {draw}:
            score = objective(point)
            if best_point is None or score < best_score:
                best_point, best_score = point, score
        half = {half}
        box_low = np.clip(best_point - half, low, high)
        box_high = np.clip(best_point + half, low, high)
    return best_point, best_score, boxes
"""


def _coarse_to_fine(
    start="box_low, box_high = low, high",
    draw="random_search_points(box_low, box_high, n_points, rng)",
    half="shrink * (box_high - box_low) / 2",
) -> str:
    return _COARSE_TO_FINE.format(start=start, draw=draw, half=half)


MISTAKES = {
    # grid_search_points
    "grid: first dimension varies fastest (meshgrid's default 'xy' order)": {
        "grid_search_points": """
def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high)]
    mesh = np.meshgrid(*axes)
    return np.stack([m.ravel() for m in mesh], axis=1)
"""
    },
    "grid: product of reversed axes, first dimension fastest": {
        "grid_search_points": """
import itertools


def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high)]
    points = [p[::-1] for p in itertools.product(*axes[::-1])]
    return np.array(points, dtype=float)
"""
    },
    "grid: np.arange instead of linspace (misses the endpoint)": {
        "grid_search_points": """
import itertools


def grid_search_points(low, high, n_per_dim):
    axes = [np.arange(lo, hi, (hi - lo) / n_per_dim) for lo, hi in zip(low, high)]
    return np.array(list(itertools.product(*axes)), dtype=float)
"""
    },
    "grid: transposed, one row per dimension (d, n**d)": {
        "grid_search_points": """
def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.array([m.ravel() for m in mesh])
"""
    },
    "grid: returns the list of tuples from itertools.product": {
        "grid_search_points": """
import itertools


def grid_search_points(low, high, n_per_dim):
    axes = [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high)]
    return list(itertools.product(*axes))
"""
    },
    "grid: step (high - low) / (n - 1) breaks down for n_per_dim = 1": {
        "grid_search_points": """
import itertools


def grid_search_points(low, high, n_per_dim):
    axes = []
    for lo, hi in zip(low, high):
        step = (hi - lo) / (n_per_dim - 1)
        axes.append([lo + k * step for k in range(n_per_dim)])
    return np.array(list(itertools.product(*axes)), dtype=float)
"""
    },
    # random_search_points
    "random points: global np.random instead of rng": {
        "random_search_points": """
def random_search_points(low, high, n_points, rng):
    return np.random.uniform(low, high, size=(n_points, len(low)))
"""
    },
    "random points: size=(d, n) then transposed": {
        "random_search_points": """
def random_search_points(low, high, n_points, rng):
    low = np.asarray(low, dtype=float)[:, None]
    high = np.asarray(high, dtype=float)[:, None]
    return rng.uniform(low, high, size=(low.shape[0], n_points)).T
"""
    },
    "random points: one draw per dimension (column by column)": {
        "random_search_points": """
def random_search_points(low, high, n_points, rng):
    columns = [rng.uniform(lo, hi, size=n_points) for lo, hi in zip(low, high)]
    return np.stack(columns, axis=1)
"""
    },
    "random points: a fresh default_rng() instead of the rng given": {
        "random_search_points": """
def random_search_points(low, high, n_points, rng):
    rng = np.random.default_rng()
    return rng.uniform(low, high, size=(n_points, len(low)))
"""
    },
    # random_search
    "random search: keeps the last of equal scores (<=)": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, float("inf")
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if score <= best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
"""
    },
    "random search: maximises the score": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, -float("inf")
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if score > best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
"""
    },
    "random search: best score starts at 0, never beaten by positive scores": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, 0
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
"""
    },
    "random search: history sorted by score instead of trial order": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    for _ in range(n_trials):
        params = sampler(rng)
        history.append((params, objective(params)))
    history.sort(key=lambda pair: pair[1])
    return history[0][0], history[0][1], history
"""
    },
    "random search: history records only the improvements": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, float("inf")
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        if score < best_score:
            best_params, best_score = params, score
            history.append((params, score))
    return best_params, best_score, history
"""
    },
    "random search: history newest first (insert at 0)": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, float("inf")
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.insert(0, (params, score))
        if score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
"""
    },
    "random search: the sampler gets a fresh generator, not rng": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, float("inf")
    for trial in range(n_trials):
        params = sampler(np.random.default_rng(trial))
        score = objective(params)
        history.append((params, score))
        if score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
"""
    },
    "random search: history as lists [params, score]": {
        "random_search": """
def random_search(objective, sampler, n_trials, rng):
    history = []
    best_params, best_score = None, float("inf")
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append([params, score])
        if score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
"""
    },
    # coarse_to_fine
    "coarse to fine: no clipping to the original box": {
        "coarse_to_fine": """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    box_low, box_high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    best_point, best_score, boxes = None, np.inf, []
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        for point in random_search_points(box_low, box_high, n_points, rng):
            score = objective(point)
            if best_point is None or score < best_score:
                best_point, best_score = point, score
        half = shrink * (box_high - box_low) / 2
        box_low, box_high = best_point - half, best_point + half
    return best_point, best_score, boxes
"""
    },
    "coarse to fine: shrinks around the box centre instead of the best point": {
        "coarse_to_fine": """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high = low, high
    best_point, best_score, boxes = None, np.inf, []
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        for point in random_search_points(box_low, box_high, n_points, rng):
            score = objective(point)
            if best_point is None or score < best_score:
                best_point, best_score = point, score
        centre = (box_low + box_high) / 2
        half = shrink * (box_high - box_low) / 2
        box_low = np.clip(centre - half, low, high)
        box_high = np.clip(centre + half, low, high)
    return best_point, best_score, boxes
"""
    },
    "coarse to fine: centres on the best point of the current round only": {
        "coarse_to_fine": """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high = low, high
    best_point, best_score, boxes = None, np.inf, []
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        points = random_search_points(box_low, box_high, n_points, rng)
        scores = [objective(p) for p in points]
        round_best = points[int(np.argmin(scores))]
        if min(scores) < best_score:
            best_point, best_score = round_best, min(scores)
        half = shrink * (box_high - box_low) / 2
        box_low = np.clip(round_best - half, low, high)
        box_high = np.clip(round_best + half, low, high)
    return best_point, best_score, boxes
"""
    },
    "coarse to fine: only the current round counts, even for the result": {
        "coarse_to_fine": """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high = low, high
    boxes = []
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        points = random_search_points(box_low, box_high, n_points, rng)
        scores = [objective(p) for p in points]
        i = int(np.argmin(scores))
        best_point, best_score = points[i], scores[i]
        half = shrink * (box_high - box_low) / 2
        box_low = np.clip(best_point - half, low, high)
        box_high = np.clip(best_point + half, low, high)
    return best_point, best_score, boxes
"""
    },
    "coarse to fine: side shrinks from the original box every round (not the current one)": {
        "coarse_to_fine": _coarse_to_fine(half="shrink * (high - low) / 2"),
    },
    "coarse to fine: shrink used as the half side instead of the side": {
        "coarse_to_fine": _coarse_to_fine(half="shrink * (box_high - box_low)"),
    },
    "coarse to fine: records the box after updating it (boxes shifted by one round)": {
        "coarse_to_fine": """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high = low, high
    best_point, best_score, boxes = None, np.inf, []
    for _ in range(n_rounds):
        for point in random_search_points(box_low, box_high, n_points, rng):
            score = objective(point)
            if best_point is None or score < best_score:
                best_point, best_score = point, score
        half = shrink * (box_high - box_low) / 2
        box_low = np.clip(best_point - half, low, high)
        box_high = np.clip(best_point + half, low, high)
        boxes.append((box_low, box_high))
    return best_point, best_score, boxes
"""
    },
    "coarse to fine: draws its own points instead of calling random_search_points": {
        "coarse_to_fine": _coarse_to_fine(
            draw="rng.uniform(box_low, box_high, size=(n_points, low.size))"
        ),
    },
    "coarse to fine: the side shrinks from the unclipped side, not the side of the clipped box": {
        "coarse_to_fine": _coarse_to_fine(
            start="box_low, box_high, half = low, high, (high - low) / 2", half="shrink * half"
        ),
    },
}
