# %% [markdown]
# # Softmax regression
#
# Logistic regression tells two classes apart. **Softmax regression** generalises it to $C$
# classes: the model outputs, for every example, a probability for each class, and those $C$
# probabilities sum to 1. It is also the output layer of almost every classification network.
#
# In this assignment you write the pieces of softmax regression and then train it:
#
# 1. `softmax` — turn a column of scores into probabilities, without overflow,
# 2. `one_hot` — turn class labels into one-hot columns,
# 3. `cross_entropy` — the loss,
# 4. `softmax_regression_grads` — the loss and its gradients for a linear model,
# 5. `predict` — the predicted class of every example.
#
# Only `one_hot` checks an argument (its labels, raising a `ValueError` that names them, the
# course's convention for invalid arguments); the other functions may assume valid arguments.
#
# At the end you train the model by gradient descent on 8×8 handwritten digits (to more than 90 %
# validation accuracy in a few seconds) and draw its decision regions on 2-D data.
#
# **Notation.** Examples are **columns**. With $C$ classes and $m$ examples, the scores (logits)
# $Z$ and the probabilities $A$ have shape $(C, m)$, one-hot labels $Y$ too; inputs $X$ are
# $(n_x, m)$, the weights $W$ are $(C, n_x)$ and the bias $b$ is a $(C, 1)$ column, so that
# $Z = W X + b$. Classes are numbered $0, 1, \dots, C - 1$, as in the code: class $k$ is row $k$
# of $Z$, $A$, $Y$ and $W$.
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
from matplotlib.colors import ListedColormap

from course_kit.data import load_digits_split, make_blobs


