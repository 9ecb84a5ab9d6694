"""Interactive explorers for the self-learner notebooks (ipywidgets + ipympl).

Each ``*_explorer()`` returns a ready layout (:class:`~course_kit.explorers._view.Explorer`,
an ``ipywidgets.VBox``) whose ``controls`` a learner moves and a test can set; each is a thin
view over pure ``*_state`` functions that take every random draw from an ``rng``.

The names load lazily, each from its own module on first use. The γ/β and window explorers live
in the student kit (:mod:`course_kit.explorers`, where they run on the student's functions);
here (:mod:`course_lib.widgets.graded`) they run on the reference by default.
"""

from importlib import import_module

_MODULES = {
    "Explorer": "course_kit.explorers._view",
    "gamma_beta_explorer": "graded",
    "gamma_beta_state": "graded",
    "ewa_window_explorer": "graded",
    "ewa_window_state": "graded",
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
        module = _MODULES[name]
        return getattr(import_module(module if "." in module else f"{__name__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
