"""Time of one slider update in each explorer, against the same figure redrawn whole.

One update is what the kernel does before a learner sees the change: the pure state function,
the artists' update, the Agg render (only the animated artists, over the cached background)
and the PNG frame sent to the page's image. Each update moves the explorer's first slider by
a few steps, back and forth; the row is the median over many.

Baseline, measured in the same run on a second copy of the same explorer, moves interleaved:
the figure redrawn the way a plain matplotlib/ipympl figure is, a full ``canvas.draw()`` on
every move (no blitting) and Pillow's PNG encoder (ipympl's). Goal: at most a fifth of that,
and at most 30 ms, i.e. about 30 updates per second while dragging.
"""

from __future__ import annotations

import io
import statistics
import time

import numpy as np

from benchmarks import Comparison

GOAL_SECONDS = 0.030
GOAL_RATIO = 0.2  # at most a fifth of the plain redraw's time


def _first_slider(explorer):
    """The explorer's first slider (the one the browser test moves)."""
    for control in explorer.controls.values():
        if type(control).__name__.endswith("Slider"):
            return control
    raise LookupError("the explorer has no slider")


def _values(control) -> tuple:
    """Two values a few steps apart inside the slider's range."""
    if hasattr(control, "options"):  # a selection slider: three stops along
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        i = values.index(control.value)
        return control.value, values[i + 3 if i + 3 < len(values) else i - 3]
    value, step = control.value, control.step or (control.max - control.min) / 10
    if isinstance(value, tuple):  # a range slider: move the lower end
        low = value[0]
        other = low - 3 * step if low - 3 * step >= control.min else low + 1
        return value, (other, value[1])
    other = value + 3 * step
    if other > control.max:
        other = value - 3 * step
    return value, other


def _as_plain_redraw(explorer) -> None:
    """Make ``explorer`` redraw like a plain figure: a full draw and Pillow's PNG each time."""
    from PIL import Image

    live = explorer.live

    def refresh(full: bool = False) -> None:
        live.canvas.draw()
        for artist in live._animated:  # a plain figure draws these in the same draw
            if artist.get_visible():
                (artist.axes or live.figure).draw_artist(artist)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(live.canvas.buffer_rgba())).save(buffer, format="png")
        live.image.value = buffer.getvalue()

    live.refresh = refresh


def time_updates(name: str, repeat: int) -> tuple[float, float]:
    """Median seconds of one slider update of explorer ``name``: ours and the plain baseline."""
    from course_lib.widgets import EXPLORERS

    sides = {"ours": EXPLORERS[name](), "plain": EXPLORERS[name]()}
    _as_plain_redraw(sides["plain"])
    times: dict[str, list[float]] = {side: [] for side in sides}
    controls = {side: _first_slider(explorer) for side, explorer in sides.items()}
    a, b = _values(controls["ours"])
    for i in range(repeat + 2):
        for side, control in controls.items():
            start = time.perf_counter()
            control.value = b if i % 2 == 0 else a
            elapsed = time.perf_counter() - start
            if i >= 2:  # the first two are warm-up
                times[side].append(elapsed)
    return statistics.median(times["ours"]), statistics.median(times["plain"])


def run(quick: bool = False) -> list[Comparison]:
    from course_lib.widgets import EXPLORERS

    repeat = 9 if quick else 41
    rows = []
    for name in EXPLORERS:
        ours, plain = time_updates(name, repeat)
        rows.append(
            Comparison(
                name=f"widgets: {name} slider update",
                ours=ours,
                baseline_name="plain full redraw + Pillow PNG",
                baseline=plain,
                goal=GOAL_RATIO,
                limit=GOAL_SECONDS,
                note=f"median of {repeat}",
            )
        )
    return rows
