"""Interactive explorers for the self-learner notebooks (ipywidgets + ipympl).

Each ``*_explorer()`` returns a ready layout (:class:`~course_lib.widgets._view.Explorer`,
an ``ipywidgets.VBox``) whose ``controls`` a learner moves and a test can set; each is a thin
view over pure ``*_state`` functions that take every random draw from an ``rng``.
"""

from course_lib.widgets._view import Explorer
from course_lib.widgets.batch_norm_explorer import gamma_beta_explorer, gamma_beta_state
from course_lib.widgets.ewa_explorer import ewa_window_explorer, ewa_window_state
from course_lib.widgets.sampling_explorer import log_vs_uniform_explorer, log_vs_uniform_state
from course_lib.widgets.softmax_explorer import (
    decision_regions_explorer,
    decision_regions_state,
    softmax_explorer,
    softmax_probabilities,
)
from course_lib.widgets.tuning_explorer import (
    coarse_to_fine_explorer,
    coarse_to_fine_state,
    grid_vs_random_explorer,
    grid_vs_random_state,
)

EXPLORERS = {
    "gamma_beta": gamma_beta_explorer,
    "ewa_window": ewa_window_explorer,
    "grid_vs_random": grid_vs_random_explorer,
    "log_vs_uniform": log_vs_uniform_explorer,
    "coarse_to_fine": coarse_to_fine_explorer,
    "softmax": softmax_explorer,
    "decision_regions": decision_regions_explorer,
}

__all__ = [
    "EXPLORERS",
    "Explorer",
    "coarse_to_fine_explorer",
    "coarse_to_fine_state",
    "decision_regions_explorer",
    "decision_regions_state",
    "ewa_window_explorer",
    "ewa_window_state",
    "gamma_beta_explorer",
    "gamma_beta_state",
    "grid_vs_random_explorer",
    "grid_vs_random_state",
    "log_vs_uniform_explorer",
    "log_vs_uniform_state",
    "softmax_explorer",
    "softmax_probabilities",
]