# %% [markdown]
# ## 1. Softmax
#
# For one example with logits $z = (z_0, \dots, z_{C-1})$, the softmax activation first
# exponentiates, $t_k = e^{z_k}$, and then normalises so that the entries sum to 1:
#
# $$a_k = \frac{e^{z_k}}{\sum_{j=0}^{C-1} e^{z_j}}, \qquad k = 0, \dots, C - 1.$$
#
# Every $a_k$ is positive, they sum to 1, and a larger logit always gives a larger probability.
# Applied to $Z$ of shape $(C, m)$, softmax works on every **column** separately (the sums run over
# axis 0).
#
# **Overflow.** `np.exp(1000)` is `inf` in float64 (anything above about 709 overflows), and then
# `inf / inf` is `nan`. The cure is a property of softmax: adding the same constant to every
# logit of a column does not change its probabilities, since $e^{z_k - c} / \sum_j e^{z_j - c}
# = e^{z_k} / \sum_j e^{z_j}$. Subtract **each column's own maximum** first: then the largest
# exponent is $e^0 = 1$, nothing overflows, and the denominator is at least 1. (One maximum for the
# whole array is not enough: a column whose logits are all far below it would underflow to
# $0 / 0$.)
#
# <details><summary>Hint 1 — idea</summary>
#
# Work column by column: each column is one example. Shift each column so its largest logit
# is 0, then exponentiate and normalise; the shift changes no probability.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $a_k = e^{z_k - c} / \sum_j e^{z_j - c}$ with $c = \max_j z_j$ of that column.
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# A maximum over axis 0 with `keepdims=True` (shape $(1, m)$), subtracted from `Z` into a new
# array (not `Z -= ...`, which would change the caller's array); `np.exp`; divide by the sum
# over axis 0, again with `keepdims=True`.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax(Z):
    """Column-wise softmax.

    Parameters
    ----------
    Z : array (C, m), logits, one column per example

    Returns
    -------
    A : array (C, m), A[k, i] = exp(Z[k, i]) / sum_j exp(Z[j, i]); every column sums to 1.
        Finite for any finite Z, logits of +-1000 included. Z is left as it was.

    The argument need not be checked.
    """
    ### BEGIN SOLUTION
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    E = np.exp(shifted)
    return E / np.sum(E, axis=0, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close, check_columns_sum_to_one

# Column 0 has logits [ln 2, 0, 0]: exponentials [2, 1, 1], sum 4 -> [0.5, 0.25, 0.25].
# Column 1 has three equal logits -> [1/3, 1/3, 1/3].
Z = np.array([[np.log(2.0), 1.0],
              [0.0, 1.0],
              [0.0, 1.0]])
A = softmax(Z)
check_columns_sum_to_one("softmax", A)
check_close("softmax", A, [[0.5, 1 / 3],
                           [0.25, 1 / 3],
                           [0.25, 1 / 3]], rtol=1e-12)

# %% nbgrader={"grade": true, "grade_id": "test_softmax_large_logits", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close

# Column 0: logits [1000, 1000] -> [0.5, 0.5] (exp(1000) alone would overflow to inf).
# Column 1: logits [-1000, -1000 + ln 3] -> exponentials proportional to [1, 3] -> [0.25, 0.75]
# (exp(-1000) alone underflows to 0; subtracting the column's own maximum, -1000 + ln 3, avoids
# it, while subtracting the largest logit of the whole array, 1000, does not).
Z = np.array([[1000.0, -1000.0],
              [1000.0, -1000.0 + np.log(3.0)]])
check_close("softmax with logits of +-1000", softmax(Z), [[0.5, 0.25], [0.5, 0.75]], rtol=1e-9)

# %% nbgrader={"grade": true, "grade_id": "test_softmax_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: the result matches the expected values on random logits of several shapes and scales.
### BEGIN HIDDEN TESTS
from course_lib.softmax import softmax as reference_softmax
from course_kit.checks import check_close

for seed, (C, m, scale) in enumerate([(3, 5, 1.0), (10, 40, 5.0), (2, 1, 1.0), (7, 3, 100.0),
                                      (4, 4, 0.01)]):
    rng = np.random.default_rng(6000 + seed)
    Z = scale * rng.normal(size=(C, m))
    expected = reference_softmax(Z)
    check_close(f"softmax (C={C}, m={m}, logits of size about {scale})", softmax(Z.copy()),
                expected, rtol=1e-9, atol=1e-15)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_softmax_edge_cases", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: one class or one example, columns of very different sizes (down to -1000 beside +1000), and Z left unchanged.
### BEGIN HIDDEN TESTS
from course_lib.softmax import softmax as reference_softmax
from course_kit.checks import (check_arguments_unchanged, check_close,
                               check_columns_sum_to_one)

check_close("softmax with C = 1", softmax(np.array([[3.0, -700.0, 900.0]])), [[1.0, 1.0, 1.0]])
check_close("softmax with m = 1", softmax(np.array([[0.0], [np.log(3.0)]])), [[0.25], [0.75]],
            rtol=1e-12)

rng = np.random.default_rng(6100)
Z = rng.normal(size=(5, 6)) + np.array([[-1000.0, 1000.0, 0.0, -800.0, 750.0, 1e-3]])
A = softmax(Z)
check_columns_sum_to_one("softmax with columns around -1000, 1000, 0, -800 and 750", A, atol=1e-12)
check_close("softmax with columns around -1000, 1000, 0, -800 and 750", A, reference_softmax(Z),
            rtol=1e-9, atol=1e-15)
check_arguments_unchanged("softmax")  # Z left as it was
### END HIDDEN TESTS

# %% [markdown]
# The lectures' example: an image with logits $z = (5, 2, -1, 3)$ for four classes. Softmax
# keeps the order of the logits but turns their differences into ratios: a logit larger by 1 means
# a probability $e \approx 2.7$ times larger.

# %%
z = np.array([[5.0], [2.0], [-1.0], [3.0]])
a = softmax(z)
print("probabilities:", a.ravel().round(3), " sum:", a.sum())

fig, axes = plt.subplots(1, 2, figsize=(8, 2.8))
axes[0].bar(range(4), z.ravel())
axes[0].set_title("logits z")
axes[1].bar(range(4), a.ravel(), color="tab:orange")
axes[1].set_title("softmax(z)")
for ax in axes:
    ax.set_xticks(range(4))
    ax.set_xlabel("class")
fig.tight_layout()


# %% [markdown]
# ## 2. One-hot labels
#
# Labels arrive as class indices, e.g. `labels = [2, 0, 1]` for three examples. The loss needs
# them as **one-hot** columns: $Y$ of shape $(C, m)$ with $Y_{k,i} = 1$ if example $i$ belongs to
# class $k$ and 0 otherwise, so every column holds a single 1. With $C = 3$:
#
# $$\text{labels} = [2, 0, 1] \quad\longrightarrow\quad
# Y = \begin{pmatrix} 0 & 1 & 0 \\ 0 & 0 & 1 \\ 1 & 0 & 0 \end{pmatrix}.$$
#
# A label outside $0, \dots, C - 1$ is a bug in the data. Do not let it pass silently (NumPy
# would even accept `-1` as an index, meaning the last class): raise a `ValueError` whose message
# names the argument `labels`. Labels sometimes arrive as floats: accept whole numbers such as
# `2.0` and use them as the integers they are, but raise the same `ValueError` for a label that
# is not a whole number, such as `2.5`. An empty `labels` ($m = 0$) gives an empty $Y$ of shape
# $(C, 0)$.

# %% nbgrader={"grade": false, "grade_id": "one_hot", "locked": false, "schema_version": 3, "solution": true, "task": false}
def one_hot(labels, C):
    """One-hot columns for class labels.

    Parameters
    ----------
    labels : 1-D array (or list) of m class indices, each one of 0, 1, ..., C - 1: ints, or
        floats with whole values such as 2.0 (used as the int 2); m may be 0
    C : int >= 1, the number of classes (need not be checked)

    Returns
    -------
    Y : float array (C, m), Y[k, i] = 1.0 if labels[i] == k else 0.0 (shape (C, 0) if m = 0)

    Raises
    ------
    ValueError, with a message that contains the word "labels", if a label is not a whole
    number, or is < 0 or >= C
    """
    ### BEGIN SOLUTION
    labels = np.asarray(labels)
    if np.any(labels != np.round(labels)):
        raise ValueError(f"labels must be whole numbers (class indices); got {labels}")
    if np.any(labels < 0) or np.any(labels >= C):
        raise ValueError(f"labels must lie in [0, {C}); got {labels}")
    labels = labels.astype(int)
    Y = np.zeros((C, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_one_hot_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_equal

# Four examples of classes 2, 0, 1, 2: one column each, with its single 1 in row `label`.
Y = one_hot(np.array([2, 0, 1, 2]), 3)
check_equal("one_hot", Y, np.array([[0.0, 1.0, 0.0, 0.0],
                                    [0.0, 0.0, 1.0, 0.0],
                                    [1.0, 0.0, 0.0, 1.0]]), kind="float")

# %% nbgrader={"grade": true, "grade_id": "test_one_hot_invalid_label", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_raises_value_error

# With C = 3 the classes are 0, 1 and 2; a label 3 must raise a ValueError naming `labels`.
check_raises_value_error("one_hot([0, 3], 3)", lambda: one_hot(np.array([0, 3]), 3), "labels")
# A negative label too: NumPy indexing would silently take -1 as the last class.
check_raises_value_error("one_hot([0, -1], 3)", lambda: one_hot(np.array([0, -1]), 3), "labels")

# %% nbgrader={"grade": true, "grade_id": "test_one_hot_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: the result matches the expected values exactly for random labels, several numbers of classes, one example, and classes no example uses.
### BEGIN HIDDEN TESTS
from course_lib.softmax import one_hot as reference_one_hot
from course_kit.checks import check_equal

for seed, (m, C) in enumerate([(10, 4), (1, 5), (50, 10), (7, 2), (3, 12)]):
    rng = np.random.default_rng(7000 + seed)
    labels = rng.integers(0, C, size=m)
    check_equal(f"one_hot (m={m}, C={C})", one_hot(labels.copy(), C),
                reference_one_hot(labels, C), kind="float")
labels = np.array([1, 1, 1], dtype=np.int32)
check_equal("one_hot with int32 labels", one_hot(labels, 4),
            reference_one_hot(labels, 4), kind="float")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_one_hot_out_of_range", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: labels equal to C, above C or negative raise a ValueError naming labels.
### BEGIN HIDDEN TESTS
from course_kit.checks import check_raises_value_error

for labels, C in [([0, 1, 2], 2), ([5], 3), ([0, -1, 1], 3), ([-3, 0], 4), ([2, 10, 1], 10)]:
    check_raises_value_error(f"one_hot({labels}, {C})",
                             lambda: one_hot(np.array(labels), C), "labels")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_one_hot_float_and_empty_labels", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: whole-number float labels work like ints, empty labels give Y of shape (C, 0), and a label such as 1.5 raises a ValueError naming labels.
### BEGIN HIDDEN TESTS
from course_kit.checks import check_equal, check_raises_value_error

check_equal("one_hot(np.array([2.0, 0.0, 1.0]), 3)", one_hot(np.array([2.0, 0.0, 1.0]), 3),
            np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), kind="float")
check_equal("one_hot(np.array([], dtype=int), 4)", one_hot(np.array([], dtype=int), 4),
            np.zeros((4, 0)), kind="float")
check_equal("one_hot(np.array([]), 3) (an empty float array)", one_hot(np.array([]), 3),
            np.zeros((3, 0)), kind="float")
for labels in [[1.5], [0.0, 2.25, 1.0]]:
    check_raises_value_error(f"one_hot(np.array({labels}), 3)",
                             lambda: one_hot(np.array(labels), 3), "labels")
### END HIDDEN TESTS

# %%
labels = np.array([3, 0, 2, 2, 1])
print(one_hot(labels, 4))


# %% [markdown]
# ## 3. Cross-entropy
#
# The loss of softmax regression compares the predicted probabilities $A$ with the one-hot labels
# $Y$. For one example it is
#
# $$\mathcal L(a, y) = -\sum_{k=0}^{C-1} y_k \log a_k,$$
#
# and since $y$ has a single 1, at the true class $c$, this is just $-\log a_c$: small when the
# model gives the true class a high probability, and growing without bound as that probability
# goes to 0. The cost over the $m$ examples is the **mean**,
#
# $$J = \frac{1}{m}\sum_{i=1}^{m} \mathcal L\big(a^{(i)}, y^{(i)}\big)
# = -\frac{1}{m}\sum_{i=1}^{m}\sum_{k=0}^{C-1} Y_{k,i} \log A_{k,i}.$$
#
# Return it as one number (a Python `float` or a NumPy float), not as an array. `log` is the
# natural logarithm (`np.log`).
#
# **Zero probabilities.** A term with $Y_{k,i} = 0$ counts as 0, even where $A_{k,i} = 0$: that
# class is not the example's, whatever probability it gets (and a confident right prediction can
# give the other classes exactly 0, as softmax does for logits far below the largest). NumPy,
# however, computes `0 * np.log(0.0)` as `0 * -inf`, which is `nan`: take the log only where
# $Y_{k,i} \neq 0$. A probability of exactly 0 on the true class makes the loss infinite, as
# $-\log 0 = \infty$.

# %% nbgrader={"grade": false, "grade_id": "cross_entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cross_entropy(A, Y):
    """Mean cross-entropy over the m examples.

    Parameters
    ----------
    A : array (C, m), predicted probabilities (every column sums to 1)
    Y : array (C, m), one-hot labels

    Returns
    -------
    J : float, -(1/m) * sum over i and k of Y[k, i] * log(A[k, i]), where a term with
        Y[k, i] == 0 counts as 0 even if A[k, i] == 0 (NumPy alone would make it nan)

    The arguments need not be checked.
    """
    ### BEGIN SOLUTION
    m = A.shape[1]
    nonzero = Y != 0
    return float(-np.sum(Y[nonzero] * np.log(A[nonzero])) / m)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_float_close

# Example 0 is class 0 with probability 0.5; example 1 is class 1 with probability 0.8.
# J = -(log 0.5 + log 0.8) / 2 = -log(0.4) / 2 = log(2.5) / 2
A = np.array([[0.5, 0.1],
              [0.25, 0.8],
              [0.25, 0.1]])
Y = np.array([[1.0, 0.0],
              [0.0, 1.0],
              [0.0, 0.0]])
check_float_close("cross_entropy", cross_entropy(A, Y), np.log(2.5) / 2, rtol=1e-12)

# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy_one_example", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_float_close

# One example (m = 1) of class 1, predicted with probability 0.8: J = -log(0.8), a number.
A = np.array([[0.2], [0.8]])
Y = np.array([[0.0], [1.0]])
check_float_close("cross_entropy with one example", cross_entropy(A, Y), -np.log(0.8), rtol=1e-12)

# A confident right prediction: probability 1 on class 1 and exactly 0 on class 0. The term of
# class 0 is 0 * log 0, which counts as 0 (NumPy alone would give nan), so J = -log 1 = 0.
A = np.array([[0.0], [1.0]])
check_float_close("cross_entropy with A = [[0], [1]] and Y = [[0], [1]]", cross_entropy(A, Y),
                  0.0)

# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: the loss matches the expected values for random probabilities and labels of several shapes.
### BEGIN HIDDEN TESTS
from course_lib.softmax import cross_entropy as reference_cross_entropy
from course_lib.softmax import one_hot as reference_one_hot
from course_lib.softmax import softmax as reference_softmax
from course_kit.checks import check_float_close

for seed, (C, m) in enumerate([(3, 5), (10, 100), (2, 1), (5, 2)]):
    rng = np.random.default_rng(8000 + seed)
    A = reference_softmax(2.0 * rng.normal(size=(C, m)))
    Y = reference_one_hot(rng.integers(0, C, size=m), C)
    check_float_close(f"cross_entropy (C={C}, m={m})", cross_entropy(A.copy(), Y.copy()),
                      reference_cross_entropy(A, Y), rtol=1e-9)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy_extremes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: a perfect prediction costs 0, exact zeros on the other classes count 0, and a confident wrong one costs a large finite amount, always as a float.
### BEGIN HIDDEN TESTS
from course_kit.checks import check_float_close

# One class only: the probability is 1 and the loss 0.
check_float_close("cross_entropy with C = 1", cross_entropy(np.ones((1, 4)), np.ones((1, 4))),
                  0.0, atol=1e-15)
# Exact zeros where Y = 0 count 0: only the third example costs something, -log 0.8.
A = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.8], [0.0, 0.0, 0.0]])
Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
check_float_close("cross_entropy with exact zeros on the other classes", cross_entropy(A, Y),
                  -np.log(0.8) / 3, rtol=1e-12)
