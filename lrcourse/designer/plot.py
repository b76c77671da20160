"""The designer's LR-curve plot: one drawing for the static figure and for the live widget.

:class:`CurvePlot` draws one or two designs (the second dashed) on an Axes: their curves from a
min/max :func:`envelope` (at most ~2·points vertices whatever the run length, so a spike never
disappears), the warmup band, the title and, for two, a legend. :func:`plot_designs` (behind
``Design.plot`` and :func:`compare`) draws it once; :class:`LivePlot`, the widget's, keeps the
axes (the expensive part of a Matplotlib draw) as a bitmap per (x range, y range, scale,
language) and redraws only the curves on top (Matplotlib's "blitting"), which keeps an update
well under 100 ms at 10^6 steps (``benchmarks/designer.py``).

matplotlib is imported when a plot is made, not when this module is.
"""

from __future__ import annotations

import io
from typing import Sequence

import numpy as np

from .. import i18n
from ..plotting import use_course_fonts

i18n.load("designer")

FIG_SIZE = (8, 3.6)
FIG_MARGINS = {"left": 0.1, "right": 0.98, "bottom": 0.14, "top": 0.91}
STYLES = ({"color": "#1f5f9e", "ls": "-"}, {"color": "#d9730d", "ls": "--"})


def envelope(lrs: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with at most ~2·points vertices that keep every bin's min and max (spikes survive)."""
    n = lrs.size
    if n <= 2 * points:
        return np.arange(n, dtype=np.float64), lrs
    k = -(-n // points)  # steps per bin
    full = n // k  # whole bins; the last, shorter bin is handled apart (no padded copy of the curve)
    blocks = lrs[: full * k].reshape(full, k)
    lo, hi = blocks.min(axis=1), blocks.max(axis=1)
    first, last = blocks[:, 0], blocks[:, -1]
    if full * k < n:
        tail = lrs[full * k:]
        lo, hi = np.append(lo, tail.min()), np.append(hi, tail.max())
        first, last = np.append(first, tail[0]), np.append(last, tail[-1])
    points = lo.size
    starts = np.arange(points) * k
    # a rising bin draws min then max, a falling one max then min (exact for monotone bins)
    lo_first = first <= last
    y = np.empty(2 * points)
    y[0::2] = np.where(lo_first, lo, hi)
    y[1::2] = np.where(lo_first, hi, lo)
    x = np.empty(2 * points)
    x[0::2] = starts
    x[1::2] = np.minimum(starts + k - 1, n - 1)
    return x, y


def step_formatter():
    """Tick labels of the step axis: 500, 20k, 1.5M."""
    from matplotlib.ticker import FuncFormatter

    def fmt(v, _pos):
        v = abs(v) if abs(v) < 0.5 else v
        for unit, div in (("M", 1e6), ("k", 1e3)):
            if abs(v) >= div:
                return f"{v / div:g}{unit}"
        return f"{v:g}"

    return FuncFormatter(fmt)


class CurvePlot:
    """One or two designs' LR curves on ``ax`` (a new Figure without one).

    ``animated=True`` leaves the per-design artists (curves, bands, title, legend) out of a full
    draw, for :class:`LivePlot` to draw over its cached axes.
    """

    def __init__(self, ax=None, *, animated: bool = False):
        use_course_fonts()
        if ax is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=FIG_SIZE, dpi=100)
            fig.subplots_adjust(**FIG_MARGINS)  # fixed margins: constrained layout costs ~100 ms per redraw
            ax = fig.add_subplot()
        self.ax, self.fig, self.animated = ax, ax.figure, animated
        self.lines = [ax.plot([], [], lw=1.8, animated=animated, **style)[0] for style in STYLES]
        self.bands = [ax.axvspan(0, 1, color=style["color"], alpha=0.08, animated=animated, visible=False)
                      for style in STYLES]
        self.band_text = ax.text(0.005, 0.02, "", ha="left", va="bottom", fontsize=8, color=STYLES[0]["color"],
                                 transform=ax.transAxes, animated=animated, visible=False)
        ax.title.set_animated(animated)
        ax.grid(alpha=0.3)

    @property
    def lines_drawn(self) -> int:
        return sum(1 for line in self.lines if line.get_visible())

    @staticmethod
    def axes_key(designs: Sequence, log: bool) -> tuple:
        """What the axes depend on: (x max, y limits, log scale, language)."""
        xmax = max(max(d.total_steps - 1, 1) for d in designs)
        peak = max(d.stats()["peak"] for d in designs)
        if log:
            positive = [float(d.lrs[d.lrs > 0].min()) for d in designs if np.any(d.lrs > 0)]
            low = max(min(positive, default=peak), peak * 1e-6)  # at most six decades: the shape, not 1e-230
            ylim = (low / 2, peak * 2)
        else:
            ylim = (0.0, peak * 1.05 if peak > 0 else 1.0)
        return xmax, ylim, bool(log), i18n.get_language()

    def set_axes(self, key: tuple) -> None:
        """Scale, limits, ticks and axis labels for an :meth:`axes_key`."""
        xmax, ylim, log, _ = key
        ax = self.ax
        ax.set_yscale("log" if log else "linear")
        ax.set_xlim(0, xmax)
        ax.set_ylim(*ylim)
        if not log:
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3), useMathText=True)
        ax.xaxis.set_major_formatter(step_formatter())
        ax.set_xlabel(i18n.t("designer.plot.x"))
        ax.set_ylabel(i18n.t("designer.plot.y"))

    def set_curves(self, designs: Sequence, points: int = 1200) -> list:
        """The curves, warmup bands, title and legend of ``designs``; returns the artists drawn."""
        ax, two = self.ax, len(designs) > 1
        for i, (line, band) in enumerate(zip(self.lines, self.bands)):
            d = designs[i] if i < len(designs) else None
            w = d.inputs["warmup_steps"] if d is not None else 0
            line.set_visible(d is not None)
            band.set_visible(bool(w))
            if d is None:
                continue
            line.set_data(*envelope(d.lrs, points))
            extra = f" (lr={d.inputs['lr']:.2g}, warmup={w})" if two else ""
            line.set_label(f"{'AB'[i]}: {d.name()}{extra}" if two else d.name())
            if w:
                band.set_x(0)
                band.set_width(min(w, d.total_steps - 1))
        self.band_text.set_visible(self.bands[0].get_visible())
        self.band_text.set_text(" " + i18n.t("designer.plot.warmup"))
        ax.set_title(i18n.t("designer.plot.compare") if two else i18n.t("designer.plot.title", name=designs[0].name()))
        drawn = [band for band in self.bands if band.get_visible()] + [self.band_text]
        drawn += [line for line in self.lines if line.get_visible()] + [ax.title]
        if two:  # one design: the title names it (a legend costs ~10 ms per redraw)
            legend = ax.legend(handles=[ln for ln in self.lines if ln.get_visible()], loc="lower left",
                               bbox_to_anchor=(0.05, 0.1), fontsize=9, framealpha=0.9)  # not "best": slow
            legend.set_animated(self.animated)
            drawn.append(legend)
        elif ax.get_legend() is not None:
            ax.get_legend().remove()
        return drawn

    def draw(self, designs: Sequence, *, log: bool = False, points: int = 1200):
        """Axes and curves for ``designs``; returns the Figure."""
        self.set_axes(self.axes_key(designs, log))
        self.set_curves(designs, points)
        return self.fig


