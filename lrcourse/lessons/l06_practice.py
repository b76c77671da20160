"""Lesson 06: the four CIFAR-10 practice tasks, as experiments with budgets, a cache and provenance.

- ``"a"``: constant vs cosine vs step decay, at the same peak LR and the same number of updates;
- ``"b"``: the LR range test (:func:`lrcourse.finder.lr_range_test`) on the practice network,
  its recommendation, and a cosine run at the recommended LR;
- ``"c"``: linear warmup over 0, 100 and 1000 updates in front of a cosine decay, with Adam at a
  high peak LR (where warmup is known to matter);
- ``"d"``: restarts and cycles, tested: one cosine cycle vs SGDR (three cycles of 1/7, 2/7 and 4/7
  of the run) vs a triangular cyclical LR (two cycles) vs exponential decay, at (a)'s budget, and
  the free snapshot ensemble of SGDR's cycle ends against the single final model
  (:meth:`ExperimentResult.snapshot_table`).

Every run trains with the course's recipe (:data:`lrcourse.train.RECIPE`: airbench94's
ingredients); the settings record it, so a change of the recipe is a change of configuration.

::

    from lrcourse.lessons import l06_practice
    res = l06_practice.run("a")          # budget from $LRCOURSE_BUDGET (quick | standard | full)
    res.table(), res.plot()

    $ lrcourse run a --budget standard

Every result is cached by its configuration (``data/cache/``): asking again costs nothing. A
result that ships with the course in ``data/results/`` (produced by this code with
``lrcourse run ... --out data/results/...``) is used when its configuration is the one asked for,
unless ``precomputed=False``. Every result carries its provenance (:mod:`lrcourse.results`):
command, commit, library versions, device, date and wall time.

The settings (:func:`settings`) are what the configuration key covers: changing one invalidates
the committed results (``tests/test_experiments.py`` says so). The training itself is
:func:`lrcourse.train.train`; the range test of (b) runs on :func:`lrcourse.problems.builtin_problem`.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import budget as budget_mod
from .. import i18n
from ..results import CHECKOUT, cache_dir, config_key, provenance, round_floats, save_json

__all__ = ["EXPERIMENTS", "settings", "run", "ExperimentResult", "load_precomputed", "precomputed_path",
           "config_key", "save_json"]

RESULTS_DIR = CHECKOUT / "data" / "results"
FORMAT_VERSION = 2  # 2: the airbench94 recipe in the settings, (d), snapshots
# the code whose uncommitted changes the provenance of a result reports (git pathspecs)
CODE = tuple("lrcourse/" + f for f in ("data.py", "models.py", "train.py", "lessons/l06_practice.py",
                                       "schedules*", "finder*", "problems.py"))

i18n.load("l06_practice")

# ------------------------------------------------------------------------------------------------
# the settings of each experiment, by budget

# Data and length of each run, by budget. ``None`` = the whole split.
# - quick: CI; the real code paths on a small subset, seconds per run; the numbers mean little.
# - standard: the whole training set (50,000 images) and test set; (a), (b), (d) 5 epochs at batch
#   512 (485 updates), (c) 4 epochs at batch 128 (1,560 updates); 2 seeds ((b): 1). A short but
#   real regime: the well-scheduled runs end at 85-87% test accuracy (a constant LR reached 84.6%
#   after 4 epochs in a trial, hence 5); about 3.5 minutes a run on a 2-core laptop CPU, so one
#   task takes 7-11 minutes per seed (the committed results in data/results/ are this budget's).
# - full: airbench94's recipe: the whole training set, 10 epochs at batch 1024, the wide network
#   (WIDTHS), 3 seeds; about 10.5 minutes a run on that CPU, seconds on a GPU.
# (c) trains Adam at a smaller batch than the others, so that its longest warmup (1000 updates)
# ends inside the run: at batch 512, 5 epochs are only 485 updates.
_SIZES = {
    #             train images, test images, epochs, batch, seeds
    "a": {"quick": (512, 256, 2, 64, 1), "standard": (None, None, 5, 512, 2), "full": (None, None, 10, 1024, 3)},
    "b": {"quick": (512, 256, 2, 64, 1), "standard": (None, None, 5, 512, 1), "full": (None, None, 10, 1024, 3)},
    "c": {"quick": (512, 256, 1, 16, 1), "standard": (None, None, 4, 128, 2), "full": (None, None, 10, 256, 3)},
    "d": {"quick": (512, 256, 2, 64, 1), "standard": (None, None, 5, 512, 2), "full": (None, None, 10, 1024, 3)},
}
# The network's widths: airbench93's (64, 128, 128) for quick and standard, airbench94's wider
# (64, 256, 256) for the full recipe.
WIDTHS = {"quick": (64, 128, 128), "standard": (64, 128, 128), "full": (64, 256, 256)}
# The SGD peak LR of (a), (b)'s comparison and (d) is the recipe's, train.recipe_peak_lr: 1.5 per
# 1,024 images per batch, scaled linearly with the batch size as in airbench (0.75 at batch 512).
# The Adam peak LR of (c) is deliberately high.
ADAM_PEAK_LR = 0.01
# Warmup lengths of (c): the lesson's 0 / 100 / 1000 updates at standard and full (6% and 64% of the
# standard run's 1,560 updates; the notebook prints the shares); quick: 3 and 25 of its 32 updates
# (9% and 78%), a short and a long warmup.
WARMUPS = {"quick": (0, 3, 25), "standard": (0, 100, 1000), "full": (0, 100, 1000)}
FINDER_ITERS = {"quick": 20, "standard": 50, "full": 100}
# (d): SGDR's restart lengths double (T_mult = 2), so three cycles are 1/7, 2/7 and 4/7 of the run;
# the cyclical LR makes two full triangles; the exponential decay ends at peak/100.
SGDR_CYCLES = 3
CLR_CYCLES = 2
EXP_END_FACTOR = 0.01
# The cyclical LR's lower bound, as a fraction of the peak. Smith (2017, arXiv 1506.01186, sec. 3.3)
# sets base_lr to 1/3 or 1/4 of max_lr from a range test; his runs end at base_lr, and so would
# ours: a final model trained at a quarter of the peak against rivals that end near 0 (cosine, SGDR)
# or at peak/100 (exponential) would lose for its last LR alone, not for cycling. 1/10 is the
# lower end of what one-cycle schedules use (fastai's div = 25 starts lower, ends far lower), keeps
# a real amplitude of 10x per cycle, and lets the run end at a small LR like the others.
CLR_BASE_FRACTION = 0.1

# (a)'s step decay: ÷10 at 50% and 75% of the run, He et al. 2016's CIFAR-10 ResNets (÷10 at 32k and
# 48k of 64k iterations). Drops after each third (ImageNet's 30 and 60 of 90 epochs) left the
# 485-update standard run under-trained: 84.9% on seed 0 in a first standard run, below the
# constant LR's 85.9%.
STEP_MILESTONES = (0.5, 0.75)

EXPERIMENTS = ("a", "b", "c", "d")


def _recipe() -> dict:
    """The training recipe every practice run uses (:data:`lrcourse.train.RECIPE`), JSON-ready."""
    from ..train import RECIPE

    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in RECIPE.items()}


def _sgd_peak_lr(batch: int) -> float:
    """The recipe's SGD peak LR for ``batch`` (:func:`lrcourse.train.recipe_peak_lr`), rounded for the settings."""
    from ..train import recipe_peak_lr

    return round(recipe_peak_lr(batch), 6)


