"""Support code of lesson 02 (the common schedules): the interactive explorer and PyTorch side by side.

- :func:`schedule_explorer`: ipywidgets sliders over every schedule of :mod:`lrcourse.schedules`;
  :func:`build_schedule` (with :data:`EXPLORER_KINDS`) is its pure part, usable on its own.
- :func:`pytorch_lrs`: the LR a real PyTorch optimizer uses under a PyTorch scheduler, so the
  notebook can draw both libraries' curves from real runs.

Every text a learner sees goes through :mod:`lrcourse.i18n`; the messages (the explorer's labels
and the plot titles of notebook 02, keys ``demos.*``; the lines and legends that notebook 02's own
code cells print, keys ``l02.*``) are in ``lrcourse/locale/l02_schedules.toml``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .. import i18n
from .. import schedules as S
from ..schedules import kinds

i18n.load("l02_schedules")


# --------------------------------------------------------------------------- the explorer


class _Sliders(NamedTuple):
    """The explorer's slider values, as build_schedule receives them."""

    lr: float
    total_steps: int
    warm: int  # the warmup, cut to leave at least one step after it
    lr_min: float
    gamma: float
    step_size: int
    share: float

    @property
    def cycle(self) -> int:
        return max(1, int(round(self.share * self.total_steps)))


