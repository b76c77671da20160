"""The LR range test (Leslie Smith, arXiv 1506.01186 and 1803.09820).

Train for a short while with a learning rate that rises from ``start_lr`` to ``end_lr``
(exponentially by default), record the loss after every update, and read off the range of
learning rates where the loss falls. ::

    from lrcourse.finder import lr_range_test
    result = lr_range_test(model, optimizer, loss_fn, train_loader)
    result.plot()
    print(result.summary())
    peak_lr = result.recommended            # e.g. the max LR of a one-cycle or cosine schedule

What it promises, beyond the classic recipe (torch-lr-finder, fastai ``lr_find``):

- **Nothing changes.** Afterwards the model and the optimizer are bitwise what they were:
  parameters, gradients, every buffer (BatchNorm running statistics and
  ``num_batches_tracked``, non-persistent buffers too), the train/eval flag of every
  submodule, the optimizer's state (momentum, Adam moments, step counts) and its
  ``param_groups`` (LR included), and the random number generators (torch CPU and CUDA,
  Python's ``random``, NumPy's global one). This also holds when the loss turns NaN or
  infinite, when ``loss_fn`` raises, and when you press Ctrl-C (the KeyboardInterrupt is
  raised again after the restore).
- **Stops on divergence** as soon as the loss is not finite, or its smoothed value (the
  running median of the last 5 losses) is above ``diverge_factor`` times the best one so far,
  and reports the LR where that happened.
- **Two smoothings.** ``smoothed`` is the exponential moving average with bias correction
  (fastai's ``beta = 0.98``), the curve fastai plots. Once the run is over the whole curve is known, so the suggestions are
  read from ``trend``: a running median (which removes single-batch spikes) followed by a
  centred moving average. It has no lag, so a suggestion is not shifted to a larger LR the
  way a rule read from the moving average is.
- **Suggestions robust to spikes and noise**: ``valley``, ``steep``, ``minimum`` (the three
  rules of fastai, read from ``trend``) and one ``recommended`` LR with its ``reason``.
- **Refuses** to run with a scheduler attached to the optimizer, with too few iterations, or
  with ``start_lr >= end_lr``, saying why and what to do.

The step convention is the course's: ``result.lrs[t]`` is the LR of update ``t``
(``t = 0`` first) and ``result.losses[t]`` is the loss of the batch of that update,
measured before the update.
"""

from __future__ import annotations

import copy
import math
import random
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import nn

from . import i18n

__all__ = [
    "lr_range_test",
    "FinderResult",
    "suggest",
    "ema_smooth",
    "robust_trend",
    "valley_index",
    "TensorBatches",
    "builtin_problem",
    "PROBLEMS",
    "add_cli",
]

MIN_ITERS = 20  # below this the curve has too few points for any rule to mean anything
MIN_POINTS = 10  # fewer finite points than this before divergence: suggestions are unreliable

