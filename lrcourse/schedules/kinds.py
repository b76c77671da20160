"""The registry of schedule kinds: the one list that the designer, its widget, the CLI and the explorer read.

A *kind* is a schedule family as a learner picks it from a menu ("cosine", "step", "wsd"):
a :class:`Kind` says how to build it from the three numbers every run has (peak ``lr``,
``total_steps``, ``warmup_steps``) plus its own parameters, which have defaults that may depend
on the run (step decay's milestones default to 50% and 75% of it). It also carries a label in
the course languages, aliases, and how its factory's schedules are written as code::

    >>> from lrcourse.schedules import kinds
    >>> kinds.names()                              # display order
    ('constant', 'step', 'exponential', 'cosine', ...)
    >>> kinds.build("cosine", lr=1e-3, total_steps=10_000, warmup_steps=500)
    warmup_cosine(lr=0.001, warmup_steps=500, total_steps=10000, lr_min=0.0)
    >>> kinds.get("step_decay").name               # an alias
    'step'

A new kind: write its factory (:mod:`lrcourse.schedules.library`), then one ``register(Kind(...))``
here with its parameters, label and :class:`~lrcourse.schedules.export.Exporter`. Nothing else
changes: ``names()`` feeds the designer, its widget, the ``lrcourse design --schedule`` choices and
the schedule explorer of lesson 02.

This module imports neither torch nor matplotlib (the command line builds its parser from it).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from .. import i18n
from .._runtime import check_choice, check_int, check_positive
from . import export
from . import library as L
from .core import FACTORIES, Schedule, check_lr_min, with_warmup

i18n.load("schedules")

MILESTONE_SHARES = (0.5, 0.75)  # step decay's default drops: He et al. 2016 (32k and 48k of 64k iterations)
WSD_DECAY_SHARE = 0.2  # WSD's default cooldown: the last 20% of the run (Hägele et al. 2024: 10-20%)


@dataclass(frozen=True)
class Context:
    """What a parameter's default and check may look at."""

    lr: float
    total_steps: int
    warmup_steps: int
    given: Mapping[str, Any]  # the parameters as given (None: not given)
    params: dict  # the parameters resolved so far, in declaration order


@dataclass(frozen=True)
class Param:
    """One parameter of a kind.

    ``default``: a value, or a function ``(Context) -> value`` for defaults that depend on the
    run or on the parameters declared before; ``None``: optional, left out unless given.
    ``check(value, ctx) -> value`` validates a given or default value (raising ValueError or
    TypeError that names the parameter).
    """

    name: str
    default: Any = None
    check: Callable[[Any, Context], Any] | None = None
    help: str = ""


@dataclass(frozen=True)
class Kind:
    """One schedule kind (see the module docstring).

    ``factory``: the schedule factory the kind is about (its schedules are written as code by
    ``exporter``, and rebuilt by name when unpickled). ``build(lr, total_steps, warmup_steps,
    **params)``: the schedule for resolved ``params``. ``label``: an i18n key, or a mapping
    ``{"en": ..., "bn": ...}``; empty: ``designer.schedule.<name>``. ``open_ended``: the kind
    has no end (inverse square root), so a warmup past the run's end is still this kind.
    """

    name: str
    factory: Callable[..., Schedule]
    build: Callable[..., Schedule]
    params: tuple[Param, ...] = ()
    label: str | Mapping[str, str] = ""
    aliases: tuple[str, ...] = ()
    exporter: export.Exporter | None = None
    open_ended: bool = False

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def title(self, language: str | None = None) -> str:
        """The kind's name for a learner, in the course language (or ``language``)."""
        if isinstance(self.label, Mapping):
            return self.label[language or i18n.get_language()]
        return i18n.t(self.label or f"designer.schedule.{self.name}", language)

    def resolve(self, lr: float, total_steps: int, warmup_steps: int = 0, **given) -> dict:
        """The kind's parameters with defaults filled in and checked (None counts as not given)."""
        unknown = [k for k in given if k not in self.param_names]
        if unknown:
            takes = ", ".join(self.param_names) or "no parameters"
            raise TypeError(f"schedule {self.name!r} has no parameter {unknown[0]!r}; it takes {takes}")
        ctx = Context(lr, total_steps, warmup_steps, given, {})
        for p in self.params:
            value = given.get(p.name)
            if value is None:
                value = p.default(ctx) if callable(p.default) else p.default
            if value is None:
                continue
            ctx.params[p.name] = p.check(value, ctx) if p.check else value
        return ctx.params

    def make(self, lr: float, total_steps: int, warmup_steps: int = 0, **given) -> Schedule:
        """``build`` with the parameters resolved."""
        return self.build(lr, total_steps, warmup_steps, **self.resolve(lr, total_steps, warmup_steps, **given))


