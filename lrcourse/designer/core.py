"""design(): inputs checked, the schedule built from its kind, the rules run; the :class:`Design` it returns."""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .. import i18n
from .._runtime import check_choice, check_int, check_positive
from ..schedules import Schedule, kinds, to_code, with_warmup
from ..schedules.export import EXPORT_TARGETS
from ..schedules.library import constant
from . import render
from .plot import plot_designs
from .rules import RULES, Context

OPTIMIZERS = ("sgd", "adam", "adamw")
TASKS = ("transformer", "vision", "finetune", "rl", "other")
MAX_TOTAL_STEPS = 100_000_000


@dataclass
class Design:
    """A designed schedule: the schedule object, its curve over the run, and the advice.

    Attributes: ``kind`` (the schedule type), ``schedule`` (an lrcourse
    :class:`~lrcourse.schedules.Schedule`), ``lrs`` (the LR of every update
    t = 0 … total_steps − 1, float64), ``recommendations`` and ``warnings``
    (lists of :class:`~lrcourse.designer.rules.Advice`), ``inputs`` (the arguments as resolved) and
    ``params`` (the schedule type's own parameters with their defaults filled in).
    """

    kind: str
    schedule: Schedule
    lrs: np.ndarray
    recommendations: list
    warnings: list
    inputs: dict
    params: dict
    label: str | None = None

    # -- numbers
    @property
    def total_steps(self) -> int:
        return self.inputs["total_steps"]

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.total_steps)

    @property
    def advice(self) -> list:
        return list(self.warnings) + list(self.recommendations)

    @functools.cached_property
    def _stats(self) -> dict:
        lrs = self.lrs
        peak_step = int(lrs.argmax())
        return {"peak": float(lrs[peak_step]), "peak_step": peak_step, "first": float(lrs[0]),
                "last": float(lrs[-1]), "mean": float(lrs.mean()), "total": self.total_steps}

    def stats(self) -> dict:
        """Peak (and its step), first, last and mean LR of the run (computed once)."""
        return dict(self._stats)

    def summary(self) -> str:
        return i18n.t("designer.summary", **self.stats())

    def name(self) -> str:
        return self.label or kinds.label(self.kind)

    # -- text
    def report(self, *, details: bool = True) -> str:
        """The design, its numbers, the warnings and the recommendations, as plain text."""
        return render.report(self, details=details)

    def html(self) -> str:
        """The warnings and recommendations as HTML (used by the widget)."""
        return render.html(self)

    def __repr__(self) -> str:
        return (
            f"Design({self.schedule!r}, {len(self.warnings)} warning(s), "
            f"{len(self.recommendations)} recommendation(s))"
        )

    def _repr_pretty_(self, p, cycle):
        p.text(self.report())

    # -- plots
    def plot(self, ax=None, *, log: bool = False, other: "Design | None" = None, points: int = 1200):
        """The LR curve (and ``other``'s, dashed, to compare); returns the matplotlib Figure."""
        return plot_designs([self] if other is None else [self, other], ax=ax, log=log, points=points)

    # -- code
    def to_code(self, target: str = "pytorch") -> str:
        """Python code that reproduces this schedule: ``"lrcourse"``, ``"pytorch"`` or ``"hf"`` (Hugging Face)."""
        target = _choice("target", target, EXPORT_TARGETS)
        i = self.inputs
        return to_code(self.schedule, target, optimizer=i["optimizer"], lr=i["lr"], total_steps=self.total_steps,
                       beta2=i["beta2"])


# --------------------------------------------------------------------------- validation


def _choice(name, value, choices):
    """``value`` in lower case if that is one of ``choices``; else the error lists them."""
    if isinstance(value, str) and value.lower() in choices:
        return value.lower()
    return check_choice(name, value, choices)


def _check_finder(finder):
    if finder is None:
        return None
    missing = [a for a in ("recommended", "lrs", "suggestions", "diverged_at") if not hasattr(finder, a)]
    if missing:
        raise TypeError(
            f"finder={type(finder).__name__} has no {', '.join(missing)}; pass the result of "
            "lrcourse.finder.lr_range_test(...) (it needs recommended, lrs, suggestions and diverged_at)"
        )
    check_positive("finder.recommended", finder.recommended, example="a positive learning rate")
    return finder


def _check_run(lr, total_steps, warmup_steps, beta2, batch_size, base_batch_size, base_lr):
    """The run's numbers, checked: (lr, N, W, beta2, batch_size, base_batch_size, base_lr)."""
    lr = check_positive("lr", lr, example="a learning rate > 0, e.g. 1e-3")
    N = check_int("total_steps", total_steps, minimum=1, maximum=MAX_TOTAL_STEPS)
    W = 0 if warmup_steps is None else check_int("warmup_steps", warmup_steps, minimum=0)
    if isinstance(beta2, bool) or not isinstance(beta2, numbers.Real) or not 0 <= beta2 < 1:
        raise ValueError(f"beta2={beta2!r} is not valid; Adam's beta2 is in [0, 1), e.g. 0.999")
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1, noun="samples")
    if base_batch_size is not None:
        base_batch_size = check_int("base_batch_size", base_batch_size, minimum=1, noun="samples")
    if base_lr is not None:
        base_lr = check_positive("base_lr", base_lr, example="the learning rate of the reference recipe, > 0")
    if (base_batch_size is not None or base_lr is not None) and batch_size is None:
        raise ValueError("base_batch_size/base_lr describe a reference recipe; give batch_size (the new batch) too")
    return lr, N, W, float(beta2), batch_size, base_batch_size, base_lr