i18n.register(
    {
        "finder.progress": {"en": "LR range test", "bn": "LR রেঞ্জ টেস্ট"},
        "finder.xlabel": {"en": "learning rate (log scale)", "bn": "শেখার হার (learning rate, লগ স্কেল)"},
        "finder.xlabel_linear": {"en": "learning rate", "bn": "শেখার হার (learning rate)"},
        "finder.ylabel": {"en": "training loss", "bn": "ট্রেনিং লস (training loss)"},
        "finder.title": {"en": "LR range test", "bn": "LR রেঞ্জ টেস্ট (LR range test)"},
        "finder.raw": {"en": "loss of each batch", "bn": "প্রতিটি ব্যাচের লস"},
        "finder.ema": {"en": "moving average (bias-corrected)", "bn": "চলমান গড় (bias-corrected)"},
        "finder.trend": {"en": "trend (the rules read this)", "bn": "প্রবণতা (trend, নিয়মগুলো এটাই পড়ে)"},
        "finder.val": {"en": "validation loss", "bn": "ভ্যালিডেশন লস (validation loss)"},
        "finder.diverged_line": {"en": "diverged at {lr}", "bn": "{lr}-এ ডাইভার্জ করেছে"},
        "finder.recommended_line": {"en": "recommended {lr}", "bn": "প্রস্তাবিত {lr}"},
        "finder.rule.valley": {"en": "valley", "bn": "উপত্যকা (valley)"},
        "finder.rule.steep": {"en": "steepest", "bn": "সবচেয়ে খাড়া (steep)"},
        "finder.rule.minimum": {"en": "minimum / 10", "bn": "সর্বনিম্ন / ১০ (minimum)"},
        "finder.summary": {
            "en": "LR range test: recommended LR {lr} ({reason}); valley {valley}, steep {steep}, "
            "minimum/10 {minimum}; {stop}; {n} updates in {seconds:.1f} s",
            "bn": "LR রেঞ্জ টেস্ট: প্রস্তাবিত LR {lr} ({reason}); valley {valley}, steep {steep}, "
            "minimum/10 {minimum}; {stop}; {n}টি আপডেট, {seconds:.1f} সেকেন্ডে",
        },
        "finder.stop.diverged": {"en": "diverged at LR {lr}", "bn": "LR {lr}-এ ডাইভার্জ করেছে"},
        "finder.stop.nonfinite": {
            "en": "loss became {value} at LR {lr}",
            "bn": "LR {lr}-এ লস {value} হয়ে গেছে",
        },
        "finder.stop.end": {
            "en": "reached end_lr {lr} without diverging",
            "bn": "ডাইভার্জ না করেই end_lr {lr} পর্যন্ত পৌঁছেছে",
        },
        "finder.reason.blend": {
            "en": "halfway on a log scale between the valley {valley} and a third of the LR of the lowest loss "
            "({third} = {at_min}/3)",
            "bn": "লগ স্কেলে valley {valley} আর সর্বনিম্ন লসের LR-এর এক-তৃতীয়াংশের ({third} = {at_min}/3) মাঝামাঝি",
        },
        "finder.reason.few_points": {
            "en": "only {n} points before the loss diverged; unreliable, lower start_lr or end_lr",
            "bn": "লস ডাইভার্জ করার আগে মাত্র {n}টি বিন্দু; ভরসাযোগ্য নয়, start_lr বা end_lr কমান",
        },
        "finder.reason.no_descent": {
            "en": "the loss never fell clearly; the range may be too low (raise end_lr) or the model is not learning",
            "bn": "লস কখনও স্পষ্টভাবে কমেনি; রেঞ্জটা হয়তো খুব নিচে (end_lr বাড়ান), নয়তো মডেল শিখছে না",
        },
        "finder.warn.edge": {
            "en": "the loss was still at its lowest at the end of the range (LR {lr}) and did not diverge: "
            "the suggestions are cut off by end_lr; raise end_lr to see where the loss turns up.",
            "bn": "রেঞ্জের শেষে (LR {lr}) এসেও লস সর্বনিম্নেই ছিল, ডাইভার্জ করেনি: end_lr প্রস্তাবগুলোকে কেটে দিচ্ছে; "
            "লস কোথায় আবার বাড়ে দেখতে end_lr বাড়ান।",
        },
        "finder.warn.few_points": {
            "en": "only {n} points on the loss curve; the suggestions are unreliable. "
            "If the loss diverged early, lower start_lr and end_lr; else raise num_iters.",
            "bn": "লসের কার্ভে মাত্র {n}টি বিন্দু; প্রস্তাবগুলো ভরসাযোগ্য নয়। "
            "লস তাড়াতাড়ি ডাইভার্জ করলে start_lr ও end_lr কমান; নইলে num_iters বাড়ান।",
        },
        "finder.interrupted": {
            "en": "LR range test interrupted after {n} updates; the model and the optimizer are restored.",
            "bn": "{n}টি আপডেটের পর LR রেঞ্জ টেস্ট থামানো হয়েছে; মডেল ও অপটিমাইজার আগের অবস্থায় ফেরানো হয়েছে।",
        },
        "finder.err.scheduler": {
            "en": "optimizer: a learning-rate scheduler is attached to it (param_groups[{group}] has 'initial_lr' "
            "or optimizer.step is wrapped by a scheduler). The LR range test sets the LR itself, and the scheduler "
            "would fight it and keep counting steps. Run the test on a fresh optimizer, before you create the "
            "scheduler.",
            "bn": "optimizer: এর সঙ্গে একটি LR scheduler যুক্ত আছে (param_groups[{group}]-এ 'initial_lr' আছে, বা "
            "optimizer.step-কে scheduler মুড়ে রেখেছে)। LR রেঞ্জ টেস্ট নিজেই LR ঠিক করে; scheduler তার সঙ্গে লড়বে আর "
            "ধাপ গুনতে থাকবে। scheduler বানানোর আগে, নতুন একটি optimizer দিয়ে টেস্টটি চালান।",
        },
        "finder.err.num_iters": {
            "en": "num_iters={value!r} is too small; use an int of at least {minimum} (100 is typical): "
            "the rules need enough points along the curve",
            "bn": "num_iters={value!r} খুব ছোট; অন্তত {minimum} এর একটি int দিন (সাধারণত 100): "
            "নিয়মগুলোর জন্য কার্ভে যথেষ্ট বিন্দু দরকার",
        },
        "finder.err.range": {
            "en": "start_lr={start!r} must be smaller than end_lr={end!r} (the LR rises from start_lr to end_lr)",
            "bn": "start_lr={start!r} অবশ্যই end_lr={end!r}-এর চেয়ে ছোট হতে হবে (LR start_lr থেকে end_lr পর্যন্ত বাড়ে)",
        },
        "finder.err.empty": {
            "en": "batches: gave no batch; pass a DataLoader, a list of (inputs, targets) pairs or another "
            "iterable that can be iterated again (a generator is used up after one pass)",
            "bn": "batches: কোনো ব্যাচ পাওয়া যায়নি; একটি DataLoader, (inputs, targets) জোড়ার list, বা আবার "
            "ইটারেট করা যায় এমন কিছু দিন (generator একবার চলার পরই শেষ হয়ে যায়)",
        },
        "finder.err.data_missing": {
            "en": "CIFAR-10 is not available: {error}",
            "bn": "CIFAR-10 পাওয়া যায়নি: {error}",
        },
        "finder.cli.saved": {"en": "plot saved to {path}", "bn": "প্লট সংরক্ষিত হয়েছে: {path}"},
        "finder.cli.problem": {
            "en": "problem {name}: {description}",
            "bn": "সমস্যা {name}: {description}",
        },
    }
)


def _fmt_lr(lr: float | None) -> str:
    if lr is None or not np.isfinite(lr):
        return "-"
    return f"{lr:.2e}"


# --------------------------------------------------------------------------------------------
# Curves and rules (pure functions of arrays; the benchmark and the tests use them directly)
# --------------------------------------------------------------------------------------------


def ema_smooth(losses, beta: float = 0.98) -> np.ndarray:
    """Exponential moving average with bias correction (fastai's smoothing, Adam's debiasing).

    ``avg_t = beta * avg_{t-1} + (1 - beta) * loss_t`` from ``avg_{-1} = 0``, reported as
    ``avg_t / (1 - beta**(t + 1))``; so the first value is the first loss (no start near zero).
    """
    losses = np.asarray(losses, dtype=np.float64)
    out = np.empty_like(losses)
    avg = 0.0
    for t, loss in enumerate(losses):
        avg = beta * avg + (1.0 - beta) * loss
        out[t] = avg / (1.0 - beta ** (t + 1))
    return out


