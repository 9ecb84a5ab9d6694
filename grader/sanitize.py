"""What a student wrote or displayed stays inert wherever an instructor opens it.

The formgrader, the feedback pages and JupyterLab render the autograded notebook in the
instructor's (or the student's) browser session, where a script could call the server's API as
that user. So the autograded notebook keeps student content only as inert, allow-listed HTML:

- :func:`clean_html`: allowed tags and attributes only (``ALLOWED_TAGS``, ``ALLOWED_ATTRIBUTES``),
  links to http(s)/mailto, images from ``data:image/`` only (one from elsewhere would be a
  request the page makes); the rest (``<script>``,
  ``<iframe>``, ``<svg>``, ``<style>``, ``onerror=``, ``javascript:`` URLs) becomes visible text
  or is dropped;
- :func:`clean_markdown`: student markdown whose raw HTML tags are kept only when the same
  allow-list allows them and all their attributes (others are shown as text), whose stray
  ``<`` become text and whose formulas cannot make links or styles (``\\href``,
  ``\\style``); when what it renders to is still not inert, the student's text is kept as a code
  block, so a person can still read and grade it;
- :func:`clean_output`: text, raster images, and HTML, markdown or LaTeX made inert; an SVG
  picture becomes an ``<img>`` (which runs nothing); JavaScript, widget views and other formats
  are dropped (an output left with nothing says what was removed); output metadata keeps image
  sizes only.

:class:`SanitizeStudentContent` applies them as an nbgrader autograde step and flags the
submission when it removed active content. Scores are saved before it runs, so it cannot change
one.
"""

from __future__ import annotations

import base64
import html
import re
import uuid

import bleach
from bleach._vendor.html5lib import parseFragment  # the HTML5 parser bleach itself uses
from nbgrader.preprocessors import NbGraderPreprocessor

from grader.flags import add_flags
from grader.rebuild import COURSE_CELL_KEY

#: What student HTML may keep: the tags of rendered markdown and of tables, images and code.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "samp", "small",
    "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "tt", "u", "ul", "var",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title", "align"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
    "ol": {"start"},
    "col": {"span"},
    **{heading: {"id"} for heading in ("h1", "h2", "h3", "h4", "h5", "h6")},  # their anchors
}
#: The formgrader's own classes (its scripts find a cell's score and comment boxes by them);
#: student content that took one, or an element id the page uses (a cell's grade id), would
#: stand in for the real box, which then saves nothing.
FORMGRADER_CLASSES = {
    "comment", "comment-saved", "extra-credit", "help", "mark-graded", "nbgrader_cell", "score",
    "score-saved", "tabbable",
}  # fmt: skip
#: URL schemes links and images may use; ``data:`` only for images (see ``url_allowed``).
ALLOWED_PROTOCOLS = {"http", "https", "mailto", "data"}
#: The one style allowed: a markdown table's column alignment.
ALIGNMENT = re.compile(r"text-align:\s*(left|right|center);?")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
#: Attributes that hold a URL a browser follows or loads.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background"}
#: Tags whose presence means the student's content tried to do something, not just show it.
ACTIVE_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "form",
    "base", "meta", "link", "template", "portal", "noscript", "input", "button", "textarea",
}  # fmt: skip
#: TeX commands that make links, styles or classes, or load MathJax extensions.
ACTIVE_TEX = re.compile(r"\\(?=(?:href|style|class|cssId|require|data|html[A-Za-z]*)(?![A-Za-z]))")
#: What an active TeX command's backslash becomes: the symbol, so the text still reads the same.
_NO_COMMAND = r"\\backslash{}"
#: A widget's view: dropped (its state, which a kernel sets, renders as HTML in a page), but
#: not active content: the course's own explorers show one in every honest notebook.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Output formats kept as they are (raster images are checked to be base64).
RASTER = ("image/png", "image/jpeg", "image/gif")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
#: A cell id nbformat accepts (nbconvert writes it into an attribute).
_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
FLAG = "active content removed (scripts, event handlers, frames, JavaScript): shown as inert text"


def url_allowed(tag: str, name: str, value: str) -> bool:
    """Whether a link may point at ``value`` (http(s), mailto or a relative URL) and an image
    come from it (``data:image/`` only: an image from elsewhere is a request the page makes)."""
    url = re.sub(r"[\x00-\x20]", "", value).lower()
    if tag == "img" or name == "src":
        return tag == "img" and name == "src" and url.startswith("data:image/")
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1) in ALLOWED_PROTOCOLS - {"data"}