class LivePlot(CurvePlot):
    """The widget's plot: :meth:`render` returns a PNG, redrawing the axes only when they change."""

    def __init__(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        super().__init__(animated=True)
        self.canvas = FigureCanvasAgg(self.fig)
        self._key = None
        self._background = None

    def render(self, designs: Sequence, *, log: bool = False) -> bytes:
        from PIL import Image

        key = self.axes_key(designs, log)
        if key != self._key:
            self.set_axes(key)
            self.canvas.draw()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._key = key
        else:
            self.canvas.restore_region(self._background)
        for artist in self.set_curves(designs):
            self.ax.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        # zlib level 1 with the run-length strategy (compress_type=3, Z_RLE): ~3x faster than the
        # default for plots (long runs of one colour), at about the same size
        image.convert("RGB").save(out, format="png", compress_level=1, compress_type=3)
        return out.getvalue()


def plot_designs(designs: Sequence, ax=None, *, log: bool = False, points: int = 1200):
    """Draw one or two designs (the second dashed) on ``ax`` (or a new Figure); returns the Figure."""
    return CurvePlot(ax).draw(designs, log=log, points=points)


def compare(a, b, *, log: bool = False):
    """Overlay two designs (B dashed); returns the matplotlib Figure."""
    return plot_designs([a, b], log=log)


def figure_png(fig, dpi: int = 100) -> bytes:
    """The Figure as PNG bytes (Agg; no pyplot, so nothing is displayed twice in a notebook)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    # compress_level=1: a few times faster to encode than the default, for a slightly larger file
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()
