# %% [markdown]
# # The tuning process: grid search, random search, coarse to fine
#
# A network has many hyperparameters: the learning rate $\alpha$, the momentum term $\beta$
# (or Adam's $\beta_1, \beta_2, \varepsilon$), the number of hidden units $n^{[l]}$, the number of
# layers $L$, the mini-batch size, learning-rate decay, regularisation... They decide which
# $W^{[l]}, b^{[l]}$ gradient descent ends up with, and they do not all matter equally. A common
# order of priority:
#
# 1. **first:** the learning rate $\alpha$, almost always the most important;
# 2. **second:** the momentum term $\beta$ (about $0.9$), the mini-batch size, the number of hidden units;
# 3. **third:** the number of layers $L$, learning-rate decay;
# 4. **rarely:** Adam's $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\varepsilon = 10^{-8}$, whose defaults usually work.
#
# In this notebook you write the tools of a search, in four graded functions:
#
# | function | what it does |
# |---|---|
# | `grid_search_points` | the points of a regular $n \times n \times \dots$ grid |
# | `random_search_points` | $N$ points drawn uniformly at random in a box |
# | `random_search` | try $N$ random settings of a model's hyperparameters and keep the best |
# | `coarse_to_fine` | search a box, zoom in on the best point, search again |
#
# Throughout, a point in a search over $d$ hyperparameters is a **row** of length $d$, so a set
# of $N$ points is an array of shape $(N, d)$, and every objective is a score to **minimise**
# (a validation error, a loss): lower is better. Every random draw comes from a
# `np.random.Generator` passed in as `rng`, so a seed fixes the result. None of the four
# functions needs to check its arguments: the tests pass only valid ones.
#
# ## Rules that can cost points
#
# - **Answer cells.** Write each function's body in its answer cell, below the docstring (where
#   it says `# YOUR CODE HERE`). Keep the `def` line and the docstring as given: the tests call
#   the function by that name, with those arguments. An answer cell may import ordinary libraries
#   (NumPy, `math`, `itertools`, ...) and define helpers for its function.
# - **What an answer cell may not do.** A cell that imports or names the course's reference,
#   grader or sample answers (`course_lib`, `grader`, `instructor_tools`, `samples`) gets **no
#   points** for its function. Anything else unusual (`import sys`, a magic such as `%debug`,
#   patching a library) costs nothing by itself but is flagged for a person; `course check` shows
#   each finding and what it costs.
# - **Do not change your arguments in place.** Compute new arrays (`Z - mu`, not `Z -= mu`) and
#   return them: a function that changes an array it was given loses the points of the tests that
#   check that the arguments are left as they were.
# - **Time.** At grading, every cell, and every call a test makes to your function, may run
#   for 30 s, and the whole notebook for 600 s, restarts included.
#   What runs longer is stopped and counts as failed; once the notebook's time is used up, the
#   cells left score nothing.
# - **Your own cells.** You may add cells (helpers, experiments). They run at grading, in order,
#   like the given cells, so keep them quick and free of errors. Test cells are restored from the
#   original at grading: editing or deleting one changes nothing.
# - **Written answers** are graded by a person, with the rubric shown under each question: the
#   rubric says what earns each point.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import itertools

import matplotlib.pyplot as plt
import numpy as np

from course_kit.data import load_digits_split
from course_kit.network import MLP


