"""View plumbing shared by the explorers: a live figure, labelled sliders, a stats box.

Nothing here knows about deep learning. An explorer builds a :class:`LiveFigure`, marks the
artists that change with the sliders as *animated*, and calls :meth:`LiveFigure.refresh` after
updating them: the static parts (axes, ticks, labels) are drawn once and kept as a background,
so a slider move only redraws what changed (blitting). A change of axis limits asks for a full
redraw with ``refresh(full=True)``, unless the axis itself is animated (``ax.yaxis``): then it
is redrawn over the background only when its limits change.

Why one module of about 600 lines: it is the whole view layer every explorer shares (the live
figure and its blitting, the controls, the stats box, the stills), in the kit and in
``course_lib.widgets`` alike.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterable

import ipywidgets as widgets
import numpy as np
from matplotlib.axis import Axis
from matplotlib.figure import Figure

#: The width, in inches at DPI dots per inch (780 px), that fits a JupyterLab notebook column
#: with matplotlib's default 10-point text still readable.
FIG_WIDTH = 7.8
DPI = 100


def whole_pixels(inches: float, dpi: float = DPI) -> float:
    """``inches`` raised by the fewest floating-point steps for which ``inches * dpi`` (the
    canvas size in pixels) is not below the whole number it rounds to.

    ipympl's front end gives the canvas bitmap the size truncated (4.6 in * 100 dpi is
    459.99999999999994 px: 459 rows) but lays it out at the size rounded (460 px), and Chromium
    was seen to leave parts of such a stretched canvas unpainted after a redraw.
    """
    target = round(inches * dpi)
    while inches * dpi < target:
        inches = math.nextafter(inches, math.inf)
    return inches


class LiveFigure:
    """A matplotlib figure shown as an image widget, redrawn by blitting the animated artists.

    Parameters
    ----------
    mosaic : the axes' names laid out as rows (``Figure.subplot_mosaic``): ``[["a", "b"]]`` is
        one row of two axes; a name repeated spans several cells. ``self.ax[name]`` is an
        axes, ``self.axes`` all of them in reading order; each axes' label is its name.
    height : figure height in inches (the width is :data:`FIG_WIDTH`)
    width_ratios, height_ratios, sharex, sharey : passed to ``Figure.subplot_mosaic``

    The figure is rendered by Agg and sent as a PNG to an ``ipywidgets.Image`` (``self.image``),
    an ``<img>`` in the page: it takes no keyboard focus, so Tab passes through it (an ipympl
    canvas kept it), and each frame is one whole picture (no partial updates to tear or to
    leave stale tick labels). The layout is computed once (constrained layout), by
    :meth:`freeze_layout` when the explorer has drawn its first state, and then kept, so a
    slider move never moves the axes.
    """

    def __init__(
        self,
        mosaic: list[list[str]],
        height: float = 3.0,
        width_ratios: Iterable[float] | None = None,
        height_ratios: Iterable[float] | None = None,
        sharex: bool = False,
        sharey: bool = False,
    ) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = Figure(figsize=(FIG_WIDTH, whole_pixels(height)), dpi=DPI,
                             layout="constrained")
        self.ax = self.figure.subplot_mosaic(
            mosaic, sharex=sharex, sharey=sharey, width_ratios=width_ratios,
            height_ratios=height_ratios,
        )
        self.axes = list(self.ax.values())
        self.canvas = FigureCanvasAgg(self.figure)
        width, height_px = (round(v) for v in self.figure.bbox.size)
        self.image = widgets.Image(  # no tooltip: ipywidgets 8.1's ImageView fails to render it
            format="png",
            layout=widgets.Layout(width=f"{width}px", max_width="100%", height="auto"),
        )
        self.image.add_class("explorer-figure")
        self._animated: list = []
        self._background = None  # the static parts
        self._with_axes = None  # the background with the animated axes drawn over it
        self._axes_key: list | None = None  # what the animated axes showed when drawn
        self.frames = 0  # PNG frames sent to the image widget

    def freeze_layout(self) -> None:
        """Compute the constrained layout for the artists as they are now, and keep it.

        From then on no draw moves the axes: a slider move never shifts them, and every still
        has the same layout whatever states were drawn before. The background of the last
        full draw is kept if that draw had this layout (the first slider move then blits).
        """
        drawn = self._positions()
        self.figure.draw_without_rendering()
        self.figure.set_layout_engine("none")
        # the same layout computed again moves axes by 1e-17 of the figure at most
        if not np.allclose(self._positions(), drawn, rtol=0, atol=1e-9):
            self._background = None

    def _positions(self) -> np.ndarray:
        return np.array([ax.get_position().bounds for ax in self.figure.axes])

    def animate(self, *artists) -> None:
        """Mark ``artists`` as the ones that change: they are blitted over a cached background.

        An axis among them (``ax.xaxis``, ``ax.yaxis``) may change its limits without a full
        redraw: it is drawn over the background, under the other animated artists, and that
        picture is kept until its limits, scale or label change.
        """
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)

    def _draw(self, artists) -> None:
        for artist in artists:
            if artist.get_visible():
                (artist.axes or self.figure).draw_artist(artist)

    def refresh(self, full: bool = False) -> None:
        """Show the animated artists' new state; ``full`` also redraws the static parts.

        A full draw renders the static parts once and keeps them as the background; otherwise
        the background is restored (with the animated axes drawn over it, redrawn only when
        they changed) and only the other animated artists are drawn over it. Either way the
        frame goes to the image widget as one PNG.
        """
        if full or self._background is None:
            self.canvas.draw()  # animated artists are skipped by a normal draw
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._axes_key = None
        axes = [artist for artist in self._animated if isinstance(artist, Axis)]
        key = [(tuple(axis.get_view_interval()), axis.get_scale(), axis.get_label_text(),
                axis.get_visible()) for axis in axes]
        if key == self._axes_key:
            self.canvas.restore_region(self._with_axes)
        else:
            self.canvas.restore_region(self._background)
            self._draw(axes)
            self._with_axes = self.canvas.copy_from_bbox(self.figure.bbox)
            self._axes_key = key
        self._draw(artist for artist in self._animated if not isinstance(artist, Axis))
        self.image.value = png_bytes(np.asarray(self.canvas.buffer_rgba()))
        self.frames += 1

    def png(self, dpi: float = DPI) -> bytes:
        """The figure as PNG bytes (all artists, animated ones included)."""
        buffer = io.BytesIO()
        # backend="agg" renders on a temporary canvas, leaving the live canvas's renderer (and
        # the blitting background) alone.
        self.figure.savefig(buffer, format="png", dpi=dpi, backend="agg")
        return buffer.getvalue()


def png_bytes(pixels) -> bytes:
    """A PNG file of ``pixels`` (H, W, 4) uint8 RGBA, written for speed rather than size.

    A PNG is a signature and three chunks (length, type, data, CRC-32): ``IHDR`` (size, 8 bits
    per channel, colour type 2 = RGB or 6 = RGBA), ``IDAT`` (zlib-compressed rows, each led by
    a filter byte, 0 = none) and ``IEND``. Skipping the per-row filters and compressing at zlib
    level 1 takes about a third of the time of Pillow's encoder at its fastest setting, and an
    opaque frame (every figure here is) is sent as RGB, a quarter fewer bytes to compress.
    """
    opaque = bool(pixels[..., 3].min() == 255)
    channels = pixels[..., :3] if opaque else pixels
    height, width, depth = channels.shape
    rows = np.zeros((height, 1 + width * depth), dtype=np.uint8)  # filter byte 0
    # one copy, straight into the rows (a view): RGB out of RGBA has no flat view of its own
    rows[:, 1:].reshape(height, width, depth)[...] = channels

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


#: The most keyboard steps a slider may take from one end to the other: noUiSlider's PageUp
#: moves 5 steps, so 100 steps cross the range in 20 presses.
MAX_STEPS_ACROSS = 100
_STYLE = {"description_width": "9em"}


def float_slider(
    description: str, value: float, low: float, high: float, step: float | None,
    fmt: str = ".2f", tooltip: str = "",
) -> widgets.FloatSlider:
    """A FloatSlider with a readable, untruncated label and ``tooltip`` saying what it sets.

    ``step=None`` leaves the slider continuous: a browser then neither snaps a value set from
    Python (an exact value such as sqrt(var + eps) survives) nor needs hundreds of key
    presses (each arrow key moves a tenth of the range).
    """
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description, tooltip=tooltip,
        readout_format=fmt, continuous_update=True,
        style=_STYLE, layout=widgets.Layout(width="26em"),
    )


def int_slider(
    description: str, value: int, low: int, high: int, step: int = 1, tooltip: str = "",
) -> widgets.IntSlider:
    """An IntSlider with a readable, untruncated label and ``tooltip`` saying what it sets."""
    return widgets.IntSlider(
        value=value, min=low, max=high, step=step, description=description, tooltip=tooltip,
        continuous_update=True, style=_STYLE, layout=widgets.Layout(width="26em"),
    )


def seed_box(value: int, description: str = "seed") -> widgets.BoundedIntText:
    """A box for the seed of the explorer's random draws (0 .. 10**6)."""
    return widgets.BoundedIntText(
        value=value, min=0, max=10**6, description=description,
        tooltip="the seed of the random draws: another seed, another sample",
        style={"description_width": "6em"}, layout=widgets.Layout(width="12em"),
    )


