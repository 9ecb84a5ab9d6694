"""The graded notebooks' explorers run on the student's own functions, in real JupyterLab.

batch_norm's γ/β explorer is handed the student's ``batchnorm_forward``; scale's window explorer
the student's ``ewa`` and ``effective_window``. Each released notebook is handed in three ways:
with the instructor's solutions (``instructor_tools.sample_class.solved``), with a known mistake,
and blank as released. Copies go to ``graded/`` in the served folder and are opened in JupyterLab.
The solved one is run with Run All. A notebook whose visible tests fail stops Run All at the
first failure, so the others are run as such a student runs them: the setup cell, the answer
cells the explorer takes and the explorer's cell. Then the same keys move the same sliders in
each, and the numbers must be the ones that student's function gives (worked out here from the
formulas and the slider readouts); a function that is not written yet shows one line and no
traceback. Every wait is on a condition. Screenshots: artifacts/screenshots/graded-*.png.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from course_kit.cells import nbgrader_meta
from instructor_tools.sample_class import solved, with_answers
from samples.batch_norm import MISTAKES

from .conftest import ROOT, Server
from .test_explorers_in_browser import Explorer, poll, shut_down, wait_kernel_idle

pytestmark = pytest.mark.browser

#: The answer cells (grade ids) each notebook's explorer is given, and its CSS name.
EXPLORED = {
    "batch_norm": (("batchnorm_forward",), "gamma-beta"),
    "scale": (("effective_window", "ewa"), "ewa-window"),
}

#: A realistic slip: 1 / beta for 1 / (1 - beta), with the argument check the tests ask for.
WINDOW_ONE_OVER_BETA = '''
import numpy as np


def effective_window(beta):
    b = np.asarray(beta, dtype=float)
    if np.any((b < 0) | (b >= 1)):
        raise ValueError(f"every beta must lie in [0, 1); got {beta}")
    return 1 / b
'''

#: Notebook versions, name -> answers put into the solved notebook (None: blank, as released).
VERSIONS = {
    "batch_norm": {
        "solved": {},
        "unbiased-variance": MISTAKES["forward: unbiased variance (ddof=1)"],
        "statistics-over-units":
            MISTAKES["forward: mean over axis 0 (over the units instead of the examples)"],
        "blank": None,
    },
    "scale": {"solved": {}, "window-one-over-beta": {"effective_window": WINDOW_ONE_OVER_BETA},
              "blank": None},
}

NOT_WRITTEN = ("{} is not written yet (it raised NotImplementedError): write it, run its cell, "
               "then run this cell again")


@pytest.fixture(scope="module")
def graded(lab_server) -> dict[tuple[str, str], nbformat.NotebookNode]:
    """Every version of both notebooks, written to ``graded/<name>-<version>.ipynb``."""
    folder = lab_server.root / "graded"
    folder.mkdir(exist_ok=True)
    notebooks = {}
    for name, versions in VERSIONS.items():
        release = nbformat.read(ROOT / "release" / name / f"{name}.ipynb", as_version=4)
        source = nbformat.read(ROOT / "source" / name / f"{name}.ipynb", as_version=4)
        for version, answers in versions.items():
            nb = release if answers is None else with_answers(solved(release, source), answers)
            nbformat.write(nb, folder / f"{name}-{version}.ipynb")
            notebooks[name, version] = nb
    return notebooks


class Notebook:
    """One graded notebook open in JupyterLab, in a workspace of its own."""

    def __init__(self, page, server: Server, name: str, version: str, nb) -> None:
        self.page, self.server, self.nb, self.name = page, server, nb, name
        self.path = f"graded/{name}-{version}.ipynb"
        page.goto(f"{server.base}/lab/workspaces/graded-{name}-{version}/tree/{self.path}"
                  f"?reset&token={server.token}")
        self.panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
        self.panel.wait_for(timeout=60_000)
        self.session = wait_kernel_idle(server, self.path)

    def code_prompts(self) -> list[str]:
        # textContent, not innerText: cells out of view are not laid out (content-visibility)
        return self.panel.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()

    def run_all(self) -> None:
        """Run > Run All Cells, then wait until every code cell shows its execution count."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        count = sum(cell.cell_type == "code" for cell in self.nb.cells)
        poll(lambda: [bool(re.fullmatch(r"\[\d+\]:", p)) for p in self.code_prompts()]
             == [True] * count, 120, f"{self.path}: every cell to run")

    def run_explorer_cells(self) -> None:
        """Run the setup cell, the answer cells the explorer takes and the explorer's cell, one
        at a time (select, Ctrl+Enter), each once the one before has finished."""
        functions, _kind = EXPLORED[self.name]
        wanted = [
            i for i, cell in enumerate(self.nb.cells)
            if nbgrader_meta(cell).get("grade_id") in ("setup", *functions)
            or "_explorer(" in cell.source
        ]
        assert len(wanted) == len(functions) + 2, wanted
        for i in wanted:
            cell = self.panel.locator(".jp-Notebook .jp-Cell").nth(i)
            cell.scroll_into_view_if_needed()
            assert self.nb.cells[i].source.splitlines()[0] in cell.text_content()
            cell.locator(".jp-InputPrompt").click()
            self.page.keyboard.press("Control+Enter")
            prompt = cell.locator(".jp-InputPrompt")
            poll(lambda p=prompt: re.fullmatch(r"\[\d+\]:", p.text_content()), 60,
                 f"{self.path}: cell {i} to run")

    def explorer(self, tag: str, screenshots) -> Explorer:
        _functions, kind = EXPLORED[self.name]
        poll(lambda: self.panel.locator(f".explorer-{kind}").count() == 1, 60,
             f"{self.path}: the explorer to render")
        return Explorer(self.panel, kind, tag, screenshots)

    def assert_no_traceback(self) -> None:
        outputs = self.panel.locator(".jp-OutputArea-output")
        assert outputs.filter(has_text="Traceback").count() == 0

    def close(self) -> None:
        shut_down(self.server, self.session)


