"""View plumbing shared by the explorers: a live ipympl figure, labelled sliders, a stats box.

Nothing here knows about deep learning. An explorer builds a :class:`LiveFigure`, marks the
artists that change with the sliders as *animated*, and calls :meth:`LiveFigure.refresh` after
updating them: the static parts (axes, ticks, labels) are drawn once and kept as a background,
so a slider move only redraws what changed (blitting). A change of axis limits asks for a full
redraw with ``refresh(full=True)``.

Why one module of about 540 lines: it is the whole view layer every explorer shares (the live
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
import zlib
from collections.abc import Callable, Iterable

import ipywidgets as widgets
import numpy as np
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
    """A matplotlib figure on an ipympl canvas, redrawn by blitting the animated artists.

    Parameters
    ----------
    mosaic : the axes' names laid out as rows (``Figure.subplot_mosaic``): ``[["a", "b"]]`` is
        one row of two axes; a name repeated spans several cells. ``self.ax[name]`` is an
        axes, ``self.axes`` all of them in reading order; each axes' label is its name.
    height : figure height in inches (the width is :data:`FIG_WIDTH`)
    width_ratios, height_ratios, sharex, sharey : passed to ``Figure.subplot_mosaic``

    The layout is computed once (constrained layout), by :meth:`freeze_layout` when the
    explorer has drawn its first state, and then kept, so a slider move never moves the axes.
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
        from ipympl.backend_nbagg import FigureManager

        self.figure = Figure(figsize=(FIG_WIDTH, whole_pixels(height)), dpi=DPI,
                             layout="constrained")
        self.ax = self.figure.subplot_mosaic(
            mosaic, sharex=sharex, sharey=sharey, width_ratios=width_ratios,
            height_ratios=height_ratios,
        )
        self.axes = list(self.ax.values())
        self.canvas = _frame_canvas_class()(self.figure)
        self.manager = FigureManager(self.canvas, 0)
        self.canvas.layout.width = "auto"
        # What ipympl's own display hook (_repr_mimebundle_) sets, which never runs for a canvas
        # inside a Box: without it the front end's canvas is 0 x 0 until the "initialized"
        # round trip, and the first image, sent before that, is lost.
        width, height = self.figure.bbox.size / self.canvas.device_pixel_ratio
        self.canvas._size = (float(width), float(height))
        self._animated: list = []
        self._background = None
        self.figure.canvas.mpl_connect("draw_event", self._on_draw)

    def freeze_layout(self) -> None:
        """Compute the constrained layout for the artists as they are now, and keep it.

        From then on no draw moves the axes: a slider move never shifts them, and every still
        has the same layout whatever states were drawn before.
        """
        self.figure.draw_without_rendering()
        self.figure.set_layout_engine("none")

    def animate(self, *artists) -> None:
        """Mark ``artists`` as the ones that change: they are blitted over a cached background."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)

    def _draw_animated(self) -> None:
        for artist in self._animated:
            if artist.get_visible():
                (artist.axes or self.figure).draw_artist(artist)

    def _on_draw(self, event) -> None:
        if not self.connected or self.canvas.is_saving() or (
            event is not None and event.canvas is not self.canvas
        ):
            return  # a still, or the layout computed before any front end showed the canvas
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._draw_animated()

    @property
    def connected(self) -> bool:
        """Whether a front end has shown the canvas (ipympl stops syncing ``_data_url`` then)."""
        return not self.canvas.syncing_data_url

    def refresh(self, full: bool = False) -> None:
        """Show the animated artists' new state; ``full`` also redraws the static parts.

        Before a front end has connected nothing is drawn: the front end asks for a full draw
        when it shows the canvas. (Drawing earlier would sync ipympl 0.10's ``_data_url``
        without its ``data:image/png;base64,`` prefix, and the front end then fails to set
        the widget's state and shows a 0 x 0 canvas.)
        """
        if not self.connected:
            self._background = None
            return
        if full or self._background is None:
            self.canvas.draw()
            return
        self.canvas.restore_region(self._background)
        self._draw_animated()
        self.canvas.blit(self.figure.bbox)

    def png(self, dpi: float = 80) -> bytes:
        """The figure as PNG bytes (all artists, animated ones included)."""
        buffer = io.BytesIO()
        # backend="agg" renders on a temporary canvas, leaving the live canvas's renderer (and
        # the blitting background) alone.
        self.figure.savefig(buffer, format="png", dpi=dpi, backend="agg")
        return buffer.getvalue()


def _frame_canvas_class():
    """ipympl's canvas, sending every frame whole and fast to encode.

    ipympl normally sends the difference from the previous frame. The front end skips a frame
    that arrives while the one before is still loading, so after fast slider moves a later
    difference lands on the wrong base (seen in Chromium as torn, half-updated panels).
    Whole frames make a skipped frame harmless; :func:`png_bytes` keeps encoding them cheap.
    """
    global _FRAME_CANVAS
    if _FRAME_CANVAS is None:
        from ipympl.backend_nbagg import Canvas
        from traitlets import Bool, Enum

        class FrameCanvas(Canvas):
            # A bare figure: no header, footer, toolbar or resize handle.
            header_visible = Bool(False).tag(sync=True)
            footer_visible = Bool(False).tag(sync=True)
            toolbar_visible = Enum(
                ["visible", "hidden", "fade-in-fade-out", True, False], default_value=False
            ).tag(sync=True)
            resizable = Bool(False).tag(sync=True)

            def _handle_message(self, object, content, buffers):
                super()._handle_message(object, content, buffers)
                if content["type"] == "initialized":
                    # Voilà's front end shows the model's default (a resize handle) until the
                    # value is sent again once the view exists.
                    self.send_state("resizable")

            def get_diff_image(self):
                if not self._png_is_old:
                    return None
                pixels = np.asarray(self.get_renderer().buffer_rgba())
                self.set_image_mode("full")
                self._last_buff = pixels.view(np.uint32).squeeze(2).copy()
                self._force_full = False
                self._png_is_old = False
                return png_bytes(pixels)

        _FRAME_CANVAS = FrameCanvas
    return _FRAME_CANVAS


_FRAME_CANVAS = None


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
    height, width = channels.shape[:2]
    rows = np.zeros((height, 1 + width * channels.shape[2]), dtype=np.uint8)  # filter byte 0
    rows[:, 1:] = channels.reshape(height, -1)

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


def float_slider(
    description: str, value: float, low: float, high: float, step: float, fmt: str = ".2f"
) -> widgets.FloatSlider:
    """A FloatSlider with a readable, untruncated label."""
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        readout_format=fmt, continuous_update=True,
        style={"description_width": "9em"}, layout=widgets.Layout(width="26em"),
    )


def int_slider(
    description: str, value: int, low: int, high: int, step: int = 1
) -> widgets.IntSlider:
    """An IntSlider with a readable, untruncated label."""
    return widgets.IntSlider(
        value=value, min=low, max=high, step=step, description=description,
        continuous_update=True,
        style={"description_width": "9em"}, layout=widgets.Layout(width="26em"),
    )


def seed_box(value: int, description: str = "seed") -> widgets.BoundedIntText:
    """A box for the seed of the explorer's random draws (0 .. 10**6)."""
    return widgets.BoundedIntText(
        value=value, min=0, max=10**6, description=description,
        style={"description_width": "6em"}, layout=widgets.Layout(width="12em"),
    )


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
    figure_summary : a visually hidden HTML widget describing the axes (names, limits,
        scales) for screen readers and browser tests; ``data-axes`` holds it as JSON
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
        self.figure_summary = widgets.HTML(
            layout=widgets.Layout(height="0px", overflow="hidden", margin="0")
        )
        self.figure_summary.add_class("explorer-figure-summary")
        self.state = None
        self.error: str | None = None
        self.artists = artists or {}
        self.lessons = list(lessons)
        self._update = update
        if rows is None:
            items = list(controls.values())
            rows = [items[i : i + columns] for i in range(0, len(items), columns)]
            rows += [[widget] for widget in extra]
        super().__init__(
            [*(widgets.HBox(row) for row in rows), live.canvas, self.stats, self.figure_summary],
            layout=widgets.Layout(width="100%", max_width="820px"),
        )
        self.add_class("course-explorer")
        self.add_class(f"explorer-{name}")
        for control in controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.update(full=True)
        self.live.freeze_layout()
        self._first_limits = self._limits()

    def _on_change(self, change) -> None:
        self.update()

    def update(self, full: bool = False) -> None:
        """Recompute the state from the controls and redraw (blit unless ``full``).

        A :class:`FunctionError` (a function passed in failed) is shown in the stats box, and
        the figure, which would show empty or stale axes, is hidden until the function works.
        """
        try:
            self._update(self, full)
            self.error = None
        except FunctionError as error:
            self.error = str(error)
            self.stats.value = f"<b style='color:#b22222'>{html.escape(self.error)}</b>"
        self.live.canvas.layout.display = "none" if self.error else None
        self.figure_summary.value = summary_html(self.live.figure)

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

    def still(self, dpi: float = 80) -> bytes:
        """A PNG of the figure at each lesson state, one under the other with its caption.

        Each lesson starts from the axis limits the explorer was built with (axes that follow
        the data keep their limits while the data fit, so the picture would otherwise depend
        on the states shown before). The controls and limits are put back afterwards.
        Without lessons: the current state.
        """
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

    def _repr_mimebundle_(self, **kwargs) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self.title} (run the notebook to move the sliders)"
        if os.environ.get(STILLS_ENV):
            bundle["image/png"] = base64.b64encode(self.still()).decode("ascii")
        return bundle


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
    """Each labelled axes' limits and scales: ``{name: {"xlim", "ylim", "xscale", "yscale"}}``
    (limits as shown, so an inverted axis has ``xlim[0] > xlim[1]``)."""
    return {
        ax.get_label(): {
            "xlim": [float(v) for v in ax.get_xlim()],
            "ylim": [float(v) for v in ax.get_ylim()],
            "xscale": ax.get_xscale(),
            "yscale": ax.get_yscale(),
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
    return f"<div data-axes=\"{data}\">Figure axes: {html.escape(text)}</div>"


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
