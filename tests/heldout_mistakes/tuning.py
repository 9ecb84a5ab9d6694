"""Held-apart answers to the `tuning` assignment (see the package docstring)."""

from tests.heldout_mistakes import Heldout


def _zooming(zoom: str, record_first: bool = True, better: str = "<") -> str:
    """A coarse_to_fine answer that searches each box, then moves to the next box by ``zoom``."""
    record = "        searched.append((a, b))\n" if record_first else ""
    return f"""
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    a0, b0 = np.array(low, dtype=float), np.array(high, dtype=float)
    a, b = a0, b0
    winner, winner_score, searched = None, None, []
    for k in range(n_rounds):
{record}        for x in random_search_points(a, b, n_points, rng):
            fx = objective(x)
            if winner is None or fx {better} winner_score:
                winner, winner_score = x, fx{zoom}
    return winner, winner_score, searched
"""


HELDOUT = [
    Heldout(
        "grid_search_points",
        "grid_search_points.wrong_order",
        "index digits read little-endian: the first coordinate changes fastest",
        """
def grid_search_points(low, high, n_per_dim):
    d = len(low)
    values = [np.linspace(low[j], high[j], n_per_dim) for j in range(d)]
    rows = []
    for k in range(n_per_dim ** d):
        row, rest = [], k
        for j in range(d):
            row.append(values[j][rest % n_per_dim])
            rest //= n_per_dim
        rows.append(row)
    return np.array(rows, dtype=float)
""",
    ),
    Heldout(
        "grid_search_points",
        "grid_search_points.endpoint_missing",
        "values lo + (hi - lo) * k / n, never reaching hi",
        """
import itertools


def grid_search_points(low, high, n_per_dim):
    ticks = []
    for lo, hi in zip(low, high):
        ticks.append([lo + (hi - lo) * k / n_per_dim for k in range(n_per_dim)])
    return np.array([list(p) for p in itertools.product(*ticks)], dtype=float)
""",
    ),
    Heldout(
        "grid_search_points",
        "grid_search_points.endpoint_missing",
        "np.linspace with one value too many, last one dropped",
        """
import itertools


def grid_search_points(low, high, n_per_dim):
    ticks = [np.linspace(lo, hi, n_per_dim + 1)[:-1] for lo, hi in zip(low, high)]
    return np.array(list(itertools.product(*ticks)), dtype=float)
""",
    ),
    Heldout(
        "grid_search_points",
        "grid_search_points.points_as_columns",
        "vstack of the raveled mesh, never transposed",
        """
def grid_search_points(low, high, n_per_dim):
    grids = np.meshgrid(*[np.linspace(a, b, n_per_dim) for a, b in zip(low, high)],
                        indexing="ij")
    return np.vstack([g.reshape(-1) for g in grids])
""",
    ),
    Heldout(
        "grid_search_points",
        None,
        "rounds every value to 3 decimals",
        """
import itertools


def grid_search_points(low, high, n_per_dim):
    ticks = [np.round(np.linspace(lo, hi, n_per_dim), 3) for lo, hi in zip(low, high)]
    return np.array(list(itertools.product(*ticks)), dtype=float)
""",
    ),
    Heldout(
        "random_search_points",
        "random_search_points.dimension_by_dimension",
        "fills column j with its own draw, in a loop",
        """
def random_search_points(low, high, n_points, rng):
    d = len(low)
    pts = np.empty((n_points, d))
    for j in range(d):
        pts[:, j] = rng.uniform(low[j], high[j], n_points)
    return pts
""",
    ),
    Heldout(
        "random_search_points",
        "random_search_points.ignores_rng",
        "a generator seeded with 0 inside the function",
        """
def random_search_points(low, high, n_points, rng):
    gen = np.random.default_rng(0)
    return gen.uniform(low, high, size=(n_points, len(low)))
""",
    ),
    Heldout(
        "random_search_points",
        "random_search_points.ignores_rng",
        "draws one row too many and drops the first",
        """
def random_search_points(low, high, n_points, rng):
    return rng.uniform(low, high, size=(n_points + 1, len(low)))[1:]
""",
    ),
    Heldout(
        "random_search",
        "random_search.ties_keep_last",
        "max over (-score, index): the last of equal scores",
        """
def random_search(objective, sampler, n_trials, rng):
    trials = []
    for _ in range(n_trials):
        p = sampler(rng)
        trials.append((p, objective(p)))
    best = max(range(n_trials), key=lambda i: (-trials[i][1], i))
    return trials[best][0], trials[best][1], trials
""",
    ),
    Heldout(
        "random_search",
        "random_search.maximises",
        "np.argmax of the scores",
        """
def random_search(objective, sampler, n_trials, rng):
    params = [sampler(rng) for _ in range(n_trials)]
    scores = [objective(p) for p in params]
    i = int(np.argmax(scores))
    return params[i], scores[i], list(zip(params, scores))
""",
    ),
    Heldout(
        "random_search",
        "random_search.history_sorted",
        "sorts the history in place after picking the best",
        """
def random_search(objective, sampler, n_trials, rng):
    history = []
    for _ in range(n_trials):
        candidate = sampler(rng)
        history.append((candidate, objective(candidate)))
    history.sort(key=lambda pair: pair[1])
    best_params, best_score = history[0]
    return best_params, best_score, history
""",
    ),
    Heldout(
        "random_search",
        "random_search.best_starts_at_zero",
        "while loop, best score starts at 0.0",
        """
def random_search(objective, sampler, n_trials, rng):
    history, best, best_score, t = [], None, 0.0, 0
    while t < n_trials:
        p = sampler(rng)
        s = objective(p)
        history.append((p, s))
        if s < best_score:
            best, best_score = p, s
        t += 1
    return best, best_score, history
""",
    ),
    Heldout(
        "random_search",
        "random_search.no_history",
        "returns only the best pair",
        """
def random_search(objective, sampler, n_trials, rng):
    best, best_score = None, float("inf")
    for _ in range(n_trials):
        p = sampler(rng)
        s = objective(p)
        if s < best_score:
            best, best_score = p, s
    return best, best_score
""",
    ),
    Heldout(
        "random_search",
        None,
        "returns a dict",
        """
def random_search(objective, sampler, n_trials, rng):
    history = []
    for _ in range(n_trials):
        p = sampler(rng)
        history.append((p, objective(p)))
    i = min(range(n_trials), key=lambda k: history[k][1])
    return {"best_params": history[i][0], "best_score": history[i][1], "history": history}
""",
    ),
    Heldout(
        "random_search",
        None,
        "history keeps the scores only",
        """
def random_search(objective, sampler, n_trials, rng):
    params, scores = [], []
    for _ in range(n_trials):
        params.append(sampler(rng))
        scores.append(objective(params[-1]))
    i = int(np.argmin(scores))
    return params[i], scores[i], scores
""",
    ),
    Heldout(
        "coarse_to_fine",
        "coarse_to_fine.no_clipping",
        "next box best +- half side, never clipped",
        """
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    lo, hi = np.array(low, dtype=float), np.array(high, dtype=float)
    winner, winner_score, searched = None, float("inf"), []
    for _ in range(n_rounds):
        searched.append((lo, hi))
        for x in random_search_points(lo, hi, n_points, rng):
            fx = objective(x)
            if winner is None or fx < winner_score:
                winner, winner_score = x, fx
        width = (hi - lo) * shrink
        lo, hi = winner - width / 2, winner + width / 2
    return winner, winner_score, searched
""",
    ),
    Heldout(
        "coarse_to_fine",
        "coarse_to_fine.centred_on_box",
        "shrinks around the middle of the current box",
        _zooming("""
        mid, width = (a + b) / 2, (b - a) * shrink
        a, b = np.clip(mid - width / 2, a0, b0), np.clip(mid + width / 2, a0, b0)"""),
    ),
    Heldout(
        "coarse_to_fine",
        "coarse_to_fine.side_of_unclipped_box",
        "side shrink**(round + 1) * (high - low)",
        _zooming("""
        half = shrink ** (k + 1) * (b0 - a0) / 2
        a, b = np.clip(winner - half, a0, b0), np.clip(winner + half, a0, b0)"""),
    ),
    Heldout(
        "coarse_to_fine",
        "coarse_to_fine.boxes_recorded_late",
        "appends each box once it is computed; the first box never recorded",
        _zooming(
            """
        half = (b - a) * shrink / 2
        a, b = np.clip(winner - half, a0, b0), np.clip(winner + half, a0, b0)
        searched.append((a, b))""",
            record_first=False,
        ),
    ),
    Heldout(
        "coarse_to_fine",
        "coarse_to_fine.maximises",
        "keeps the largest objective",
        _zooming(
            """
        half = (b - a) * shrink / 2
        a, b = np.clip(winner - half, a0, b0), np.clip(winner + half, a0, b0)""",
            better=">",
        ),
    ),
    Heldout(
        "coarse_to_fine",
        None,
        "moves a box of the shrunk side inside [low, high] instead of clipping it",
        _zooming("""
        side = (b - a) * shrink
        a = np.minimum(np.maximum(winner - side / 2, a0), b0 - side)
        b = a + side"""),
    ),
]

CORRECT = [
    Heldout(
        "random_search_points",
        None,
        "affine map of rng.random, arrays built first",
        """
def random_search_points(low, high, n_points, rng):
    lo = np.asarray(low, dtype=float)
    width = np.asarray(high, dtype=float) - lo
    return lo + width * rng.random((n_points, lo.shape[0]))
""",
    ),
    Heldout(
        "random_search",
        None,
        "keeps a running best with an explicit first-trial flag",
        """
def random_search(objective, sampler, n_trials, rng):
    log, first = [], True
    for _ in range(n_trials):
        p = sampler(rng)
        s = objective(p)
        log.append((p, s))
        if first or s < top_score:
            top, top_score, first = p, s, False
    return top, top_score, log
""",
    ),
]
