# %% [markdown]
# # Using an appropriate scale for hyperparameters
#
# Random search draws hyperparameters at random, but "at random" does not have to mean
# "uniformly on a linear scale". For some hyperparameters a uniform draw wastes almost the whole
# budget on one end of the range. In this notebook you write four graded functions:
#
# | function | what it does |
# |---|---|
# | `sample_log_uniform` | draw a learning rate $\alpha$ on a log scale: $\alpha = 10^r$, $r$ uniform |
# | `effective_window` | how many recent values an exponentially weighted average covers, $\frac{1}{1-\beta}$ |
# | `sample_beta` | draw a momentum term $\beta$ so that $1 - \beta$ is on a log scale |
# | `ewa` | an exponentially weighted average, with and without bias correction |
#
# Every random draw comes from a `np.random.Generator` passed in as `rng` (never from
# `np.random.*`), and `log10` is the logarithm in base 10. As everywhere in the course, an invalid
# argument raises a `ValueError` whose message names that argument: each docstring says which
# arguments to check; you may assume that the others are valid.
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
import matplotlib.pyplot as plt
import numpy as np


# %% [markdown]
# ## 1. The learning rate on a log scale
#
# Say a sensible learning rate lies somewhere between $\alpha = 0.0001 = 10^{-4}$ and $\alpha = 1$.
# Drawn uniformly from $[0.0001, 1]$, about 90 % of the samples land in $[0.1, 1]$ (a width of
# $0.9$ out of $0.9999$) and only about 0.09 % in $[0.0001, 0.001]$ (a width of $0.0009$): the
# small learning rates are hardly ever tried, although each decade is as likely to hold the best
# one.
#
# Instead, draw the **exponent** uniformly: $r$ uniform in $[-4, 0]$, then $\alpha = 10^r$. Each
# decade $[10^{-4}, 10^{-3}], [10^{-3}, 10^{-2}], \dots$ then gets the same share of samples,
# a quarter. In general, for $\alpha$ between $a$ and $b$:
#
# $$
# r \sim \mathcal{U}\big(\log_{10} a,\ \log_{10} b\big), \qquad \alpha = 10^{r}.
# $$
#
# (Careful: $10^{-4}$ is written `1e-4` in Python, while `10e-4` means
# $10 \times 10^{-4} = 10^{-3}$.)
#
# **Write `sample_log_uniform`**, drawing all of `r` with exactly one call of `rng.uniform` (lower
# bound first, shape `size`) so that a seed fixes the samples. Only $0 < \text{low} < \text{high}$ makes sense (0 and negative numbers have no
# logarithm): otherwise raise a `ValueError` whose message names `low`.
#
# <details><summary>Hint 1 — idea</summary>
#
# The exponent is what is uniform, not $\alpha$. Its range is the range of $\alpha$ seen
# through $\log_{10}$: the exponents of the two ends.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $r$ uniform on $[\log_{10}\text{low}, \log_{10}\text{high})$, then $\alpha = 10^r$. For
# $[10^{-4}, 1]$ that is $r \in [-4, 0]$.
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# Check the arguments and raise first. Then one draw of the exponents with `rng.uniform`
# (lower bound first, `size=size`), and raise 10 to them. `np.exp` would give $e^r$, not
# $10^r$.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "sample_log_uniform", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sample_log_uniform(low, high, size, rng):
    """Samples spread evenly over the decades between low and high (0 < low < high).

    Returns 10**r, where r is uniform on [log10(low), log10(high)): every decade of
    [low, high] gets the same share of the samples. All of r comes from ONE call of
    rng.uniform (lower bound first, shape size), so that a seed fixes the samples. For
    low = 1e-4 and high = 1, r is uniform in [-4, 0].

    Parameters
    ----------
    low, high : floats with 0 < low < high
    size : int or tuple of ints, the shape of the result (as in rng.uniform)
    rng : np.random.Generator

    Returns
    -------
    samples : float array of shape size

    Raises
    ------
    ValueError, with a message that names low, unless 0 < low < high (size and rng need no
    check).
    """
    ### BEGIN SOLUTION
    if not 0 < low < high:
        raise ValueError(f"low and high must satisfy 0 < low < high; got low={low}, high={high}")
    r = rng.uniform(np.log10(low), np.log10(high), size=size)
    return 10.0**r
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sample_log_uniform_decades", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import check_array, check_between, check_fractions, fraction_per_bin

alphas = sample_log_uniform(1e-4, 1.0, 4000, np.random.default_rng(0))
check_array("sample_log_uniform(1e-4, 1.0, 4000, rng)", alphas, (4000,))
check_between("sample_log_uniform(1e-4, 1.0, 4000, rng)", alphas, 1e-4, 1.0)
# r is uniform in [-4, 0], so each of the 4 decades gets about a quarter of the samples.
decades = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
check_fractions("sample_log_uniform(1e-4, 1.0, 4000, rng)", fraction_per_bin(alphas, decades),
                [0.25, 0.25, 0.25, 0.25], n=4000,
                labels=["[1e-4, 1e-3)", "[1e-3, 1e-2)", "[1e-2, 1e-1)", "[1e-1, 1]"])