# --------------------------------------------------------------------------- the registry

_KINDS: dict[str, Kind] = {}
ALIASES: dict[str, str] = {}  # alias -> kind, e.g. "step_decay" -> "step" (read it; register() changes it)
_ADDED_FACTORIES: dict[str, set[str]] = {}  # kind -> factory names its registration added


def names() -> tuple[str, ...]:
    """The registered kinds, in display order."""
    return tuple(_KINDS)


def choices() -> tuple[str, ...]:
    """What a menu or a ``--schedule`` option accepts: the kinds, then their aliases."""
    return names() + tuple(ALIASES)


def get(name) -> Kind:
    """The kind called ``name`` (or an alias of it; case does not matter)."""
    key = name.lower() if isinstance(name, str) else None
    key = ALIASES.get(key, key)
    if key not in _KINDS:
        check_choice("schedule", name, names())
    return _KINDS[key]


def label(name: str, language: str | None = None) -> str:
    """The learner-facing name of the kind ``name``."""
    return get(name).title(language)


def build(name: str, *, lr: float, total_steps: int, warmup_steps: int = 0, **params) -> Schedule:
    """The schedule of kind ``name`` for a run: peak ``lr``, ``total_steps`` updates, a linear warmup.

    ``params`` are the kind's own (``get(name).param_names``); the others take their defaults.
    """
    lr = check_positive("lr", lr)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    return get(name).make(lr, total_steps, warmup_steps, **params)


def register(kind: Kind, *, replace: bool = False) -> Kind:
    """Add ``kind`` to the registry (last in display order); returns it.

    Its factory is recorded (so its schedules unpickle) and its exporter used for the factory's
    schedules. A name or alias already taken is an error unless ``replace``.
    """
    if not isinstance(kind, Kind):
        raise TypeError(f"kind={kind!r} must be an lrcourse.schedules.kinds.Kind")
    taken = [n for n in (kind.name, *kind.aliases) if n in _KINDS or n in ALIASES]
    if taken and not replace:
        raise ValueError(f"schedule kind {taken[0]!r} is already registered; pass replace=True to replace it")
    if replace and kind.name in _KINDS:
        unregister(kind.name)
    _KINDS[kind.name] = kind
    ALIASES.update({a: kind.name for a in kind.aliases})
    factory_name = kind.factory.__name__
    if factory_name not in FACTORIES:
        FACTORIES[factory_name] = kind.factory
        _ADDED_FACTORIES[kind.name] = {factory_name}
    if kind.exporter is not None:
        export.register(factory_name, kind.exporter)
    return kind


def unregister(name: str) -> Kind:
    """Remove the kind ``name`` (and what its registration added); returns it."""
    kind = _KINDS.pop(get(name).name)
    for alias in kind.aliases:
        ALIASES.pop(alias, None)
    for factory_name in _ADDED_FACTORIES.pop(kind.name, ()):
        FACTORIES.pop(factory_name, None)
        export.unregister(factory_name)
    return kind


@contextlib.contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """``with registered(Kind(...)):`` the kind exists inside the block only (for tests and demos)."""
    register(kind)
    try:
        yield kind
    finally:
        unregister(kind.name)


# --------------------------------------------------------------------------- parameter checks


