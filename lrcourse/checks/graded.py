"""The checks as the assignment's locked test cells call them::

    from lrcourse.checks.graded import check_step_decay
    check_step_decay(step_decay)

The same checks as ``lrcourse.checks``, with the failure path of a graded cell: before the error
is raised, what code in the notebook did to the kernel's error display is undone and the cell's
earlier output is cleared (see :mod:`lrcourse.checks.guard`). Self-checks and lessons use
``lrcourse.checks``, which leaves the kernel and the cell's other output alone.
"""

from __future__ import annotations

from .guard import BUILTINS as __builtins__  # noqa: F401  (see guard.py)
from . import plot, schedule, training
from .guard import guarded

check_constant_lr = guarded(schedule.check_constant_lr, graded=True)
check_step_decay = guarded(schedule.check_step_decay, graded=True)
check_exponential_decay = guarded(schedule.check_exponential_decay, graded=True)
check_cosine_lr = guarded(schedule.check_cosine_lr, graded=True)
check_warmup_cosine = guarded(schedule.check_warmup_cosine, graded=True)
check_plot = guarded(plot.check_plot, graded=True)
check_train_mlp = guarded(training.check_train_mlp, graded=True)
check_histories = guarded(training.check_histories, graded=True)

__all__ = [
    "check_constant_lr", "check_step_decay", "check_exponential_decay", "check_cosine_lr",
    "check_warmup_cosine", "check_plot", "check_train_mlp", "check_histories",
]