@functools.lru_cache(maxsize=4)
def _steps(n: int) -> np.ndarray:
    """np.arange(n), read-only, kept for the last few n (the widget redraws the same length again and again)."""
    arr = np.arange(n)
    arr.setflags(write=False)
    return arr


def _schedule(kind: kinds.Kind, lr: float, N: int, W: int, given: dict) -> tuple[dict, Schedule]:
    """(the kind's parameters, the schedule) for design()'s arguments ``given`` (None: not given)."""
    if given["lr_min"] is not None:  # checked for every kind, also one that does not use it
        kinds.check_floor(given["lr_min"], kinds.Context(lr, N, W, {}, {}))
    params = kind.resolve(lr, N, W, **{k: v for k, v in given.items() if k in kind.param_names})
    if W >= N and not kind.open_ended:
        # Not an error: show what such a run does (the ramp, cut off at the end) and warn.
        return params, with_warmup(constant(lr), W)
    return params, kind.build(lr, N, W, **params)


# --------------------------------------------------------------------------- design()


def design(
    schedule: str = "cosine",
    lr: float = 1e-3,
    total_steps: int = 10_000,
    warmup_steps: int | None = None,
    optimizer: str = "adamw",
    batch_size: int | None = None,
    task: str = "other",
    finder=None,
    *,
    lr_min: float | None = None,
    milestones: Sequence[int] | None = None,
    gamma: float | None = None,
    power: float | None = None,
    decay_steps: int | None = None,
    decay: str | None = None,
    cycle_steps: int | None = None,
    t_0: int | None = None,
    t_mult: int | None = None,
    pct_start: float | None = None,
    beta2: float = 0.999,
    base_batch_size: int | None = None,
    base_lr: float | None = None,
    label: str | None = None,
) -> Design:
    """Design a learning-rate schedule: build it, draw its curve, and give evidence-based advice.

    Parameters
    ----------
    schedule : a kind of ``lrcourse.schedules.kinds.names()`` (or an alias): "constant", "step",
        "exponential", "cosine", "linear", "polynomial", "inverse_sqrt", "wsd", "one_cycle", "cyclic",
        "sgdr", and any kind registered since.
    lr : the peak learning rate (one-cycle's ``max_lr``, the cyclical LR's ``max_lr``).
    total_steps : the number of optimizer updates in the run (the curve covers t = 0 … total_steps − 1).
    warmup_steps : linear warmup from 0 (None or 0: none). For one-cycle it sets ``pct_start =
        warmup_steps / total_steps``; ``inverse_sqrt`` uses it as its timescale. A warmup at or beyond
        ``total_steps`` is not an error: the curve shows the cut-off ramp and a warning says why.
    optimizer : "sgd", "adam" or "adamw" (the Adam rules use ``beta2``, default 0.999).
    batch_size, base_batch_size, base_lr : for the linear scaling rule: the new batch size, and the
        batch size and LR of a recipe that worked (SGD in vision defaults to Goyal et al.'s 0.1 per 256).
    task : "transformer" (pretraining), "vision", "finetune", "rl" or "other".
    finder : the result of ``lrcourse.finder.lr_range_test`` (duck-typed: ``recommended``, ``lrs``,
        ``suggestions``, ``diverged_at``), for the one-cycle and range-test rules.
    lr_min : the floor of cosine / linear / polynomial / WSD / SGDR (default 0), the cyclical LR's
        base_lr (default lr/4), or the target of an exponential decay at the last step (default lr/100).
    milestones, gamma : step decay (default milestones at 50% and 75% of the run, gamma 0.1; milestones
        count steps from the start of the run); exponential decay's per-step gamma.
    power : the polynomial decay's power (default 1). decay_steps, decay : WSD's cooldown length
        (default 20% of the run) and shape (default "1-sqrt"). cycle_steps : the cyclical LR's half
        cycle (default total_steps // 8). t_0, t_mult : SGDR's first cycle and growth (default: three
        cycles with t_mult = 2 that end with the run). pct_start : one-cycle's rising share.
        Each kind takes the ones it declares (``kinds.get(schedule).param_names``).
    label : a name for plots and comparisons.

    Returns a :class:`Design`. Bad input raises ValueError/TypeError naming the parameter.
    """
    kind = kinds.get(schedule)
    optimizer = _choice("optimizer", optimizer, OPTIMIZERS)
    task = _choice("task", task, TASKS)
    lr, N, W, beta2, batch_size, base_batch_size, base_lr = _check_run(
        lr, total_steps, warmup_steps, beta2, batch_size, base_batch_size, base_lr)
    finder = _check_finder(finder)
    params, sched = _schedule(kind, lr, N, W, dict(
        lr_min=lr_min, milestones=milestones, gamma=gamma, power=power, decay_steps=decay_steps, decay=decay,
        cycle_steps=cycle_steps, t_0=t_0, t_mult=t_mult, pct_start=pct_start))
    lrs = sched(_steps(N))

    inputs = {
        "schedule": kind.name, "lr": lr, "total_steps": N, "warmup_steps": W, "optimizer": optimizer,
        "batch_size": batch_size, "task": task, "beta2": beta2, "base_batch_size": base_batch_size,
        "base_lr": base_lr, "finder": finder,
    }
    ctx = Context(kind.name, lr, N, W, optimizer, task, batch_size, base_batch_size, base_lr, beta2, finder,
                  params, lrs, float(lrs.max()))
    recs, warns = [], []
    for rule in RULES.values():
        advice = rule(ctx)
        if advice is not None:
            (warns if advice.kind == "warning" else recs).append(advice)
    return Design(kind.name, sched, lrs, recs, warns, inputs, params, label)