# %% [markdown]
# ## 1. Grid search
#
# The classic way to explore two hyperparameters is a grid: choose $n$ values of each and try
# every combination, $n \times n = n^2$ settings in all. With $d$ hyperparameters and $n$ values
# each there are $n^d$ points.
#
# Dimension $i$ takes the $n$ evenly spaced values from `low[i]` to `high[i]`, **both ends
# included**. The points are listed in
# `itertools.product` order: the **last** coordinate changes fastest. For `low = [0, 10]`,
# `high = [1, 20]` and $n = 2$:
#
# $$
# \begin{pmatrix} 0 & 10 \\ 0 & 20 \\ 1 & 10 \\ 1 & 20 \end{pmatrix}
# $$
#
# **Write `grid_search_points`.**
#
# <details><summary>Hint 1 — idea</summary>
#
# Build the list of values of each dimension first; the grid is every way of picking one
# value from each list, in the order of nested loops with the last dimension innermost.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# The values of dimension $i$ are $\text{low}_i + j\,\frac{\text{high}_i - \text{low}_i}{n - 1}$
# for $j = 0, \dots, n - 1$ (just $\text{low}_i$ when $n = 1$).
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# One `np.linspace` per dimension gives its values; `itertools.product(*axes)` gives the
# combinations in the right order (`np.meshgrid(..., indexing="ij")` is another way); make a
# float array of shape $(n^d, d)$ of them.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "grid_search_points", "locked": false, "schema_version": 3, "solution": true, "task": false}
def grid_search_points(low, high, n_per_dim):
    """Every point of a regular grid over the box [low, high].

    Dimension i takes n_per_dim evenly spaced values from low[i] to high[i], both ends
    included (just low[i] when n_per_dim = 1). Return every combination, one point per row,
    in the order of itertools.product: the LAST dimension varies fastest. The arguments need
    not be checked.

    Parameters
    ----------
    low, high : sequences of length d with low[i] < high[i]
    n_per_dim : int >= 1, the number of values per dimension

    Returns
    -------
    points : float array of shape (n_per_dim**d, d)
    """
    ### BEGIN SOLUTION
    axes = [np.linspace(lo, hi, n_per_dim) for lo, hi in zip(low, high)]
    return np.array(list(itertools.product(*axes)), dtype=float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_grid_search_points_small_grids", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close

# One dimension, 3 values: np.linspace(0, 1, 3) is 0, 0.5, 1 -> 3 points, each a row of length 1.
check_close("grid_search_points([0], [1], 3)", grid_search_points([0], [1], 3),
            [[0.0], [0.5], [1.0]])

# Two dimensions, 2 values each: 2 * 2 = 4 points; the last coordinate changes fastest and
# both ends of each range are included.
check_close("grid_search_points([0, 10], [1, 20], 2)", grid_search_points([0, 10], [1, 20], 2),
            [[0.0, 10.0], [0.0, 20.0], [1.0, 10.0], [1.0, 20.0]])

# A 3 x 3 grid over [0, 2] x [0, 4]: x takes 0, 1, 2 and y takes 0, 2, 4.
check_close("grid_search_points([0, 0], [2, 4], 3)", grid_search_points([0, 0], [2, 4], 3),
            [[0, 0], [0, 2], [0, 4], [1, 0], [1, 2], [1, 4], [2, 0], [2, 2], [2, 4]])
print("grid_search_points: the small grids are right.")

# %% nbgrader={"grade": true, "grade_id": "test_grid_search_points_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: grids with 1 to 4 dimensions and random bounds equal the expected grid.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close
from course_lib.tuning import grid_search_points as reference_grid_search_points

rng = np.random.default_rng(2024)
for d, n in [(1, 5), (2, 4), (3, 3), (4, 2), (2, 7), (3, 4)]:
    low = rng.uniform(-10, 10, size=d)
    high = low + rng.uniform(0.5, 20, size=d)
    for lo, hi in [(list(low), list(high)), (low, high)]:
        check_close(f"grid_search_points(low, high, {n}) with d = {d}",
                    grid_search_points(lo, hi, n), reference_grid_search_points(lo, hi, n),
                    rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_grid_search_points_one_value", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: with n_per_dim = 1 the grid is the single point low, of shape (1, d).
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close

check_close("grid_search_points([0.5, -2.0, 3.0], [0.7, 2.0, 4.0], 1)",
            grid_search_points([0.5, -2.0, 3.0], [0.7, 2.0, 4.0], 1), [[0.5, -2.0, 3.0]])
check_close("grid_search_points([1e-4], [1.0], 1)", grid_search_points([1e-4], [1.0], 1),
            [[1e-4]])
check_close("grid_search_points(np.array([0.0, 0.0]), np.array([1.0, 1.0]), 1)",
            grid_search_points(np.array([0.0, 0.0]), np.array([1.0, 1.0]), 1), [[0.0, 0.0]])
### END HIDDEN TESTS

# %% [markdown]
# Here is a $5 \times 5$ grid over the unit square. Count the distinct values that each
# hyperparameter takes: 25 trials, but only 5 different learning rates (say) were ever tried.

# %%
grid = grid_search_points([0, 0], [1, 1], 5)
print("grid shape:", grid.shape)
for i in range(grid.shape[1]):
    print(f"dimension {i}: {len(np.unique(grid[:, i]))} distinct values")


# %% [markdown]
# ## 2. Random points
#
# Instead of an $n \times n$ grid, draw $n^2$ points at random in the same box. The budget is the
# same ($n^2$ trainings), but now each hyperparameter takes (almost surely) $n^2$ **distinct**
# values instead of $n$.
#
# Draw every point with **one** call of `rng.uniform`, all $N \times d$ numbers at once, as an
# array of shape $(N, d)$ whose column $i$ is uniform in $[\text{low}_i, \text{high}_i)$.
# Drawing in exactly this way means a seed gives exactly one right answer, which the tests rely
# on.
#
# <details><summary>Hint 1 — idea</summary>
#
# `rng.uniform` accepts arrays as bounds: NumPy broadcasts them against the shape you ask
# for.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# Point $j$, coordinate $i$: $u_{ji} \sim \mathcal U[\text{low}_i, \text{high}_i)$, all
# independent.
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# One call with the two bounds as they are and `size=(n_points, d)`, where $d$ is the length
# of `low`: the bounds of length $d$ broadcast along the rows.
#
# </details>
#
# **Write `random_search_points`.**

# %% nbgrader={"grade": false, "grade_id": "random_search_points", "locked": false, "schema_version": 3, "solution": true, "task": false}
def random_search_points(low, high, n_points, rng):
    """n_points points drawn uniformly at random in the box [low, high).

    Row j is point j; column i is uniform in [low[i], high[i]). All n_points * d numbers come
    from ONE call of rng.uniform (bounds low, high; shape (n_points, d), d = len(low)), and
    from rng only (never np.random.*), so that a seed fixes the points. The arguments need
    not be checked.

    Parameters
    ----------
    low, high : sequences of length d with low[i] < high[i]
    n_points : int >= 1
    rng : np.random.Generator

    Returns
    -------
    points : float array of shape (n_points, d)
    """
    ### BEGIN SOLUTION
    return rng.uniform(low, high, size=(n_points, len(low)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_random_search_points_box_and_seed", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import check_array, check_between, check_close

points = random_search_points([0, 10], [1, 20], 6, np.random.default_rng(0))
check_array("random_search_points([0, 10], [1, 20], 6, rng)", points, (6, 2))
# column 0 lies in [0, 1], column 1 in [10, 20]
check_between("random_search_points([0, 10], [1, 20], 6, rng)", points, [0, 10], [1, 20])

# The same seed gives the same points: all randomness comes from rng.
again = random_search_points([0, 10], [1, 20], 6, np.random.default_rng(0))
check_close("random_search_points called twice with default_rng(0)", again, points,
            rtol=0, atol=0)

# And they are exactly the one draw rng.uniform(low, high, size=(n_points, d)).
expected = np.random.default_rng(0).uniform([0, 10], [1, 20], size=(6, 2))
check_close("random_search_points([0, 10], [1, 20], 6, default_rng(0))", points, expected,
            rtol=1e-12, atol=0)
print("random_search_points: shape, box and draw are right.")

# %% nbgrader={"grade": true, "grade_id": "test_random_search_points_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: random boxes, sizes and seeds give exactly the expected points.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close
from course_lib.tuning import random_search_points as reference_random_search_points

for seed, d, n in [(1, 1, 10), (2, 3, 7), (3, 4, 25), (4, 2, 1), (5, 5, 3)]:
    rng = np.random.default_rng(seed + 100)
    low = rng.uniform(-5, 5, size=d)
    high = low + rng.uniform(0.1, 10, size=d)
    expected = reference_random_search_points(low, high, n, np.random.default_rng(seed))
    check_close(f"random_search_points(low, high, {n}, rng) with d = {d}, seed {seed}",
                random_search_points(list(low), list(high), n, np.random.default_rng(seed)),
                expected, rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_random_search_points_uses_rng", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: the points come from the rng argument only, and use up exactly one draw of n_points x d numbers.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close, check_float_close

rng = np.random.default_rng(77)
random_search_points([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], 5, rng)
reference = np.random.default_rng(77)
reference.uniform([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], size=(5, 3))
check_float_close("the next number the rng gives after random_search_points", rng.uniform(),
                  reference.uniform(), rtol=0, atol=0)

# Two calls with identically seeded generators agree; draws from the global np.random state,
# which moves on between the calls, would not.
first = random_search_points([0.0], [1.0], 4, np.random.default_rng(5))
second = random_search_points([0.0], [1.0], 4, np.random.default_rng(5))
check_close("random_search_points called twice with default_rng(5)", second, first, rtol=0,
            atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ### Grid versus random, when one hyperparameter matters more
#
# Take a toy objective in which only the first hyperparameter really matters:
# $f(x, y) = (x - 0.37)^2 + 0.01\,(y - 0.5)^2$. Compare a $3 \times 3$ grid with 9 random points.
# The ticks under each plot show the values of $x$ that were tried. **Predict before you run the
# cell:** how many distinct values of $x$ does each design try, and how close can the grid's best
# $x$ get to $0.37$?

# %%
def toy_objective(point):
    x, y = point
    return float((x - 0.37) ** 2 + 0.01 * (y - 0.5) ** 2)


n = 3
designs = {
    f"{n} x {n} grid": grid_search_points([0, 0], [1, 1], n),
    f"{n * n} random points": random_search_points([0, 0], [1, 1], n * n, np.random.default_rng(1)),
}
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
for ax, (name, points) in zip(axes, designs.items()):
    scores = [toy_objective(p) for p in points]
    best = points[int(np.argmin(scores))]
    ax.scatter(points[:, 0], points[:, 1], color="tab:blue")
    ax.scatter(*best, s=150, facecolors="none", edgecolors="tab:red", label="best")
    ax.plot(points[:, 0], np.full(len(points), -0.05), "|", color="k", markersize=12)
    ax.axvline(0.37, color="gray", linestyle=":", label="best x")
    n_x = len(np.unique(points[:, 0]))
    ax.set_title(f"{name}: {n_x} distinct x, best f = {min(scores):.4f}")
    ax.set_xlabel("x (matters)")
    ax.legend(loc="upper right")
axes[0].set_ylabel("y (barely matters)")
plt.tight_layout()
plt.show()


# %% [markdown] nbgrader={"grade": true, "grade_id": "written_random_vs_grid", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Question.** With the same budget of $n^2$ trainings, why does random search usually find a
# better setting than an $n \times n$ grid when one hyperparameter (say $\alpha$) matters much more
# than the other (say $\varepsilon$)? And why is that an argument for random search even when you
# do not know in advance which hyperparameter matters?
#
# **Rubric (2 points):** 1 point for saying that a grid tries only $n$ distinct values of the
# important hyperparameter while random points try (almost surely) $n^2$, so the grid wastes
# trainings on the unimportant one; 1 point for saying that we do not know in advance which
# hyperparameter matters, and random search covers every dimension finely whichever it is.
#
# ### BEGIN SOLUTION
# **Model answer.** The score depends almost only on $\alpha$, so what counts is how many
# different values of $\alpha$ were tried. A grid tries only $n$ distinct values of $\alpha$: the
# $n$ points in each column of the grid share the same $\alpha$ and differ only in $\varepsilon$,
# which barely changes the score, so $n^2 - n$ trainings are wasted. Random points almost surely
# give $n^2$ distinct values of $\alpha$ (and of $\varepsilon$), so the important axis is explored
# $n$ times more finely for the same cost. Since we rarely know beforehand which hyperparameters
# matter most (and this changes between problems), random points are a safe choice: whichever
# hyperparameters turn out to matter, each of them has been tried at $n^2$ values.
# ### END SOLUTION

# %% [markdown]
# ## 3. Random search
#
# A random search repeats two steps: draw a setting of the hyperparameters, then train and score
# it. We keep the whole search generic: a **sampler** `sampler(rng)` returns one setting (any
# Python object: a number, a tuple, a dict), and an **objective** `objective(params)` returns its
# score, lower being better.
#
# For each of the `n_trials` trials, in order: `params = sampler(rng)`, then
# `score = objective(params)`. Return the best setting, its score, and the `history`, the list of
# `(params, score)` tuples in trial order. When several trials share the lowest score, the
# **first** of them wins.
#
# **Write `random_search`.**

# %% nbgrader={"grade": false, "grade_id": "random_search", "locked": false, "schema_version": 3, "solution": true, "task": false}
def random_search(objective, sampler, n_trials, rng):
    """Random search: try n_trials random settings of the hyperparameters and keep the best.

    Each trial, in order, gets its params by calling sampler(rng), then their score by
    calling objective on those params.
    Lower scores are better; when several trials share the lowest score, the first one wins.
    The arguments need not be checked.

    Parameters
    ----------
    objective : function params -> score (a float)
    sampler : function rng -> params
    n_trials : int >= 1
    rng : np.random.Generator, passed to the sampler

    Returns
    -------
    best_params, best_score : the params and the score of the best trial (the score as
        objective returned it: no conversion needed)
    history : list of (params, score) tuples, one per trial, in trial order
    """
    ### BEGIN SOLUTION
    history = []
    best_params, best_score = None, None
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if best_score is None or score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_random_search_hand_example", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import check_float_close, check_list, check_tuple

# A sampler that returns 0.5, 2.0, 1.5, 3.0 in turn (it ignores rng to keep this checkable by
# hand), and the objective (x - 1.6)**2: the scores are 1.21, 0.16, 0.01 and 1.96.
values = iter([0.5, 2.0, 1.5, 3.0])


def sampler(rng):
    return next(values)


def objective(x):
    return (x - 1.6) ** 2


result = random_search(objective, sampler, 4, np.random.default_rng(0))
check_tuple("random_search(...)", result, 3)
best_params, best_score, history = result
check_float_close("best_params (the lowest score is 0.01, at x = 1.5)", best_params, 1.5)
check_float_close("best_score", best_score, 0.01)
check_list("history", history, 4)
for i, (x, score) in enumerate([(0.5, 1.21), (2.0, 0.16), (1.5, 0.01), (3.0, 1.96)]):
    check_tuple(f"history[{i}]", history[i], 2)
    check_float_close(f"history[{i}][0] (the params of trial {i})", history[i][0], x)
    check_float_close(f"history[{i}][1] (the score of trial {i})", history[i][1], score)

# Ties: with the objective |x - 2| the values 3.0, 1.5, 2.5, 0.5 score 1.0, 0.5, 0.5 and 1.5;
# trials 1 and 2 share the lowest score, and the first of them wins.
values = iter([3.0, 1.5, 2.5, 0.5])
best_params, best_score, _ = random_search(lambda x: abs(x - 2.0), sampler, 4,
                                           np.random.default_rng(0))
check_float_close("best_params when two trials tie (the first of them wins: 1.5)",
                  best_params, 1.5)
print("random_search: the hand example is right.")

# %% nbgrader={"grade": true, "grade_id": "test_random_search_ties", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: when several trials share the lowest score the first of them wins, and history keeps every trial.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_float_close, check_list, check_tuple

params_in_order = iter([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
scores = {0.0: 3.0, 1.0: 1.0, 2.0: 2.0, 3.0: 1.0, 4.0: 1.0, 5.0: 4.0}
result = random_search(scores.__getitem__, lambda rng: next(params_in_order), 6,
                       np.random.default_rng(0))
check_tuple("random_search(...)", result, 3)
best_params, best_score, history = result
check_float_close("best_params with tied scores", best_params, 1.0, rtol=0, atol=0)
check_float_close("best_score with tied scores", best_score, 1.0, rtol=0, atol=0)
check_list("history", history, 6)
for i in range(6):
    check_tuple(f"history[{i}]", history[i], 2)
    check_float_close(f"history[{i}][0]", history[i][0], float(i), rtol=0, atol=0)
    check_float_close(f"history[{i}][1]", history[i][1], scores[float(i)], rtol=0, atol=0)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_random_search_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: a sampler that draws from rng gives the expected best point, best score and history.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close, check_float_close, check_list, check_tuple
from course_lib.tuning import random_search as reference_random_search


def sampler(rng):
    return rng.uniform([-4.0, 0.0], [0.0, 1.0], size=2)


def objective(point):
    return float((point[0] + 2.3) ** 2 + 0.1 * (point[1] - 0.4) ** 2)


for seed, n_trials in [(0, 30), (1, 7), (2, 50)]:
    expected = reference_random_search(objective, sampler, n_trials, np.random.default_rng(seed))
    result = random_search(objective, sampler, n_trials, np.random.default_rng(seed))
    check_tuple("random_search(...)", result, 3)
    check_close(f"best_params (seed {seed})", result[0], expected[0], rtol=1e-12, atol=0)
    check_float_close(f"best_score (seed {seed})", result[1], expected[1], rtol=1e-12, atol=0)
    check_list("history", result[2], n_trials)
    for i, (params, score) in enumerate(expected[2]):
        check_tuple(f"history[{i}]", result[2][i], 2)
        check_close(f"history[{i}][0] (seed {seed})", result[2][i][0], params, rtol=1e-12,
                    atol=0)
        check_float_close(f"history[{i}][1] (seed {seed})", result[2][i][1], score,
                          rtol=1e-12, atol=0)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_random_search_one_trial", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: with a single trial (of any score, positive or negative) that trial is the best.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_float_close, check_list, check_tuple

for score in [5.0, -2.5, 0.0]:
    result = random_search(lambda params: score, lambda rng: 0.25, 1, np.random.default_rng(3))
    check_tuple("random_search(...)", result, 3)
    check_float_close(f"best_params of one trial scoring {score}", result[0], 0.25, rtol=0,
                      atol=0)
    check_float_close(f"best_score of one trial scoring {score}", result[1], score, rtol=0,
                      atol=0)
    check_list("history", result[2], 1)
    check_tuple("history[0]", result[2][0], 2)
### END HIDDEN TESTS

# %% [markdown]
# ### A real search: a small network on the digits
#
# Now tune a real model: the course's network `MLP` with one hidden layer of ReLU units, trained
# with Adam for 100 mini-batch steps on the $8 \times 8$ digits ($n_x = 64$, examples as columns
# of `X`). Its output layer gives each of the 10 classes a score and is trained with the
# multiclass hinge (SVM) loss, so it needs nothing from the other notebooks. The score to
# minimise is the error on the validation set. We search two hyperparameters, drawn together as
# one point $(r, k)$ of the box $[-4, 0] \times [3, 7)$ by **your** `random_search_points`:
#
# - the learning rate $\alpha = 10^r$, so $10^{-4} \le \alpha \le 1$: as $r$ is uniform, $\alpha$
#   is sampled on a log scale (the next notebook explains why);
# - the number of hidden units $n^{[1]} = 2^{\lfloor k \rfloor}$: 8, 16, 32 or 64, each with
#   probability $1/4$.
#
# A setting is the tuple `(r, hidden_units)`, and **your** `random_search` tries 10 of them.

# %%
digits = load_digits_split(seed=0)
print("train X:", digits.train.X.shape, " validation X:", digits.validation.X.shape)


def validation_error(params):
    r, hidden_units = params
    net = MLP([digits.n_x, hidden_units, digits.n_classes], rng=np.random.default_rng(1))
    with np.errstate(all="ignore"):  # a too-large learning rate may overflow: a bad score
        net.fit(digits.train.X, digits.train.labels, steps=100, batch_size=64,
                learning_rate=10.0**r, optimizer="adam", rng=np.random.default_rng(2))
        return 1.0 - net.accuracy(digits.validation.X, digits.validation.labels)


def sample_setting(rng):
    r, k = random_search_points([-4.0, 3.0], [0.0, 7.0], 1, rng)[0]  # one point (r, k)
    return (r, 2 ** int(k))  # int(k) is 3, 4, 5 or 6: 8 to 64 hidden units


best, best_error, history = random_search(validation_error, sample_setting, 10,
                                          np.random.default_rng(0))
print(f"best: alpha = {10 ** best[0]:.2e}, {best[1]} hidden units, "
      f"validation error {best_error:.3f}")

# %%
alphas = np.array([10 ** params[0] for params, _ in history])
units = np.array([params[1] for params, _ in history])
errors = np.array([score for _, score in history])
fig, ax = plt.subplots(figsize=(6, 4))
points = ax.scatter(alphas, errors, c=np.log2(units), cmap="viridis", s=50)
ax.set_xscale("log")
ax.set_xlabel(r"learning rate $\alpha$ (log scale)")
ax.set_ylabel("validation error")
fig.colorbar(points, ax=ax, label=r"$\log_2$ hidden units")
ax.set_title("10 random settings")
plt.show()


# %% [markdown]
# The learning rate decides most of the error: below about $10^{-3}$, 100 steps are not enough
# to learn much, and the best settings have $\alpha$ between $10^{-2}$ and $10^{-1}$. Above that,
# the number of hidden units starts to matter too: near $\alpha = 0.2$, 8 units do much worse than
# 32 or 64. Where would you search next?
#
# ## 4. Coarse to fine
#
# Once a coarse search has shown where the good settings are, zoom in: search a smaller box around
# the best point, more densely. Repeated, this gives a coarse-to-fine search:
#
# - round 1 searches the whole box $[\text{low}, \text{high}]$;
# - every round draws `n_points` points in the current box with **your**
#   `random_search_points(box_low, box_high, n_points, rng)` and scores each point, in order
#   (ties keep the earlier point, as in `random_search`);
# - after every round but the last, the next box is centred on the best point found **so far**
#   (over all rounds, not just this one). Each of its sides is `shrink` times the side of the box
#   just searched ($0 < \text{shrink} < 1$; that box as it was searched, after its own clipping),
#   and it is then clipped with `np.clip` to the original box, so that we never search outside
#   $[\text{low}, \text{high}]$:
#
# $$
# \text{box\_low} = \operatorname{clip}\!\left(p^* - \tfrac{\text{shrink}}{2}(\text{box\_high} - \text{box\_low}),\ \text{low},\ \text{high}\right),
# \qquad
# \text{box\_high} = \operatorname{clip}\!\left(p^* + \tfrac{\text{shrink}}{2}(\text{box\_high} - \text{box\_low}),\ \text{low},\ \text{high}\right)
# $$
#
# where $p^*$ is the best point so far and, on the right, `box_low` and `box_high` are the box
# just searched. For example, in one dimension with $[\text{low}, \text{high}] = [0, 8]$ and
# $\text{shrink} = 0.5$: if the best point of round 1 is $7.5$, round 2 searches
# $7.5 \pm 2$ (half of $0.5 \times 8$), that is $[5.5, 9.5]$ clipped to $[5.5, 8]$, a side of
# $2.5$; if $7.5$ is still the best after round 2, round 3 searches $7.5 \pm 0.625$ (half of
# $0.5 \times 2.5$), clipped: $[6.875, 8]$.
#
# Return the best point, its score (as `objective` returned it: no need to convert it), and the
# list of the boxes searched, one `(box_low, box_high)` pair of float arrays of shape $(d,)$ per
# round: the first is `(low, high)`, and no box is added after the last round, so there are
# exactly `n_rounds` of them.
#
# **Write `coarse_to_fine`.** This one you have to plan: before coding, work the one-dimensional
# example above through by hand, and decide what you must remember from round to round.
#
# <details><summary>Hint 1 — idea</summary>
#
# Three things carry over from round to round: the best point and its score **so far** (over
# all rounds), and the box just searched (its side sets the next side). The original `low` and
# `high` never change: they are the clipping limits.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# Next box $= \operatorname{clip}\big(p^* \pm \tfrac{\text{shrink}}{2}(\text{box\_high} - \text{box\_low}),\ \text{low},\ \text{high}\big)$,
# with $p^*$ the best point so far and the side taken from the box just searched (after its
# clipping).
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# Convert `low` and `high` to float arrays; a loop over the rounds that appends the current
# box to `boxes`, draws its points with your `random_search_points`, scores them in order
# (strictly lower replaces the best), then computes the next box with `np.clip`.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "coarse_to_fine", "locked": false, "schema_version": 3, "solution": true, "task": false}
def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    """Random search that zooms in on the best point, round after round.

    Round 1 searches the box [low, high]. Every round draws n_points points in the current box
    with random_search_points(box_low, box_high, n_points, rng) and scores them in order with
    objective(point) (lower is better; ties keep the earlier point). After every round but the
    last, the next box is centred on the best point SO FAR; each of its sides is shrink times
    the side of the box just searched (as clipped), and it is then clipped to the original
    [low, high]. The arguments need not be checked.

    Parameters
    ----------
    objective : function point (float array (d,)) -> score (a float)
    low, high : sequences of length d with low[i] < high[i]
    n_points : int >= 1, points per round
    n_rounds : int >= 1
    shrink : float in (0, 1)
    rng : np.random.Generator

    Returns
    -------
    best_point : float array (d,), the best point over all rounds
    best_score : its score, as objective returned it (no conversion needed)
    boxes : list of n_rounds (box_low, box_high) tuples, one per round searched, each a float
        array (d,); boxes[0] is (low, high), and there is no box after the last round
    """
    ### BEGIN SOLUTION
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    box_low, box_high = low, high
    best_point, best_score = None, None
    boxes = []
    for _ in range(n_rounds):
        boxes.append((box_low, box_high))
        for point in random_search_points(box_low, box_high, n_points, rng):
            score = objective(point)
            if best_score is None or score < best_score:
                best_point, best_score = point, score
        half_side = shrink * (box_high - box_low) / 2
        box_low = np.clip(best_point - half_side, low, high)
        box_high = np.clip(best_point + half_side, low, high)
    return best_point, best_score, boxes
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_coarse_to_fine_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import (check_array, check_close, check_equal, check_float_close,
                               check_list, check_tuple, replaced)

# A 1-D search of [0, 8] for the point closest to 7, objective(x) = |x - 7|: 3 rounds of
# 3 points, shrink = 0.5. Here your coarse_to_fine gets a stand-in for random_search_points
# that records the box it is asked for and returns these hand-chosen points, round by round.
points_per_round = [[2.0, 7.5, 4.0], [6.0, 8.0, 6.5], [7.25, 6.875, 7.875]]
asked = []  # (box_low, box_high, n_points) of every call
scored = []  # every point your coarse_to_fine scores, in order


def hand_chosen_points(low, high, n_points, rng):
    asked.append((np.array(low, dtype=float), np.array(high, dtype=float), n_points))
    if len(asked) > len(points_per_round):
        raise AssertionError("coarse_to_fine asked for points more than 3 times in 3 rounds")
    return np.array(points_per_round[len(asked) - 1]).reshape(3, 1)  # 3 points of 1 coordinate


def objective(point):
    scored.append(float(point[0]))
    return abs(float(point[0]) - 7.0)


with replaced(globals(), random_search_points=hand_chosen_points):
    result = coarse_to_fine(objective, [0.0], [8.0], 3, 3, 0.5, np.random.default_rng(0))
check_tuple("coarse_to_fine(...)", result, 3)
best_point, best_score, boxes = result
check_close("the points your coarse_to_fine scored, in order", np.array(scored),
            [2.0, 7.5, 4.0, 6.0, 8.0, 6.5, 7.25, 6.875, 7.875])

# Round 1 searches [0, 8]: the points 2, 7.5, 4 score 5, 0.5, 3, so the best is 7.5.
# Round 2: centred on 7.5, side 0.5 * (8 - 0) = 4: [5.5, 9.5], clipped to [5.5, 8].
#   The points 6, 8, 6.5 score 1, 1, 0.5: 6.5 only ties with 7.5, so the best stays 7.5.
# Round 3: centred on 7.5, side 0.5 * (8 - 5.5) = 1.25, shrink times the side of the CLIPPED
#   box: 7.5 +- 0.625 = [6.875, 8.125], clipped to [6.875, 8]. The points 7.25, 6.875, 7.875 score 0.25, 0.125,
#   0.875: the best point is now 6.875, with score 0.125. No box comes after the last round.
expected_boxes = [(0.0, 8.0), (5.5, 8.0), (6.875, 8.0)]
check_list("the calls of random_search_points (one per round)", asked, 3)
check_equal("n_points passed to random_search_points in each round",
            np.array([n for _, _, n in asked]), [3, 3, 3])
check_list("boxes (one per round)", boxes, 3)
for k, (box_low, box_high) in enumerate(expected_boxes):
    check_close(f"box_low passed to random_search_points in round {k + 1}", asked[k][0],
                [box_low])
    check_close(f"box_high passed to random_search_points in round {k + 1}", asked[k][1],
                [box_high])
    check_tuple(f"boxes[{k}]", boxes[k], 2)
    check_close(f"boxes[{k}][0] (box_low of round {k + 1})", boxes[k][0], [box_low])
    check_close(f"boxes[{k}][1] (box_high of round {k + 1})", boxes[k][1], [box_high])
check_array("best_point", best_point, (1,))
check_close("best_point", best_point, [6.875])
check_float_close("best_score", best_score, 0.125)
print("coarse_to_fine: the hand example is right.")

# %% nbgrader={"grade": true, "grade_id": "test_coarse_to_fine_random", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Hidden test: smooth objectives in 1 to 3 dimensions over several rounds give the expected best point, score and boxes.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import (check_close, check_float_close, check_list, check_tuple,
                               replaced)
from course_lib.tuning import coarse_to_fine as reference_coarse_to_fine
from course_lib.tuning import random_search_points as reference_random_search_points


def make_objective(target):
    def objective(point):
        return float(np.sum((np.asarray(point) - target) ** 2))
    return objective


cases = [
    (1, [-1.0], [3.0], [0.4], 6, 4, 0.5),
    (2, [-1.0, 0.0], [1.0, 10.0], [0.7, 2.5], 8, 5, 0.4),
    (3, [0.0, 0.0, -5.0], [1.0, 1.0, 5.0], [0.2, 0.9, -1.0], 10, 3, 0.6),
    (4, [0.0, 0.0], [1.0, 1.0], [0.5, 0.5], 1, 6, 0.9),
]
with replaced(globals(), random_search_points=reference_random_search_points):
    for seed, low, high, target, n_points, n_rounds, shrink in cases:
        objective = make_objective(np.array(target))
        expected = reference_coarse_to_fine(objective, low, high, n_points, n_rounds, shrink,
                                            np.random.default_rng(seed))
        result = coarse_to_fine(objective, low, high, n_points, n_rounds, shrink,
                                np.random.default_rng(seed))
        label = f"(case with seed {seed}, {n_rounds} rounds, shrink {shrink})"
        check_tuple("coarse_to_fine(...)", result, 3)
        check_close(f"best_point {label}", result[0], expected[0], rtol=1e-9, atol=1e-12)
        check_float_close(f"best_score {label}", result[1], expected[1], rtol=1e-9, atol=1e-12)
        check_list(f"boxes {label}", result[2], n_rounds)
        for k, (box_low, box_high) in enumerate(expected[2]):
            check_tuple(f"boxes[{k}] {label}", result[2][k], 2)
            check_close(f"boxes[{k}][0] {label}", result[2][k][0], box_low, rtol=1e-9,
                        atol=1e-12)
            check_close(f"boxes[{k}][1] {label}", result[2][k][1], box_high, rtol=1e-9,
                        atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_coarse_to_fine_clipped", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: when the best point lies near the edge, every box stays inside the original box (np.clip).
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_between, check_close, check_list, check_tuple, replaced
from course_lib.tuning import coarse_to_fine as reference_coarse_to_fine
from course_lib.tuning import random_search_points as reference_random_search_points


def objective(point):
    return float(point[0] - point[1])  # best towards low[0] and high[1], a corner


with replaced(globals(), random_search_points=reference_random_search_points):
    for seed in [0, 1, 2]:
        expected = reference_coarse_to_fine(objective, [0.0, 0.0], [1.0, 2.0], 6, 4, 0.7,
                                            np.random.default_rng(seed))
        result = coarse_to_fine(objective, [0.0, 0.0], [1.0, 2.0], 6, 4, 0.7,
                                np.random.default_rng(seed))
        check_tuple("coarse_to_fine(...)", result, 3)
        check_list("boxes", result[2], 4)
        for k in range(4):
            check_tuple(f"boxes[{k}]", result[2][k], 2)
            check_between(f"boxes[{k}][0] (seed {seed})", result[2][k][0], [0.0, 0.0], [1.0, 2.0])
            check_between(f"boxes[{k}][1] (seed {seed})", result[2][k][1], [0.0, 0.0], [1.0, 2.0])
            check_close(f"boxes[{k}][0] (seed {seed})", result[2][k][0], expected[2][k][0],
                        rtol=1e-9, atol=1e-12)
            check_close(f"boxes[{k}][1] (seed {seed})", result[2][k][1], expected[2][k][1],
                        rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_coarse_to_fine_best_so_far", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: on a rugged objective the boxes follow the best point over ALL rounds, as they should.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close, check_float_close, check_list, check_tuple, replaced
from course_lib.tuning import coarse_to_fine as reference_coarse_to_fine
from course_lib.tuning import random_search_points as reference_random_search_points


def rugged(point):
    # a smooth bowl plus large, fast wiggles: a later round often finds nothing better
    x = np.asarray(point, dtype=float)
    return float(np.sum((x - 0.3) ** 2) + 0.5 * np.sin(40.0 * x[0]) * np.cos(37.0 * x[-1]))


with replaced(globals(), random_search_points=reference_random_search_points):
    for seed in [3, 4, 5, 6]:
        expected = reference_coarse_to_fine(rugged, [-1.0, -1.0], [1.0, 1.0], 4, 6, 0.5,
                                            np.random.default_rng(seed))
        result = coarse_to_fine(rugged, [-1.0, -1.0], [1.0, 1.0], 4, 6, 0.5,
                                np.random.default_rng(seed))
        check_tuple("coarse_to_fine(...)", result, 3)
        check_close(f"best_point (seed {seed})", result[0], expected[0], rtol=1e-9, atol=1e-12)
        check_float_close(f"best_score (seed {seed})", result[1], expected[1], rtol=1e-9,
                          atol=1e-12)
        check_list("boxes", result[2], 6)
        for k in range(6):
            check_tuple(f"boxes[{k}]", result[2][k], 2)
            check_close(f"boxes[{k}][0] (seed {seed})", result[2][k][0], expected[2][k][0],
                        rtol=1e-9, atol=1e-12)
            check_close(f"boxes[{k}][1] (seed {seed})", result[2][k][1], expected[2][k][1],
                        rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# Watch the boxes close in on the minimum of a 2-D toy objective (its minimum is marked by a
# star). Each round spends 8 points; the side of the box halves from one round to the next
# (or shrinks more where the box is clipped at an edge).

# %%
def bowl(point):
    x, y = point
    return float((x - 0.62) ** 2 + 4 * (y - 0.31) ** 2)


best_point, best_score, boxes = coarse_to_fine(bowl, [0, 0], [1, 1], 8, 4, 0.5,
                                               np.random.default_rng(3))
fig, ax = plt.subplots(figsize=(5, 5))
colors = plt.cm.viridis(np.linspace(0, 0.9, len(boxes)))
for k, ((box_low, box_high), color) in enumerate(zip(boxes, colors)):
    ax.add_patch(plt.Rectangle(box_low, *(box_high - box_low), fill=False, color=color, lw=2,
                               label=f"round {k + 1}"))
ax.plot(0.62, 0.31, "*", color="tab:red", markersize=15, label="minimum")
ax.plot(*best_point, "x", color="k", markersize=10, label="best found")
ax.set_xlim(-0.05, 1.05)
ax.set_ylim(-0.05, 1.05)
ax.legend(loc="upper left")
ax.set_title(f"best score {best_score:.2e}")
plt.show()


# %% [markdown]
# The same idea on the digits network: search $r = \log_{10}\alpha \in [-4, 0]$ and
# $k = \log_2 n^{[1]} \in [3, 6]$ (rounded to an integer number of units), two rounds of 4.

# %%
def digits_objective(point):
    r, k = point
    return validation_error((r, int(round(2 ** k))))


best_point, best_error, boxes = coarse_to_fine(digits_objective, [-4, 3], [0, 6], 4, 2, 0.5,
                                               np.random.default_rng(4))
for k, (box_low, box_high) in enumerate(boxes):
    print(f"round {k + 1}: alpha in [{10 ** box_low[0]:.1e}, {10 ** box_high[0]:.1e}], "
          f"hidden units in [{2 ** box_low[1]:.0f}, {2 ** box_high[1]:.0f}]")
print(f"best: alpha = {10 ** best_point[0]:.2e}, {round(2 ** best_point[1])} hidden units, "
      f"validation error {best_error:.3f}")

# %% [markdown]
# ## 5. In practice: pandas and caviar
#
# How you search depends on how much compute you have.
#
# - **Panda** (few children, much care for each): with a huge data set and little compute, you
#   can afford to train one model, or very few. You babysit it: watch its learning curve day after
#   day and nudge the hyperparameters (lower the learning rate, add momentum) while it trains.
# - **Caviar** (many eggs, no care for any one): with enough compute, train many models in parallel,
#   each with its own random setting, and keep whichever does best, exactly the random search
#   above.
#
# Either way, intuitions about good hyperparameters do not always carry over from one application
# (vision, speech, language, ...) to another, and they go stale: when the data, the model or the
# hardware change, search again, say every few months.
