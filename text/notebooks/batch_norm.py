# %% [markdown]
# [All topics](index.ipynb) · [The tuning process](tuning.ipynb) · [Using an appropriate scale](scale.ipynb) · **Batch normalization** · [Softmax regression](softmax.ipynb) · [The papers' experiments](experiments.ipynb)

# %% [markdown]
# # Batch normalization
#
# Batch normalization (Sergey Ioffe and Christian Szegedy, 2015) normalises the values *inside* a
# network the way we normalise its inputs. It makes the hyperparameter search easier (a wider range
# of values trains well) and deep networks faster to train.
#
# Course notation: examples are columns. In layer $l$, $Z^{[l]}$ has shape $(n^{[l]}, m)$ — one row per
# unit, one column per example of the mini-batch. Batch norm is usually applied to $z$, before the
# activation $g$ (some apply it after, to $a$; normalising $z$ is the more common choice).

# %%
import numpy as np
from course_lib.batch_norm import batchnorm_forward
from course_lib.widgets import gamma_beta_explorer

# %% [markdown]
# ## The computation
#
# For one unit and the values $z^{(1)}, \dots, z^{(m)}$ it takes over the mini-batch:
#
# $$\mu = \frac{1}{m} \sum_{i=1}^{m} z^{(i)}, \qquad
# \sigma^2 = \frac{1}{m} \sum_{i=1}^{m} \left(z^{(i)} - \mu\right)^2,$$
#
# $$z^{(i)}_{\text{norm}} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
# \tilde z^{(i)} = \gamma\, z^{(i)}_{\text{norm}} + \beta .$$
#
# With $Z$ of shape $(n, m)$ this is done for every row at once: $\mu$ and $\sigma^2$ are $(n, 1)$
# columns (means over axis 1), and so are the learnable $\gamma$ and $\beta$. The variance is the
# biased one ($1/m$), and $\varepsilon$ (e.g. $10^{-5}$) keeps the division safe when
# $\sigma^2 \approx 0$. The next layer's activation takes $\tilde z$ in place of $z$.
#
# $z_{\text{norm}}$ always has mean 0 and (up to $\varepsilon$) variance 1. The network does not
# have to keep that: $\gamma$ and $\beta$ are learned by gradient descent like $W$, so
# $\tilde z$ can have **any** mean ($\beta$) and spread ($\gamma$). In particular, with
#
# $$\gamma = \sqrt{\sigma^2 + \varepsilon}, \qquad \beta = \mu$$
#
# batch norm is undone exactly: $\tilde z^{(i)} = z^{(i)}$. (This $\beta$ has nothing to do with
# momentum's $\beta$; and since $\beta$ shifts the values anyway, a layer with batch norm drops its
# bias $b$.)

# %%
rng = np.random.default_rng(0)
Z = 3.0 + 2.0 * rng.standard_normal((2, 8))           # 2 units, a batch of m = 8
gamma, beta = np.ones((2, 1)), np.zeros((2, 1))
Z_tilde, (_, Z_norm, mu, var, *_) = batchnorm_forward(Z, gamma, beta)
print("mean of each unit's z_norm:", Z_norm.mean(axis=1).round(6) + 0.0)   # about 0 (+ 0.0: no -0.)
print("std of each unit's z_norm: ", Z_norm.std(axis=1).round(6))    # about 1

# %% [markdown]
# ## Explore $\gamma$, $\beta$ and $\varepsilon$
#
# The explorer draws one unit's $z$ over a batch (normal, skewed or bimodal, with a mean and a
# spread you choose) and shows $z$, $z_{\text{norm}}$ and $\tilde z$, each panel on axes fitted
# to its own values (read the tick labels to compare widths). On $\tilde z$ the arrow is the
# shift $\beta$ and the bracket $\beta \pm \gamma$ standard deviations of $z_{\text{norm}}$ (faint
# in the background); the dashed outline is $z$. Under the figure a sentence says what it shows
# and the table gives the current means and standard deviations. The $\gamma$ and $\beta$
# sliders move a tenth of their range per arrow key; type a value into the number beside a
# slider for an exact one.

# %%
gamma_beta_explorer()

# %% [markdown]
# > **Try it.**
# > 1. Move the batch mean and spread. What happens to $z$? To $z_{\text{norm}}$? Why does the
# >    middle panel hardly move?
# > 2. Choose *skewed* or *bimodal*. Does normalising make the distribution normal? What does it
# >    change, and what does it keep?
# > 3. Move $\gamma$ and $\beta$: check that the mean of $\tilde z$ is $\beta$ and its standard
# >    deviation is $\gamma$ times that of $z_{\text{norm}}$.
# > 4. Press **set γ = √(σ²+ε), β = μ**. Which panel now matches the first, and why?
# > 5. Set the spread to its minimum and raise $\varepsilon$ to 1: why is the standard deviation of
# >    $z_{\text{norm}}$ no longer 1?
# > 6. Make the batch small (m = 4 … 16) and press **new batch** several times: how much do $\mu$
# >    and $\sigma^2$ jump around?

# %% [markdown]
# ## Why it helps
#
# * Like normalising the inputs, it keeps each layer's inputs on a similar scale, so gradient
#   descent can use one learning rate for all of them.
# * It makes later layers more robust to changes in earlier ones: whatever the earlier weights do
#   to the distribution of $z^{[l]}$, its mean and variance stay where $\gamma^{[l]}$ and
#   $\beta^{[l]}$ put them, so the later layers see a more stable input.
# * A slight regularisation: $\mu$ and $\sigma^2$ come from just one mini-batch, so they are noisy
#   (question 6 above); that noise on $\tilde z$ acts a little like dropout. The larger the batch,
#   the weaker the effect — it is a side effect, not a reason to use batch norm.
#
# ## At test time
#
# A test example may come alone ($m = 1$), where a batch mean and variance make no sense. During
# training, keep exponentially weighted averages of each layer's $\mu$ and $\sigma^2$ across
# mini-batches (`update_running_stats`), and at test time normalise with those
# (`batchnorm_inference`).
