"""The explorers in a real browser: JupyterLab (every self-learner notebook) and Voilà (the app).

For each explorer the sliders render and the figure is drawn; then every slider is moved with
the keyboard and the figure and the numbers must change, and each explorer's lesson must show
after the move: the window axis log-scaled with β rising to the right, γ/β axes that follow
the data on one y range, the random-wins share, the coarse-to-fine clipping note, an
unambiguous sampling range, the softmax's steps, the divergence notice. The figure's axes are
read from the explorer's (visually hidden) figure summary, its pixels from screenshots.
Every wait is on a condition. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from course_lib.widgets.tuning_explorer import random_win_share
from tests.support import get_json

from .conftest import Server

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


def share_changed(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels that differ between two pictures (1 when their sizes differ)."""
    if a.shape != b.shape:
        return 1.0
    return float(np.mean(np.any(np.abs(a - b) > 30, axis=2)))


def changed(before: bytes, after: bytes) -> float:
    return share_changed(pixels(before), pixels(after))


def poll(condition, timeout: float, what: str, interval: float = 0.1):
    """Check ``condition`` until it returns something true (returned) or ``timeout`` passes."""
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
    """Wait until the server reports ``path``'s kernel connected and idle: on a fresh Chromium
    profile, Run All Cells clicked before that can be lost (the toolbar's idle is not enough)."""

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


class Explorer:
    """One explorer on the page (``kind`` its CSS name): figure, stats, summary, sliders."""

    def __init__(self, page, kind: str, tag: str, screenshots) -> None:
        self.root = page.locator(f".explorer-{kind}").first
        self.kind, self.tag, self.screenshots = kind, tag, screenshots

    def figure_png(self) -> bytes:
        return self.root.locator("img.explorer-figure").first.screenshot()

    def stats(self) -> str:
        return self.root.locator(".widget-html").nth(-2).inner_text()

    def axes(self) -> dict:
        summary = self.root.locator(".explorer-figure-summary [data-axes]").first
        return json.loads(summary.get_attribute("data-axes"))

    def slider(self, description: str):
        return self.root.locator(".widget-slider").filter(has_text=description).first

    def readout(self, description: str) -> str:
        return self.slider(description).locator(".widget-readout").first.inner_text()

    def wait_drawn(self) -> bytes:
        self.root.scroll_into_view_if_needed()
        self.root.locator(".widget-slider").first.wait_for(state="visible", timeout=60_000)

        def drawn_figure():
            png = self.figure_png()
            return png if drawn(png) else None

        return poll(drawn_figure, 120, f"{self.tag}: the figure to be drawn")

    def press(self, description: str, *keys: str, handle: int = 0) -> None:
        """Focus a slider's handle and press keys; wait for the figure and numbers to change."""
        before_png, before_stats = self.figure_png(), self.stats()
        page = self.root.page
        self.slider(description).locator(".noUi-handle").nth(handle).focus()
        for key in keys:
            page.keyboard.press(key)
        poll(lambda: self.stats() != before_stats, 60,
             f"{self.tag}: the numbers to change after moving {description!r}")
        poll(lambda: changed(before_png, self.figure_png()) > 1e-4, 60,
             f"{self.tag}: the figure to change after moving {description!r}")

    def settled(self) -> bytes:
        """The figure once the kernel's last frame is shown: two checks in a row agree."""
        previous = [self.figure_png()]

        def same():
            current = self.figure_png()
            stable = changed(previous[0], current) == 0
            previous[0] = current
            return current if stable else None

        return poll(same, 20, f"{self.tag}: the figure to settle", interval=0.15)

    def shoot(self, name: str) -> None:
        self.root.screenshot(path=self.screenshots / f"{self.tag}-{name}.png")
        (self.screenshots / f"{self.tag}-figure-{name}.png").write_bytes(self.settled())


def inside(root) -> bool:
    """Whether the page's focused element lies inside ``root``."""
    return root.evaluate("(root) => root.contains(document.activeElement)")


def assert_accessible(explorer: Explorer) -> None:
    """WCAG 2.1 A: every slider handle has an accessible name saying what it sets and reads
    its value as the readout shows it; Tab from the first control leaves the explorer (the
    figure, an image, takes no focus)."""
    root, page = explorer.root, explorer.root.page
    handles = root.locator(".widget-slider .noUi-handle")
    poll(lambda: all(handles.nth(i).get_attribute("aria-label")
                     for i in range(handles.count())), 30,
         f"{explorer.tag}: every slider handle to have an accessible name")
    for slider in root.locator(".widget-slider").all():
        label = slider.locator(".widget-label").first.inner_text().strip()
        readout = slider.locator(".widget-readout").first
        for handle in slider.locator(".noUi-handle").all():
            assert handle.get_attribute("aria-label").startswith(label)
            if readout.is_visible():
                assert handle.get_attribute("aria-valuetext") == readout.inner_text().strip()
    figure = root.locator("img.explorer-figure").first
    poll(lambda: (figure.get_attribute("alt") or "").startswith("Figure. "), 30,
         f"{explorer.tag}: the figure's alt text")
    focusable = root.locator(
        "input, select, button, [tabindex='0'], [contenteditable='true']").count()
    handles.first.focus()
    presses = 0
    while inside(root) and presses <= focusable:
        page.keyboard.press("Tab")
        presses += 1
    assert not inside(root), f"{explorer.tag}: Tab is trapped inside the explorer"


