"""Demonstrations behind lessons 01-03: real runs, small enough for a laptop CPU.

- :func:`constant_vs_schedule` (lesson 01): mini-batch SGD on scikit-learn's
  digits, a convex problem whose best possible loss ``L*`` is known, so the
  distance ``L(θ_t) − L*`` shows plainly that a large constant LR stalls at a
  noise floor, a small one crawls, and a decaying schedule gets both.
- :func:`schedule_explorer` (lesson 02): ipywidgets sliders over every schedule
  of :mod:`lrcourse.schedules`; :func:`build_schedule` is the pure part of it.
- :func:`adam_effective_lr_trace` and :func:`warmup_comparison` (lesson 03):
  Adam's per-parameter step ``lr/(√v̂ + ε)`` read from the optimizer state of a
  real Transformer, and that Transformer trained with and without warmup over
  several seeds.

Every text a learner sees goes through :mod:`lrcourse.i18n` (keys ``demos.*``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from . import i18n
from . import schedules as S
from .budget import pick

i18n.register(
    {
        # lesson 01
        "demos.gap": {"en": "L(θ) − L*  (log scale)", "bn": "L(θ) − L*  (লগ স্কেল)"},
        "demos.gap_title": {
            "en": "Distance to the best possible loss",
            "bn": "সেরা সম্ভাব্য loss থেকে দূরত্ব",
        },
        "demos.lr_title": {"en": "The learning rate of each run", "bn": "প্রতিটি রানের লার্নিং রেট"},
        "demos.large_constant": {"en": "large constant, lr = {lr:g}", "bn": "বড় ধ্রুব (constant), lr = {lr:g}"},
        "demos.small_constant": {"en": "small constant, lr = {lr:g}", "bn": "ছোট ধ্রুব (constant), lr = {lr:g}"},
        "demos.cosine": {"en": "cosine, {lr:g} → 0", "bn": "কোসাইন (cosine), {lr:g} → 0"},
        "demos.summary_head": {
            "en": "{label:<32} {gap:>14} {acc:>14}",
            "bn": "{label:<32} {gap:>14} {acc:>14}",
        },
        "demos.col_run": {"en": "run", "bn": "রান"},
        "demos.col_gap": {"en": "final L − L*", "bn": "শেষে L − L*"},
        "demos.col_acc": {"en": "test accuracy", "bn": "টেস্ট accuracy"},
        "demos.problem": {
            "en": "digits, softmax regression + L2 (weight_decay={wd:g}): L* = {lstar:.6f}; "
            "{steps} SGD updates (batch {batch}), {seeds} seed(s), {seconds:.1f} s",
            "bn": "digits, softmax regression + L2 (weight_decay={wd:g}): L* = {lstar:.6f}; "
            "{steps}টি SGD update (batch {batch}), {seeds}টি seed, {seconds:.1f} সেকেন্ড",
        },
        "demos.floor_row": {
            "en": "constant lr = {lr:<4}  mean L − L* over the second half of training: {floor:.2e}",
            "bn": "ধ্রুব lr = {lr:<4}  ট্রেনিংয়ের দ্বিতীয় অর্ধেকে L − L*-এর গড়: {floor:.2e}",
        },
        # lesson 02: the explorer
        "demos.kind": {"en": "schedule", "bn": "শিডিউল"},
        "demos.total": {"en": "total steps", "bn": "মোট ধাপ"},
        "demos.warmup": {"en": "warmup", "bn": "ওয়ার্মআপ"},
        "demos.lr_min_ratio": {"en": "lr_min / lr", "bn": "lr_min / lr"},
        "demos.gamma": {"en": "gamma", "bn": "gamma"},
        "demos.step_size": {"en": "step size", "bn": "step size"},
        "demos.pct": {"en": "share", "bn": "অংশ"},
        "demos.log": {"en": "log y axis", "bn": "লগ y-অক্ষ"},
        "demos.explorer_help": {
            "en": "Move the sliders; sliders a schedule does not use are ignored. "
            "warmup: warmup steps (or the stable part of WSD); share: one-cycle's pct_start, "
            "WSD's decay share, the cycle length of cyclic/SGDR as a share of total steps.",
            "bn": "স্লাইডার সরান; যে স্লাইডার কোনো শিডিউল ব্যবহার করে না, সেটি উপেক্ষিত হয়। "
            "warmup: ওয়ার্মআপের ধাপ; অংশ: one-cycle-এর pct_start, WSD-র decay অংশ, "
            "cyclic/SGDR-এর cycle-এর দৈর্ঘ্য (মোট ধাপের অংশ হিসেবে)।",
        },
        # lesson 01: the athlete
        "demos.phase.warmup": {"en": "warmup", "bn": "ওয়ার্মআপ"},
        "demos.phase.peak": {"en": "full intensity", "bn": "পূর্ণ তীব্রতা"},
        "demos.phase.cooldown": {"en": "cooldown", "bn": "কুলডাউন"},
        "demos.t.athlete": {
            "en": "An athlete's session as a learning-rate schedule",
            "bn": "একজন অ্যাথলেটের অনুশীলন, লার্নিং রেট শিডিউল হিসেবে",
        },
        # lesson 02: plot titles
        "demos.t.step": {"en": "Step decay and multistep", "bn": "স্টেপ ডিকে (step decay) ও multistep"},
        "demos.t.exp": {"en": "Exponential decay", "bn": "এক্সপোনেনশিয়াল ডিকে (exponential decay)"},
        "demos.t.cos": {"en": "Cosine annealing", "bn": "কোসাইন অ্যানিলিং (cosine annealing)"},
        "demos.t.warm": {"en": "Linear warmup + decay (BERT, GPT)", "bn": "লিনিয়ার ওয়ার্মআপ + ডিকে (BERT, GPT)"},
        "demos.t.poly": {"en": "Polynomial decay", "bn": "পলিনোমিয়াল ডিকে (polynomial decay)"},
        "demos.t.isqrt": {"en": "Inverse square root (Transformer)", "bn": "ইনভার্স স্কয়ার রুট (inverse square root)"},
        "demos.t.cyclic": {"en": "Cyclical LR: three modes", "bn": "সাইক্লিক্যাল LR (cyclical LR): তিনটি mode"},
        "demos.t.onecycle": {"en": "One-cycle (fast.ai)", "bn": "ওয়ান-সাইকেল (one-cycle, fast.ai)"},
        "demos.t.sgdr": {"en": "SGDR: cosine with warm restarts", "bn": "SGDR: ওয়ার্ম রিস্টার্টসহ (warm restarts) কোসাইন"},
        "demos.t.wsd": {"en": "Warmup–stable–decay (WSD)", "bn": "ওয়ার্মআপ–স্টেবল–ডিকে (WSD)"},
        "demos.t.all": {"en": "All schedules at a glance", "bn": "সব শিডিউল এক নজরে"},
        "demos.t.source": {"en": "The source lesson's code and lrcourse", "bn": "মূল পাঠের কোড ও lrcourse"},
        "demos.t.past_end": {"en": "Past the end of a cosine", "bn": "কোসাইনের শেষের পরে কী হয়"},
        "demos.t.onecycle_end": {"en": "The last steps of one-cycle", "bn": "ওয়ান-সাইকেলের শেষ কয়েকটি ধাপ"},
        "demos.t.first_steps": {"en": "The first steps of a warmup", "bn": "ওয়ার্মআপের প্রথম কয়েকটি ধাপ"},
        "demos.t.sweep": {
            "en": "Final loss against peak LR, with and without warmup",
            "bn": "সর্বোচ্চ LR বনাম শেষ loss: ওয়ার্মআপসহ ও ছাড়া",
        },
        "demos.peak_lr": {"en": "peak learning rate (log scale)", "bn": "সর্বোচ্চ লার্নিং রেট (লগ স্কেল)"},
        "demos.final_loss": {"en": "final training loss (log scale)", "bn": "শেষ ট্রেনিং loss (লগ স্কেল)"},
        # lesson 03
        "demos.step": {"en": "step t", "bn": "ধাপ t"},
        "demos.loss": {"en": "training loss (cross-entropy)", "bn": "ট্রেনিং loss (cross-entropy)"},
        "demos.with_warmup": {"en": "with warmup ({w} steps)", "bn": "ওয়ার্মআপসহ ({w} ধাপ)"},
        "demos.no_warmup": {"en": "no warmup", "bn": "ওয়ার্মআপ ছাড়া"},
        "demos.seed": {"en": "seed {seed}", "bn": "seed {seed}"},
        "demos.radam": {"en": "RAdam, no warmup", "bn": "RAdam, ওয়ার্মআপ ছাড়া"},
        "demos.warmup_title": {
            "en": "Transformer, peak lr = {lr:g}: {seeds} seeds each",
            "bn": "Transformer, সর্বোচ্চ lr = {lr:g}: প্রতিটিতে {seeds}টি seed",
        },
        "demos.warmup_lr_title": {"en": "the schedules", "bn": "শিডিউলগুলো"},
        "demos.warmup_row": {
            "en": "{label:<24} final loss {final}   worst loss after step {after}: {peak}   accuracy {acc}",
            "bn": "{label:<24} শেষ loss {final}   ধাপ {after}-এর পরে সবচেয়ে খারাপ loss: {peak}   accuracy {acc}",
        },
        "demos.warmup_time": {
            "en": "{runs} runs of {steps} steps in {seconds:.0f} s ({per:.1f} ms per step)",
            "bn": "{runs}টি রান, প্রতিটি {steps} ধাপ, মোট {seconds:.0f} সেকেন্ড (প্রতি ধাপে {per:.1f} ms)",
        },
        "demos.eff_title": {
            "en": "Adam's per-parameter step lr/(√v̂ + ε), lr = {lr:g}",
            "bn": "Adam-এর প্রতি-প্যারামিটার ধাপ lr/(√v̂ + ε), lr = {lr:g}",
        },
        "demos.eff_y": {"en": "lr/(√v̂ + ε)  (log scale)", "bn": "lr/(√v̂ + ε)  (লগ স্কেল)"},
        "demos.eff_median": {"en": "median over parameters", "bn": "সব প্যারামিটারের median"},
        "demos.eff_band": {"en": "5th–95th percentile", "bn": "৫ম–৯৫তম percentile"},
        "demos.eff_raw": {"en": "median without bias correction: lr/(√v + ε)", "bn": "bias correction ছাড়া median: lr/(√v + ε)"},
        "demos.upd_title": {
            "en": "Size of the update each parameter really got",
            "bn": "প্রতিটি প্যারামিটার আসলে কত বড় update পেল",
        },
        "demos.upd_y": {"en": "RMS(Δθ) / lr", "bn": "RMS(Δθ) / lr"},
        "demos.upd_rms": {"en": "RMS of the update / lr", "bn": "update-এর RMS / lr"},
        "demos.noise_title": {
            "en": "How much v̂ still jumps: |Δ log v̂| per step",
            "bn": "v̂ এখনও কতটা লাফায়: প্রতি ধাপে |Δ log v̂|",
        },
        "demos.noise_y": {"en": "median |log v̂ₜ − log v̂ₜ₋₁|", "bn": "median |log v̂ₜ − log v̂ₜ₋₁|"},
    }
)


def _one_thread() -> None:
    """Use one intra-op thread: the models here are tiny, and on a small shared CPU one thread is
    faster than several (and gives bit-for-bit reproducible runs). This sets torch's global
    thread count for the rest of the session, as a notebook running these demos wants."""
    import torch

    if torch.get_num_threads() > 1:
        torch.set_num_threads(1)


# =========================================================================== lesson 01


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
        import torch
        from torch import nn

        gen_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        model = nn.Linear(self.x_train.shape[1], 10).double()
        torch.random.set_rng_state(gen_state)
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


_PROBLEMS: dict[float, DigitsProblem] = {}


def digits_problem(weight_decay: float = 1e-3) -> DigitsProblem:
    """The convex problem of lesson 01, with its minimum ``L*`` computed by full-batch L-BFGS.

    Solved once per ``weight_decay`` and kept (the demos only read it).
    """
    import torch

    from .data import digits

    if not (isinstance(weight_decay, (int, float)) and weight_decay > 0):
        raise ValueError(f"weight_decay={weight_decay!r} must be a number > 0 (it makes the minimum unique)")
    if float(weight_decay) in _PROBLEMS:
        return _PROBLEMS[float(weight_decay)]
    _one_thread()
    x_tr, y_tr, x_te, y_te = digits()
    problem = DigitsProblem(x_tr.double(), y_tr, x_te.double(), y_te, float(weight_decay), float("nan"))
    model = problem.new_model(0)
    # One L-BFGS run of 300 iterations: the gradient ends below ~1e-7, and L* is then exact to ~1e-11
    # (tests/test_demos.py solves again, longer, and checks it); more iterations only cost time.
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
    _PROBLEMS[float(weight_decay)] = problem
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

        from .plotting import use_course_fonts

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
    _one_thread()
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


# =========================================================================== lesson 02: the explorer

EXPLORER_KINDS = (
    "constant", "step_decay", "exponential", "cosine", "polynomial", "warmup_linear", "warmup_cosine",
    "inverse_sqrt", "cyclic (triangular)", "cyclic (triangular2)", "cyclic (exp_range)", "one_cycle",
    "sgdr", "wsd",
)


def build_schedule(kind: str, lr: float = 1e-3, total_steps: int = 10_000, warmup_steps: int = 1_000,
                   lr_min_ratio: float = 0.0, gamma: float = 0.5, step_size: int = 3_000,
                   share: float = 0.3) -> S.Schedule:
    """The schedule the explorer shows for one setting of its sliders (also usable on its own).

    ``kind`` is one of :data:`EXPLORER_KINDS`. ``share`` is one-cycle's
    ``pct_start``, WSD's decay share of the steps after warmup, and the cycle
    length of cyclic (half-cycle) and SGDR (``t_0``) as a share of
    ``total_steps``. ``gamma`` is step decay's factor per drop; for exponential
    decay and cyclic exp_range it is the factor over the whole run (the
    per-step factor ``gamma^(1/total_steps)`` is derived from it).
    """
    if kind not in EXPLORER_KINDS:
        raise ValueError(f"kind={kind!r} is not known; use one of {list(EXPLORER_KINDS)}")
    lr_min = lr * lr_min_ratio
    warm = min(int(warmup_steps), total_steps - 1)
    cycle = max(1, int(round(share * total_steps)))
    if kind == "constant":
        return S.constant(lr)
    if kind == "step_decay":
        return S.step_decay(lr, step_size, gamma)
    if kind == "exponential":
        # gamma is the factor over the whole run; the per-step factor is its total_steps-th root
        return S.exponential(lr, gamma ** (1.0 / total_steps))
    if kind == "cosine":
        return S.cosine(lr, total_steps, lr_min)
    if kind == "polynomial":
        return S.polynomial(lr, total_steps, power=2.0, lr_min=lr_min)
    if kind == "warmup_linear":
        return S.warmup_linear(lr, warm, total_steps)
    if kind == "warmup_cosine":
        return S.warmup_cosine(lr, warm, total_steps, lr_min)
    if kind == "inverse_sqrt":
        return S.inverse_sqrt(lr, max(1, warm))
    if kind.startswith("cyclic"):
        mode = kind[kind.index("(") + 1:-1]
        half = max(1, cycle // 2)
        per_step = gamma ** (1.0 / total_steps) if mode == "exp_range" else 1.0
        return S.cyclic(max(lr_min, lr / 10), lr, half, mode=mode, gamma=per_step)
    if kind == "one_cycle":
        return S.one_cycle(lr, total_steps, pct_start=min(max(share, 0.05), 0.95))
    if kind == "sgdr":
        return S.sgdr(lr, cycle, t_mult=2, lr_min=lr_min)
    # wsd: warmup, stable, then a decay taking `share` of the steps after the warmup
    rest = max(2, total_steps - warm)
    decay_steps = max(1, int(round(share * rest)))
    return S.wsd(lr, warm, rest - decay_steps, decay_steps, lr_min=lr_min, decay="1-sqrt")


def schedule_explorer(kind: str = "warmup_cosine", total_steps: int = 10_000):
    """An interactive explorer: pick a schedule, move the sliders, watch the curve.

    Returns an ipywidgets box (display it, or leave it as a cell's last line).
    Without a running kernel (a static view of the notebook) the widgets show
    as text; the plot needs JupyterLab or Voila.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .plotting import plot_schedules

    if kind not in EXPLORER_KINDS:
        raise ValueError(f"kind={kind!r} is not known; use one of {list(EXPLORER_KINDS)}")
    style = {"description_width": "110px"}
    layout = w.Layout(width="420px")
    controls = {
        "kind": w.Dropdown(options=EXPLORER_KINDS, value=kind, description=i18n.t("demos.kind"), style=style),
        "lr": w.FloatLogSlider(value=1e-3, base=10, min=-5, max=0, step=0.1, description="lr",
                               readout_format=".1e", style=style, layout=layout),
        "total_steps": w.IntSlider(value=total_steps, min=100, max=50_000, step=100,
                                   description=i18n.t("demos.total"), style=style, layout=layout),
        "warmup_steps": w.IntSlider(value=total_steps // 10, min=0, max=20_000, step=50,
                                    description=i18n.t("demos.warmup"), style=style, layout=layout),
        "lr_min_ratio": w.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.01,
                                      description=i18n.t("demos.lr_min_ratio"), style=style, layout=layout),
        "gamma": w.FloatSlider(value=0.5, min=0.01, max=0.99, step=0.01,
                               description=i18n.t("demos.gamma"), style=style, layout=layout),
        "step_size": w.IntSlider(value=total_steps // 3, min=10, max=20_000, step=10,
                                 description=i18n.t("demos.step_size"), style=style, layout=layout),
        "share": w.FloatSlider(value=0.3, min=0.02, max=0.98, step=0.01,
                               description=i18n.t("demos.pct"), style=style, layout=layout),
        "log": w.Checkbox(value=False, description=i18n.t("demos.log")),
    }
    out = w.Output()

    def draw(kind, lr, total_steps, warmup_steps, lr_min_ratio, gamma, step_size, share, log):
        with out:
            out.clear_output(wait=True)
            try:
                schedule = build_schedule(kind, lr, total_steps, warmup_steps, lr_min_ratio, gamma, step_size, share)
            except (ValueError, TypeError) as err:  # show the package's own message, do not crash the widget
                print(err)
                return
            print(repr(schedule))
            fig = plot_schedules({kind: schedule}, total_steps, log=bool(log))
            display(fig)
            plt.close(fig)

    w.interactive_output(draw, controls)
    help_text = w.HTML(f"<small>{i18n.t('demos.explorer_help')}</small>")
    left = w.VBox([controls[k] for k in ("kind", "lr", "total_steps", "warmup_steps", "lr_min_ratio")])
    right = w.VBox([controls[k] for k in ("gamma", "step_size", "share", "log")])
    return w.VBox([w.HBox([left, right]), help_text, out])


