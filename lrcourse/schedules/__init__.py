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
    :func:`attach` returns a real ``torch.optim.lr_scheduler.LRScheduler``;
    :func:`lrs_used` reads the LR each update of a PyTorch scheduler really used.

What is where (and where a new thing goes)
    ``core.py``          the :class:`Schedule` object, the step convention, :func:`with_warmup`, :func:`join`
    ``library.py``       the factories (a new schedule's factory goes here)
    ``kinds.py``         THE registry of schedule kinds: name, parameters and defaults, label, aliases,
                         exporter (a new schedule's entry goes here; the designer, its widget, the CLI and
                         the explorer of lesson 02 list what it lists)
    ``export.py``        :func:`to_code` for lrcourse, PyTorch and Hugging Face (a new factory's exporter
                         goes with its kind)
    ``torch_bridge.py``  :func:`attach` / ``ScheduleLR`` and :func:`lrs_used` (the only module that uses torch)

Importing this package does not import torch or matplotlib.
"""

from __future__ import annotations

from . import kinds
from .core import Schedule, join, with_warmup
from .export import to_code
from .library import (
    constant,
    cosine,
    cyclic,
    exponential,
    inverse_sqrt,
    multistep,
    one_cycle,
    polynomial,
    sgdr,
    step_decay,
    warmup_cosine,
    warmup_linear,
    wsd,
)
from .torch_bridge import LRProbe, attach, lrs_used, scheduler_class

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
    "lrs_used",
    "LRProbe",
    "to_code",
    "kinds",
]


def __getattr__(name):
    # ScheduleLR is built on first use so that importing lrcourse.schedules does not import torch.
    if name == "ScheduleLR":
        return scheduler_class()
    raise AttributeError(f"module 'lrcourse.schedules' has no attribute {name!r}")
