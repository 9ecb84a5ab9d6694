"""The explorers in a real browser: JupyterLab (every self-learner notebook) and Voilà.

For each explorer: the sliders render, the figure is drawn (not blank), and moving the first
slider with the keyboard changes both the figure's pixels and the printed numbers.
Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from .conftest import Server, get_json

pytestmark = pytest.mark.browser

NOTEBOOK_EXPLORERS = {
    "batch_norm": ["gamma-beta"],
    "scale": ["log-uniform", "ewa-window"],
    "tuning": ["grid-random", "coarse-to-fine"],
    "softmax": ["softmax", "regions"],
}


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def drawn(png: bytes) -> bool:
    """More than 2% of the pixels are not (near) white: the figure has been drawn."""
    array = pixels(png)
    return array.size > 0 and float(np.mean(array.min(axis=2) < 200)) > 0.02


def changed(before: bytes, after: bytes) -> float:
    a, b = pixels(before), pixels(after)
    if a.shape != b.shape:
        return 1.0
    return float(np.mean(np.any(np.abs(a - b) > 30, axis=2)))


def poll(condition, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def session_for(server: Server, path: str) -> dict | None:
    sessions = get_json(f"{server.base}/api/sessions?token={server.token}")
    return next((s for s in sessions if s["path"] == path), None)


def wait_kernel_idle(server: Server, path: str, timeout: float = 90) -> dict:
    """Per DESIGN.md: the kernel must be connected and idle before Run All is clicked."""

    def ready():
        session = session_for(server, path)
        if session is None:
            return None
        kernel = get_json(f"{server.base}/api/kernels/{session['kernel']['id']}"
                          f"?token={server.token}")
        if kernel["execution_state"] == "idle" and kernel.get("connections", 0) >= 1:
            return session
        return None

    return poll(ready, timeout, f"the kernel of {path} to be connected and idle", 0.5)


def shut_down(server: Server, session: dict) -> None:
    request = urllib.request.Request(
        f"{server.base}/api/sessions/{session['id']}", method="DELETE",
        headers={"Authorization": f"token {server.token}"},
    )
    urllib.request.urlopen(request, timeout=10).close()


def figure_png(explorer) -> bytes:
    return explorer.locator(".jupyter-matplotlib-canvas-div").first.screenshot()


def exercise_explorer(page, explorer, tag: str, screenshots) -> None:
    """Wait for the explorer to draw, move its first slider, check the figure and numbers change."""
    explorer = explorer.first
    explorer.scroll_into_view_if_needed()
    explorer.locator(".widget-slider").first.wait_for(state="visible", timeout=60_000)
    def drawn_figure():
        png = figure_png(explorer)
        return png if drawn(png) else None

    before = poll(drawn_figure, 120, f"{tag}: the figure to be drawn")
    stats_before = explorer.locator(".widget-html").last.inner_text()
    explorer.screenshot(path=screenshots / f"{tag}-before.png")
    (screenshots / f"{tag}-figure-before.png").write_bytes(before)

    handle = explorer.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    def changed_figure():
        png = figure_png(explorer)
        return png if changed(before, png) > 0.001 else None

    poll(changed_figure, 60, f"{tag}: the figure to change after ArrowRight")
    poll(lambda: explorer.locator(".widget-html").last.inner_text() != stats_before, 30,
         f"{tag}: the printed numbers to change")
    after = settled_figure(explorer, tag)
    (screenshots / f"{tag}-figure-after.png").write_bytes(after)
    explorer.screenshot(path=screenshots / f"{tag}-after.png")
    assert drawn(after) and changed(before, after) > 0.001


def settled_figure(explorer, tag: str) -> bytes:
    """The figure once the last frame has arrived: two screenshots 0.4 s apart agree."""
    previous = figure_png(explorer)

    def same():
        nonlocal previous
        time.sleep(0.4)
        current = figure_png(explorer)
        stable, previous = changed(previous, current) == 0, current
        return current if stable else None

    return poll(same, 20, f"{tag}: the figure to settle", interval=0)


@pytest.mark.parametrize("name", sorted(NOTEBOOK_EXPLORERS))
def test_notebook_explorers_in_jupyterlab(name, lab_server, page, screenshots):
    path = f"{name}.ipynb"
    # A workspace of its own, reset, so no tab restored from another test hides this one.
    page.goto(f"{lab_server.base}/lab/workspaces/{name}/tree/{path}?reset"
              f"&token={lab_server.token}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    panel.wait_for(timeout=60_000)
    panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        timeout=60_000
    )
    session = wait_kernel_idle(lab_server, path)
    try:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        explorers = NOTEBOOK_EXPLORERS[name]
        poll(lambda: panel.locator(".course-explorer").count() == len(explorers), 120,
             f"{name}: {len(explorers)} explorers to render")
        for tag in explorers:
            exercise_explorer(page, panel.locator(f".explorer-{tag}"), f"lab-{name}-{tag}",
                              screenshots)
        if name == "batch_norm":
            explorer = panel.locator(".explorer-gamma-beta").first
            explorer.get_by_role("button", name="set γ = √(σ²+ε), β = μ").click()
            poll(lambda: "undone" in explorer.locator(".widget-html").last.inner_text(), 10,
                 "the undo button to give back z")
            explorer.screenshot(path=screenshots / f"lab-{name}-undone.png")
        page.screenshot(path=screenshots / f"lab-{name}-page.png")
        # the page holds no Python error
        assert panel.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']"
                            ).filter(has_text="Traceback").count() == 0
    finally:
        shut_down(lab_server, session)


def test_batch_norm_explorer_in_voila(voila_server, page, screenshots):
    page.goto(f"{voila_server.base}/voila/render/batch_norm.ipynb")
    exercise_explorer(page, page.locator(".explorer-gamma-beta"), "voila-batch_norm-gamma-beta",
                      screenshots)
    page.screenshot(path=screenshots / "voila-batch_norm-page.png", full_page=True)


def test_voila_tree_lists_the_notebooks(voila_server, page):
    page.goto(f"{voila_server.base}/")
    for name in NOTEBOOK_EXPLORERS:
        page.get_by_text(f"{name}.ipynb").first.wait_for(timeout=30_000)
    assert json.dumps(sorted(NOTEBOOK_EXPLORERS))
