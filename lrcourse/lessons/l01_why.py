"""Support code of lesson 01 (why a learning-rate schedule): real SGD runs, small enough for a laptop CPU.

:func:`constant_vs_schedule` runs mini-batch SGD on scikit-learn's digits, a convex problem
(softmax regression + L2, :class:`DigitsProblem`) whose best possible loss ``L*`` is known, so the
distance ``L(θ_t) − L*`` shows plainly that a large constant LR stalls at a noise floor, a small
one crawls, and a decaying schedule gets both. :func:`noise_floors` measures the floor's height at
several constant LRs.

Why the LR must decay at all (d2l, "Stochastic Gradient Descent", §12.4; Robbins & Monro 1951):
:func:`noise_floor_scaling` starts SGD at the minimum itself and measures the height of the floor
at constant LRs against the prediction ``η·tr(Σ)/4`` (Σ: the covariance of a mini-batch gradient,
computed exactly by :func:`gradient_noise`); :func:`robbins_monro` compares a constant LR with a
decaying one that meets the Robbins–Monro conditions (Σ η_t = ∞, Σ η_t² < ∞) and with one that
decays too fast (Σ η_t < ∞).

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
from .._runtime import check_choice, check_int, check_positive, seeded, use_one_thread
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
    optimum: dict | None = None  # the state_dict of the minimiser θ* (L-BFGS), the start of "optimum" runs

    def new_model(self, seed: int):
        """A fresh linear model whose initial weights depend only on ``seed``."""
        from torch import nn

        return seeded(seed, lambda: nn.Linear(self.x_train.shape[1], 10).double())

    def optimum_model(self):
        """A new model set to the minimiser θ* (a copy: training it leaves the problem unchanged)."""
        model = self.new_model(0)
        model.load_state_dict(self.optimum)
        return model

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
    problem.optimum = {k: v.detach().clone() for k, v in model.state_dict().items()}
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
            seed: int = 0, eval_every: int = 10, *, sampling: str = "epochs", start: str = "random",
            eval_at: Sequence[int] | None = None):
    """Mini-batch SGD on ``problem`` with the LR of update t set to ``schedule(t)``.

    Returns ``(eval_steps, gaps, test_accuracy)``. The initial weights and the
    order of the mini-batches depend only on ``seed``, so runs with different
    schedules see exactly the same data in the same order.

    ``sampling="epochs"`` reshuffles the data once per epoch and walks through it (what
    DataLoader(shuffle=True) does); ``"iid"`` draws every mini-batch independently, with
    replacement, the setting of the textbook analysis of SGD's noise floor. ``start="optimum"``
    starts at the minimiser θ* instead of at random weights. ``eval_at`` (sorted update counts)
    replaces the evaluation every ``eval_every`` updates.
    """
    import torch

    if not isinstance(schedule, S.Schedule):
        raise TypeError(f"schedule={schedule!r} must be an lrcourse schedule, e.g. lrcourse.schedules.constant(0.1)")
    check_choice("sampling", sampling, ("epochs", "iid"))
    check_choice("start", start, ("random", "optimum"))
    model = problem.new_model(seed) if start == "random" else problem.optimum_model()
    opt = torch.optim.SGD(model.parameters(), lr=schedule(0))
    scheduler = S.attach(opt, schedule)
    gen = torch.Generator().manual_seed(seed)
    n = len(problem.x_train)
    per_epoch = n // batch_size
    perm = torch.randperm(n, generator=gen) if sampling == "epochs" else None
    measure = set(eval_at) if eval_at is not None else None
    eval_steps, gaps = [], []
    for t in range(total_steps):
        if sampling == "iid":
            idx = torch.randint(n, (batch_size,), generator=gen)
        else:
            i = t % per_epoch
            if i == 0 and t > 0:
                perm = torch.randperm(n, generator=gen)
            idx = perm[i * batch_size:(i + 1) * batch_size]
        loss = problem.batch_loss(model, problem.x_train[idx], problem.y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        scheduler.step()
        due = (t + 1) in measure if measure is not None else (t + 1) % eval_every == 0 or t + 1 == total_steps
        if due:
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



# --------------------------------------------------------------------------------------------
# Why the LR must decay: the noise floor grows with η, and the Robbins–Monro conditions


def inverse_time(lr: float, t0: float, power: float = 1.0) -> S.Schedule:
    """``lr / (1 + t/t0)^power``: the classic decaying LR of stochastic approximation.

    ``power = 1`` meets both Robbins–Monro conditions (Σ η_t = ∞ and Σ η_t² < ∞); ``power = 2``
    decays so fast that Σ η_t stays finite (about ``lr·t0``): the steps stop short.
    A lesson-local schedule: it drives an optimizer through ``lrcourse.schedules.attach`` like
    any other, but it is not a factory of ``lrcourse.schedules`` (so it does not pickle).
    """
    lr = check_positive("lr", lr)
    t0 = check_positive("t0", t0, noun="number of steps", example="a number of steps such as 1000")
    power = check_positive("power", power, allow_zero=True, noun="power", example="a power such as 1.0")
    return S.Schedule("inverse_time", {"lr": lr, "t0": t0, "power": power},
                      lambda t: lr / (1.0 + t / t0) ** power)


def gradient_noise(problem: DigitsProblem, batch_size: int = 16) -> float:
    """``tr(Σ_B)``: the total variance of a mini-batch gradient at the minimiser θ*.

    Computed exactly from the per-example gradients of the softmax regression (for example i,
    the gradient of the cross-entropy is ``e_i x_iᵀ`` for the weights and ``e_i`` for the bias,
    with ``e_i = softmax(z_i) − onehot(y_i)``); the L2 penalty has no noise. A batch of
    ``batch_size`` examples drawn independently averages them: ``tr(Σ_B) = tr(Σ_1) / batch_size``.
    """
    import torch

    batch_size = check_int("batch_size", batch_size, minimum=1, noun="examples")
    model = problem.optimum_model()
    x, y = problem.x_train, problem.y_train
    with torch.no_grad():
        e = torch.softmax(model(x), dim=1)
        e[torch.arange(len(x)), y] -= 1.0
        grads = torch.cat([(e[:, :, None] * x[:, None, :]).reshape(len(x), -1), e], dim=1)
        per_example = float(((grads - grads.mean(0)) ** 2).sum(1).mean())
    return per_example / batch_size


@dataclass
class NoiseFloorScaling:
    """Result of :func:`noise_floor_scaling`: the floor's height at each constant LR."""

    lrs: list[float]
    iid: np.ndarray  # (seeds, lrs): mean L − L* over the second half, batches drawn independently
    reshuffled: np.ndarray  # (seeds, lrs): the same with one reshuffle per epoch
    traces: np.ndarray  # (lrs, evaluations): L − L* over the run (i.i.d. batches, mean over seeds)
    eval_steps: np.ndarray
    noise: float  # tr(Σ_B) at θ*
    batch_size: int
    steps: int
    seconds: float

    @property
    def predicted(self) -> np.ndarray:
        """The small-η prediction ``η·tr(Σ_B)/4`` for each LR."""
        return np.asarray(self.lrs) * self.noise / 4

    def summary(self) -> str:
        lines = [i18n.t("demos.decay.floor_intro", steps=self.steps, batch=self.batch_size,
                        seeds=self.iid.shape[0], noise=self.noise, seconds=self.seconds),
                 i18n.t("demos.decay.floor_head", lr="η", iid=i18n.t("demos.decay.col_iid"),
                        pred=i18n.t("demos.decay.col_pred"), ratio=i18n.t("demos.decay.col_ratio"),
                        rr=i18n.t("demos.decay.col_rr"))]
        for lr, iid, pred, rr in zip(self.lrs, self.iid.mean(0), self.predicted, self.reshuffled.mean(0)):
            lines.append(i18n.t("demos.decay.floor_head", lr=f"{lr:g}", iid=f"{iid:.2e}", pred=f"{pred:.2e}",
                                ratio=f"{iid / pred:.2f}", rr=f"{rr:.2e}"))
        return "\n".join(lines)

    def plot(self):
        """Left: L − L* over the run at each LR (started at θ*). Right: the floor against η, log-log."""
        import matplotlib.pyplot as plt

        from ..plotting import use_course_fonts

        use_course_fonts()
        fig, (ax_t, ax_f) = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
        for i, lr in enumerate(self.lrs):
            ax_t.plot(self.eval_steps, self.traces[i], lw=1.2, color=f"C{i}", label=f"η = {lr:g}")
        ax_t.set_yscale("log")
        ax_t.set_title(i18n.t("demos.decay.trace_title"))
        ax_t.set_xlabel(i18n.t("plot.step"))
        ax_t.set_ylabel(i18n.t("demos.gap"))
        lrs = np.asarray(self.lrs)
        ax_f.loglog(lrs, self.iid.mean(0), "o-", lw=2, label=i18n.t("demos.decay.col_iid"))
        ax_f.loglog(lrs, self.reshuffled.mean(0), "s-", lw=1.5, label=i18n.t("demos.decay.col_rr"))
        ax_f.loglog(lrs, self.predicted, "k--", lw=1.2, label=i18n.t("demos.decay.pred_label"))
        ax_f.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
        ax_f.minorticks_off()
        ax_f.set_title(i18n.t("demos.decay.floor_title"))
        ax_f.set_xlabel(i18n.t("demos.decay.lr_axis"))
        ax_f.set_ylabel(i18n.t("demos.decay.floor_axis"))
        for ax in (ax_t, ax_f):
            ax.grid(True, alpha=0.3, which="both")
            ax.legend(fontsize=8)
        return fig


