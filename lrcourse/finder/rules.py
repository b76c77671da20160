"""The curves and the suggestion rules of the LR range test: pure functions of arrays.

:func:`ema_smooth` is fastai's bias-corrected moving average (the curve it plots);
:func:`robust_trend` is what the rules read (a running median, then a centred mean: no lag);
:func:`valley_index` is fastai's valley rule; :func:`suggest` applies every rule to a loss curve
and picks the ``recommended`` LR. The benchmark (``benchmarks/finder.py``) and lesson 05 call them
on curves of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def fmt_lr(lr: float | None) -> str:
    if lr is None or not np.isfinite(lr):
        return "-"
    return f"{lr:.2e}"



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
class Suggestion:
    """What :func:`suggest` read from a curve: the LR of each rule, the recommended LR and why
    (a message key and its values), the LR of the lowest point and the valley's span."""

    suggestions: dict
    recommended: float
    reason_key: str
    reason_values: dict
    lr_at_min: float
    valley_span: tuple


def suggest(lrs, losses, *, trend=None, cap_factor: float = 3.0) -> Suggestion:
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
      the lowest point with a few batches). The blend was chosen with benchmarks/finder.py,
      where the valley alone fell short on CIFAR-10; it is NOT steadier across seeds than
      either rule (lesson 05's seed test: 0.40 decades against 0.32 for the valley and 0.24
      for steep), because the valley and the lowest point tend to move together. It is a value
      for training at one fixed LR: in benchmarks/finder.py (three new seeds) it reached >= 99% of
      the best fixed LR on the digits problems, but only 79.5% of the best one-cycle *peak* on
      CIFAR-10, where ``steep`` reached 100% (a schedule's peak can sit higher; lesson 05, section
      8). If the loss never falls clearly, the reason says so and it falls back to ``minimum``.
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
        return Suggestion(suggestions, minimum, "finder.reason.no_descent", {}, lr_at_min, (v_lo, v_hi))

    # Two estimates of a good LR: the valley (inside the fall, from its shape) and a third of the
    # LR of the lowest loss (Smith: a good LR sits 3-4x below the largest one that still trains;
    # from the position of the edge). Each is noisy in its own way (the valley moves with the
    # length of the fall, the lowest point with a few batches); their midpoint on a log scale did
    # best for a fixed LR in benchmarks/finder.py (not steadier across seeds, and low for a
    # schedule's peak: see above). Never above the third of the lowest point.
    cap = lr_at_min / cap_factor
    recommended = min(math.sqrt(valley * cap), cap)
    return Suggestion(
        suggestions,
        recommended,
        "finder.reason.blend",
        {"valley": fmt_lr(valley), "third": fmt_lr(cap), "at_min": fmt_lr(lr_at_min)},
        lr_at_min,
        (v_lo, v_hi),
    )
