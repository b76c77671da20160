"""The five schedule checks (Part 1 of the assignment).

Every function is called at a fixed list of cases (``SPECS[key].cases``; ``seed=`` adds random
cases, as the hidden tests do), positionally and with Python ints for ``t``, so any parameter
names and any reasonable style pass. The values are compared with the formula, and, when they
differ, with the same formula carrying each usual mistake: a mistaken formula that reproduces
every value the learner returned is reported as the likely mistake.

These are the raw checks; the package exports them wrapped by :func:`~.guard.guarded`.
"""

from __future__ import annotations

from .guard import BUILTINS as __builtins__  # noqa: F401  (see guard.py)

import inspect
import math

from numpy.random import default_rng

from .. import i18n
from . import sandbox
from .formulas import SPECS, Mistake, Spec, close
from .sandbox import TimeLimit, as_number, call_text, check_callable, error_text, fmt, quiet, short_repr, time_limit, where


def check_constant_lr(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``constant_lr(t, lr0=1e-3)`` → ``lr0``. ``seed`` adds ``random_cases`` random calls."""
    run_schedule_check(fn, SPECS["constant"], seed, random_cases)


def check_step_decay(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``step_decay(t, lr0=0.1, gamma=0.1, k=30)`` → ``lr0·gamma^⌊t/k⌋``."""
    run_schedule_check(fn, SPECS["step"], seed, random_cases)


def check_exponential_decay(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``exponential_decay(t, lr0=1e-3, gamma=0.999)`` → ``lr0·gamma^t``."""
    run_schedule_check(fn, SPECS["exponential"], seed, random_cases)


def check_cosine_lr(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``cosine_lr(t, T, lr_max=1e-3, lr_min=1e-5)`` → ``lr_min + ½(lr_max − lr_min)(1 + cos(πt/T))``."""
    run_schedule_check(fn, SPECS["cosine"], seed, random_cases)


def check_warmup_cosine(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5)``: ``lr_max·t/warmup`` for
    ``t < warmup``, else ``cosine_lr(t − warmup, T − warmup, lr_max, lr_min)``."""
    run_schedule_check(fn, SPECS["warmup_cosine"], seed, random_cases)


def run_schedule_check(fn, spec: Spec, seed: int | None, random_cases: int) -> None:
    """Call ``fn`` at every case of ``spec``; raise ``AssertionError`` with the diagnosis, or print ✓."""
    check_callable(fn, f"check_{spec.name}", spec.name)
    problem = _signature_problem(fn, spec)
    if problem:
        raise AssertionError("✗ " + problem)
    cases = spec.cases
    if seed is not None:
        rng = default_rng(seed)
        cases = cases + tuple(spec.random_case(rng) for _ in range(random_cases))
    got, raised = _call_cases(fn, spec, cases)
    fulls = [spec.full(args) for args in cases]
    expected = [float(spec.ref(*f)) for f in fulls]
    tols = [spec.tolerance(f) for f in fulls]
    if raised:
        raise AssertionError(_raised_text(spec, cases, fulls, got, expected, tols, raised))
    bad = [i for i in range(len(cases)) if not close(got[i], expected[i], tols[i])]
    if not bad:
        print(i18n.t("checks.pass", name=spec.name, n=len(cases)))
        return
    raise AssertionError(_wrong_text(spec, cases, fulls, got, expected, tols, bad, fn))


def _call_cases(fn, spec: Spec, cases: tuple) -> tuple[list, list]:
    """The value of every call as a plain float (None where the call raised an ordinary exception),
    and the exceptions ``[(index, exc)]``; a missing implementation, a value that is not a number
    and a timeout raise ``AssertionError`` at once."""
    got: list[float | None] = []
    raised: list[tuple[int, Exception]] = []
    failure = None
    call = spec.name
    try:
        with time_limit(sandbox.TIME_LIMIT_S), quiet():
            for args in cases:
                call = call_text(spec.name, args)
                try:
                    value = fn(*args)
                except TimeLimit:
                    raise
                except NotImplementedError:
                    failure = i18n.t("checks.not_implemented", name=spec.name)
                    break
                except Exception as exc:  # shown to the learner, never re-raised
                    raised.append((len(got), exc))
                    got.append(None)
                    continue
                number, why = as_number(value)
                if why == "none":
                    failure = i18n.t("checks.returned_none", call=call)
                elif why == "type":
                    failure = i18n.t("checks.not_a_number", call=call, got=short_repr(value), type=type(value).__name__)
                elif why == "finite":
                    failure = i18n.t("checks.not_finite", call=call, got=fmt(number))
                if failure:
                    break
                got.append(number)
    except TimeLimit:
        failure = i18n.t("checks.timeout", call=call, seconds=sandbox.TIME_LIMIT_S)
    if failure:
        raise AssertionError(failure)
    if len(got) != len(cases):  # the list was changed from outside (the learner's code reached into it)
        raise AssertionError(i18n.t("checks.tampered", what=f"{spec.name}: {len(got)} values for {len(cases)} calls"))
    return got, raised


def _raised_text(spec, cases, fulls, got, expected, tols, raised) -> str:
    """The exception is what the learner must see first; if a usual mistake explains every value
    that did come back (and breaks down at the same calls), name it too."""
    index, exc = raised[0]
    text = i18n.t("checks.raised", call=call_text(spec.name, cases[index]), error=error_text(exc), where=where(exc))
    ok = [i for i in range(len(cases)) if got[i] is not None]
    bad = [i for i in ok if not close(got[i], expected[i], tols[i])]
    if bad:
        m = _full_match(spec, fulls, got, tols, undefined={i for i, _ in raised})
        if m is not None:
            text += "\n" + i18n.t("checks.likely", mistake=_mistake_text(m))
    return text


def _wrong_text(spec, cases, fulls, got, expected, tols, bad, fn) -> str:
    lines = [i18n.t("checks.wrong.head", name=spec.name, bad=len(bad), total=len(cases))]
    diagnosis, explained = _diagnose(spec, cases, fulls, got, bad, tols, fn)
    shown = [i for i in bad if i in explained] or bad
    first = shown[0]
    lines.append(
        i18n.t("checks.wrong.example", call=call_text(spec.name, cases[first]), got=fmt(got[first]), expected=fmt(expected[first]))
    )
    more = [i for i in bad if i != first][:2]
    if more:
        pairs = "; ".join(
            i18n.t("checks.wrong.pair", call=call_text(spec.name, cases[i]), got=fmt(got[i]), expected=fmt(expected[i]))
            for i in more
        )
        lines.append(i18n.t("checks.wrong.more", examples=pairs))
    lines.append(diagnosis)
    return "\n".join(lines)


def _signature_problem(fn, spec: Spec) -> str | None:
    """A message when ``fn`` cannot be called with all the assignment's parameters positionally."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins, some C callables: just call them
        return None
    try:
        sig.bind(*range(len(spec.params)))
    except TypeError:
        text = i18n.t(
            "checks.signature",
            name=spec.name,
            count=len(spec.params),
            params=", ".join(spec.params),
            signature=str(sig),
        )
        if spec.key == "warmup_cosine":
            text += " " + i18n.t("checks.signature.lesson")
        return text
    return None


def _defaults_text(fn) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(?)"


def _mistake_text(m: Mistake) -> str:
    fields = dict(m.fields)
    if "mistake" in fields:
        fields["mistake"] = i18n.t(fields["mistake"])
    return i18n.t(m.key, **fields)


def _variant_values(m: Mistake, fulls) -> list[float | None]:
    values = []
    for f in fulls:
        try:
            value = float(m.fn(f))
        except (ArithmeticError, ValueError, OverflowError):
            value = None
        values.append(value if value is not None and math.isfinite(value) else None)
    return values


def _full_match(spec, fulls, got, tols, undefined) -> Mistake | None:
    """The first mistake that reproduces every returned value and is undefined exactly where the
    learner's function raised."""
    for m in spec.mistakes:
        values = _variant_values(m, fulls)
        if {i for i, v in enumerate(values) if v is None} != undefined:
            continue
        if all(got[i] is None or close(got[i], values[i], tols[i]) for i in range(len(fulls))):
            return m
    return None


def _diagnose(spec, cases, fulls, got, bad, tols, fn) -> tuple[str, set]:
    """The message naming the most likely mistake, and the cases it explains."""
    default_cases = {i for i, args in enumerate(cases) if len(args) < len(spec.params)}
    if set(bad) <= default_cases and len(default_cases) < len(cases):
        given = ", ".join(spec.params[: len(cases[bad[0]])])
        expected = ", ".join(f"{n}={fmt(v)}" for n, v in spec.defaults.items())
        mistake = i18n.t("checks.m.wrong_defaults", given=given, expected=expected, name=spec.name, signature=_defaults_text(fn))
        return i18n.t("checks.likely", mistake=mistake), set(bad)

    best = None  # (score, mistake, explained set)
    for order, m in enumerate(spec.mistakes):
        agree, differ = set(), 0
        for i, value in enumerate(_variant_values(m, fulls)):
            if value is None:
                continue
            if close(got[i], value, tols[i]):
                agree.add(i)
            else:
                differ += 1
        explained = agree & set(bad)
        if not explained:
            continue
        score = (differ == 0, len(explained), -order)
        if best is None or score > best[0]:
            best = (score, m, explained)
    if best is not None:
        (full_match, n_explained, _), m, explained = best
        if full_match:
            return i18n.t("checks.likely", mistake=_mistake_text(m)), explained
        if n_explained * 2 >= len(bad):
            return i18n.t("checks.possible", matched=n_explained, bad=len(bad), mistake=_mistake_text(m)), explained
    return i18n.t("checks.no_diagnosis", formula=spec.formula), set()
