"""Speed of lrcourse.schedules against stepping the PyTorch counterpart.

For each schedule: the time to evaluate 10^6 steps at once, and the time to step the
PyTorch scheduler (or Hugging Face's LambdaLR multiplier) through the same steps,
measured on 10^4 steps and scaled by 100. Both in this process, so the ratio holds
on a busy machine. Goal (issue 2): every schedule under 50 ms, at least 100x faster.

    .venv/bin/python benchmarks/schedules.py
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.optim import lr_scheduler as tls

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lrcourse import schedules as S  # noqa: E402

N = 1_000_000
N_TORCH = 10_000
W, TOTAL = 1_000, N


def hf_cosine(t):
    if t < W:
        return t / max(1, W)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * (t - W) / max(1, TOTAL - W))))


def hf_linear(t):
    return t / max(1, W) if t < W else max(0.0, (TOTAL - t) / max(1, TOTAL - W))


def hf_inverse_sqrt(t):
    return t / max(1, W) if t < W else 1.0 / math.sqrt(t / W)


def hf_wsd(t):
    if t < W:
        return t / W
    return 1.0 if t < 0.8 * TOTAL else max(0.0, 1 - (t - 0.8 * TOTAL) / (0.2 * TOTAL - W))


CASES = [
    (S.constant(0.1), lambda o: tls.ConstantLR(o, factor=1.0, total_iters=0)),
    (S.step_decay(0.1, 30_000), lambda o: tls.StepLR(o, 30_000)),
    (S.multistep(0.1, [300_000, 600_000, 900_000]), lambda o: tls.MultiStepLR(o, [300_000, 600_000, 900_000])),
    (S.exponential(0.1, 0.99999), lambda o: tls.ExponentialLR(o, 0.99999)),
    (S.cosine(0.1, N), lambda o: tls.CosineAnnealingLR(o, N)),
    (S.polynomial(0.1, N, 2.0), lambda o: tls.PolynomialLR(o, N, 2.0)),
    (S.warmup_cosine(0.1, W, TOTAL), lambda o: tls.LambdaLR(o, hf_cosine)),
    (S.warmup_linear(0.1, W, TOTAL), lambda o: tls.LambdaLR(o, hf_linear)),
    (S.inverse_sqrt(0.1, W), lambda o: tls.LambdaLR(o, hf_inverse_sqrt)),
    (S.cyclic(1e-3, 0.1, 2_000, mode="triangular2"),
     lambda o: tls.CyclicLR(o, 1e-3, 0.1, 2_000, mode="triangular2", cycle_momentum=False)),
    (S.one_cycle(0.1, N), lambda o: tls.OneCycleLR(o, 0.1, total_steps=N, cycle_momentum=False)),
    (S.sgdr(0.1, 10_000, 2), lambda o: tls.CosineAnnealingWarmRestarts(o, 10_000, 2)),
    (S.wsd(0.1, W, int(0.8 * N) - W, int(0.2 * N)), lambda o: tls.LambdaLR(o, hf_wsd)),
]


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def torch_seconds(make) -> float:
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no optimizer.step() here: only the scheduler's own cost
        sched = make(opt)
        start = time.perf_counter()
        for _ in range(N_TORCH):
            sched.step()
        return (time.perf_counter() - start) * (N / N_TORCH)


def main() -> int:
    steps = np.arange(N)
    print(f"{'schedule':<14}{'ours, 1e6 steps':>18}{'PyTorch, 1e6 (scaled)':>24}{'ratio':>10}")
    worst_ms, worst_ratio = 0.0, math.inf
    for schedule, make in CASES:
        ours = best_of(lambda: schedule(steps))
        theirs = torch_seconds(make)
        ratio = theirs / ours
        worst_ms, worst_ratio = max(worst_ms, ours * 1e3), min(worst_ratio, ratio)
        print(f"{schedule.name:<14}{ours * 1e3:>15.1f} ms{theirs:>22.2f} s{ratio:>9.0f}x")
    print(f"\nslowest: {worst_ms:.1f} ms for 10^6 steps (goal < 50 ms); smallest speed-up: {worst_ratio:.0f}x (goal >= 100x)")
    return 0 if worst_ms < 50 and worst_ratio >= 100 else 1


if __name__ == "__main__":
    sys.exit(main())
