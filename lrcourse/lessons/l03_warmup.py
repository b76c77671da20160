"""Support code of lesson 03 (warmup): a real Transformer trained with and without warmup, and Adam's state.

- the task and the model: :func:`sorting_batch` (sort a list of digits, next-token prediction) and
  :func:`tiny_transformer` (a small causal Transformer, post-LN by default);
- :func:`train_sorting`: one training run under a schedule (Adam, or RAdam);
- :func:`warmup_comparison`, :func:`with_radam`, :func:`warmup_sweep`: the same Transformer with and
  without warmup over several seeds (and peak LRs), and RAdam without warmup;
- :func:`adam_effective_lr_trace`: Adam's per-parameter step ``lr/(√v̂ + ε)`` read from the
  optimizer state after every update, the reason warmup helps Adam.

Every text a learner sees goes through :mod:`lrcourse.i18n`; the messages are in
``lrcourse/locale/l03_warmup.toml`` (keys ``demos.*``, and ``l03.*`` for the lines that
notebook 03 prints itself).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .. import i18n
from .. import schedules as S
from .._runtime import seeded, use_one_thread
from ..budget import pick

i18n.load("l03_warmup")


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

    return seeded(seed, TinyTransformer)


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

    use_one_thread()
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

        from ..plotting import use_course_fonts

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
        head = f"{i18n.t('l03.col_peak'):>9} " + " ".join(f"{lab:>34}" for lab in labels)
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

        from ..plotting import use_course_fonts

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
        rows = [f"{'t':>5} {i18n.t('l03.col_median'):>18} {'5%':>10} {'95%':>10} {i18n.t('l03.col_raw'):>14} "
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

        from ..plotting import use_course_fonts

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

    use_one_thread()
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