# size can be a shape, as in rng.uniform
check_array("sample_log_uniform(0.01, 10.0, (2, 3), rng)",
            sample_log_uniform(0.01, 10.0, (2, 3), np.random.default_rng(1)), (2, 3))
print("sample_log_uniform: shapes, range and decades are right.")

# %% nbgrader={"grade": true, "grade_id": "test_sample_log_uniform_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: several ranges, sizes and seeds give exactly the expected samples.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close
from course_lib.scale import sample_log_uniform as reference_sample_log_uniform

for seed, low, high, size in [(0, 1e-4, 1.0, 10), (1, 1e-5, 1e-1, (3, 4)), (2, 0.5, 2.0, 1),
                              (3, 1e-3, 10.0, (2, 2, 2)), (4, 3e-6, 7e-6, 25)]:
    expected = reference_sample_log_uniform(low, high, size, np.random.default_rng(seed))
    check_close(f"sample_log_uniform({low}, {high}, {size}, default_rng({seed}))",
                sample_log_uniform(low, high, size, np.random.default_rng(seed)), expected,
                rtol=1e-9, atol=0)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_sample_log_uniform_other_range", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: samples between 2e-3 and 20 stay in range and give each of the 4 decades a quarter.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_array, check_between, check_fractions, fraction_per_bin

n = 20000
samples = sample_log_uniform(2e-3, 20.0, n, np.random.default_rng(11))
check_array("sample_log_uniform(2e-3, 20.0, 20000, rng)", samples, (n,))
check_between("sample_log_uniform(2e-3, 20.0, 20000, rng)", samples, 2e-3, 20.0)
check_fractions("sample_log_uniform(2e-3, 20.0, 20000, rng)",
                fraction_per_bin(samples, [2e-3, 2e-2, 2e-1, 2.0, 20.0]), [0.25] * 4, n=n,
                labels=["[2e-3, 2e-2)", "[2e-2, 0.2)", "[0.2, 2)", "[2, 20]"])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_sample_log_uniform_uses_rng", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: the samples come from the rng argument only, which advances by exactly one draw.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close, check_float_close

rng = np.random.default_rng(5)
sample_log_uniform(1e-3, 1.0, 7, rng)
reference = np.random.default_rng(5)
reference.uniform(-3.0, 0.0, size=7)
check_float_close("the next number the rng gives after sample_log_uniform", rng.uniform(),
                  reference.uniform(), rtol=0, atol=0)

# Two calls with identically seeded generators agree; draws from the global np.random state,
# which moves on between the calls, would not.
first = sample_log_uniform(1e-3, 1.0, 5, np.random.default_rng(8))
second = sample_log_uniform(1e-3, 1.0, 5, np.random.default_rng(8))
check_close("sample_log_uniform called twice with default_rng(8)", second, first, rtol=0,
            atol=0)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_sample_log_uniform_invalid", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: low <= 0 (zero, negative) and low >= high raise a ValueError naming low.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_raises_value_error

for low, high in [(0.0, 1.0), (-1e-3, 1.0), (-2.0, -1.0), (1.0, 1.0), (2.0, 1.0)]:
    check_raises_value_error(f"sample_log_uniform({low}, {high}, 5, rng)",
                             lambda: sample_log_uniform(low, high, 5, np.random.default_rng(0)),
                             "low")
### END HIDDEN TESTS

# %% [markdown]
# Compare 2,000 learning rates drawn uniformly with 2,000 drawn by your `sample_log_uniform`,
# counting how many fall in each decade (the bars are on a log axis).

# %%
rng = np.random.default_rng(0)
uniform = rng.uniform(1e-4, 1.0, size=2000)
log_uniform = sample_log_uniform(1e-4, 1.0, 2000, rng)
decades = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
for name, samples in [("uniform", uniform), ("log-uniform", log_uniform)]:
    counts, _ = np.histogram(samples, bins=decades)
    print(f"{name:>12}: samples per decade {counts}")

fig, ax = plt.subplots(figsize=(7, 3.5))
bins = np.logspace(-4, 0, 41)
ax.hist(uniform, bins=bins, alpha=0.6, label="uniform in [1e-4, 1]")
ax.hist(log_uniform, bins=bins, alpha=0.6, label=r"$10^r$, $r$ uniform in [-4, 0]")
ax.set_xscale("log")
ax.set_xlabel(r"learning rate $\alpha$")
ax.set_ylabel("count")
ax.legend()
plt.show()