def noise_floor_scaling(lrs: Sequence[float] | None = None, steps: int | None = None,
                        seeds: Sequence[int] | None = None, batch_size: int = 16) -> NoiseFloorScaling:
    """SGD at a constant LR, started at the minimiser θ*: how high does the loss settle?

    Starting at θ* leaves out the way down, so the whole run measures the floor: for each LR and
    seed, the mean of ``L(θ_t) − L*`` over the second half of ``steps`` updates, with mini-batches
    drawn independently (``"iid"``, the textbook setting) and, for comparison, reshuffled once per
    epoch (``"epochs"``). Budgeted defaults: quick 2 LRs, 300 updates, 1 seed; standard
    η = 0.125 … 2 (doubling), 1,680 updates, 3 seeds (about half a minute).
    """
    use_one_thread()
    if lrs is None:
        lrs = pick(quick=(0.25, 1.0), standard=(0.125, 0.25, 0.5, 1.0, 2.0))
    if steps is None:
        steps = pick(quick=300, standard=1680)
    if seeds is None:
        seeds = pick(quick=(0,), standard=(0, 1, 2))
    if len(lrs) == 0 or len(seeds) == 0:
        raise ValueError("lrs and seeds must not be empty; e.g. lrs=(0.25, 0.5, 1.0), seeds=(0, 1, 2)")
    lrs = [check_positive("lrs", lr) for lr in lrs]
    steps = check_int("steps", steps, minimum=20)
    start = time.perf_counter()
    problem = digits_problem()
    iid = np.zeros((len(seeds), len(lrs)))
    reshuffled = np.zeros_like(iid)
    traces = []
    for j, lr in enumerate(lrs):
        runs = []
        for i, seed in enumerate(seeds):
            for sampling, table in (("iid", iid), ("epochs", reshuffled)):
                eval_steps, gaps, _ = sgd_run(problem, S.constant(lr), steps, batch_size, seed,
                                              sampling=sampling, start="optimum")
                table[i, j] = gaps[len(gaps) // 2:].mean()
                if sampling == "iid":
                    runs.append(gaps)
        traces.append(np.mean(runs, axis=0))
    return NoiseFloorScaling(list(lrs), iid, reshuffled, np.array(traces), eval_steps,
                             gradient_noise(problem, batch_size), batch_size, steps, time.perf_counter() - start)


@dataclass
class RobbinsMonro:
    """Result of :func:`robbins_monro`: one row per schedule."""

    labels: list[str]
    schedules: list[S.Schedule]
    eval_steps: np.ndarray
    gaps: np.ndarray  # (schedules, seeds, evaluations): L − L*
    steps: int
    seconds: float

    def sums(self, k: int) -> tuple[float, float]:
        """``(Σ η_t, Σ η_t²)`` of schedule ``k`` over the run."""
        lrs = self.schedules[k](np.arange(self.steps))
        return float(lrs.sum()), float((lrs**2).sum())

    def gap_at(self, k: int, step: int) -> float:
        """Mean over seeds of L − L* at the evaluation nearest to ``step``."""
        return float(self.gaps[k, :, int(np.argmin(np.abs(self.eval_steps - step)))].mean())

    def summary(self) -> str:
        mid = self.steps // 10
        lines = [i18n.t("demos.decay.rm_intro", steps=self.steps, seeds=self.gaps.shape[1], seconds=self.seconds),
                 i18n.t("demos.decay.rm_head", label=i18n.t("demos.col_run"), sum1="Σ η_t", sum2="Σ η_t²",
                        mid=i18n.t("demos.decay.gap_after", t=f"{mid:,}"),
                        end=i18n.t("demos.decay.gap_after", t=f"{self.steps:,}"))]
        for k, label in enumerate(self.labels):
            s1, s2 = self.sums(k)
            lines.append(i18n.t("demos.decay.rm_head", label=label, sum1=f"{s1:,.0f}", sum2=f"{s2:,.0f}",
                                mid=f"{self.gap_at(k, mid):.2e}", end=f"{self.gap_at(k, self.steps):.2e}"))
        return "\n".join(lines)

    def plot(self):
        """Left: each schedule's LR. Right: L − L* (mean over seeds); both axes logarithmic."""
        import matplotlib.pyplot as plt

        from ..plotting import use_course_fonts

        use_course_fonts()
        fig, (ax_lr, ax_gap) = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
        steps = np.unique(np.geomspace(1, self.steps, 400).astype(int)) - 1
        for k, (label, schedule) in enumerate(zip(self.labels, self.schedules)):
            ax_lr.loglog(steps + 1, schedule(steps), lw=2, color=f"C{k}", label=label)
            ax_gap.loglog(self.eval_steps, self.gaps[k].mean(0), lw=1.6, color=f"C{k}", label=label)
        ax_lr.set_title(i18n.t("demos.lr_title"))
        ax_lr.set_ylabel(i18n.t("plot.lr"))
        ax_gap.set_title(i18n.t("demos.gap_title"))
        ax_gap.set_ylabel(i18n.t("demos.gap"))
        for ax in (ax_lr, ax_gap):
            ax.set_xlabel(i18n.t("demos.decay.step_log"))
            ax.grid(True, alpha=0.3, which="both")
            ax.legend(fontsize=8)
        return fig


def robbins_monro(lr: float = 1.0, t0: float = 1000, fast_t0: float = 100, steps: int | None = None,
                  seeds: Sequence[int] | None = None, batch_size: int = 16) -> RobbinsMonro:
    """Three LRs that start equal: constant, ``lr/(1 + t/t0)`` and ``lr/(1 + t/fast_t0)²``.

    The second meets the Robbins–Monro conditions (its steps add up without limit, their squares
    do not); the third decays so fast that its steps add up to only about ``lr·fast_t0``. SGD with
    independent mini-batches from random weights; L − L* is measured at 60 log-spaced points.
    Budgeted defaults: quick 1,000 updates, 1 seed; standard 20,000 updates, 2 seeds (about half
    a minute).
    """
    use_one_thread()
    if steps is None:
        steps = pick(quick=1000, standard=20_000)
    if seeds is None:
        seeds = pick(quick=(0,), standard=(0, 1))
    if len(seeds) == 0:
        raise ValueError("seeds is empty; give at least one seed, e.g. (0, 1)")
    steps = check_int("steps", steps, minimum=10)
    schedules = [S.constant(lr), inverse_time(lr, t0), inverse_time(lr, fast_t0, power=2.0)]
    labels = [i18n.t("demos.decay.constant", lr=lr), i18n.t("demos.decay.rm", lr=lr, t0=t0),
              i18n.t("demos.decay.too_fast", lr=lr, t0=fast_t0)]
    eval_at = np.unique(np.geomspace(10, steps, 60).astype(int))
    start = time.perf_counter()
    problem = digits_problem()
    gaps = np.array([[sgd_run(problem, s, steps, batch_size, seed, sampling="iid", eval_at=eval_at)[1]
                      for seed in seeds] for s in schedules])
    return RobbinsMonro(labels, schedules, eval_at, gaps, steps, time.perf_counter() - start)
