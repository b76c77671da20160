"""How good are the LR range test's suggestions? Measured against a grid search.

    .venv/bin/python benchmarks/finder.py                         # all three problems (~10-25 min on 2 cores)
    .venv/bin/python benchmarks/finder.py --problems digits-sgd   # one problem
    .venv/bin/python benchmarks/finder.py --quick                 # smoke run: small grid, one seed
    .venv/bin/python benchmarks/finder.py --save                  # also write data/results/finder_benchmark.{json,md}

For each problem:

1. **Grid (the baseline).** Train at every LR of a grid (quarter-decade steps and a fixed LR for
   the digits MLP; half-decade steps of the peak LR of a one-cycle schedule for CIFAR-10, sized
   for the 2 shared CPU cores of the dev machines), for several seeds, and take
   each LR's mean final test accuracy. ``best`` is the best of these means.
2. **The finder.** For each seed, run ``lrcourse.finder.lr_range_test`` on the fresh model and
   optimizer of that seed (defaults: 1e-7 to 10, 100 updates) and read every rule's LR.
3. **Each rule's LR is then trained for real**, with the same seed, and its accuracy reported as
   a fraction of ``best`` (mean over seeds, and the worst seed). The spread of a rule's LR over
   seeds (standard deviation of log10 LR, in decades) measures how noisy the rule is.

Rules compared:

- ``recommended``, ``valley``, ``steep``, ``minimum``: lrcourse.finder's, read from its own run.
- ``tlf-steepest``: torch-lr-finder's suggestion (davidtvs/pytorch-lr-finder ``LRFinder.plot``):
  smoothed loss ``0.05*loss + 0.95*previous`` seeded with the first loss, the run stops when it
  exceeds 5x the best; then ``skip_start=10``, ``skip_end=5`` points are dropped and the LR at
  ``argmin(np.gradient(smoothed))`` is suggested.
- ``fastai-valley``: fastai's default suggestion (``lr_find``, ``valley``): moving average with
  beta 0.98 and bias correction, the run stops when it exceeds 4x the best; the first
  ``num_it//10`` and the last 5 points are dropped and fastai's longest-valley rule is applied.

Both reference rules are implemented here from those published definitions and applied to the
raw losses of one lrcourse run without its early stop (``diverge_factor=None``; the losses of
a run do not depend on the tool that records them: same model, same batches, same LRs). The
LR ramp is the same for all (``start * (end/start) ** (t/(n-1))``; fastai's own ends one
step short of ``end_lr``).

Cost: the finder's updates (and wall time) as a fraction of one pass over the grid (each grid
LR trained once). Printed as a table; ``--save`` writes JSON and markdown with provenance.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lrcourse import finder  # noqa: E402
from lrcourse import schedules as S  # noqa: E402
from lrcourse.data import TensorBatches  # noqa: E402
from lrcourse.problems import _describe_setup, digits_optimizer  # noqa: E402
from lrcourse.results import git_commit  # noqa: E402
from lrcourse.train import RECIPE, set_lr  # noqa: E402



# ---------------------------------------------------------------------------------------------
# The reference rules, from their published definitions
# ---------------------------------------------------------------------------------------------


def tlf_steepest(lrs, raw, skip_start=10, skip_end=5, smooth_f=0.05, diverge_th=5.0):
    """torch-lr-finder: smoothing, early stop, trimming and the steepest-gradient suggestion."""
    hist_lr, hist = [], []
    best = None
    for i, (lr, loss) in enumerate(zip(lrs, raw)):
        if i > 0:
            loss = smooth_f * loss + (1 - smooth_f) * hist[-1]
        best = loss if i == 0 else min(best, loss)
        hist_lr.append(lr)
        hist.append(loss)
        if loss > diverge_th * best:
            break
    lr_arr, loss_arr = np.array(hist_lr[skip_start:-skip_end]), np.array(hist[skip_start:-skip_end])
    if len(loss_arr) < 2:
        return float("nan")
    return float(lr_arr[int(np.gradient(loss_arr).argmin())])


def fastai_valley(lrs, raw, num_it=100, beta=0.98, stop_factor=4.0):
    """fastai: debiased moving average, stop at 4x the best, trim, then the valley rule."""
    avg, best = 0.0, math.inf
    rec_lr, rec = [], []
    for i, (lr, loss) in enumerate(zip(lrs, raw)):
        avg = beta * avg + (1 - beta) * loss
        smooth = avg / (1 - beta ** (i + 1))
        rec_lr.append(lr)
        rec.append(smooth)
        best = min(best, smooth)
        if smooth > stop_factor * best:
            break
    lr_arr, loss_arr = np.array(rec_lr[num_it // 10 : -5]), np.array(rec[num_it // 10 : -5])
    if len(loss_arr) < 2:
        return float("nan")
    idx, _, _ = finder.valley_index(loss_arr)
    return float(lr_arr[idx])


# ---------------------------------------------------------------------------------------------
# Problems: data, model, optimizer, training protocol
# ---------------------------------------------------------------------------------------------


class Problem:
    """name, make_model(seed), make_opt(model, lr), batches(seed), test data, how to train.

    The benchmark's protocol (grid, epochs, schedule) around the set-ups of lrcourse.problems
    (digits: its optimizers) and lrcourse.train (CIFAR-10: the practice optimizer and whitening stem).
    """

    def __init__(self, name, description, make_model, make_opt, train, test, batch_size, epochs, grid, schedule,
                 transform=None, data_source=""):
        self.name, self.description = name, description
        self.make_model, self.make_opt = make_model, make_opt
        self.train_x, self.train_y = train
        self.test_x, self.test_y = test
        self.batch_size, self.epochs, self.grid, self.schedule = batch_size, epochs, grid, schedule
        self.transform, self.data_source = transform, data_source

    def batches(self, seed):
        return TensorBatches(self.train_x, self.train_y, self.batch_size, seed=seed, transform=self.transform)

    def loss_fn(self):
        return nn.CrossEntropyLoss(label_smoothing=RECIPE["label_smoothing"] if self.name == "cifar10" else 0.0)

    def augment(self, seed):
        """Training-time augmentation (CIFAR-10: the practice trainer's flip and translation)."""
        if self.name != "cifar10":
            return None
        from lrcourse.train import augment_batch

        g = torch.Generator().manual_seed(seed + 2000)
        return lambda x: augment_batch(x, g)  # on the normalised float batch: same flips and shifts

    @property
    def steps(self):
        return self.epochs * (len(self.train_x) // self.batch_size)


def quarter_decades(lo, hi):
    k = np.arange(round(4 * math.log10(lo)), round(4 * math.log10(hi)) + 1)
    return [float(10 ** (v / 4)) for v in k]


def make_problems(quick: bool):
    from lrcourse.data import digits
    from lrcourse.models import digits_mlp

    x_tr, y_tr, x_te, y_te = digits()
    problems = {}
    for opt in ("sgd", "adam"):
        make_opt = digits_optimizer(opt)
        grid = quarter_decades(1e-4, 3.0) if opt == "sgd" else quarter_decades(1e-5, 0.3)
        if quick:
            grid = grid[::2]
        problems[f"digits-{opt}"] = lambda opt=opt, make_opt=make_opt, grid=grid: Problem(
            f"digits-{opt}",
            f"digits MLP 64-64-10, {'SGD momentum 0.9' if opt == 'sgd' else 'Adam'}, batch 32, "
            f"{4 if quick else 10} epochs at a fixed LR",
            lambda seed: digits_mlp(seed=seed),
            make_opt,
            (x_tr, y_tr),
            (x_te, y_te),
            batch_size=32,
            epochs=4 if quick else 10,
            grid=grid,
            schedule="constant",
            data_source="sklearn load_digits",
        )

    def cifar():
        from lrcourse import data as D, models as M, train as T

        n_train, n_test = (2000, 1000) if quick else (5000, 1000)
        x_tr, y_tr, x_te, y_te = D.load_cifar10(download=False)
        x_tr, y_tr = D.subset(x_tr, y_tr, n_train, seed=0)
        x_te, y_te = D.subset(x_te, y_te, n_test, seed=0)
        widths = (16, 32, 32)
        grid = [float(10 ** (k / 2)) for k in range(-4, 3)]  # 0.01 .. 10, half-decade steps
        if quick:
            grid = grid[::3]
        epochs = 1 if quick else 4

        def make_model(seed):
            m = M.cifar_net(widths=widths, seed=seed)
            T.whiten_stem(m, x_tr)
            return m.to(memory_format=torch.channels_last)

        return Problem(
            "cifar10",
            f"CIFAR-10, {len(x_tr)} train / {len(x_te)} test images (lrcourse.data), the practice CNN "
            f"lrcourse.models.cifar_net(widths={widths}) with its whitening stem, the practice optimizer and loss "
            f"(lrcourse.train.practice_setup: {_describe_setup()}, BatchNorm biases at {RECIPE['bias_lr_scale']:g}x the LR), "
            f"batch 128, flip + 2-px translation, {epochs} epochs of one-cycle: grid over its peak LR",
            make_model,
            lambda m, lr: T.make_optimizer(m, "sgd", lr=lr),
            (x_tr, y_tr),
            (x_te, y_te),
            batch_size=128,
            epochs=epochs,
            grid=grid,
            schedule="one_cycle",
            transform=lambda x: D.normalize_cifar(x).contiguous(memory_format=torch.channels_last),
            data_source="lrcourse.data.load_cifar10 (imported from cifar10-jpg.tar.xz)",
        )

    problems["cifar10"] = cifar
    return problems


@torch.no_grad()
def accuracy(model, x, y, transform=None, batch=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        xb = x[i : i + batch]
        out = model(transform(xb) if transform else xb)
        correct += int((out.argmax(1) == y[i : i + batch]).sum())
    return correct / len(x)


def train(problem: Problem, lr: float, seed: int) -> float:
    """Final test accuracy after training at ``lr`` (fixed, or the peak of one-cycle)."""
    model = problem.make_model(seed)
    opt = problem.make_opt(model, lr)
    schedule = S.one_cycle(max_lr=lr, total_steps=problem.steps) if problem.schedule == "one_cycle" else None
    t = 0
    loss_fn = problem.loss_fn()
    batches = problem.batches(seed + 1000)  # another order than the finder's
    aug = problem.augment(seed) if problem.augment else None
    model.train()
    for _ in range(problem.epochs):
        for x, y in batches:
            if aug is not None:
                x = aug(x)
            if schedule is not None:  # set_lr honours each group's lr_scale (BatchNorm biases: 64x), as the range test does
                set_lr(opt, float(schedule(t)))
                t += 1
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            if not torch.isfinite(loss):  # diverged: report what this model now scores
                return accuracy(model, problem.test_x, problem.test_y, problem.transform)
            loss.backward()
            opt.step()
    return accuracy(model, problem.test_x, problem.test_y, problem.transform)


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------

RULES = ["recommended", "valley", "steep", "minimum", "tlf-steepest", "fastai-valley"]


def run_problem(problem: Problem, seeds):
    print(f"\n== {problem.name}: {problem.description}")
    cache: dict[tuple[float, int], float] = {}

    def acc_at(lr, seed):
        key = (float(f"{lr:.6g}"), seed)
        if key not in cache:
            cache[key] = train(problem, lr, seed)
        return cache[key]

    # 1. the grid
    t0 = time.perf_counter()
    grid_acc = {}
    for lr in problem.grid:
        grid_acc[lr] = float(np.mean([acc_at(lr, s) for s in seeds]))
        print(f"  grid lr {lr:9.3g}: acc {grid_acc[lr]:.4f}", flush=True)
    grid_wall_one_pass = (time.perf_counter() - t0) / len(seeds)
    best_lr = max(grid_acc, key=grid_acc.get)
    best = grid_acc[best_lr]

    # 2. the finder, once per seed (timed on its own), and the reference rules on a no-stop run
    rule_lrs = {r: [] for r in RULES}
    finder_updates, finder_wall = [], []
    for s in seeds:
        model = problem.make_model(s)
        opt = problem.make_opt(model, 1e-3)
        t1 = time.perf_counter()
        res = finder.lr_range_test(model, opt, problem.loss_fn(), problem.batches(s), progress=False)
        finder_wall.append(time.perf_counter() - t1)
        finder_updates.append(res.num_updates)
        rule_lrs["recommended"].append(res.recommended)
        for k in ("valley", "steep", "minimum"):
            rule_lrs[k].append(res.suggestions[k])
        model = problem.make_model(s)
        opt = problem.make_opt(model, 1e-3)
        full = finder.lr_range_test(model, opt, problem.loss_fn(), problem.batches(s), diverge_factor=None,
                                    progress=False)
        n = min(len(res.losses), len(full.losses))
        assert np.array_equal(res.losses[:n], full.losses[:n]), "the two runs of one seed differ: not deterministic"
        rule_lrs["tlf-steepest"].append(tlf_steepest(full.lrs, full.losses))
        rule_lrs["fastai-valley"].append(fastai_valley(full.lrs, full.losses))
        print(f"  seed {s}: {res.summary()}", flush=True)

    # 3. train at each rule's LR
    rows = {}
    for r in RULES:
        accs = [acc_at(lr, s) if np.isfinite(lr) else 0.0 for lr, s in zip(rule_lrs[r], seeds)]
        logs = np.log10([lr for lr in rule_lrs[r] if np.isfinite(lr) and lr > 0])
        rows[r] = {
            "lrs": rule_lrs[r],
            "acc": accs,
            "frac_mean": float(np.mean(accs) / best),
            "frac_worst": float(np.min(accs) / best),
            "spread_decades": float(np.std(logs)) if len(logs) > 1 else 0.0,
        }
    grid_updates = len(problem.grid) * problem.steps
    return {
        "problem": problem.name,
        "description": problem.description,
        "data": problem.data_source,
        "seeds": list(seeds),
        "grid": {f"{lr:.4g}": a for lr, a in grid_acc.items()},
        "best_lr": best_lr,
        "best_acc": best,
        "rules": rows,
        "cost": {
            "finder_updates": float(np.mean(finder_updates)),
            "grid_updates_one_pass": grid_updates,
            "fraction_updates": float(np.mean(finder_updates) / grid_updates),
            "finder_wall_s": float(np.mean(finder_wall)),
            "grid_wall_s_one_pass": grid_wall_one_pass,
            "fraction_wall": float(np.mean(finder_wall) / grid_wall_one_pass),
        },
    }


def table(results) -> str:
    lines = [
        "| problem | grid best acc (LR) | " + " | ".join(RULES) + " | finder cost / grid |",
        "| --- | --- | " + " | ".join("---" for _ in RULES) + " | --- |",
    ]
    for res in results:
        cells = []
        for r in RULES:
            row = res["rules"][r]
            lr = np.exp(np.mean(np.log([v for v in row["lrs"] if np.isfinite(v) and v > 0] or [float("nan")])))
            cells.append(f"{100 * row['frac_mean']:.1f}% (min {100 * row['frac_worst']:.1f}%) @ {lr:.2g}, ±{row['spread_decades']:.2f} dec")
        c = res["cost"]
        lines.append(
            f"| {res['problem']} | {100 * res['best_acc']:.2f}% ({res['best_lr']:.2g}) | " + " | ".join(cells)
            + f" | {100 * c['fraction_updates']:.1f}% updates, {100 * c['fraction_wall']:.1f}% time |"
        )
    return "\n".join(lines)


def provenance(args, wall):
    return {
        "command": "python benchmarks/finder.py " + " ".join(sys.argv[1:]),
        "commit": git_commit(("lrcourse", "benchmarks")),
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__},
        "device": f"cpu: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(wall, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", default="digits-sgd,digits-adam,cifar10")
    ap.add_argument("--seeds", type=int, default=None, help="number of seeds (default 3; quick: 1)")
    ap.add_argument("--cifar-seeds", type=int, default=1, help="number of seeds for cifar10 (default 1)")
    ap.add_argument("--quick", action="store_true", help="smoke run: small grid, short training, one seed")
    ap.add_argument("--seed-offset", type=int, default=0,
                    help="first seed (default 0); use new seeds to check a rule out of sample")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--save", action="store_true", help="write data/results/finder_benchmark.{json,md}")
    args = ap.parse_args(argv)
    # one thread: on the 2 shared cores of the dev machines two threads thrash (measured 2-5x slower)
    torch.set_num_threads(args.threads)
    seeds = [args.seed_offset + k for k in range(args.seeds if args.seeds else (1 if args.quick else 3))]
    makers = make_problems(args.quick)
    t0 = time.perf_counter()
    results = []
    for name in args.problems.split(","):
        if name not in makers:
            ap.error(f"--problems: {name!r} is not one of {sorted(makers)}")
        n = len(seeds) if name != "cifar10" or args.quick else min(len(seeds), args.cifar_seeds)
        results.append(run_problem(makers[name](), seeds[:n]))
    wall = time.perf_counter() - t0
    text = table(results)
    print("\nEach cell: accuracy at the rule's LR as a fraction of the best grid accuracy, mean over seeds "
          "(min = worst seed) @ geometric-mean LR, ± spread of the LR over seeds in decades.\n")
    print(text)
    goal_ok = all(
        r["rules"]["recommended"]["frac_mean"] >= 0.97
        and r["cost"]["fraction_updates"] <= 0.10
        and r["rules"]["recommended"]["frac_mean"] >= max(r["rules"]["tlf-steepest"]["frac_mean"],
                                                          r["rules"]["fastai-valley"]["frac_mean"]) - 1e-12
        for r in results
    )
    print(f"\ngoal (recommended >= 97% of best on every problem, <= 10% of the grid's cost, at least as good "
          f"as tlf-steepest and fastai-valley): {'MET' if goal_ok else 'NOT MET'}; wall {wall:.0f} s")
    if args.save:
        out = ROOT / "data" / "results"
        out.mkdir(parents=True, exist_ok=True)
        prov = provenance(args, wall)
        (out / "finder_benchmark.json").write_text(
            json.dumps({"provenance": prov, "goal_met": goal_ok, "results": results}, indent=1) + "\n")
        (out / "finder_benchmark.md").write_text(
            "# LR range test: suggestions against a grid search\n\n"
            f"Written by `{prov['command']}` at commit {prov['commit']} on {prov['date']} "
            f"({prov['device']}; torch {prov['versions']['torch']}; wall {prov['wall_s']} s).\n\n"
            "Each cell: accuracy at the rule's LR as a fraction of the best grid accuracy, mean over seeds "
            "(min = worst seed) @ geometric-mean LR, ± spread of the LR over seeds in decades.\n\n"
            + text + f"\n\nGoal met: {goal_ok}.\n")
        print(f"wrote {out / 'finder_benchmark.json'} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
