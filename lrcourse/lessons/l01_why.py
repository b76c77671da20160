"""Support code of lesson 01 (why a learning-rate schedule): real SGD runs, small enough for a laptop CPU.

:func:`constant_vs_schedule` runs mini-batch SGD on scikit-learn's digits, a convex problem
(softmax regression + L2, :class:`DigitsProblem`) whose best possible loss ``L*`` is known, so the
distance ``L(θ_t) − L*`` shows plainly that a large constant LR stalls at a noise floor, a small
one crawls, and a decaying schedule gets both. :func:`noise_floors` measures the floor's height at
several constant LRs.

Every text a learner sees goes through :mod:`lrcourse.i18n`; the messages are in
``lrcourse/locale/l01_why.toml`` (keys ``demos.*``, the names notebook 01 uses).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .. import i18n
from .. import schedules as S
from .._runtime import seeded, use_one_thread
from ..budget import pick

i18n.load("l01_why")


@dataclass
class DigitsProblem:
    """Softmax regression on the digits training set with an L2 penalty: a convex problem.

    ``loss(model)`` is the full-batch training objective, ``lstar`` its minimum
    (found once with L-BFGS to ~1e-12), so ``loss(model) − lstar`` is the
    distance to the best possible value.
    """

    x_train: object
    y_train: object
    x_test: object
    y_test: object
    weight_decay: float
    lstar: float

    def new_model(self, seed: int):
        """A fresh linear model whose initial weights depend only on ``seed``."""
        from torch import nn

        return seeded(seed, lambda: nn.Linear(self.x_train.shape[1], 10).double())

    def batch_loss(self, model, x, y):
        from torch import nn

        return nn.functional.cross_entropy(model(x), y) + 0.5 * self.weight_decay * (model.weight**2).sum()

    def loss(self, model) -> float:
        import torch

        with torch.no_grad():
            return float(self.batch_loss(model, self.x_train, self.y_train))

    def accuracy(self, model) -> float:
        import torch

        with torch.no_grad():
            return float((model(self.x_test).argmax(1) == self.y_test).double().mean())


def digits_problem(weight_decay: float = 1e-3) -> DigitsProblem:
    """The convex problem of lesson 01, with its minimum ``L*`` computed by full-batch L-BFGS.

    Solved once per ``weight_decay`` and kept (the demos only read it).
    """
    if not (isinstance(weight_decay, (int, float)) and weight_decay > 0):
        raise ValueError(f"weight_decay={weight_decay!r} must be a number > 0 (it makes the minimum unique)")
    return _solved_digits_problem(float(weight_decay))


@functools.cache
def _solved_digits_problem(weight_decay: float) -> DigitsProblem:
    import torch

    from ..data import digits

    use_one_thread()
    x_tr, y_tr, x_te, y_te = digits()
    problem = DigitsProblem(x_tr.double(), y_tr, x_te.double(), y_te, weight_decay, float("nan"))
    model = problem.new_model(0)
    # One L-BFGS run of 300 iterations: the gradient ends below ~1e-7, and L* is then exact to ~1e-11
    # (tests/test_lessons_01_03.py solves again, longer, and checks it); more iterations only cost time.
    opt = torch.optim.LBFGS(
        model.parameters(), lr=1, max_iter=300, tolerance_grad=1e-10, tolerance_change=1e-15,
        history_size=50, line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad()
        value = problem.batch_loss(model, problem.x_train, problem.y_train)
        value.backward()
        return value

    opt.step(closure)
    problem.lstar = problem.loss(model)
    return problem


@dataclass
class SGDRun:
    label: str
    schedule: S.Schedule
    eval_steps: np.ndarray  # the steps at which the full loss was measured
    gaps: np.ndarray  # shape (seeds, len(eval_steps)): L(θ_t) − L*
    accuracy: np.ndarray  # test accuracy at the end, one per seed

    @property
    def final_gap(self) -> float:
        """Mean over seeds of the last measured gap (averaged over the last 5 measurements)."""
        return float(self.gaps[:, -5:].mean())


@dataclass
class ConstantVsSchedule:
    problem: DigitsProblem
    runs: list[SGDRun]
    total_steps: int
    batch_size: int
    seconds: float

    def plot(self):
        """Two panels: each run's LR, and its distance to ``L*`` (mean over seeds, log scale)."""
        import matplotlib.pyplot as plt

        from ..plotting import use_course_fonts

        use_course_fonts()
        fig, (ax_lr, ax_gap) = plt.subplots(1, 2, figsize=(12, 4.2))
        steps = np.arange(self.total_steps)
        for run in self.runs:
            (line,) = ax_lr.plot(steps, run.schedule(steps), label=run.label, linewidth=1.8)
            ax_gap.plot(run.eval_steps, run.gaps.mean(0), color=line.get_color(), label=run.label, linewidth=1.4)
        ax_lr.set_title(i18n.t("demos.lr_title"))
        ax_lr.set_xlabel(i18n.t("plot.step"))
        ax_lr.set_ylabel(i18n.t("plot.lr"))
        ax_gap.set_yscale("log")
        ax_gap.set_title(i18n.t("demos.gap_title"))
        ax_gap.set_xlabel(i18n.t("plot.step"))
        ax_gap.set_ylabel(i18n.t("demos.gap"))
        for ax in (ax_lr, ax_gap):
            ax.grid(True, alpha=0.3, which="both")
            ax.legend(fontsize=9)
        fig.tight_layout()
        return fig

    def summary(self) -> str:
        """A small table: each run's final distance to L* and its test accuracy (means over seeds)."""
        p = self.problem
        seeds = self.runs[0].gaps.shape[0]
        lines = [
            i18n.t("demos.problem", wd=p.weight_decay, lstar=p.lstar, steps=self.total_steps,
                   batch=self.batch_size, seeds=seeds, seconds=self.seconds),
            i18n.t("demos.summary_head", label=i18n.t("demos.col_run"), gap=i18n.t("demos.col_gap"),
                   acc=i18n.t("demos.col_acc")),
        ]
        for run in self.runs:
            lines.append(
                i18n.t("demos.summary_head", label=run.label, gap=f"{run.final_gap:.2e}",
                       acc=f"{100 * run.accuracy.mean():.1f}%")
            )
        return "\n".join(lines)


