"""Slider to changed pixels in Chromium: each course explorer against a plain ipympl figure.

What a learner waits for after pressing an arrow key on a slider: the key reaches the page,
the value goes to the kernel, the kernel updates and renders, the frame comes back over the
websocket and the page shows it. Measured in headless Chromium on Voilà pages (the server
`make explore` starts, without its preheated kernels), from the key press
(``performance.now()`` in a capturing ``keydown`` listener) to the first animation frame that
shows the new figure:

- a course explorer: its ``<img>`` has a new ``src`` and that image has decoded;
- the baseline, a plain ipympl figure (``%matplotlib widget``, the same size as the γ/β
  explorer's, three axes of 400-point lines) under a FloatSlider whose callback calls
  ``set_ydata`` and ``fig.canvas.draw_idle()``: its canvas's pixels differ (``getImageData``,
  compared in every animation frame).

The first slider of each explorer is focused and ArrowRight / ArrowLeft pressed in turn; each
press waits until the previous one's figure has been still for a while. Explorer and baseline
live in two pages (each its own kernel) and are pressed in turn, one press each, so a machine
slowing down slows both. One row per explorer: the median press, against the baseline's
median over the same run; goal at most 100 ms (issue 22) and no slower than the plain figure.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat

from benchmarks import Comparison
from course_lib.widgets import EXPLORER_NAMES

GOAL_SECONDS = 0.100
GOAL_RATIO = 1.0  # no slower than the plain ipympl figure
QUIET_MS = 300  # a figure unchanged this long has settled
TIMEOUT_MS = 20_000  # a press that changes nothing in this time is an error

EXPLORERS_CELLS = [
    "from course_lib.widgets import EXPLORERS",
    *(f"EXPLORERS[{name!r}]()" for name in EXPLORER_NAMES),
]

PLAIN_CELLS = [
    "%matplotlib widget",
    """\
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

plt.ioff()
x = np.linspace(0, 1, 400)
fig, axes = plt.subplots(3, 1, figsize=(7.8, 4.8), dpi=100, layout="constrained")
lines = [ax.plot(x, np.sin(2 * np.pi * (k + 1) * x))[0] for k, ax in enumerate(axes)]
for ax in axes:
    ax.set_ylim(-1.1, 1.1)
fig.canvas.header_visible = False
slider = widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.05, description="frequency")


def redraw(change):
    for k, line in enumerate(lines):
        line.set_ydata(np.sin(2 * np.pi * (k + 1) * change["new"] * x))
    fig.canvas.draw_idle()