# %% [markdown]
# ## 2. The window of an exponentially weighted average
#
# Momentum (and Adam, and batch norm's running statistics) keep an exponentially weighted average
# $v_t = \beta v_{t-1} + (1 - \beta)\,\theta_t$. Roughly, it averages over the last
#
# $$
# \frac{1}{1 - \beta}
# $$
#
# values: $\beta = 0.9$ averages about 10 values, $\beta = 0.99$ about 100, $\beta = 0.999$ about
# 1,000. (The weight of a value $k$ steps back is $(1-\beta)\beta^k$, and
# $\beta^{1/(1-\beta)} \approx 1/e$: after that many steps a value counts for about a third of a
# fresh one.)
#
# **Write `effective_window`**, for a single $\beta$ or elementwise for many. `beta` may be a
# number (an int or a float), a list of numbers, or a NumPy array of any shape, a 0-d array
# included. Return a float (a Python or NumPy float) for a number or a 0-d array, and a float
# array of the same shape for a list or an array with at least one dimension. Only
# $0 \le \beta < 1$ makes sense (at $\beta = 1$ the window is infinite): raise a `ValueError` whose
# message names `beta` if any value is outside $[0, 1)$.
#
# <details><summary>Hint 1 — idea</summary>
#
# Treat every input as an array of floats: then one formula covers a number, a list and an
# array of any shape, and one test of the values covers them all.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $\frac{1}{1-\beta}$ elementwise, after checking $0 \le \beta < 1$ for every value (all
# of them, not only the first).
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# Convert `beta` with `np.asarray(..., dtype=float)`; raise if not every value is in
# $[0, 1)$ (`np.all` of a condition); return the formula on the converted array. A 0-d array
# in gives a NumPy float out.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "effective_window", "locked": false, "schema_version": 3, "solution": true, "task": false}
def effective_window(beta):
    """Roughly how many recent values an exponentially weighted average covers: 1 / (1 - beta).

    Parameters
    ----------
    beta : a number (int or float), a list of numbers, or an array of any shape (0-d
        included); every value must lie in [0, 1)

    Returns
    -------
    window : a float (Python or NumPy) when beta is a number or a 0-d array; a float array of
        beta's shape when beta is a list or an array with at least one dimension

    Raises
    ------
    ValueError, with a message that names beta, if any beta is outside [0, 1).
    """
    ### BEGIN SOLUTION
    beta_array = np.asarray(beta, dtype=float)
    if not np.all((beta_array >= 0) & (beta_array < 1)):
        raise ValueError(f"beta must be in [0, 1); got {beta}")
    return 1.0 / (1.0 - beta_array)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_effective_window_hand_values", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import check_close, check_float_close, check_raises_value_error

check_float_close("effective_window(0.0)", effective_window(0.0), 1.0)    # 1 / 1
check_float_close("effective_window(0.5)", effective_window(0.5), 2.0)    # 1 / 0.5
check_float_close("effective_window(0.9)", effective_window(0.9), 10.0)   # 1 / 0.1
check_float_close("effective_window(0.99)", effective_window(0.99), 100.0)
check_float_close("effective_window(0.999)", effective_window(0.999), 1000.0)

# Elementwise on an array. Near 0.9 a change of 0.0005 barely moves the window (1 / 0.0995 =
# 2000 / 199, about 10.05); near 0.999 the same change doubles it (1 / 0.0005 = 2000).
check_close("effective_window(np.array([0.9, 0.9005, 0.999, 0.9995]))",
            effective_window(np.array([0.9, 0.9005, 0.999, 0.9995])),
            [10.0, 2000 / 199, 1000.0, 2000.0], rtol=1e-9)

# beta = 1 would average forever: not a valid beta.
check_raises_value_error("effective_window(1.0)", lambda: effective_window(1.0), "beta")
print("effective_window: the hand values are right.")

# %% nbgrader={"grade": true, "grade_id": "test_effective_window_invalid", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: betas below 0, equal to 1 or above 1, alone or inside an array, raise a ValueError naming beta.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_raises_value_error

for bad in [-0.1, -1e-9, 1.0, 1.5, 7.0]:
    check_raises_value_error(f"effective_window({bad})", lambda: effective_window(bad), "beta")
for bad in [np.array([0.5, 1.0]), np.array([-0.5, 0.9]), np.array([[0.9, 0.99], [0.999, 2.0]])]:
    check_raises_value_error(f"effective_window(np.array({bad.tolist()}))",
                             lambda: effective_window(bad), "beta")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_effective_window_random", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: arrays of several shapes give the expected windows, in the same shape.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close, check_float_close
from course_lib.scale import effective_window as reference_effective_window

rng = np.random.default_rng(3)
for shape in [(1,), (7,), (3, 4), (2, 3, 2)]:
    betas = 1 - 10.0 ** rng.uniform(-5, 0, size=shape)
    check_close(f"effective_window of an array of shape {shape}", effective_window(betas),
                reference_effective_window(betas), rtol=1e-9, atol=0)