# Probability 1e-300 on the true class for one of two examples: (300 * log 10 + log 2) / 2.
A = np.array([[1e-300, 0.5], [1.0 - 1e-300, 0.5]])
Y = np.array([[1.0, 1.0], [0.0, 0.0]])
check_float_close("cross_entropy of a confident mistake", cross_entropy(A, Y),
                  (300 * np.log(10.0) + np.log(2.0)) / 2, rtol=1e-12)
### END HIDDEN TESTS

# %%
# The loss of one example as a function of the probability given to its true class.
p = np.linspace(0.01, 0.99, 99)
losses = [cross_entropy(np.array([[q], [1 - q]]), np.array([[1.0], [0.0]])) for q in p]
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(p, losses)
ax.set_xlabel("probability of the true class")
ax.set_ylabel("cross-entropy")
fig.tight_layout()


# %% [markdown]
# ## 4. Gradients of softmax regression
#
# The model is $Z = W X + b$, $A = \text{softmax}(Z)$, and the cost is $J = $
# `cross_entropy(A, Y)`. Softmax and cross-entropy together have a remarkably simple derivative:
# with respect to the logits,
#
# $$\frac{\partial J}{\partial Z} = \frac{1}{m}(A - Y),$$
#
# the predicted probabilities minus the labels (the same form as for logistic regression). The
# chain rule through $Z = WX + b$ then gives
#
# $$\frac{\partial J}{\partial W} = \frac{1}{m}(A - Y)\,X^{T} \quad (C, n_x), \qquad
# \frac{\partial J}{\partial b} = \frac{1}{m}\sum_{i=1}^{m}\big(A^{(i)} - Y^{(i)}\big) \quad (C, 1).$$
#
# Return the cost too: `(loss, dW, db)`. You may call your `softmax` and `cross_entropy` from
# above. (The tests of this function give it stand-ins for them, hand-worked ones in the visible
# test and the course's own in the grader's hidden tests, so that a mistake up there costs points
# there only.)
#
# <details><summary>Hint 1 — idea</summary>
#
# Compute the forward pass once ($Z$, then $A$), keep $A - Y$, and reuse it for both
# gradients and for nothing else; the loss comes from $A$ and $Y$.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# $\frac{\partial J}{\partial Z} = \frac1m (A - Y)$, shape $(C, m)$; then
# $dW = \frac1m (A - Y) X^T$, shape $(C, n_x)$, and $db$ the mean of $A - Y$ over the examples,
# shape $(C, 1)$.
#
# </details>
#
# <details><summary>Hint 3 — shape of the code</summary>
#
# $m$ is the number of columns of `X`; one matrix product with the transpose of `X`; one sum or
# mean over axis 1 with `keepdims=True`; return the tuple `(loss, dW, db)` in this order.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "softmax_regression_grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_regression_grads(W, b, X, Y):
    """Cost and gradients of softmax regression. The arguments need not be checked.

    Parameters
    ----------
    W : array (C, n_x); b : array (C, 1); X : array (n_x, m); Y : array (C, m), one-hot

    Returns
    -------
    loss : float, the mean cross-entropy J of A = softmax(W X + b) against Y
    dW : array (C, n_x), dJ/dW = (1/m) (A - Y) X^T
    db : array (C, 1), dJ/db = (1/m) sum over the examples i of (A^(i) - Y^(i))
    """
    ### BEGIN SOLUTION
    m = X.shape[1]
    A = softmax(W @ X + b)
    dZ = A - Y
    dW = dZ @ X.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return cross_entropy(A, Y), dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_regression_grads_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_close, check_float_close, check_tuple, replaced