def settings(name: str, budget: str | None = None, seeds: int | None = None) -> dict:
    """The full configuration of experiment ``name`` at ``budget``: what is cached and recorded.

    Besides sizes, optimizer and peak LR it holds every item of the training recipe
    (:data:`lrcourse.train.RECIPE`, with the optimizer's own momentum, weight decay and bias LR
    scale), so that the configuration key changes when the recipe does.
    """
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
        "batch_size": batch, "seeds": list(range(n_seeds)), "widths": list(WIDTHS[b]), **_recipe(),
        "format": FORMAT_VERSION,
    }
    if name in ("a", "b", "d"):
        s.update(optimizer="sgd", peak_lr=_sgd_peak_lr(batch))
    if name == "a":
        s.update(step_milestones=list(STEP_MILESTONES))
    if name == "b":
        s.update(finder={"start_lr": 1e-3, "end_lr": 100.0, "num_iters": FINDER_ITERS[b], "batch_size": batch})
    if name == "c":
        # Adam: its own momentum (beta1), no weight decay, and no faster LR for the BatchNorm biases
        s.update(optimizer="adam", momentum=0.9, nesterov=False, weight_decay=0.0, bias_lr_scale=1.0,
                 peak_lr=ADAM_PEAK_LR, warmups=list(WARMUPS[b]))
    if name == "d":
        s.update(sgdr_cycles=SGDR_CYCLES, sgdr_t_mult=2, clr_cycles=CLR_CYCLES, clr_base_fraction=CLR_BASE_FRACTION,
                 exp_end_factor=EXP_END_FACTOR)
    return s


