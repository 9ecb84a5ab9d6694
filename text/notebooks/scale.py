# %% [markdown]
# [All topics](index.ipynb) · [The tuning process](tuning.ipynb) · **Using an appropriate scale** · [Batch normalization](batch_norm.ipynb) · [Softmax regression](softmax.ipynb) · [The papers' experiments](experiments.ipynb)

# %% [markdown]
# # Using an appropriate scale
#
# Sampling at random does not mean sampling *uniformly* on the hyperparameter's own axis. For
# some hyperparameters, uniform is right (the number of hidden units in 50…100, the number of
# layers in 2…4). For others, the *ratio* between values is what matters, and a uniform draw
# wastes almost every trial.

# %%
import numpy as np
from course_lib.scale import effective_window, sample_log_uniform
from course_lib.widgets import ewa_window_explorer, log_vs_uniform_explorer

# %% [markdown]
# ## The learning rate: sample the exponent
#
# Suppose $\alpha$ should lie between $10^{-4}$ and $1$. A uniform draw on $[10^{-4}, 1]$ puts
# about 90% of the samples in $[0.1, 1]$ and only 0.009% in $[10^{-4}, 10^{-3}]$. Sample the
# exponent instead:
#
# $$r \sim U[-4, 0], \qquad \alpha = 10^{r},$$
#
# so that every decade $[10^{k}, 10^{k+1}]$ gets the same share of the trials. In general, for
# $\alpha \in [10^{a}, 10^{b}]$ take $a = \log_{10}(\text{low})$, $b = \log_{10}(\text{high})$,
# $r \sim U[a, b]$ and $\alpha = 10^r$. In NumPy, with a generator `rng`:
#
# ```python
# r = rng.uniform(-4, 0)   # -4 <= r < 0
# alpha = 10 ** r          # 1e-4 <= alpha < 1
# ```
#
# (`10 ** r`, the power — not `np.exp`; and the lower end is `1e-4`, i.e. $10^{-4}$.)
# `course_lib.scale.sample_log_uniform(low, high, size, rng)` does this:

# %%
rng = np.random.default_rng(0)
alpha = sample_log_uniform(1e-4, 1.0, size=10_000, rng=rng)
counts = np.histogram(np.log10(alpha), bins=[-4, -3, -2, -1, 0])[0]
print("samples per decade from 1e-4 to 1:", counts)   # about 2,500 each

# %% [markdown]
# The explorer draws the same number of samples both ways and counts them per decade (bars on a
# linear axis, uniform hatched; the table gives the small shares).

# %%
log_vs_uniform_explorer()

# %% [markdown]
# > **Try it.** Widen the range to $[10^{-6}, 10^{2}]$: what share of the *uniform* samples falls
# > below $10^{-2}$? And of the log-uniform ones? With 8 decades and 50 trials, how many trials
# > does each decade get with each sampler?

# %% [markdown]
# ## The momentum term: sample $1 - \beta$
#
# An exponentially weighted average
# $v_t = \beta\, v_{t-1} + (1-\beta)\, x_t$ (with $v_0 = 0$) averages roughly over the last
#
# $$\frac{1}{1-\beta}$$
#
# values. Searching $\beta \in [0.9, 0.999]$ uniformly is as bad as searching $\alpha$ uniformly:
# the window is 10 points at $\beta = 0.9$ and 1,000 at $\beta = 0.999$, and it changes fastest
# near 1. Moving $\beta$ from 0.9000 to 0.9005 leaves the window at about 10; moving it from 0.999
# to 0.9995 doubles it, from 1,000 to 2,000:

# %%
for beta in (0.9, 0.9005, 0.999, 0.9995):
    print(f"beta = {beta}: window {effective_window(beta):,.0f} points")

# %% [markdown]
# So sample $1 - \beta$ on a log scale: $r \sim U[-3, -1]$, $1 - \beta = 10^{r}$,
# $\beta = 1 - 10^{r}$. That spends as many trials on $[0.99, 0.999]$ as on $[0.9, 0.99]$ — exactly
# where the window is most sensitive. (`course_lib.scale.sample_beta` does it.)
#
# The explorer's slider steps through the lecture's values of $\beta$, the pairs
# 0.9 → 0.9005 and 0.999 → 0.9995 among them, one key press apart. Top left: the window
# $1/(1-\beta)$ (linear) against $\beta$ (spaced as $1 - \beta$, so 0.9, 0.99 and 0.999 are
# evenly apart): it blows up as $\beta$ nears 1; the hollow point is the $\beta$ before your
# last move, and the table says how many times the window changed. Top right: the weight
# $\beta^{T-t}$ that $v_T$ gives each point, newest on the right; the shaded band is the last
# $1/(1-\beta)$ points, and at its edge the weight has fallen to about $1/e$. Bottom: a noisy
# series smoothed with that $\beta$, without bias correction (thin blue) and with it,
# $v_t / (1 - \beta^t)$ (broad green); the left panel is its first 60 points.

# %%
ewa_window_explorer()

# %% [markdown]
# > **Try it.** Move $\beta$ from 0.9 to 0.9005, then from 0.999 to 0.9995: by how many times
# > does the window change each time? Move $\beta$ from 0.9 to 0.999: what happens to the window, and to the smoothed
# > curve — how far behind the data does it lag? Over the first 60 points, why does the
# > uncorrected (blue) average start near 0 even at $\beta = 0.9$, and how long does it take to
# > catch up at 0.99 and at 0.999?
