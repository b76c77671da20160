"""A corpus of learner implementations for the assignment's checks (``lrcourse.checks``).

Each module holds implementations of one part of the assignment, registered with
:func:`correct` (must pass) or :func:`buggy` (must fail, and, where ``names`` is given, the
message must name that mistake: the i18n key of the explanation the checker should give).

The implementations are written the way learners write them: scalar code with ``math`` and
``if``, NumPy, loops, float32, the lesson's own code, and the usual mistakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

REGISTRY: list["Entry"] = []


@dataclass
class Entry:
    part: str  # "constant", "step", "exponential", "cosine", "warmup_cosine", "plot", "train"
    fn: Callable
    ok: bool
    names: tuple[str, ...] = ()  # i18n keys whose text the failure message must contain
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.part}:{self.fn.__name__}"


def correct(part: str):
    def register(fn):
        REGISTRY.append(Entry(part, fn, True))
        return fn

    return register


def buggy(part: str, *names: str, note: str = ""):
    def register(fn):
        REGISTRY.append(Entry(part, fn, False, tuple(names), note))
        return fn

    return register


def load() -> list[Entry]:
    """Every entry of the corpus (imports the corpus modules once)."""
    from . import schedules, plots, training  # noqa: F401  (registration on import)

    return list(REGISTRY)
