"""Student markdown and outputs end inert in the autograded notebook (``grader.sanitize``):
each hostile payload renders to allow-listed HTML only, and honest content survives."""

from __future__ import annotations

import base64
import copy
import re

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from grader.config import REPOSITORY, course_config
from grader.flags import FLAGS_KEY
from grader.sanitize import (
    FLAG,
    SanitizeStudentContent,
    clean_html,
    clean_markdown,
    clean_output,
    sanitize_notebook,
)
from tests.feedback_course import hostile_submission

#: Hostile HTML a student can write in markdown or display, each meant to run or load something.
PAYLOADS = {
    "script": "<script>window.__pwned = 1</script>",
    "img onerror": '<img src=x onerror="window.__pwned = 1">',
    "svg onload": '<svg onload="window.__pwned = 1"><circle r="3"/></svg>',
    "svg script": "<svg><script>window.__pwned = 1</script></svg>",
    "svg foreignObject": "<svg><foreignObject><iframe src=x></iframe></foreignObject></svg>",
    "svg xlink": '<svg><a xlink:href="javascript:window.__pwned=1"><text>t</text></a></svg>',
    "javascript link": '<a href="javascript:window.__pwned = 1">click</a>',
    "encoded javascript link": '<a href="jav&#x09;ascript&#58;window.__pwned=1">click</a>',
    "iframe srcdoc": '<iframe srcdoc="<script>parent.__pwned = 1</script>"></iframe>',
    "object": '<object data="javascript:window.__pwned=1"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "style expression": "<style>p { width: expression(alert(1)) }</style>",
    "style url": '<p style="background: url(javascript:alert(1))">styled</p>',
    "meta refresh": '<meta http-equiv="refresh" content="0; url=https://evil.example/">',
    "form action": '<form action="https://evil.example/"><button>go</button></form>',
    "base href": '<base href="https://evil.example/">',
    "mathml": '<math><mtext><img src=x onerror="window.__pwned=1"></mtext></math>',
    "mathml href": '<math href="javascript:window.__pwned=1"><mi>x</mi></math>',
    "data html link": '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    "comment trick": "<!--><img src=x onerror=window.__pwned=1>-->",
    "split tag": '<div\nonmouseover="window.__pwned=1">hover</div>',
    "markdown javascript link": "[click](javascript:window.__pwned=1)",
    "markdown reference link": "[click][evil]\n\n[evil]: javascript:window.__pwned=1",
    "code span trick": '`<img src="` onerror=window.__pwned=1 x="`">',
}
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "meta", "form",
               "base", "link", "foreignobject", "input", "button"}  # fmt: skip


def assert_inert(html: str) -> None:
    """No element that runs or loads, no handler, no javascript:/data: link (parsed with the
    standard library's parser, independently of the sanitiser's)."""
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        assert element.name not in ACTIVE_TAGS, html
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            assert not name.lower().startswith("on"), html
            assert name not in ("style", "srcdoc", "xlink:href", "action"), html
            if name in ("href", "src"):
                url = "".join(value.split()).lower()
                assert not url.startswith(("javascript:", "vbscript:", "data:text")), html
    assert "\\href" not in html


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_markdown_renders_inert_and_its_text_stays(payload):
    answer = f"Momentum near 1 is sensitive. {payload}"
    rendered = markdown2html_mistune(clean_markdown(answer))
    assert_inert(rendered)
    assert "Momentum near 1 is sensitive." in BeautifulSoup(rendered, "html.parser").get_text()


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_html_output_is_inert(payload):
    output = new_output("display_data", data={"text/html": payload, "text/plain": "plain"})
    cleaned, _ = clean_output(output)
    assert_inert(cleaned["data"]["text/html"])
    assert cleaned["data"]["text/plain"] == "plain"


def test_formula_links_and_styles_are_neutralised():
    answer = "see $\\href{javascript:alert(1)}{x}$ and $$\\style{color:red}{y}$$, with $a<b$"
    cleaned = clean_markdown(answer)
    assert "\\href" not in cleaned and "\\style" not in cleaned
    assert "$a\\lt b$" in cleaned  # the same formula, never a tag


