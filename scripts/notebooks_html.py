"""The self-learner notebooks as web pages that work offline.

nbconvert's HTML loads MathJax 2 from a CDN, so opened with no network every formula stays raw
``$...$``. These pages inline MathJax 3 (as the feedback pages do, through
``instructor_tools.feedback_pages.mathjax_inline``) and keep the explorers' stills with their alt
text (nbconvert writes the output's ``alt`` metadata into the ``<img>``).

    .venv/bin/python -m scripts.notebooks_html OUT [notebooks/NAME.ipynb ...]

Without notebooks: every notebook in notebooks/. Each page is ``OUT/<name>.html``; links
between notebooks (``tuning.ipynb``) are pointed at the pages (``tuning.html``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from scripts.tidy_notebooks import ROOT

TEMPLATES = Path(__file__).parent / "templates"


def page(path: Path) -> str:
    """The HTML page of the notebook at ``path``: lab template, MathJax inlined."""
    exporter = HTMLExporter(
        template_name="offline_lab", extra_template_basedirs=[str(TEMPLATES)],
        filters={"mathjax_inline": "instructor_tools.feedback_pages.mathjax_inline"},
    )
    body, _resources = exporter.from_notebook_node(nbformat.read(path, as_version=4))
    return re.sub(r'href="([\w-]+)\.ipynb"', r'href="\1.html"', body)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m scripts.notebooks_html OUT [notebooks/NAME.ipynb ...]")
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for path in [Path(p) for p in argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb")):
        target = out / f"{path.stem}.html"
        target.write_text(page(path), encoding="utf-8")
        print(f"{target}: {target.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
