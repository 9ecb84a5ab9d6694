# %% [markdown]
# [All topics](index.ipynb) · [The tuning process](tuning.ipynb) · [Using an appropriate scale](scale.ipynb) · [Batch normalization](batch_norm.ipynb) · **Softmax regression** · [The papers' experiments](experiments.ipynb)

# %% [markdown]
# # Softmax regression
#
# Logistic regression separates two classes. **Softmax regression** generalises it to $C$ classes:
# the output layer has $C$ units, and its activation turns the $C$ numbers $z^{[L]}$ into
# probabilities that are positive and sum to 1.
#
# Course notation: examples are columns, so logits $Z$ and probabilities $A$ are $(C, m)$ and
# one-hot labels $Y$ are $(C, m)$.

# %%
import numpy as np
from course_lib.softmax import softmax
from course_lib.widgets import decision_regions_explorer, softmax_explorer

# %% [markdown]
# ## The softmax activation
#
# For one example (one column) with logits $z \in \mathbb{R}^{C}$:
#
# $$t = e^{z} \;(\text{elementwise}), \qquad a_k = \frac{t_k}{\sum_{j=1}^{C} t_j} .$$
#
# Unlike ReLU or the sigmoid, it takes a vector and returns a vector: each $a_k$ depends on all the
# logits. For the lecture's example $z = (5, 2, -1, 3)$:

# %%
a = softmax(np.array([[5.0], [2.0], [-1.0], [3.0]]))
print("a =", a[:, 0].round(3), f" sum: {a.sum():.6f}")   # about 0.842, 0.042, 0.002, 0.114

# %% [markdown]
# Adding the same number to every logit does not change $a$; `softmax` subtracts each column's
# maximum first, so $e^{z}$ never overflows. The name contrasts with the *hard max*, which would
# put 1 on the largest logit and 0 elsewhere. Dividing the logits by a **temperature** $T$ before
# the softmax shows the link: $a = \text{softmax}(z / T)$ tends to the hard max as $T \to 0$ and
# to the uniform $1/C$ as $T \to \infty$ (the plain softmax is $T = 1$). The explorer shows the
# three steps as the lecture writes them: the logits, $t = e^{z/T}$ (for $z = (5, 2, -1, 3)$:
# $t = (148.4, 7.4, 0.4, 20.1)$, $\sum t = 176.3$), and $a = t / \sum_j t_j$ against the dashed
# $1/C$. (The code computes $e^{(z - \max z)/T}$, every $t$ divided by the same number: the same
# $a$, without overflow.)

# %%
softmax_explorer()

# %% [markdown]
# > **Try it.** Raise $z_3$ from $-1$ until it overtakes $z_1$: how do *all* the probabilities
# > change, not only $a_3$? Set two logits equal: what are their probabilities? Slide $T$ down to
# > 0.1 and up to 10: which limit does each end approach?

# %% [markdown]
# ## Training and decision regions
#
# With $A = \text{softmax}(W X + b)$ ($W$ is $(C, n_x)$, $b$ is $(C, 1)$), the loss is the mean
# cross-entropy $\mathcal{L} = -\frac{1}{m} \sum_{i} \sum_{k} Y_{k i} \log A_{k i}$; only the
# true class's term survives for each example, so training pushes that probability up. Its
# gradient is remarkably simple:
#
# $$dZ = A - Y, \qquad dW = \frac{1}{m}\, dZ\, X^{\top}, \qquad
# db = \frac{1}{m} \sum_{i} dZ_{:, i} .$$
#
# The prediction is the class with the largest logit, $\arg\max_k (W x + b)_k$. Without a hidden
# layer, the boundary between any two classes is where two linear functions are equal — a straight
# line — so softmax regression cuts the plane into convex, straight-edged regions.
# The explorer trains it by gradient descent on 2-D blobs and colours each region by the
# predicted class (each region also shows its class number, each class's points their own
# marker). A learning rate too large makes the loss jump up and down (*oscillates*) or keep
# growing (*diverges*); the notice says which.

# %%
decision_regions_explorer()

# %% [markdown]
# > **Try it.** Set the gradient steps to 0: what does the model predict everywhere, and why
# > (all logits are equal, and arg-max picks the first)? Step up slowly: how do the regions
# > appear? Raise the spread until blobs overlap: can straight boundaries still separate them,
# > and what happens to the training accuracy? Try 5 classes with spread 3 and raise the
# > learning rate $\alpha$ to 2: what happens to the loss?