# W = 0 and b = 0 make every logit 0, so both classes get probability 1/2:
# A = [[0.5, 0.5], [0.5, 0.5]]. Both examples are class 0, so A - Y = [[-0.5, -0.5], [0.5, 0.5]]
# and the loss is -log(1/2) = log 2.
W, b = np.zeros((2, 3)), np.zeros((2, 1))
X = np.array([[1.0, 3.0],
              [2.0, 0.0],
              [0.0, 4.0]])
Y = np.array([[1.0, 1.0],
              [0.0, 0.0]])


# If your function calls softmax and cross_entropy, it gets these stand-ins, which give exactly
# the values above (so that a mistake up there costs points there only): softmax for equal
# logits, 1/C everywhere, and a cross-entropy of log 2.
def softmax_of_equal_logits(Z):
    return np.full(Z.shape, 1.0 / Z.shape[0])


def cross_entropy_log_2(A, Y):
    return float(np.log(2.0))


with replaced(globals(), softmax=softmax_of_equal_logits, cross_entropy=cross_entropy_log_2):
    result = check_tuple("softmax_regression_grads", softmax_regression_grads(W, b, X, Y), 3)
check_float_close("softmax_regression_grads: loss", result[0], np.log(2.0), rtol=1e-12)
# dW = (A - Y) @ X.T / 2: row 0 is -0.5 * ([1, 2, 0] + [3, 0, 4]) / 2 = [-1, -0.5, -1].
check_close("softmax_regression_grads: dW, shape (C, n_x)", result[1],
            [[-1.0, -0.5, -1.0], [1.0, 0.5, 1.0]])
