"""Calling the learner's code safely, and reading what it returns.

- :class:`time_limit` interrupts learner code that runs too long (an infinite loop), with an
  exception a learner's ``except Exception`` cannot swallow; :class:`quiet` keeps warnings raised
  in learner code off stderr (nbgrader gives 0 to a test cell with any stderr output);
- :func:`as_number` and :func:`float_list` turn returned values into plain Python floats without
  asking the value itself (``float.__float__``, NumPy's conversion of numeric arrays), so a float
  subclass that lies in ``__float__`` or ``__eq__`` reads as the number it stores;
- :func:`isclose`: the comparison behind every verdict, in plain Python on plain floats;
- :func:`follows_own`: whether values are the learner's own (possibly wrong) function, for the
  plot and training parts, which must not take a schedule's mistake off twice;
- the text helpers of the messages (:func:`fmt`, :func:`call_text`, :func:`where`, ...).
"""

from __future__ import annotations

from .guard import BUILTINS as __builtins__  # noqa: F401  (see guard.py)

import math
import signal
import threading
import time
import traceback
import warnings
from typing import Sequence

from numpy import asarray, bool_, float64, floating, integer, ndarray

from .. import i18n
from .guard import PACKAGE_DIR
from .settings import SCHEDULE_KEYS

#: Wall-clock limit for all the calls of one schedule check (a correct function needs milliseconds).
TIME_LIMIT_S = 5.0
#: Names of this module that tests may change (the package is otherwise read-only: see guard.py).
SETTINGS = ("TIME_LIMIT_S",)

_isfinite = math.isfinite


# --------------------------------------------------------------------------------------------
# time limit and warnings


class TimeLimit(BaseException):
    """Raised inside learner code when a check runs out of time (a BaseException: a learner's
    ``except Exception`` cannot swallow it)."""


class time_limit:
    """Interrupt the block after ``seconds`` of wall time (POSIX main thread only; elsewhere no limit).

    An alarm already running (pytest-timeout, a learner's own) is kept: if it is due first it stays
    in charge; otherwise it is paused and re-armed with its remaining time afterwards."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.active = False

    def __enter__(self):
        if not (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()):
            return self
        self.outer_remaining, self.outer_interval = signal.getitimer(signal.ITIMER_REAL)
        if self.outer_remaining and self.outer_remaining <= self.seconds:
            return self  # the outer alarm fires first anyway
        self.previous = signal.signal(signal.SIGALRM, _on_alarm)
        self.started = time.monotonic()
        self.active = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc) -> bool:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            if self.outer_remaining:
                left = self.outer_remaining - (time.monotonic() - self.started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), self.outer_interval)
        return False


def _on_alarm(signum, frame):
    raise TimeLimit()


class quiet:
    """Silence warnings raised by learner code during a check: nbgrader gives 0 to a test cell
    with any stderr output, so a harmless NumPy or PyTorch warning must not cost the points.
    (Never swallows an exception, whatever ``warnings.catch_warnings`` may have been made to do.)"""

    def __enter__(self):
        self.inner = warnings.catch_warnings()
        self.inner.__enter__()
        warnings.simplefilter("ignore")
        return self

    def __exit__(self, *exc) -> bool:
        self.inner.__exit__(*exc)
        return False


# --------------------------------------------------------------------------------------------
# values returned by learner code


def as_number(value):
    """``(float, None)`` for one real number (Python, NumPy scalar, 0-d or size-1 array or list,
    tensor); ``(None, why)`` otherwise, why in {"none", "type", "finite"} (with the float for
    "finite")."""
    if value is None:
        return None, "none"
    if isinstance(value, (bool, bool_, str, bytes)):
        return None, "type"
    try:
        if isinstance(value, float):  # np.float64 too: the stored double, never a subclass's __float__
            number = float.__float__(value)
        elif isinstance(value, int):
            number = int.__float__(value)
        elif isinstance(value, (list, tuple)) and len(value) == 1:
            return as_number(value[0])
        else:
            arr = asarray(value)
            if arr.size != 1 or arr.dtype.kind not in "fiu":
                return None, "type"
            number = float(arr.ravel().tolist()[0])
    except Exception:  # an object NumPy cannot read, an int too large for a float
        return None, "type"
    if not _isfinite(number):
        return number, "finite"
    return number, None


def float_list(values) -> list[float] | None:
    """``values`` flattened to a list of plain floats (as ``numpy.asarray(values, float64)``, but
    with the stored value of every float or int subclass), or None when NumPy cannot read it."""
    try:
        if isinstance(values, ndarray) and values.dtype.kind == "O":
            values = values.ravel().tolist()
        return asarray(_plain(values), dtype=float64).ravel().tolist()
    except Exception:  # e.g. tensors that require grad (loss instead of loss.item())
        return None


def _plain(value):
    """``value`` with every float or int subclass (in lists and tuples too) replaced by its stored value."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__float__(value)
    return value


def isclose(a: float, b: float, rtol: float, atol: float) -> bool:
    """``|a − b| ≤ atol + rtol·|b|`` on plain floats, as ``numpy.isclose`` (NaN is never close)."""
    return a == b or abs(a - b) <= atol + rtol * abs(b)


def own_functions(functions, check: str) -> dict:
    """``{key: learner function}`` from a sequence in SCHEDULE_KEYS order (or a dict), or ``{}``."""
    if functions is None:
        return {}
    if isinstance(functions, dict) and set(functions) == set(SCHEDULE_KEYS):
        items = dict(functions)
    elif isinstance(functions, (list, tuple)) and len(functions) == len(SCHEDULE_KEYS):
        items = dict(zip(SCHEDULE_KEYS, functions))
    else:
        items = None
    if items is None or not all(callable(f) for f in items.values()):
        raise AssertionError(i18n.t("checks.functions", check=check, got=short_repr(functions)))
    return items


def follows_own(fn, steps: Sequence[int], args: tuple, values: list[float]) -> bool:
    """Whether ``values`` are the learner's own ``fn`` at ``steps`` (its mistakes included)."""
    if fn is None:
        return False
    own = []
    try:
        with time_limit(TIME_LIMIT_S), quiet():
            for t in steps:
                own.append(as_number(fn(int(t), *args))[0])
    except BaseException as exc:  # noqa: BLE001  (learner code: anything may happen, nothing may escape)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return False
    if any(v is None for v in own):
        return False
    scale = max((abs(v) for v in own), default=0.0)
    return all(abs(v - o) <= 1e-6 * scale + 2e-5 * abs(o) for v, o in zip(values, own))


# --------------------------------------------------------------------------------------------
# text of the messages


def fmt(x) -> str:
    """A number as a learner reads it: ints plainly, floats with 6 significant digits."""
    if isinstance(x, (bool, bool_)):
        return repr(bool(x))
    if isinstance(x, (int, integer)):
        return str(int(x))
    if isinstance(x, (float, floating)):
        return f"{float(x):.6g}"
    return repr(x)


def call_text(name: str, args: Sequence) -> str:
    return f"{name}({', '.join(fmt(a) for a in args)})"


def short_repr(value, limit: int = 60) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001  (a learner's __repr__ may fail)
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def where(exc: BaseException) -> str:
    """The innermost frame of the traceback outside this package: file, line and code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(PACKAGE_DIR)]
    if not frames:
        return "?"
    frame = frames[-1]
    return i18n.t("checks.where", line=frame.lineno, file=frame.filename, code=(frame.line or "").strip())


def error_text(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def check_callable(fn, check: str, name: str) -> None:
    if not callable(fn):
        raise AssertionError(i18n.t("checks.not_callable", check=check, name=name, got=short_repr(fn)))