# =========================================================================== lesson 03: Transformer and Adam

SORT_VOCAB = 11  # digits 0-9 and the separator token 10


def sorting_batch(generator, batch_size: int = 64, length: int = 8):
    """A batch of the sorting task: ``3 1 4 1 5 9 2 6 | 1 1 2 3 4 5 6 9``.

    Returns ``(inputs, targets)`` for next-token prediction, each of shape
    ``(batch_size, 2·length)``; ``targets`` is −100 (ignored by the loss) on the
    unsorted half, so the loss counts only the sorted answer. Fresh random lists
    every batch: the model cannot memorise, it has to learn to sort.
    """
    import torch

    x = torch.randint(0, 10, (batch_size, length), generator=generator)
    sorted_x, _ = x.sort(dim=1)
    seq = torch.cat([x, torch.full((batch_size, 1), 10), sorted_x], dim=1)
    inputs, targets = seq[:, :-1], seq[:, 1:].clone()
    targets[:, : length - 1] = -100
    targets[:, length - 1] = -100  # the separator itself is given, not predicted
    return inputs, targets


def tiny_transformer(d_model: int = 64, heads: int = 4, layers: int = 2, norm_first: bool = False,
                     max_len: int = 16, seed: int = 0):
    """A small causal Transformer (decoder-only, like GPT) for :func:`sorting_batch`.

    ``norm_first=False`` is the original Transformer's post-LN layout (LayerNorm
    after each residual addition), the one that needs warmup most (Xiong et al.
    2020); ``True`` is the pre-LN layout of GPT-2 and later models. ``max_len``
    (positions) defaults to 16, the length of a :func:`sorting_batch` sequence.
    """
    import torch
    from torch import nn

    class TinyTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(SORT_VOCAB, d_model)
            self.pos = nn.Embedding(max_len, d_model)
            layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout=0.0, batch_first=True,
                                               norm_first=norm_first)
            self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.head = nn.Linear(d_model, SORT_VOCAB)

        def forward(self, x):
            steps = x.shape[1]
            h = self.tok(x) * math.sqrt(d_model) + self.pos(torch.arange(steps, device=x.device))
            mask = nn.Transformer.generate_square_subsequent_mask(steps, device=x.device)
            return self.head(self.blocks(h, mask=mask, is_causal=True))

    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    model = TinyTransformer()
    torch.random.set_rng_state(gen_state)
    return model


