"""The assignment's formulas, and the usual mistakes as formulas too.

- :func:`reference`: the five schedules exactly as the assignment defines them, in float64;
- :data:`SPECS`: for each schedule, a :class:`Spec`: its parameters and defaults, the fixed test
  cases (defaults, boundaries, other parameter values, small and large horizons), a generator of
  random cases (the hidden tests' ``seed=``), the tolerance, and the usual mistakes, each a
  :class:`Mistake`: the formula with that mistake and the message that names it.

A new usual mistake goes into the list of its schedule's ``_*_spec`` function below; a test in
``tests/test_checks.py`` makes sure it differs from the formula at some visible case.
"""

from __future__ import annotations

from .guard import BUILTINS as __builtins__  # noqa: F401  (see guard.py)

import itertools
from dataclasses import dataclass, field
from math import ceil, cos, exp, log10, pi
from typing import Callable

from numpy import asarray, float64, integer, ndarray
from numpy import array as np_array

from .._runtime import check_choice
from .guard import FrozenDict
from .sandbox import fmt
from .settings import SCHEDULE_KEYS

# ---------------------------------------------------------------------------------------------
# The reference formulas: exactly the assignment's definitions, scalar and in float64
# ---------------------------------------------------------------------------------------------


def _ref_constant(t, lr0=1e-3):
    return float(lr0)