def _window(n: int) -> int:
    """An odd window length for ``n`` points: about 1/15 of the curve, at least 5."""
    w = max(5, int(round(n / 15)))
    return w if w % 2 else w + 1


def robust_trend(losses, window: int | None = None) -> np.ndarray:
    """The curve the rules read: a running median (drops single-batch spikes), then a centred mean.

    Both are centred, so unlike a moving average the trend has no lag; at the two ends the
    windows shrink instead of padding with invented values.
    """
    y = np.asarray(losses, dtype=np.float64)
    n = len(y)
    if n == 0:
        return y.copy()
    w = _window(n) if window is None else int(window)
    h = w // 2
    med = np.array([np.median(y[max(0, i - h) : i + h + 1]) for i in range(n)])
    csum = np.concatenate([[0.0], np.cumsum(med)])
    lo = np.clip(np.arange(n) - h, 0, n)
    hi = np.clip(np.arange(n) + h + 1, 0, n)
    return (csum[hi] - csum[lo]) / (hi - lo)


def valley_index(losses) -> tuple[int, int, int]:
    """fastai's valley rule: the longest decreasing run of ``losses`` and an index inside it.

    Finds the longest strictly decreasing subsequence (``lds``), takes its span
    ``[start, end]`` as fastai does (``start = end - length``) and returns
    ``(start + int(span/3) + int(span/6), start, end)``: a point a little past the middle of the
    valley, towards the steep part.
    """
    y = np.asarray(losses, dtype=np.float64)
    n = len(y)
    lds = np.ones(n, dtype=np.int64)
    max_start = max_end = 0
    for i in range(1, n):
        # fastai's double loop, with the inner loop vectorised; same result
        higher = y[:i] > y[i]
        if higher.any():
            lds[i] = max(lds[i], int(lds[:i][higher].max()) + 1)
        if lds[max_end] < lds[i]:
            max_end = i
            max_start = max_end - int(lds[max_end])
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return max(0, min(n - 1, idx)), max(0, max_start), max_end


@dataclass(frozen=True)
class _Suggestion:
    suggestions: dict
    recommended: float
    reason_key: str
    reason_values: dict
    lr_at_min: float
    valley_span: tuple