@dataclass
class SortingRun:
    """One training run of :func:`train_sorting`: per-step loss and LR, final accuracy, wall time."""

    schedule: S.Schedule
    seed: int
    losses: np.ndarray  # per step; NaN after a divergence
    lrs: np.ndarray
    accuracy: float  # share of answer tokens right on a fixed held-out batch (NaN if diverged)
    seconds: float

    @property
    def diverged(self) -> bool:
        return bool(np.isnan(self.losses).any())

    def final_loss(self, last: int = 20) -> float:
        """Mean loss over the last ``last`` steps (inf if the run diverged)."""
        return float("inf") if self.diverged else float(self.losses[-last:].mean())


def _answer_accuracy(model, length: int) -> float:
    import torch

    gen = torch.Generator().manual_seed(2024)
    inputs, targets = sorting_batch(gen, 512, length)
    with torch.no_grad():
        pred = model(inputs).argmax(-1)
    keep = targets != -100
    return float((pred[keep] == targets[keep]).double().mean())


def train_sorting(schedule: S.Schedule, steps: int, seed: int = 0, *, d_model: int = 64, layers: int = 2,
                  norm_first: bool = False, betas=(0.9, 0.98), eps: float = 1e-9, batch_size: int = 64,
                  length: int = 8, optimizer: str = "adam") -> SortingRun:
    """Train :func:`tiny_transformer` on the sorting task with Adam, the LR of update t being ``schedule(t)``.

    ``betas=(0.9, 0.98)`` and ``eps=1e-9`` are the original Transformer's Adam
    settings (Vaswani et al. 2017). ``seed`` fixes the initial weights and the
    batches, so two schedules with the same seed see identical data.
    ``optimizer="radam"`` uses ``torch.optim.RAdam`` (Liu et al. 2020) instead
    of Adam, with the same betas and eps. A run whose loss becomes NaN or
    infinite stops there (losses NaN afterwards).
    """
    import torch
    from torch import nn

    _one_thread()
    if not isinstance(schedule, S.Schedule):
        raise TypeError(f"schedule={schedule!r} must be an lrcourse schedule, e.g. lrcourse.schedules.constant(1e-3)")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r} must be an int >= 1")
    optimizers = {"adam": torch.optim.Adam, "radam": torch.optim.RAdam}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer={optimizer!r} is not known; use one of {sorted(optimizers)}")
    start = time.perf_counter()
    model = tiny_transformer(d_model=d_model, layers=layers, norm_first=norm_first, max_len=2 * length, seed=seed)
    opt = optimizers[optimizer](model.parameters(), lr=schedule(0), betas=tuple(betas), eps=eps)
    scheduler = S.attach(opt, schedule)
    gen = torch.Generator().manual_seed(10_000 + seed)
    losses = np.full(steps, np.nan)
    for t in range(steps):
        inputs, targets = sorting_batch(gen, batch_size, length)
        loss = nn.functional.cross_entropy(model(inputs).reshape(-1, SORT_VOCAB), targets.reshape(-1))
        if not torch.isfinite(loss):
            break
        losses[t] = loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        scheduler.step()
    acc = float("nan") if np.isnan(losses).any() else _answer_accuracy(model, length)
    return SortingRun(schedule, seed, losses, schedule(np.arange(steps)), acc, time.perf_counter() - start)


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Trailing moving average (NaN-aware: a NaN stays NaN)."""
    if width <= 1:
        return values
    kernel = np.ones(width) / width
    padded = np.concatenate([np.full(width - 1, values[0]), values])
    return np.convolve(padded, kernel, mode="valid")


@dataclass
class WarmupComparison:
    """Runs of :func:`warmup_comparison`: ``runs[label]`` is a list of :class:`SortingRun`, one per seed."""

    peak_lr: float
    warmup_steps: int
    steps: int
    runs: dict[str, list[SortingRun]]
    seconds: float
    spike_after: int = field(default=0)

    def plot(self, smooth: int = 5):
        """Loss of every seed (thin lines; moving average over ``smooth`` steps, log y) and the two schedules."""
        import matplotlib.pyplot as plt

        from .plotting import use_course_fonts

        use_course_fonts()
        fig, (ax, ax_lr) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [2.2, 1]})
        colors = ["tab:red", "tab:blue", "tab:green", "tab:purple"]  # no warmup, warmup, RAdam, ...
        steps = np.arange(self.steps)
        for color, (label, runs) in zip(colors, self.runs.items()):
            for i, run in enumerate(runs):
                ax.plot(steps, _smooth(run.losses, smooth), color=color, alpha=0.75, linewidth=1.0,
                        label=label if i == 0 else None)
            ax_lr.plot(steps, runs[0].lrs, color=color, label=label, linewidth=1.8,
                       linestyle="--" if label == i18n.t("demos.radam") else "-")
        ax.set_yscale("log")
        ax.set_title(i18n.t("demos.warmup_title", lr=self.peak_lr, seeds=len(next(iter(self.runs.values())))))
        ax.set_xlabel(i18n.t("demos.step"))
        ax.set_ylabel(i18n.t("demos.loss"))
        ax_lr.set_title(i18n.t("demos.warmup_lr_title"))
        ax_lr.set_xlabel(i18n.t("demos.step"))
        ax_lr.set_ylabel(i18n.t("plot.lr"))
        for a in (ax, ax_lr):
            a.grid(True, alpha=0.3, which="both")
            a.legend(fontsize=9)
        fig.tight_layout()
        return fig

    def summary(self) -> str:
        """Per condition and seed: final loss, the worst loss after ``spike_after`` steps, and accuracy."""
        lines = []
        for label, runs in self.runs.items():
            final = " ".join(f"{r.final_loss():.3f}" for r in runs)
            peak = " ".join("nan" if r.diverged else f"{np.max(r.losses[self.spike_after:]):.2f}" for r in runs)
            acc = " ".join(f"{100 * r.accuracy:.1f}%" for r in runs)
            lines.append(i18n.t("demos.warmup_row", label=label, final=final, after=self.spike_after, peak=peak, acc=acc))
        n_runs = sum(len(r) for r in self.runs.values())
        lines.append(i18n.t("demos.warmup_time", runs=n_runs, steps=self.steps, seconds=self.seconds,
                            per=1000 * self.seconds / (n_runs * self.steps)))
        return "\n".join(lines)


def warmup_schedules(peak_lr: float, warmup_steps: int, steps: int) -> tuple[S.Schedule, S.Schedule]:
    """The pair compared in lesson 03: ``cosine(peak_lr, steps)`` and ``warmup_cosine(peak_lr, W, steps)``."""
    return S.cosine(peak_lr, steps), S.warmup_cosine(peak_lr, warmup_steps, steps)


def warmup_comparison(peak_lr: float = 3e-2, warmup_steps: int | None = None, steps: int | None = None,
                      seeds: Sequence[int] | None = None, **train_kwargs) -> WarmupComparison:
    """Train the same Transformer with and without warmup, seed by seed, at the same peak LR.

    Both runs decay with a cosine to 0 at ``steps``; the only difference is the
    linear warmup over the first ``warmup_steps`` updates (default: Ma &
    Yarats' ``2/(1 − β2)``, 100 steps for β2 = 0.98, or a third of a shorter
    run). ``steps`` and ``seeds`` default by budget. ``train_kwargs`` go to
    :func:`train_sorting`.
    """
    if steps is None:
        steps = pick(quick=60, standard=300)
    if seeds is None:
        seeds = pick(quick=(0,), standard=(0, 1, 2))
    if len(seeds) == 0:
        raise ValueError("seeds is empty; give at least one seed, e.g. (0, 1, 2)")
    if warmup_steps is None:
        beta2 = train_kwargs.get("betas", (0.9, 0.98))[1]
        warmup_steps = min(int(round(2 / (1 - beta2))), steps // 3)
    plain, warm = warmup_schedules(peak_lr, warmup_steps, steps)
    start = time.perf_counter()
    runs = {
        i18n.t("demos.no_warmup"): [train_sorting(plain, steps, s, **train_kwargs) for s in seeds],
        i18n.t("demos.with_warmup", w=warmup_steps): [train_sorting(warm, steps, s, **train_kwargs) for s in seeds],
    }
    return WarmupComparison(peak_lr, warmup_steps, steps, runs, time.perf_counter() - start,
                            spike_after=min(warmup_steps, steps - 1))


def with_radam(comparison: WarmupComparison, **train_kwargs) -> WarmupComparison:
    """``comparison`` plus a third group: RAdam (Liu et al. 2020) with the no-warmup schedule, same seeds.

    RAdam has its warmup built in (a variance rectification of the adaptive
    step); this shows whether it trains where Adam without warmup stalls.
    ``train_kwargs`` must be those the comparison was trained with (defaults
    if it was made with defaults).
    """
    plain, _ = warmup_schedules(comparison.peak_lr, comparison.warmup_steps, comparison.steps)
    seeds = [run.seed for run in next(iter(comparison.runs.values()))]
    start = time.perf_counter()
    radam = [train_sorting(plain, comparison.steps, seed, optimizer="radam", **train_kwargs) for seed in seeds]
    runs = dict(comparison.runs)
    runs[i18n.t("demos.radam")] = radam
    return WarmupComparison(comparison.peak_lr, comparison.warmup_steps, comparison.steps, runs,
                            comparison.seconds + time.perf_counter() - start, comparison.spike_after)


@dataclass
class WarmupSweep:
    """:func:`warmup_sweep`: one :class:`WarmupComparison` per peak LR."""

    comparisons: dict[float, WarmupComparison]
    seconds: float

    def final_losses(self) -> dict[str, np.ndarray]:
        """``{condition: array (peak LRs, seeds)}`` of final losses (inf where a run diverged)."""
        labels = list(next(iter(self.comparisons.values())).runs)
        return {lab: np.array([[r.final_loss() for r in c.runs[lab]] for c in self.comparisons.values()])
                for lab in labels}

    def table(self) -> str:
        finals = self.final_losses()
        labels = list(finals)
        head = f"{'peak lr':>9} " + " ".join(f"{lab:>34}" for lab in labels)
        rows = [head]
        for i, lr in enumerate(self.comparisons):
            cells = []
            for lab in labels:
                v = finals[lab][i]
                cells.append(f"{np.mean(v):8.3f}  [{' '.join(f'{x:.3f}' for x in v)}]".rjust(34))
            rows.append(f"{lr:>9.0e} " + " ".join(cells))
        return "\n".join(rows)

    def plot(self):
        """Final loss against peak LR (log-log), each seed a dot, the mean a line; one colour per condition."""
        import matplotlib.pyplot as plt

        from .plotting import use_course_fonts

        use_course_fonts()
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        lrs = np.array(list(self.comparisons))
        for color, (label, values) in zip(["tab:red", "tab:blue"], self.final_losses().items()):
            shown = np.where(np.isfinite(values), values, np.nan)
            ax.plot(lrs, np.nanmean(shown, axis=1), "-", color=color, label=label, linewidth=1.8)
            for j in range(values.shape[1]):
                ax.plot(lrs, shown[:, j], "o", color=color, alpha=0.5, markersize=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(lrs)
        ax.set_xticklabels([f"{lr:g}" for lr in lrs])
        ax.xaxis.set_minor_locator(plt.NullLocator())
        ax.set_xlabel(i18n.t("demos.peak_lr"))
        ax.set_ylabel(i18n.t("demos.final_loss"))
        ax.set_title(i18n.t("demos.t.sweep"))
        ax.grid(True, alpha=0.3, which="both")
        ax.legend(fontsize=9)
        fig.tight_layout()
        return fig


def warmup_sweep(peak_lrs: Sequence[float] | None = None, warmup_steps: int | None = None,
                 steps: int | None = None, seeds: Sequence[int] | None = None, **train_kwargs) -> WarmupSweep:
    """:func:`warmup_comparison` at several peak LRs (by budget: quick 1 LR, standard 5)."""
    if peak_lrs is None:
        peak_lrs = pick(quick=(3e-2,), standard=(3e-3, 1e-2, 2e-2, 3e-2, 6e-2))
    if len(peak_lrs) == 0:
        raise ValueError("peak_lrs is empty; give at least one peak LR, e.g. (1e-3, 1e-2)")
    start = time.perf_counter()
    comparisons = {float(lr): warmup_comparison(lr, warmup_steps, steps, seeds, **train_kwargs) for lr in peak_lrs}
    return WarmupSweep(comparisons, time.perf_counter() - start)


@dataclass
class AdamTrace:
    """Adam's state read after every update of a real model (see :func:`adam_effective_lr_trace`)."""

    lr: float
    betas: tuple
    eps: float
    steps: np.ndarray  # 1, 2, ...: Adam's own step count after the update
    eff_median: np.ndarray  # median over parameters of lr/(√v̂ + ε)
    eff_p05: np.ndarray
    eff_p95: np.ndarray
    eff_raw_median: np.ndarray  # the same without bias correction: lr/(√v + ε)
    update_rms: np.ndarray  # RMS over parameters of the update Δθ, divided by lr
    logv_jump: np.ndarray  # median over parameters of |log v̂_t − log v̂_{t−1}| (NaN at t = 1)
    n_params: int
    n_excluded: int  # parameters whose gradient was exactly 0 so far (v = 0), left out of the statistics

    def table(self, at: Sequence[int] = (1, 2, 5, 10, 20, 50, 100, 200)) -> str:
        rows = [f"{'t':>5} {'median lr/(√v̂+ε)':>18} {'5%':>10} {'95%':>10} {'no bias corr.':>14} "
                f"{'RMS(Δθ)/lr':>11} {'|Δlog v̂|':>9}"]
        for t in at:
            if t > len(self.steps):
                continue
            i = t - 1
            rows.append(f"{t:>5} {self.eff_median[i]:>18.3e} {self.eff_p05[i]:>10.2e} {self.eff_p95[i]:>10.2e} "
                        f"{self.eff_raw_median[i]:>14.3e} {self.update_rms[i]:>11.3f} {self.logv_jump[i]:>9.3f}")
        return "\n".join(rows)

    def plot(self):
        """Three panels: lr/(√v̂ + ε) with its spread, the real update size, and how much v̂ still jumps."""
        import matplotlib.pyplot as plt

        from .plotting import use_course_fonts

        use_course_fonts()
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
        ax = axes[0]
        ax.fill_between(self.steps, self.eff_p05, self.eff_p95, alpha=0.25, label=i18n.t("demos.eff_band"))
        ax.plot(self.steps, self.eff_median, label=i18n.t("demos.eff_median"), linewidth=1.8)
        ax.plot(self.steps, self.eff_raw_median, "--", label=i18n.t("demos.eff_raw"), linewidth=1.4)
        ax.set_yscale("log")
        ax.set_title(i18n.t("demos.eff_title", lr=self.lr), fontsize=10)
        ax.set_ylabel(i18n.t("demos.eff_y"))
        axes[1].plot(self.steps, self.update_rms, color="tab:red", label=i18n.t("demos.upd_rms"), linewidth=1.6)
        axes[1].set_ylim(bottom=0)
        axes[1].set_title(i18n.t("demos.upd_title"), fontsize=10)
        axes[1].set_ylabel(i18n.t("demos.upd_y"))
        axes[2].plot(self.steps, self.logv_jump, color="tab:green", linewidth=1.6)
        axes[2].set_yscale("log")
        axes[2].set_title(i18n.t("demos.noise_title"), fontsize=10)
        axes[2].set_ylabel(i18n.t("demos.noise_y"))
        for a in axes:
            a.set_xscale("log")
            a.set_xlabel(i18n.t("demos.step"))
            a.grid(True, alpha=0.3, which="both")
        axes[0].legend(fontsize=8)
        axes[1].legend(fontsize=8)
        fig.tight_layout()
        return fig