def exercise(explorer: Explorer) -> None:
    """Move every slider of the explorer and check what it must now show."""
    before = explorer.wait_drawn()
    assert_accessible(explorer)
    explorer.shoot("before")
    CHECKS[explorer.kind](explorer)
    after = explorer.settled()
    assert drawn(after) and changed(before, after) > 0.001
    explorer.shoot("after")


def x_tick_labels(png: bytes, box: list[float]) -> np.ndarray:
    """The pixels of the strip under an axes (``box`` from the figure summary): its x ticks
    and their labels, one row of margin above and below."""
    array = pixels(png)
    height, width = array.shape[:2]
    top = round(box[3] * height)
    return array[top : top + round(0.05 * height), round(box[0] * width) : round(box[2] * width)]


def assert_same_x_tick_labels(e: Explorer, first: str, second: str) -> None:
    """Two axes with the same x limits show the same tick labels in the figure as drawn (up
    to a row of rounding in their places): none left from an earlier state under them."""
    axes, png = e.axes(), e.settled()
    assert axes[first]["xlim"] == axes[second]["xlim"]
    a, b = x_tick_labels(png, axes[first]["box"]), x_tick_labels(png, axes[second]["box"])
    rows = min(len(a), len(b)) - 1
    differs = min(share_changed(a[i : i + rows], b[j : j + rows])
                  for i, j in ((0, 0), (1, 0), (0, 1)))
    assert differs < 0.01, f"{e.tag}: the {second} panel's tick labels differ from {first}'s"


def check_gamma_beta(e: Explorer) -> None:
    start = e.axes()
    e.press("batch mean", "ArrowRight", "ArrowRight", "ArrowRight")
    e.press("batch spread", "Home")
    e.press("γ (scale)", "End")
    e.press("β (shift)", "End")
    axes = e.axes()
    # z̃ = 4 z_norm + 4 reaches past 12: its panel follows it, the others keep their data's
    assert axes["z_tilde"]["xlim"][1] >= 12 > start["z_tilde"]["xlim"][1]
    assert axes["z"]["xlim"][1] < 12
    e.press("ε", "End")  # ε = 1 against σ² = 0.0625: z_norm shrinks
    e.press("batch size m", "Home")
    e.root.get_by_role("button", name="set γ = √(σ²+ε), β = μ").click()
    poll(lambda: "✓ z̃ = z: batch norm is undone" in e.stats(), 20,
         "the undo button to give back z (no snapping to a step)")
    assert_same_x_tick_labels(e, "z", "z_tilde")  # z̃ = z: the same axes, the same labels
    e.shoot("undone")


def check_ewa_window(e: Explorer) -> None:
    axes = e.axes()["window"]
    assert (axes["xscale"], axes["yscale"]) == ("logit", "linear")
    assert e.readout("β") == "0.9"
    e.press("β", "ArrowRight")  # the lecture's pair: 0.9 -> 0.9005
    assert e.readout("β") == "0.9005" and "changed × 1" in e.stats()
    e.press("β", "End")
    assert e.readout("β") == "0.9995" and "2,000.00" in e.stats()
    e.press("β", "ArrowLeft")  # 0.9995 -> 0.999: the window halves
    assert "changed × 0.5" in e.stats()


def check_grid_random(e: Explorer) -> None:
    assert f"random wins in {random_win_share(4):.0%} of 100 seeds" in e.stats()
    e.press("n (n² trials)", "ArrowRight")
    assert f"random wins in {random_win_share(5):.0%} of 100 seeds" in e.stats()
    for name in ("grid", "random", "x0"):
        assert e.axes()[name]["xlim"][0] < 0 < 1 < e.axes()[name]["xlim"][1]


def check_coarse_to_fine(e: Explorer) -> None:
    e.press("points per round", "ArrowRight")
    e.press("rounds", "End")
    assert "same 78 trials" in e.stats() and "over seeds 0–99" in e.stats().lower()
    e.press("shrink", "End")
    assert "Clipped by the edge of the search range" in e.stats()
    assert e.axes()["curve"]["yscale"] == "log"


def check_log_uniform(e: Explorer) -> None:
    label = e.root.locator(".widget-html").first
    assert label.inner_text() == "samples in [10⁻⁴, 10⁰), 4 decades"
    assert e.axes()["bars"]["yscale"] == "linear"  # 90 % against 25 % as they are
    e.press("range: a, b", "ArrowRight", handle=0)
    assert label.inner_text() == "samples in [10⁻³, 10⁰), 3 decades"
    e.press("samples n", "ArrowRight")
    assert "10⁻³–10⁻²" in e.stats()