slider.observe(redraw, names="value")
widgets.VBox([slider, fig.canvas])""",
]

#: Installed in each page: ``courseLatency.arm(figure, kind, quietMs, timeoutMs)`` starts
#: watching ``figure``; ``courseLatency.pending`` then becomes the milliseconds from the last
#: key press to the first animation frame showing a change, once the figure has been still for
#: ``quietMs`` (so the next press starts from a settled page). ``kind`` "img" (an explorer):
#: a change is a new ``src`` whose image has decoded (the next frame paints it); "canvas"
#: (ipympl): the canvas's pixels differ from the last frame's.
WATCHER_JS = """
() => {
  if (window.courseLatency) return;
  let pressed = null;
  document.addEventListener("keydown", () => { pressed = performance.now(); }, true);
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const pixels = (canvas) => new Uint32Array(canvas.getContext("2d")
    .getImageData(0, 0, canvas.width, canvas.height).data.buffer);
  const differ = (a, b) => {
    if (a.length !== b.length) return true;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return true;
    return false;
  };
  window.courseLatency = {
    arm(figure, kind, quietMs, timeoutMs) {
      pressed = null;
      const changes = [];  // times of the frames that showed a change
      let observer = null, last = null;
      if (kind === "img") {
        observer = new MutationObserver(() => {
          const src = figure.src;
          figure.decode().then(() => frame()).then(() => {
            if (figure.src === src) changes.push(performance.now());
          }, () => {});  // replaced before it decoded: the next one counts
        });
        observer.observe(figure, { attributes: true, attributeFilter: ["src"] });
      } else {
        last = pixels(figure);
      }
      const armed = performance.now();
      this.pending = (async () => {
        try {
          for (;;) {
            await frame();
            const now = performance.now();
            if (kind === "canvas") {
              const current = pixels(figure);
              if (differ(current, last)) changes.push(now);
              last = current;
            }
            if (changes.length && now - changes[changes.length - 1] > quietMs) {
              return changes[0] - pressed;
            }
            if (!changes.length && now - armed > timeoutMs) {
              throw new Error(`the figure did not change in ${timeoutMs} ms`);
            }
          }
        } finally {
          if (observer) observer.disconnect();
        }
      })();
    },
  };
}
"""


def _write_notebook(path: Path, cells: list[str]) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)


@contextlib.contextmanager
def _voila() -> Iterator[str]:
    """Voilà on a temporary folder holding the two notebooks; yields its base URL."""
    from tests.support import jupyter_env, start_voila, stop_server

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        work = home / "notebooks"
        work.mkdir()
        _write_notebook(work / "explorers.ipynb", EXPLORERS_CELLS)
        _write_notebook(work / "plain.ipynb", PLAIN_CELLS)
        # Run from home, away from the repository's voila.json: a preheated kernel pool would
        # refill (run the notebook again) in the background while the presses are timed.
        process, base = start_voila(work, jupyter_env(home), home / "voila.log", settings=home)
        try:
            yield base
        finally:
            stop_server(process)


class _Figure:
    """One figure under one slider in a page: press a key, get the latency in seconds."""

    def __init__(self, page, root, figure: str, kind: str) -> None:
        self.page, self.kind = page, kind
        self.figure = root.locator(figure).first
        self.handle = root.locator(".widget-slider .noUi-handle").first
        self.presses = 0
        self.keys = ("ArrowRight", "ArrowLeft")

    def press(self) -> float:
        """Press the next arrow key (towards the far end first) and time it."""
        if self.presses == 0 and float(self.handle.get_attribute("aria-valuenow")) >= float(
                self.handle.get_attribute("aria-valuemax")):
            self.keys = self.keys[::-1]
        self.handle.focus()
        self.figure.evaluate("(figure, args) => { courseLatency.arm(figure, ...args); }",
                             [self.kind, QUIET_MS, TIMEOUT_MS])
        self.page.keyboard.press(self.keys[self.presses % 2])
        self.presses += 1
        return self.page.evaluate("() => courseLatency.pending") / 1e3


def _open(browser, url: str, ready: str):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(url)
    page.locator(ready).first.wait_for(timeout=180_000)
    page.evaluate(WATCHER_JS)
    return page


def _timed(ours: _Figure, plain: _Figure, presses: int) -> tuple[float, float]:
    """Median seconds per press of each, pressed in turn (two presses each first, not timed)."""
    times: dict[_Figure, list[float]] = {ours: [], plain: []}
    for i in range(presses + 2):
        for side in (ours, plain):
            side.figure.scroll_into_view_if_needed()
            latency = side.press()
            if i >= 2:
                times[side].append(latency)
    return statistics.median(times[ours]), statistics.median(times[plain])


def run(quick: bool = False) -> list[Comparison]:
    from playwright.sync_api import sync_playwright

    from tests.support import launch_chromium

    presses = 8 if quick else 40
    names = list(EXPLORER_NAMES)
    rows = []
    with _voila() as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        explorers = _open(browser, f"{base}/voila/render/explorers.ipynb",
                          f".course-explorer >> nth={len(names) - 1}")
        plain_page = _open(browser, f"{base}/voila/render/plain.ipynb",
                           ".jupyter-matplotlib-canvas-div canvas")
        plain = _Figure(plain_page, plain_page.locator("body"),
                        ".jupyter-matplotlib-canvas-div canvas", "canvas")
        for k, name in enumerate(names):
            root = explorers.locator(".course-explorer").nth(k)
            ours = _Figure(explorers, root, "img.explorer-figure", "img")
            latency, baseline = _timed(ours, plain, presses)
            rows.append(Comparison(
                name=f"browser: {name} slider to pixels", ours=latency,
                baseline_name="plain ipympl figure", baseline=baseline, goal=GOAL_RATIO,
                limit=GOAL_SECONDS, note=f"median of {presses}, Chromium, Voilà",
            ))
        browser.close()
    return rows
