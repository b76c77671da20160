"""The three practice tasks of the lesson, as experiments with budgets, a cache and provenance.

- ``"a"``: constant vs cosine vs step decay, at the same peak LR and the same number of updates;
- ``"b"``: the LR range test (:func:`lrcourse.finder.lr_range_test`) on the practice network,
  its recommendation, and a cosine run at the recommended LR;
- ``"c"``: linear warmup over 0, 100 and 1000 updates in front of a cosine decay, with Adam at a
  high peak LR (where warmup is known to matter).

::

    from lrcourse import experiments
    res = experiments.run("a")          # budget from $LRCOURSE_BUDGET (quick | standard | full)
    res.table(), res.plot()

    $ lrcourse run a --budget standard

Every result is cached by its configuration (``data/cache/``): asking again costs nothing. A
result that ships with the course in ``data/results/`` (produced by this code with
``lrcourse run ... --out data/results/...``) is used when its configuration is the one asked for,
unless ``precomputed=False``. Every result carries its provenance: command, commit, library
versions, device, date and wall time.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import budget as budget_mod
from . import i18n

CHECKOUT = Path(__file__).resolve().parent.parent
RESULTS_DIR = CHECKOUT / "data" / "results"
FORMAT_VERSION = 1

i18n.register({
    "exp.a.title": {"en": "(a) constant vs cosine vs step decay", "bn": "(ক) ধ্রুব বনাম cosine বনাম step decay"},
    "exp.b.title": {"en": "(b) the LR finder's suggestion, then a run at it",
                    "bn": "(খ) LR finder-এর প্রস্তাব, তারপর সেই LR-এ একটি run"},
    "exp.c.title": {"en": "(c) warmup 0 / 100 / 1000 steps (Adam, high peak LR)",
                    "bn": "(গ) warmup ০ / ১০০ / ১০০০ ধাপ (Adam, উঁচু peak LR)"},
    "exp.label.constant": {"en": "constant", "bn": "ধ্রুব (constant)"},
    "exp.label.cosine": {"en": "cosine", "bn": "cosine"},
    "exp.label.step": {"en": "step decay", "bn": "step decay"},
    "exp.label.hand": {"en": "cosine, hand-picked LR {lr:.3g}", "bn": "cosine, হাতে বাছা LR {lr:.3g}"},
    "exp.label.finder": {"en": "cosine, finder's LR {lr:.3g}", "bn": "cosine, finder-এর LR {lr:.3g}"},
    "exp.label.warmup": {"en": "warmup {w} steps", "bn": "warmup {w} ধাপ"},
    "exp.col.run": {"en": "run", "bn": "run"},
    "exp.col.final": {"en": "final test acc", "bn": "শেষ test নির্ভুলতা"},
    "exp.col.best": {"en": "best epoch", "bn": "সেরা ইপক"},
    "exp.col.loss": {"en": "last-epoch train loss", "bn": "শেষ ইপকের train loss"},
    "exp.col.time": {"en": "time / run", "bn": "সময় / run"},
    "exp.col.seeds": {"en": "seeds", "bn": "seed"},
    "exp.start": {"en": "[{i}/{n}] {label} (seed {seed})", "bn": "[{i}/{n}] {label} (seed {seed})"},
    "exp.cached": {"en": "Using the cached result {path} (same configuration).",
                   "bn": "আগের ফল {path} ব্যবহার করা হলো (একই configuration)।"},
    "exp.precomputed": {
        "en": "Precomputed result ({budget} budget) from {path}: produced by `{command}` on {device}, "
              "{date}, commit {commit}, {minutes:.0f} min in all. To train yourself: run(..., precomputed=False).",
        "bn": "আগে থেকে হিসাব করা ফল ({budget} budget), {path} থেকে: `{command}` দিয়ে {device}-এ তৈরি, "
              "{date}, commit {commit}, মোট {minutes:.0f} মিনিট। নিজে train করতে: run(..., precomputed=False)।",
    },
    "exp.plan": {
        "en": "Experiment {name}, {budget} budget: {runs} training runs of {epochs} epochs on {n_train} images "
              "({steps} updates each).",
        "bn": "পরীক্ষা {name}, {budget} budget: {runs}টি training run, প্রতিটি {n_train}টি ছবিতে {epochs} ইপক "
              "({steps}টি update)।",
    },
    "exp.finder_note": {"en": "LR finder: {summary}", "bn": "LR finder: {summary}"},
    "exp.plot.finder": {"en": "LR range test", "bn": "LR range test"},
    "exp.plot.lr_axis": {"en": "learning rate (log scale)", "bn": "শেখার হার (log scale)"},
    "exp.plot.loss_axis": {"en": "smoothed training loss", "bn": "মসৃণ (smoothed) training loss"},
    "exp.plot.recommended": {"en": "recommended {lr:.3g}", "bn": "প্রস্তাবিত {lr:.3g}"},
    "exp.no_result": {
        "en": "No precomputed result for experiment {name} at the {budget} budget in {dir}; train it with run({name!r}).",
        "bn": "{dir}-এ পরীক্ষা {name}-এর {budget} budget-এর আগে-হিসাব-করা ফল নেই; run({name!r}) দিয়ে train করুন।",
    },
})

# ------------------------------------------------------------------------------------------------
# the settings of each experiment, by budget

# Data and length of each run, by budget. ``None`` = the whole split.
# - quick: CI; the real code paths on a small subset, seconds per run; the numbers mean little.
# - standard: sized so that the three experiments together take roughly half an hour on a
#   2-core laptop CPU (the committed results in data/results/ were produced at this budget).
# - full: the whole training set, 10 epochs, 3 seeds; hours on a CPU, minutes on a GPU.
_SIZES = {
    #             train images, test images, epochs, batch, seeds
    "a": {"quick": (512, 256, 2, 64, 1), "standard": (8000, 2000, 3, 128, 3), "full": (None, None, 10, 512, 3)},
    "b": {"quick": (512, 256, 2, 64, 1), "standard": (8000, 2000, 3, 128, 1), "full": (None, None, 10, 512, 3)},
    "c": {"quick": (512, 256, 1, 16, 1), "standard": (4000, 2000, 5, 16, 3), "full": (None, None, 10, 128, 3)},
}
# The hand-picked peak LR of (a) and (b): SGD with Nesterov momentum 0.9, 1.0 at batch 128 (in a
# 32-update trial on 2,048 images it beat 0.2 clearly: 35% vs 24%; the logits are scaled by 1/9 as
# in airbench, which is why such a large LR is right here), scaled with the square root of the batch
# size for other batches (untested beyond 128). The Adam peak LR of (c) is deliberately high.
SGD_PEAK_LR_128 = 1.0
ADAM_PEAK_LR = 0.01
# Warmup lengths of (c): the lesson's 0 / 100 / 1000 updates (8% and 80% of the standard run's
# 1,250 updates); quick keeps those shares of its 32 updates.
WARMUPS = {"quick": (0, 3, 25), "standard": (0, 100, 1000), "full": (0, 100, 1000)}
FINDER_ITERS = {"quick": 20, "standard": 50, "full": 100}

EXPERIMENTS = ("a", "b", "c")


def settings(name: str, budget: str | None = None, seeds: int | None = None) -> dict:
    """The full configuration of experiment ``name`` at ``budget``: what is cached and recorded."""
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment={name!r} is not known; use one of {EXPERIMENTS}")
    b = budget_mod.get_budget(budget)
    n_train, n_test, epochs, batch, n_seeds = _SIZES[name][b]
    if seeds is not None:
        if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
            raise ValueError(f"seeds={seeds!r} must be a positive int (the number of seeds per run)")
        n_seeds = seeds
    s = {
        "experiment": name, "budget": b, "n_train": n_train, "n_test": n_test, "epochs": epochs,
        "batch_size": batch, "seeds": list(range(n_seeds)), "label_smoothing": 0.2,
        "flip": True, "translate": 2, "tta": True, "format": FORMAT_VERSION,
    }
    if name in ("a", "b"):
        s.update(optimizer="sgd", momentum=0.9, nesterov=True, weight_decay=5e-4,
                 peak_lr=round(SGD_PEAK_LR_128 * math.sqrt(batch / 128), 4))
    if name == "b":
        s.update(finder={"start_lr": 1e-3, "end_lr": 100.0, "num_iters": FINDER_ITERS[b], "batch_size": batch})
    if name == "c":
        s.update(optimizer="adam", momentum=0.9, nesterov=False, weight_decay=0.0, peak_lr=ADAM_PEAK_LR,
                 warmups=list(WARMUPS[b]))
    return s


def _steps(s: dict, n_train_actual: int) -> int:
    return s["epochs"] * (n_train_actual // s["batch_size"])


def _schedules(s: dict, total: int, finder_lr: float | None = None) -> list[tuple[str, dict, object]]:
    """(label key, label values, schedule) for each run of the experiment."""
    from . import schedules as S

    lr = s["peak_lr"]
    if s["experiment"] == "a":
        return [
            ("constant", {}, S.constant(lr)),
            ("cosine", {}, S.cosine(lr, total_steps=total)),
            ("step", {}, S.step_decay(lr, step_size=max(1, math.ceil(total / 3)), gamma=0.1)),
        ]
    if s["experiment"] == "b":
        # the hand-picked LR's run is experiment (a)'s cosine run (same settings and seeds)
        return [("finder", {"lr": finder_lr}, S.cosine(finder_lr, total_steps=total))]
    runs = []
    for w in s["warmups"]:
        sched = S.cosine(lr, total_steps=total) if w == 0 else S.warmup_cosine(lr, warmup_steps=w, total_steps=total)
        runs.append(("warmup", {"w": w}, sched))
    return runs


# ------------------------------------------------------------------------------------------------
# the result


@dataclass
class ExperimentResult:
    """One experiment's runs, summary and provenance (a thin wrapper around its JSON dict)."""

    data: dict
    source: str = "run"  # "run", "cache" or "precomputed"
    path: str | None = None

    @property
    def name(self) -> str:
        return self.data["settings"]["experiment"]

    @property
    def settings(self) -> dict:
        return self.data["settings"]

    @property
    def provenance(self) -> dict:
        return self.data["provenance"]

    @property
    def runs(self) -> list[dict]:
        return self.data["runs"]

    def label(self, run: dict) -> str:
        return i18n.t(f"exp.label.{run['label']}", **run.get("label_values", {}))

    def histories(self, seed: int | None = None) -> dict:
        """``{label: History}`` of one seed (default: the first)."""
        from .train import History

        seed = self.settings["seeds"][0] if seed is None else seed
        return {self.label(r): History.from_dict(r["history"]) for r in self.runs if r["seed"] == seed}

    def summary(self) -> list[dict]:
        """One row per run label: mean and spread of the final test accuracy over seeds."""
        rows: dict[str, dict] = {}
        for r in self.runs:
            key = json.dumps([r["label"], r.get("label_values", {})])
            row = rows.setdefault(key, {"label": self.label(r), "key": r["label"], "acc": [], "loss": [], "time": [],
                                        "best_epoch": [], "schedule": r["schedule"]})
            h = r["history"]
            row["acc"].append(h["test_acc"][-1])
            spe = h["steps_per_epoch"]
            row["loss"].append(float(np.mean(h["loss"][-spe:])) if h["loss"] else float("nan"))
            row["time"].append(h["wall_time"])
            row["best_epoch"].append(int(np.argmax(h["test_acc"])) + 1)
        out = []
        for row in rows.values():
            acc = np.asarray(row["acc"], dtype=float)
            out.append({
                "label": row["label"], "key": row["key"], "schedule": row["schedule"],
                "final_test_acc": float(acc.mean()),
                "spread": float(acc.max() - acc.min()) if len(acc) > 1 else 0.0,
                "std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
                "accs": [float(a) for a in acc], "n_seeds": len(acc),
                "train_loss": float(np.mean(row["loss"])), "seconds_per_run": float(np.mean(row["time"])),
            })
        return out

    def table(self) -> str:
        """The results as a Markdown table, in the current language."""
        head = [i18n.t("exp.col.run"), i18n.t("exp.col.final"), i18n.t("exp.col.loss"), i18n.t("exp.col.time"),
                i18n.t("exp.col.seeds")]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in self.summary():
            acc = f"{100 * row['final_test_acc']:.2f}%"
            if row["n_seeds"] > 1:
                acc += f" ± {100 * row['std']:.2f} ({', '.join(f'{100 * a:.1f}' for a in row['accs'])})"
            lines.append(f"| {row['label']} | {acc} | {row['train_loss']:.3f} | {row['seconds_per_run'] / 60:.1f} min | "
                         f"{row['n_seeds']} |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return f"**{i18n.t(f'exp.{self.name}.title')}** ({self.settings['budget']})\n\n{self.table()}"

    def __repr__(self) -> str:
        rows = ", ".join(f"{r['label']}: {100 * r['final_test_acc']:.1f}%" for r in self.summary())
        return f"ExperimentResult({self.name!r}, budget={self.settings['budget']!r}, {rows})"

    def finder_result(self):
        """Experiment (b): the LR range test as a :class:`lrcourse.finder.FinderResult` (None otherwise)."""
        f = self.data.get("finder")
        if not f:
            return None
        from .finder import FinderResult

        fields = dict(f["fields"])
        for k in ("lrs", "losses", "smoothed", "trend"):
            fields[k] = np.asarray(fields[k], dtype=float)
        if fields.get("val_losses") is not None:
            fields["val_losses"] = np.asarray([np.nan if v is None else v for v in fields["val_losses"]], dtype=float)
        if "valley_span" in fields:
            fields["valley_span"] = tuple(fields["valley_span"])
        return FinderResult(**fields)

    def plot(self, seed: int | None = None):
        """The runs side by side: LR per step, smoothed loss per step, test accuracy per epoch.

        For (b) the LR range test comes first. Returns the Figure.
        """
        import matplotlib.pyplot as plt

        from .plotting import use_course_fonts
        from .train import plot_histories

        use_course_fonts()
        hist = self.histories(seed)
        if self.name == "b" and self.data.get("finder"):
            fig, axes = plt.subplots(1, 4, figsize=(18, 3.9))
            fr = self.finder_result()
            ax = axes[0]
            ax.plot(fr.lrs, fr.losses, alpha=0.3, color="grey")
            ax.plot(fr.lrs, fr.smoothed, color="C0")
            ax.axvline(fr.recommended, color="C3", ls="--", label=i18n.t("exp.plot.recommended", lr=fr.recommended))
            ax.axvline(self.settings["peak_lr"], color="C0", ls=":",
                       label=i18n.t("exp.label.hand", lr=self.settings["peak_lr"]))
            ax.set_xscale("log")
            finite = fr.smoothed[np.isfinite(fr.smoothed)]
            if len(finite):
                ax.set_ylim(finite.min() * 0.95, min(finite.max(), finite[0] * 1.6) * 1.02)
            ax.set(xlabel=i18n.t("exp.plot.lr_axis"), ylabel=i18n.t("exp.plot.loss_axis"),
                   title=i18n.t("exp.plot.finder"))
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
            plot_histories(hist, axes=axes[1:])
        else:
            fig = plot_histories(hist)
        fig.suptitle(i18n.t(f"exp.{self.name}.title"))
        fig.tight_layout()
        return fig


# ------------------------------------------------------------------------------------------------
# provenance, cache, JSON


def _git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=CHECKOUT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        code = ["lrcourse/" + f for f in ("data.py", "models.py", "train.py", "experiments.py", "schedules.py",
                                          "finder.py")]
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", *code], cwd=CHECKOUT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (commit + ("+uncommitted changes in lrcourse/" if dirty else "")) if commit else "unknown"
    except Exception:
        return "unknown"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance(command: str | None, wall_time: float, device: str, precision: str) -> dict:
    """Command, commit, versions, device, date and wall time of a result."""
    import torch
    import torchvision

    from . import __version__

    threads = torch.get_num_threads()
    dev = device
    if device == "cpu":
        dev = f"CPU: {_cpu_name()}, {os.cpu_count()} logical cores, {threads} torch threads"
    elif device.startswith("cuda"):
        dev = f"GPU: {torch.cuda.get_device_name(0)}"
    return {
        "command": command or "python: " + " ".join(sys.argv[:1]),
        "commit": _git_commit(),
        "versions": {"lrcourse": __version__, "python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__},
        "device": dev,
        "precision": precision,
        "platform": platform.platform(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_time_s": round(wall_time, 1),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def config_key(s: dict) -> str:
    """A short hash of a configuration: results are cached and matched by it."""
    return hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()[:16]


def cache_dir() -> Path:
    from .data import data_dir

    return data_dir() / "cache"


def _round(obj, digits: int = 6):
    if isinstance(obj, float):
        return obj if not math.isfinite(obj) else float(f"{obj:.{digits}g}")
    if isinstance(obj, list):
        return [_round(v, digits) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v, digits) for k, v in obj.items()}
    return obj


def save_json(obj: dict, path: Path) -> None:
    """Write JSON atomically (a temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1, allow_nan=True)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def precomputed_path(name: str, budget: str = "standard") -> Path:
    return RESULTS_DIR / f"{name}_{budget}.json"


def load_precomputed(name: str, budget: str = "standard") -> ExperimentResult:
    """The result shipped in ``data/results/`` for ``name`` and ``budget`` (FileNotFoundError if none)."""
    path = precomputed_path(name, budget)
    if not path.is_file():
        raise FileNotFoundError(i18n.t("exp.no_result", name=name, budget=budget, dir=RESULTS_DIR))
    return ExperimentResult(json.loads(path.read_text(encoding="utf-8")), source="precomputed", path=str(path))


def _announce_precomputed(res: ExperimentResult) -> None:
    p = res.provenance
    print(i18n.t("exp.precomputed", budget=res.settings["budget"], path=os.path.relpath(res.path, CHECKOUT),
                 command=p["command"], device=p["device"], date=p["date"], commit=p["commit"],
                 minutes=p["wall_time_s"] / 60))


# ------------------------------------------------------------------------------------------------
# running


def _load_data(s: dict):
    from . import data

    x_tr, y_tr, x_te, y_te = data.load_cifar10()
    x_tr, y_tr = data.subset(x_tr, y_tr, s["n_train"], seed=1234)
    x_te, y_te = data.subset(x_te, y_te, s["n_test"], seed=1234)
    return x_tr, y_tr, x_te, y_te


def _run_finder(s: dict, d, verbose: bool):
    import torch

    from . import data as data_mod
    from . import models
    from .finder import TensorBatches, lr_range_test
    from .train import make_optimizer

    fs = s["finder"]
    x_tr, y_tr = d[0], d[1]
    model = models.cifar_net(seed=s["seeds"][0])
    model.init_whitening(data_mod.normalize_cifar(x_tr[:5000]))
    opt = make_optimizer(model, s["optimizer"], momentum=s["momentum"], nesterov=s["nesterov"],
                         weight_decay=s["weight_decay"])
    batches = TensorBatches(x_tr, y_tr, fs["batch_size"], seed=s["seeds"][0], transform=data_mod.normalize_cifar)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=s["label_smoothing"])
    return lr_range_test(model, opt, loss_fn, batches, start_lr=fs["start_lr"], end_lr=fs["end_lr"],
                         num_iters=fs["num_iters"], progress=None if verbose else False)


def run(name: str, budget: str | None = None, *, seeds: int | None = None, use_cache: bool = True,
        precomputed: bool = True, verbose: bool = True, command: str | None = None,
        progress: bool | None = None) -> ExperimentResult:
    """Run practice experiment ``name`` (``"a"``, ``"b"`` or ``"c"``) at ``budget`` and return its result.

    ``budget``: ``quick``, ``standard`` or ``full`` (default ``$LRCOURSE_BUDGET``, else standard).
    ``seeds``: number of seeds per run (default by budget). With ``precomputed`` (the default) a
    result in ``data/results/`` with exactly this configuration is returned without training;
    with ``use_cache`` so is one computed before on this machine (``data/cache/``).
    """
    import torch

    from . import train as train_mod

    s = settings(name, budget, seeds)
    key = config_key(s)
    cache_file = cache_dir() / f"{name}_{s['budget']}_{key}.json"
    if precomputed:
        pre = precomputed_path(name, s["budget"])
        if pre.is_file():
            res = load_precomputed(name, s["budget"])
            if res.data.get("config_key") == key:
                if verbose:
                    _announce_precomputed(res)
                return res
    if use_cache and cache_file.is_file():
        if verbose:
            print(i18n.t("exp.cached", path=cache_file))
        return ExperimentResult(json.loads(cache_file.read_text(encoding="utf-8")), source="cache", path=str(cache_file))

    start = time.perf_counter()
    d = _load_data(s)
    total = _steps(s, len(d[0]))
    finder_data = None
    finder_lr = None
    if name == "b":
        fr = _run_finder(s, d, verbose)
        finder_lr = float(f"{fr.recommended:.3g}")
        if verbose:
            print(i18n.t("exp.finder_note", summary=fr.summary()))
        from dataclasses import fields as dc_fields

        fd = {}
        for f in dc_fields(fr):
            v = getattr(fr, f.name)
            if isinstance(v, np.ndarray):
                v = [None if not np.isfinite(x) else float(x) for x in v.tolist()] if f.name == "val_losses" else v.tolist()
            elif isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, (np.floating, np.integer)):
                v = v.item()
            fd[f.name] = v
        fd["suggestions"] = {k: float(v) for k, v in fr.suggestions.items()}
        finder_data = {"fields": fd, "summary_en": i18n.t("exp.finder_note", language="en", summary=""),
                       "recommended": float(fr.recommended), "used_lr": finder_lr}
    plan = _schedules(s, total, finder_lr)
    n_runs = len(plan) * len(s["seeds"])
    if verbose:
        print(i18n.t("exp.plan", name=name, budget=s["budget"], runs=n_runs, epochs=s["epochs"], n_train=len(d[0]),
                     steps=total), flush=True)
    runs = []
    device = precision = None
    i = 0
    for seed in s["seeds"]:
        for label, values, sched in plan:
            i += 1
            if verbose:
                print(i18n.t("exp.start", i=i, n=n_runs, label=i18n.t(f"exp.label.{label}", **values), seed=seed),
                      flush=True)
            h = train_mod.train(
                sched, epochs=s["epochs"], data=d, batch_size=s["batch_size"], optimizer=s["optimizer"],
                momentum=s["momentum"], nesterov=s["nesterov"], weight_decay=s["weight_decay"],
                label_smoothing=s["label_smoothing"], flip=s["flip"], translate=s["translate"], tta=s["tta"],
                seed=seed, progress=progress, verbose=verbose)
            device, precision = h.config["device"], h.config["precision"]
            runs.append({"label": label, "label_values": values, "seed": seed, "schedule": repr(sched),
                         "history": _round(h.to_dict())})
    wall = time.perf_counter() - start
    out = {
        "format": FORMAT_VERSION, "config_key": key, "settings": s,
        "n_train_used": len(d[0]), "n_test_used": len(d[2]), "total_steps": total,
        "runs": runs, "finder": finder_data,
        "provenance": provenance(
            command or f"python: lrcourse.experiments.run({name!r}, budget={s['budget']!r}, seeds={len(s['seeds'])})",
            wall, device or "cpu", precision or "fp32"),
    }
    res = ExperimentResult(out, source="run")
    out["summary"] = _round(res.summary())
    if use_cache:
        save_json(out, cache_file)
        res.path = str(cache_file)
    torch.set_grad_enabled(True)
    return res


# ------------------------------------------------------------------------------------------------
# command line: lrcourse run a|b|c --budget ...


def _cli(args) -> int:
    command = "lrcourse run " + " ".join(sys.argv[sys.argv.index("run") + 1:]) if "run" in sys.argv else None
    res = run(args.experiment, args.budget, seeds=args.seeds, use_cache=not args.no_cache,
              precomputed=args.precomputed, command=command)
    if args.out:
        save_json(res.data, Path(args.out))
        print(f"-> {args.out}")
    print()
    print(i18n.t(f"exp.{res.name}.title"))
    print(res.table())
    return 0


def add_cli(subparsers) -> None:
    """``lrcourse run <a|b|c> [--budget quick|standard|full] [--seeds N] [--out FILE]``."""
    p = subparsers.add_parser(
        "run", help="run a practice experiment (a, b, c) at a budget",
        description="(a) constant vs cosine vs step decay; (b) the LR finder, then a run at its LR; "
                    "(c) warmup 0/100/1000 steps with Adam at a high LR. Results are cached by configuration.")
    p.add_argument("experiment", choices=EXPERIMENTS)
    p.add_argument("--budget", choices=budget_mod.BUDGETS, default=None,
                   help="quick (seconds), standard (minutes on a laptop CPU; default), full (a GPU helps)")
    p.add_argument("--seeds", type=int, default=None, help="seeds per run (default by budget)")
    p.add_argument("--out", help="also write the result JSON here (e.g. data/results/a_standard.json)")
    p.add_argument("--no-cache", action="store_true", help="train even if a cached result exists")
    p.add_argument("--precomputed", action="store_true",
                   help="accept the result shipped in data/results/ when its configuration matches")
    p.set_defaults(func=_cli)
