"""Learning-rate schedules as pure, vectorised functions of the step.

Every factory returns a small immutable :class:`Schedule`. Call it on an int
(a float comes back) or on an array of steps (a float64 array comes back)::

    >>> from lrcourse import schedules as S
    >>> s = S.warmup_cosine(1e-3, warmup_steps=1000, total_steps=10_000)
    >>> s(0), s(1000), s(10_000)
    (0.0, 0.001, 0.0)
    >>> s(np.arange(10_001)).shape
    (10001,)

The step counter
    ``t`` is the number of optimizer updates already taken, so ``schedule(t)``
    is the LR used by update ``t`` and ``t = 0`` is the first update. This is
    PyTorch's convention (``get_last_lr()`` after ``t`` calls of
    ``scheduler.step()``), optax's ``count`` and Hugging Face's LambdaLR.

Parity
    Each schedule equals its PyTorch or Hugging Face counterpart step for step
    (relative tolerance 1e-9; the tests read the LR the optimizer really uses).
    Where this package knowingly differs from a counterpart, the docstring says
    so under "Differs from".

Exactness step by step
    A scalar call runs the very same vectorised code on a one-element array,
    so ``s(t) == s(np.arange(n))[t]`` bit for bit.

Composition
    :func:`with_warmup` puts a linear warmup in front of any schedule;
    :func:`join` switches schedules at boundaries (each piece's clock restarts,
    as in optax's ``join_schedules``).

Driving an optimizer
    :func:`attach` returns a real ``torch.optim.lr_scheduler.LRScheduler``.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Callable, Sequence

import numpy as np

__all__ = [
    "Schedule",
    "constant",
    "step_decay",
    "multistep",
    "exponential",
    "cosine",
    "polynomial",
    "warmup_cosine",
    "warmup_linear",
    "inverse_sqrt",
    "cyclic",
    "one_cycle",
    "sgdr",
    "wsd",
    "with_warmup",
    "join",
    "attach",
    "ScheduleLR",
]

_Fn = Callable[[np.ndarray], np.ndarray]  # int64 steps (validated, >= 0) -> float64 LRs


# --------------------------------------------------------------------------- the object


class Schedule:
    """An immutable learning-rate schedule: ``schedule(t) -> lr``.

    Attributes: ``name`` (the factory's name), ``params`` (the factory's
    arguments, a dict copy). Two schedules are equal when they were made by the
    same factory with the same arguments. Schedules pickle (they are rebuilt
    from name and arguments), so they can go into checkpoints and worker
    processes.
    """

    __slots__ = ("_name", "_params", "_fn")

    def __init__(self, name: str, params: dict, fn: _Fn):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_params", tuple(params.items()))
        object.__setattr__(self, "_fn", fn)

    def __setattr__(self, key, value):
        raise AttributeError(f"a Schedule is immutable; make a new one with lrcourse.schedules.{self._name}(...)")

    __delattr__ = __setattr__

    @property
    def name(self) -> str:
        return self._name

    @property
    def params(self) -> dict:
        return dict(self._params)

    def __call__(self, t):
        steps = _as_steps(t)
        if steps.ndim == 0:
            return float(self._fn(steps.reshape(1))[0])
        flat = steps.reshape(-1)
        return np.asarray(self._fn(flat), dtype=np.float64).reshape(steps.shape)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in self._params)
        return f"{self._name}({args})"

    def __eq__(self, other):
        if not isinstance(other, Schedule):
            return NotImplemented
        return self._name == other._name and self._params == other._params

    def __hash__(self):
        return hash((self._name, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in self._params)))

    def __reduce__(self):
        return (_rebuild, (self._name, self.params))


def _rebuild(name: str, params: dict) -> Schedule:
    return globals()[name](**params)


def _fmt(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return repr(value)


# --------------------------------------------------------------------------- validation


def _as_steps(t) -> np.ndarray:
    """Steps as an int64 array (0-d for a scalar); refuse negatives, non-integers, bools."""
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(f"step t={t!r} is a bool; steps are integers counted from 0")
    arr = np.asarray(t)
    if arr.dtype == np.bool_:
        raise TypeError("steps are a boolean array; steps are integers counted from 0")
    if arr.dtype.kind in "iu":
        steps = arr.astype(np.int64, copy=False)
    elif arr.dtype.kind == "f":
        flat = arr.reshape(-1)
        whole = np.isfinite(flat) & (flat == np.floor(flat))
        if not whole.all():
            bad = float(flat[np.argmin(whole)])
            raise ValueError(f"step t={bad!r} is not a whole number; steps count optimizer updates (0, 1, 2, ...)")
        steps = arr.astype(np.int64)
    else:
        raise TypeError(f"steps must be an int or an array of ints, not {type(t).__name__}")
    if steps.size and steps.min() < 0:
        bad = steps.reshape(-1)[np.argmax(steps.reshape(-1) < 0)]
        raise ValueError(f"step t={int(bad)} is negative; steps count optimizer updates from t=0 (the first update)")
    return steps


def _check_lr(name: str, value, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number (a learning rate such as 1e-3)")
    value = float(value)
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        need = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}={value!r} is not a valid learning rate; {need} is accepted")
    return value


def _check_int(name: str, value, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name}={value!r} must be a whole number of steps (an int >= {minimum})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name}={value} is too small; an int >= {minimum} is accepted")
    return value


def _check_real(name: str, value, low: float, high: float, *, low_open=True, high_open=False, what="") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        interval = ("(" if low_open else "[") + f"{low:g}, {high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name}={value!r} is outside {interval}{what}")
    return value


def _check_lr_min(lr_min, lr: float, lr_name: str = "lr") -> float:
    lr_min = _check_lr("lr_min", lr_min, allow_zero=True)
    if lr_min > lr:
        raise ValueError(f"lr_min={lr_min!r} is larger than {lr_name}={lr!r}; lr_min must be between 0 and {lr_name}")
    return lr_min


def _check_choice(name: str, value, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not known; use one of {', '.join(map(repr, choices))}")
    return value


def _check_warmup(warmup_steps, total_steps: int) -> int:
    warmup_steps = _check_int("warmup_steps", warmup_steps, minimum=0)
    if warmup_steps >= total_steps:
        raise ValueError(
            f"warmup_steps={warmup_steps} is not shorter than total_steps={total_steps}; "
            "the warmup must end before the run does (0 <= warmup_steps < total_steps)"
        )
    return warmup_steps


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


def constant(lr: float) -> Schedule:
    """The same LR at every step: ``lr``."""
    lr = _check_lr("lr", lr)
    return Schedule("constant", {"lr": lr}, lambda t: np.full(t.shape, lr))


def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``lr · gamma^⌊t / step_size⌋``: multiply by ``gamma`` every ``step_size`` steps (PyTorch ``StepLR``)."""
    lr = _check_lr("lr", lr)
    step_size = _check_int("step_size", step_size, minimum=1)
    gamma = _check_real("gamma", gamma, 0.0, 1.0, what=" (a decay factor: 0 < gamma <= 1, e.g. 0.1)")
    return Schedule(
        "step_decay",
        {"lr": lr, "step_size": step_size, "gamma": gamma},
        lambda t: lr * _powers(gamma, t // step_size),
    )


def multistep(lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """``lr · gamma^(number of milestones <= t)`` (PyTorch ``MultiStepLR``).

    A milestone given twice counts twice, as in PyTorch. Milestones may come in
    any order; they are stored sorted.
    """
    lr = _check_lr("lr", lr)
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence) and not isinstance(
        milestones, np.ndarray
    ):
        raise TypeError(f"milestones={milestones!r} must be a list of steps, e.g. [30, 60, 90]")
    if len(milestones) == 0:
        raise ValueError("milestones=[] is empty; give at least one step at which the LR drops, e.g. [30, 60, 90]")
    ms = sorted(_check_int("milestones", m, minimum=1) for m in milestones)
    gamma = _check_real("gamma", gamma, 0.0, 1.0, what=" (a decay factor: 0 < gamma <= 1, e.g. 0.1)")
    edges = np.asarray(ms, dtype=np.int64)
    return Schedule(
        "multistep",
        {"lr": lr, "milestones": ms, "gamma": gamma},
        lambda t: lr * _powers(gamma, np.searchsorted(edges, t, side="right")),
    )


def exponential(lr: float, gamma: float) -> Schedule:
    """``lr · gamma^t``: multiply by ``gamma`` every step (PyTorch ``ExponentialLR``)."""
    lr = _check_lr("lr", lr)
    gamma = _check_real("gamma", gamma, 0.0, 1.0, what=" (a decay factor per step: 0 < gamma <= 1, e.g. 0.999)")
    log_gamma = math.log(gamma)
    # exp(t·log γ) equals γ^t to ~1e-13 relative while γ^t is representable, and is 10x faster.
    return Schedule("exponential", {"lr": lr, "gamma": gamma}, lambda t: lr * np.exp(t * log_gamma))


def cosine(lr: float, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """Cosine annealing from ``lr`` at t = 0 to ``lr_min`` at t = total_steps, then ``lr_min``.

    ``lr_min + (lr − lr_min)·(1 + cos(π·t/total_steps))/2``.

    Equals PyTorch ``CosineAnnealingLR(T_max=total_steps, eta_min=lr_min)`` on
    [0, total_steps]. Differs from: PyTorch past T_max, where the LR climbs back
    to ``lr`` at 2·T_max (no clamp); here it holds ``lr_min``, which is what a
    run that goes a few steps too long wants.
    """
    lr = _check_lr("lr", lr)
    total_steps = _check_int("total_steps", total_steps, minimum=1)
    lr_min = _check_lr_min(lr_min, lr)
    return Schedule(
        "cosine",
        {"lr": lr, "total_steps": total_steps, "lr_min": lr_min},
        lambda t: _cos_between(np.minimum(t, total_steps) * (math.pi / total_steps), lr, lr_min),
    )


def polynomial(lr: float, total_steps: int, power: float = 1.0, lr_min: float = 0.0) -> Schedule:
    """``lr_min + (lr − lr_min)·(1 − min(t, total_steps)/total_steps)^power``; ``lr_min`` afterwards.

    Equals PyTorch ``PolynomialLR(total_iters=total_steps, power=power)`` when
    ``lr_min = 0`` (PyTorch has no floor). ``power=1`` is a linear decay.
    """
    lr = _check_lr("lr", lr)
    total_steps = _check_int("total_steps", total_steps, minimum=1)
    power = _check_real("power", power, 0.0, math.inf, high_open=True, what=" (power > 0; 1 is linear)")
    lr_min = _check_lr_min(lr_min, lr)
    return Schedule(
        "polynomial",
        {"lr": lr, "total_steps": total_steps, "power": power, "lr_min": lr_min},
        lambda t: lr_min + (lr - lr_min) * (1.0 - np.minimum(t, total_steps) / total_steps) ** power,
    )


# --------------------------------------------------------------------------- with warmup (Hugging Face family)


def _linear_warmup(t: np.ndarray, warmup_steps: int) -> np.ndarray:
    """Hugging Face's warmup multiplier t / max(1, W): 0 at the first update."""
    return t / max(1, warmup_steps)


def warmup_cosine(lr: float, warmup_steps: int, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """Linear warmup ``lr·t/W`` for t < W, then cosine from ``lr`` to ``lr_min`` over ``total_steps − W``.

    This is the source lesson's formula and Hugging Face's
    ``get_cosine_with_min_lr_schedule_with_warmup`` (with ``min_lr_rate =
    lr_min/lr``; ``get_cosine_schedule_with_warmup`` when ``lr_min = 0``). As in
    Hugging Face, the first update (t = 0) uses LR 0.

    Differs from: Hugging Face past ``total_steps``, where its cosine rises again
    (the progress is not clamped); here the LR holds ``lr_min``.
    """
    lr = _check_lr("lr", lr)
    total_steps = _check_int("total_steps", total_steps, minimum=1)
    warmup_steps = _check_warmup(warmup_steps, total_steps)
    lr_min = _check_lr_min(lr_min, lr)
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


def warmup_linear(lr: float, warmup_steps: int, total_steps: int) -> Schedule:
    """Linear warmup from 0 to ``lr`` over ``warmup_steps``, then linear decay to 0 at ``total_steps``.

    Hugging Face ``get_linear_schedule_with_warmup`` (BERT's schedule): the first
    update uses LR 0, and the LR is 0 from ``total_steps`` on.
    """
    lr = _check_lr("lr", lr)
    total_steps = _check_int("total_steps", total_steps, minimum=1)
    warmup_steps = _check_warmup(warmup_steps, total_steps)
    span = max(1, total_steps - warmup_steps)

    def fn(t):
        decay = np.maximum(0.0, (total_steps - t) / span)
        return lr * np.where(t < warmup_steps, _linear_warmup(t, warmup_steps), decay)

    return Schedule("warmup_linear", {"lr": lr, "warmup_steps": warmup_steps, "total_steps": total_steps}, fn)


def inverse_sqrt(lr: float, warmup_steps: int, timescale: int | None = None) -> Schedule:
    """Linear warmup to ``lr``, then ``lr / √((t + timescale − W)/timescale)``.

    Hugging Face ``get_inverse_sqrt_schedule``; ``timescale`` defaults to
    ``warmup_steps`` (so the LR is ``lr·√(W/t)`` after the warmup, the
    Transformer / fairseq shape), or 10,000 when ``warmup_steps = 0``, as in
    Hugging Face. The first update uses LR 0 when there is a warmup.
    """
    lr = _check_lr("lr", lr)
    warmup_steps = _check_int("warmup_steps", warmup_steps, minimum=0)
    if timescale is None:
        timescale = warmup_steps or 10_000
    timescale = _check_int("timescale", timescale, minimum=1)
    shift = timescale - warmup_steps

    def fn(t):
        decay = 1.0 / np.sqrt(np.maximum(t + shift, 1) / timescale)
        return lr * np.where(t < warmup_steps, _linear_warmup(t, warmup_steps), decay)

    return Schedule("inverse_sqrt", {"lr": lr, "warmup_steps": warmup_steps, "timescale": timescale}, fn)


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
    lr = _check_lr("lr", lr)
    warmup_steps = _check_int("warmup_steps", warmup_steps, minimum=0)
    stable_steps = _check_int("stable_steps", stable_steps, minimum=0)
    decay_steps = _check_int("decay_steps", decay_steps, minimum=1)
    lr_min = _check_lr_min(lr_min, lr)
    decay = _check_choice("decay", decay, ("linear", "cosine", "1-sqrt"))
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
    base_lr = _check_lr("base_lr", base_lr)
    max_lr = _check_lr("max_lr", max_lr)
    if max_lr <= base_lr:
        raise ValueError(f"max_lr={max_lr!r} must be larger than base_lr={base_lr!r}; the LR cycles between them")
    step_size_up = _check_int("step_size_up", step_size_up, minimum=1)
    if step_size_down is not None:
        step_size_down = _check_int("step_size_down", step_size_down, minimum=1)
    mode = _check_choice("mode", mode, ("triangular", "triangular2", "exp_range"))
    gamma = _check_real("gamma", gamma, 0.0, 1.0, what=" (exp_range's decay per step: 0 < gamma <= 1)")
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
    max_lr = _check_lr("max_lr", max_lr)
    total_steps = _check_int("total_steps", total_steps, minimum=2)
    pct_start = _check_real("pct_start", pct_start, 0.0, 1.0, high_open=True, what=" (the share of steps spent rising)")
    anneal = _check_choice("anneal", anneal, ("cos", "linear"))
    div_factor = _check_real("div_factor", div_factor, 0.0, math.inf, high_open=True, what=" (initial LR = max_lr/div_factor)")
    final_div_factor = _check_real(
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


def sgdr(lr: float, t_0: int, t_mult: int = 1, lr_min: float = 0.0) -> Schedule:
    """Cosine annealing with warm restarts (Loshchilov & Hutter, SGDR): PyTorch ``CosineAnnealingWarmRestarts``.

    The first cycle lasts ``t_0`` steps, each next one ``t_mult`` times longer;
    within a cycle the LR follows a cosine from ``lr`` towards ``lr_min`` and jumps
    back to ``lr`` at the restart.
    """
    lr = _check_lr("lr", lr)
    t_0 = _check_int("t_0", t_0, minimum=1)
    t_mult = _check_int("t_mult", t_mult, minimum=1)
    lr_min = _check_lr_min(lr_min, lr)

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


# --------------------------------------------------------------------------- composition


def _check_schedule(name: str, value) -> Schedule:
    if not isinstance(value, Schedule):
        raise TypeError(f"{name}={value!r} must be an lrcourse schedule, e.g. lrcourse.schedules.cosine(1e-3, 10_000)")
    return value


def with_warmup(schedule: Schedule, warmup_steps: int, start_lr: float = 0.0) -> Schedule:
    """A linear warmup from ``start_lr`` to ``schedule(0)`` in front of ``schedule``.

    During the warmup (t < warmup_steps) the LR is
    ``start_lr + (schedule(0) − start_lr)·t/warmup_steps``; afterwards it is
    ``schedule(t − warmup_steps)``: the schedule's clock starts when the warmup
    ends, so a ``cosine(lr, N)`` behind a warmup of W steps ends at W + N.
    """
    schedule = _check_schedule("schedule", schedule)
    warmup_steps = _check_int("warmup_steps", warmup_steps, minimum=1)
    start_lr = _check_lr("start_lr", start_lr, allow_zero=True)
    target = schedule(0)

    def fn(t):
        ramp = start_lr + (target - start_lr) * (t / warmup_steps)
        after = schedule._fn(np.maximum(t - warmup_steps, 0))
        return np.where(t < warmup_steps, ramp, after)

    return Schedule("with_warmup", {"schedule": schedule, "warmup_steps": warmup_steps, "start_lr": start_lr}, fn)


def join(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Switch to the next schedule at each boundary; each piece's clock restarts at 0 there.

    ``join([a, b, c], [100, 500])`` is ``a(t)`` for t < 100, ``b(t − 100)`` for
    100 <= t < 500 and ``c(t − 500)`` afterwards, as optax's ``join_schedules``.
    """
    if isinstance(schedules, Schedule) or not isinstance(schedules, Sequence) or len(schedules) < 2:
        raise ValueError("schedules must be a list of at least two lrcourse schedules, e.g. [warmup, decay]")
    schedules = [_check_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)]
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, (Sequence, np.ndarray)):
        raise TypeError(f"boundaries={boundaries!r} must be a list of steps")
    bounds = [_check_int(f"boundaries[{i}]", b, minimum=1) for i, b in enumerate(boundaries)]
    if len(bounds) != len(schedules) - 1:
        raise ValueError(
            f"boundaries has {len(bounds)} steps for {len(schedules)} schedules; give one boundary fewer than schedules"
        )
    if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])):
        raise ValueError(f"boundaries={bounds} must be strictly increasing")
    edges = np.asarray(bounds, dtype=np.int64)
    offsets = np.concatenate([[0], edges])

    def fn(t):
        piece = np.searchsorted(edges, t, side="right")
        out = np.empty(t.shape)
        for i, s in enumerate(schedules):
            mask = piece == i
            if mask.any():
                out[mask] = s._fn(t[mask] - offsets[i])
        return out

    return Schedule("join", {"schedules": list(schedules), "boundaries": bounds}, fn)


# --------------------------------------------------------------------------- the PyTorch bridge


@functools.cache
def _scheduler_class():
    from torch.optim.lr_scheduler import LRScheduler

    class ScheduleLR(LRScheduler):
        """A ``torch.optim.lr_scheduler.LRScheduler`` driven by lrcourse schedules (see :func:`attach`)."""

        def __init__(self, optimizer, schedules, last_epoch: int = -1):
            self.schedules = list(schedules)
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            t = max(self.last_epoch, 0)
            return [s(t) for s in self.schedules]

        def _get_closed_form_lr(self):
            return self.get_lr()

        def state_dict(self):
            # Schedules are rebuilt from code, not from the checkpoint; their reprs are kept to detect a mismatch.
            state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "schedules")}
            state["schedules"] = [repr(s) for s in self.schedules]
            return state

        def load_state_dict(self, state_dict):
            saved = state_dict.get("schedules")
            mine = [repr(s) for s in self.schedules]
            if saved is not None and saved != mine:
                raise ValueError(
                    f"this checkpoint was saved with schedules {saved}, but the scheduler now has {mine}; "
                    "attach the same schedule that the run was started with before loading its state"
                )
            self.__dict__.update({k: v for k, v in state_dict.items() if k != "schedules"})

        def __repr__(self):
            return f"ScheduleLR({', '.join(map(repr, self.schedules))}, last_epoch={self.last_epoch})"

    return ScheduleLR


def __getattr__(name):
    # ScheduleLR is built on first use so that importing lrcourse.schedules does not import torch.
    if name == "ScheduleLR":
        return _scheduler_class()
    raise AttributeError(f"module 'lrcourse.schedules' has no attribute {name!r}")


def attach(optimizer, schedule):
    """Drive ``optimizer``'s learning rate from ``schedule``; returns a PyTorch ``LRScheduler``.

    Use it like any PyTorch scheduler, stepping once per optimizer update::

        scheduler = attach(optimizer, cosine(1e-3, total_steps))
        for batch in batches:
            loss = ...; loss.backward()
            optimizer.step(); scheduler.step(); optimizer.zero_grad()

    Parameter groups: one schedule sets every group to the same LR; a list of
    schedules gives one per group, in order (e.g. a smaller LR for a pretrained
    backbone than for a new head). The LR the optimizer uses at update t is
    ``schedule(t)``, whatever ``lr`` the optimizer was built with.

    Resuming: save ``scheduler.state_dict()`` with the optimizer's; to resume,
    build the optimizer, ``attach`` the same schedule, then load the optimizer
    and scheduler states. The schedule itself is code: loading a checkpoint made
    with a different schedule raises ``ValueError``.
    """
    import torch

    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer={optimizer!r} must be a torch.optim.Optimizer")
    groups = len(optimizer.param_groups)
    if isinstance(schedule, Schedule):
        schedules = [schedule] * groups
    elif isinstance(schedule, (list, tuple)):
        schedules = [_check_schedule(f"schedule[{i}]", s) for i, s in enumerate(schedule)]
        if len(schedules) != groups:
            raise ValueError(
                f"{len(schedules)} schedules were given for an optimizer with {groups} parameter groups; "
                "give one schedule (for all groups) or exactly one per group"
            )
    else:
        raise TypeError(f"schedule={schedule!r} must be an lrcourse schedule or a list of them, one per parameter group")
    return _scheduler_class()(optimizer, schedules)