#: Formulas that make a link or a style once MathJax reads the page's text (character
#: references decoded), in markdown, an HTML output or a raw cell.
TEX_PAYLOADS = {
    "decimal reference": "&#92;(&#92;href{javascript:window.__pwned=1}{my proof}&#92;)",
    "hex reference": "&#x5C;(&#x5c;style{position:fixed;inset:0}{X}&#x5c;)",
    "named reference": "&bsol;(&bsol;class{x}{y}&bsol;)",
    "reference without semicolon": "&#92(&#92cssId{x}{y}&#92)",
    "literal in HTML": "$\\href{javascript:window.__pwned=1}{x}$",
}


def tex_mathjax_reads(page: str) -> list[str]:
    """Active TeX commands in the text MathJax typesets (all but <pre> and <code>)."""
    soup = BeautifulSoup(page, "html.parser")
    for skipped in soup.find_all(["pre", "code"]):
        skipped.decompose()
    return re.findall(r"\\(?:href|style|class|cssId|require)\b", soup.get_text())


@pytest.mark.parametrize("payload", TEX_PAYLOADS.values(), ids=TEX_PAYLOADS.keys())
def test_formulas_spelt_with_character_references_cannot_link_or_style(payload):
    answer = f"Momentum near 1 is sensitive. {payload}"
    output = new_output("display_data", data={"text/html": answer})
    nb = new_notebook(
        cells=[
            new_markdown_cell(answer),
            new_raw_cell(answer),
            new_code_cell("x", outputs=[output]),
        ]
    )
    nb.cells[1].metadata["format"] = "text/html"
    assert sanitize_notebook(nb)
    pages = [
        markdown2html_mistune(nb.cells[0].source),
        nb.cells[1].source,
        nb.cells[2].outputs[0].data["text/html"],
    ]
    for page in pages:
        assert tex_mathjax_reads(page) == [], page
        assert "Momentum near 1 is sensitive." in BeautifulSoup(page, "html.parser").get_text()


def test_student_content_cannot_pose_as_the_formgraders_score_or_comment_boxes():
    """Red team: the formgrader's script binds each cell's score box by ``#<grade id>`` and
    ``.nbgrader_cell``/``.score`` (the first match in the page); a student's heading named
    like a grade id, or HTML taking its ids or classes, stood in for the real box, which then
    saved nothing."""
    graded = new_markdown_cell("Explain momentum.")
    graded.metadata["nbgrader"] = {"grade_id": "momentum", "grade": True, "solution": True}
    fake = '<div class="nbgrader_cell"><span id="momentum" class="score tabbable">9</span></div>'
    output = new_output("display_data", data={"text/html": fake})
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# momentum\n\n{fake}"),
            new_markdown_cell(f"{fake}\n\n## momentum-comment"),
            new_code_cell("x", outputs=[output]),
            graded,
        ]
    )
    sanitize_notebook(nb)
    pages = [markdown2html_mistune(c.source) for c in nb.cells[:2]]
    pages.append(nb.cells[2].outputs[0].data["text/html"])
    for page in pages:
        for element in BeautifulSoup(page, "html.parser").find_all(True):
            assert element.get("id") not in ("momentum", "momentum-comment"), page
            assert not {"nbgrader_cell", "score", "tabbable"} & set(element.get("class", [])), page
    honest = markdown2html_mistune(clean_markdown("# Why momentum helps\n\ntext"))
    assert '<h1 id="Why-momentum-helps">' in honest


@pytest.mark.parametrize(
    "data",
    [
        {"application/javascript": "window.__pwned = 1"},
        {"text/vnd.custom+html": "<script>1</script>"},
    ],
    ids=["javascript", "unknown format"],
)
def test_outputs_that_run_code_are_replaced_by_a_line_saying_so(data):
    cleaned, active = clean_output(new_output("display_data", data=data))
    assert active
    assert list(cleaned["data"]) == ["text/plain"]
    assert cleaned["data"]["text/plain"].startswith("[output removed by the grader:")