check_float_close("effective_window(np.float64(0.75))", effective_window(np.float64(0.75)), 4.0)
check_float_close("effective_window(0.999999)", effective_window(0.999999),
                  reference_effective_window(0.999999), rtol=1e-9)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_effective_window_input_types", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: an int, a 0-d array, a list and a nested list give the types and values the docstring states.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_array, check_close, check_float_close

check_float_close("effective_window(0) (an int)", effective_window(0), 1.0)
check_float_close("effective_window(np.array(0.75)) (a 0-d array)",
                  effective_window(np.array(0.75)), 4.0)
windows = effective_window([0.5, 0.75, 0.9])
check_array("effective_window([0.5, 0.75, 0.9]) (a list)", windows, (3,))
check_close("effective_window([0.5, 0.75, 0.9]) (a list)", windows, [2.0, 4.0, 10.0])
check_close("effective_window([[0, 0.5]]) (a nested list of an int and a float)",
            effective_window([[0, 0.5]]), [[1.0, 2.0]])
### END HIDDEN TESTS

# %% [markdown]
# How the window grows as $\beta$ approaches 1. The same step of $0.0005$ in $\beta$ means very
# different things at the two ends of $[0.9, 0.999]$:

# %%
for beta in [0.9, 0.9005, 0.99, 0.999, 0.9995]:
    print(f"beta = {beta:<7} -> window {effective_window(beta):8.2f}")

betas = np.linspace(0.9, 0.9995, 400)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(betas, effective_window(betas))
ax.set_yscale("log")
ax.set_xlabel(r"$\beta$")
ax.set_ylabel(r"window $1 / (1 - \beta)$")
plt.show()


# %% [markdown]
# ## 3. Sampling $\beta$ on the right scale
#
# For $\beta$ in $[0.9, 0.999]$, a uniform draw spends about 90 % of the samples on
# $[0.9, 0.99]$, windows of 10 to 100 values, and only 10 % on $[0.99, 0.999]$, windows of 100 to
# 1,000: the region where the window, and so the behaviour of the average, changes fastest is the
# one that gets the fewest samples.
#
# So sample $1 - \beta$ on a log scale instead. $1 - \beta$ lies in $[0.001, 0.1]$, that is
# $[10^{-3}, 10^{-1}]$, so draw $r$ uniformly in $[-3, -1]$, set $1 - \beta = 10^r$, i.e.
# $\beta = 1 - 10^r$. In general, for $\beta \in [\text{low}, \text{high}]$ (with
# $0 \le \text{low} < \text{high} < 1$), $1 - \beta$ runs from $1 - \text{high}$ (the smaller
# end) to $1 - \text{low}$:
#
# $$
# r \sim \mathcal{U}\big(\log_{10}(1 - \text{high}),\ \log_{10}(1 - \text{low})\big),
# \qquad \beta = 1 - 10^{r}.
# $$
#
# **Write `sample_beta`**, drawing `r` with one call to `rng.uniform` with the bounds in exactly
# this order (the smaller first). (You may call your `sample_log_uniform` if you like.) Unless
# $0 \le \text{low} < \text{high} < 1$, raise a `ValueError` whose message names the culprit:
# `high` if $\text{high} \ge 1$, `low` otherwise (a negative `low`, or one that is not below
# `high`).
#
# <details><summary>Hint 1 — idea</summary>
#
# $1 - \beta$ is a number between $1 - \text{high}$ and $1 - \text{low}$ that you want on a
# log scale: that is exactly what `sample_log_uniform` draws, for those two ends.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $1 - \beta = 10^r$ with $r$ uniform on $[\log_{10}(1 - \text{high}), \log_{10}(1 - \text{low}))$,
# so $\beta = 1 - 10^r$. Note that $1 - \text{high} < 1 - \text{low}$.
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# Check `high` first, then `low`, raising as described. Then either draw the exponents
# yourself (one `rng.uniform` call, the smaller bound first) or call
# `sample_log_uniform(1 - high, 1 - low, size, rng)`; subtract the result from 1.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "sample_beta", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sample_beta(low, high, size, rng):
    """Samples of beta in [low, high] with 1 - beta spread evenly over its decades.

    0 <= low < high < 1. Returns 1 - 10**r, where r is uniform between log10(1 - high) and
    log10(1 - low): every decade of 1 - beta gets the same share of the samples. All of r
    comes from ONE call of rng.uniform with the smaller bound, log10(1 - high), first and
    shape size. For beta in [0.9, 0.999], r is uniform in [-3, -1].

    Parameters
    ----------
    low, high : floats with 0 <= low < high < 1
    size : int or tuple of ints, the shape of the result (as in rng.uniform)
    rng : np.random.Generator

    Returns
    -------
    betas : float array of shape size

    Raises
    ------
    ValueError unless 0 <= low < high < 1, with a message that names high if high >= 1 and
    low otherwise (low < 0 or low >= high); size and rng need no check.
    """
    ### BEGIN SOLUTION
    if not high < 1:
        raise ValueError(f"high must be < 1; got high={high}")
    if not 0 <= low < high:
        raise ValueError(f"low must satisfy 0 <= low < high; got low={low}, high={high}")
    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size=size)
    return 1 - 10.0**r
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sample_beta_range_and_halves", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import (check_array, check_between, check_close, check_fractions,
                               fraction_per_bin, replaced)

