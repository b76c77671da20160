"""UI latency of the LR Schedule Designer: time per widget change at 10^6 steps.

A change of a control recomputes the design (the schedule at every step, all the rules), redraws
the plot, encodes it as PNG, and rewrites the advice and the exported code. Measured here, in one
process, for the same sequence of changes (the schedule type cycling through all types):

- ``app``: the widget as shipped (``DesignerApp``: min/max envelope, axes cached as a bitmap);
- ``static``: the same design drawn with ``Design.plot`` (envelope, but a full Matplotlib draw);
- ``naive``: the baseline a first version would write: a new pyplot figure per change with all
  10^6 points, the default PNG encoder.

Prints the median and max milliseconds per change and the ratios against the naive baseline, with
the CPU count and the load average (other processes on a shared machine slow every number alike).
The goal is < 100 ms per change for the app.

    .venv/bin/python benchmarks/designer.py [--steps 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import time

import numpy as np


def _median_ms(times):
    return float(np.median(times)) * 1000, float(np.max(times)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="passes over all schedule types")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lrcourse import designer as D
    from lrcourse.designer.widget import DesignerApp

    kinds = list(D.SCHEDULE_TYPES) * args.repeat
    common = dict(lr=1e-3, total_steps=args.steps, warmup_steps=args.steps // 50, optimizer="adamw",
                  task="transformer")

    # the app as shipped
    app = DesignerApp(total_steps=args.steps, warmup_steps=args.steps // 50, task="transformer")
    app_times = []
    for kind in kinds:
        t0 = time.perf_counter()
        app.controls["schedule"].value = kind  # the observer redraws synchronously
        app_times.append(time.perf_counter() - t0)

    # Design.plot + full draw per change
    static_times = []
    for kind in kinds:
        t0 = time.perf_counter()
        d = D.design(kind, **common)
        fig = d.plot()
        D.figure_png(fig)
        d.html(), [d.to_code(t) for t in D.EXPORT_TARGETS]
        static_times.append(time.perf_counter() - t0)

    # naive baseline: every point, a new pyplot figure, default PNG
    naive_times = []
    for kind in kinds:
        t0 = time.perf_counter()
        d = D.design(kind, **common)
        fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
        ax.plot(np.arange(d.total_steps), d.lrs, label=d.name())
        ax.set_xlabel("step")
        ax.set_ylabel("learning rate")
        ax.set_title(d.name())
        ax.legend()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        d.html(), [d.to_code(t) for t in D.EXPORT_TARGETS]
        naive_times.append(time.perf_counter() - t0)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"designer UI latency per change, {args.steps:,} steps, {len(kinds)} changes each, "
          f"{os.cpu_count()} CPU(s), load average {load:.1f}")
    (na, na_max) = _median_ms(naive_times)
    for name, times in (("app (shipped)", app_times), ("static Design.plot", static_times),
                        ("naive baseline", naive_times)):
        med, mx = _median_ms(times)
        print(f"  {name:20s} median {med:7.1f} ms   max {mx:7.1f} ms   speed-up vs naive x{na / med:5.1f}")
    med = _median_ms(app_times)[0]
    print(f"goal < 100 ms per change: {'met' if med < 100 else 'NOT met'} (median {med:.1f} ms)")


if __name__ == "__main__":
    main()
