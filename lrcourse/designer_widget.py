"""The LR Schedule Designer as an ipywidgets app (in the notebook, and as a web app with Voilà).

    >>> from lrcourse.designer_widget import DesignerApp
    >>> app = DesignerApp(total_steps=10_000)
    >>> app            # in a notebook cell: the controls, the curve, the advice and the code

Every change of a control redraws the curve, the recommendations and warnings and
the exported code. The curve is drawn from a min/max envelope of the LR (at most
~2,400 vertices whatever the run length, so a spike never disappears) on one
persistent Agg figure and sent as a PNG, which keeps an update well under 100 ms
even at 10^6 steps (see ``benchmarks/designer.py``). "Pin as B" keeps the current
design as a dashed comparison curve.

The widgets carry CSS classes (``lrd-schedule``, ``lrd-plot``, ``lrd-advice``, ...)
that the browser test in ``tests/test_browser.py`` uses.
"""

from __future__ import annotations

import html
import io
import time

import ipywidgets as W
import numpy as np

from . import designer as D
from . import i18n

i18n.register(
    {
        "designer.ui.schedule": {"en": "schedule", "bn": "শিডিউল"},
        "designer.ui.lr": {"en": "peak LR", "bn": "সর্বোচ্চ LR"},
        "designer.ui.warmup": {"en": "warmup steps", "bn": "warmup ধাপ"},
        "designer.ui.total": {"en": "total steps", "bn": "মোট ধাপ"},
        "designer.ui.optimizer": {"en": "optimizer", "bn": "optimizer"},
        "designer.ui.task": {"en": "task", "bn": "কাজ (task)"},
        "designer.ui.lr_min": {"en": "lr_min", "bn": "lr_min"},
        "designer.ui.milestones": {"en": "milestones", "bn": "milestones"},
        "designer.ui.milestones_hint": {"en": "empty = 50%, 75% of the run", "bn": "খালি = run-এর 50%, 75%"},
        "designer.ui.log": {"en": "log scale", "bn": "লগ স্কেল (log)"},
        "designer.ui.pin": {"en": "Pin as B (compare)", "bn": "B হিসেবে রাখুন (তুলনা)"},
        "designer.ui.clear": {"en": "Clear B", "bn": "B মুছুন"},
        "designer.ui.status": {"en": "redrawn in {ms:.0f} ms ({steps:,} steps)",
                               "bn": "{ms:.0f} ms-এ আবার আঁকা হয়েছে ({steps:,} ধাপ)"},
        "designer.ui.error": {"en": "Cannot build this design: {error}", "bn": "এই ডিজাইন তৈরি করা যাচ্ছে না: {error}"},
        "designer.ui.compare": {"en": "A (solid) vs B (dashed)", "bn": "A (টানা রেখা) বনাম B (ড্যাশ রেখা)"},
        "designer.ui.peak": {"en": "peak LR", "bn": "সর্বোচ্চ LR"},
        "designer.ui.last": {"en": "last LR", "bn": "শেষ LR"},
        "designer.ui.mean": {"en": "mean LR", "bn": "গড় LR"},
        "designer.ui.warnings": {"en": "warnings", "bn": "সতর্কবার্তা"},
        "designer.ui.code": {"en": "Code that reproduces this curve", "bn": "এই রেখাটি হুবহু তৈরি করার কোড"},
    }
)

# lr_min as a share of the peak; "default" lets design() choose (0, or lr/4 for the cyclical LR, lr/100 for exponential)
_LR_MIN_CHOICES = (("default", "default"), (0.0, "0"), (1e-3, "lr/1000"), (1e-2, "lr/100"), (1e-1, "lr/10"))
MAX_STEPS = 10_000_000