def test_widgets_are_dropped_without_a_flag():
    """The course's explorers display a widget in every honest notebook: its view and state
    go (the state renders as HTML the kernel wrote), its text stays, and no flag is raised."""
    view = {"model_id": "abc", "version_major": 2}
    explorer = new_code_cell(
        "explorer()",
        outputs=[
            new_output(
                "execute_result",
                data={"application/vnd.jupyter.widget-view+json": view, "text/plain": "VBox()"},
                execution_count=1,
            )
        ],
    )
    nb = new_notebook(
        cells=[explorer],
        metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"abc": {}}}}},
    )
    nb, _ = SanitizeStudentContent().preprocess(nb, {})
    assert nb.cells[0].outputs[0].data == {"text/plain": "VBox()"}
    assert "widgets" not in nb.metadata and FLAGS_KEY not in nb.metadata


def test_svg_becomes_an_image_and_latex_cannot_hold_a_tag():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
    cleaned, active = clean_output(new_output("display_data", data={"image/svg+xml": svg}))
    assert active and list(cleaned["data"]) == ["text/html"]
    encoded = base64.b64encode(svg.encode()).decode()
    assert cleaned["data"]["text/html"] == f'<img src="data:image/svg+xml;base64,{encoded}" ' + (
        'alt="SVG">'
    )
    latex = "$<img src=x onerror=alert(1)>\\href{javascript:x}{y}$"
    cleaned, active = clean_output(new_output("display_data", data={"text/latex": latex}))
    assert active and "<" not in cleaned["data"]["text/latex"]
    assert "\\href" not in cleaned["data"]["text/latex"]


def test_output_metadata_and_fields_are_normalised():
    """nbconvert writes image sizes, stream names and counts into the page's HTML."""
    trick = new_output(
        "execute_result",
        data={"image/png": "iVBORw0KGgo=", "text/plain": "fig"},
        metadata={
            "image/png": {"width": '1 onerror="alert(1)"', "height": 40},
            "text/html": {"isolated": True},
        },
        execution_count=3,
    )
    cleaned, active = clean_output(trick)
    assert not active
    assert cleaned["metadata"] == {"image/png": {"height": 40}}
    bad_png = new_output("display_data", data={"image/png": 'x" onerror="alert(1)'})
    assert clean_output(bad_png)[0]["data"] == {
        "text/plain": "[output removed by the grader: image/png]"
    }
    stream = {"output_type": "stream", "name": 'stdout"><script>', "text": "hi"}
    assert clean_output(stream) == (
        {"output_type": "stream", "name": "stdout", "text": "hi"},
        False,
    )


HONEST_MARKDOWN = [
    "Momentum near $\\beta = 1$ averages over $\\frac{1}{1-\\beta}$ steps, so $a < b$.\n\n"
    "$$\\mathbb{E}[x] = \\sum_i p_i x_i$$",
    "| lr | loss |\n|:--|--:|\n| 0.1 | 2.3 |\n| 0.01 | 1.1 |",
    "```python\nif a < b and c > d:\n    print('<ok>')\n```\n\nand `x < y` inline",
    "> a quote\n\n- a list with **bold** and *em*\n- <b>raw bold</b> and <br> a break",
    "![plot](data:image/png;base64,iVBORw0KGgo=) and [the paper](https://arxiv.org/abs/1502.03167)"
    " and <https://example.org>",
]


@pytest.mark.parametrize("markdown", HONEST_MARKDOWN)
def test_honest_markdown_is_kept(markdown):
    assert clean_markdown(markdown) == markdown


def test_honest_outputs_are_kept():
    outputs = [
        new_output("stream", name="stdout", text="loss 0.25\n"),
        new_output(
            "display_data",
            data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
            metadata={"image/png": {"width": 640, "height": 480}},
        ),
        new_output("execute_result", data={"text/plain": "array([1, 2])"}, execution_count=4),
        new_output("error", ename="ValueError", evalue="bad", traceback=["Traceback", "bad"]),
    ]
    for output in outputs:
        assert clean_output(output) == (output, False)


