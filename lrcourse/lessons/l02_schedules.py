"""Support code of lesson 02 (the common schedules): the interactive explorer and PyTorch side by side.

- :func:`schedule_explorer`: ipywidgets sliders over every schedule of :mod:`lrcourse.schedules`;
  :func:`build_schedule` (with :data:`EXPLORER_KINDS`) is its pure part, usable on its own.
- :func:`pytorch_lrs`: the LR a real PyTorch optimizer uses under a PyTorch scheduler, so the
  notebook can draw both libraries' curves from real runs.

Every text a learner sees goes through :mod:`lrcourse.i18n`; the messages (the explorer's labels
and the plot titles of notebook 02) are in ``lrcourse/locale/l02_schedules.toml`` (keys ``demos.*``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import i18n
from .. import schedules as S

i18n.load("l02_schedules")


# --------------------------------------------------------------------------- the explorer

EXPLORER_KINDS = (
    "constant", "step_decay", "exponential", "cosine", "polynomial", "warmup_linear", "warmup_cosine",
    "inverse_sqrt", "cyclic (triangular)", "cyclic (triangular2)", "cyclic (exp_range)", "one_cycle",
    "sgdr", "wsd",
)


def build_schedule(kind: str, lr: float = 1e-3, total_steps: int = 10_000, warmup_steps: int = 1_000,
                   lr_min_ratio: float = 0.0, gamma: float = 0.5, step_size: int = 3_000,
                   share: float = 0.3) -> S.Schedule:
    """The schedule the explorer shows for one setting of its sliders (also usable on its own).

    ``kind`` is one of :data:`EXPLORER_KINDS`. ``share`` is one-cycle's
    ``pct_start``, WSD's decay share of the steps after warmup, and the cycle
    length of cyclic (half-cycle) and SGDR (``t_0``) as a share of
    ``total_steps``. ``gamma`` is step decay's factor per drop; for exponential
    decay and cyclic exp_range it is the factor over the whole run (the
    per-step factor ``gamma^(1/total_steps)`` is derived from it).
    """
    if kind not in EXPLORER_KINDS:
        raise ValueError(f"kind={kind!r} is not known; use one of {list(EXPLORER_KINDS)}")
    lr_min = lr * lr_min_ratio
    warm = min(int(warmup_steps), total_steps - 1)
    cycle = max(1, int(round(share * total_steps)))
    if kind == "constant":
        return S.constant(lr)
    if kind == "step_decay":
        return S.step_decay(lr, step_size, gamma)
    if kind == "exponential":
        # gamma is the factor over the whole run; the per-step factor is its total_steps-th root
        return S.exponential(lr, gamma ** (1.0 / total_steps))
    if kind == "cosine":
        return S.cosine(lr, total_steps, lr_min)
    if kind == "polynomial":
        return S.polynomial(lr, total_steps, power=2.0, lr_min=lr_min)
    if kind == "warmup_linear":
        return S.warmup_linear(lr, warm, total_steps)
    if kind == "warmup_cosine":
        return S.warmup_cosine(lr, warm, total_steps, lr_min)
    if kind == "inverse_sqrt":
        return S.inverse_sqrt(lr, max(1, warm))
    if kind.startswith("cyclic"):
        mode = kind[kind.index("(") + 1:-1]
        half = max(1, cycle // 2)
        per_step = gamma ** (1.0 / total_steps) if mode == "exp_range" else 1.0
        return S.cyclic(max(lr_min, lr / 10), lr, half, mode=mode, gamma=per_step)
    if kind == "one_cycle":
        return S.one_cycle(lr, total_steps, pct_start=min(max(share, 0.05), 0.95))
    if kind == "sgdr":
        return S.sgdr(lr, cycle, t_mult=2, lr_min=lr_min)
    # wsd: warmup, stable, then a decay taking `share` of the steps after the warmup
    rest = max(2, total_steps - warm)
    decay_steps = max(1, int(round(share * rest)))
    return S.wsd(lr, warm, rest - decay_steps, decay_steps, lr_min=lr_min, decay="1-sqrt")


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

    if kind not in EXPLORER_KINDS:
        raise ValueError(f"kind={kind!r} is not known; use one of {list(EXPLORER_KINDS)}")
    style = {"description_width": "110px"}
    layout = w.Layout(width="420px")
    controls = {
        "kind": w.Dropdown(options=EXPLORER_KINDS, value=kind, description=i18n.t("demos.kind"), style=style),
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
    """The LR a real PyTorch optimizer uses at updates 0 … steps−1 under a PyTorch scheduler.

    ``make_scheduler(optimizer)`` builds the scheduler (e.g.
    ``lambda opt: CosineAnnealingLR(opt, T_max=100)``). The loop is the correct
    one, ``optimizer.step()`` then ``scheduler.step()``, and the LR is read from
    the optimizer's param group just before each update. Returns
    ``(lrs, error)``: ``error`` is the exception PyTorch raised when asked for
    one step too many (OneCycleLR does), else None; ``lrs`` stops there.
    """
    import torch

    param = torch.zeros(1, requires_grad=True)
    if optimizer == "sgd":
        opt = torch.optim.SGD([param], lr=lr, momentum=0.9)
    elif optimizer == "adam":
        opt = torch.optim.Adam([param], lr=lr)
    else:
        raise ValueError(f"optimizer={optimizer!r} is not known; use 'sgd' or 'adam'")
    scheduler = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        param.grad = torch.zeros_like(param)
        opt.step()
        try:
            scheduler.step()
        except ValueError as err:
            return np.asarray(lrs), err
    return np.asarray(lrs), None
