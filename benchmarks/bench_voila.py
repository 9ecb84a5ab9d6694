"""Voilà topic pages: seconds from opening a topic to every explorer drawn and answering.

``make explore`` serves notebooks/ with Voilà; a learner opens a topic and waits. Time to
interactive: from ``page.goto(/voila/render/<topic>.ipynb)`` in Debian's headless Chromium
until the page holds the topic's explorers (``.course-explorer``) and each one's figure
answers its first slider (a key press on the handle gives the figure a new frame).

Baseline, in the same server and run: a one-cell notebook whose one "explorer" is an
ipywidgets slider over a tiny image (the least a Voilà page with a live widget costs).
Served as ``make explore`` serves them (Voilà run from the repository root, so the settings
in ``voila.json`` apply), on a copy of notebooks/. Each page is opened once Voilà reports its
kernel pool full (a kernel started and its notebook's run begun: a learner who opens a topic
a few seconds after the server started), after one untimed visit that warms Chromium.
Goal: every topic interactive within 5 s, and in at most twice the time of the one-cell page.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from benchmarks import Comparison
from tests.support import jupyter_env, launch_chromium, start_voila, stop_server

ROOT = Path(__file__).resolve().parents[1]
TOPICS = {"tuning": 2, "scale": 2, "batch_norm": 1, "softmax": 2}
GOAL_SECONDS = 5.0
GOAL_RATIO = 2.0  # at most twice the one-cell page
BASELINE = "baseline"
BASELINE_CELL = """\
import ipywidgets as widgets
from course_kit.explorers._view import png_bytes
import numpy as np

def frame(n):
    pixels = np.full((40, 40, 4), 255, np.uint8)
    pixels[:, : 4 * n, :3] = 0
    return png_bytes(pixels)

slider = widgets.IntSlider(value=1, min=0, max=10, description="n")
image = widgets.Image(value=frame(1), format="png")
image.add_class("explorer-figure")
slider.observe(lambda change: setattr(image, "value", frame(change["new"])), "value")
box = widgets.VBox([slider, image])
box.add_class("course-explorer")
box"""


def time_to_interactive(browser, url: str, explorers: int, timeout: float = 180) -> float:
    """Seconds from opening ``url`` until ``explorers`` explorers answer their first slider."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        boxes = page.locator(".course-explorer")
        deadline = time.monotonic() + timeout
        while boxes.count() < explorers:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: {explorers} explorers did not render")
            time.sleep(0.05)
        for box in boxes.all():
            figure = box.locator("img.explorer-figure").first
            figure.wait_for(state="attached", timeout=timeout * 1000)
            before = figure.get_attribute("src")
            box.locator(".widget-slider .noUi-handle").first.focus()
            page.keyboard.press("ArrowRight")
            while figure.get_attribute("src") == before:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url}: an explorer did not answer its slider")
                time.sleep(0.02)
        return time.perf_counter() - start
    finally:
        context.close()


def _pools_filled(log: Path, names: list[str], since: int = 0) -> set[str]:
    """The notebooks whose kernel pool Voilà has reported full in ``log`` (after ``since``)."""
    text = log.read_text(errors="replace")[since:] if log.exists() else ""
    return {name for name in names
            if re.search(rf"Kernel pool of {re.escape(name)}\.ipynb is filled", text)}


def _wait_for_pools(log: Path, names: list[str], since: int = 0, timeout: float = 300) -> None:
    """Wait until Voilà has filled the pools of ``names``; without preheated kernels, at once."""
    settings = json.loads((ROOT / "voila.json").read_text()) if (ROOT / "voila.json").exists() \
        else {}
    if not settings.get("VoilaConfiguration", {}).get("preheat_kernel"):
        return
    deadline = time.monotonic() + timeout
    while _pools_filled(log, names, since) != set(names):
        if time.monotonic() > deadline:
            raise TimeoutError(f"Voilà's kernel pools did not fill: see {log}")
        time.sleep(0.5)


def run(quick: bool = False) -> list[Comparison]:
    from playwright.sync_api import sync_playwright

    repeat = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(ROOT / "notebooks", work)
        notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {
            "name": "python3", "display_name": "Python 3", "language": "python"}})
        notebook.cells = [nbformat.v4.new_code_cell(BASELINE_CELL)]
        nbformat.write(notebook, work / f"{BASELINE}.ipynb")
        log = Path(tmp) / "voila.log"
        process, base = start_voila(work, jupyter_env(Path(tmp)), log, timeout=300)
        pages = {BASELINE: 1, **TOPICS}
        times: dict[str, list[float]] = {name: [] for name in pages}
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)

                def visit(name: str) -> float:
                    """Time one visit, then wait for the pool to refill for the next."""
                    mark = len(log.read_text(errors="replace"))
                    seconds = time_to_interactive(
                        browser, f"{base}/voila/render/{name}.ipynb", pages[name])
                    _wait_for_pools(log, [name], since=mark)
                    return seconds

                _wait_for_pools(log, list(pages))
                visit(BASELINE)  # untimed: Chromium's first page reads Voilà's scripts from disk
                for _ in range(repeat):
                    for name in pages:
                        times[name].append(visit(name))
                browser.close()
        finally:
            stop_server(process)
    baseline = statistics.median(times[BASELINE])
    return [
        Comparison(f"Voilà: {name} interactive", statistics.median(times[name]),
                   "one-cell notebook", baseline, goal=GOAL_RATIO, limit=GOAL_SECONDS)
        for name in TOPICS
    ]
