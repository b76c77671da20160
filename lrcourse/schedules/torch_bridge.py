"""The PyTorch side: drive an optimizer from a schedule, and read what a PyTorch scheduler really does.

- :func:`attach` returns a real ``torch.optim.lr_scheduler.LRScheduler`` (:class:`ScheduleLR`)
  that sets the LR of update ``t`` to ``schedule(t)``;
- :func:`lrs_used` runs a PyTorch scheduler for real and records the LR each optimizer update
  used: the one probe behind every "PyTorch says" number of the course (lessons, tests,
  exported-code checks).

torch is imported on first use, so importing :mod:`lrcourse.schedules` stays cheap.
"""

from __future__ import annotations

import functools
import warnings
from typing import NamedTuple

import numpy as np

from .._runtime import check_choice
from .core import Schedule, check_schedule


@functools.cache
def scheduler_class():
    """The :class:`ScheduleLR` class (built on first use: it subclasses a torch class)."""
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

    ScheduleLR.__module__, ScheduleLR.__qualname__ = "lrcourse.schedules", "ScheduleLR"
    return ScheduleLR


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
        schedules = [check_schedule(f"schedule[{i}]", s) for i, s in enumerate(schedule)]
        if len(schedules) != groups:
            raise ValueError(
                f"{len(schedules)} schedules were given for an optimizer with {groups} parameter groups; "
                "give one schedule (for all groups) or exactly one per group"
            )
    else:
        raise TypeError(f"schedule={schedule!r} must be an lrcourse schedule or a list of them, one per parameter group")
    return scheduler_class()(optimizer, schedules)


# --------------------------------------------------------------------------- the probe


class LRProbe(NamedTuple):
    """What :func:`lrs_used` saw.

    ``lrs``: the LR of each update that ran (float64, from the first parameter group);
    ``warnings``: the text of every warning raised meanwhile (e.g. PyTorch's "before
    ``optimizer.step()``"); ``error``: the ``ValueError`` a scheduler raised when stepped past its
    end (``OneCycleLR`` does), else None; ``lrs`` stops with the update before it.
    """

    lrs: np.ndarray
    warnings: list
    error: Exception | None


OPTIMIZERS = ("sgd", "adam", "adamw")


def lrs_used(scheduler, steps: int, *, lr: float = 0.1, optimizer: str = "sgd", scheduler_first: bool = False,
             record_warnings: bool = True) -> LRProbe:
    """Run ``steps`` real optimizer updates under a PyTorch scheduler; the LR each one used.

    ``scheduler``: either a function ``make(optimizer) -> scheduler`` (e.g.
    ``lambda o: CosineAnnealingLR(o, T_max=100)``), which gets a fresh one-parameter optimizer
    (``optimizer``: "sgd" with momentum 0.9, "adam" or "adamw"; initial LR ``lr``); or a
    scheduler already built on its own optimizer (e.g. one defined by exported code), which is
    used as it is (``lr`` and ``optimizer`` are then not used).

    The LR is read from the optimizer's first parameter group just before each update. The loop
    is ``optimizer.step(); scheduler.step()``, the right order; ``scheduler_first=True`` is the
    common mistake, ``scheduler.step()`` before each update. Warnings raised meanwhile are
    recorded (every one, also repeats) unless ``record_warnings=False``, which lets them show as
    usual. Returns an :class:`LRProbe` ``(lrs, warnings, error)``.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r} must be a positive int")
    opt, sched, param = _probe_setup(scheduler, lr, optimizer)
    ones = None if param is None else param.detach().clone().fill_(1.0)
    used: list[float] = []
    error = None
    with warnings.catch_warnings(record=record_warnings) as caught:
        if record_warnings:
            warnings.simplefilter("always")
        sched = sched if sched is not None else scheduler(opt)
        try:
            for _ in range(steps):
                if scheduler_first:
                    sched.step()
                used.append(opt.param_groups[0]["lr"])  # the LR the coming update reads
                if param is not None:
                    param.grad = ones  # a real update with a gradient, as in training
                opt.step()
                if not scheduler_first:
                    sched.step()
        except ValueError as err:  # stepped past its end (OneCycleLR): what ran so far is the answer
            error = err
    return LRProbe(np.asarray(used, dtype=np.float64), [str(w.message) for w in caught or ()], error)


def _probe_setup(scheduler, lr, optimizer):
    """(optimizer, built scheduler or None, the probe's own parameter or None)."""
    if hasattr(scheduler, "optimizer") and hasattr(scheduler, "step"):
        return scheduler.optimizer, scheduler, None
    if not callable(scheduler):
        raise TypeError(f"scheduler={scheduler!r} must be a PyTorch scheduler or a function optimizer -> scheduler")
    import torch

    check_choice("optimizer", optimizer, OPTIMIZERS)
    param = torch.zeros(1, requires_grad=True)
    if optimizer == "sgd":
        return torch.optim.SGD([param], lr=lr, momentum=0.9), None, param
    cls = torch.optim.Adam if optimizer == "adam" else torch.optim.AdamW
    return cls([param], lr=lr), None, param
