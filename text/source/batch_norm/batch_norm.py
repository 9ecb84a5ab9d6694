# %% [markdown]
# # Batch normalization
#
# Batch normalization (Sergey Ioffe and Christian Szegedy, 2015) normalises the pre-activations
# of a hidden layer over each mini-batch, then lets the network rescale and shift them with two
# learnable parameters. It makes deep networks train faster and makes them much less sensitive
# to the choice of hyperparameters such as the learning rate.
#
# In this assignment you write batch norm for one layer, in four pieces:
#
# 1. `batchnorm_forward` — the training-time forward pass,
# 2. `batchnorm_backward` — its gradients (and you check them numerically yourself),
# 3. `update_running_stats` — the running averages used at test time,
# 4. `batchnorm_inference` — the test-time forward pass, which must work for a single example.
#
# None of the four needs to check its arguments: the tests pass only valid ones. At the end a
# small network, with your four functions, learns handwritten digits with and without batch norm,
# and you compare the two learning curves.
#
# **Notation.** As in the lectures, examples are **columns**. For one layer with $n$ units and a
# mini-batch of $m$ examples, $Z$ has shape $(n, m)$: row $j$ holds unit $j$'s pre-activation
# $z_j^{(1)}, \dots, z_j^{(m)}$ for the $m$ examples. The parameters $\gamma$ and $\beta$ and the
# statistics $\mu$ and $\sigma^2$ are column vectors of shape $(n, 1)$, and NumPy broadcasting
# applies them to every column.
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
import numpy as np
import matplotlib.pyplot as plt

from course_kit.data import load_digits_split
from course_kit.network import MLP, BatchNormFunctions


