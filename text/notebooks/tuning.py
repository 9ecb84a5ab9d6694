# %% [markdown]
# [All topics](index.ipynb) · **The tuning process** · [Using an appropriate scale](scale.ipynb) · [Batch normalization](batch_norm.ipynb) · [Softmax regression](softmax.ipynb) · [The papers' experiments](experiments.ipynb)

# %% [markdown]
# # The tuning process
#
# A network has many hyperparameters, and they do not matter equally. A usual order of
# attention:
#
# 1. **first**: the learning rate $\alpha$ — almost always the one that matters most;
# 2. **next**: the momentum term $\beta$ (about 0.9 is a good start), the mini-batch size and
#    the number of hidden units;
# 3. **then**: the number of layers and the learning-rate decay;
# 4. **rarely**: Adam's $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\varepsilon = 10^{-8}$ — the defaults
#    are usually left alone.
#
# This notebook is about *how to choose the values to try*. Run the cells from the top; move the
# sliders and answer the questions in the boxes as you go. Points are rows here: a search over $d$
# hyperparameters is an array of shape $(n_{\text{points}}, d)$, and a lower score is better.

# %%
from course_lib.widgets import grid_vs_random_explorer, coarse_to_fine_explorer

# %% [markdown]
# ## Grid or random?
#
# Older practice laid the trials on a grid: $n$ values per hyperparameter, all $n^2$ combinations.
# That is fine when there are few hyperparameters and you know which ones matter. In deep
# learning you rarely know in advance, and that is what makes a grid wasteful: if only
# $x_0$ matters (say the learning rate) and $x_1$ hardly does (say Adam's $\varepsilon$), the
# $n^2$ grid trials try only **$n$ distinct values** of $x_0$ — every column of the grid repeats
# the same $x_0$. The same $n^2$ trials drawn **at random** try $n^2$ distinct values of $x_0$.
#
# In the explorer the objective depends on $x_0$ alone (the dark stripe is where it is low, the
# dashed line its optimum); the right panel shows, as tick marks, the values of $x_0$ each search
# tried, and the best each found — a square for the grid's best, a star for random search's, in
# every panel. Below the figure: how often random search wins over 100 seeds at the same $n$.

# %%
grid_vs_random_explorer()

# %% [markdown]
# > **Try it.** Set $n = 3$: where does the grid look on $x_0$, and does it ever come near the
# > stripe? Raise $n$ one step at a time: how many distinct $x_0$ values does each search try?
# > Change the seed a few times at $n = 4$: does random search always win? Compare with the
# > share of 100 seeds printed below the figure, and watch that share as $n$ grows.

# %% [markdown]
# ## Coarse to fine
#
# Random search tells you roughly where the good region is. *Coarse to fine* then zooms in:
# round 1 samples the whole box $[\text{low}, \text{high}]$; every next round samples a smaller
# box centred on the best point found so far, each side `shrink` times the previous one (and
# clipped to the original range). `course_lib.tuning.coarse_to_fine` does exactly this; the
# explorer draws its boxes round by round on a narrow, tilted valley (the cross marks the
# optimum; the middle panel zooms on it; each box carries its round's number) and, on the right,
# shows this seed's best score so far against what to expect: the median (and the 10–90 % band)
# over 100 seeds of coarse to fine and of flat random search over the whole square with the
# same number of trials. (One seed can mislead: at seed 0 flat search scores 0.009 with its first
# trial and never beats it.)

# %%
coarse_to_fine_explorer()

# %% [markdown]
# > **Try it.** With 3 rounds, how does the best score change from round to round (right panel,
# > log scale), and where does flat random search stand? Set `shrink` to 0.1: why can the search now get *stuck* away from the optimum?
# > With a fixed budget (rounds × points), is it better to have many small rounds or few large ones?