# If your sample_beta calls sample_log_uniform, it gets this stand-in instead, so that a mistake
# in sample_log_uniform costs points there only. The stand-in records the low and high it is
# given and returns 0.01 everywhere, so every beta should then be 1 - 0.01 = 0.99.
asked = []


def stand_in_log_uniform(low, high, size, rng):
    asked.append((low, high))
    return np.full(size, 0.01)


with replaced(globals(), sample_log_uniform=stand_in_log_uniform):
    betas = sample_beta(0.9, 0.999, 4000, np.random.default_rng(0))
    shaped = sample_beta(0.9, 0.999, (3, 2), np.random.default_rng(1))
check_array("sample_beta(0.9, 0.999, 4000, rng)", betas, (4000,))
check_array("sample_beta(0.9, 0.999, (3, 2), rng)", shaped, (3, 2))
if asked:
    # 1 - beta runs from 1 - 0.999 = 0.001 (low) to 1 - 0.9 = 0.1 (high).
    check_close("the (low, high) your sample_beta passed to sample_log_uniform",
                np.array(asked[0], dtype=float), [0.001, 0.1])
    check_close("sample_beta(0.9, 0.999, 4000, rng) when sample_log_uniform returns 0.01",
                betas, np.full(4000, 0.99))
else:
    check_between("sample_beta(0.9, 0.999, 4000, rng)", betas, 0.9, 0.999)
    # 1 - beta is log-uniform in [0.001, 0.1]: half the samples have 1 - beta below 0.01, i.e.
    # beta above 0.99, and half have beta below 0.99.
    check_fractions("sample_beta(0.9, 0.999, 4000, rng)",
                    fraction_per_bin(1 - betas, [1e-3, 1e-2, 1e-1]), [0.5, 0.5], n=4000,
                    labels=["beta in [0.99, 0.999] (1 - beta in [0.001, 0.01))",
                            "beta in [0.9, 0.99) (1 - beta in [0.01, 0.1])"])
print("sample_beta: shapes and values are right.")

# %% nbgrader={"grade": true, "grade_id": "test_sample_beta_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: several ranges, sizes and seeds give exactly the expected samples (bounds in the right order).
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close, replaced
from course_lib.scale import sample_beta as reference_sample_beta
from course_lib.scale import sample_log_uniform as reference_sample_log_uniform

with replaced(globals(), sample_log_uniform=reference_sample_log_uniform):
    for seed, low, high, size in [(0, 0.9, 0.999, 10), (1, 0.8, 0.9999, (4, 3)),
                                  (2, 0.5, 0.6, 1), (3, 0.99, 0.99999, (2, 2, 2))]:
        expected = reference_sample_beta(low, high, size, np.random.default_rng(seed))
        check_close(f"sample_beta({low}, {high}, {size}, default_rng({seed}))",
                    sample_beta(low, high, size, np.random.default_rng(seed)), expected,
                    rtol=1e-9, atol=1e-15)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_sample_beta_low_zero", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: low = 0 works (r in [-1, 0]) and gives the expected samples in [0, 0.9].
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_array, check_between, check_close, replaced
from course_lib.scale import sample_beta as reference_sample_beta
from course_lib.scale import sample_log_uniform as reference_sample_log_uniform

with replaced(globals(), sample_log_uniform=reference_sample_log_uniform):
    betas = sample_beta(0.0, 0.9, (2, 5), np.random.default_rng(21))
check_array("sample_beta(0.0, 0.9, (2, 5), rng)", betas, (2, 5))
check_between("sample_beta(0.0, 0.9, (2, 5), rng)", betas, 0.0, 0.9)
check_close("sample_beta(0.0, 0.9, (2, 5), default_rng(21))", betas,
            reference_sample_beta(0.0, 0.9, (2, 5), np.random.default_rng(21)), rtol=1e-9,
            atol=1e-15)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_sample_beta_distribution", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: for beta in [0.99, 0.99999], 1 - beta gives each of its 3 decades a third of the samples.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import (check_array, check_between, check_fractions, fraction_per_bin,
                               replaced)
from course_lib.scale import sample_log_uniform as reference_sample_log_uniform

n = 30000
with replaced(globals(), sample_log_uniform=reference_sample_log_uniform):
    betas = sample_beta(0.99, 0.99999, n, np.random.default_rng(12))