class DesignerApp:
    """The designer's UI. ``controls`` (dict of widgets), ``plot`` (Image), ``advice`` (HTML),
    ``code`` (dict target -> HTML), ``design_a``/``design_b`` (the current and pinned designs),
    ``last_ms`` (the time of the last redraw)."""

    def __init__(self, schedule="cosine", lr=1e-3, total_steps=10_000, warmup_steps=0, optimizer="adamw",
                 task="other", finder=None, log=False):
        D._use_fonts()
        self.finder = finder
        t = i18n.t
        wide = {"description_width": "110px"}
        self.controls = {
            "schedule": W.Dropdown(
                options=[(t(f"designer.schedule.{k}"), k) for k in D.SCHEDULE_TYPES], value=schedule,
                description=t("designer.ui.schedule"), style=wide),
            "lr": W.FloatLogSlider(value=lr, base=10, min=-6, max=0, step=0.05, readout_format=".1e",
                                   description=t("designer.ui.lr"), continuous_update=False, style=wide),
            "warmup_steps": W.BoundedIntText(value=warmup_steps, min=0, max=MAX_STEPS,
                                             description=t("designer.ui.warmup"), style=wide),
            "total_steps": W.BoundedIntText(value=total_steps, min=1, max=MAX_STEPS,
                                            description=t("designer.ui.total"), style=wide),
            "optimizer": W.Dropdown(options=[("SGD", "sgd"), ("Adam", "adam"), ("AdamW", "adamw")], value=optimizer,
                                    description=t("designer.ui.optimizer"), style=wide),
            "task": W.Dropdown(options=[(t(f"designer.task.{k}"), k) for k in D.TASKS], value=task,
                               description=t("designer.ui.task"), style=wide),
            "lr_min": W.Dropdown(options=[(label, v) for v, label in _LR_MIN_CHOICES], value="default",
                                 description=t("designer.ui.lr_min"), style=wide),
            "milestones": W.Text(value="", placeholder=t("designer.ui.milestones_hint"),
                                 description=t("designer.ui.milestones"), style=wide),
            "log": W.Checkbox(value=log, description=t("designer.ui.log"), indent=False),
        }
        for name, widget in self.controls.items():
            widget.add_class(f"lrd-{name.replace('_', '-')}")
            widget.observe(self._changed, names="value")
        self.pin_button = W.Button(description=t("designer.ui.pin"), icon="thumb-tack")
        self.clear_button = W.Button(description=t("designer.ui.clear"), disabled=True)
        self.pin_button.add_class("lrd-pin")
        self.clear_button.add_class("lrd-clear")
        self.pin_button.on_click(lambda _: self.pin())
        self.clear_button.on_click(lambda _: self.clear())

        self.renderer = FastPlot()
        self.fig, self.ax = self.renderer.fig, self.renderer.ax
        self.plot = W.Image(format="png", layout=W.Layout(width="800px", max_width="100%"))
        self.plot.add_class("lrd-plot")
        self.advice = W.HTML()
        self.advice.add_class("lrd-advice")
        self.comparison = W.HTML()
        self.status = W.HTML()
        self.status.add_class("lrd-status")
        self.code = {k: W.HTML() for k in D.EXPORT_TARGETS}
        tabs = W.Tab(children=[self.code[k] for k in D.EXPORT_TARGETS])
        for i, title in enumerate(("lrcourse", "PyTorch", "Hugging Face")):
            tabs.set_title(i, title)
        tabs.add_class("lrd-code")

        c = self.controls
        left = W.VBox([c["schedule"], c["lr"], c["warmup_steps"], c["total_steps"], c["lr_min"]])
        right = W.VBox([c["optimizer"], c["task"], c["milestones"], c["log"],
                        W.HBox([self.pin_button, self.clear_button])])
        self.widget = W.VBox(
            [W.HBox([left, right]), self.plot, self.status, self.comparison, self.advice,
             W.HTML(f"<b>{html.escape(t('designer.ui.code'))}</b>"), tabs],
            layout=W.Layout(max_width="980px"),
        )
        self.widget.add_class("lrd-app")
        self.design_a = None
        self.design_b = None
        self.last_ms = float("nan")
        self._changed()

    # -- display
    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a still PNG of the curve and a one-line text for viewers without
        widgets (GitHub, a saved notebook opened without a kernel)."""
        import base64

        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        if self.plot.value:
            bundle["image/png"] = base64.b64encode(self.plot.value).decode("ascii")
        if self.design_a is not None:
            bundle["text/plain"] = f"LR Schedule Designer: {self.design_a!r}"
        return bundle

    # -- state
    def _milestones(self):
        text = self.controls["milestones"].value.strip()
        if not text:
            return None
        try:
            return [int(float(x)) for x in text.replace(";", ",").replace(" ", ",").split(",") if x]
        except ValueError:
            raise ValueError(f"milestones={text!r} must be whole numbers separated by commas, e.g. 5000, 7500") from None

    def current_kwargs(self) -> dict:
        c = self.controls
        kind = c["schedule"].value
        lr = float(c["lr"].value)
        ratio = c["lr_min"].value
        kw = dict(schedule=kind, lr=lr, total_steps=int(c["total_steps"].value),
                  warmup_steps=int(c["warmup_steps"].value), optimizer=c["optimizer"].value, task=c["task"].value,
                  finder=self.finder)
        if ratio != "default" and kind in ("cosine", "linear", "polynomial", "wsd", "sgdr", "exponential", "cyclic"):
            if not (kind in ("exponential", "cyclic") and ratio == 0.0):
                kw["lr_min"] = lr * ratio
        if kind == "step":
            kw["milestones"] = self._milestones()
        return kw

    def _changed(self, change=None):
        c = self.controls
        c["milestones"].layout.display = None if c["schedule"].value == "step" else "none"
        self.update()

    def pin(self):
        """Keep the current design as B (dashed) for comparison."""
        if self.design_a is not None:
            self.design_b = self.design_a
            self.clear_button.disabled = False
            self.update()

    def clear(self):
        self.design_b = None
        self.clear_button.disabled = True
        self.update()

    # -- drawing
    def update(self):
        start = time.perf_counter()
        try:
            d = D.design(**self.current_kwargs())
        except (ValueError, TypeError) as exc:
            self.advice.value = (
                f'<div style="color:#b3261e"><b>{html.escape(i18n.t("designer.ui.error", error=str(exc)))}</b></div>'
            )
            self.status.value = ""
            return
        self.design_a = d
        designs = [d] if self.design_b is None else [d, self.design_b]
        self.plot.value = self.renderer.render(designs, log=self.controls["log"].value)
        self.advice.value = d.html()
        self.comparison.value = self._comparison_html(d, self.design_b)
        for target, widget in self.code.items():
            widget.value = f'<pre style="font-size:12px;line-height:1.35">{html.escape(d.to_code(target))}</pre>'
        self.last_ms = (time.perf_counter() - start) * 1000
        self.status.value = (
            f'<small style="color:#666">{html.escape(i18n.t("designer.ui.status", ms=self.last_ms, steps=d.total_steps))}</small>'
        )

    @staticmethod
    def _comparison_html(a, b) -> str:
        if b is None:
            return ""
        t = i18n.t
        sa, sb = a.stats(), b.stats()
        rows = [(t("designer.ui.peak"), f"{sa['peak']:.3g}", f"{sb['peak']:.3g}"),
                (t("designer.ui.last"), f"{sa['last']:.3g}", f"{sb['last']:.3g}"),
                (t("designer.ui.mean"), f"{sa['mean']:.3g}", f"{sb['mean']:.3g}"),
                (t("designer.ui.warnings"), str(len(a.warnings)), str(len(b.warnings)))]
        td = 'style="padding:1px 14px 1px 0"'
        body = "".join(f"<tr><td {td}>{html.escape(r[0])}</td><td {td}>{r[1]}</td><td {td}>{r[2]}</td></tr>"
                       for r in rows)
        return (f'<div class="lrd-comparison"><b>{html.escape(t("designer.ui.compare"))}</b>'
                f'<table style="border-collapse:collapse;line-height:1.3"><tr><th></th>'
                f'<th {td}>A: {html.escape(a.name())}</th><th {td}>B: {html.escape(b.name())}</th></tr>{body}'
                "</table></div>")


class FastPlot:
    """Draws one or two designs into a PNG, fast enough for a live widget at 10^6 steps.

    The same picture as :func:`lrcourse.designer.plot_designs`, but the axes, ticks, labels and
    grid (the expensive part of a Matplotlib draw) are rendered once per (x range, y range,
    scale, language) and kept as a bitmap; each update restores that bitmap and draws only the
    curves, the warmup band, the title and the legend on top (Matplotlib's "blitting").
    """

    def __init__(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        D._use_fonts()
        self.fig = Figure(figsize=(8, 3.6), dpi=100)
        self.fig.subplots_adjust(**D.FIG_MARGINS)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = ax = self.fig.add_subplot()
        self.lines = [ax.plot([], [], lw=1.8, animated=True, **style)[0] for style in D.STYLES]
        self.band = ax.axvspan(0, 1, color=D.STYLES[0]["color"], alpha=0.08, animated=True)
        self.band_text = ax.text(0.005, 0.02, "", ha="left", va="bottom", fontsize=8, color=D.STYLES[0]["color"],
                                 transform=ax.transAxes, animated=True)
        ax.title.set_animated(True)
        ax.grid(alpha=0.3)
        self._key = None
        self._background = None

    @property
    def lines_drawn(self) -> int:
        return sum(1 for line in self.lines if line.get_visible())

    def _limits(self, designs, log):
        xmax = max(max(d.total_steps - 1, 1) for d in designs)
        peak = max(d.stats()["peak"] for d in designs)
        if log:
            positive = [float(d.lrs[d.lrs > 0].min()) for d in designs if np.any(d.lrs > 0)]
            low = max(min(positive, default=peak), peak * 1e-6)
            return xmax, (low / 2, peak * 2)
        return xmax, (0.0, peak * 1.05 if peak > 0 else 1.0)

    def render(self, designs, *, log: bool = False) -> bytes:
        from PIL import Image

        ax = self.ax
        xmax, ylim = self._limits(designs, log)
        key = (xmax, ylim, bool(log), i18n.get_language())
        if key != self._key:
            ax.set_yscale("log" if log else "linear")
            ax.set_xlim(0, xmax)
            ax.set_ylim(*ylim)
            if not log:
                ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3), useMathText=True)
            ax.xaxis.set_major_formatter(D._step_formatter())
            ax.set_xlabel(i18n.t("designer.plot.x"))
            ax.set_ylabel(i18n.t("designer.plot.y"))
            self.canvas.draw()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._key = key
        else:
            self.canvas.restore_region(self._background)

        for i, line in enumerate(self.lines):
            if i < len(designs):
                x, y = D._envelope(designs[i].lrs, 1200)
                line.set_data(x, y)
                extra = (f" (lr={designs[i].inputs['lr']:.2g}, warmup={designs[i].inputs['warmup_steps']})"
                         if len(designs) > 1 else "")
                line.set_label(f"{'AB'[i]}: {designs[i].name()}{extra}" if len(designs) > 1 else designs[i].name())
                line.set_visible(True)
            else:
                line.set_visible(False)
        w = designs[0].inputs["warmup_steps"]
        self.band.set_visible(bool(w))
        self.band_text.set_visible(bool(w))
        if w:
            self.band.set_x(0)
            self.band.set_width(min(w, designs[0].total_steps - 1))
            self.band_text.set_text(" " + i18n.t("designer.plot.warmup"))
        ax.set_title(i18n.t("designer.plot.compare") if len(designs) > 1
                     else i18n.t("designer.plot.title", name=designs[0].name()))
        artists = [self.band, self.band_text, *[ln for ln in self.lines if ln.get_visible()], ax.title]
        if len(designs) > 1:
            legend = ax.legend(handles=[ln for ln in self.lines if ln.get_visible()], loc="lower left",
                               bbox_to_anchor=(0.05, 0.1), fontsize=9, framealpha=0.9)
            legend.set_animated(True)
            artists.append(legend)
        elif ax.get_legend() is not None:
            ax.get_legend().remove()
        for artist in artists:
            ax.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        # zlib level 1 with the run-length strategy (compress_type=3, Z_RLE): ~3x faster than the
        # default for plots (long runs of one colour), at about the same size
        image.convert("RGB").save(out, format="png", compress_level=1, compress_type=3)
        return out.getvalue()