def test_release_notebooks_and_course_cells_are_unchanged():
    for path in sorted((REPOSITORY / "release").glob("*/*.ipynb")):
        nb = nbformat.read(path, 4)
        before = copy.deepcopy(nb)
        assert sanitize_notebook(nb) is False, path
        assert nb == before, path
    course = new_markdown_cell("<script>course()</script>", metadata={"course_cell": True})
    nb = new_notebook(cells=[course])
    sanitize_notebook(nb)
    assert nb.cells[0].source == "<script>course()</script>"  # the release's text, trusted


def test_the_autograde_step_flags_a_notebook_it_changed_and_leaves_a_valid_notebook():
    nb = hostile_submission()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells.append(new_raw_cell("<script>window.__pwned = 1</script>"))
    nb.cells.append(
        new_code_cell(
            "x", outputs=[new_output("display_data", data={"application/javascript": "alert(1)"})]
        )
    )
    nb, _ = SanitizeStudentContent().preprocess(nb, {})
    assert nb.metadata[FLAGS_KEY] == [FLAG]
    assert "widgets" not in nb.metadata
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert_inert(markdown2html_mistune(cell.source))
        if cell.cell_type == "raw":
            assert_inert(cell.source)
        for output in cell.get("outputs", []):
            for mimetype in ("text/html", "text/markdown"):
                if mimetype in output.get("data", {}):
                    assert_inert(markdown2html_mistune(output.data[mimetype]))
    written = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "written_why"
    )
    assert "the variance is biased" in written.source  # a person can still grade it
    honest, _ = SanitizeStudentContent().preprocess(
        new_notebook(cells=[new_markdown_cell("ok")]), {}
    )
    assert FLAGS_KEY not in honest.metadata


def test_autograde_sanitises_after_saving_scores_and_before_flagging():
    """Plain ``nbgrader autograde`` and ``course grade`` both run the step (one configuration)."""
    steps = [s.rsplit(".", 1)[-1] for s in course_config().Autograde.autograde_preprocessors]
    assert steps.index("SaveAutoGrades") < steps.index("SanitizeStudentContent")
    assert steps.index("SanitizeStudentContent") < steps.index("FlagInGradebook")


def test_the_feedback_page_filter_is_the_same_sanitiser():
    filters = course_config().GenerateFeedback.HTMLExporter.filters
    assert filters["clean_html"] == "grader.sanitize.clean_html"
    assert clean_html("<p onclick='x'>a</p>") == "<p>a</p>"


def test_the_hubs_formgrader_exporter_cleans_outputs_with_the_same_sanitiser():
    """hub/instructor/jupyter_server_config.py: the formgrader's exporter (nbconvert's
    HTMLExporter, configured by the server) cleans outputs of a notebook graded before the
    autograde step existed."""
    from nbconvert import HTMLExporter
    from traitlets.config.loader import PyFileConfigLoader

    path = str(REPOSITORY / "hub" / "instructor")
    config = PyFileConfigLoader("jupyter_server_config.py", path=path).load_config()
    html, _ = HTMLExporter(config=config, template_name="classic").from_notebook_node(
        hostile_submission()
    )
    assert "<script>window.pwned" not in html and "window.pwned = 'js'" not in html
    assert "&lt;script&gt;window.pwned = 'script'&lt;/script&gt;" in html  # shown as text


def test_the_explorers_page_script_in_a_course_cell_is_removed_without_a_flag():
    """Every honest batch_norm and scale notebook shows an explorer, whose cell (the course's
    own) displays a page script: it goes, like any script, but flags only a student's cell."""
    from course_kit.explorers._view import ACCESSIBILITY_SCRIPT
    from grader.rebuild import COURSE_CELL_KEY

    def shown(own: bool):
        cell = new_code_cell("explorer()", outputs=[new_output(
            "display_data", data={"text/html": ACCESSIBILITY_SCRIPT, "text/plain": "<HTML>"})])
        cell.metadata[COURSE_CELL_KEY] = own
        nb, _ = SanitizeStudentContent().preprocess(new_notebook(cells=[cell]), {})
        assert "<script" not in str(nb.cells[0].outputs)
        return nb.metadata.get(FLAGS_KEY, [])

    assert shown(own=True) == []
    assert shown(own=False) and "active content removed" in shown(own=False)[0]