check_array("sample_beta(0.99, 0.99999, 30000, rng)", betas, (n,))
check_between("sample_beta(0.99, 0.99999, 30000, rng)", betas, 0.99, 0.99999)
check_fractions("sample_beta(0.99, 0.99999, 30000, rng)",
                fraction_per_bin(1 - betas, [1e-5, 1e-4, 1e-3, 1e-2]), [1 / 3] * 3, n=n,
                labels=["1 - beta in [1e-5, 1e-4)", "1 - beta in [1e-4, 1e-3)",
                        "1 - beta in [1e-3, 1e-2]"])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_sample_beta_invalid", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: high >= 1 raises a ValueError naming high; low < 0 or low >= high one naming low.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_raises_value_error, replaced
from course_lib.scale import sample_log_uniform as reference_sample_log_uniform

cases = [(0.9, 1.0, "high"), (0.5, 1.5, "high"), (-0.1, 0.9, "low"), (0.99, 0.9, "low"),
         (0.9, 0.9, "low")]
with replaced(globals(), sample_log_uniform=reference_sample_log_uniform):
    for low, high, argument in cases:
        check_raises_value_error(f"sample_beta({low}, {high}, 5, rng)",
                                 lambda: sample_beta(low, high, 5, np.random.default_rng(0)),
                                 argument)
### END HIDDEN TESTS

# %% [markdown]
# The windows $\frac{1}{1-\beta}$ of 2,000 betas in $[0.9, 0.999]$, drawn uniformly and with your
# `sample_beta`:

# %%
rng = np.random.default_rng(0)
uniform_betas = rng.uniform(0.9, 0.999, size=2000)
log_betas = sample_beta(0.9, 0.999, 2000, rng)
for name, betas in [("uniform", uniform_betas), ("1 - 10**r", log_betas)]:
    share = np.mean(betas > 0.99)
    print(f"{name:>10}: {share:.0%} of the betas above 0.99 (windows over 100)")

fig, ax = plt.subplots(figsize=(7, 3.5))
bins = np.logspace(1, 3, 41)
ax.hist(effective_window(uniform_betas), bins=bins, alpha=0.6, label=r"$\beta$ uniform")
ax.hist(effective_window(log_betas), bins=bins, alpha=0.6, label=r"$\beta = 1 - 10^r$")
ax.set_xscale("log")
ax.set_xlabel(r"window $1 / (1 - \beta)$")
ax.set_ylabel("count")
ax.legend()
plt.show()


# %% [markdown] nbgrader={"grade": true, "grade_id": "written_beta_scale", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Question.** To search $\beta \in [0.9, 0.999]$, why do we sample $1 - \beta$ on a log scale
# (with $r \in [-3, -1]$, $\beta = 1 - 10^r$) instead of sampling $\beta$ uniformly? Use the
# window $\frac{1}{1-\beta}$ and the two changes $0.9 \to 0.9005$ and $0.999 \to 0.9995$ in your
# answer.
#
# **Rubric (2 points):** 1 point for explaining, with the window $1/(1-\beta)$ and the two
# examples, that the same change in $\beta$ matters much more near 1 (10 to about 10.05 versus
# 1,000 to 2,000); 1 point for saying that the log scale spreads the samples evenly over the
# decades of $1 - \beta$ (window 10-100 and 100-1,000 each get half), so the sensitive region near
# 1 is sampled densely, whereas a uniform draw puts only about 10 % of the samples above 0.99.
#
# ### BEGIN SOLUTION
# **Model answer.** What the average does depends on its window $\frac{1}{1-\beta}$, and the
# window is very sensitive to $\beta$ near 1 and insensitive far from it: $0.9 \to 0.9005$ moves
# the window from 10 to about 10.05 (no real change), while $0.999 \to 0.9995$ moves it from
# 1,000 to 2,000 (it doubles). A uniform draw spreads samples evenly in $\beta$, so 90 % of them
# land in $[0.9, 0.99]$ (windows 10 to 100) and only 10 % in $[0.99, 0.999]$ (windows 100 to
# 1,000), where small changes matter most. Sampling $1 - \beta$ log-uniformly gives each decade
# of $1 - \beta$, i.e. each factor of 10 in the window, the same number of samples: more samples
# where $\beta$ is close to 1, which is where they are needed.
# ### END SOLUTION