def steps_across(control: widgets.Widget) -> float:
    """How many keyboard steps move ``control`` (a slider) from one end to the other
    (a continuous slider moves a tenth of its range per arrow key: 10)."""
    if hasattr(control, "options"):
        return len(control.options) - 1
    if control.step is None:
        return 10
    return (control.max - control.min) / control.step


class FunctionError(Exception):
    """A function passed to an explorer raised, or returned something of the wrong shape."""


def call_function(name: str, function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)``; any exception it raises becomes one :class:`FunctionError`
    line naming ``name``, which the explorer shows instead of a traceback.

    A ``NotImplementedError`` (the stub a student receives) says the function is not written
    yet, and that the explorer's cell must run again once it is: the explorer keeps the
    function object it was given.
    """
    try:
        return function(*args, **kwargs)
    except Exception as error:
        raised = type(error).__name__ + (f": {error}" if str(error) else "")
        if isinstance(error, NotImplementedError):
            raise FunctionError(
                f"{name} is not written yet (it raised {raised}): write it, run its cell, "
                "then run this cell again"
            ) from None
        raise FunctionError(f"{name} raised {raised}") from None


#: Set (to any value) in a kernel's environment to save each explorer's still with its output:
#: ``scripts/refresh_notebook_stills.py`` does, so a notebook read without a kernel shows them.
STILLS_ENV = "COURSE_EXPLORER_STILLS"

#: A lesson: a caption and the controls' values (a dict name -> value) or a function that sets
#: them on the explorer.
Lesson = tuple[str, "dict | Callable[[Explorer], None]"]


#: What ipywidgets 8.1 leaves out for assistive technology, added in the page (a trusted output
#: runs it, once per page): each slider handle (noUiSlider's ``role="slider"``) gets an
#: accessible name, its label and what it sets (``aria-label``), and ``aria-valuetext`` the
#: number its readout shows ("1.000", not "1.0000000000000002"); each figure's image gets as
#: ``alt`` the sentence under it (what it shows now). A MutationObserver keeps them as
#: sliders appear and move.
ACCESSIBILITY_SCRIPT = """<script>
(() => {
  if (window.courseExplorerA11y) return;
  window.courseExplorerA11y = true;
  const set = (el, name, value) => {
    if (value && el.getAttribute(name) !== value) el.setAttribute(name, value);
  };
  const label = (slider) => {
    const text = slider.querySelector(".widget-label");
    const words = text ? text.textContent.trim() : "";
    const tip = slider.getAttribute("title") || (text && text.getAttribute("title")) || "";
    return tip && tip !== words ? `${words}: ${tip}` : words;
  };
  const fix = () => {
    document.querySelectorAll(".course-explorer").forEach((explorer) => {
      const image = explorer.querySelector("img.explorer-figure");
      const text = explorer.querySelector(".explorer-figure-text");
      if (image) set(image, "alt", text ? `Figure. ${text.textContent.trim()}` : "Figure");
    });
    document.querySelectorAll(".course-explorer .widget-slider").forEach((slider) => {
      const handles = slider.querySelectorAll(".noUi-handle");
      const readout = slider.querySelector(".widget-readout");
      const shown = readout && readout.style.display !== "none"
        ? readout.textContent.trim() : "";
      handles.forEach((handle, i) => {
        const end = handles.length > 1 ? (i ? ", upper end" : ", lower end") : "";
        set(handle, "aria-label", label(slider) + end);
        set(handle, "aria-valuetext", handles.length > 1 ? "" : shown);
      });
    });
  };
  new MutationObserver(fix).observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ["aria-valuetext"],
  });
  fix();
})();
</script>"""


class Explorer(widgets.VBox):
    """The layout an explorer returns: controls above a live figure and a stats box.

    Parameters
    ----------
    name : the CSS class suffix (``explorer-<name>``) tests and pages find it by
    title : what the explorer shows, in a few words (its text output without a front end)
    controls : dict name -> widget, the inputs a test (or a learner) sets
    live : the :class:`LiveFigure`
    update : ``update(explorer, full)`` recomputes the state and redraws
    artists : dict name -> matplotlib artist, the parts of the figure that change
    rows : the widgets above the figure, row by row (by default the controls, ``columns`` a
        row, then ``extra``)
    lessons : the states that carry the lesson, drawn one under the other by :meth:`still`
    data : fixed inputs the update reads (e.g. a data set), set as attributes

    Attributes
    ----------
    stats : HTML widget with the current numbers
    description : HTML widget under the figure saying in words what it shows now and what
        that means (set by the update with :meth:`describe`): the figure's text for a screen
        reader, and a caption for everyone
    figure_summary : a visually hidden HTML widget with the axes (names, limits, scales) as
        JSON in ``data-axes``, for browser tests
    state : the last value the explorer's pure state function returned
    error : the last :class:`FunctionError` message, or None
    """

    def __init__(
        self,
        name: str,
        title: str,
        controls: dict[str, widgets.Widget],
        live: LiveFigure,
        update: Callable[[Explorer, bool], None],
        artists: dict | None = None,
        *,
        extra: Iterable[widgets.Widget] = (),
        rows: list[list[widgets.Widget]] | None = None,
        columns: int = 2,
        lessons: Iterable[Lesson] = (),
        **data,
    ) -> None:
        for key, value in data.items():
            setattr(self, key, value)
        self.title = title
        self.controls = controls
        self.live = live
        self.stats = widgets.HTML(layout=widgets.Layout(min_height="2.5em"))
        self.description = widgets.HTML(layout=widgets.Layout(margin="0.2em 0"))
        self.description.add_class("explorer-figure-description")
        self.figure_summary = widgets.HTML(
            layout=widgets.Layout(height="0px", overflow="hidden", margin="0")
        )
        self.figure_summary.add_class("explorer-figure-summary")
        self.state = None
        self.error: str | None = None
        self.artists = artists or {}
        self.lessons = list(lessons)
        self._update = update
        # JupyterLab sends some widget messages on a kernel subshell (another thread): two
        # updates drawing at once on one canvas left one state's tick labels under another's.
        self._lock = threading.RLock()
        if rows is None:
            items = list(controls.values())
            rows = [items[i : i + columns] for i in range(0, len(items), columns)]
            rows += [[widget] for widget in extra]
        super().__init__(
            [*(widgets.HBox(row) for row in rows), live.image, self.description, self.stats,
             self.figure_summary],
            layout=widgets.Layout(width="100%", max_width="820px"),
        )
        self.add_class("course-explorer")
        self.add_class(f"explorer-{name}")
        for control in controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.update(full=True)
        self.live.freeze_layout()
        self.figure_summary.value = summary_html(self.live.figure)  # the axes' frozen places
        self._first_limits = self._limits()

    def _on_change(self, change) -> None:
        self.update()

    def update(self, full: bool = False) -> None:
        """Recompute the state from the controls and redraw (blit unless ``full``).

        A :class:`FunctionError` (a function passed in failed) is shown in the stats box, and
        the figure, which would show empty or stale axes, is hidden until the function works.
        One update runs at a time (a lock): each draws the controls' values as they are then.
        """
        with self._lock:
            try:
                self._update(self, full)
                self.error = None
            except FunctionError as error:
                self.error = str(error)
                self.stats.value = f"<b style='color:#b22222'>{html.escape(self.error)}</b>"
            self.live.image.layout.display = "none" if self.error else None
            if self.error:
                self.describe("")
            self.figure_summary.value = summary_html(self.live.figure)

    def describe(self, text: str) -> None:
        """Say what the figure shows now, in a sentence or two (plain text, escaped here)."""
        self.description.value = (
            f"<p class='explorer-figure-text'>{html.escape(text)}</p>" if text else ""
        )

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {k: w.value for k, w in self.controls.items() if hasattr(w, "value")}

    def apply(self, setting: dict | Callable[[Explorer], None]) -> None:
        """Set the controls: ``setting`` is a dict name -> value or a function of the explorer."""
        if callable(setting):
            setting(self)
            return
        for key, value in setting.items():
            self.controls[key].value = value

    def _limits(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        return [(ax.get_xlim(), ax.get_ylim()) for ax in self.live.axes]

    def _set_limits(self, limits) -> None:
        for ax, (x, y) in zip(self.live.axes, limits, strict=True):
            ax.set_xlim(x)
            ax.set_ylim(y)

    def still(self, dpi: float = DPI) -> bytes:
        """A PNG of the figure at each lesson state, one under the other with its caption.

        Each lesson starts from the axis limits the explorer was built with (axes that follow
        the data keep their limits while the data fit, so the picture would otherwise depend
        on the states shown before). The controls and limits are put back afterwards.
        Without lessons: the current state.
        """
        with self._lock:
            saved, saved_limits = self.values(), self._limits()
            frames = []
            try:
                for caption, setting in self.lessons or [("", {})]:
                    self._set_limits(self._first_limits)
                    self.apply(setting)
                    self.update()
                    frames.append((caption, self.live.png(dpi=dpi)))
            finally:
                self._set_limits(saved_limits)
                self.apply(saved)
                self.update(full=True)
        return compose_stills(frames)

    def alt_text(self) -> str:
        """The stills' text alternative: the title, then each lesson's caption in turn."""
        return f"{self.title}, at {len(self.lessons)} states: " + " ".join(
            f"{k}. {caption}." for k, (caption, _setting) in enumerate(self.lessons, 1)
        )

    def _ipython_display_(self) -> None:
        """Show the explorer, then (in a live session) :data:`ACCESSIBILITY_SCRIPT`."""
        from IPython.display import HTML, display

        shown = self._repr_mimebundle_()
        bundle, metadata = shown if isinstance(shown, tuple) else (shown, {})
        display(bundle, metadata=metadata, raw=True)
        if not os.environ.get(STILLS_ENV):
            display(HTML(ACCESSIBILITY_SCRIPT))

    def _repr_mimebundle_(self, **kwargs) -> dict | tuple[dict, dict]:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self.title} (run the notebook to move the sliders)"
        if not os.environ.get(STILLS_ENV):
            return bundle
        bundle["image/png"] = base64.b64encode(self.still()).decode("ascii")
        return bundle, {"image/png": {"alt": self.alt_text()}}  # nbconvert writes it as alt


def compose_stills(frames: list[tuple[str, bytes]]) -> bytes:
    """One PNG of the frames (captions, PNG bytes) stacked, each under its caption.

    Reduced to a 256-colour palette: the figures are flat colours and anti-aliased lines, so
    this keeps them sharp at a third of the bytes a notebook would otherwise store.
    """
    from matplotlib import font_manager
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    images = [PILImage.open(io.BytesIO(png)).convert("RGB") for _, png in frames]
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), 15)
    caption_height = 26 if any(caption for caption, _ in frames) else 0
    width = max(image.width for image in images)
    height = sum(image.height + caption_height for image in images)
    sheet = PILImage.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    y = 0
    for (caption, _), image in zip(frames, images, strict=True):
        if caption_height:
            draw.text((8, y + 5), caption, fill=(20, 20, 20), font=font)
        if y:
            draw.line([(0, y), (width, y)], fill=(200, 200, 200))
        sheet.paste(image, (0, y + caption_height))
        y += image.height + caption_height
    buffer = io.BytesIO()
    sheet.quantize(256, method=PILImage.Quantize.MEDIANCUT).save(buffer, "png", optimize=True)
    return buffer.getvalue()


def figure_summary(figure: Figure) -> dict[str, dict]:
    """Each labelled axes' limits, scales and place:
    ``{name: {"xlim", "ylim", "xscale", "yscale", "box"}}`` (limits as shown, so an inverted
    axis has ``xlim[0] > xlim[1]``; ``box`` the axes' left, top, right, bottom as fractions of
    the figure's width and height from its top left corner)."""
    def place(ax) -> list[float]:
        box = ax.get_position()
        return [round(v, 4) for v in (box.x0, 1 - box.y1, box.x1, 1 - box.y0)]

    return {
        ax.get_label(): {
            "xlim": [float(v) for v in ax.get_xlim()],
            "ylim": [float(v) for v in ax.get_ylim()],
            "xscale": ax.get_xscale(),
            "yscale": ax.get_yscale(),
            "box": place(ax),
        }
        for ax in figure.axes
        if ax.get_label() and not ax.get_label().startswith("<")
    }


def summary_html(figure: Figure) -> str:
    """:func:`figure_summary` as a sentence per axes, with the JSON in ``data-axes``."""
    summary = figure_summary(figure)
    text = "; ".join(
        f"{name}: x {a['xscale']} {a['xlim'][0]:.3g} to {a['xlim'][1]:.3g}, "
        f"y {a['yscale']} {a['ylim'][0]:.3g} to {a['ylim'][1]:.3g}"
        for name, a in summary.items()
    )
    data = html.escape(json.dumps(summary), quote=True)
    return f"<div aria-hidden=\"true\" data-axes=\"{data}\">Figure axes: {html.escape(text)}</div>"


def stats_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """A small HTML table (monospace numbers, cells that never wrap) for the stats box."""
    cell = "padding:0 0.6em;white-space:nowrap"
    head = "".join(f"<th style='{cell};text-align:left'>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='{cell};font-family:monospace'>{c}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def nice_upper(value: float, steps: tuple[float, ...] = (1, 2, 5)) -> float:
    """The smallest number of the form s * 10**k (s in ``steps``) that is >= ``value``.

    Used for axis limits that change in steps, so most slider moves keep the axes (and blit).
    """
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for k in (exponent, exponent + 1):
        for s in steps:
            if s * 10.0**k >= value * (1 - 1e-12):
                return s * 10.0**k
    return 10.0 ** (exponent + 1)


def follow_range(
    current: tuple[float, float] | None, low: float, high: float, min_fill: float = 0.4
) -> tuple[float, float]:
    """Axis limits that follow data spanning ``[low, high]``, in steps.

    ``current`` is kept while the data lie inside it and fill at least ``min_fill`` of it (so
    small slider moves keep the axes and blit); otherwise the data padded by 5 % of their span
    on each side, rounded out to a multiple of a 1-2-5 step of about an eighth of the span.
    A step is at most 2.5/8 of the span, so the new limits are at most 1.1 + 2 * 2.5/8 = 1.73
    times the span, and the next call with the same data keeps them (for ``min_fill`` < 0.57).
    """
    if current is not None:
        lo, hi = current
        if lo <= low and high <= hi and high - low >= min_fill * (hi - lo):
            return current
    span = max(high - low, 1e-3 * max(abs(low), abs(high), 1.0))
    step = nice_upper(span / 8)
    return (
        math.floor((low - 0.05 * span) / step) * step,
        math.ceil((high + 0.05 * span) / step) * step,
    )


def follow_upper(current: float | None, peak: float, min_fill: float = 0.4) -> float:
    """The top of an axis from 0 that follows the data's ``peak``, in 1-2-5 steps.

    ``current`` is kept while ``min_fill * current <= peak <= current``; otherwise
    ``nice_upper(1.1 * peak)``.
    """
    if current is not None and min_fill * current <= peak <= current:
        return current
    return nice_upper(1.1 * peak)