def suggest(lrs, losses, *, trend=None, cap_factor: float = 3.0) -> _Suggestion:
    """The suggestion rules, read from a (raw) loss curve recorded against rising LRs.

    Rules, all read from :func:`robust_trend` of ``losses`` (or the ``trend`` you give):

    - ``minimum``: the LR where the trend is lowest, divided by 10 (fastai's ``minimum``).
    - ``steep``: the LR where the trend falls fastest against log LR, searched only up to the
      lowest point (what follows is the blow-up, not learning).
    - ``valley``: fastai's valley rule (see :func:`valley_index`), searched up to the lowest point.
    - ``recommended``: the midpoint on a log scale (geometric mean) of the valley and of the LR
      of the lowest loss divided by ``cap_factor`` (3; Smith's rule of thumb that a good LR
      sits a factor 3-4 below the largest one that still trains), and never above the latter.
      The two estimates err in different ways (the valley moves with the length of the fall,
      the lowest point with a few batches), so their midpoint is steadier than either; chosen
      with benchmarks/finder.py, where the valley alone fell short on CIFAR-10. If the loss
      never falls clearly, the reason says so and it falls back to ``minimum``.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    raw = np.asarray(losses, dtype=np.float64)
    if lrs.shape != raw.shape or lrs.ndim != 1:
        raise ValueError(f"lrs and losses must be 1-d arrays of the same length; got {lrs.shape} and {raw.shape}")
    n = len(lrs)
    if n < 3:
        raise ValueError(f"losses: need at least 3 points to suggest anything; got {n}")
    y = robust_trend(raw) if trend is None else np.asarray(trend, dtype=np.float64)
    x = np.log10(lrs)
    i_min = int(np.argmin(y))
    lr_at_min = float(lrs[i_min])
    minimum = lr_at_min / 10.0
    start_level = float(np.median(y[: max(3, n // 10)]))
    drop = start_level - float(y[i_min])
    # the fall: from where the trend is clearly below its starting level (5% of the total
    # drop) to its lowest point. Searching only there keeps noise on the flat start (where a
    # long "decreasing" run of tiny wiggles can form) out of the rules.
    below = np.flatnonzero(y[: i_min + 1] < start_level - 0.05 * max(drop, 0.0))
    i_a = int(below[0]) if len(below) and drop > 0 else 0
    i_a = max(0, min(i_a, i_min - 2)) if i_min >= 2 else 0
    if i_min >= 2:
        head = slice(i_a, i_min + 1)
        slope = np.gradient(y[head], x[head])
        i_steep = i_a + int(np.argmin(slope))
        i_valley, v_lo, v_hi = (i_a + k for k in valley_index(y[head]))
    else:
        i_steep = i_valley = v_lo = v_hi = 0
    steep = float(lrs[i_steep])
    valley = float(lrs[i_valley])
    suggestions = {"valley": valley, "steep": steep, "minimum": minimum}

    # did the loss fall clearly? (against the noise of the raw losses at the start)
    noise = float(np.std(raw[: max(5, n // 5)] - y[: max(5, n // 5)])) + 1e-12
    if i_min < 2 or drop <= 2 * noise or drop <= 0.02 * abs(start_level):
        return _Suggestion(suggestions, minimum, "finder.reason.no_descent", {}, lr_at_min, (v_lo, v_hi))

    # Two estimates of a good LR: the valley (inside the fall, from its shape) and a third of the
    # LR of the lowest loss (Smith: a good LR sits 3-4x below the largest one that still trains;
    # from the position of the edge). Each is noisy in its own way (the valley moves with the
    # length of the fall, the lowest point with a few batches); their midpoint on a log scale is
    # steadier than either. Never above the third of the lowest point.
    cap = lr_at_min / cap_factor
    recommended = min(math.sqrt(valley * cap), cap)
    return _Suggestion(
        suggestions,
        recommended,
        "finder.reason.blend",
        {"valley": _fmt_lr(valley), "third": _fmt_lr(cap), "at_min": _fmt_lr(lr_at_min)},
        lr_at_min,
        (v_lo, v_hi),
    )


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass
class FinderResult:
    """What :func:`lr_range_test` found. Arrays are aligned: entry ``t`` belongs to update ``t``.

    Attributes: ``lrs``, ``losses`` (raw, one per update), ``smoothed`` (bias-corrected moving
    average), ``trend`` (what the rules read), ``val_losses`` (None, or NaN where not
    evaluated), ``suggestions`` (``valley``, ``steep``, ``minimum``), ``recommended``,
    ``reason`` (in the current language), ``diverged_at`` (LR or None), ``lr_at_min``,
    ``num_iters`` (asked), ``seconds``, ``mode``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    trend: np.ndarray
    val_losses: np.ndarray | None
    suggestions: dict
    recommended: float
    diverged_at: float | None
    lr_at_min: float
    num_iters: int
    seconds: float
    mode: str = "exp"
    stop_key: str = "finder.stop.end"
    stop_values: dict = field(default_factory=dict)
    reason_key: str = "finder.reason.blend"
    reason_values: dict = field(default_factory=dict)
    suggested_on: str = "train"
    valley_span: tuple = (0, 0)

    @property
    def reason(self) -> str:
        """Why ``recommended`` is what it is, in the current language."""
        return i18n.t(self.reason_key, **self.reason_values)

    @property
    def stop(self) -> str:
        """How the run ended, in the current language."""
        return i18n.t(self.stop_key, **self.stop_values)

    @property
    def num_updates(self) -> int:
        return len(self.lrs)

    def summary(self) -> str:
        """One line: the recommended LR and why, the other rules, how the run ended, its cost."""
        return i18n.t(
            "finder.summary",
            lr=_fmt_lr(self.recommended),
            reason=self.reason,
            valley=_fmt_lr(self.suggestions.get("valley")),
            steep=_fmt_lr(self.suggestions.get("steep")),
            minimum=_fmt_lr(self.suggestions.get("minimum")),
            stop=self.stop,
            n=self.num_updates,
            seconds=self.seconds,
        )

    def __repr__(self) -> str:
        return (
            f"FinderResult(recommended={self.recommended:.3g}, suggestions="
            f"{ {k: float(f'{v:.3g}') for k, v in self.suggestions.items()} }, diverged_at="
            f"{None if self.diverged_at is None else float(f'{self.diverged_at:.3g}')}, updates={self.num_updates})"
        )

    def to_dict(self) -> dict:
        """Plain numbers and lists (JSON-ready)."""
        return {
            "lrs": self.lrs.tolist(),
            "losses": self.losses.tolist(),
            "smoothed": self.smoothed.tolist(),
            "trend": self.trend.tolist(),
            "val_losses": None if self.val_losses is None else [None if not np.isfinite(v) else v for v in self.val_losses.tolist()],
            "suggestions": dict(self.suggestions),
            "recommended": self.recommended,
            "reason": self.reason,
            "diverged_at": self.diverged_at,
            "lr_at_min": self.lr_at_min,
            "num_iters": self.num_iters,
            "num_updates": self.num_updates,
            "seconds": self.seconds,
            "mode": self.mode,
        }

    def plot(self, ax=None, *, show_raw: bool = True, show_ema: bool = True, suggestions: bool = True):
        """Loss against LR: the raw losses, the moving average, the trend, the suggestions.

        Labels follow the current language. Returns the matplotlib Figure.
        """
        import matplotlib.pyplot as plt

        try:
            from .plotting import use_course_fonts
        except ImportError:  # pragma: no cover - the plotting module is the lead's
            use_course_fonts = None
        if use_course_fonts is not None:
            use_course_fonts()
        if ax is None:
            fig, ax = plt.subplots(figsize=(7.5, 4.5))
        else:
            fig = ax.figure
        lrs = self.lrs
        if show_raw:
            ax.plot(lrs, self.losses, ".", ms=3, color="0.65", label=i18n.t("finder.raw"))
        if show_ema:
            ax.plot(lrs, self.smoothed, "--", lw=1.2, color="tab:orange", label=i18n.t("finder.ema"))
        if self.suggested_on == "train":
            ax.plot(lrs, self.trend, "-", lw=2.2, color="tab:blue", label=i18n.t("finder.trend"))
        if self.val_losses is not None:
            ok = np.isfinite(self.val_losses)
            ax.plot(lrs[ok], self.val_losses[ok], "-", lw=1.5, color="tab:green", label=i18n.t("finder.val"))
            if self.suggested_on == "val":
                ax.plot(lrs[ok], self.trend, "-", lw=2.2, color="tab:blue", label=i18n.t("finder.trend"))
        # y range: from a little below the lowest trend to a little above the starting level,
        # so that the blow-up at the end does not squash the interesting part
        finite = self.trend[np.isfinite(self.trend)]
        if len(finite):
            lo, start = float(finite.min()), float(np.median(finite[: max(3, len(finite) // 10)]))
            top = max(start, float(np.percentile(finite, 90)))
            pad = 0.08 * max(top - lo, 1e-12)
            ax.set_ylim(lo - 3 * pad, top + 3 * pad)
        if suggestions:
            styles = {"valley": ("tab:purple", ":"), "steep": ("tab:red", ":"), "minimum": ("tab:brown", ":")}
            for name, lr in self.suggestions.items():
                color, ls = styles.get(name, ("0.3", ":"))
                ax.axvline(lr, color=color, ls=ls, lw=1.2, label=f"{i18n.t('finder.rule.' + name)} {_fmt_lr(lr)}")
            ax.axvline(
                self.recommended,
                color="black",
                lw=2.0,
                alpha=0.8,
                label=i18n.t("finder.recommended_line", lr=_fmt_lr(self.recommended)),
            )
        if self.diverged_at is not None:
            ax.axvline(self.diverged_at, color="crimson", lw=1.0, alpha=0.6,
                       label=i18n.t("finder.diverged_line", lr=_fmt_lr(self.diverged_at)))
        if self.mode == "exp":
            ax.set_xscale("log")
            ax.set_xlabel(i18n.t("finder.xlabel"))
        else:
            ax.set_xlabel(i18n.t("finder.xlabel_linear"))
        ax.set_ylabel(i18n.t("finder.ylabel"))
        ax.set_title(i18n.t("finder.title"))
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(fontsize=8, loc="upper left")
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------------------------
# Saving and restoring the state bitwise
# --------------------------------------------------------------------------------------------


def _clone(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return copy.deepcopy(value)


class _Snapshot:
    """Everything the test changes, copied bitwise, and put back in place.

    Parameters and buffers are restored *in place* (``copy_``), so the optimizer, hooks and any
    other reference to them keep pointing at the same tensors.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer):
        self.model, self.optimizer = model, optimizer
        params = {id(p): p for p in model.parameters()}
        for group in optimizer.param_groups:
            for p in group["params"]:
                params.setdefault(id(p), p)  # an optimizer may also hold tensors outside the model
        self.params = list(params.values())
        self.param_data = [p.detach().clone() for p in self.params]
        self.grads = [None if p.grad is None else p.grad.detach().clone() for p in self.params]
        self.buffers = [(b, b.detach().clone()) for b in model.buffers()]
        self.training = [(m, m.training) for m in model.modules()]
        # optimizer: its per-parameter state and every non-"params" entry of each group
        self.opt_state = {p: copy.deepcopy(s) for p, s in optimizer.state.items()}
        self.groups = [{k: _clone(v) for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
        # random number generators
        self.torch_rng = torch.get_rng_state()
        self.cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
        self.py_rng = random.getstate()
        self.np_rng = np.random.get_state()

    @torch.no_grad()
    def restore(self) -> None:
        for p, saved in zip(self.params, self.param_data):
            p.copy_(saved)
        for p, g in zip(self.params, self.grads):
            p.grad = None if g is None else g.clone()
        for b, saved in self.buffers:
            b.copy_(saved)
        for m, mode in self.training:
            m.training = mode
        opt = self.optimizer
        opt.state = defaultdict(dict, {p: copy.deepcopy(s) for p, s in self.opt_state.items()})
        for group, saved in zip(opt.param_groups, self.groups):
            for k in [k for k in group if k != "params" and k not in saved]:
                del group[k]
            for k, v in saved.items():
                current = group.get(k)
                if isinstance(current, torch.Tensor) and isinstance(v, torch.Tensor) and current.shape == v.shape:
                    current.copy_(v)  # keep the tensor object (e.g. a tensor LR) the user holds
                else:
                    group[k] = _clone(v)
        torch.set_rng_state(self.torch_rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state_all(self.cuda_rng)
        random.setstate(self.py_rng)
        np.random.set_state(self.np_rng)


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


def _scheduler_attached(optimizer) -> int | None:
    """Index of a param group that a scheduler has touched, or -1 for a wrapped step, or None."""
    for i, group in enumerate(optimizer.param_groups):
        if "initial_lr" in group:
            return i
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return -1
    return None


def _to_device(obj, device):
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_device(v, device) for k, v in obj.items()}
    return obj


class _Cycle:
    """Iterates ``batches`` again and again; refuses an iterable that gives nothing."""

    def __init__(self, batches):
        try:
            self.it = iter(batches)
        except TypeError:
            raise TypeError(
                f"batches: {type(batches).__name__} is not iterable; pass a DataLoader or a list of (inputs, targets)"
            ) from None
        self.batches = batches

    def __next__(self):
        try:
            return next(self.it)
        except StopIteration:
            self.it = iter(self.batches)
            try:
                return next(self.it)
            except StopIteration:
                raise ValueError(i18n.t("finder.err.empty")) from None


def _split(batch):
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError(
        f"batches: each batch must be a pair (inputs, targets); got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else "")
    )


def _set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(lr)
        else:
            group["lr"] = lr


def _lr_ramp(start_lr, end_lr, num_iters, mode) -> np.ndarray:
    i = np.arange(num_iters, dtype=np.float64) / (num_iters - 1)
    if mode == "exp":
        return start_lr * (end_lr / start_lr) ** i
    return start_lr + (end_lr - start_lr) * i


def _check_number(name, value, *, positive=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}={value!r} must be a number (float)")
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name}={value!r} must be a finite number > 0")


def lr_range_test(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable,
    batches: Iterable,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iters: int = 100,
    mode: str = "exp",
    *,
    beta: float = 0.98,
    diverge_factor: float | None = 4.0,
    val_batches: Iterable | None = None,
    val_every: int = 1,
    suggest_on: str | None = None,
    accumulation_steps: int = 1,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> FinderResult:
    """Run the LR range test and restore the model and the optimizer afterwards, bitwise.

    Parameters
    ----------
    model, optimizer, loss_fn
        Any ``nn.Module``, any ``torch.optim`` optimizer over (some of) its parameters, and a
        loss ``loss_fn(model(inputs), targets) -> scalar tensor``. Every param group gets the
        same LR during the test.
    batches
        ``(inputs, targets)`` pairs: a DataLoader or a list. It is iterated again when it runs
        out. Use the batch size of the real run: the best LR depends on it.
    start_lr, end_lr, num_iters, mode
        The LR of update ``t`` is ``start_lr * (end_lr/start_lr) ** (t/(num_iters-1))``
        (``mode="exp"``) or a straight line (``mode="linear"``): the last update uses ``end_lr``.
    beta
        Smoothing of the moving average (bias-corrected), as fastai.
    diverge_factor
        Stop when the smoothed loss exceeds this times the best smoothed loss so far (fastai:
        4, torch-lr-finder: 5). The smoothing of this check is the running median of the last 5
        losses: it ignores one spike, and unlike the moving average it does not lag tens of
        updates behind a loss that is already exploding. Checked from the first tenth of the
        run on. ``None``: stop only on a NaN or infinite loss.
    val_batches, val_every
        Optional small fixed validation set, evaluated (in eval mode, without gradients) every
        ``val_every`` updates after the update. Costs one pass over it each time.
    suggest_on
        ``"train"`` or ``"val"``: which curve the rules read. Default: ``"val"`` when
        ``val_batches`` is given, else ``"train"``.
    accumulation_steps
        Gradient accumulation: each update sums the gradients of this many batches (each loss
        divided by it); the recorded loss is their mean.
    device
        Where batches go; default: the device of the model's first parameter.
    progress
        Show a progress bar (tqdm); default: on when running interactively or in a notebook.
    """
    # ---- refuse what cannot work, before touching anything
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer: expected a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn: expected a callable loss(outputs, targets), got {type(loss_fn).__name__}")
    where = _scheduler_attached(optimizer)
    if where is not None:
        raise ValueError(i18n.t("finder.err.scheduler", group=where if where >= 0 else 0))
    if isinstance(num_iters, bool) or not isinstance(num_iters, int) or num_iters < MIN_ITERS:
        raise ValueError(i18n.t("finder.err.num_iters", value=num_iters, minimum=MIN_ITERS))
    _check_number("start_lr", start_lr)
    _check_number("end_lr", end_lr)
    if start_lr >= end_lr:
        raise ValueError(i18n.t("finder.err.range", start=start_lr, end=end_lr))
    if mode not in ("exp", "linear"):
        raise ValueError(f"mode={mode!r} is not known; use 'exp' (the usual) or 'linear'")
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= beta < 1.0:
        raise ValueError(f"beta={beta!r} must be a number in [0, 1) (0.98 is typical)")
    if diverge_factor is not None:
        _check_number("diverge_factor", diverge_factor)
        if diverge_factor <= 1.0:
            raise ValueError(f"diverge_factor={diverge_factor!r} must be > 1 (4 is typical), or None")
    for name, value in (("accumulation_steps", accumulation_steps), ("val_every", val_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be an int >= 1")
    if suggest_on is None:
        suggest_on = "val" if val_batches is not None else "train"
    if suggest_on not in ("train", "val"):
        raise ValueError(f"suggest_on={suggest_on!r} must be 'train' or 'val'")
    if suggest_on == "val" and val_batches is None:
        raise ValueError("suggest_on='val' needs val_batches")
    val_list = None
    if val_batches is not None:
        val_list = list(val_batches)
        if not val_list:
            raise ValueError("val_batches: is empty; pass a few (inputs, targets) batches, or None")
    if not any(p.requires_grad for g in optimizer.param_groups for p in g["params"]):
        raise ValueError("optimizer: none of its parameters requires a gradient; nothing would be trained")
    if device is None:
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else torch.device("cpu")
    device = torch.device(device)
    if progress is None:
        progress = _interactive()

    lrs = _lr_ramp(float(start_lr), float(end_lr), num_iters, mode)
    cycle = _Cycle(batches)
    snapshot = _Snapshot(model, optimizer)

    rec_lrs: list[float] = []
    rec_losses: list[float] = []
    rec_smooth: list[float] = []
    rec_val: list[float] = []
    avg, best = 0.0, math.inf
    diverged_at = None
    stop_key, stop_values = "finder.stop.end", {"lr": _fmt_lr(float(lrs[-1]))}
    check_from = max(1, num_iters // 10)
    bar = None
    t0 = time.perf_counter()
    try:
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=num_iters, desc=i18n.t("finder.progress"), leave=False)
        model.train()
        for t in range(num_iters):
            lr = float(lrs[t])
            micro = [_split(next(cycle)) for _ in range(accumulation_steps)]
            micro = [(_to_device(x, device), _to_device(y, device)) for x, y in micro]
            _set_lr(optimizer, lr)
            first_eval: list[float] = []

            def closure():
                # every torch.optim optimizer accepts a closure (LBFGS needs one); it may be
                # called several times, on the same batches, and the first value is recorded
                optimizer.zero_grad(set_to_none=True)
                total = 0.0
                for x, y in micro:
                    loss = loss_fn(model(x), y)
                    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                        raise TypeError("loss_fn: must return a scalar tensor (reduce the batch with mean or sum)")
                    (loss / accumulation_steps).backward()
                    total += float(loss.detach()) / accumulation_steps
                if not first_eval:
                    first_eval.append(total)
                return torch.tensor(total)

            optimizer.step(closure)
            loss_value = first_eval[0]
            if not math.isfinite(loss_value):
                diverged_at = lr
                stop_key, stop_values = "finder.stop.nonfinite", {"value": str(loss_value), "lr": _fmt_lr(lr)}
                break
            avg = beta * avg + (1.0 - beta) * loss_value
            smooth = avg / (1.0 - beta ** (t + 1))
            rec_lrs.append(lr)
            rec_losses.append(loss_value)
            rec_smooth.append(smooth)
            if val_list is not None:
                rec_val.append(_evaluate(model, loss_fn, val_list, device) if t % val_every == 0 or t == num_iters - 1 else math.nan)
            # the stop reads a running median of the last 5 losses: it ignores a single spike,
            # and it does not lag 50 updates behind like the moving average with beta = 0.98
            recent = float(np.median(rec_losses[-5:]))
            best = min(best, recent, smooth)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lr=f"{lr:.1e}", loss=f"{smooth:.3f}", refresh=False)
            if diverge_factor is not None and t >= check_from and recent > diverge_factor * best:
                diverged_at = lr
                stop_key, stop_values = "finder.stop.diverged", {"lr": _fmt_lr(lr)}
                break
    except KeyboardInterrupt:
        print(i18n.t("finder.interrupted", n=len(rec_lrs)), file=sys.stderr)
        raise  # after the restore below: the user asked to stop, so we stop
    finally:
        snapshot.restore()  # also after an exception from loss_fn or the optimizer
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0

    lr_arr = np.asarray(rec_lrs, dtype=np.float64)
    loss_arr = np.asarray(rec_losses, dtype=np.float64)
    smooth_arr = np.asarray(rec_smooth, dtype=np.float64)
    val_arr = np.asarray(rec_val, dtype=np.float64) if val_list is not None else None

    if suggest_on == "val":
        ok = np.isfinite(val_arr)
        curve_lrs, curve = lr_arr[ok], val_arr[ok]
    else:
        curve_lrs, curve = lr_arr, loss_arr
    if len(curve) < MIN_POINTS:
        warnings.warn(i18n.t("finder.warn.few_points", n=len(curve)), RuntimeWarning, stacklevel=2)
    if len(curve) >= 3:
        s = suggest(curve_lrs, curve)
        if diverged_at is None and s.lr_at_min >= curve_lrs[int(0.95 * (len(curve_lrs) - 1))]:
            warnings.warn(i18n.t("finder.warn.edge", lr=_fmt_lr(s.lr_at_min)), RuntimeWarning, stacklevel=2)
        trend = robust_trend(curve)
        suggestions, recommended = s.suggestions, s.recommended
        reason_key, reason_values = s.reason_key, s.reason_values
        lr_at_min, span = s.lr_at_min, s.valley_span
        if len(curve) < MIN_POINTS:
            reason_key, reason_values = "finder.reason.few_points", {"n": len(curve)}
    else:
        nan = float("nan")
        trend = curve.copy()
        suggestions, recommended = {"valley": nan, "steep": nan, "minimum": nan}, nan
        reason_key, reason_values = "finder.reason.few_points", {"n": len(curve)}
        lr_at_min, span = nan, (0, 0)
    return FinderResult(
        lrs=lr_arr,
        losses=loss_arr,
        smoothed=smooth_arr,
        trend=trend,
        val_losses=val_arr,
        suggestions=suggestions,
        recommended=float(recommended),
        diverged_at=diverged_at,
        lr_at_min=float(lr_at_min),
        num_iters=num_iters,
        seconds=seconds,
        mode=mode,
        stop_key=stop_key,
        stop_values=stop_values,
        reason_key=reason_key,
        reason_values=reason_values,
        suggested_on=suggest_on,
        valley_span=span,
    )


@torch.no_grad()
def _evaluate(model, loss_fn, val_list, device) -> float:
    was = [(m, m.training) for m in model.modules()]
    model.eval()
    total, count = 0.0, 0
    for batch in val_list:
        x, y = _split(batch)
        x, y = _to_device(x, device), _to_device(y, device)
        n = len(y) if hasattr(y, "__len__") else 1
        total += float(loss_fn(model(x), y)) * n
        count += n
    for m, mode in was:
        m.training = mode
    return total / max(count, 1)


def _interactive() -> bool:
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            return True
    except ImportError:
        pass
    return sys.stderr.isatty()


# --------------------------------------------------------------------------------------------
# Batches and the built-in problems (the lesson, the benchmark and the command line use them)
# --------------------------------------------------------------------------------------------


class TensorBatches:
    """Shuffled mini-batches of in-memory tensors; iterate again for the next epoch.

    Uses its own seeded generator (never the global RNG), so every run sees the same order.
    ``transform`` is applied to each input batch (e.g. ``lrcourse.data.normalize_cifar``).
    """

    def __init__(self, x, y, batch_size: int, *, seed: int = 0, shuffle: bool = True, drop_last: bool = True,
                 transform: Callable | None = None):
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= len(x):
            raise ValueError(f"batch_size={batch_size!r} must be an int in [1, {len(x)}]")
        self.x, self.y, self.batch_size = x, y, batch_size
        self.shuffle, self.drop_last, self.transform = shuffle, drop_last, transform
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.x)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for k in range(len(self)):
            idx = order[k * self.batch_size : (k + 1) * self.batch_size]
            xb = self.x[idx]
            yield (self.transform(xb) if self.transform is not None else xb), self.y[idx]


@dataclass
class Problem:
    """A ready-made range-test problem: a fresh model and optimizer, a loss, train and test data."""

    name: str
    description: str
    model: nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: Callable
    batches: TensorBatches
    test: tuple
    make_optimizer: Callable[[nn.Module, float], torch.optim.Optimizer]
    make_model: Callable[[], nn.Module]
    batch_size: int
    transform: Callable | None = None


def _digits_problem(opt_name: str, seed: int, batch_size: int = 32) -> Problem:
    from .data import digits
    from .models import digits_mlp

    x_tr, y_tr, x_te, y_te = digits()
    make_model = lambda: digits_mlp(seed=seed)  # noqa: E731
    if opt_name == "sgd":
        make_opt = lambda m, lr: torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9)  # noqa: E731
        desc = "digits MLP (64-64-10), SGD momentum 0.9, batch 32"
    else:
        make_opt = lambda m, lr: torch.optim.Adam(m.parameters(), lr=lr)  # noqa: E731
        desc = "digits MLP (64-64-10), Adam, batch 32"
    model = make_model()
    return Problem(
        name=f"digits-{opt_name}",
        description=desc,
        model=model,
        optimizer=make_opt(model, 1e-3),
        loss_fn=nn.CrossEntropyLoss(),
        batches=TensorBatches(x_tr, y_tr, batch_size, seed=seed),
        test=(x_te, y_te),
        make_optimizer=make_opt,
        make_model=make_model,
        batch_size=batch_size,
    )


def cifar_setup(model: nn.Module, x_train: torch.Tensor):
    """The practice run's optimizer and loss for ``model`` (as :func:`lrcourse.train.train` builds them).

    Sets the whitening stem of a :class:`~lrcourse.models.CifarNet` from the first 5,000 images
    (as the trainer does), then returns ``(optimizer, loss_fn)``: Nesterov SGD, momentum 0.9,
    weight decay 5e-4 on weights only, and cross-entropy with label smoothing 0.2.
    """
    from . import data, train

    if hasattr(model, "init_whitening"):
        model.init_whitening(data.normalize_cifar(x_train[:5000]))
    return train.make_optimizer(model, "sgd"), nn.CrossEntropyLoss(label_smoothing=0.2)


def _cifar_problem(seed: int, batch_size: int = 128, subset: int | None = 10_000, widths=(64, 128, 128)) -> Problem:
    from . import data, models

    if not data.cifar10_available():
        try:  # no download here: it says what to download and where to put it
            data.load_cifar10(download=False)
        except FileNotFoundError as exc:
            raise FileNotFoundError(i18n.t("finder.err.data_missing", error=str(exc))) from exc
    x_tr, y_tr, x_te, y_te = data.load_cifar10()
    if subset is not None:
        x_tr, y_tr = data.subset(x_tr, y_tr, subset, seed=seed)
    make_model = lambda: models.cifar_net(widths=widths, seed=seed)  # noqa: E731
    model = make_model()
    optimizer, loss_fn = cifar_setup(model, x_tr)
    return Problem(
        name="cifar10",
        description=f"CIFAR-10 practice CNN cifar_net(widths={tuple(widths)}), Nesterov SGD momentum 0.9, "
        f"weight decay 5e-4, label smoothing 0.2, batch {batch_size}, {len(x_tr)} training images",
        model=model,
        optimizer=optimizer,
        loss_fn=loss_fn,
        batches=TensorBatches(x_tr, y_tr, batch_size, seed=seed, transform=data.normalize_cifar),
        test=(x_te, y_te),
        make_optimizer=lambda m, lr: cifar_setup(m, x_tr)[0],
        make_model=make_model,
        batch_size=batch_size,
        transform=data.normalize_cifar,
    )


def _seeded(factory, seed):
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        return factory()
    finally:
        torch.random.set_rng_state(state)


PROBLEMS = {
    "digits-sgd": lambda seed=0, **kw: _digits_problem("sgd", seed, **kw),
    "digits-adam": lambda seed=0, **kw: _digits_problem("adam", seed, **kw),
    "cifar10": lambda seed=0, **kw: _cifar_problem(seed, **kw),
}


def builtin_problem(name: str, seed: int = 0, **kwargs) -> Problem:
    """A fresh :class:`Problem` by name: ``"digits-sgd"``, ``"digits-adam"`` or ``"cifar10"``."""
    if name not in PROBLEMS:
        raise ValueError(f"name={name!r} is not a built-in problem; use one of {sorted(PROBLEMS)}")
    return PROBLEMS[name](seed=seed, **kwargs)


# --------------------------------------------------------------------------------------------
# Command line: lrcourse find-lr
# --------------------------------------------------------------------------------------------


def add_cli(subparsers) -> None:
    p = subparsers.add_parser(
        "find-lr",
        help="run the LR range test on a built-in problem",
        description="Run the LR range test (Leslie Smith) on a built-in problem, print the suggested LR "
        "and save the plot. The model and optimizer are fresh; nothing is trained for real.",
    )
    p.add_argument("problem", nargs="?", default="digits-sgd", choices=sorted(PROBLEMS),
                   help="the problem (default: digits-sgd)")
    p.add_argument("--start-lr", type=float, default=1e-7, help="first LR (default 1e-7)")
    p.add_argument("--end-lr", type=float, default=10.0, help="last LR (default 10)")
    p.add_argument("--num-iters", type=int, default=100, help="number of updates (default 100)")
    p.add_argument("--mode", choices=["exp", "linear"], default="exp", help="LR ramp (default exp)")
    p.add_argument("--seed", type=int, default=0, help="seed of the model and the batch order (default 0)")
    p.add_argument("--batch-size", type=int, default=None, help="batch size (default: the problem's)")
    p.add_argument("--out", default="lr_finder.png", help="where to save the plot (default lr_finder.png; '' for none)")
    p.add_argument("--json", default=None, help="also write the whole result as JSON to this file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    import json

    kwargs = {} if args.batch_size is None else {"batch_size": args.batch_size}
    try:
        prob = builtin_problem(args.problem, seed=args.seed, **kwargs)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(i18n.t("finder.cli.problem", name=prob.name, description=prob.description))
    try:
        result = lr_range_test(
            prob.model, prob.optimizer, prob.loss_fn, prob.batches,
            start_lr=args.start_lr, end_lr=args.end_lr, num_iters=args.num_iters, mode=args.mode,
            progress=not args.no_progress,
        )
    except (ValueError, TypeError) as exc:
        print(f"lrcourse find-lr: {exc}", file=sys.stderr)
        return 2
    print(result.summary())
    print(f"recommended_lr={result.recommended:.6g}")
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        fig = result.plot()
        fig.savefig(args.out, dpi=120)
        print(i18n.t("finder.cli.saved", path=args.out))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"problem": prob.name, **result.to_dict()}, fh, indent=1)
    return 0