# %% [markdown]
# ## 4. Exponentially weighted averages and bias correction
#
# For a series $x_1, \dots, x_T$ (a noisy measurement, a gradient), the exponentially weighted
# average is
#
# $$
# v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1 - \beta)\, x_t \quad (t = 1, \dots, T).
# $$
#
# Because $v_0 = 0$, the first values are too small: $v_1 = (1 - \beta)\, x_1$, only a tenth of
# $x_1$ for $\beta = 0.9$. The weights $(1-\beta)\beta^{t-k}$ of $x_1..x_t$ in $v_t$ sum to
# $1 - \beta^t$, not 1, so **bias correction** divides by that sum:
#
# $$
# \hat v_t = \frac{v_t}{1 - \beta^t}.
# $$
#
# For large $t$, $\beta^t \to 0$ and the correction fades away; for $t = 1$,
# $\hat v_1 = x_1$ exactly.
#
# **Work it out first.** With $\beta = 0.5$ and $x = (2, 0, 4)$, compute $v_1, v_2, v_3$ and
# $\hat v_1, \hat v_2, \hat v_3$ by hand before you write any code; the visible tests below use
# exactly this series, so you can compare.
#
# **Write `ewa`**, returning $v_1, \dots, v_T$ (or $\hat v_1, \dots, \hat v_T$ when
# `bias_correction=True`) as a float array of shape $(T,)$. Note that $t$ starts at 1. As for
# `effective_window`, only $0 \le \beta < 1$ makes sense (with $\beta = 1$ the average never
# leaves $v_0 = 0$, and bias correction would divide by $1 - 1^t = 0$): raise a `ValueError` whose
# message names `beta` otherwise.
#
# <details><summary>Hint 1 — idea</summary>
#
# Each $v_t$ needs the one before it, so walk through the series once, keeping the running
# value; bias correction then rescales every $v_t$ by its own $t$.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $v_t = \beta v_{t-1} + (1-\beta) x_t$ from $v_0 = 0$; corrected,
# $\hat v_t = v_t / (1 - \beta^t)$ with $t = 1, \dots, T$ (not $0, \dots, T-1$).
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# Check `beta`; convert `x` to floats; a loop over $t$ filling an array of shape $(T,)$;
# if `bias_correction`, divide by $1 - \beta^t$ for $t = 1..T$ (an array of those powers).
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "ewa", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ewa(x, beta, bias_correction=False):
    """Exponentially weighted average of the series x_1..x_T.

    v_0 = 0 and v_t = beta * v_{t-1} + (1 - beta) * x_t for t = 1..T. With
    bias_correction=True, return v_t / (1 - beta**t) instead.

    Parameters
    ----------
    x : 1-D array (T,), the series (floats or ints)
    beta : float in [0, 1)
    bias_correction : bool

    Returns
    -------
    v : float array (T,), the values v_1..v_T (v_0 is not included)

    Raises
    ------
    ValueError, with a message that names beta, if beta is outside [0, 1) (x and
    bias_correction need no check).
    """
    ### BEGIN SOLUTION
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1); got {beta}")
    x = np.asarray(x, dtype=float)
    v = np.zeros(x.shape)
    running = 0.0
    for t in range(x.size):
        running = beta * running + (1 - beta) * x[t]
        v[t] = running
    if bias_correction:
        v = v / (1 - beta ** np.arange(1, x.size + 1))
    return v
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ewa_hand_example", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import check_close

# beta = 0.5, x = 1, 1, 1: v_1 = 0.5 * 0 + 0.5 * 1 = 0.5, v_2 = 0.25 + 0.5 = 0.75,
# v_3 = 0.375 + 0.5 = 0.875 (v_0 = 0 drags the start down).
check_close("ewa(np.array([1.0, 1.0, 1.0]), 0.5)", ewa(np.array([1.0, 1.0, 1.0]), 0.5),
            [0.5, 0.75, 0.875])
# beta = 0.5, x = 2, 0, 4: v_1 = 1, v_2 = 0.5, v_3 = 0.25 + 2 = 2.25.
check_close("ewa(np.array([2.0, 0.0, 4.0]), 0.5)", ewa(np.array([2.0, 0.0, 4.0]), 0.5),
            [1.0, 0.5, 2.25])
# beta = 0.9 weighs the past by 0.9 and the new value by 0.1: x = 1, 1, 1 gives
# v_1 = 0.1, v_2 = 0.09 + 0.1 = 0.19, v_3 = 0.171 + 0.1 = 0.271.
check_close("ewa(np.array([1.0, 1.0, 1.0]), 0.9)", ewa(np.array([1.0, 1.0, 1.0]), 0.9),
            [0.1, 0.19, 0.271])
print("ewa: the hand example is right.")

# %% nbgrader={"grade": true, "grade_id": "test_ewa_bias_correction_hand_example", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from course_kit.checks import check_close

# Divide v_t by 1 - 0.5**t = 0.5, 0.75, 0.875 (t = 1, 2, 3).
# x = 1, 1, 1: 0.5 / 0.5 = 1, 0.75 / 0.75 = 1, 0.875 / 0.875 = 1: a constant series stays put.
check_close("ewa(np.array([1.0, 1.0, 1.0]), 0.5, bias_correction=True)",
            ewa(np.array([1.0, 1.0, 1.0]), 0.5, bias_correction=True), [1.0, 1.0, 1.0])
# x = 2, 0, 4: 1 / 0.5 = 2, 0.5 / 0.75 = 2/3, 2.25 / 0.875 = 18/7.
check_close("ewa(np.array([2.0, 0.0, 4.0]), 0.5, bias_correction=True)",
            ewa(np.array([2.0, 0.0, 4.0]), 0.5, bias_correction=True), [2.0, 2 / 3, 18 / 7])
