"""The graded notebooks teach: rules stated where the student works, docstrings that state the
contract without handing over the solution, rubrics shown with the written questions, hints
that open one at a time, and static plots that stay static after an explorer ran."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from course_kit.student_rules import RULES_MARKDOWN
from grader.config import ASSIGNMENTS, REPOSITORY
from instructor_tools import assignments

SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
#: A NumPy call written out (``np.log10(low)``); ``np.random.Generator`` as a type is fine.
NUMPY_CALL = re.compile(r"\bnp\.[A-Za-z_][\w.]*\s*\(")
#: An expression with arithmetic or a library call: worth looking for in a docstring (a call
#: of an argument, ``sampler(rng)``, is the contract).
COMPUTES = re.compile(r"[-+*/@]|\.\w+\(")
HINT = re.compile(r"<details><summary>Hint 1 — idea</summary>\n\n.+?\n\n</details>", re.S)


def notebooks(kind: str):
    """``(assignment, notebook)`` of every source or release notebook."""
    path = assignments.source_path if kind == "source" else assignments.release_path
    return [(a, nbformat.read(path(a, REPOSITORY), 4)) for a in ASSIGNMENTS]


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def answer_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader(c).get("solution")]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_fragments(nb) -> set[str]:
    """The solution's lines, and the expressions they compute (an assignment's right side, a
    return value), without white space: what a docstring must not spell out."""
    fragments = set()
    for cell in answer_cells(nb):
        for region in SOLUTION.findall(cell.source):
            for line in region.splitlines():
                line = line.strip()
                fragments.add(squeeze(line))
                expression = re.sub(r"^(return\s+|[\w, ]+=(?!=)\s*)", "", line)
                if COMPUTES.search(expression):
                    fragments.add(squeeze(expression))
    return {f for f in fragments if len(f) >= 10 and not f.startswith("#")}


def docstrings(nb) -> dict[str, str]:
    """Function name -> docstring of every answer cell's function."""
    found = {}
    for cell in answer_cells(nb):
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = ast.get_docstring(node) or ""
    return found


@pytest.mark.parametrize("kind", ["source", "release"])
def test_every_opening_states_the_rules_that_cost_points(kind):
    for assignment, nb in notebooks(kind):
        opening = nb.cells[0]
        assert opening.cell_type == "markdown", assignment
        assert RULES_MARKDOWN.strip() in opening.source, f"{kind}/{assignment}: no rules text"


def test_the_rules_name_the_limits_the_grader_uses():
    from course_kit.limits import CELL_TIMEOUT, SUBMISSION_TIMEOUT
    from grader.execution import ResilientExecute

    assert f"for {CELL_TIMEOUT} s" in RULES_MARKDOWN
    assert f"for {SUBMISSION_TIMEOUT} s" in RULES_MARKDOWN
    assert ResilientExecute.submission_timeout.default_value == SUBMISSION_TIMEOUT


def test_no_answer_docstring_hands_over_a_solution_line():
    sources = dict(notebooks("source"))
    problems = []
    for kind in ("source", "release"):
        for assignment, nb in notebooks(kind):
            fragments = solution_fragments(sources[assignment])
            assert len(fragments) > 5, assignment  # the scan has something to look for
            found = docstrings(nb)
            assert len(found) >= 4, assignment
            for name, doc in found.items():
                for line in doc.splitlines():
                    leaked = [f for f in fragments if f in squeeze(line)]
                    if NUMPY_CALL.search(line) or leaked:
                        problems.append(f"{kind}/{assignment}.{name}: {line.strip()!r} {leaked}")
    assert not problems, "\n".join(problems)


def test_every_written_question_shows_its_rubric_to_the_student():
    questions = 0
    for assignment, nb in notebooks("release"):
        for i, cell in enumerate(nb.cells):
            meta = nbgrader(cell)
            if cell.cell_type != "markdown" or not meta.get("solution"):
                continue
            questions += 1
            shown = cell.source + nb.cells[i - 1].source
            points = meta["points"]
            rubric = rf"\*\*Rubric \({points} points?\):\*\*"
            assert re.search(rubric, shown), f"{assignment}/{meta['grade_id']}: no rubric shown"
    assert questions >= len(ASSIGNMENTS)


def test_every_notebook_has_hints_that_open_one_at_a_time():
    for assignment, nb in notebooks("release"):
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert HINT.search(text), f"{assignment}: no hint block"
        assert text.count("<details>") == text.count("</details>"), assignment
        for cell in nb.cells:
            numbers = [int(n) for n in re.findall(r"<summary>Hint (\d)", cell.source)]
            assert numbers == list(range(1, len(numbers) + 1)) * (len(numbers) > 0), assignment


@pytest.mark.kernel
def test_plots_after_an_explorer_stay_static_images():
    """The explorer's live canvas switches pyplot to ipympl; its cell switches back."""
    from nbclient import NotebookClient

    source = nbformat.read(assignments.source_path("batch_norm", REPOSITORY), 4)
    cells, explorer_at = [], None
    for cell in source.cells:
        if cell.cell_type != "code" or nbgrader(cell).get("grade"):
            continue
        cells.append(nbformat.v4.new_code_cell(cell.source))
        if explorer_at is not None and "plt.subplots" in cell.source:
            break
        if "gamma_beta_explorer(" in cell.source:
            explorer_at = len(cells) - 1
    nb = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    explorer, plot = nb.cells[explorer_at], nb.cells[-1]
    assert "gamma_beta_explorer(" in explorer.source
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in explorer.outputs)
    kinds = [key for o in plot.outputs for key in o.get("data", {})]
    assert "image/png" in kinds and "application/vnd.jupyter.widget-view+json" not in kinds
