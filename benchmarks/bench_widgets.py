"""Time of one slider update in each explorer: compute the new state and redraw the figure.

The canvas is put in the state a connected JupyterLab front end leaves it in (no ``_data_url``
syncing), so one update is what a learner waits for: the pure state function, the artists'
update, the Agg render (blit or full draw) and the PNG frame ipympl sends. Each update moves
the explorer's first slider by a few steps, back and forth; the row is the median over many.
Goal: 30 ms, i.e. about 30 updates per second while dragging.
"""

from __future__ import annotations

import statistics
import time

from benchmarks import Comparison

GOAL_SECONDS = 0.030


def _first_slider(explorer):
    """The explorer's first slider (the one the browser test moves)."""
    for control in explorer.controls.values():
        if type(control).__name__.endswith("Slider"):
            return control
    raise LookupError("the explorer has no slider")


def _values(control) -> tuple:
    """Two values a few steps apart inside the slider's range."""
    value, step = control.value, control.step
    if isinstance(value, tuple):  # a range slider: move the lower end
        low = value[0]
        other = low - 3 * step if low - 3 * step >= control.min else low + 1
        return value, (other, value[1])
    other = value + 3 * step
    if other > control.max:
        other = value - 3 * step
    return value, other


def time_updates(name: str, repeat: int) -> float:
    """Median seconds of one slider update of explorer ``name``."""
    from course_lib.widgets import EXPLORERS

    explorer = EXPLORERS[name]()
    canvas = explorer.live.canvas
    canvas.syncing_data_url = False  # as after the front end's "initialized" message
    canvas.draw()
    control = _first_slider(explorer)
    a, b = _values(control)
    times = []
    for i in range(repeat + 2):
        start = time.perf_counter()
        control.value = b if i % 2 == 0 else a
        elapsed = time.perf_counter() - start
        if i >= 2:  # the first two are warm-up
            times.append(elapsed)
    return statistics.median(times)


def run(quick: bool = False) -> list[Comparison]:
    from course_lib.widgets import EXPLORERS

    repeat = 9 if quick else 41
    rows = []
    for name in EXPLORERS:
        median = time_updates(name, repeat)
        rows.append(
            Comparison(
                name=f"widgets: {name} slider update",
                ours=median,
                baseline_name="goal 30 ms",
                baseline=GOAL_SECONDS,
                goal=1.0,
                note=f"median of {repeat}",
            )
        )
    return rows