def _runs(tag: str, url: str) -> bool:
    """Whether following or loading ``url`` runs something (an image from a web address is
    only dropped, not counted as active)."""
    url = re.sub(r"[\x00-\x20]", "", url).lower()
    scheme = _SCHEME.match(url)
    if scheme is None or scheme.group(1) in ("http", "https", "mailto"):
        return False
    return not (tag == "img" and url.startswith("data:image/"))


def allowed(tag: str, name: str, value: str) -> bool:
    """Whether student HTML may keep attribute ``name="value"`` on ``tag``."""
    if name not in ALLOWED_ATTRIBUTES["*"] and name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if name == "style":
        return ALIGNMENT.fullmatch(value.strip()) is not None
    if name == "class":
        return not FORMGRADER_CLASSES.intersection(value.split())
    return name not in ("href", "src") or url_allowed(tag, name, value)


def clean_html(text: str | bytes, page_ids: frozenset[str] = frozenset()) -> str:
    """Student HTML made inert (see the module's docstring), shown as text if it would take
    one of ``page_ids``. Also the feedback page's ``clean_html`` filter, in place of
    nbconvert's, whose tags leave out paragraphs, headings and images."""
    text = text.decode() if isinstance(text, bytes) else str(text)
    cleaned = bleach.clean(
        ACTIVE_TEX.sub(_NO_COMMAND, text),
        tags=ALLOWED_TAGS,
        attributes=allowed,
        protocols=ALLOWED_PROTOCOLS,
        strip_comments=True,
    )
    if not reads_active_tex(cleaned) and is_inert(cleaned, page_ids):
        return cleaned
    # A TeX command spelt with character references (&#92;href), or an id the page uses:
    # the page's text, as text.
    return f"<pre>{html.escape(ACTIVE_TEX.sub(_NO_COMMAND, html.unescape(cleaned)))}</pre>"


def reads_active_tex(text: str) -> bool:
    """Whether the text a browser shows for HTML ``text`` (character references such as
    ``&#92;`` decoded, as MathJax reads it from the page) holds a TeX link or style command."""
    return ACTIVE_TEX.search(html.unescape(text)) is not None


def _elements(text: str):
    """``(tag, attributes)`` of every element of ``text`` as a browser parses it."""
    fragment = parseFragment(text, namespaceHTMLElements=False)
    for element in fragment.iter():
        if isinstance(element.tag, str) and element is not fragment:
            attrs = {str(k).rsplit("}", 1)[-1].lower(): v for k, v in element.attrib.items()}
            yield element.tag.rsplit("}", 1)[-1].lower(), attrs


def is_inert(text: str, page_ids: frozenset[str] = frozenset()) -> bool:
    """Whether HTML ``text`` (rendered markdown) holds allowed tags and attributes only, ids
    only on headings and none of ``page_ids``."""
    return all(
        tag in ALLOWED_TAGS
        and all(allowed(tag, name, value) for name, value in attrs.items())
        and attrs.get("id") not in page_ids
        for tag, attrs in _elements(f"<div>{text}</div>")
    )


def page_ids(nb) -> frozenset[str]:
    """The element ids the formgrader's page gives the cells of ``nb`` (by grade id)."""
    ids = {"statusmessage"}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            ids |= {str(grade_id), f"{grade_id}-comment", f"{grade_id}_extra_credit"}
    return frozenset(ids)


def is_active(text: str) -> bool:
    """Whether HTML ``text`` holds something that runs or loads: a script, frame, SVG, form,
    an event handler or a ``javascript:``/``data:`` link, or a TeX link or style."""
    return reads_active_tex(text) or any(
        tag in ACTIVE_TAGS
        or any(
            name.lower().startswith("on") or (name in URL_ATTRIBUTES and _runs(tag, value))
            for name, value in attrs.items()
        )
        for tag, attrs in _elements(text)
    )