def check_floor(value, ctx: Context) -> float:
    """An ``lr_min`` that the LR decays to: 0 <= lr_min < lr."""
    value = check_lr_min(value, ctx.lr)
    if value == ctx.lr:
        raise ValueError(f"lr_min={value!r} is not below lr={ctx.lr!r}; the LR must decay to something smaller")
    return value


def _steps_at_least_1(name: str):
    return lambda value, ctx: check_int(name, value, minimum=1)


def _milestones(value, ctx: Context) -> list[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"milestones={value!r} must be a list of steps, e.g. [5000, 7500]")
    if len(value) == 0:
        raise ValueError("milestones=[] is empty; give the steps at which the LR drops, e.g. [5000, 7500]")
    return sorted(check_int("milestones", m, minimum=1) for m in value)


def _one_of(name: str, options: tuple[str, ...]):
    return lambda value, ctx: check_choice(name, value.lower() if isinstance(value, str) else value, options)


def _base_lr(value, ctx: Context) -> float:
    value = check_positive("base_lr", value, allow_zero=True)
    if value <= 0:
        raise ValueError(f"lr_min={value!r}: the cyclical LR's base_lr must be > 0 (Smith: about lr/4)")
    return value


LR_MIN = Param("lr_min", 0.0, check_floor, "the LR at the end of the decay")


def after_warmup(schedule: Schedule, warmup_steps: int) -> Schedule:
    """``schedule`` behind a linear warmup from 0 (its clock starts when the warmup ends); itself for none.

    How most kinds take their warmup: ``build=lambda lr, N, W, **p: after_warmup(factory(lr, N - W, **p), W)``.
    """
    return with_warmup(schedule, warmup_steps) if warmup_steps else schedule


# --------------------------------------------------------------------------- the built-in kinds


def _build_step(lr, N, W, gamma, milestones=None, step_size=None):
    if step_size is not None:  # StepLR: every step_size steps after the warmup
        return after_warmup(L.step_decay(lr, step_size, gamma), W)
    if W:
        early = [m for m in milestones if m <= W]
        if early:
            raise ValueError(
                f"milestones={milestones} has {early} inside the warmup (warmup_steps={W}); "
                "milestones count steps from the start of the run and must come after the warmup"
            )
        return with_warmup(L.multistep(lr, [m - W for m in milestones], gamma), W)
    return L.multistep(lr, milestones, gamma)


def _build_polynomial(lr, N, W, lr_min, power=1.0):
    if W:
        return with_warmup(L.polynomial(lr, N - W, power, lr_min), W)
    return L.polynomial(lr, N, power, lr_min)


def _build_linear(lr, N, W, lr_min):
    if W and lr_min == 0:
        return L.warmup_linear(lr, W, N)  # Hugging Face's linear schedule (BERT)
    return _build_polynomial(lr, N, W, lr_min)


def _build_wsd(lr, N, W, lr_min, decay_steps, decay):
    stable = N - W - decay_steps
    if stable < 0:
        raise ValueError(
            f"decay_steps={decay_steps} with warmup_steps={W} is longer than total_steps={N}; "
            f"decay_steps must be <= total_steps - warmup_steps = {N - W}"
        )
    return L.wsd(lr, W, stable, decay_steps, lr_min, decay)


def _default_milestones(c: Context) -> list[int] | None:
    """Default: drops at 50% and 75% of the run (none when StepLR's step_size is given)."""
    if c.params.get("step_size") is not None:
        return None
    return [int(round(q * c.total_steps)) for q in MILESTONE_SHARES]


def _exponential_gamma(c: Context) -> float:
    """Default: reach lr_min (default lr/100) at the last step."""
    lr_min = c.params.get("lr_min")
    target = (c.lr / 100) if lr_min is None else max(lr_min, c.lr * 1e-12)
    return (target / c.lr) ** (1.0 / max(1, c.total_steps - 1 - c.warmup_steps))