def sgd_run(problem: DigitsProblem, schedule: S.Schedule, total_steps: int, batch_size: int = 16,
            seed: int = 0, eval_every: int = 10):
    """Mini-batch SGD on ``problem`` with the LR of update t set to ``schedule(t)``.

    Returns ``(eval_steps, gaps, test_accuracy)``. The initial weights and the
    order of the mini-batches depend only on ``seed``, so runs with different
    schedules see exactly the same data in the same order.
    """
    import torch

    if not isinstance(schedule, S.Schedule):
        raise TypeError(f"schedule={schedule!r} must be an lrcourse schedule, e.g. lrcourse.schedules.constant(0.1)")
    model = problem.new_model(seed)
    opt = torch.optim.SGD(model.parameters(), lr=schedule(0))
    scheduler = S.attach(opt, schedule)
    gen = torch.Generator().manual_seed(seed)
    n = len(problem.x_train)
    per_epoch = n // batch_size
    perm = torch.randperm(n, generator=gen)
    eval_steps, gaps = [], []
    for t in range(total_steps):
        i = t % per_epoch
        if i == 0 and t > 0:
            perm = torch.randperm(n, generator=gen)
        idx = perm[i * batch_size:(i + 1) * batch_size]
        loss = problem.batch_loss(model, problem.x_train[idx], problem.y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        scheduler.step()
        if (t + 1) % eval_every == 0 or t + 1 == total_steps:
            eval_steps.append(t + 1)
            gaps.append(problem.loss(model) - problem.lstar)
    return np.asarray(eval_steps), np.asarray(gaps), problem.accuracy(model)


def constant_vs_schedule(
    schedules: Mapping[str, S.Schedule] | None = None,
    epochs: int | None = None,
    batch_size: int = 16,
    seeds: Sequence[int] | None = None,
    large_lr: float = 1.0,
    small_lr: float = 0.1,
    weight_decay: float = 1e-3,
) -> ConstantVsSchedule:
    """Lesson 01's experiment: the same SGD run with a large constant LR, a small one and a schedule.

    By default the schedules are ``constant(large_lr)``, ``constant(small_lr)``
    and ``cosine(large_lr, total_steps)``; pass ``schedules={label: schedule}``
    to compare your own. ``epochs`` and ``seeds`` default by budget (quick: 4
    epochs, 1 seed; standard: 20 epochs, 3 seeds).
    """
    use_one_thread()
    if epochs is None:
        epochs = pick(quick=4, standard=20)
    if seeds is None:
        seeds = pick(quick=(0,), standard=(0, 1, 2))
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs={epochs!r} must be an int >= 1")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be an int >= 1")
    if len(seeds) == 0:
        raise ValueError("seeds is empty; give at least one seed, e.g. (0, 1, 2)")
    start = time.perf_counter()
    problem = digits_problem(weight_decay)
    total = epochs * (len(problem.x_train) // batch_size)
    if schedules is None:
        schedules = {
            i18n.t("demos.large_constant", lr=large_lr): S.constant(large_lr),
            i18n.t("demos.small_constant", lr=small_lr): S.constant(small_lr),
            i18n.t("demos.cosine", lr=large_lr): S.cosine(large_lr, total),
        }
    runs = []
    for label, schedule in schedules.items():
        results = [sgd_run(problem, schedule, total, batch_size, seed) for seed in seeds]
        runs.append(
            SGDRun(label, schedule, results[0][0], np.stack([r[1] for r in results]), np.array([r[2] for r in results]))
        )
    return ConstantVsSchedule(problem, runs, total, batch_size, time.perf_counter() - start)


def noise_floors(lrs: Sequence[float] = (0.5, 1.0, 2.0), epochs: int | None = None,
                 seeds: Sequence[int] | None = None, batch_size: int = 16) -> dict[float, float]:
    """The height of SGD's noise floor at several constant LRs, on the problem of lesson 01.

    For each LR: mini-batch SGD at that constant LR, and the mean of ``L(θ_t) − L*``
    over the second half of training (when the loss has stopped improving and
    only bounces), averaged over seeds. Returns ``{lr: floor}``. ``epochs`` and
    ``seeds`` default by budget as in :func:`constant_vs_schedule`.
    """
    if epochs is None:
        epochs = pick(quick=4, standard=20)
    if seeds is None:
        seeds = pick(quick=(0,), standard=(0, 1, 2))
    if len(lrs) == 0 or len(seeds) == 0:
        raise ValueError("lrs and seeds must not be empty; e.g. lrs=(0.5, 1.0, 2.0), seeds=(0, 1, 2)")
    problem = digits_problem()
    total = epochs * (len(problem.x_train) // batch_size)
    floors = {}
    for lr in lrs:
        gaps = [sgd_run(problem, S.constant(lr), total, batch_size, seed)[1] for seed in seeds]
        floors[float(lr)] = float(np.mean([g[len(g) // 2:].mean() for g in gaps]))
    return floors