# Markdown: fenced code, code spans and formulas are kept (formulas cannot hold a tag), and in
# the text between them a tag is kept when the allow-list allows it and all its attributes,
# and shown as text otherwise.
_FENCE = r"^ {0,3}(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}(?P=fence)[`~]*[ \t]*$|\Z)"
_SPAN = r"(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)"
_MATH = r"\$\$.+?\$\$|\$[^$\n]+?\$|\\\[.+?\\\]|\\\(.+?\\\)"
_SEGMENTS = re.compile(rf"(?P<code>{_FENCE}|{_SPAN})|(?P<math>{_MATH})", re.M | re.S)
_ATTRIBUTE = r"""[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
_TAG = re.compile(
    rf"<!--.*?-->|<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:\s+{_ATTRIBUTE})*)"
    r"\s*/?>|<(?:https?|mailto):[^\s<>]*>|<(?=[A-Za-z/!?])",
    re.S,
)
#: A "<" a browser may read as the start of a tag (a letter, "/", "!" or "?" follows).
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ATTRIBUTES = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def _clean_tag(match: re.Match) -> str:
    token = match.group(0)
    if token.startswith("<!--"):
        return ""
    name = (match.group("name") or "").lower()
    if not name:
        return token if len(token) > 1 else "&lt;"  # an autolink, or a lone "<"
    attributes = [
        (key.lower(), html.unescape("".join(values)))
        for key, *values in _ATTRIBUTES.findall(match.group("attrs"))
    ]
    if name not in ALLOWED_TAGS or not all(allowed(name, k, v) for k, v in attributes):
        return "&lt;" + token[1:]  # shown as text: the grader sees what was written
    if match.group("close"):
        return f"</{name}>"
    kept = "".join(f' {key}="{html.escape(value, quote=True)}"' for key, value in attributes)
    return f"<{name}{kept}>"


def _clean_segment(match: re.Match) -> str:
    if match.group("code"):
        return match.group(0)
    # A formula: "<" before a letter becomes the same symbol, never a tag.
    return _TAG_START.sub(r"\\lt ", match.group(0))


#: A markdown link's or image's destination, inline (``](url``) or in a definition (``[x]: url``).
_DESTINATION = re.compile(
    r"(?P<bang>!?)(?P<start>\[[^\[\]\n]*\]\(\s*<?|^ {0,3}\[[^\]\n]+\]:\s*<?)(?P<url>[^\s)>]+)",
    re.M,
)


def _clean_destination(match: re.Match) -> str:
    url = html.unescape(match.group("url")).replace("\\", "")
    if match.group("bang") and url_allowed("img", "src", url):
        return match.group(0)
    # An image from elsewhere becomes a link to it; a link that runs something goes nowhere.
    return match.group("start") + (
        match.group("url") if url_allowed("a", "href", url) else "#removed"
    )


def _clean_text(text: str) -> str:
    return _DESTINATION.sub(_clean_destination, _TAG.sub(_clean_tag, text))


def _as_code_block(source: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{source}\n{fence}"


def _render(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


def clean_markdown(source: str, page_ids: frozenset[str] = frozenset()) -> str:
    """Student markdown that renders inert (see the module's docstring), its text kept; a
    heading whose anchor would take one of ``page_ids`` makes it a code block too."""
    text = ACTIVE_TEX.sub(_NO_COMMAND, source)
    pieces, start = [], 0
    for match in _SEGMENTS.finditer(text):
        pieces += [_clean_text(text[start : match.start()]), _clean_segment(match)]
        start = match.end()
    cleaned = "".join(pieces) + _clean_text(text[start:])
    rendered = _render(cleaned)
    if is_inert(rendered, page_ids) and not reads_active_tex(rendered):
        return cleaned
    return _as_code_block(source)


def markdown_is_active(source: str) -> bool:
    """Whether markdown ``source`` renders to something that runs (see :func:`is_active`)."""
    return is_active(_render(source)) or ACTIVE_TEX.search(source) is not None


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _clean_data(data: dict, page_ids: frozenset[str]) -> dict:
    """An output's data made inert: text, raster images, and HTML, markdown or LaTeX cleaned;
    an SVG picture (when there is no HTML) as an ``<img>``, which runs nothing in it."""
    cleaned = {}
    for mimetype, value in data.items():
        text = _text(value)
        if mimetype == "text/plain" or (mimetype in RASTER and _BASE64.fullmatch(text)):
            cleaned[mimetype] = text
        elif mimetype == "text/html":
            cleaned[mimetype] = clean_html(text, page_ids)
        elif mimetype == "text/markdown":
            cleaned[mimetype] = clean_markdown(text, page_ids)
        elif mimetype == "text/latex":
            cleaned[mimetype] = html.escape(ACTIVE_TEX.sub(_NO_COMMAND, text), quote=False)
        elif mimetype == "image/svg+xml" and "text/html" not in data:
            encoded = base64.b64encode(text.encode()).decode()
            cleaned["text/html"] = f'<img src="data:image/svg+xml;base64,{encoded}" alt="SVG">'
    return cleaned


def _active_data(mimetype: str, value) -> bool:
    text = _text(value)
    if mimetype in ("text/html", "image/svg+xml"):
        return is_active(text)
    if mimetype == "text/markdown":
        return markdown_is_active(text)
    if mimetype == "text/latex":
        return ACTIVE_TEX.search(text) is not None or _TAG_START.search(text) is not None
    return mimetype not in ("text/plain", WIDGET_VIEW) and mimetype not in RASTER


def _image_sizes(metadata) -> dict:
    sizes = {}
    for mimetype in RASTER:
        entry = metadata.get(mimetype) if isinstance(metadata, dict) else None
        if isinstance(entry, dict):
            size = {
                k: v
                for k, v in entry.items()
                if k in ("width", "height") and isinstance(v, int) and not isinstance(v, bool)
            }
            if size:
                sizes[mimetype] = size
    return sizes


def clean_output(output, page_ids: frozenset[str] = frozenset()) -> tuple[dict, bool]:
    """One output of a code cell made inert (none of ``page_ids`` as an element id), and
    whether it held active content."""
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return {"output_type": "stream", "name": name, "text": _text(output.get("text", ""))}, False
    if kind == "error":
        return {
            "output_type": "error",
            "ename": _text(output.get("ename", "")),
            "evalue": _text(output.get("evalue", "")),
            "traceback": [_text(line) for line in output.get("traceback", [])],
        }, False
    data = output.get("data", {}) if kind in ("display_data", "execute_result") else {}
    data = data if isinstance(data, dict) else {}
    active = kind not in ("display_data", "execute_result") or any(
        _active_data(mimetype, value) for mimetype, value in data.items()
    )
    cleaned = _clean_data(data, page_ids)
    if not cleaned:
        removed = ", ".join(sorted(data)) or kind
        cleaned = {"text/plain": f"[output removed by the grader: {removed}]"}
    result = {
        "output_type": "display_data",
        "data": cleaned,
        "metadata": _image_sizes(output.get("metadata", {})),
    }
    if kind == "execute_result":
        count = output.get("execution_count")
        result.update(output_type=kind, execution_count=count if isinstance(count, int) else None)
    return result, active


def sanitize_notebook(nb) -> bool:
    """Make every student part of ``nb`` inert, in place; return whether any was active.

    Student parts: the markdown and raw cells the course did not write (answers and added
    cells), every output (the student's kernel produced them all) and the notebook's widget
    state. The course's own cells (``grader.rebuild`` marks them) keep their text, and what
    their outputs lose does not count as active (the explorers display a script of their own).
    """
    import nbformat

    nb.metadata.pop("widgets", None)  # the widgets' state (see WIDGET_VIEW)
    active, ids = False, page_ids(nb)
    for cell in nb.cells:
        if "id" in cell and not _CELL_ID.fullmatch(str(cell.id)):
            cell["id"] = uuid.uuid4().hex[:8]
        own = cell.get("metadata", {}).get(COURSE_CELL_KEY)
        if cell.cell_type == "markdown" and not own:
            active |= markdown_is_active(cell.source)
            cell.source = clean_markdown(cell.source, ids)
        elif cell.cell_type == "raw" and not own:
            active |= is_active(cell.source)
            cell.source = clean_html(cell.source, ids)
        if cell.cell_type in ("markdown", "raw"):
            attachments = cell.get("attachments", {})
            kept = {
                name: {
                    m: v for m, v in bundle.items() if m in RASTER and _BASE64.fullmatch(_text(v))
                }
                for name, bundle in attachments.items()
                if isinstance(bundle, dict)
            }
            active |= kept != attachments
            if attachments:
                cell.attachments = kept
        if cell.cell_type == "code":
            count = cell.get("execution_count")
            cell.execution_count = count if isinstance(count, int) else None
            outputs = [clean_output(output, ids) for output in cell.get("outputs", [])]
            cell.outputs = [nbformat.from_dict(output) for output, _ in outputs]
            # What a course cell displayed is cleaned the same, but its removal is no sign of
            # the student's: the course's explorers display a page script of their own.
            active |= not own and any(flag for _, flag in outputs)
    return active


#: Characters a terminal acts on: C0/C1 controls (escape sequences, bells) but tab and newline,
#: and the bidirectional overrides that reorder what a line seems to say.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` for a terminal (``course report``): each control character shown as its code
    (``\\x1b``), so a student's id, flag or message cannot move the cursor, retitle the
    window, write the clipboard or reorder a line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


class SanitizeStudentContent(NbGraderPreprocessor):
    """nbgrader autograde step, after the scores are saved: :func:`sanitize_notebook`, and a
    flag for the report and the formgrader when it removed active content."""

    def preprocess(self, nb, resources):
        if sanitize_notebook(nb):
            add_flags(nb, [FLAG])
        return nb, resources