def _steps(s: dict, n_train_actual: int) -> int:
    return s["epochs"] * (n_train_actual // s["batch_size"])


def sgdr_cycles(total: int, cycles: int = SGDR_CYCLES, t_mult: int = 2) -> list[int]:
    """The update counts at which SGDR's cycles end in a run of ``total`` updates (the last = ``total``).

    The cycles last T0, T0·t_mult, T0·t_mult², ...: with 3 cycles and t_mult 2, 1/7, 2/7 and 4/7 of
    the run. T0 = total // 7 (in general total // (1 + t_mult + ... )); where ``total`` is not a
    multiple of 7 the few updates left over (at most 6) go to the last cycle, so that it ends at
    the last update instead of restarting for a few updates at the very end of the run.
    """
    units = sum(t_mult ** k for k in range(cycles))
    t_0 = total // units
    if t_0 < 1:
        raise ValueError(f"a run of {total} updates is too short for {cycles} SGDR cycles (at least {units})")
    ends = list(np.cumsum([t_0 * t_mult ** k for k in range(cycles)]))
    ends[-1] = total
    return [int(e) for e in ends]


def _sgdr(lr: float, total: int, cycles: int, t_mult: int):
    """SGDR over exactly ``total`` updates: ``schedules.sgdr`` whose last cycle ends at ``total``."""
    from .. import schedules as S

    ends = sgdr_cycles(total, cycles, t_mult)
    t_0 = ends[0]
    sgdr = S.sgdr(lr, t_0=t_0, t_mult=t_mult)
    if cycles == 1 or ends[-1] == t_0 * sum(t_mult ** k for k in range(cycles)):
        return sgdr  # total is a multiple of 1 + t_mult + ...: schedules.sgdr as it is
    # the last cycle stretched by the left-over updates: a cosine of its own length from the restart on
    return S.join([sgdr, S.cosine(lr, total_steps=total - ends[-2])], [ends[-2]])


def _clr(lr: float, total: int, cycles: int, base_fraction: float):
    """A triangular cyclical LR with ``cycles`` full cycles in ``total`` updates, between
    ``base_fraction``·lr and lr: up for half a cycle, down for the other half. Where ``total``
    is not a multiple of the period, the updates left over (fewer than ``cycles``) stay at the
    lower bound, where every cycle ends."""
    from .. import schedules as S

    period = total // cycles
    if period < 2:
        raise ValueError(f"a run of {total} updates is too short for {cycles} cycles of a cyclical LR")
    up = period // 2
    return S.cyclic(round(base_fraction * lr, 12), lr, step_size_up=up, step_size_down=period - up, mode="triangular")


def _exponential(lr: float, total: int, end_factor: float):
    """``lr · gamma^t`` with gamma chosen so that the last update (t = total − 1) uses end_factor·lr."""
    from .. import schedules as S

    return S.exponential(lr, gamma=end_factor ** (1.0 / max(1, total - 1)))


def _schedules(s: dict, total: int, finder_lr: float | None = None) -> list[tuple[str, dict, object]]:
    """(label key, label values, schedule) for each run of the experiment."""
    from .. import schedules as S

    lr = s["peak_lr"]
    if s["experiment"] == "a":
        return [
            ("constant", {}, S.constant(lr)),
            ("cosine", {}, S.cosine(lr, total_steps=total)),
            # step decay: ÷10 at each of STEP_MILESTONES (shares of the run)
            ("step", {}, S.multistep(lr, milestones=[max(1 + i, int(f * total)) for i, f in enumerate(s["step_milestones"])],
                                     gamma=0.1)),
        ]
    if s["experiment"] == "b":
        # the hand-picked LR's run is experiment (a)'s cosine run (same settings and seeds)
        return [("finder", {"lr": finder_lr}, S.cosine(finder_lr, total_steps=total))]
    if s["experiment"] == "d":
        ends = sgdr_cycles(total, s["sgdr_cycles"], s["sgdr_t_mult"])
        return [
            ("cosine1", {}, S.cosine(lr, total_steps=total)),
            ("sgdr", {"t0": ends[0], "t_mult": s["sgdr_t_mult"]}, _sgdr(lr, total, s["sgdr_cycles"], s["sgdr_t_mult"])),
            ("clr", {"cycles": s["clr_cycles"], "base": s["clr_base_fraction"]},
             _clr(lr, total, s["clr_cycles"], s["clr_base_fraction"])),
            ("exp", {"end": s["exp_end_factor"]}, _exponential(lr, total, s["exp_end_factor"])),
        ]
    runs = []
    for w in s["warmups"]:
        sched = S.cosine(lr, total_steps=total) if w == 0 else S.warmup_cosine(lr, warmup_steps=w, total_steps=total)
        runs.append(("warmup", {"w": w}, sched))
    return runs


def _snapshot_steps(s: dict, label: str, total: int) -> list[int]:
    """The update counts at which a run keeps a snapshot: the ends of SGDR's cycles, for (d)'s SGDR run."""
    if s["experiment"] == "d" and label == "sgdr":
        return sgdr_cycles(total, s["sgdr_cycles"], s["sgdr_t_mult"])
    return []


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
        from ..train import History

        seed = self.settings["seeds"][0] if seed is None else seed
        return {self.label(r): History.from_dict(r["history"]) for r in self.runs if r["seed"] == seed}

    def training_minutes(self) -> float:
        """The training time of all its runs, in minutes: what the result cost, even when the
        command that stored it found some runs in the cache (its own wall time is then shorter)."""
        return sum(r["history"]["wall_time"] for r in self.runs) / 60

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
            minutes = i18n.t("exp.minutes", minutes=row["seconds_per_run"] / 60)
            lines.append(f"| {row['label']} | {acc} | {row['train_loss']:.3f} | {minutes} | {row['n_seeds']} |")
        return "\n".join(lines)

    def snapshot_rows(self) -> list[dict]:
        """The snapshot ensemble against the single final model, one row per run with snapshots.

        Read from each run's ``history["snapshots"]`` (``train(snapshot_steps=...)``; in (d) the
        SGDR run, one snapshot at the end of each cycle). Per row: ``label``, ``seed``, ``steps``,
        ``snapshot_accs`` (each snapshot alone), ``ensemble_accs`` (the average of the predicted
        probabilities of the snapshots so far), ``final`` (the last snapshot alone: the model the
        run ends with), ``ensemble`` (all snapshots) and ``gain`` (ensemble − final). Snapshots are
        evaluated as after each epoch (at most the mirror as test-time augmentation), so ``final``
        can differ from the run's final test accuracy in :meth:`summary`, which uses the full TTA.
        """
        out = []
        for r in self.runs:
            snaps = r["history"].get("snapshots") or []
            if not snaps:
                continue
            final, ensemble = float(snaps[-1]["test_acc"]), float(snaps[-1]["ensemble_acc"])
            out.append({
                "label": self.label(r), "key": r["label"], "seed": r["seed"],
                "steps": [int(x["step"]) for x in snaps],
                "snapshot_accs": [float(x["test_acc"]) for x in snaps],
                "ensemble_accs": [float(x["ensemble_acc"]) for x in snaps],
                "final": final, "ensemble": ensemble, "gain": ensemble - final,
            })
        return out

    def snapshot_table(self) -> str:
        """:meth:`snapshot_rows` as a Markdown table in the current language: one row per seed, then
        the mean over seeds ("" for an experiment without snapshots)."""
        rows = self.snapshot_rows()
        if not rows:
            return ""
        steps = rows[0]["steps"]
        k = len(steps)
        head = [i18n.t("exp.col.run"), i18n.t("exp.col.seed")]
        head += [i18n.t("exp.snap.col.snapshot", i=i + 1, step=st) for i, st in enumerate(steps[:-1])]
        head += [i18n.t("exp.snap.col.final", i=k, step=steps[-1]), i18n.t("exp.snap.col.ensemble", k=k),
                 i18n.t("exp.snap.col.gain")]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

        def pct(a: float) -> str:
            return f"{100 * a:.2f}%"

        for row in rows:
            cells = [row["label"], str(row["seed"])] + [pct(a) for a in row["snapshot_accs"]]
            cells += [pct(row["ensemble"]), f"{100 * row['gain']:+.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
        by_label: dict[str, list[dict]] = {}
        for row in rows:
            by_label.setdefault(row["label"], []).append(row)
        for label, group in by_label.items():
            if len(group) < 2:
                continue
            n = len(group)
            if any(len(g["snapshot_accs"]) != k for g in group):
                continue
            mean = [float(np.mean([g["snapshot_accs"][i] for g in group])) for i in range(k)]
            cells = [f"**{label}**", i18n.t("exp.snap.mean", n=n)] + [pct(a) for a in mean]
            cells += [pct(float(np.mean([g["ensemble"] for g in group]))),
                      f"{100 * float(np.mean([g['gain'] for g in group])):+.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n\n" + i18n.t("exp.snap.note", k=k)

    def _repr_markdown_(self) -> str:
        out = f"**{i18n.t(f'exp.{self.name}.title')}** ({self.settings['budget']})\n\n{self.table()}"
        snap = self.snapshot_table()
        if snap:
            out += f"\n\n**{i18n.t('exp.snap.title')}**\n\n{snap}"
        return out

    def __repr__(self) -> str:
        rows = ", ".join(f"{r['label']}: {100 * r['final_test_acc']:.1f}%" for r in self.summary())
        return f"ExperimentResult({self.name!r}, budget={self.settings['budget']!r}, {rows})"

    def finder_result(self):
        """Experiment (b): the LR range test as a :class:`lrcourse.finder.FinderResult` (None otherwise)."""
        f = self.data.get("finder")
        if not f:
            return None
        from ..finder import FinderResult

        return FinderResult.from_dict(f["fields"])

    def plot(self, seed: int | None = None):
        """The runs side by side: LR per step, smoothed loss per step, test accuracy per epoch.

        For (b) the LR range test comes first. Returns the Figure.
        """
        import matplotlib.pyplot as plt

        from ..plotting import use_course_fonts
        from ..train import plot_histories

        use_course_fonts()
        hist = self.histories(seed)
        if self.name == "b" and self.data.get("finder"):
            fig, axes = plt.subplots(1, 4, figsize=(18, 3.9))
            self._plot_finder(axes[0])
            plot_histories(hist, axes=axes[1:])
        else:
            fig = plot_histories(hist)
            fig.set_size_inches(16, 3.9)
            self._plot_snapshots(fig.axes[2], seed)
        # the legend beside the accuracy plot, not on it: the runs' early epochs sit where "best" puts it
        fig.axes[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
        fig.suptitle(i18n.t(f"exp.{self.name}.title"))
        fig.tight_layout()
        return fig

    def _plot_snapshots(self, ax, seed: int | None) -> None:
        """(d): the snapshot ensemble's accuracy at each cycle end, on the accuracy-per-epoch axis."""
        seed = self.settings["seeds"][0] if seed is None else seed
        for r in self.runs:
            snaps = r["history"].get("snapshots") or []
            if r["seed"] != seed or not snaps:
                continue
            spe = r["history"]["steps_per_epoch"] or 1
            ax.plot([x["step"] / spe for x in snaps], [100 * x["ensemble_acc"] for x in snaps], ls="none",
                    marker="*", markersize=11, color="k", label=i18n.t("exp.snap.plot", label=self.label(r)))

    def _plot_finder(self, ax) -> None:
        """(b): the range test's smoothed loss, its recommendation and the hand-picked LR."""
        fr = self.finder_result()
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


# ------------------------------------------------------------------------------------------------
# the results shipped with the course


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
                 minutes=res.training_minutes()))


# ------------------------------------------------------------------------------------------------
# running


def run(name: str, budget: str | None = None, *, seeds: int | None = None, use_cache: bool = True,
        precomputed: bool = True, verbose: bool = True, command: str | None = None,
        progress: bool | None = None) -> ExperimentResult:
    """Run practice experiment ``name`` (``"a"``, ``"b"``, ``"c"`` or ``"d"``) at ``budget`` and return its result.

    ``budget``: ``quick``, ``standard`` or ``full`` (default ``$LRCOURSE_BUDGET``, else standard).
    ``seeds``: number of seeds per run (default by budget). With ``precomputed`` (the default) a
    result in ``data/results/`` with exactly this configuration is returned without training;
    with ``use_cache`` so is one computed before on this machine (``data/cache/``).
    """
    import torch

    s = settings(name, budget, seeds)
    key = config_key(s)
    cache_file = cache_dir() / f"{name}_{s['budget']}_{key}.json"
    known = _known_result(s, key, cache_file, precomputed=precomputed, use_cache=use_cache, verbose=verbose)
    if known is not None:
        return known

    start = time.perf_counter()
    d = _load_data(s)
    total = _steps(s, len(d[0]))
    finder_data = _finder_step(s, d, verbose) if name == "b" else None
    plan = _schedules(s, total, finder_data["used_lr"] if finder_data else None)
    if verbose:
        print(i18n.t("exp.plan", name=name, budget=s["budget"], runs=len(plan) * len(s["seeds"]),
                     epochs=s["epochs"], n_train=len(d[0]), steps=total), flush=True)
    runs, device, precision = _train_runs(s, d, plan, verbose=verbose, progress=progress, use_cache=use_cache)
    out = {
        "format": FORMAT_VERSION, "config_key": key, "settings": s,
        "n_train_used": len(d[0]), "n_test_used": len(d[2]), "total_steps": total,
        "runs": runs, "finder": finder_data,
        "provenance": provenance(
            command or f"python: lrcourse.lessons.l06_practice.run({name!r}, budget={s['budget']!r}, "
                       f"seeds={len(s['seeds'])})",
            time.perf_counter() - start, device or "cpu", precision or "fp32", code=CODE),
    }
    res = ExperimentResult(out, source="run")
    out["summary"] = round_floats(res.summary())
    if res.snapshot_rows():
        out["snapshot_summary"] = round_floats(res.snapshot_rows())
    if use_cache:
        save_json(out, cache_file)
        res.path = str(cache_file)
    torch.set_grad_enabled(True)
    return res


def _known_result(s: dict, key: str, cache_file: Path, *, precomputed: bool, use_cache: bool,
                  verbose: bool) -> ExperimentResult | None:
    """The shipped result (if allowed and of this configuration), else the cached one, else None."""
    name = s["experiment"]
    if precomputed and precomputed_path(name, s["budget"]).is_file():
        res = load_precomputed(name, s["budget"])
        if res.data.get("config_key") == key:
            if verbose:
                _announce_precomputed(res)
            return res
    if use_cache and cache_file.is_file():
        if verbose:
            print(i18n.t("exp.cached", path=cache_file))
        return ExperimentResult(json.loads(cache_file.read_text(encoding="utf-8")), source="cache", path=str(cache_file))
    return None


def _load_data(s: dict):
    from .. import data

    x_tr, y_tr, x_te, y_te = data.load_cifar10()
    x_tr, y_tr = data.subset(x_tr, y_tr, s["n_train"], seed=1234)
    x_te, y_te = data.subset(x_te, y_te, s["n_test"], seed=1234)
    return x_tr, y_tr, x_te, y_te


def _finder_step(s: dict, d, verbose: bool) -> dict:
    """(b): the range test on the practice network of the first seed; its result and the LR used."""
    from ..finder import lr_range_test
    from ..problems import builtin_problem

    fs = s["finder"]
    p = builtin_problem("cifar10", seed=s["seeds"][0], data=d, subset=None, batch_size=fs["batch_size"],
                        widths=tuple(s["widths"]), optimizer=s["optimizer"], momentum=s["momentum"],
                        nesterov=s["nesterov"], weight_decay=s["weight_decay"],
                        label_smoothing=s["label_smoothing"])  # bias LR scale: the recipe's default for SGD
    fr = lr_range_test(p.model, p.optimizer, p.loss_fn, p.batches, start_lr=fs["start_lr"], end_lr=fs["end_lr"],
                       num_iters=fs["num_iters"], progress=None if verbose else False)
    finder_lr = float(f"{fr.recommended:.3g}")
    if verbose:
        print(i18n.t("exp.finder_note", summary=fr.summary()))
    return {"fields": fr.to_dict(), "summary_en": i18n.t("exp.finder_note", language="en", summary=""),
            "recommended": float(fr.recommended), "used_lr": finder_lr}


def _train_runs(s: dict, d, plan, *, verbose: bool, progress: bool | None, use_cache: bool = True):
    """Every (seed, schedule) run of the plan: the runs' records, the device and the precision used.

    Each run gets the settings' recipe (every item of :data:`lrcourse.train.RECIPE`, as recorded)."""
    from .. import train as train_mod

    total = _steps(s, len(d[0]))

    runs = []
    device = precision = None
    n_runs = len(plan) * len(s["seeds"])
    i = 0
    for seed in s["seeds"]:
        for label, values, sched in plan:
            i += 1
            if verbose:
                print(i18n.t("exp.start", i=i, n=n_runs, label=i18n.t(f"exp.label.{label}", **values), seed=seed),
                      flush=True)
            kwargs = dict(epochs=s["epochs"], widths=tuple(s["widths"]), batch_size=s["batch_size"],
                          optimizer=s["optimizer"], **{k: s[k] for k in train_mod.RECIPE},
                          snapshot_steps=_snapshot_steps(s, label, total), seed=seed)
            # one run = one file: the same run in two experiments ((a)'s and (d)'s cosine cycle) trains once
            run_file = cache_dir() / "runs" / (config_key({**kwargs, "schedule": repr(sched), "n_train": s["n_train"],
                                                           "n_test": s["n_test"], "format": FORMAT_VERSION}) + ".json")
            if use_cache and run_file.is_file():
                h = train_mod.History.from_dict(json.loads(run_file.read_text(encoding="utf-8")))
            else:
                h = train_mod.train(sched, data=d, progress=progress, verbose=verbose, **kwargs)
                if use_cache:
                    save_json(round_floats(h.to_dict()), run_file)
            device, precision = h.config["device"], h.config["precision"]
            runs.append({"label": label, "label_values": values, "seed": seed, "schedule": repr(sched),
                         "history": round_floats(h.to_dict())})
    return runs, device, precision


# ------------------------------------------------------------------------------------------------
# command line: lrcourse run a|b|c|d --budget ... (the parser is in lrcourse.cli)


def cli_run(args) -> int:
    """Run (or fetch) one experiment, optionally write its JSON, print its table."""
    command = "lrcourse run " + " ".join(sys.argv[sys.argv.index("run") + 1:]) if "run" in sys.argv else None
    res = run(args.experiment, args.budget, seeds=args.seeds, use_cache=not args.no_cache,
              precomputed=args.precomputed, command=command)
    if args.out:
        save_json(res.data, Path(args.out))
        print(f"-> {args.out}")
    print()
    print(i18n.t(f"exp.{res.name}.title"))
    print(res.table())
    if res.snapshot_table():
        print()
        print(i18n.t("exp.snap.title"))
        print(res.snapshot_table())
    return 0