def opened(page, lab_server, graded, name: str, version: str) -> Notebook:
    notebook = Notebook(page, lab_server, name, version, graded[name, version])
    try:
        if version == "solved":
            notebook.run_all()
        else:
            notebook.run_explorer_cells()
    except BaseException:
        notebook.close()
        raise
    return notebook


def shown_by(page, lab_server, graded, screenshots, name: str, mistake: str, move
             ) -> tuple[list, list]:
    """``move(explorer, version)`` (the same keys) in the solved notebook, then in the one with
    ``mistake``: what each returned. Screenshots: the start, and each move's."""
    shown = []
    for version in ("solved", mistake):
        notebook = opened(page, lab_server, graded, name, version)
        try:
            explorer = notebook.explorer(f"graded-{name}-explorer", screenshots)
            explorer.wait_drawn()
            if version == "solved":
                explorer.shoot("solved-start")
            shown.append(move(explorer, version))
            notebook.assert_no_traceback()
        finally:
            notebook.close()
    return shown[0], shown[1]


# ----------------------------------------------------------------------------- γ/β explorer


def batch_norm_numbers(stats: str) -> dict[str, float]:
    """The γ/β explorer's numbers: mean and std of z, z_norm and z̃; μ and σ²."""
    numbers = {}
    for row in ("z", "z_norm", "z̃"):
        mean, std = re.search(rf"^{row}\s+([+-]\d+\.\d+)\s+(\d+\.\d+)\s*$", stats, re.M).groups()
        numbers[f"{row} mean"], numbers[f"{row} std"] = float(mean), float(std)
    numbers["μ"] = float(re.search(r"μ = ([+-]\d+\.\d+)", stats).group(1))
    numbers["σ²"] = float(re.search(r"σ² = (\d+\.\d+)", stats).group(1))
    return numbers


def move_gamma_beta(e: Explorer, version: str) -> list[dict[str, float]]:
    """γ and β to their ends (4, 4), then the batch size to its start (m = 2): the numbers at
    m = 256 and at m = 2, and a screenshot at each."""
    start = e.axes()
    e.press("γ (scale)", "End")
    e.press("β (shift)", "End")
    assert e.readout("γ (scale)") == e.readout("β (shift)") == "4.000"
    axes = e.axes()
    # z̃ = 4 z_norm + 4 reaches past 12: its panel's x axis follows it
    assert axes["z_tilde"]["xlim"][1] >= 12 > start["z_tilde"]["xlim"][1]
    e.shoot(f"{version}-gamma4-beta4")
    numbers = [batch_norm_numbers(e.stats())]
    e.press("batch size m", "Home")
    assert e.readout("batch size m") == "2"
    e.shoot(f"{version}-gamma4-beta4-m2")
    return [*numbers, batch_norm_numbers(e.stats())]