def adam_effective_lr_trace(steps: int = 200, lr: float = 1e-2, betas=(0.9, 0.98), eps: float = 1e-9,
                            seed: int = 0, d_model: int = 64, layers: int = 2, batch_size: int = 64,
                            length: int = 8, sample: int = 200_000) -> AdamTrace:
    """Train the Transformer of lesson 03 with Adam at a constant ``lr`` and read Adam's state after each update.

    For every parameter entry, with Adam's own state ``exp_avg_sq`` (v) and
    ``step`` (t): ``v̂ = v/(1 − β2^t)`` and the per-parameter step size
    ``lr/(√v̂ + ε)``, exactly the factor PyTorch's Adam multiplies ``m̂`` by.
    Entries that have had only zero gradients (v = 0; e.g. an unused position)
    are left out and counted in ``n_excluded``. Percentiles are over a fixed
    random sample of ``sample`` entries (all of them if the model is smaller).
    """
    import torch
    from torch import nn

    _one_thread()
    model = tiny_transformer(d_model=d_model, layers=layers, max_len=2 * length, seed=seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, betas=tuple(betas), eps=eps)
    gen = torch.Generator().manual_seed(10_000 + seed)
    n_params = sum(p.numel() for p in params)
    pick_gen = torch.Generator().manual_seed(7)
    chosen = torch.randperm(n_params, generator=pick_gen)[: min(sample, n_params)]
    beta2 = betas[1]
    rows = {k: [] for k in ("med", "p05", "p95", "raw", "rms", "jump")}
    prev_log_vhat = None
    excluded = 0
    for t in range(1, steps + 1):
        inputs, targets = sorting_batch(gen, batch_size, length)
        before = torch.cat([p.detach().reshape(-1) for p in params])
        loss = nn.functional.cross_entropy(model(inputs).reshape(-1, SORT_VOCAB), targets.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        after = torch.cat([p.detach().reshape(-1) for p in params])
        v = torch.cat([opt.state[p]["exp_avg_sq"].reshape(-1) for p in params]).double()
        step = float(opt.state[params[0]]["step"])
        v_hat = v / (1 - beta2**step)
        active = v[chosen] > 0
        excluded = int((v == 0).sum())
        eff = (lr / (v_hat.sqrt() + eps))[chosen][active]
        raw = (lr / (v.sqrt() + eps))[chosen][active]
        q = torch.quantile(eff, torch.tensor([0.05, 0.5, 0.95], dtype=eff.dtype))
        rows["p05"].append(float(q[0]))
        rows["med"].append(float(q[1]))
        rows["p95"].append(float(q[2]))
        rows["raw"].append(float(raw.median()))
        rows["rms"].append(float((after - before).double().pow(2).mean().sqrt()) / lr)
        log_vhat = v_hat[chosen].clamp_min(1e-300).log()
        if prev_log_vhat is None:
            rows["jump"].append(float("nan"))
        else:
            both = active & (prev_log_vhat > -690)
            rows["jump"].append(float((log_vhat - prev_log_vhat)[both].abs().median()))
        prev_log_vhat = log_vhat
    return AdamTrace(lr, tuple(betas), eps, np.arange(1, steps + 1), *(np.array(rows[k]) for k in
                     ("med", "p05", "p95", "raw", "rms", "jump")), n_params=n_params, n_excluded=excluded)


# =========================================================================== lesson 02: PyTorch side by side


def pytorch_lrs(make_scheduler: Callable, steps: int, lr: float = 1.0, optimizer: str = "sgd"):
    """The LR a real PyTorch optimizer uses at updates 0 … steps−1 under a PyTorch scheduler.

    ``make_scheduler(optimizer)`` builds the scheduler (e.g.
    ``lambda opt: CosineAnnealingLR(opt, T_max=100)``). The loop is the correct
    one, ``optimizer.step()`` then ``scheduler.step()``, and the LR is read from
    the optimizer's param group just before each update. Returns
    ``(lrs, error)``: ``error`` is the exception PyTorch raised when asked for
    one step too many (OneCycleLR does), else None; ``lrs`` stops there.
    """
    import torch

    param = torch.zeros(1, requires_grad=True)
    if optimizer == "sgd":
        opt = torch.optim.SGD([param], lr=lr, momentum=0.9)
    elif optimizer == "adam":
        opt = torch.optim.Adam([param], lr=lr)
    else:
        raise ValueError(f"optimizer={optimizer!r} is not known; use 'sgd' or 'adam'")
    scheduler = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        param.grad = torch.zeros_like(param)
        opt.step()
        try:
            scheduler.step()
        except ValueError as err:
            return np.asarray(lrs), err
    return np.asarray(lrs), None
