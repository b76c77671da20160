"""The LR Schedule Designer as an ipywidgets app (in the notebook, and as a web app with Voilà).

    >>> from lrcourse.designer.widget import DesignerApp
    >>> app = DesignerApp(total_steps=10_000)
    >>> app            # in a notebook cell: the controls, the curve, the advice and the code

Every change of a control redraws the curve, the recommendations and warnings and
the exported code. The curve is the designer's one plot (:mod:`lrcourse.designer.plot`)
in its live form, sent as a PNG. "Pin as B" keeps the current design as a dashed
comparison curve. The schedule menu lists the registered kinds
(:func:`lrcourse.schedules.kinds.names`), and a control shows only for the kinds that take it.

The widgets carry CSS classes (``lrd-schedule``, ``lrd-plot``, ``lrd-advice``, ...)
that the browser test in ``tests/test_browser.py`` uses.
"""

from __future__ import annotations

import base64
import html
import time

import ipywidgets as W

from .. import i18n
from ..schedules import kinds
from ..schedules.export import EXPORT_TARGETS
from . import render
from .core import TASKS, design
from .plot import LivePlot

i18n.load("designer")

# lr_min as a share of the peak; "default" lets design() choose (0, or lr/4 for the cyclical LR, lr/100 for exponential)
_LR_MIN_CHOICES = (("default", "default"), (0.0, "0"), (1e-3, "lr/1000"), (1e-2, "lr/100"), (1e-1, "lr/10"))
MAX_STEPS = 10_000_000


class DesignerApp:
    """The designer's UI. ``controls`` (dict of widgets), ``plot`` (Image), ``advice`` (HTML),
    ``code`` (dict target -> HTML), ``design_a``/``design_b`` (the current and pinned designs),
    ``last_ms`` (the time of the last redraw)."""

    def __init__(self, schedule="cosine", lr=1e-3, total_steps=10_000, warmup_steps=0, optimizer="adamw",
                 task="other", finder=None, log=False):
        self.finder = finder
        t = i18n.t
        wide = {"description_width": "110px"}
        self.controls = {
            "schedule": W.Dropdown(
                options=[(kinds.label(k), k) for k in kinds.names()], value=kinds.get(schedule).name,
                description=t("designer.ui.schedule"), style=wide),
            "lr": W.FloatLogSlider(value=lr, base=10, min=-6, max=0, step=0.05, readout_format=".1e",
                                   description=t("designer.ui.lr"), continuous_update=False, style=wide),
            "warmup_steps": W.BoundedIntText(value=warmup_steps, min=0, max=MAX_STEPS,
                                             description=t("designer.ui.warmup"), style=wide),
            "total_steps": W.BoundedIntText(value=total_steps, min=1, max=MAX_STEPS,
                                            description=t("designer.ui.total"), style=wide),
            "optimizer": W.Dropdown(options=[("SGD", "sgd"), ("Adam", "adam"), ("AdamW", "adamw")], value=optimizer,
                                    description=t("designer.ui.optimizer"), style=wide),
            "task": W.Dropdown(options=[(t(f"designer.task.{k}"), k) for k in TASKS], value=task,
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

        self.renderer = LivePlot()
        self.fig, self.ax = self.renderer.fig, self.renderer.ax
        self.plot = W.Image(format="png", layout=W.Layout(width="800px", max_width="100%"))
        self.plot.add_class("lrd-plot")
        self.advice = W.HTML()
        self.advice.add_class("lrd-advice")
        self.comparison = W.HTML()
        self.status = W.HTML()
        self.status.add_class("lrd-status")
        self.code = {k: W.HTML() for k in EXPORT_TARGETS}
        tabs = W.Tab(children=[self.code[k] for k in EXPORT_TARGETS])
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
        """The arguments of :func:`~lrcourse.designer.design` that the controls say."""
        c = self.controls
        kind = kinds.get(c["schedule"].value)
        lr = float(c["lr"].value)
        ratio = c["lr_min"].value
        kw = dict(schedule=kind.name, lr=lr, total_steps=int(c["total_steps"].value),
                  warmup_steps=int(c["warmup_steps"].value), optimizer=c["optimizer"].value, task=c["task"].value,
                  finder=self.finder)
        lr_min = next((p for p in kind.params if p.name == "lr_min"), None)
        # an optional lr_min (exponential's target, the cyclical LR's base) cannot be 0: "0" keeps the default
        if ratio != "default" and lr_min is not None and (ratio > 0 or lr_min.default is not None):
            kw["lr_min"] = lr * ratio
        if "milestones" in kind.param_names:
            kw["milestones"] = self._milestones()
        return kw

    def _changed(self, change=None):
        takes_milestones = "milestones" in kinds.get(self.controls["schedule"].value).param_names
        self.controls["milestones"].layout.display = None if takes_milestones else "none"
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
            d = design(**self.current_kwargs())
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
        self.comparison.value = render.comparison_html(d, self.design_b)
        for target, widget in self.code.items():
            widget.value = f'<pre style="font-size:12px;line-height:1.35">{html.escape(d.to_code(target))}</pre>'
        self.last_ms = (time.perf_counter() - start) * 1000
        self.status.value = (
            f'<small style="color:#666">{html.escape(i18n.t("designer.ui.status", ms=self.last_ms, steps=d.total_steps))}</small>'
        )