def test_gamma_beta_explorer_shows_the_students_batchnorm_forward(
    page, lab_server, graded, screenshots
):
    solved_numbers, unbiased_numbers = shown_by(
        page, lab_server, graded, screenshots, "batch_norm", "unbiased-variance", move_gamma_beta
    )
    for m, correct, unbiased in zip((256, 2), solved_numbers, unbiased_numbers, strict=True):
        # the same batch reaches both functions
        for key in ("z mean", "z std", "μ"):
            assert correct[key] == unbiased[key], (m, key)
        # correct: σ² is the 1/m variance of the batch (the z row's std, squared) and
        # z̃ = γ z_norm + β has mean β = 4 and std γ √(σ²/(σ²+ε)) = 4 (ε = 1e-5 ≪ σ²)
        assert correct["σ²"] == pytest.approx(correct["z std"] ** 2,
                                              abs=1e-3 * correct["z std"] + 1e-4)
        assert correct["z̃ mean"] == pytest.approx(4.0, abs=1e-3)
        assert correct["z̃ std"] == pytest.approx(4.0, abs=2e-3)
        # that student's: σ² is m/(m−1) times larger, so z_norm's std is √((m−1)/m)
        assert unbiased["σ²"] == pytest.approx(correct["σ²"] * m / (m - 1), abs=2e-4)
        assert unbiased["z_norm std"] == pytest.approx(((m - 1) / m) ** 0.5, abs=2e-3)
        assert unbiased["z̃ std"] == pytest.approx(4 * ((m - 1) / m) ** 0.5, abs=2e-3)
        assert unbiased["z̃ std"] != correct["z̃ std"]


@pytest.mark.parametrize(
    ("name", "version", "message", "slider", "end"),
    [
        ("batch_norm", "blank", NOT_WRITTEN.format("batchnorm_forward"), "γ (scale)", "4.000"),
        ("batch_norm", "statistics-over-units",
         "mu and var of shape (1, 1); got Z_tilde (1, 256), a cache of 7 items, Z_norm (1, 256), "
         "mu (1, 256), var (1, 256)", "γ (scale)", "4.000"),
        ("scale", "blank", NOT_WRITTEN.format("effective_window"), "β", "0.9995"),
    ],
)
def test_explorer_shows_a_failing_function_in_one_line(
    name, version, message, slider, end, page, lab_server, graded, screenshots
):
    notebook = opened(page, lab_server, graded, name, version)
    try:
        explorer = notebook.explorer(f"graded-{name}-explorer", screenshots)
        explorer.root.scroll_into_view_if_needed()
        poll(lambda: message in explorer.stats(), 60, f"{version}: the one-line message")
        assert "\n" not in explorer.stats().strip()
        # the sliders and the message, no empty axes
        canvas = explorer.root.locator("img.explorer-figure").first
        assert canvas.is_hidden() and explorer.slider(slider).is_visible()
        notebook.assert_no_traceback()
        # moving a slider keeps the message (and raises nothing)
        explorer.slider(slider).locator(".noUi-handle").first.focus()
        page.keyboard.press("End")
        poll(lambda: explorer.readout(slider) == end, 30, f"{version}: the slider to move")
        poll(lambda: message in explorer.stats(), 30, f"{version}: the message after a move")
        assert canvas.is_hidden()
        notebook.assert_no_traceback()
        explorer.root.screenshot(path=screenshots / f"graded-{name}-explorer-{version}.png")
    finally:
        notebook.close()


# ----------------------------------------------------------------------------- window explorer


def window_numbers(e: Explorer) -> dict[str, float]:
    """β (the slider's readout) and the explorer's row: window, v₁ and x₁."""
    row = [line for line in e.stats().splitlines() if "\t" in line][-1].split("\t")
    beta, _one_minus, window, _share, v1, _v1_corrected, x1 = (c.strip() for c in row)
    assert beta == e.readout("β")
    return {"β": float(beta), "window": float(window.replace(",", "")), "v₁": float(v1),
            "x₁": float(x1)}


def move_beta(e: Explorer, version: str) -> list[dict[str, float]]:
    """β at 0.9, after 4 steps right (0.99) and at the end (0.9995): the numbers at each."""
    axes = e.axes()["window"]
    assert (axes["xscale"], axes["yscale"]) == ("logit", "linear")
    numbers = [window_numbers(e)]
    e.press("β", *["ArrowRight"] * 4)
    numbers.append(window_numbers(e))
    e.shoot(f"{version}-beta099")
    e.press("β", "End")
    numbers.append(window_numbers(e))
    e.shoot(f"{version}-beta-end")
    return numbers


def test_window_explorer_shows_the_students_ewa_and_effective_window(
    page, lab_server, graded, screenshots
):
    solved_numbers, slip_numbers = shown_by(
        page, lab_server, graded, screenshots, "scale", "window-one-over-beta", move_beta
    )
    assert [n["β"] for n in solved_numbers] == [0.9, 0.99, 0.9995]
    for correct, slip in zip(solved_numbers, slip_numbers, strict=True):
        beta = correct["β"]
        assert slip["β"] == beta
        # 10, 100, 2000
        assert correct["window"] == pytest.approx(1 / (1 - beta), rel=1e-3)
        assert slip["window"] == pytest.approx(1 / beta, abs=0.05)  # that student's 1.1, 1.0
        # both run the same (correct) ewa on the same series: v₁ = (1 − β) x₁
        assert slip["x₁"] == correct["x₁"] and slip["v₁"] == correct["v₁"]
        assert correct["v₁"] == pytest.approx((1 - beta) * correct["x₁"], abs=0.006)
