"""The schedule object, the step convention, the factory table, and composition.

- :class:`Schedule`: immutable, picklable, vectorised ``schedule(t) -> lr``;
- :func:`factory`: the decorator that makes a function a schedule factory (its name is what a
  schedule's ``name`` says, what pickling rebuilds it from, and what code export writes);
- :func:`with_warmup` and :func:`join`: schedules made of other schedules;
- the checks shared by the factories (:func:`check_lr_min`, :func:`check_warmup`,
  :func:`check_schedule`); the general ones are in :mod:`lrcourse._runtime`.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .._runtime import check_int, check_positive

_Fn = Callable[[np.ndarray], np.ndarray]  # int64 steps (validated, >= 0) -> float64 LRs

#: Every schedule factory by name: the ones of this package, and those of registered kinds.
FACTORIES: dict[str, Callable[..., "Schedule"]] = {}


def factory(fn):
    """Record ``fn`` in :data:`FACTORIES` under its name; returns ``fn`` unchanged."""
    FACTORIES[fn.__name__] = fn
    return fn


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
    try:
        make = FACTORIES[name]
    except KeyError:
        raise ValueError(f"no schedule factory {name!r}; register its kind (lrcourse.schedules.kinds) first") from None
    return make(**params)


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


def check_lr_min(lr_min, lr: float, lr_name: str = "lr") -> float:
    """``lr_min`` as a float in [0, lr]."""
    lr_min = check_positive("lr_min", lr_min, allow_zero=True)
    if lr_min > lr:
        raise ValueError(f"lr_min={lr_min!r} is larger than {lr_name}={lr!r}; lr_min must be between 0 and {lr_name}")
    return lr_min


def check_warmup(warmup_steps, total_steps: int) -> int:
    """``warmup_steps`` as an int with 0 <= warmup_steps < total_steps."""
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    if warmup_steps >= total_steps:
        raise ValueError(
            f"warmup_steps={warmup_steps} is not shorter than total_steps={total_steps}; "
            "the warmup must end before the run does (0 <= warmup_steps < total_steps)"
        )
    return warmup_steps


def check_schedule(name: str, value) -> Schedule:
    """``value`` if it is a :class:`Schedule`."""
    if not isinstance(value, Schedule):
        raise TypeError(f"{name}={value!r} must be an lrcourse schedule, e.g. lrcourse.schedules.cosine(1e-3, 10_000)")
    return value


# --------------------------------------------------------------------------- composition


@factory
def with_warmup(schedule: Schedule, warmup_steps: int, start_lr: float = 0.0) -> Schedule:
    """A linear warmup from ``start_lr`` to ``schedule(0)`` in front of ``schedule``.

    During the warmup (t < warmup_steps) the LR is
    ``start_lr + (schedule(0) − start_lr)·t/warmup_steps``; afterwards it is
    ``schedule(t − warmup_steps)``: the schedule's clock starts when the warmup
    ends, so a ``cosine(lr, N)`` behind a warmup of W steps ends at W + N.
    """
    schedule = check_schedule("schedule", schedule)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=1)
    start_lr = check_positive("start_lr", start_lr, allow_zero=True)
    target = schedule(0)

    def fn(t):
        ramp = start_lr + (target - start_lr) * (t / warmup_steps)
        after = schedule._fn(np.maximum(t - warmup_steps, 0))
        return np.where(t < warmup_steps, ramp, after)

    return Schedule("with_warmup", {"schedule": schedule, "warmup_steps": warmup_steps, "start_lr": start_lr}, fn)


@factory
def join(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Switch to the next schedule at each boundary; each piece's clock restarts at 0 there.

    ``join([a, b, c], [100, 500])`` is ``a(t)`` for t < 100, ``b(t − 100)`` for
    100 <= t < 500 and ``c(t − 500)`` afterwards, as optax's ``join_schedules``.
    """
    if isinstance(schedules, Schedule) or not isinstance(schedules, Sequence) or len(schedules) < 2:
        raise ValueError("schedules must be a list of at least two lrcourse schedules, e.g. [warmup, decay]")
    schedules = [check_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)]
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, (Sequence, np.ndarray)):
        raise TypeError(f"boundaries={boundaries!r} must be a list of steps")
    bounds = [check_int(f"boundaries[{i}]", b, minimum=1) for i, b in enumerate(boundaries)]
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
