"""Small runtime helpers that several modules need, each in one place.

- :func:`seeded` builds something (a model, a tensor) under a fixed torch seed and leaves the
  global random generator exactly as it was;
- :func:`single_thread` runs a block on one intra-op thread (tiny networks run faster that way on a
  small shared CPU, and bit-for-bit reproducibly); :func:`use_one_thread` sets it for the session;
- :func:`atomic_write` writes a file through a temporary file in the same folder and a rename, so
  an interrupted write never leaves a half-written file behind;
- the argument checks (``check_*``) raise ``ValueError`` / ``TypeError`` naming the parameter,
  the value and what is accepted (the course's convention for errors).

torch is imported lazily: importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# random generators and threads


def seeded(seed: int, build: Callable[[], T]) -> T:
    """``build()`` under ``torch.manual_seed(seed)``; the global CPU generator is restored after."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run the block on one intra-op torch thread, then restore the previous thread count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def use_one_thread() -> None:
    """Use one intra-op thread for the rest of the session (what a notebook of tiny models wants)."""
    import torch

    if torch.get_num_threads() > 1:
        torch.set_num_threads(1)


# --------------------------------------------------------------------------------------------
# files


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", **open_kwargs) -> Iterator:
    """Open a temporary file beside ``path``; on success it replaces ``path`` (mode 0644).

    On any error (or Ctrl-C) the temporary file is removed and ``path`` is untouched::

        with atomic_write(path, "w", encoding="utf-8") as f:
            json.dump(obj, f)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# argument validation: one wording for the whole package ("name=value ... ; X is accepted")


def check_positive(name: str, value, *, allow_zero: bool = False, noun: str = "learning rate",
                   example: str = "a learning rate such as 1e-3") -> float:
    """``value`` as a float if it is a finite real number > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number ({example})")
    value = float(value)
    if not (math.isfinite(value) and (value >= 0 if allow_zero else value > 0)):
        need = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}={value!r} is not a valid {noun}; {need} is accepted")
    return value


def check_int(name: str, value, *, minimum: int, maximum: int | None = None, noun: str = "steps") -> int:
    """``value`` as an int >= ``minimum`` (and <= ``maximum``); an integral float is accepted, a bool is not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name}={value!r} must be a whole number of {noun} (an int >= {minimum})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name}={value} is too small; an int >= {minimum} is accepted")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value:,} is too large; an int <= {maximum:,} is accepted")
    return value


def check_interval(name: str, value, low: float, high: float, *, low_open: bool = True,
                   high_open: bool = False, what: str = "") -> float:
    """``value`` as a float inside the interval (open or closed at each end); NaN is refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        interval = ("(" if low_open else "[") + f"{low:g}, {high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name}={value!r} is outside {interval}{what}")
    return value


def check_choice(name: str, value, choices) -> str:
    """One of ``choices`` (strings); the error lists them."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not known; use one of {', '.join(map(repr, choices))}")
    return value
