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
import time

import ipywidgets as W

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
        "designer.ui.milestones_hint": {"en": "e.g. 5000, 7500 (empty: 50% and 75%)",
                                        "bn": "যেমন 5000, 7500 (খালি: 50% ও 75%)"},
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

_LR_MIN_CHOICES = ((None, "default"), (0.0, "0"), (1e-3, "lr/1000"), (1e-2, "lr/100"), (1e-1, "lr/10"))
MAX_STEPS = 10_000_000


class DesignerApp:
    """The designer's UI. ``controls`` (dict of widgets), ``plot`` (Image), ``advice`` (HTML),
    ``code`` (dict target -> HTML), ``design_a``/``design_b`` (the current and pinned designs),
    ``last_ms`` (the time of the last redraw)."""

    def __init__(self, schedule="cosine", lr=1e-3, total_steps=10_000, warmup_steps=0, optimizer="adamw",
                 task="other", finder=None, log=False):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

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
            "lr_min": W.Dropdown(options=[(label, v) for v, label in _LR_MIN_CHOICES], value=None,
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

        self.fig = Figure(figsize=(8, 3.6), dpi=100)
        self.fig.subplots_adjust(**D.FIG_MARGINS)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
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
        self.update()

    # -- display
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

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
        if ratio is not None and kind in ("cosine", "linear", "polynomial", "wsd", "sgdr", "exponential", "cyclic"):
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
        self.ax.clear()
        designs = [d] if self.design_b is None else [d, self.design_b]
        D.plot_designs(designs, ax=self.ax, log=self.controls["log"].value)
        self.plot.value = D.figure_png(self.fig)
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
        body = "".join(f"<tr><td>{html.escape(r[0])}</td><td>{r[1]}</td><td>{r[2]}</td></tr>" for r in rows)
        return (f'<div class="lrd-comparison"><b>{html.escape(t("designer.ui.compare"))}</b>'
                f'<table style="border-collapse:collapse"><tr><th></th><th>A: {html.escape(a.name())}</th>'
                f"<th>B: {html.escape(b.name())}</th></tr>{body}</table></div>")
