# %% [markdown]
# # Hyperparameters, batch norm and softmax: the explorers
#
# One week of deep learning, to play with. Each topic explains one lecture point, then lets you
# move sliders over a live figure; every figure is drawn by the course's own functions
# (`course_lib`). Pick a topic:
#
# | topic | what you explore |
# |---|---|
# | [**The tuning process**](tuning.ipynb) | grid against random search on a problem where one hyperparameter matters; coarse-to-fine boxes against flat random search |
# | [**Using an appropriate scale**](scale.ipynb) | uniform against log-uniform samples per decade; the window $1/(1-\beta)$ of an exponentially weighted average, its weights and its bias correction |
# | [**Batch normalization**](batch_norm.ipynb) | what $\mu$, $\sigma^2$, $\varepsilon$, $\gamma$ and $\beta$ do to one unit's values over a batch, and how to undo it |
# | [**Softmax regression**](softmax.ipynb) | logits to probabilities in three steps, with a temperature; decision regions and the training loss, including a learning rate that diverges |
#
# And [**the papers' experiments**](experiments.ipynb): Bergstra & Bengio's random search and Ioffe &
# Szegedy's batch normalization, reproduced on scikit-learn's digits (figures and numbers saved
# with the notebook).
#
# *Opened in JupyterLab, run a topic's cells from the top (Run → Run All Cells). As an app,
# `make explore` serves these pages with Voilà; each topic links back here.*
#