def _cyclic(mode: str):
    def params(v: _Sliders) -> dict:
        per_step = v.gamma ** (1.0 / v.total_steps) if mode == "exp_range" else 1.0
        return {"lr_min": max(v.lr_min, v.lr / 10), "cycle_steps": max(1, v.cycle // 2), "mode": mode,
                "gamma": per_step}

    return params


def _wsd(v: _Sliders) -> dict:
    # warmup, stable, then a decay taking `share` of the steps after the warmup
    decay_steps = max(1, int(round(v.share * max(2, v.total_steps - v.warm))))
    return {"warmup_steps": v.warm, "decay_steps": decay_steps, "lr_min": v.lr_min, "decay": "1-sqrt"}


#: How the explorer shows each built-in kind: explorer name -> (kind in lrcourse.schedules.kinds, the
#: kind's arguments for the sliders' values). A kind registered there and shown by no entry here is
#: listed after these, built from lr, total_steps, the warmup and lr_min.
_PRESETS: dict[str, tuple[str, Callable[[_Sliders], dict]]] = {
    "constant": ("constant", lambda v: {}),
    "step_decay": ("step", lambda v: {"step_size": v.step_size, "gamma": v.gamma}),
    # gamma is the factor over the whole run; the per-step factor is its total_steps-th root
    "exponential": ("exponential", lambda v: {"gamma": v.gamma ** (1.0 / v.total_steps)}),
    "cosine": ("cosine", lambda v: {"lr_min": v.lr_min}),
    "polynomial": ("polynomial", lambda v: {"power": 2.0, "lr_min": v.lr_min}),
    "warmup_linear": ("linear", lambda v: {"warmup_steps": v.warm}),
    "warmup_cosine": ("cosine", lambda v: {"warmup_steps": v.warm, "lr_min": v.lr_min}),
    "inverse_sqrt": ("inverse_sqrt", lambda v: {"warmup_steps": max(1, v.warm)}),
    **{f"cyclic ({mode})": ("cyclic", _cyclic(mode)) for mode in ("triangular", "triangular2", "exp_range")},
    "one_cycle": ("one_cycle", lambda v: {"pct_start": min(max(v.share, 0.05), 0.95)}),
    "sgdr": ("sgdr", lambda v: {"t_0": v.cycle, "t_mult": 2, "lr_min": v.lr_min}),
    "wsd": ("wsd", _wsd),
}


def explorer_kinds() -> tuple[str, ...]:
    """What the explorer offers: its presets, then every registered kind that none of them shows."""
    shown = {kind for kind, _ in _PRESETS.values()}
    return tuple(_PRESETS) + tuple(k for k in kinds.names() if k not in shown)


def __getattr__(name):
    # EXPLORER_KINDS follows the registry: a kind registered later is offered too.
    if name == "EXPLORER_KINDS":
        return explorer_kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_schedule(kind: str, lr: float = 1e-3, total_steps: int = 10_000, warmup_steps: int = 1_000,
                   lr_min_ratio: float = 0.0, gamma: float = 0.5, step_size: int = 3_000,
                   share: float = 0.3) -> S.Schedule:
    """The schedule the explorer shows for one setting of its sliders (also usable on its own).

    ``kind`` is one of :data:`EXPLORER_KINDS`. ``share`` is one-cycle's
    ``pct_start``, WSD's decay share of the steps after warmup, and the cycle
    length of cyclic (half-cycle) and SGDR (``t_0``) as a share of
    ``total_steps``. ``gamma`` is step decay's factor per drop; for exponential
    decay and cyclic exp_range it is the factor over the whole run (the
    per-step factor ``gamma^(1/total_steps)`` is derived from it). A registered
    kind without a preset gets ``lr``, ``total_steps``, the warmup and ``lr_min``.
    """
    if kind not in explorer_kinds():
        raise ValueError(f"kind={kind!r} is not known; use one of {list(explorer_kinds())}")
    v = _Sliders(lr, total_steps, min(int(warmup_steps), total_steps - 1), lr * lr_min_ratio, gamma, step_size, share)
    if kind in _PRESETS:
        name, params = _PRESETS[kind]
        return kinds.build(name, lr=lr, total_steps=total_steps, **params(v))
    takes_lr_min = "lr_min" in kinds.get(kind).param_names and v.lr_min > 0
    return kinds.build(kind, lr=lr, total_steps=total_steps, warmup_steps=v.warm,
                       **({"lr_min": v.lr_min} if takes_lr_min else {}))


def schedule_explorer(kind: str = "warmup_cosine", total_steps: int = 10_000):
    """An interactive explorer: pick a schedule, move the sliders, watch the curve.

    Returns an ipywidgets box (display it, or leave it as a cell's last line).
    Without a running kernel (a static view of the notebook) the widgets show
    as text; the plot needs JupyterLab or Voila.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    from ..plotting import plot_schedules

    if kind not in explorer_kinds():
        raise ValueError(f"kind={kind!r} is not known; use one of {list(explorer_kinds())}")
    style = {"description_width": "110px"}
    layout = w.Layout(width="420px")
    controls = {
        "kind": w.Dropdown(options=explorer_kinds(), value=kind, description=i18n.t("demos.kind"), style=style),
        "lr": w.FloatLogSlider(value=1e-3, base=10, min=-5, max=0, step=0.1, description="lr",
                               readout_format=".1e", style=style, layout=layout),
        "total_steps": w.IntSlider(value=total_steps, min=100, max=50_000, step=100,
                                   description=i18n.t("demos.total"), style=style, layout=layout),
        "warmup_steps": w.IntSlider(value=total_steps // 10, min=0, max=20_000, step=50,
                                    description=i18n.t("demos.warmup"), style=style, layout=layout),
        "lr_min_ratio": w.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.01,
                                      description=i18n.t("demos.lr_min_ratio"), style=style, layout=layout),
        "gamma": w.FloatSlider(value=0.5, min=0.01, max=0.99, step=0.01,
                               description=i18n.t("demos.gamma"), style=style, layout=layout),
        "step_size": w.IntSlider(value=total_steps // 3, min=10, max=20_000, step=10,
                                 description=i18n.t("demos.step_size"), style=style, layout=layout),
        "share": w.FloatSlider(value=0.3, min=0.02, max=0.98, step=0.01,
                               description=i18n.t("demos.pct"), style=style, layout=layout),
        "log": w.Checkbox(value=False, description=i18n.t("demos.log")),
    }
    out = w.Output()

    def draw(kind, lr, total_steps, warmup_steps, lr_min_ratio, gamma, step_size, share, log):
        with out:
            out.clear_output(wait=True)
            try:
                schedule = build_schedule(kind, lr, total_steps, warmup_steps, lr_min_ratio, gamma, step_size, share)
            except (ValueError, TypeError) as err:  # show the package's own message, do not crash the widget
                print(err)
                return
            print(repr(schedule))
            fig = plot_schedules({kind: schedule}, total_steps, log=bool(log))
            display(fig)
            plt.close(fig)

    w.interactive_output(draw, controls)
    help_text = w.HTML(f"<small>{i18n.t('demos.explorer_help')}</small>")
    left = w.VBox([controls[k] for k in ("kind", "lr", "total_steps", "warmup_steps", "lr_min_ratio")])
    right = w.VBox([controls[k] for k in ("gamma", "step_size", "share", "log")])
    return w.VBox([w.HBox([left, right]), help_text, out])


# --------------------------------------------------------------------------- PyTorch side by side


def pytorch_lrs(make_scheduler: Callable, steps: int, lr: float = 1.0, optimizer: str = "sgd"):
    """``(lrs, error)`` of :func:`lrcourse.schedules.lrs_used` (see there): the LR a real PyTorch
    optimizer uses at updates 0 … steps−1, and the error of a scheduler stepped past its end."""
    probe = S.lrs_used(make_scheduler, steps, lr=lr, optimizer=optimizer, record_warnings=False)
    return probe.lrs, probe.error