# db = mean of A - Y over the two examples, a column (C, 1).
check_close("softmax_regression_grads: db, a column (C, 1)", result[2], [[-0.5], [0.5]])

# %% nbgrader={"grade": true, "grade_id": "test_softmax_regression_grads_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: loss, dW and db match the expected values on random problems of several shapes, including one example and logits near 1000.
### BEGIN HIDDEN TESTS
from course_lib.softmax import softmax_regression_grads as reference_softmax_regression_grads
from course_kit.checks import check_close, check_float_close, check_tuple, replaced
from course_lib.softmax import cross_entropy as reference_cross_entropy
from course_lib.softmax import one_hot as reference_one_hot
from course_lib.softmax import softmax as reference_softmax

# The last problem has logits near 1000 (a large bias): loss and gradients stay finite.
for seed, (C, n_x, m, bias) in enumerate([(3, 4, 5, 0.0), (10, 64, 30, 0.0), (2, 1, 1, 0.0),
                                          (4, 3, 2, 0.0), (3, 4, 6, 1000.0)]):
    rng = np.random.default_rng(9000 + seed)
    W, b = rng.normal(size=(C, n_x)), rng.normal(size=(C, 1)) + bias
    X = rng.normal(size=(n_x, m))
    Y = reference_one_hot(rng.integers(0, C, size=m), C)
    expected = reference_softmax_regression_grads(W, b, X, Y)
    where = f"softmax_regression_grads (C={C}, n_x={n_x}, m={m})"
    with replaced(globals(), softmax=reference_softmax, cross_entropy=reference_cross_entropy,
                  one_hot=reference_one_hot):
        result = check_tuple(where, softmax_regression_grads(W.copy(), b.copy(), X.copy(),
                                                             Y.copy()), 3)
    check_float_close(f"{where}: loss", result[0], expected[0], rtol=1e-9)
    check_close(f"{where}: dW", result[1], expected[1], rtol=1e-9, atol=1e-12)
    check_close(f"{where}: db", result[2], expected[2], rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_softmax_regression_grads_numeric_gradient", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: dW and db agree with centred-difference gradients of the cost.
### BEGIN HIDDEN TESTS
from course_kit.checks import check_gradient, check_tuple, numeric_gradient, replaced
from course_lib.softmax import cross_entropy as reference_cross_entropy
from course_lib.softmax import one_hot as reference_one_hot
from course_lib.softmax import softmax as reference_softmax

rng = np.random.default_rng(9100)
C, n_x, m = 4, 3, 6
W, b = rng.normal(size=(C, n_x)), rng.normal(size=(C, 1))
X = rng.normal(size=(n_x, m))
Y = reference_one_hot(rng.integers(0, C, size=m), C)


def cost(W_, b_):
    return reference_cross_entropy(reference_softmax(W_ @ X + b_), Y)


with replaced(globals(), softmax=reference_softmax, cross_entropy=reference_cross_entropy,
              one_hot=reference_one_hot):
    result = check_tuple("softmax_regression_grads",
                         softmax_regression_grads(W.copy(), b.copy(), X.copy(), Y.copy()), 3)
check_gradient("softmax_regression_grads: dW", result[1],
               numeric_gradient(lambda w: cost(w, b), W.copy()), tol=1e-6)
check_gradient("softmax_regression_grads: db", result[2],
               numeric_gradient(lambda v: cost(W, v), b.copy()), tol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Predictions
#
# The predicted class of an example is the one with the highest probability. Softmax never
# changes the order of a column's entries, so this is simply the arg-max of the logits
# $Z = WX + b$ over the classes, axis 0; there is no need to compute the probabilities. Return an
# integer array of shape $(m,)$ (any NumPy integer type, such as the `int64` that `np.argmax`
# returns). When several classes tie for the largest logit, predict the first of them, the one
# with the smallest index, as `np.argmax` does.

# %% nbgrader={"grade": false, "grade_id": "predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
def predict(W, b, X):
    """Predicted class of every example. The arguments need not be checked.

    Parameters
    ----------
    W : array (C, n_x); b : array (C, 1); X : array (n_x, m)

    Returns
    -------
    labels : int array (m,), labels[i] = the class k with the largest logit (W X + b)[k, i];
        on a tie the smallest such k; any NumPy integer dtype
    """
    ### BEGIN SOLUTION
    return np.argmax(W @ X + b, axis=0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_predict_by_hand", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_kit.checks import check_equal, replaced

# Three classes, two features, four examples. Logits Z = W @ X + b column by column:
#   [2, 1, -2.5] -> class 0;  [0, 3, -2.5] -> class 1;  [-1, -1, 2.5] -> class 2;
#   [0, 0, 0.5] (X = 0, only the bias counts) -> class 2.
W = np.array([[1.0, 0.0],
              [0.0, 1.0],
              [-1.0, -1.0]])
b = np.array([[0.0], [0.0], [0.5]])
X = np.array([[2.0, 0.0, -1.0, 0.0],
              [1.0, 3.0, -1.0, 0.0]])


# If your predict calls softmax, it gets this stand-in, which returns the logits unchanged:
# softmax keeps the order within each column, so the arg-max is the same.
def logits_unchanged(Z):
    return Z


with replaced(globals(), softmax=logits_unchanged):
    labels = predict(W, b, X)
check_equal("predict", labels, np.array([0, 1, 2, 2]), kind="int")

# %% nbgrader={"grade": true, "grade_id": "test_predict_random", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Hidden test: the labels match the expected values exactly on random problems of several shapes, including one example.
### BEGIN HIDDEN TESTS
from course_lib.softmax import predict as reference_predict
from course_kit.checks import check_equal, replaced
from course_lib.softmax import cross_entropy as reference_cross_entropy
from course_lib.softmax import one_hot as reference_one_hot
from course_lib.softmax import softmax as reference_softmax

for seed, (C, n_x, m) in enumerate([(3, 2, 10), (10, 64, 50), (4, 5, 1), (2, 3, 7)]):
    rng = np.random.default_rng(9500 + seed)
    W, b = rng.normal(size=(C, n_x)), rng.normal(size=(C, 1))
    X = rng.normal(size=(n_x, m))
    with replaced(globals(), softmax=reference_softmax, cross_entropy=reference_cross_entropy,
                  one_hot=reference_one_hot):
        labels = predict(W.copy(), b.copy(), X.copy())
    check_equal(f"predict (C={C}, n_x={n_x}, m={m})", labels, reference_predict(W, b, X),
                kind="int")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_predict_large_logits", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Hidden test: logits in the thousands and a bias that decides alone still give the expected integer labels, and ties go to the first class.
### BEGIN HIDDEN TESTS
from course_lib.softmax import predict as reference_predict
from course_kit.checks import check_equal, replaced
from course_lib.softmax import cross_entropy as reference_cross_entropy
from course_lib.softmax import one_hot as reference_one_hot
from course_lib.softmax import softmax as reference_softmax

rng = np.random.default_rng(9600)
W, b = 500.0 * rng.normal(size=(5, 4)), 100.0 * rng.normal(size=(5, 1))
X = rng.normal(size=(4, 20))
with replaced(globals(), softmax=reference_softmax, cross_entropy=reference_cross_entropy,
              one_hot=reference_one_hot):
    labels = predict(W, b, X)
    bias_only = predict(np.zeros((3, 2)), np.array([[0.0], [2.0], [1.0]]), np.ones((2, 3)))
    ties = predict(np.zeros((3, 2)), np.array([[1.0], [1.0], [0.0]]), np.ones((2, 2)))
check_equal("predict with logits in the thousands", labels, reference_predict(W, b, X),
            kind="int")
check_equal("predict with W = 0 (the bias decides)", bias_only, np.array([1, 1, 1]), kind="int")
check_equal("predict with classes 0 and 1 tied for the largest logit (the first wins)", ties,
            np.array([0, 0]), kind="int")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Training on handwritten digits
#
# Everything is in place for gradient descent: start from $W = 0$, $b = 0$ and repeat
# $W \leftarrow W - \alpha\, \partial J/\partial W$, $b \leftarrow b - \alpha\, \partial J/\partial b$.
# The digits are 8×8 images flattened into $n_x = 64$ pixel intensities in $[0, 1]$, with
# $C = 10$ classes; 1,197 images train the model and 300 others measure its accuracy. The cell
# below uses **your** functions; 200 full-batch steps with $\alpha = 1$ take a few seconds and
# should reach a validation accuracy above 90 % (about 95 %).

# %%
digits = load_digits_split()
X_train, Y_train = digits.train.X, one_hot(digits.train.labels, 10)
W, b = np.zeros((10, 64)), np.zeros((10, 1))
learning_rate, costs = 1.0, []
for step in range(200):
    loss, dW, db = softmax_regression_grads(W, b, X_train, Y_train)
    W, b = W - learning_rate * dW, b - learning_rate * db
    costs.append(loss)

val_accuracy = np.mean(predict(W, b, digits.validation.X) == digits.validation.labels)
print(f"training cost after 200 steps: {costs[-1]:.3f}")
print(f"validation accuracy: {val_accuracy:.1%}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1.3, 2]})
axes[0].plot(costs)
axes[0].set_xlabel("gradient descent step")
axes[0].set_ylabel("training cost J")
# Each row of W is a 64-pixel template: pixels that vote for (red) or against (blue) a digit.
templates = np.hstack([W[k].reshape(8, 8) for k in range(10)])
limit = np.abs(W).max()
axes[1].imshow(templates, cmap="RdBu_r", vmin=-limit, vmax=limit)
axes[1].set_xticks(np.arange(10) * 8 + 3.5, [str(k) for k in range(10)])
axes[1].set_yticks([])
axes[1].set_title("rows of W as 8x8 images, one per digit")
fig.tight_layout()

# %% [markdown]
# ## 7. Decision regions
#
# On 2-D data we can see what the linear model does: it cuts the plane into $C$ regions, one per
# class, whose boundaries are straight lines (where two classes' logits are equal). Three
# Gaussian blobs, 100 points each:

# %%
blobs = make_blobs(100, n_classes=3, spread=1.2, rng=np.random.default_rng(0))
W, b = np.zeros((3, 2)), np.zeros((3, 1))
Y_blobs = one_hot(blobs.labels, 3)
for step in range(200):
    loss, dW, db = softmax_regression_grads(W, b, blobs.X, Y_blobs)
    W, b = W - 0.5 * dW, b - 0.5 * db
print(f"training accuracy: {np.mean(predict(W, b, blobs.X) == blobs.labels):.1%}")

x0, x1 = np.meshgrid(np.linspace(-6, 6, 200), np.linspace(-6, 6, 200))
grid = np.vstack([x0.ravel(), x1.ravel()])  # (2, 40000): one column per grid point
regions = predict(W, b, grid).reshape(x0.shape)
class_colors = ListedColormap(["tab:red", "tab:blue", "tab:green"])
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.contourf(x0, x1, regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap=class_colors, alpha=0.25)
ax.scatter(blobs.X[0], blobs.X[1], c=blobs.labels, cmap=class_colors, vmin=-0.5, vmax=2.5, s=12,
           edgecolors="k", linewidths=0.3)
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.set_title("decision regions of softmax regression")
fig.tight_layout()

# %% [markdown]
# ## 8. Written question
#
# Softmax regression with $C = 2$ classes, numbered 0 and 1 as in the code, has two rows of
# weights, $w_0$ (row 0 of $W$) and $w_1$ (row 1), and two biases, $b_0, b_1$. Show that its
# probability for class 1 is the sigmoid of a single linear function of $x$, i.e. that it is
# logistic regression (which gives class 1 the probability $\sigma(w^T x + b)$). What are that
# logistic regression's weights and bias, and what does this tell you about the parameters of
# softmax regression? Answer in the cell below.
#
# **Rubric (2 points):** 1 point for the derivation $a_1 = \sigma(z_1 - z_0)$ (dividing numerator
# and denominator by $e^{z_1}$, or an equivalent argument); 1 point for naming $w = w_1 - w_0$,
# $b = b_1 - b_0$ and noting that only differences matter (the parameterisation is redundant:
# adding the same vector to both rows changes no probability).
#
# <details><summary>Hint 1 — idea</summary>
#
# Write $a_1$ with the softmax formula for two logits $z_0, z_1$, and try to make it look like
# $\frac{1}{1 + e^{-t}}$ for some $t$.
#
# </details>
#
# <details><summary>Hint 2 — formula</summary>
#
# Divide the numerator and the denominator of $a_1 = \frac{e^{z_1}}{e^{z_0} + e^{z_1}}$ by
# $e^{z_1}$.
#
# </details>
#
# <details><summary>Hint 3 — last step</summary>
#
# Substitute $z_k = w_k^T x + b_k$ into the $t$ you found and collect the terms in $x$ and the
# constant.
#
# </details>

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_two_classes", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Model answer.** With $z_0 = w_0^T x + b_0$ and $z_1 = w_1^T x + b_1$,
#
# $$a_1 = \frac{e^{z_1}}{e^{z_0} + e^{z_1}} = \frac{1}{1 + e^{-(z_1 - z_0)}}
# = \sigma(z_1 - z_0) = \sigma\big((w_1 - w_0)^T x + (b_1 - b_0)\big),$$
#
# dividing numerator and denominator by $e^{z_1}$, and $a_0 = 1 - a_1$. So two-class softmax
# regression is logistic regression with weights $w = w_1 - w_0$ and bias $b = b_1 - b_0$.
#
# Only the differences matter: adding the same vector to both rows of $W$ (and the same number to
# both biases) leaves every probability unchanged, so softmax regression's parameters are
# redundant (over-parameterised) — in general one class's row could be fixed to 0. The same
# shift-invariance is why subtracting the maximum logit is allowed.

# %% [markdown]
# ## Summary
#
# * Softmax turns a column of logits into probabilities; subtract each column's maximum first so
#   that it never overflows.
# * The cost is the mean cross-entropy, $-\frac1m\sum Y \log A$, and its gradient with respect to
#   the logits is $(A - Y)/m$.
# * Softmax regression is a linear classifier: its decision boundaries are straight lines, and
#   with two classes it is logistic regression.
