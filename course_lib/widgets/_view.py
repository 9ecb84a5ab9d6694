"""View plumbing shared by the explorers: a live ipympl figure, labelled sliders, a stats box.

Nothing here knows about deep learning. An explorer builds a :class:`LiveFigure`, marks the
artists that change with the sliders as *animated*, and calls :meth:`LiveFigure.refresh` after
updating them: the static parts (axes, ticks, labels) are drawn once and kept as a background,
so a slider move only redraws what changed (blitting). A change of axis limits asks for a full
redraw with ``refresh(full=True)``.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterable

import ipywidgets as widgets
import numpy as np
from IPython.display import Image
from matplotlib.figure import Figure

#: The width, in inches at DPI dots per inch (780 px), that fits a JupyterLab notebook column
#: with matplotlib's default 10-point text still readable.
FIG_WIDTH = 7.8
DPI = 100


class LiveFigure:
    """A matplotlib figure on an ipympl canvas, redrawn by blitting the animated artists.

    Parameters
    ----------
    nrows, ncols : the grid of axes (``self.axes`` is always a flat list)
    height : figure height in inches (the width is :data:`FIG_WIDTH`)
    width_ratios, sharex, subplot_kw : passed to ``Figure.subplots``

    The layout is computed once (constrained layout) at the first draw and then frozen, so a
    slider move never moves the axes.
    """

    def __init__(
        self,
        nrows: int = 1,
        ncols: int = 1,
        height: float = 3.0,
        width_ratios: Iterable[float] | None = None,
        sharex: bool = False,
        **subplot_kw,
    ) -> None:
        from ipympl.backend_nbagg import FigureManager

        self.figure = Figure(figsize=(FIG_WIDTH, height), dpi=DPI, layout="constrained")
        axes = self.figure.subplots(
            nrows, ncols, squeeze=False, sharex=sharex, width_ratios=width_ratios,
            subplot_kw=subplot_kw,
        )
        self.axes = list(axes.ravel())
        self.canvas = _frame_canvas_class()(self.figure)
        self.manager = FigureManager(self.canvas, 0)
        self.canvas.header_visible = False
        self.canvas.footer_visible = False
        self.canvas.toolbar_visible = False
        self.canvas.resizable = False
        self.canvas.layout.width = "auto"
        # What ipympl's own display hook (_repr_mimebundle_) sets, which never runs for a canvas
        # inside a Box: without it the front end's canvas is 0 x 0 until the "initialized"
        # round trip, and the first image, sent before that, is lost.
        width, height = self.figure.bbox.size / self.canvas.device_pixel_ratio
        self.canvas._size = (float(width), float(height))
        self._animated: list = []
        self._background = None
        self._frozen = False
        self.figure.canvas.mpl_connect("draw_event", self._on_draw)

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
        if event is not None and (event.canvas is not self.canvas or self.canvas.is_saving()):
            return
        if not self._frozen:
            # The layout was just computed for this draw: keep it from now on.
            self.figure.set_layout_engine("none")
            self._frozen = True
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

        class FrameCanvas(Canvas):
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


class Explorer(widgets.VBox):
    """The layout an explorer returns: controls above a live figure and a stats box.

    Attributes
    ----------
    controls : dict name -> widget, the inputs a test (or a learner) sets
    live : the :class:`LiveFigure`
    stats : HTML widget with the current numbers
    state : the last value the explorer's pure state function returned
    artists : dict name -> matplotlib artist, the parts of the figure that change
    """

    def __init__(
        self,
        name: str,
        controls: dict[str, widgets.Widget],
        live: LiveFigure,
        update: Callable[[Explorer, bool], None],
        artists: dict | None = None,
        extra: Iterable[widgets.Widget] = (),
        columns: int = 2,
        **data,
    ) -> None:
        for key, value in data.items():
            setattr(self, key, value)  # fixed inputs the update reads (e.g. a data set)
        self.controls = controls
        self.live = live
        self.stats = widgets.HTML(layout=widgets.Layout(min_height="2.5em"))
        self.state = None
        self.artists = artists or {}
        self._update = update
        items = list(controls.values())
        rows = [widgets.HBox(items[i : i + columns]) for i in range(0, len(items), columns)]
        super().__init__(
            [*rows, *extra, live.canvas, self.stats],
            layout=widgets.Layout(width="100%", max_width="820px"),
        )
        self.add_class("course-explorer")
        self.add_class(f"explorer-{name}")
        for control in controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.update(full=True)

    def _on_change(self, change) -> None:
        self.update()

    def update(self, full: bool = False) -> None:
        """Recompute the state from the controls and redraw (blit unless ``full``)."""
        self._update(self, full)

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {k: w.value for k, w in self.controls.items() if hasattr(w, "value")}

    def snapshot(self, dpi: float = 80) -> Image:
        """A still PNG of the current figure, for pages read without a live kernel."""
        return Image(data=self.live.png(dpi=dpi), format="png")


def stats_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """A small HTML table (monospace numbers) for the stats box."""
    head = "".join(f"<th style='padding:0 0.8em;text-align:left'>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:0 0.8em;font-family:monospace'>{c}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def nice_upper(value: float, steps: tuple[float, ...] = (1, 2, 5)) -> float:
    """The smallest number of the form s * 10**k (s in ``steps``) that is >= ``value``.

    Used for y limits that change in steps, so most slider moves keep the axes (and blit).
    """
    import math

    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for k in (exponent, exponent + 1):
        for s in steps:
            if s * 10.0**k >= value * (1 - 1e-12):
                return s * 10.0**k
    return 10.0 ** (exponent + 1)