def check_softmax(e: Explorer) -> None:
    assert "1/C = 0.250" in e.stats() and "Σt = 176.3" in e.stats()  # the lecture's e^z
    for k in range(1, 5):
        e.press(f"logit z{k}", "ArrowRight", "ArrowRight", "ArrowRight")
    e.press("temperature T", "End")
    assert f"{5.75 / 10:+.2f}" in e.stats()  # z₁ / T = 5.75 / 10


def check_regions(e: Explorer) -> None:
    assert "diverged" not in e.stats()
    e.press("classes C", "End")
    e.press("blob spread", "End")
    e.press("gradient steps", "End")
    e.press("learning rate α", "End")
    poll(lambda: "training oscillates" in e.stats(), 30, "the oscillation notice")
    loss = e.axes()["loss"]
    assert loss["ylim"][1] >= 2.7 and loss["xlim"][1] == 300  # the loss is on the plot


CHECKS = {
    "gamma-beta": check_gamma_beta, "ewa-window": check_ewa_window,
    "grid-random": check_grid_random, "coarse-to-fine": check_coarse_to_fine,
    "log-uniform": check_log_uniform, "softmax": check_softmax, "regions": check_regions,
}


def assert_no_stills_beside_live_explorers(root) -> None:
    """The saved stills live in the explorers' own outputs: once live, no image is left."""
    assert root.locator(".jp-OutputArea-output img:not(.explorer-figure)").count() == 0


@pytest.mark.parametrize("name", sorted(NOTEBOOK_EXPLORERS))
def test_notebook_explorers_in_jupyterlab(name, lab_server, page, screenshots):
    path = f"{name}.ipynb"
    # A workspace of its own, reset, so no tab restored from another test hides this one.
    page.goto(f"{lab_server.base}/lab/workspaces/{name}/tree/{path}?reset"
              f"&token={lab_server.token}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    panel.wait_for(timeout=60_000)
    # opened without running: the saved stills show in the explorers' cells
    poll(lambda: panel.locator(".jp-OutputArea-output img").count()
         == len(NOTEBOOK_EXPLORERS[name]), 60, f"{name}: the saved stills")
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
        for kind in explorers:
            exercise(Explorer(panel, kind, f"lab-{name}-{kind}", screenshots))
        assert_no_stills_beside_live_explorers(panel)
        page.screenshot(path=screenshots / f"lab-{name}-page.png")
        # the page holds no Python error
        assert panel.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']"
                            ).filter(has_text="Traceback").count() == 0
    finally:
        shut_down(lab_server, session)


@pytest.mark.parametrize("name", sorted(NOTEBOOK_EXPLORERS))
def test_topic_as_an_app_in_voila(name, voila_server, page, screenshots):
    page.goto(f"{voila_server.base}/voila/render/{name}.ipynb")
    explorers = NOTEBOOK_EXPLORERS[name]
    poll(lambda: page.locator(".course-explorer").count() == len(explorers), 120,
         f"{name}: {len(explorers)} explorers to render in Voilà")
    # the frame every topic shares: a way back to the landing page first
    home = page.get_by_role("link", name="All topics").first
    assert home.get_attribute("href") == "index.ipynb"
    for kind in explorers:
        exercise(Explorer(page, kind, f"voila-{name}-{kind}", screenshots))
    assert_no_stills_beside_live_explorers(page)
    # no bare reprs: every text output is a printed sentence, not "(array([...]), ...)"
    for text in page.locator(".jp-OutputArea-output pre").all_inner_texts():
        assert not text.lstrip().startswith(("(", "array(", "[")), text
    page.screenshot(path=screenshots / f"voila-{name}-page.png", full_page=True)


def test_voila_landing_page_links_the_four_topics(voila_server, page, screenshots):
    page.goto(f"{voila_server.base}/voila/render/index.ipynb")
    titles = {"tuning": "The tuning process", "scale": "Using an appropriate scale",
              "batch_norm": "Batch normalization", "softmax": "Softmax regression"}
    for name, title in titles.items():
        link = page.get_by_role("link", name=title).first
        link.wait_for(timeout=60_000)
        assert link.get_attribute("href") == f"{name}.ipynb"
    page.screenshot(path=screenshots / "voila-index-page.png", full_page=True)
    page.get_by_role("link", name="The tuning process").first.click()
    page.wait_for_url("**/voila/render/tuning.ipynb")
    poll(lambda: page.locator(".course-explorer").count() == 2, 120,
         "the tuning topic to open from the landing page")


def test_voila_tree_lists_every_notebook(voila_server, page):
    page.goto(f"{voila_server.base}/")
    page.get_by_text("index.ipynb", exact=True).first.wait_for(timeout=90_000)
    items = page.locator(".jp-DirListing-item[data-file-type='notebook'] .jp-DirListing-itemText")
    listed = {text.strip() for text in items.all_inner_texts()}
    assert listed == {p.name for p in voila_server.root.glob("*.ipynb")}
    assert "index.ipynb" in listed