def _ref_step(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t // k)


def _ref_exponential(t, lr0=1e-3, gamma=0.999):
    return lr0 * gamma**t


def _ref_cosine(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + cos(pi * t / T))


def _ref_warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return _ref_cosine(t - warmup, T - warmup, lr_max, lr_min)


REFERENCES = FrozenDict(
    constant=_ref_constant,
    step=_ref_step,
    exponential=_ref_exponential,
    cosine=_ref_cosine,
    warmup_cosine=_ref_warmup_cosine,
)


def reference(key: str, t, *args) -> float | ndarray:
    """The assignment's formula ``key`` (one of :data:`SCHEDULE_KEYS`) at step(s) ``t``.

    ``reference("cosine", 2500, 10_000, 1e-3, 1e-5)``; ``t`` may be an int or a sequence of ints.
    """
    check_choice("key", key, SCHEDULE_KEYS)
    if isinstance(t, (int, integer)) or (isinstance(t, ndarray) and t.ndim == 0):
        return float(REFERENCES[key](int(t), *args))
    return np_array(reference_values(key, asarray(t).ravel().tolist(), args), dtype=float64)


def reference_values(key: str, steps, args: tuple) -> list[float]:
    """The formula ``key`` at each of ``steps``, as plain floats (what the verdicts compare with)."""
    fn = REFERENCES[key]
    return [float(fn(int(s), *args)) for s in steps]


# ---------------------------------------------------------------------------------------------
# Specs and mistakes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    key: str  # i18n key of the explanation
    fn: Callable  # the formula with the mistake, on the full argument tuple
    fields: dict = field(default_factory=dict)  # values for the message


@dataclass(frozen=True)
class Spec:
    key: str
    name: str  # the learner's function name
    params: tuple[str, ...]  # all parameter names, t first
    defaults: dict  # optional parameter -> default
    hardcoded: dict  # required parameter -> a value learners hard-code (from the lesson)
    formula: str
    cases: tuple[tuple, ...]
    random_case: Callable
    mistakes: tuple[Mistake, ...]
    exponent_steps: bool = False  # float32 gamma ** t loses ~t·6e-8 relative accuracy

    @property
    def ref(self):
        return REFERENCES[self.key]

    def full(self, args: tuple) -> tuple:
        """The call's arguments completed with the defaults."""
        names = self.params[len(args) :]
        return tuple(args) + tuple(self.defaults[n] for n in names)

    def tolerance(self, full: tuple) -> tuple[float, float]:
        """``(rtol, atol)`` for a case: loose enough for float32 results, tight enough for the mistakes."""
        lrs = [abs(v) for n, v in zip(self.params, full) if n.startswith("lr")]
        scale = max(lrs) if lrs else 1.0
        rtol = 2e-5
        if self.exponent_steps:
            rtol += 1.5e-7 * full[0]
        return rtol, 1e-6 * scale


def close(got: float, expected: float, tol: tuple[float, float]) -> bool:
    """Whether a returned value matches the formula within a spec's tolerance (plain floats)."""
    rtol, atol = tol
    return abs(got - expected) <= atol + rtol * abs(expected)


def _log_uniform(rng, low, high):
    return float(10 ** rng.uniform(log10(low), log10(high)))


def _nice(x: float) -> float:
    """A random LR rounded to 3 significant digits, so that messages show readable calls."""
    return float(f"{x:.3g}")


def _ignored_mistakes(params, defaults, hardcoded, ref) -> list[Mistake]:
    """Variants where some parameters are replaced by their default (or a value from the lesson)."""
    fixed = {**hardcoded, **defaults}
    names = [n for n in params if n in fixed]
    out = []
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(names, size):

            def variant(full, subset=subset):
                args = list(full)
                for n in subset:
                    args[params.index(n)] = fixed[n]
                return ref(*args)

            out.append(
                Mistake(
                    "checks.m.ignored",
                    variant,
                    {
                        "params": ", ".join(subset),
                        "values": ", ".join(f"{n}={fmt(fixed[n])}" for n in subset),
                    },
                )
            )
    return out


def _cos_variants() -> list[tuple[str, Callable]]:
    """Mistaken cosines, as functions of (t, T, lr_max, lr_min)."""
    c = cos
    return [
        ("checks.m.missing_lr_min", lambda t, T, a, b: 0.5 * a * (1 + c(pi * t / T))),
        ("checks.m.lr_min_amplitude", lambda t, T, a, b: b + 0.5 * a * (1 + c(pi * t / T))),
        ("checks.m.period_full", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(2 * pi * t / T))),
        ("checks.m.period_quarter", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * t / (2 * T)))),
        ("checks.m.missing_pi", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(t / T))),
        ("checks.m.rising", lambda t, T, a, b: b + 0.5 * (a - b) * (1 - c(pi * t / T))),
        ("checks.m.t_plus_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * (t + 1) / T))),
        ("checks.m.t_minus_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * (t - 1) / T))),
        ("checks.m.horizon_off_by_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * t / (T - 1)))),
        ("checks.m.horizon_off_by_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * t / (T + 1)))),
    ]


def _warm(t, w, a, b):
    return a * t / w


def _constant_spec() -> Spec:
    """``constant_lr(t, lr0=1e-3) -> lr0``."""
    params = ("t", "lr0")
    defaults = {"lr0": 1e-3}
    return Spec(
        "constant",
        "constant_lr",
        params,
        defaults,
        {},
        "lr0",
        cases=((0,), (1,), (9_999,), (0, 0.1), (7, 0.1), (100, 0.5), (1, 3e-4), (1_000_000, 2.5e-5), (42, 1.0)),
        random_case=lambda r: (int(r.integers(0, 10**6)), _nice(_log_uniform(r, 1e-5, 1.0))),
        mistakes=tuple(_ignored_mistakes(params, defaults, {}, _ref_constant)),
    )


def _step_spec() -> Spec:
    """``step_decay(t, lr0=0.1, gamma=0.1, k=30) -> lr0 * gamma ** (t // k)``."""
    params = ("t", "lr0", "gamma", "k")
    defaults = {"lr0": 0.1, "gamma": 0.1, "k": 30}
    return Spec(
        "step",
        "step_decay",
        params,
        defaults,
        {},
        "lr0 · gamma^⌊t/k⌋ = lr0 * gamma ** (t // k)",
        cases=(
            (0,), (29,), (30,), (45,), (59,), (60,), (90,),
            (0, 1.0, 0.5, 10), (7, 1.0, 0.5, 10), (9, 1.0, 0.5, 10), (10, 1.0, 0.5, 10), (16, 1.0, 0.5, 10),
            (25, 1.0, 0.5, 10), (99, 1.0, 0.5, 10), (100, 1.0, 0.5, 10),
            (0, 0.01, 0.3, 1), (1, 0.01, 0.3, 1), (7, 0.01, 0.3, 1),
            (749, 0.05, 0.5, 250), (750, 0.05, 0.5, 250), (1_000, 0.05, 0.5, 250), (2, 2e-3, 0.1, 3),
        ),
        random_case=lambda r: (
            int(r.integers(0, 5_000)),
            _nice(_log_uniform(r, 1e-4, 1.0)),
            round(float(r.uniform(0.05, 0.9)), 2),
            int(r.integers(1, 500)),
        ),
        mistakes=tuple(
            [
                Mistake("checks.m.float_division", lambda f: f[1] * f[2] ** (f[0] / f[3])),
                Mistake("checks.m.rounding", lambda f: f[1] * f[2] ** round(f[0] / f[3])),
                Mistake("checks.m.rounding", lambda f: f[1] * f[2] ** ceil(f[0] / f[3])),
                Mistake("checks.m.t_plus_one", lambda f: f[1] * f[2] ** ((f[0] + 1) // f[3])),
                Mistake("checks.m.t_minus_one", lambda f: f[1] * f[2] ** ((f[0] - 1) // f[3])),
                Mistake("checks.m.extra_decay", lambda f: f[1] * f[2] ** (f[0] // f[3] + 1)),
            ]
            + _ignored_mistakes(params, defaults, {}, _ref_step)
        ),
    )


def _exponential_spec() -> Spec:
    """``exponential_decay(t, lr0=1e-3, gamma=0.999) -> lr0 * gamma ** t``."""
    params = ("t", "lr0", "gamma")
    defaults = {"lr0": 1e-3, "gamma": 0.999}
    return Spec(
        "exponential",
        "exponential_decay",
        params,
        defaults,
        {},
        "lr0 · gamma^t = lr0 * gamma ** t",
        cases=(
            (0,), (1,), (1_000,), (10_000,),
            (0, 0.1, 0.5), (1, 0.1, 0.5), (3, 0.1, 0.5), (10, 1.0, 0.9), (100, 0.02, 0.99),
            (5_000, 1e-3, 0.9995), (1, 3e-4, 0.97), (20, 0.5, 0.8),
        ),
        random_case=lambda r: (
            int(r.integers(0, 20_000)),
            _nice(_log_uniform(r, 1e-4, 1.0)),
            float(f"{1 - _log_uniform(r, 1e-5, 0.1):.6g}"),
        ),
        mistakes=tuple(
            [
                Mistake("checks.m.t_plus_one", lambda f: f[1] * f[2] ** (f[0] + 1)),
                Mistake("checks.m.t_minus_one", lambda f: f[1] * f[2] ** (f[0] - 1)),
                Mistake("checks.m.exp_e", lambda f: f[1] * exp(-f[2] * f[0])),
                Mistake("checks.m.exp_e", lambda f: f[1] * exp(-(1 - f[2]) * f[0])),
            ]
            + _ignored_mistakes(params, defaults, {}, _ref_exponential)
        ),
        exponent_steps=True,
    )


def _random_cosine(r):
    T = int(10 ** r.uniform(0, 5))
    lr_max = _nice(_log_uniform(r, 1e-4, 1.0))
    lr_min = 0.0 if r.random() < 0.2 else _nice(lr_max * r.uniform(0.001, 0.5))
    return (int(r.integers(0, T + 1)), T, lr_max, lr_min)


def _cosine_spec() -> Spec:
    """``cosine_lr(t, T, lr_max=1e-3, lr_min=1e-5)``."""
    params = ("t", "T", "lr_max", "lr_min")
    defaults = {"lr_max": 1e-3, "lr_min": 1e-5}
    hardcoded = {"T": 10_000}
    return Spec(
        "cosine",
        "cosine_lr",
        params,
        defaults,
        hardcoded,
        "lr_min + ½(lr_max − lr_min)(1 + cos(πt/T))",
        cases=(
            (0, 100), (50, 100), (100, 100), (2_500, 10_000), (10_000, 10_000),
            (0, 10, 1.0, 0.0), (5, 10, 1.0, 0.0), (10, 10, 1.0, 0.0), (3, 10, 0.5, 0.1), (1, 4, 2e-3, 1e-4),
            (7, 7, 0.1, 0.01), (250, 1_000, 0.1, 1e-3), (1, 1, 0.3, 0.03), (0, 1, 1.0, 0.5),
            (33_333, 100_000, 3e-4, 3e-5), (99_999, 100_000, 3e-4, 3e-5),
        ),
        random_case=_random_cosine,
        mistakes=tuple(
            [Mistake(key, lambda f, v=v: v(*f)) for key, v in _cos_variants()]
            + _ignored_mistakes(params, defaults, hardcoded, _ref_cosine)
        ),
    )


def _wc(warm, cos_part):
    """A warmup + cosine from its two parts (each possibly with a mistake)."""

    def variant(f):
        t, w, T, a, b = f
        return warm(t, w, a, b) if t < w else cos_part(t, w, T, a, b)

    return variant


def _shifted(t, w, T, a, b):
    return _ref_cosine(t - w, T - w, a, b)


def _random_warmup_cosine(r):
    T = int(10 ** r.uniform(log10(2), 5))
    w = int(r.integers(1, T))
    lr_max = _nice(_log_uniform(r, 1e-4, 1.0))
    lr_min = 0.0 if r.random() < 0.2 else _nice(lr_max * r.uniform(0.001, 0.5))
    return (int(r.integers(0, T + 1)), w, T, lr_max, lr_min)


def _warmup_cosine_spec() -> Spec:
    """``warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5)``."""
    params = ("t", "warmup", "T", "lr_max", "lr_min")
    defaults = {"lr_max": 1e-3, "lr_min": 1e-5}
    hardcoded = {"warmup": 1_000, "T": 10_000}
    mistakes = [
        Mistake("checks.m.not_shifted", _wc(_warm, lambda t, w, T, a, b: _ref_cosine(t, T - w, a, b))),
        Mistake("checks.m.stretched", _wc(_warm, lambda t, w, T, a, b: _ref_cosine(t - w, T, a, b))),
        Mistake("checks.m.not_shifted", _wc(_warm, lambda t, w, T, a, b: _ref_cosine(t, T, a, b))),
        Mistake("checks.m.warmup_start", _wc(lambda t, w, a, b: a * (t + 1) / w, _shifted)),
        Mistake("checks.m.warmup_start", _wc(lambda t, w, a, b: b + (a - b) * t / w, _shifted)),
        Mistake("checks.m.warmup_start", _wc(lambda t, w, a, b: b + (a - b) * (t + 1) / w, _shifted)),
        Mistake("checks.m.warmup_early", _wc(lambda t, w, a, b: a * min(1.0, t / (w - 1)), _shifted)),
    ]
    for key, v in _cos_variants():
        mistakes.append(
            Mistake("checks.m.cosine_part", _wc(_warm, lambda t, w, T, a, b, v=v: v(t - w, T - w, a, b)), {"mistake": key})
        )
    return Spec(
        "warmup_cosine",
        "warmup_cosine",
        params,
        defaults,
        hardcoded,
        "lr_max · t / warmup for t < warmup, else cosine_lr(t − warmup, T − warmup, lr_max, lr_min)",
        cases=(
            (0, 1_000, 10_000), (1, 1_000, 10_000), (500, 1_000, 10_000), (999, 1_000, 10_000),
            (1_000, 1_000, 10_000), (1_001, 1_000, 10_000), (5_500, 1_000, 10_000), (10_000, 1_000, 10_000),
            (0, 10, 110, 1.0, 0.0), (5, 10, 110, 1.0, 0.0), (10, 10, 110, 1.0, 0.0), (35, 10, 110, 1.0, 0.0),
            (60, 10, 110, 1.0, 0.0), (110, 10, 110, 1.0, 0.0),
            (1, 4, 8, 0.2, 0.02), (3, 4, 8, 0.2, 0.02), (4, 4, 8, 0.2, 0.02), (6, 4, 8, 0.2, 0.02),
            (8, 4, 8, 0.2, 0.02), (0, 1, 2, 0.5, 0.1), (1, 1, 2, 0.5, 0.1), (2, 1, 2, 0.5, 0.1),
            (100, 200, 1_200, 3e-3, 3e-5), (450, 200, 1_200, 3e-3, 3e-5), (1_199, 200, 1_200, 3e-3, 3e-5),
        ),
        random_case=_random_warmup_cosine,
        mistakes=tuple(mistakes + _ignored_mistakes(params, defaults, hardcoded, _ref_warmup_cosine)),
    )


#: The spec of each schedule, by key.
SPECS = FrozenDict(
    constant=_constant_spec(),
    step=_step_spec(),
    exponential=_exponential_spec(),
    cosine=_cosine_spec(),
    warmup_cosine=_warmup_cosine_spec(),
)
