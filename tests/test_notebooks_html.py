"""The self-learner notebooks as offline web pages (scripts/notebooks_html.py)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from course_lib.widgets import log_vs_uniform_explorer
from scripts.notebooks_html import main, page

ROOT = Path(__file__).resolve().parents[1]


def test_notebook_pages_typeset_formulas_offline_and_describe_the_stills(tmp_path):
    # nbconvert's own page loads MathJax 2 (and require.js) from a CDN: offline, raw $...$.
    html = page(ROOT / "notebooks" / "scale.ipynb")
    assert re.findall(r"<script[^>]*\bsrc=", html) == []  # nothing loaded from elsewhere
    assert "window.MathJax = " in html  # MathJax 3, inlined
    assert r"\frac{1}{1-\beta}" in html  # the formulas are there for it to typeset
    # the explorers' stills keep their text alternative
    nb = nbformat.read(ROOT / "notebooks" / "scale.ipynb", as_version=4)
    alts = [output.metadata["image/png"]["alt"] for cell in nb.cells
            for output in cell.get("outputs", []) if "image/png" in output.get("metadata", {})]
    assert log_vs_uniform_explorer().alt_text() in alts
    for alt in alts:
        assert f'alt="{alt}"' in html.replace("&#39;", "'")
    assert 'href="tuning.html"' in html and 'href="tuning.ipynb"' not in html
    assert main([str(tmp_path), str(ROOT / "notebooks" / "index.ipynb")]) == 0
    assert (tmp_path / "index.html").read_text().count("window.MathJax") == 1
