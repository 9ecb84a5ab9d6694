"""Interactive explorers for the self-learner notebooks (ipywidgets + ipympl).

Each ``*_explorer()`` returns a ready layout (:class:`~course_lib.widgets._view.Explorer`,
an ``ipywidgets.VBox``) whose ``controls`` a learner moves and a test can set; each is a thin
view over pure ``*_state`` functions that take every random draw from an ``rng``.

The names load lazily, each from its own module on first use: the γ/β and window explorers
(``batch_norm_explorer``, ``ewa_explorer``) run on functions passed in and import no reference
code until asked for the default, so they also work where the reference is absent (the
student kit) without this package importing the other explorers' references.
"""

from importlib import import_module

_MODULES = {
    "Explorer": "_view",
    "gamma_beta_explorer": "batch_norm_explorer",
    "gamma_beta_state": "batch_norm_explorer",
    "ewa_window_explorer": "ewa_explorer",
    "ewa_window_state": "ewa_explorer",
    "log_vs_uniform_explorer": "sampling_explorer",
    "log_vs_uniform_state": "sampling_explorer",
    "decision_regions_explorer": "softmax_explorers",
    "decision_regions_state": "softmax_explorers",
    "softmax_explorer": "softmax_explorers",
    "softmax_probabilities": "softmax_explorers",
    "coarse_to_fine_explorer": "tuning_explorer",
    "coarse_to_fine_state": "tuning_explorer",
    "grid_vs_random_explorer": "tuning_explorer",
    "grid_vs_random_state": "tuning_explorer",
}

#: The explorers by short name: ``EXPLORERS[name]()`` builds one with its defaults.
EXPLORER_NAMES = {
    "gamma_beta": "gamma_beta_explorer",
    "ewa_window": "ewa_window_explorer",
    "grid_vs_random": "grid_vs_random_explorer",
    "log_vs_uniform": "log_vs_uniform_explorer",
    "coarse_to_fine": "coarse_to_fine_explorer",
    "softmax": "softmax_explorer",
    "decision_regions": "decision_regions_explorer",
}

__all__ = ["EXPLORERS", *sorted(_MODULES)]


def __getattr__(name: str):
    if name == "EXPLORERS":
        return {short: __getattr__(function) for short, function in EXPLORER_NAMES.items()}
    if name in _MODULES:
        return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