def _sgdr_t0(c: Context) -> int:
    """Default: three cycles that end with the run, t_0·(1 + m + m²) = total_steps − warmup."""
    m, N, W = c.params["t_mult"], c.total_steps, c.warmup_steps
    return max(1, (N - min(W, N - 1)) // (1 + m + m**2))


def _cyclic(lr, N, W, base_lr, cycle_steps, mode="triangular", gamma=1.0, lr_min=None):
    return after_warmup(L.cyclic(base_lr, lr, cycle_steps, mode=mode, gamma=gamma), W)


_E = export.EXPORTERS
for _kind in (
    Kind("constant", L.constant, lambda lr, N, W: after_warmup(L.constant(lr), W), exporter=_E["constant"]),
    Kind("step", L.step_decay, _build_step, (
        Param("step_size", None, _steps_at_least_1("step_size"), "StepLR: drop every step_size steps"),
        Param("milestones", _default_milestones, _milestones, "steps from the start of the run where the LR drops"),
        Param("gamma", 0.1, None, "the factor of each drop"),
    ), aliases=("step_decay",), exporter=_E["step_decay"]),
    Kind("exponential", L.exponential, lambda lr, N, W, gamma, lr_min=None: after_warmup(L.exponential(lr, gamma), W), (
        Param("lr_min", None, check_floor, "the LR reached at the last step (default lr/100)"),
        Param("gamma", _exponential_gamma, None, "the factor per step"),
    ), exporter=_E["exponential"]),
    Kind("cosine", L.cosine, lambda lr, N, W, lr_min: (L.warmup_cosine(lr, W, N, lr_min) if W
                                                       else L.cosine(lr, N, lr_min)), (LR_MIN,),
         exporter=_E["cosine"]),
    Kind("linear", L.warmup_linear, _build_linear, (LR_MIN,), exporter=_E["warmup_linear"]),
    Kind("polynomial", L.polynomial, _build_polynomial, (
        LR_MIN,
        Param("power", 1.0, lambda v, c: check_positive("power", v, noun="power", example="a power > 0, 1 is linear")),
    ), exporter=_E["polynomial"]),
    Kind("inverse_sqrt", L.inverse_sqrt, lambda lr, N, W: L.inverse_sqrt(lr, W), open_ended=True,
         exporter=_E["inverse_sqrt"]),
    Kind("wsd", L.wsd, _build_wsd, (
        LR_MIN,
        Param("decay_steps", lambda c: max(1, int(round(WSD_DECAY_SHARE * c.total_steps))),
              _steps_at_least_1("decay_steps"), "the cooldown at the end"),
        Param("decay", "1-sqrt", _one_of("decay", ("linear", "cosine", "1-sqrt")), "the cooldown's shape"),
    ), exporter=_E["wsd"]),
    Kind("one_cycle", L.one_cycle, lambda lr, N, W, pct_start: L.one_cycle(lr, N, pct_start), (
        Param("pct_start", lambda c: (c.warmup_steps / c.total_steps) if c.warmup_steps else 0.3, None,
              "the share of the run spent rising (default: the warmup's share, else 0.3)"),
    ), exporter=_E["one_cycle"]),
    Kind("cyclic", L.cyclic, _cyclic, (
        Param("lr_min", None, check_floor, "the base_lr"),
        Param("base_lr", lambda c: c.lr / 4 if c.params.get("lr_min") is None else c.params["lr_min"], _base_lr,
              "the low end of the cycle (default lr/4)"),
        Param("cycle_steps", lambda c: max(1, c.total_steps // 8), _steps_at_least_1("cycle_steps"),
              "steps per half cycle"),
        Param("mode", None, _one_of("mode", ("triangular", "triangular2", "exp_range")), "the cycle's amplitude"),
        Param("gamma", None, None, "exp_range's factor per step"),
    ), exporter=_E["cyclic"]),
    Kind("sgdr", L.sgdr, lambda lr, N, W, lr_min, t_mult, t_0: after_warmup(L.sgdr(lr, t_0, t_mult, lr_min), W), (
        LR_MIN,
        Param("t_mult", 2, _steps_at_least_1("t_mult"), "each cycle is t_mult times longer"),
        Param("t_0", _sgdr_t0, _steps_at_least_1("t_0"), "the first cycle's length"),
    ), exporter=_E["sgdr"]),
):
    register(_kind)
del _kind, _E
