"""Known mistakes of the `tuning` assignment: grid, random and coarse-to-fine search."""

from __future__ import annotations

import itertools
import operator

import numpy as np

from grader.mistakes import graded, misconception, right


def _axes(low, high, n_per_dim: int) -> list[np.ndarray]:
    return [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high, strict=True)]


def _equal(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
    except (TypeError, ValueError):
        return False


def _in_box(points, low, high) -> bool:
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    points = np.asarray(points, dtype=float)
    return bool(np.all((points >= low) & (points <= high)))


# ------------------------------------------------------------------------- grid_search_points

wrong_order = misconception(
    "grid_search_points.wrong_order",
    "Your grid has the right points in another order. The course lists them in "
    "itertools.product order: the last coordinate changes fastest. (np.meshgrid's default "
    'indexing="xy" swaps the first two dimensions: pass indexing="ij".)',
)


@wrong_order
def meshgrid_xy(low, high, n_per_dim):
    mesh = np.meshgrid(*_axes(low, high, n_per_dim))
    return np.stack([axis.ravel() for axis in mesh], axis=1)


@wrong_order
def first_dimension_fastest(low, high, n_per_dim):
    axes = _axes(low, high, n_per_dim)[::-1]
    return np.array([point[::-1] for point in itertools.product(*axes)], dtype=float)


@misconception(
    "grid_search_points.endpoint_missing",
    "Your values stop short of high (np.arange, a step of (high - low) / n_per_dim, or "
    "endpoint=False). A grid includes both ends of every range: "
    "np.linspace(low[i], high[i], n_per_dim).",
)
def arange_values(low, high, n_per_dim):
    axes = [np.arange(lo, hi, (hi - lo) / n_per_dim) for lo, hi in zip(low, high, strict=True)]
    return np.array(list(itertools.product(*axes)), dtype=float)


@misconception(
    "grid_search_points.points_as_columns",
    "Your grid has one row per dimension, shape (d, n_per_dim**d). Points are rows: the "
    "result has shape (n_per_dim**d, d) — stack the coordinates with axis=1.",
)
def one_row_per_dimension(low, high, n_per_dim):
    mesh = np.meshgrid(*_axes(low, high, n_per_dim), indexing="ij")
    return np.array([axis.ravel() for axis in mesh])


@misconception(
    "grid_search_points.not_an_array",
    "You return a list of tuples. Return a float NumPy array of shape (n_per_dim**d, d), "
    "e.g. np.array(list(itertools.product(*axes)), dtype=float).",
)
def list_of_tuples(low, high, n_per_dim):
    return list(itertools.product(*_axes(low, high, n_per_dim)))


@misconception(
    "grid_search_points.zip_not_product",
    "Your grid pairs the i-th value of every dimension (zip or column_stack): n_per_dim points. "
    "A grid takes every combination of the values, n_per_dim**d points: "
    "itertools.product(*axes).",
)
def diagonal(low, high, n_per_dim):
    return np.column_stack(_axes(low, high, n_per_dim))


@misconception(
    "grid_search_points.step_divides_by_zero",
    "With n_per_dim = 1 your step (high - low) / (n_per_dim - 1) divides by zero. "
    "np.linspace(low[i], high[i], 1) gives the single value low[i]: use np.linspace.",
    raises=("ZeroDivisionError",),
)
def step_by_hand(low, high, n_per_dim):
    axes = []
    for lo, hi in zip(low, high, strict=True):
        step = (hi - lo) / (n_per_dim - 1)
        axes.append([lo + k * step for k in range(n_per_dim)])
    return np.array(list(itertools.product(*axes)), dtype=float)


# ----------------------------------------------------------------------- random_search_points


@misconception(
    "random_search_points.dimension_by_dimension",
    "You draw the coordinates dimension by dimension (one draw per column, or a (d, n_points) "
    "draw transposed), which takes rng's numbers in another order. The course's draw is one "
    "call that fills the points row by row: rng.uniform(low, high, size=(n_points, d)).",
)
def one_draw_per_dimension(low, high, n_points, rng):
    columns = [rng.uniform(lo, hi, size=n_points) for lo, hi in zip(low, high, strict=True)]
    return np.stack(columns, axis=1)


points_as_columns = misconception(
    "random_search_points.points_as_columns",
    "Your points are columns, shape (d, n_points). Points are rows: draw with size=(n_points, d).",
)


@points_as_columns
def columns(low, high, n_points, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return rng.uniform(low[:, None], high[:, None], size=(low.size, n_points))


@points_as_columns
def rows_transposed(low, high, n_points, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return rng.uniform(low, high, size=(n_points, low.size)).T


@misconception(
    "random_search_points.width_is_high",
    "Your points are low + u * high; a uniform point of [low, high) is low + u * (high - low). "
    "rng.uniform(low, high, size=(n_points, d)) does this for you.",
)
def scaled_by_high(low, high, n_points, rng):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return low + rng.random((n_points, low.size)) * high


@misconception(
    "random_search_points.size_without_d",
    "size must be the shape of the result, (n_points, d): size=n_points draws one number per "
    "point, which does not fit d bounds.",
    raises=("ValueError",),
)
def size_n_points(low, high, n_points, rng):
    return rng.uniform(low, high, size=n_points)


ignores_rng_points = misconception(
    "random_search_points.ignores_rng",
    "Your points lie in the box but are not the ones the rng argument draws. Take every random "
    "number from rng (not np.random, not a new default_rng) in exactly one call, "
    "rng.uniform(low, high, size=(n_points, d)), so that a seed gives one answer.",
)


@ignores_rng_points.recogniser
def points_from_another_stream(arguments, student, expected) -> bool:
    return (
        isinstance(student, np.ndarray)
        and student.shape == np.shape(expected)
        and _in_box(student, arguments["low"], arguments["high"])
    )


# ------------------------------------------------------------------------------ random_search


def _trials(objective, sampler, n_trials, rng) -> list[tuple]:
    history = []
    for _ in range(n_trials):
        params = sampler(rng)
        history.append((params, objective(params)))
    return history


def _keep(history, better, best_score=np.inf) -> tuple:
    best_params = None
    for params, score in history:
        if better(score, best_score):
            best_params, best_score = params, score
    return best_params, best_score


@misconception(
    "random_search.ties_keep_last",
    "With equal scores your search keeps the later trial (<= instead of <). The first of equal "
    "best scores wins: replace the best only when a score is strictly lower.",
)
def keeps_last_tie(objective, sampler, n_trials, rng):
    history = _trials(objective, sampler, n_trials, rng)
    return (*_keep(history, operator.le), history)


@misconception(
    "random_search.maximises",
    "Your search keeps the highest score. Scores are costs here — lower is better: keep the "
    "trial with the lowest score.",
)
def highest_score(objective, sampler, n_trials, rng):
    history = _trials(objective, sampler, n_trials, rng)
    return (*_keep(history, operator.gt, -np.inf), history)


@misconception(
    "random_search.best_starts_at_zero",
    "Your best score starts at 0, so positive scores never beat it. Start from the first "
    "trial (or from float('inf')).",
)
def starts_at_zero(objective, sampler, n_trials, rng):
    history = _trials(objective, sampler, n_trials, rng)
    return (*_keep(history, operator.lt, 0), history)


@misconception(
    "random_search.history_sorted",
    "Your history is sorted by score. history lists every trial in the order it was run.",
)
def sorted_history(objective, sampler, n_trials, rng):
    history = sorted(_trials(objective, sampler, n_trials, rng), key=lambda trial: trial[1])
    return history[0][0], history[0][1], history


@misconception(
    "random_search.history_improvements_only",
    "Your history keeps only the trials that improved the best score. history lists every "
    "trial, (params, score), in the order it was run.",
)
def improvements_only(objective, sampler, n_trials, rng):
    history, best_score = [], np.inf
    for params, score in _trials(objective, sampler, n_trials, rng):
        if score < best_score:
            best_score = score
            history.append((params, score))
    return history[-1][0], best_score, history


@misconception(
    "random_search.history_newest_first",
    "Your history lists the newest trial first. history is in trial order: append each "
    "(params, score) at the end.",
)
def newest_first(objective, sampler, n_trials, rng):
    history = _trials(objective, sampler, n_trials, rng)
    return (*_keep(history, operator.lt), history[::-1])


@misconception(
    "random_search.history_as_lists",
    "Your history holds lists [params, score]; each entry is a tuple (params, score).",
)
def pairs_as_lists(objective, sampler, n_trials, rng):
    history = _trials(objective, sampler, n_trials, rng)
    return (*_keep(history, operator.lt), [list(trial) for trial in history])


@misconception(
    "random_search.no_history",
    "random_search returns three things, (best_params, best_score, history); yours returns only "
    "the best params and score.",
)
def without_history(objective, sampler, n_trials, rng):
    return _keep(_trials(objective, sampler, n_trials, rng), operator.lt)


@misconception(
    "random_search.score_first",
    "Your result starts with the score. The order is (best_params, best_score, history).",
)
def score_first(objective, sampler, n_trials, rng):
    history = _trials(objective, sampler, n_trials, rng)
    best_params, best_score = _keep(history, operator.lt)
    return best_score, best_params, history


sampler_ignores_rng = misconception(
    "random_search.sampler_ignores_rng",
    "Your trials are not the ones sampler(rng) gives with the rng you were given. Call "
    "params = sampler(rng) once per trial, passing rng itself (not a new generator), and draw "
    "nothing else from it.",
)


@sampler_ignores_rng.recogniser
def other_trials(arguments, student, expected) -> bool:
    """A full history of (params, score) pairs whose params are not those of the trials
    sampler(rng) gives, in any order."""
    if not (isinstance(student, tuple) and len(student) == 3 and isinstance(student[2], list)):
        return False
    history, right = student[2], expected[2]
    if len(history) != len(right) or not all(
        isinstance(trial, tuple) and len(trial) == 2 for trial in history
    ):
        return False
    unmatched = [params for params, _ in right]
    for params, _ in history:
        match = next((i for i, p in enumerate(unmatched) if _equal(p, params)), None)
        if match is None:
            return True
        del unmatched[match]
    return False


# ----------------------------------------------------------------------------- coarse_to_fine


def _coarse_to_fine(
    objective,
    low,
    high,
    n_points,
    n_rounds,
    shrink,
    rng,
    *,
    better=operator.lt,
    centre_on="best",
    side_of="current box",
    half_side=True,
    clip=True,
    record_after=False,
    draw_from_original=False,
    own_draw=False,
    forget_earlier_rounds=False,
):
    """The course's coarse-to-fine search, with one switch per known way of getting it wrong."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    box_low, box_high, unclipped_side = low, high, high - low
    best_point, best_score, boxes = None, None, []
    for _ in range(n_rounds):
        if not record_after:
            boxes.append((box_low, box_high))
        draw = (low, high) if draw_from_original else (box_low, box_high)
        if own_draw:
            points = rng.uniform(*draw, size=(n_points, low.size))
        else:
            points = graded("random_search_points")(*draw, n_points, rng)
        scores = [objective(point) for point in points]
        first = min if better is operator.lt else max
        i = first(range(len(scores)), key=scores.__getitem__)
        if forget_earlier_rounds or best_point is None or better(scores[i], best_score):
            best_point, best_score = points[i], scores[i]
        centre = {
            "best": best_point,
            "round": points[i],
            "box": (box_low + box_high) / 2,
        }[centre_on]
        side = (
            shrink
            * {
                "current box": box_high - box_low,
                "original box": high - low,
                "unclipped box": unclipped_side,
            }[side_of]
        )
        unclipped_side = side
        half = side / 2 if half_side else side
        box_low, box_high = centre - half, centre + half
        if clip:
            box_low, box_high = np.clip(box_low, low, high), np.clip(box_high, low, high)
        if record_after:
            boxes.append((box_low, box_high))
    return best_point, best_score, boxes


def _switched(**switches):
    """A coarse_to_fine variant with ``switches`` of :func:`_coarse_to_fine` set."""

    def variant(objective, low, high, n_points, n_rounds, shrink, rng):
        return _coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng, **switches)

    return variant


right("coarse_to_fine")(_switched())

misconception(
    "coarse_to_fine.no_clipping",
    "Your next box can reach outside the original [low, high]. Clip it: "
    "box_low = np.clip(centre - side / 2, low, high), and the same for box_high.",
)(_switched(clip=False))

misconception(
    "coarse_to_fine.centred_on_box",
    "Your boxes shrink around the centre of the current box. Coarse to fine zooms in on the "
    "best point found so far: centre the next box there.",
)(_switched(centre_on="box"))

round_best_only = misconception(
    "coarse_to_fine.round_best_only",
    "Your search follows the best point of the last round only. Keep the best point and score "
    "over all rounds (replace them only when a round finds a lower score), and centre the next "
    "box on that best point so far: a later round may find nothing better.",
)
round_best_only(_switched(centre_on="round"))
round_best_only(_switched(forget_earlier_rounds=True))

misconception(
    "coarse_to_fine.side_of_original_box",
    "Each of your boxes is shrink times the original box. Each side is shrink times the "
    "current box's side, so the boxes keep shrinking: shrink * (box_high - box_low).",
)(_switched(side_of="original box"))

misconception(
    "coarse_to_fine.side_of_unclipped_box",
    "Your side shrinks from the side of the box before clipping. Each side is shrink times the "
    "side of the box the round searched, as clipped: shrink * (box_high - box_low).",
)(_switched(side_of="unclipped box"))

misconception(
    "coarse_to_fine.shrink_is_half_side",
    "Your next box reaches shrink * side on each side of the centre, so it is twice too wide. "
    "The whole side is shrink * side: centre ± shrink * side / 2.",
)(_switched(half_side=False))

misconception(
    "coarse_to_fine.boxes_recorded_late",
    "Your list of boxes starts with the second box. boxes holds the box each round searched, "
    "starting with [low, high]: record the box before you search it.",
)(_switched(record_after=True))

misconception(
    "coarse_to_fine.draws_from_original_box",
    "Every round draws its points from the original [low, high]. Each round searches its own "
    "box: random_search_points(box_low, box_high, n_points, rng).",
)(_switched(draw_from_original=True))

misconception(
    "coarse_to_fine.own_draw",
    "Your coarse_to_fine draws its points itself. Each round calls the function you wrote, "
    "random_search_points(box_low, box_high, n_points, rng): one place for the draw, tested "
    "once.",
)(_switched(own_draw=True))

misconception(
    "coarse_to_fine.maximises",
    "Your search zooms in on the highest score. Scores are costs here — lower is better.",
)(_switched(better=operator.gt))
