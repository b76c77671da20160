"""The schedule factories: decays, the Hugging Face family with warmup, and cycles.

Each factory validates its arguments, returns a :class:`~lrcourse.schedules.core.Schedule`, and
is decorated with :func:`~lrcourse.schedules.core.factory` (so that its schedules pickle and can
be written as code). Its docstring names the PyTorch or Hugging Face counterpart it equals, and
says under "Differs from" where it knowingly does not.

A new factory goes here (or, for a new family, in a module of its own beside this one); then
give it a kind in :mod:`lrcourse.schedules.kinds` and an exporter in
:mod:`lrcourse.schedules.export`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .._runtime import check_choice, check_int, check_interval, check_positive
from .core import Schedule, check_lr_min, check_warmup, factory


def _powers(gamma: float, k: np.ndarray) -> np.ndarray:
    """gamma**k for small non-negative int k, by table lookup (elementwise ``**`` is the slow part)."""
    top = int(k.max()) if k.size else 0
    return np.power(gamma, np.arange(top + 1, dtype=np.float64))[k]


def _cos_between(theta: np.ndarray, high: float, low: float) -> np.ndarray:
    """``low + (high − low)·(1 + cos θ)/2``: ``high`` at θ = 0, ``low`` at θ = π.

    Works in place on ``theta`` (a fresh float64 array): np.cos is most of the cost of
    a cosine schedule, and fewer temporaries keep 10^6 steps within a few passes.
    """
    np.cos(theta, out=theta)
    theta += 1.0  # exactly 0 at θ = π, so the schedule ends exactly at ``low``
    theta *= 0.5 * (high - low)
    theta += low
    return theta


# --------------------------------------------------------------------------- decays


@factory
def constant(lr: float) -> Schedule:
    """The same LR at every step: ``lr``."""
    lr = check_positive("lr", lr)
    return Schedule("constant", {"lr": lr}, lambda t: np.full(t.shape, lr))


@factory
def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``lr · gamma^⌊t / step_size⌋``: multiply by ``gamma`` every ``step_size`` steps (PyTorch ``StepLR``)."""
    lr = check_positive("lr", lr)
    step_size = check_int("step_size", step_size, minimum=1)
    gamma = check_interval("gamma", gamma, 0.0, 1.0, what=" (a decay factor: 0 < gamma <= 1, e.g. 0.1)")
    return Schedule(
        "step_decay",
        {"lr": lr, "step_size": step_size, "gamma": gamma},
        lambda t: lr * _powers(gamma, t // step_size),
    )


@factory
def multistep(lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """``lr · gamma^(number of milestones <= t)`` (PyTorch ``MultiStepLR``).

    A milestone given twice counts twice, as in PyTorch. Milestones may come in
    any order; they are stored sorted.
    """
    lr = check_positive("lr", lr)
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence) and not isinstance(
        milestones, np.ndarray
    ):
        raise TypeError(f"milestones={milestones!r} must be a list of steps, e.g. [30, 60, 90]")
    if len(milestones) == 0:
        raise ValueError("milestones=[] is empty; give at least one step at which the LR drops, e.g. [30, 60, 90]")
    ms = sorted(check_int("milestones", m, minimum=1) for m in milestones)
    gamma = check_interval("gamma", gamma, 0.0, 1.0, what=" (a decay factor: 0 < gamma <= 1, e.g. 0.1)")
    edges = np.asarray(ms, dtype=np.int64)
    return Schedule(
        "multistep",
        {"lr": lr, "milestones": ms, "gamma": gamma},
        lambda t: lr * _powers(gamma, np.searchsorted(edges, t, side="right")),
    )


@factory
def exponential(lr: float, gamma: float) -> Schedule:
    """``lr · gamma^t``: multiply by ``gamma`` every step (PyTorch ``ExponentialLR``)."""
    lr = check_positive("lr", lr)
    gamma = check_interval("gamma", gamma, 0.0, 1.0, what=" (a decay factor per step: 0 < gamma <= 1, e.g. 0.999)")
    log_gamma = math.log(gamma)
    # exp(t·log γ) equals γ^t to ~1e-13 relative while γ^t is representable, and is 10x faster.
    return Schedule("exponential", {"lr": lr, "gamma": gamma}, lambda t: lr * np.exp(t * log_gamma))


@factory
def cosine(lr: float, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """Cosine annealing from ``lr`` at t = 0 to ``lr_min`` at t = total_steps, then ``lr_min``.

    ``lr_min + (lr − lr_min)·(1 + cos(π·t/total_steps))/2``.

    Equals PyTorch ``CosineAnnealingLR(T_max=total_steps, eta_min=lr_min)`` on
    [0, total_steps]. Differs from: PyTorch past T_max, where the LR climbs back
    to ``lr`` at 2·T_max (no clamp); here it holds ``lr_min``, which is what a
    run that goes a few steps too long wants.
    """
    lr = check_positive("lr", lr)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    lr_min = check_lr_min(lr_min, lr)
    return Schedule(
        "cosine",
        {"lr": lr, "total_steps": total_steps, "lr_min": lr_min},
        lambda t: _cos_between(np.minimum(t, total_steps) * (math.pi / total_steps), lr, lr_min),
    )


@factory
def polynomial(lr: float, total_steps: int, power: float = 1.0, lr_min: float = 0.0) -> Schedule:
    """``lr_min + (lr − lr_min)·(1 − min(t, total_steps)/total_steps)^power``; ``lr_min`` afterwards.

    Equals PyTorch ``PolynomialLR(total_iters=total_steps, power=power)`` when
    ``lr_min = 0`` (PyTorch has no floor). ``power=1`` is a linear decay.
    """
    lr = check_positive("lr", lr)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    power = check_interval("power", power, 0.0, math.inf, high_open=True, what=" (power > 0; 1 is linear)")
    lr_min = check_lr_min(lr_min, lr)
    return Schedule(
        "polynomial",
        {"lr": lr, "total_steps": total_steps, "power": power, "lr_min": lr_min},
        lambda t: lr_min + (lr - lr_min) * (1.0 - np.minimum(t, total_steps) / total_steps) ** power,
    )


# --------------------------------------------------------------------------- with warmup (Hugging Face family)


def _linear_warmup(t: np.ndarray, warmup_steps: int) -> np.ndarray:
    """Hugging Face's warmup multiplier t / max(1, W): 0 at the first update."""
    return t / max(1, warmup_steps)


@factory
def warmup_cosine(lr: float, warmup_steps: int, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """Linear warmup ``lr·t/W`` for t < W, then cosine from ``lr`` to ``lr_min`` over ``total_steps − W``.

    This is the source lesson's formula and Hugging Face's
    ``get_cosine_with_min_lr_schedule_with_warmup`` (with ``min_lr_rate =
    lr_min/lr``; ``get_cosine_schedule_with_warmup`` when ``lr_min = 0``). As in
    Hugging Face, the first update (t = 0) uses LR 0.

    Differs from: Hugging Face past ``total_steps``, where its cosine rises again
    (the progress is not clamped); here the LR holds ``lr_min``.
    """
    lr = check_positive("lr", lr)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    warmup_steps = check_warmup(warmup_steps, total_steps)
    lr_min = check_lr_min(lr_min, lr)
    span = max(1, total_steps - warmup_steps)

    def fn(t):
        out = _cos_between(np.clip(t - warmup_steps, 0, span) * (math.pi / span), lr, lr_min)
        warm = t < warmup_steps
        out[warm] = lr * _linear_warmup(t[warm], warmup_steps)
        return out

    return Schedule(
        "warmup_cosine",
        {"lr": lr, "warmup_steps": warmup_steps, "total_steps": total_steps, "lr_min": lr_min},
        fn,
    )


@factory
def warmup_linear(lr: float, warmup_steps: int, total_steps: int) -> Schedule:
    """Linear warmup from 0 to ``lr`` over ``warmup_steps``, then linear decay to 0 at ``total_steps``.

    Hugging Face ``get_linear_schedule_with_warmup`` (BERT's schedule): the first
    update uses LR 0, and the LR is 0 from ``total_steps`` on.
    """
    lr = check_positive("lr", lr)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    warmup_steps = check_warmup(warmup_steps, total_steps)
    span = max(1, total_steps - warmup_steps)

    def fn(t):
        decay = np.maximum(0.0, (total_steps - t) / span)
        return lr * np.where(t < warmup_steps, _linear_warmup(t, warmup_steps), decay)

    return Schedule("warmup_linear", {"lr": lr, "warmup_steps": warmup_steps, "total_steps": total_steps}, fn)


@factory
def inverse_sqrt(lr: float, warmup_steps: int, timescale: int | None = None) -> Schedule:
    """Linear warmup to ``lr``, then ``lr / √((t + timescale − W)/timescale)``.

    Hugging Face ``get_inverse_sqrt_schedule``; ``timescale`` defaults to
    ``warmup_steps`` (so the LR is ``lr·√(W/t)`` after the warmup, the
    Transformer / fairseq shape), or 10,000 when ``warmup_steps = 0``, as in
    Hugging Face. The first update uses LR 0 when there is a warmup.
    """
    lr = check_positive("lr", lr)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    if timescale is None:
        timescale = warmup_steps or 10_000
    timescale = check_int("timescale", timescale, minimum=1)
    shift = timescale - warmup_steps

    def fn(t):
        decay = 1.0 / np.sqrt(np.maximum(t + shift, 1) / timescale)
        return lr * np.where(t < warmup_steps, _linear_warmup(t, warmup_steps), decay)

    return Schedule("inverse_sqrt", {"lr": lr, "warmup_steps": warmup_steps, "timescale": timescale}, fn)


@factory
def wsd(
    lr: float,
    warmup_steps: int,
    stable_steps: int,
    decay_steps: int,
    lr_min: float = 0.0,
    decay: str = "linear",
) -> Schedule:
    """Warmup-stable-decay: linear warmup, a constant ``lr``, then a short decay to ``lr_min``.

    Hugging Face ``get_wsd_schedule(warmup_type="linear", decay_type=decay,
    min_lr_ratio=lr_min/lr)``: the warmup runs from ``lr_min`` (not 0) to ``lr``,
    the decay shape is ``"linear"``, ``"cosine"`` or ``"1-sqrt"`` (best in
    Hägele et al. 2024), and the LR is ``lr_min`` after the decay. Note that
    Hugging Face's default decay is cosine; ours is linear.
    """
    lr = check_positive("lr", lr)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    stable_steps = check_int("stable_steps", stable_steps, minimum=0)
    decay_steps = check_int("decay_steps", decay_steps, minimum=1)
    lr_min = check_lr_min(lr_min, lr)
    decay = check_choice("decay", decay, ("linear", "cosine", "1-sqrt"))
    ratio = lr_min / lr
    decay_start = warmup_steps + stable_steps
    end = decay_start + decay_steps

    def shape(p):
        if decay == "linear":
            return 1.0 - p
        if decay == "cosine":
            return 0.5 * (1.0 + np.cos(math.pi * 0.5 * 2.0 * p))  # HF's num_cycles = 0.5
        return 1.0 - np.sqrt(p)

    def fn(t):
        # Hugging Face's _get_wsd_scheduler_lambda, branch by branch.
        factor = np.full(t.shape, ratio)
        warm = t < warmup_steps
        factor[warm] = np.maximum(0.0, _linear_warmup(t[warm], warmup_steps) * (1.0 - ratio) + ratio)
        factor[(t >= warmup_steps) & (t < decay_start)] = 1.0
        down = (t >= decay_start) & (t < end)
        p = (t[down] - decay_start) / max(1, decay_steps)
        factor[down] = np.maximum(0.0, shape(p) * (1.0 - ratio) + ratio)
        return lr * factor

    return Schedule(
        "wsd",
        {
            "lr": lr,
            "warmup_steps": warmup_steps,
            "stable_steps": stable_steps,
            "decay_steps": decay_steps,
            "lr_min": lr_min,
            "decay": decay,
        },
        fn,
    )


# --------------------------------------------------------------------------- cycles


@factory
def cyclic(
    base_lr: float,
    max_lr: float,
    step_size_up: int,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
) -> Schedule:
    """Cyclical LR (Smith 2017) between ``base_lr`` and ``max_lr``: PyTorch ``CyclicLR``, the LR part.

    Up for ``step_size_up`` steps, down for ``step_size_down`` (default: the same).
    ``mode``: ``"triangular"`` (constant amplitude), ``"triangular2"`` (amplitude
    halved each cycle), ``"exp_range"`` (amplitude ``gamma^t``).
    PyTorch's CyclicLR also cycles momentum; a schedule here is only the LR.
    """
    base_lr = check_positive("base_lr", base_lr)
    max_lr = check_positive("max_lr", max_lr)
    if max_lr <= base_lr:
        raise ValueError(f"max_lr={max_lr!r} must be larger than base_lr={base_lr!r}; the LR cycles between them")
    step_size_up = check_int("step_size_up", step_size_up, minimum=1)
    if step_size_down is not None:
        step_size_down = check_int("step_size_down", step_size_down, minimum=1)
    mode = check_choice("mode", mode, ("triangular", "triangular2", "exp_range"))
    gamma = check_interval("gamma", gamma, 0.0, 1.0, what=" (exp_range's decay per step: 0 < gamma <= 1)")
    # PyTorch's CyclicLR.get_lr arithmetic, tabulated over one period (it depends on t only through
    # t mod period, up to rounding of order 1e-16): a lookup instead of ~10 passes over 10^6 steps.
    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    total = up + down
    ratio = up / total
    period = int(total)
    x = np.arange(period) / total
    shape = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    wave = (max_lr - base_lr) * shape
    log_gamma = math.log(gamma)

    def fn(t):
        height = wave[t % period]
        if mode == "triangular2":
            height *= np.ldexp(1.0, -(t // period))  # exactly 1/2^(cycle − 1)
        elif mode == "exp_range":
            height *= np.exp(t * log_gamma)
        return base_lr + height

    return Schedule(
        "cyclic",
        {
            "base_lr": base_lr,
            "max_lr": max_lr,
            "step_size_up": step_size_up,
            "step_size_down": step_size_down,
            "mode": mode,
            "gamma": gamma,
        },
        fn,
    )


@factory
def one_cycle(
    max_lr: float,
    total_steps: int,
    pct_start: float = 0.3,
    anneal: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """The one-cycle policy (Smith & Topin; fast.ai): PyTorch ``OneCycleLR``, the LR part.

    From ``max_lr/div_factor`` up to ``max_lr`` at step ``pct_start·total_steps − 1``,
    then down to ``max_lr/div_factor/final_div_factor`` at step ``total_steps − 1``
    (``anneal``: ``"cos"`` or ``"linear"``). ``three_phase=True`` comes back down
    to the initial LR symmetrically before the final annihilation.

    Differs from: PyTorch after the last step. PyTorch raises on a step past
    ``total_steps`` and at ``t = total_steps`` extrapolates the last phase (a
    little above the minimum for cos, below zero for linear); here the LR holds
    the minimum from ``t = total_steps − 1`` on.
    """
    max_lr = check_positive("max_lr", max_lr)
    total_steps = check_int("total_steps", total_steps, minimum=2)
    pct_start = check_interval("pct_start", pct_start, 0.0, 1.0, high_open=True, what=" (the share of steps spent rising)")
    anneal = check_choice("anneal", anneal, ("cos", "linear"))
    div_factor = check_interval("div_factor", div_factor, 0.0, math.inf, high_open=True, what=" (initial LR = max_lr/div_factor)")
    final_div_factor = check_interval(
        "final_div_factor", final_div_factor, 0.0, math.inf, high_open=True, what=" (min LR = initial LR/final_div_factor)"
    )
    if not isinstance(three_phase, (bool, np.bool_)):
        raise TypeError(f"three_phase={three_phase!r} must be True or False")
    initial = max_lr / div_factor
    minimum = initial / final_div_factor
    # (end_step, start_lr, end_lr) as in PyTorch's OneCycleLR._schedule_phases.
    if three_phase:
        phases = [
            (float(pct_start * total_steps) - 1, initial, max_lr),
            (float(2 * pct_start * total_steps) - 2, max_lr, initial),
            (total_steps - 1, initial, minimum),
        ]
    else:
        phases = [(float(pct_start * total_steps) - 1, initial, max_lr), (total_steps - 1, max_lr, minimum)]
    starts = [0.0] + [p[0] for p in phases[:-1]]
    for (end, _, _), start in zip(phases, starts):
        if not end > start:
            raise ValueError(
                f"pct_start={pct_start!r} with total_steps={total_steps}{' and three_phase=True' if three_phase else ''} "
                "leaves a phase with no steps; use a larger total_steps or a pct_start nearer the middle"
            )

    def fn(t):
        tf = np.minimum(t, total_steps - 1).astype(np.float64)
        out = np.empty(t.shape)
        # As OneCycleLR.get_lr: a step belongs to the first phase whose end_step >= t (the last otherwise).
        before = np.zeros(t.shape, dtype=bool)
        for i, ((end, a, b), begin) in enumerate(zip(phases, starts)):
            mask = ~before if i == len(phases) - 1 else (tf <= end) & ~before
            before |= mask
            pct = (tf[mask] - begin) / (end - begin)
            if anneal == "cos":
                out[mask] = _cos_between(pct * math.pi, a, b)
            else:
                out[mask] = (b - a) * pct + a
        return out

    return Schedule(
        "one_cycle",
        {
            "max_lr": max_lr,
            "total_steps": total_steps,
            "pct_start": pct_start,
            "anneal": anneal,
            "div_factor": div_factor,
            "final_div_factor": final_div_factor,
            "three_phase": bool(three_phase),
        },
        fn,
    )


@factory
def sgdr(lr: float, t_0: int, t_mult: int = 1, lr_min: float = 0.0) -> Schedule:
    """Cosine annealing with warm restarts (Loshchilov & Hutter, SGDR): PyTorch ``CosineAnnealingWarmRestarts``.

    The first cycle lasts ``t_0`` steps, each next one ``t_mult`` times longer;
    within a cycle the LR follows a cosine from ``lr`` towards ``lr_min`` and jumps
    back to ``lr`` at the restart.
    """
    lr = check_positive("lr", lr)
    t_0 = check_int("t_0", t_0, minimum=1)
    t_mult = check_int("t_mult", t_mult, minimum=1)
    lr_min = check_lr_min(lr_min, lr)

    def fn(t):
        if t_mult == 1:
            # Every cycle is the same: tabulate one (bit-identical to computing each step).
            return _cos_between(np.arange(t_0) * (math.pi / t_0), lr, lr_min)[t % t_0]
        # Restart k begins at t_0·(t_mult^k − 1)/(t_mult − 1) and lasts t_0·t_mult^k steps; exact integers.
        starts, limit = [0], int(t.max()) if t.size else 0
        while starts[-1] <= limit:
            starts.append(starts[-1] + t_0 * t_mult ** (len(starts) - 1))
        starts_arr = np.asarray(starts, dtype=np.int64)
        k = np.searchsorted(starts_arr, t, side="right") - 1
        lengths = t_0 * np.asarray(t_mult, dtype=np.int64) ** np.arange(len(starts))
        return _cos_between((t - starts_arr.take(k)) * (math.pi / lengths).take(k), lr, lr_min)

    return Schedule("sgdr", {"lr": lr, "t_0": t_0, "t_mult": t_mult, "lr_min": lr_min}, fn)