# %% [markdown]
# ## 1. The forward pass
#
# For every unit (every row of $Z$), batch norm computes the mean and the variance over the $m$
# examples of the mini-batch,
#
# $$\mu = \frac{1}{m}\sum_{i=1}^{m} z^{(i)}, \qquad
# \sigma^2 = \frac{1}{m}\sum_{i=1}^{m} \left(z^{(i)} - \mu\right)^2,$$
#
# normalises every example,
#
# $$z_{\text{norm}}^{(i)} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}},$$
#
# and then gives the layer back a mean and a spread of its own choosing:
#
# $$\tilde z^{(i)} = \gamma\, z_{\text{norm}}^{(i)} + \beta .$$
#
# Three details matter:
#
# * the variance is the **biased** one, dividing by $m$ (NumPy's default `ddof=0`), not by $m - 1$;
# * $\varepsilon$ (a small number such as $10^{-5}$) goes **inside** the square root, so a unit
#   whose values are all equal in the batch ($\sigma^2 = 0$) does not divide by zero;
# * the means run over the examples, i.e. over **axis 1**; keep them as $(n, 1)$ columns
#   (`keepdims=True`) so that they broadcast against $Z$.
#
# Batch norm could normalise the activations $A$ (after the activation function) instead of $Z$;
# normalising $Z$, before the activation, is the more common choice and the one used here.
#
# If $\gamma = \sqrt{\sigma^2 + \varepsilon}$ and $\beta = \mu$, then $\tilde z^{(i)} = z^{(i)}$:
# the network can undo the normalisation if that is what lowers the loss.
#
# The backward pass needs some of the values computed here, so `batchnorm_forward` also returns a
# `cache`: exactly the tuple `(Z, Z_norm, mu, var, gamma, beta, eps)`, in this order.
#
# <details><summary>Hint 1 — idea</summary>
#
# Work one row (one unit) at a time in your head, but let NumPy do all rows at once: every
# statistic is a reduction over the examples, i.e. along the rows.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $\mu = \frac1m \sum_i z^{(i)}$, $\sigma^2 = \frac1m \sum_i (z^{(i)} - \mu)^2$,
# $z_{\text{norm}} = (z - \mu)/\sqrt{\sigma^2 + \varepsilon}$, $\tilde z = \gamma z_{\text{norm}} + \beta$.
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# Two reductions over axis 1 with `keepdims=True` (so $\mu$ and $\sigma^2$ are $(n, 1)$),
# then two broadcast expressions of shape $(n, m)$, then the tuple. No loop is needed.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "batchnorm_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    """Batch norm at training time: normalise every row of Z over the batch, then scale and shift.

    The arguments need not be checked. Z, gamma and beta are left as they were.

    Parameters
    ----------
    Z : array (n, m), one column per example
    gamma, beta : arrays (n, 1)
    eps : float > 0, added to the variance inside the square root

    Returns
    -------
    Z_tilde : array (n, m), gamma Z_norm + beta (gamma and beta broadcast over the
        columns), where, for every unit (row), over the m examples (columns):
        mu = (1/m) sum_i z^(i), an (n, 1) column
        var = (1/m) sum_i (z^(i) - mu)^2, an (n, 1) column (the biased variance: 1/m, not
            1/(m - 1))
        Z_norm = (Z - mu) / sqrt(var + eps), shape (n, m)
    cache : the tuple (Z, Z_norm, mu, var, gamma, beta, eps), exactly in this order
    """
    ### BEGIN SOLUTION
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    Z_tilde = gamma * Z_norm + beta
    cache = (Z, Z_norm, mu, var, gamma, beta, eps)
    return Z_tilde, cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close, check_tuple

# Two units (rows), four examples (columns).
# Row 0 is [0, 2, 0, 2]: mean 1, variance ((-1)**2 + 1**2 + (-1)**2 + 1**2) / 4 = 1.
# Row 1 is [3, 5, 5, 3]: mean 4, variance 1.
# With eps = 3, sqrt(var + eps) = sqrt(4) = 2 in both rows, so
# Z_norm = [[-0.5, 0.5, -0.5, 0.5], [-0.5, 0.5, 0.5, -0.5]].
Z = np.array([[0.0, 2.0, 0.0, 2.0],
              [3.0, 5.0, 5.0, 3.0]])
gamma = np.array([[2.0], [-1.0]])
beta = np.array([[0.0], [0.5]])
result = check_tuple("batchnorm_forward", batchnorm_forward(Z, gamma, beta, eps=3.0), 2)
# Z_tilde = gamma * Z_norm + beta: row 0 is 2 * Z_norm[0] + 0, row 1 is -1 * Z_norm[1] + 0.5.
check_close("batchnorm_forward: Z_tilde", result[0],
            [[-1.0, 1.0, -1.0, 1.0],
             [1.0, 0.0, 0.0, 1.0]])

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward_cache", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close, check_float_close, check_tuple

# The same layer as above: mu = [[1], [4]], var = [[1], [1]], eps = 3.
Z = np.array([[0.0, 2.0, 0.0, 2.0],
              [3.0, 5.0, 5.0, 3.0]])
gamma = np.array([[2.0], [-1.0]])
beta = np.array([[0.0], [0.5]])
_, cache = batchnorm_forward(Z, gamma, beta, eps=3.0)
cache = check_tuple("batchnorm_forward: the cache (Z, Z_norm, mu, var, gamma, beta, eps)", cache,
                    7)
check_close("batchnorm_forward: cache[0] should be Z", cache[0], Z)
check_close("batchnorm_forward: cache[1] should be Z_norm", cache[1],
            [[-0.5, 0.5, -0.5, 0.5], [-0.5, 0.5, 0.5, -0.5]])
check_close("batchnorm_forward: cache[2] should be mu, a column (n, 1)", cache[2], [[1.0], [4.0]])
check_close("batchnorm_forward: cache[3] should be var, a column (n, 1)", cache[3], [[1.0], [1.0]])
check_close("batchnorm_forward: cache[4] should be gamma", cache[4], gamma)
check_close("batchnorm_forward: cache[5] should be beta", cache[5], beta)
check_float_close("batchnorm_forward: cache[6] should be eps", cache[6], 3.0)

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: Z_tilde and every entry of the cache match the expected values on random layers of several shapes and several eps.
### BEGIN HIDDEN TESTS
from course_lib.batch_norm import batchnorm_forward as reference_batchnorm_forward
from course_kit.checks import check_close, check_float_close, check_tuple

names = ("Z", "Z_norm", "mu", "var", "gamma", "beta")
cases = [(3, 5, 1e-5), (1, 7, 1e-3), (6, 2, 0.5), (4, 64, 1e-8), (5, 3, 2.0)]
for seed, (n, m, eps) in enumerate(cases):
    rng = np.random.default_rng(1000 + seed)
    Z = rng.normal(rng.normal(0.0, 3.0, size=(n, 1)), rng.uniform(0.5, 3.0, size=(n, 1)),
                   size=(n, m))
    gamma = rng.uniform(0.5, 2.0, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    beta = rng.normal(size=(n, 1))
    expected, expected_cache = reference_batchnorm_forward(Z, gamma, beta, eps)
    where = f"batchnorm_forward (n={n}, m={m}, eps={eps})"
    result = check_tuple(where, batchnorm_forward(Z.copy(), gamma.copy(), beta.copy(), eps), 2)
    check_close(f"{where}: Z_tilde", result[0], expected, rtol=1e-9, atol=1e-9)
    cache = check_tuple(f"{where}: the cache", result[1], 7)
    for i, name in enumerate(names):
        check_close(f"{where}: cache[{i}] ({name})", cache[i], expected_cache[i],
                    rtol=1e-9, atol=1e-9)
    check_float_close(f"{where}: cache[6] (eps)", cache[6], eps, rtol=1e-15, atol=0.0)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward_edge_cases", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: a batch of one example (variance 0), constant rows, a large eps and the biased (1/m) variance.
### BEGIN HIDDEN TESTS
from course_kit.checks import check_close, check_tuple

# m = 1: mu = Z, var = 0, Z_norm = 0, so Z_tilde = beta.
Z = np.array([[3.0], [-2.0], [0.5]])
gamma = np.array([[2.0], [1.0], [-1.0]])
beta = np.array([[0.25], [-1.0], [4.0]])
Z_tilde, cache = batchnorm_forward(Z, gamma, beta, eps=1e-5)
check_close("batchnorm_forward with m = 1: Z_tilde", Z_tilde, beta, atol=1e-12)
cache = check_tuple("batchnorm_forward: the cache", cache, 7)
check_close("batchnorm_forward with m = 1: var", cache[3], np.zeros((3, 1)), atol=1e-12)

# A constant row has variance 0 and normalises to 0 thanks to eps.
Z = np.array([[7.0, 7.0, 7.0], [1.0, 2.0, 6.0]])
Z_tilde, cache = batchnorm_forward(Z, np.ones((2, 1)), np.zeros((2, 1)), eps=1e-5)
s = np.sqrt(14.0 / 3.0 + 1e-5)
check_close("batchnorm_forward with a constant row: Z_tilde", Z_tilde,
            [[0.0, 0.0, 0.0], [-2.0 / s, -1.0 / s, 3.0 / s]], atol=1e-12)

# Row [0, 2]: biased variance 1 (the unbiased one would be 2); eps = 100 inside the root.
Z_tilde, _ = batchnorm_forward(np.array([[0.0, 2.0]]), np.ones((1, 1)), np.zeros((1, 1)),
                               eps=100.0)
check_close("batchnorm_forward with eps = 100", Z_tilde,
            [[-1.0 / np.sqrt(101.0), 1.0 / np.sqrt(101.0)]], rtol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# Try it on a layer whose units live on very different scales: after batch norm with
# $\gamma = 1$ and $\beta = 0$ every unit has mean 0 and standard deviation (almost) 1 over the
# batch; with other $\gamma$ and $\beta$ the mean becomes $\beta$ and the standard deviation
# $|\gamma|$.

# %%
rng = np.random.default_rng(0)
Z = rng.normal(loc=[[50.0], [0.0], [-3.0]], scale=[[10.0], [0.1], [1.0]], size=(3, 200))
Z_tilde, _ = batchnorm_forward(Z, np.ones((3, 1)), np.zeros((3, 1)))
print("before: means", Z.mean(axis=1).round(2), " stds", Z.std(axis=1).round(2))
print("after:  means", Z_tilde.mean(axis=1).round(2) + 0.0, " stds", Z_tilde.std(axis=1).round(2))

fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
for row, label in enumerate(["unit 0 (mean 50, std 10)", "unit 1 (mean 0, std 0.1)",
                             "unit 2 (mean -3, std 1)"]):
    axes[0].hist(Z[row], bins=30, alpha=0.6, label=label)
    axes[1].hist(Z_tilde[row], bins=30, alpha=0.6, label=label)
axes[0].set_title("Z: three units on different scales")
axes[1].set_title("Z_tilde with gamma = 1, beta = 0")
axes[0].set_xlabel("pre-activation")
axes[1].set_xlabel("normalised pre-activation")
axes[0].legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# **Your function, live.** The explorer below runs *your* `batchnorm_forward` on a batch of one unit. Move $\gamma$ and $\beta$: $\tilde z$ is stretched by $\gamma$ and shifted by $\beta$, while $z_{\text{norm}}$ keeps mean 0 and variance 1. The button sets $\gamma = \sqrt{\sigma^2 + \varepsilon}$ and $\beta = \mu$: batch norm then gives back $z$ itself, so the network loses nothing by normalising. (It needs a running kernel; until your function works, it says what went wrong.)

# %%
from course_kit.explorers.batch_norm_explorer import gamma_beta_explorer
from IPython.display import display

explorer = gamma_beta_explorer(batchnorm_forward=batchnorm_forward)
display(explorer)
# The explorer draws on a live (ipympl) canvas, which makes ipympl pyplot's backend too: switch
# pyplot back, so that the plots of later cells stay static images.
# %matplotlib inline

# %% [markdown]
# ## 2. The backward pass
#
# During backpropagation the layer above hands us $\frac{\partial J}{\partial \tilde Z}$, called
# `dZ_tilde`, shape $(n, m)$. We need the gradients with respect to the parameters and with
# respect to the input $Z$.
#
# The parameters are easy, because every example contributes one term, summed over the batch:
#
# $$\frac{\partial J}{\partial \beta} = \sum_{i=1}^{m} \frac{\partial J}{\partial \tilde z^{(i)}},
# \qquad
# \frac{\partial J}{\partial \gamma} = \sum_{i=1}^{m} \frac{\partial J}{\partial \tilde z^{(i)}}\,
# z_{\text{norm}}^{(i)},$$
#
# both $(n, 1)$ columns (sums, not means: the mean over the batch is already inside `dZ_tilde`).
#
# The input is harder, and **this derivation is yours to do**: $z^{(i)}$ reaches the loss
# directly **and** through $\mu$ and $\sigma^2$, which every example of the batch shares. Write
# $g^{(i)} = \gamma\, \frac{\partial J}{\partial \tilde z^{(i)}}$ for the gradient with
# respect to $z_{\text{norm}}^{(i)}$. Work out, one row at a time,
# $\frac{\partial J}{\partial \sigma^2}$, then $\frac{\partial J}{\partial \mu}$, then
# $\frac{\partial J}{\partial z^{(i)}}$ as the sum of the three paths (direct, through $\mu$,
# through $\sigma^2$). Open the hints one at a time only when you are stuck; any correct formula
# gets full marks, and the cell after the tests lets you check your gradients numerically.
#
# <details><summary>Hint 1 — idea</summary>
#
# $z_{\text{norm}}^{(i)} = (z^{(i)} - \mu)(\sigma^2 + \varepsilon)^{-1/2}$ depends on
# $z^{(i)}$ directly, and on every $z^{(k)}$ of its row through $\mu$ and $\sigma^2$. So
#
# $$\frac{\partial J}{\partial z^{(i)}} = \frac{g^{(i)}}{\sqrt{\sigma^2+\varepsilon}}
# + \frac{\partial J}{\partial \mu}\frac{1}{m}
# + \frac{\partial J}{\partial \sigma^2}\frac{2 (z^{(i)} - \mu)}{m}.$$
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $\frac{\partial J}{\partial \sigma^2} = -\frac12 (\sigma^2+\varepsilon)^{-3/2} \sum_k g^{(k)} (z^{(k)} - \mu)$,
# $\frac{\partial J}{\partial \mu} = -\frac{1}{\sqrt{\sigma^2+\varepsilon}} \sum_k g^{(k)}$
# (the path of $\mu$ through $\sigma^2$ is zero, as $\sum_k (z^{(k)} - \mu) = 0$). Put together
# and simplified:
#
# $$\frac{\partial J}{\partial z^{(i)}} = \frac{1}{\sqrt{\sigma^2 + \varepsilon}}
# \left( g^{(i)} - \frac{1}{m}\sum_{k} g^{(k)}
# - z_{\text{norm}}^{(i)}\, \frac{1}{m}\sum_{k} g^{(k)} z_{\text{norm}}^{(k)} \right).$$
#
# The second term comes from the mean, the third from the variance; dropping either gives a
# gradient that looks plausible but is wrong.
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# Unpack the cache. $d\beta$ and $d\gamma$ are sums over axis 1 (`keepdims=True`). For
# $dZ$: $g$ of shape $(n, m)$, two means over axis 1 that stay $(n, 1)$ columns, one
# expression of shape $(n, m)$ divided by the $(n, 1)$ column $\sqrt{\sigma^2 + \varepsilon}$.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "batchnorm_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_backward(dZ_tilde, cache):
    """Gradients of the loss through batchnorm_forward. The arguments need not be checked.

    dZ_tilde and the arrays in cache are left as they were.

    Parameters
    ----------
    dZ_tilde : array (n, m), the gradient of the loss with respect to Z_tilde
    cache : the tuple (Z, Z_norm, mu, var, gamma, beta, eps) returned by batchnorm_forward

    Returns
    -------
    dZ : array (n, m), the gradient with respect to Z along all three paths (directly, through
        mu and through var): the exact gradient, which centred differences confirm
    dgamma : array (n, 1), dJ/dgamma = sum over the examples i of dZ_tilde^(i) Z_norm^(i)
    dbeta : array (n, 1), dJ/dbeta = sum over the examples i of dZ_tilde^(i)
    """
    ### BEGIN SOLUTION
    Z, Z_norm, mu, var, gamma, beta, eps = cache
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    g = gamma * dZ_tilde
    dZ = (g - np.mean(g, axis=1, keepdims=True)
          - Z_norm * np.mean(g * Z_norm, axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_backward_params_by_hand", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close, check_tuple

# The layer of the forward tests, two examples only: Z = [[0, 2], [5, 3]], mu = [[1], [4]],
# var = [[1], [1]], eps = 3, so sqrt(var + eps) = 2 and Z_norm = [[-0.5, 0.5], [0.5, -0.5]].
Z = np.array([[0.0, 2.0], [5.0, 3.0]])
Z_norm = np.array([[-0.5, 0.5], [0.5, -0.5]])
gamma = np.array([[2.0], [-1.0]])
beta = np.array([[0.0], [1.0]])
cache = (Z, Z_norm, np.array([[1.0], [4.0]]), np.array([[1.0], [1.0]]), gamma, beta, 3.0)
# Row 0 gets the same gradient for both examples, row 1 a gradient proportional to Z_norm.
dZ_tilde = np.array([[1.0, 1.0], [2.0, -2.0]])

result = check_tuple("batchnorm_backward", batchnorm_backward(dZ_tilde, cache), 3)
# dbeta = row sums of dZ_tilde: [1 + 1, 2 - 2].
check_close("batchnorm_backward: dbeta, a column (n, 1)", result[2], [[2.0], [0.0]])
# dgamma = row sums of dZ_tilde * Z_norm: [-0.5 + 0.5, 1 + 1].
check_close("batchnorm_backward: dgamma, a column (n, 1)", result[1], [[0.0], [2.0]])

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_backward_dZ_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close, check_tuple

# The layer of the forward tests, two examples only: Z = [[0, 2], [5, 3]], mu = [[1], [4]],
# var = [[1], [1]], eps = 3, so sqrt(var + eps) = 2 and Z_norm = [[-0.5, 0.5], [0.5, -0.5]].
Z = np.array([[0.0, 2.0], [5.0, 3.0]])
Z_norm = np.array([[-0.5, 0.5], [0.5, -0.5]])
gamma = np.array([[2.0], [-1.0]])
beta = np.array([[0.0], [1.0]])
cache = (Z, Z_norm, np.array([[1.0], [4.0]]), np.array([[1.0], [1.0]]), gamma, beta, 3.0)
# Row 0 gets the same gradient for both examples, row 1 a gradient proportional to Z_norm.
dZ_tilde = np.array([[1.0, 1.0], [2.0, -2.0]])

result = check_tuple("batchnorm_backward", batchnorm_backward(dZ_tilde, cache), 3)
# Row 0: g = 2 * [1, 1] = [2, 2], mean(g) = 2, mean(g * Z_norm) = 0, so dZ = [0, 0]:
#   adding the same amount to every example of a row changes nothing after normalisation.
# Row 1: g = -1 * [2, -2] = [-2, 2], mean(g) = 0, mean(g * Z_norm) = mean([-1, -1]) = -1,
#   so dZ = ([-2, 2] - 0 - [0.5, -0.5] * (-1)) / 2 = [-1.5, 1.5] / 2 = [-0.75, 0.75].
check_close("batchnorm_backward: dZ", result[0], [[0.0, 0.0], [-0.75, 0.75]], atol=1e-12)

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_backward_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: dZ, dgamma and dbeta match the expected values on random layers of several shapes, including m = 1 and m = 2.
### BEGIN HIDDEN TESTS
from course_lib.batch_norm import batchnorm_backward as reference_batchnorm_backward
from course_lib.batch_norm import batchnorm_forward as reference_batchnorm_forward
from course_kit.checks import check_close, check_tuple

for seed, (n, m, eps) in enumerate([(3, 5, 1e-5), (1, 1, 1e-5), (4, 2, 1e-3), (6, 32, 0.1)]):
    rng = np.random.default_rng(2000 + seed)
    Z = rng.normal(rng.normal(0.0, 3.0, size=(n, 1)), rng.uniform(0.5, 3.0, size=(n, 1)),
                   size=(n, m))
    gamma = rng.uniform(0.5, 2.0, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    beta = rng.normal(size=(n, 1))
    dZ_tilde = rng.normal(size=(n, m))
    _, cache = reference_batchnorm_forward(Z, gamma, beta, eps)
    expected = reference_batchnorm_backward(dZ_tilde, cache)
    student_cache = tuple(np.array(c) if isinstance(c, np.ndarray) else c for c in cache)
    where = f"batchnorm_backward (n={n}, m={m})"
    result = check_tuple(where, batchnorm_backward(dZ_tilde.copy(), student_cache), 3)
    scale = float(np.abs(expected[0]).max()) + 1.0
    check_close(f"{where}: dZ", result[0], expected[0], rtol=1e-7, atol=1e-10 * scale)
    check_close(f"{where}: dgamma", result[1], expected[1], rtol=1e-9, atol=1e-10)
    check_close(f"{where}: dbeta", result[2], expected[2], rtol=1e-9, atol=1e-10)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_backward_numeric_gradient", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: dZ, dgamma and dbeta agree with centred-difference gradients of sum(dZ_tilde * Z_tilde).
### BEGIN HIDDEN TESTS
from course_lib.batch_norm import batchnorm_forward as reference_batchnorm_forward
from course_kit.checks import check_gradient, check_tuple, numeric_gradient

for seed, (n, m, eps) in enumerate([(3, 4, 1e-3), (2, 10, 0.5)]):
    rng = np.random.default_rng(3000 + seed)
    Z = rng.normal(1.0, 2.0, size=(n, m))
    gamma = rng.uniform(0.5, 2.0, size=(n, 1))
    beta = rng.normal(size=(n, 1))
    dZ_tilde = rng.normal(size=(n, m))

    def loss(Z_, gamma_, beta_):
        return float(np.sum(dZ_tilde * reference_batchnorm_forward(Z_, gamma_, beta_, eps)[0]))

    _, cache = reference_batchnorm_forward(Z, gamma, beta, eps)
    result = check_tuple("batchnorm_backward", batchnorm_backward(dZ_tilde.copy(), cache), 3)
    numeric_dZ = numeric_gradient(lambda x: loss(x, gamma, beta), Z.copy())
    numeric_dgamma = numeric_gradient(lambda x: loss(Z, x, beta), gamma.copy())
    numeric_dbeta = numeric_gradient(lambda x: loss(Z, gamma, x), beta.copy())
    check_gradient(f"batchnorm_backward (n={n}, m={m}): dZ", result[0], numeric_dZ, tol=1e-6)
    check_gradient(f"batchnorm_backward (n={n}, m={m}): dgamma", result[1], numeric_dgamma,
                   tol=1e-6)
    check_gradient(f"batchnorm_backward (n={n}, m={m}): dbeta", result[2], numeric_dbeta,
                   tol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### Check your gradients yourself
#
# The tests above are not the only way to know that a backward pass is right: compare it with
# **centred differences**. For a scalar function $f$ and a small $h$,
#
# $$\frac{\partial f}{\partial x_j} \approx \frac{f(x + h\,e_j) - f(x - h\,e_j)}{2h},$$
#
# with an error of order $h^2$. Take $f(Z) = \sum_{j,i} \text{dZ\_tilde}_{ji}\,\tilde Z_{ji}$ for a
# fixed random `dZ_tilde`: its gradient with respect to $Z$, $\gamma$ and $\beta$ is exactly what
# `batchnorm_backward(dZ_tilde, cache)` returns. Run the cell below (it is not graded). A correct
# backward pass gives relative errors around $10^{-9}$ or smaller; anything above about $10^{-6}$
# means a bug. Try dropping the variance term in your `batchnorm_backward` and watch the error
# for `dZ` jump.

# %%
from course_kit.checks import numeric_gradient, relative_error

rng = np.random.default_rng(1)
Z = rng.normal(2.0, 3.0, size=(4, 6))
gamma = rng.uniform(0.5, 2.0, size=(4, 1))
beta = rng.normal(size=(4, 1))
dZ_tilde = rng.normal(size=(4, 6))


def f(_):  # numeric_gradient moves one entry of Z, gamma or beta at a time, in place
    Z_tilde, _ = batchnorm_forward(Z, gamma, beta)
    return np.sum(dZ_tilde * Z_tilde)


_, cache = batchnorm_forward(Z, gamma, beta)
dZ, dgamma, dbeta = batchnorm_backward(dZ_tilde, cache)
for name, analytic, x in [("dZ", dZ, Z), ("dgamma", dgamma, gamma), ("dbeta", dbeta, beta)]:
    print(f"{name:7s} relative error {relative_error(analytic, numeric_gradient(f, x, h=1e-5)):.1e}")


# %% [markdown]
# ## 3. Running statistics for test time
#
# At test time there may be a single example, and its prediction must not depend on which other
# examples happen to share its batch. So at test time batch norm uses a fixed $\mu$ and
# $\sigma^2$: estimates of the statistics over the whole training set. Most frameworks keep
# them as **exponentially weighted averages** of the mini-batch statistics, updated after every
# training step (the original paper computes population statistics after training instead):
#
# $$\mu_{\text{running}} \leftarrow \text{momentum}\cdot\mu_{\text{running}} +
# (1 - \text{momentum})\,\mu_{\text{batch}}, \qquad
# \sigma^2_{\text{running}} \leftarrow \text{momentum}\cdot\sigma^2_{\text{running}} +
# (1 - \text{momentum})\,\sigma^2_{\text{batch}} .$$
#
# This is the same exponentially weighted average as in the lectures on momentum, with
# $\beta = \text{momentum}$ (0.9 by default): it averages over roughly the last
# $1 / (1 - \text{momentum}) = 10$ mini-batches. Here `momentum` may be any number in $[0, 1]$:
# 0 keeps only the latest batch's statistics, and 1 keeps the old averages unchanged. (The scale
# notebook excludes $\beta = 1$ from its averages because their window $1 / (1 - \beta)$ is then
# infinite and bias correction would divide by 0; running statistics use neither, so
# $\text{momentum} = 1$ is allowed here, if of little use.) Return new arrays; do not modify the
# inputs.

# %% nbgrader={"grade": false, "grade_id": "update_running_stats", "locked": false, "schema_version": 3, "solution": true, "task": false}
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    """One update of the running averages of the batch statistics. Return new arrays (do not
    modify the arguments); the arguments need not be checked.

    Parameters
    ----------
    running_mean, running_var : arrays (n, 1), the averages so far
    mu, var : arrays (n, 1), this mini-batch's mean and variance
    momentum : float in [0, 1], the weight of the old average (1 keeps it unchanged)

    Returns
    -------
    (new_running_mean, new_running_var), each (n, 1): the exponentially weighted averages
        above, the old average weighted by momentum and this batch's statistic by
        1 - momentum, for the mean and for the variance alike
    """
    ### BEGIN SOLUTION
    new_mean = momentum * running_mean + (1 - momentum) * mu
    new_var = momentum * running_var + (1 - momentum) * var
    return new_mean, new_var
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_update_running_stats_by_hand", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close, check_tuple

running_mean = np.array([[0.0], [1.0]])
running_var = np.array([[1.0], [2.0]])
mu = np.array([[1.0], [3.0]])
var = np.array([[3.0], [2.0]])
result = check_tuple("update_running_stats",
                     update_running_stats(running_mean, running_var, mu, var, momentum=0.75), 2)
# 0.75 * old + 0.25 * new: [0.75 * 0 + 0.25 * 1, 0.75 * 1 + 0.25 * 3] = [0.25, 1.5]
check_close("update_running_stats: new running mean", result[0], [[0.25], [1.5]])
# [0.75 * 1 + 0.25 * 3, 0.75 * 2 + 0.25 * 2] = [1.5, 2.0]
check_close("update_running_stats: new running variance", result[1], [[1.5], [2.0]])

# %% nbgrader={"grade": true, "grade_id": "test_update_running_stats_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: both averages match the expected values for random statistics and momenta, with the default momentum 0.9 and at momentum 0 and 1.
### BEGIN HIDDEN TESTS
from course_lib.batch_norm import update_running_stats as reference_update_running_stats
from course_kit.checks import check_close, check_tuple

for seed, (n, momentum) in enumerate([(3, 0.9), (1, 0.5), (5, 0.99), (4, 0.0), (2, 1.0)]):
    rng = np.random.default_rng(4000 + seed)
    running_mean, mu = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    running_var, var = rng.uniform(0.1, 3.0, size=(n, 1)), rng.uniform(0.1, 3.0, size=(n, 1))
    expected = reference_update_running_stats(running_mean, running_var, mu, var, momentum)
    where = f"update_running_stats (momentum={momentum})"
    result = check_tuple(where, update_running_stats(running_mean.copy(), running_var.copy(),
                                                     mu.copy(), var.copy(), momentum), 2)
    check_close(f"{where}: running mean", result[0], expected[0], rtol=1e-12, atol=1e-14)
    check_close(f"{where}: running variance", result[1], expected[1], rtol=1e-12, atol=1e-14)

# Without the momentum argument: 0.9.
rng = np.random.default_rng(4100)
args = [rng.normal(size=(4, 1)), rng.uniform(0.1, 3, size=(4, 1)),
        rng.normal(size=(4, 1)), rng.uniform(0.1, 3, size=(4, 1))]
expected = reference_update_running_stats(*args)
result = check_tuple("update_running_stats", update_running_stats(*[a.copy() for a in args]), 2)
check_close("update_running_stats (default momentum): running mean", result[0], expected[0],
            rtol=1e-12, atol=1e-14)
check_close("update_running_stats (default momentum): running variance", result[1], expected[1],
            rtol=1e-12, atol=1e-14)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_update_running_stats_converges", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: repeated updates with the same batch statistics approach them as momentum**t, without changing the inputs.
### BEGIN HIDDEN TESTS
from course_kit.checks import check_arguments_unchanged, check_close, check_tuple

mu = np.array([[2.0], [-1.0], [0.5]])
var = np.array([[4.0], [0.25], [1.0]])
running_mean, running_var = np.zeros((3, 1)), np.ones((3, 1))
for t in range(1, 41):
    new_mean, new_var = check_tuple(
        "update_running_stats", update_running_stats(running_mean, running_var, mu, var), 2)
    running_mean, running_var = new_mean, new_var
# After t updates: mu + 0.9**t * (0 - mu) and var + 0.9**t * (1 - var).
check_close("update_running_stats after 40 updates: running mean", running_mean,
            mu - 0.9**40 * mu, rtol=1e-9, atol=1e-12)
check_close("update_running_stats after 40 updates: running variance", running_var,
            var + 0.9**40 * (1.0 - var), rtol=1e-9, atol=1e-12)
# Return new arrays: running_mean, running_var, mu and var are left as they were.
check_arguments_unchanged("update_running_stats")
### END HIDDEN TESTS

# %% [markdown]
# Watch the running mean follow noisy mini-batch means. The true mean of this unit is 3; every
# mini-batch of 32 examples gives a noisy estimate, and the running average (starting at 0)
# smooths them out after a few dozen steps.

# %%
rng = np.random.default_rng(2)
running_mean, running_var = np.zeros((1, 1)), np.ones((1, 1))
batch_means, running_means = [], []
for step in range(100):
    batch = rng.normal(3.0, 2.0, size=(1, 32))
    mu, var = batch.mean(axis=1, keepdims=True), batch.var(axis=1, keepdims=True)
    running_mean, running_var = update_running_stats(running_mean, running_var, mu, var)
    batch_means.append(mu.item())
    running_means.append(running_mean.item())

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(batch_means, ".", alpha=0.5, label="mini-batch mean")
ax.plot(running_means, label="running mean (momentum 0.9)")
ax.axhline(3.0, color="gray", linestyle="--", label="true mean")
ax.set_xlabel("training step")
ax.legend()
fig.tight_layout()


# %% [markdown]
# ## 4. Batch norm at test time
#
# At inference the layer uses the running statistics in place of the batch's own:
#
# $$\tilde z = \gamma\, \frac{z - \mu_{\text{running}}}{\sqrt{\sigma^2_{\text{running}} + \varepsilon}}
# + \beta .$$
#
# Each column is now transformed on its own, so this works for any number of examples, even
# $m = 1$. (Normalising a single example with its own statistics would give $\mu = z$,
# $\sigma^2 = 0$ and therefore $\tilde z = \beta$ whatever the input: the prediction would not
# depend on the image at all.)

# %% nbgrader={"grade": false, "grade_id": "batchnorm_inference", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    """Batch norm at test time, with the running statistics instead of the batch's own.

    The arguments need not be checked.

    Parameters
    ----------
    Z : array (n, m), any m >= 1
    gamma, beta, running_mean, running_var : arrays (n, 1)
    eps : float > 0, added to the variance inside the square root

    Returns
    -------
    Z_tilde : array (n, m), gamma * (Z - running_mean) / sqrt(running_var + eps) + beta
    """
    ### BEGIN SOLUTION
    Z_norm = (Z - running_mean) / np.sqrt(running_var + eps)
    return gamma * Z_norm + beta
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_inference_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close

# One unit, three examples; running mean 3, running variance 1, eps = 3: sqrt(1 + 3) = 2.
Z = np.array([[1.0, 3.0, 5.0]])
gamma, beta = np.array([[2.0]]), np.array([[1.0]])
result = batchnorm_inference(Z, gamma, beta, np.array([[3.0]]), np.array([[1.0]]), eps=3.0)
# 2 * ([1, 3, 5] - 3) / 2 + 1 = [-1, 1, 3]
check_close("batchnorm_inference", result, [[-1.0, 1.0, 3.0]])

# A single example (m = 1), two units: Z = [[5], [-1]], running means [1, -1], running
# variances [3, 12], eps = 1, so sqrt(running_var + eps) = [2, sqrt(13)].
Z = np.array([[5.0], [-1.0]])
result = batchnorm_inference(Z, np.array([[1.0], [2.0]]), np.array([[0.0], [0.5]]),
                             np.array([[1.0], [-1.0]]), np.array([[3.0], [12.0]]), eps=1.0)
# row 0: 1 * (5 - 1) / 2 + 0 = 2;  row 1: 2 * (-1 - (-1)) / sqrt(13) + 0.5 = 0.5
check_close("batchnorm_inference with one example", result, [[2.0], [0.5]])

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_inference_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: the result matches the expected values on random layers of several shapes and several eps.
### BEGIN HIDDEN TESTS
from course_lib.batch_norm import batchnorm_inference as reference_batchnorm_inference
from course_kit.checks import check_close

for seed, (n, m, eps) in enumerate([(3, 5, 1e-5), (1, 7, 1e-3), (6, 40, 0.5), (4, 2, 1e-8)]):
    rng = np.random.default_rng(5000 + seed)
    Z = rng.normal(rng.normal(0.0, 3.0, size=(n, 1)), 2.0, size=(n, m))
    gamma = rng.uniform(0.5, 2.0, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    beta = rng.normal(size=(n, 1))
    running_mean = rng.normal(size=(n, 1))
    running_var = rng.uniform(0.2, 4.0, size=(n, 1))
    args = (Z, gamma, beta, running_mean, running_var, eps)
    expected = reference_batchnorm_inference(*args)
    check_close(f"batchnorm_inference (n={n}, m={m}, eps={eps})",
                batchnorm_inference(*[a.copy() if isinstance(a, np.ndarray) else a
                                      for a in args]),
                expected, rtol=1e-9, atol=1e-10)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_inference_single_example", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: one example at a time (m = 1) gives the same columns as the whole batch, using the running statistics, with eps inside the root.
### BEGIN HIDDEN TESTS
from course_lib.batch_norm import batchnorm_inference as reference_batchnorm_inference
from course_kit.checks import check_close

rng = np.random.default_rng(5100)
n, m = 4, 6
Z = rng.normal(2.0, 3.0, size=(n, m))
gamma, beta = rng.uniform(0.5, 2.0, size=(n, 1)), rng.normal(size=(n, 1))
running_mean, running_var = rng.normal(size=(n, 1)), rng.uniform(0.5, 2.0, size=(n, 1))
expected = reference_batchnorm_inference(Z, gamma, beta, running_mean, running_var)
for i in range(m):
    column = batchnorm_inference(Z[:, i:i + 1].copy(), gamma, beta, running_mean, running_var)
    check_close(f"batchnorm_inference on example {i} alone (m = 1)", column, expected[:, i:i + 1],
                rtol=1e-9, atol=1e-10)

# A running variance of 0 is fine thanks to eps (inside the root): sqrt(0 + 0.25) = 0.5.
result = batchnorm_inference(np.array([[2.0]]), np.array([[1.0]]), np.array([[0.0]]),
                             np.array([[1.0]]), np.array([[0.0]]), eps=0.25)
check_close("batchnorm_inference with running_var 0 and eps 0.25", result, [[2.0]], rtol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# Training and test time agree once the running statistics have settled: after many training
# steps on mini-batches from the same distribution, `batchnorm_inference` on one example gives
# almost what `batchnorm_forward` gives on a large batch that contains it.

# %%
rng = np.random.default_rng(3)
gamma, beta = np.array([[1.5], [0.5]]), np.array([[0.0], [-1.0]])
running_mean, running_var = np.zeros((2, 1)), np.ones((2, 1))
for step in range(200):
    batch = rng.normal([[10.0], [-4.0]], [[2.0], [0.5]], size=(2, 64))
    _, cache = batchnorm_forward(batch, gamma, beta)
    running_mean, running_var = update_running_stats(running_mean, running_var, cache[2], cache[3])

big_batch = rng.normal([[10.0], [-4.0]], [[2.0], [0.5]], size=(2, 5000))
train_mode, _ = batchnorm_forward(big_batch, gamma, beta)
test_mode = batchnorm_inference(big_batch[:, :1], gamma, beta, running_mean, running_var)
print("running mean", running_mean.ravel().round(3), " running var", running_var.ravel().round(3))
print("first example, training mode on 5000 examples:", train_mode[:, 0].round(3))
print("first example, test mode on its own:           ", test_mode[:, 0].round(3))

# %% [markdown]
# ## 5. Batch norm in a network
#
# The course's small network `course_kit.network.MLP` can put batch norm between every hidden layer's
# $Z^{[l]} = W^{[l]} A^{[l-1]}$ and its activation, keeping running statistics for test time. It
# has no batch norm of its own: you give it **your four functions**, bundled as
# `BatchNormFunctions(forward, backward, update_running_stats, inference)`. On every training
# step it calls your `batchnorm_forward` and `update_running_stats`, then your
# `batchnorm_backward` to backpropagate; to measure the validation accuracy it calls your
# `batchnorm_inference`. Its output layer gives each of the 10 classes a score $s_k$ and is
# trained with the multiclass hinge (SVM) loss, the mean over the examples of
# $\sum_{k \ne y} \max(0,\ 1 + s_k - s_y)$ with $y$ the true class (the softmax notebook
# covers the more common softmax output).
#
# Below, two copies of the same network (two hidden layers of 32 sigmoid units, plain mini-batch
# gradient descent with learning rate 0.1, the same initial weights and the same mini-batches)
# learn to recognise 8×8 handwritten digits, one without batch norm and one with yours. The two
# trainings of 300 steps take several seconds, well within the 30 s a cell may run at grading.
# **Predict before you run it:** which of the two curves will fall faster, and why?

# %%
digits = load_digits_split()
your_batch_norm = BatchNormFunctions(batchnorm_forward, batchnorm_backward,
                                     update_running_stats, batchnorm_inference)
histories = {}
for use_batch_norm in (False, True):
    net = MLP([64, 32, 32, 10], activation="sigmoid",
              batch_norm=your_batch_norm if use_batch_norm else None, rng=np.random.default_rng(1))
    histories[use_batch_norm] = net.fit(
        digits.train.X, digits.train.labels, steps=300, batch_size=64, learning_rate=0.1,
        optimizer="sgd", rng=np.random.default_rng(2),
        validation=(digits.validation.X, digits.validation.labels), eval_every=20)


def smooth(values, width=10):
    return np.convolve(values, np.ones(width) / width, mode="valid")


fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
for use_batch_norm, label in [(False, "without batch norm"), (True, "with batch norm")]:
    history = histories[use_batch_norm]
    ax_loss.plot(smooth(history.loss), label=label)
    ax_acc.plot(history.eval_steps, history.val_accuracy, marker="o", label=label)
    print(f"{label}: validation accuracy after 300 steps {history.val_accuracy[-1]:.1%}")
ax_loss.set_xlabel("training step")
ax_loss.set_ylabel("mini-batch hinge loss (moving average)")
ax_acc.set_xlabel("training step")
ax_acc.set_ylabel("validation accuracy")
ax_loss.legend()
fig.tight_layout()

# %% [markdown]
# With batch norm the sigmoid units stay in their steep middle range, so the gradients reaching
# the first layer stay large and the same learning rate makes much faster progress. Try other
# learning rates (0.05, 2.0) or `activation="relu"`: batch norm's advantage is largest where
# training without it is fragile.
#
# ## 6. Written question
#
# A hidden layer with batch norm computes $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ and then
# $\tilde Z^{[l]} = \gamma^{[l]} Z^{[l]}_{\text{norm}} + \beta^{[l]}$. Why can the bias
# $b^{[l]}$ be dropped from such a layer (as `MLP` does)? And why does batch norm, used with
# mini-batches, have a slight regularising effect? Answer in a few sentences, in the cell below.
#
# **Rubric (2 points):** 1 point for explaining that the mean subtraction cancels any constant
# added by $b$ (so $b$ has no effect / zero gradient and $\beta$ takes its role); 1 point for
# explaining that the mini-batch mean and variance are noisy estimates that add noise to the
# activations (like dropout), giving a slight regularising effect that is smaller for larger
# mini-batches.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_bias_and_regularisation", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Model answer.** Batch norm subtracts from every unit its mean over the mini-batch. A bias
# $b_j$ adds the same constant to unit $j$ for every example, so it raises the mean
# $\mu_j$ by exactly $b_j$ and disappears in $z_j - \mu_j$: $Z_{\text{norm}}$, and everything
# after it, does not depend on $b$ at all (its gradient is always zero). The shift $\beta$ plays
# the role the bias used to play, so $b$ is redundant and can be removed (set to 0).
#
# Regularisation: during training each example is normalised with the mean and variance of its
# own mini-batch, which are noisy estimates that depend on which other examples happen to be in
# the batch. This adds a little noise to every hidden layer's activations, a bit like dropout,
# so later layers cannot rely too much on any exact value. The effect is small (and shrinks as
# the mini-batch grows), so batch norm is not used as a regulariser on its own; at test time the
# fixed running statistics remove the noise.

# %% [markdown]
# ## Summary
#
# * Training time: normalise every unit over the mini-batch with the biased variance and
#   $\varepsilon$ inside the square root, then scale by $\gamma$ and shift by $\beta$.
# * The gradient with respect to $Z$ has three paths: direct, through $\mu$ and through
#   $\sigma^2$; check such gradients with centred differences.
# * Test time: exponentially weighted running averages of $\mu$ and $\sigma^2$ replace the batch
#   statistics, so a single example can be classified.