print("ewa: bias correction is right.")

# %% nbgrader={"grade": true, "grade_id": "test_ewa_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: long noisy series with several betas, with and without bias correction, match the expected values.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close
from course_lib.scale import ewa as reference_ewa

rng = np.random.default_rng(9)
for T, beta in [(200, 0.9), (300, 0.98), (50, 0.5), (1000, 0.999)]:
    x = np.sin(np.arange(T) / 15.0) + rng.normal(0, 0.5, size=T)
    for correct in [False, True]:
        check_close(f"ewa(x, {beta}, bias_correction={correct}) for a series of length {T}",
                    ewa(x, beta, bias_correction=correct),
                    reference_ewa(x, beta, bias_correction=correct), rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ewa_edges", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: a series of length 1, beta = 0 and the default bias_correction=False behave as the formula says.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close

check_close("ewa(np.array([5.0]), 0.9)", ewa(np.array([5.0]), 0.9), [0.5])
check_close("ewa(np.array([5.0]), 0.9, bias_correction=True)",
            ewa(np.array([5.0]), 0.9, bias_correction=True), [5.0])
x = np.array([3.0, -1.0, 4.0, 1.5])
check_close("ewa(x, 0.0) (no averaging: v_t = x_t)", ewa(x, 0.0), x)
check_close("ewa(x, 0.0, bias_correction=True)", ewa(x, 0.0, bias_correction=True), x)
check_close("ewa(x, 0.8) (default: no bias correction)", ewa(x, 0.8),
            [0.6, 0.28, 1.024, 1.1192])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ewa_int_series", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: a series of integers gives a float array with the exact averages.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_close
from course_lib.scale import ewa as reference_ewa

x = np.array([4, 0, 2, 7, 1, 3])
for correct in [False, True]:
    check_close(f"ewa(np.array([4, 0, 2, 7, 1, 3]), 0.75, bias_correction={correct})",
                ewa(x, 0.75, bias_correction=correct),
                reference_ewa(x, 0.75, bias_correction=correct), rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ewa_invalid_beta", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: beta = 1, beta above 1 and a negative beta raise a ValueError naming beta, with and without bias correction.
### BEGIN HIDDEN TESTS
import numpy as np
from course_kit.checks import check_raises_value_error

x = np.array([1.0, 2.0, 3.0])
for beta in [1.0, 1.5, -0.1]:
    for correct in [False, True]:
        check_raises_value_error(f"ewa(x, {beta}, bias_correction={correct})",
                                 lambda: ewa(x, beta, bias_correction=correct), "beta")
### END HIDDEN TESTS

# %% [markdown]
# A noisy series: a slow wave plus noise, averaged with $\beta = 0.9$ (about 10 values) and
# $\beta = 0.98$ (about 50). Without bias correction both averages start at 0 and need a while to
# catch up; with it they start on the data. The larger window is smoother but lags behind the
# wave.

# %%
rng = np.random.default_rng(0)
t = np.arange(1, 201)
series = 2.0 + np.sin(t / 20.0) + rng.normal(0, 0.4, size=t.size)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, correct in zip(axes, [False, True]):
    ax.plot(t, series, ".", color="lightgray", label="x_t")
    for beta in [0.9, 0.98]:
        ax.plot(t, ewa(series, beta, bias_correction=correct),
                label=rf"$\beta$ = {beta} (window {effective_window(beta):.0f})")
    ax.set_title("with bias correction" if correct else "without bias correction")
    ax.set_xlabel("t")
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# **Your functions, live.** The explorer below uses *your* `ewa` and `effective_window`. The slider moves $r$ from $-0.3$ to $-3.3$ in steps of $0.05$ and sets $\beta = 1 - 10^{r}$, so $\beta$ rises to the right and the window is $1/(1-\beta) = 10^{-r}$: each time $r$ goes down by 1 ($\beta$ from 0.9 to 0.99 to 0.999), the window grows tenfold, and the average smooths more and lags more. **Predict before you slide:** for $\beta = 0.99$, about how many steps does the uncorrected average need to climb most of the way to the data, and where does the bias-corrected one start? Then check your prediction. (It needs a running kernel; until your functions work, it says what went wrong.)

# %%
from course_kit.explorers.ewa_explorer import ewa_window_explorer
from IPython.display import display

explorer = ewa_window_explorer(ewa=ewa, effective_window=effective_window)
display(explorer)
# The explorer draws on a live (ipympl) canvas, which makes ipympl pyplot's backend too: switch
# pyplot back, so that the plots of later cells stay static images.
# %matplotlib inline

# %% [markdown]
# You now have the whole recipe for choosing hyperparameters at random on the right scale: a
# learning rate as $10^r$, a momentum term as $1 - 10^r$, and, to decide on $\beta$'s range,
# its window $\frac{1}{1-\beta}$.
