"""The checks of the assignment (five schedules, their plot, the MLP training loop).

The same functions back the learner's self-check cells and the instructor's nbgrader test
cells::

    from lrcourse.checks import check_step_decay
    check_step_decay(step_decay)

A right answer returns normally (and prints one line saying what was checked). A wrong one
raises ``AssertionError`` with a message in the current language (``lrcourse.set_language``)
that says what is wrong and where: the call, the value expected and the value returned, and,
for the usual mistakes, the mistake by name ("float division instead of floor", "cosine not
shifted after warmup", ...). An exception inside the learner's function, a missing ``return``,
a wrong signature or an infinite loop are reported the same way: the checker itself never
crashes.

The package, and where a new thing goes:

- ``settings``: the assignment's arguments (``PLOT_ARGS``, ``MLP_ARGS``, ...); read-only.
- ``formulas``: the reference formulas and, per schedule, the test cases and the usual mistakes
  (a new mistake goes into its schedule's spec there).
- ``sandbox``: calling learner code (time limit, warnings) and reading its values as plain floats.
- ``schedule``, ``plot``, ``training``: the checks of Parts 1, 2 and 3 (a new check goes into the
  module of its part, is wrapped below and in ``graded``, and its messages go into
  ``lrcourse/locale/checks.toml``).
- ``guard``: tamper resistance (sealed modules, the snapshot, the failure path of graded cells);
  ``graded``: the checks as the locked test cells import them.
- ``scan``: the instructor's scan of submissions (``python -m lrcourse.checks.scan DIR``).
"""

from __future__ import annotations

from .guard import BUILTINS as __builtins__  # noqa: F401  (see guard.py)
from . import graded, plot, schedule, training
from .formulas import reference
from .guard import guarded, seal
from .plot import plot_text
from .sandbox import TIME_LIMIT_S
from .settings import ACCURACY_FLOOR, MLP_ARGS, MLP_STEPS, PLOT_ARGS, PLOT_T, SCHEDULE_KEYS

check_constant_lr = guarded(schedule.check_constant_lr)
check_step_decay = guarded(schedule.check_step_decay)
check_exponential_decay = guarded(schedule.check_exponential_decay)
check_cosine_lr = guarded(schedule.check_cosine_lr)
check_warmup_cosine = guarded(schedule.check_warmup_cosine)
check_plot = guarded(plot.check_plot)
check_train_mlp = guarded(training.check_train_mlp)
check_histories = guarded(training.check_histories)

__all__ = [
    "check_constant_lr",
    "check_step_decay",
    "check_exponential_decay",
    "check_cosine_lr",
    "check_warmup_cosine",
    "check_plot",
    "check_train_mlp",
    "check_histories",
    "graded",
    "plot_text",
    "reference",
    "PLOT_T",
    "PLOT_ARGS",
    "MLP_STEPS",
    "MLP_ARGS",
    "ACCURACY_FLOOR",
    "SCHEDULE_KEYS",
    "TIME_LIMIT_S",
]

seal()  # last: from here on the package's modules are read-only (guard.py)
