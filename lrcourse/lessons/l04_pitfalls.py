"""Support code of lesson 04 (PyTorch schedulers): the common scheduling mistakes, each as a small real run.

- :func:`lrs_used`: the learning rate each optimizer update really used, with the scheduler
  stepped after (right) or before (wrong) the optimizer, and the warnings PyTorch gave.
- :func:`step_decay_k_sweep`: step decay's interval ``k`` dropped too early, about right and too
  late, on the digits MLP; the test accuracy and loss it costs, over several seeds.
- :func:`forgetting`: a small network pretrained on one task (digits 0-4) and fine-tuned on
  another (digits 5-9) at the pretraining LR and at smaller ones: how much of the first task
  it forgets, and how well it learns the second. :func:`split_tasks`, :func:`pretrain`,
  :func:`train_epoch` and :func:`evaluate` are its parts, reused by lesson 07's fine-tuning run.
- :func:`adamw_decay`: PyTorch's AdamW multiplies the weights by ``1 − η_t·λ`` at every update
  (``param.mul_(1 - lr * weight_decay)`` in ``torch/optim/adam.py``), so an LR schedule schedules
  the weight decay too; read from a real ``torch.optim.AdamW``, with the EMA view of the weights
  (Wang & Aitchison 2024; Bergsma et al. 2025).
- :func:`update_ratio`: the update-to-weight ratio ``‖Δw‖/‖w‖`` of each layer at each update, for a
  too-low, a good and a too-high LR (CS231n, "Neural Networks Part 3": about 1e-3 is healthy).

All runs are on scikit-learn's digits (offline, real), on the CPU, in seconds to a minute.
The messages are in ``lrcourse/locale/l04_pitfalls.toml`` (keys ``pitfalls.*``).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np
import torch
from torch import nn

from .. import i18n
from .. import schedules as S
from .._runtime import check_int, check_positive, seeded, single_thread
from ..budget import pick

i18n.load("l04_pitfalls")


# --------------------------------------------------------------------------------------------
# 1. The scheduler stepped before the optimizer
# --------------------------------------------------------------------------------------------


def lrs_used(make_scheduler, steps: int, scheduler_first: bool = False, lr: float = 0.1):
    """``(lrs, warning_texts)`` of :func:`lrcourse.schedules.lrs_used` (see there): the LR that each
    update ``t = 0 .. steps-1`` really used, and every warning raised meanwhile."""
    probe = S.lrs_used(make_scheduler, steps, lr=lr, scheduler_first=scheduler_first)
    if probe.error is not None:
        raise probe.error
    return probe.lrs.tolist(), probe.warnings


# --------------------------------------------------------------------------------------------
# Shared training helpers (digits, minibatch SGD with momentum)
# --------------------------------------------------------------------------------------------


# The runs below use one CPU thread (``single_thread``): faster than several for these tiny
# networks, and kinder to a shared CPU.


def train_epoch(forward, opt, x, y, batch_size, gen):
    """One epoch of minibatch SGD on ``forward`` (a model or one head of :class:`TwoTaskNet`)."""
    perm = torch.randperm(len(x), generator=gen)
    for i in range(0, len(x), batch_size):
        idx = perm[i : i + batch_size]
        loss = nn.functional.cross_entropy(forward(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


@torch.no_grad()
def evaluate(forward, x, y) -> tuple[float, float]:
    logits = forward(x)
    return (logits.argmax(1) == y).float().mean().item(), nn.functional.cross_entropy(logits, y).item()


# --------------------------------------------------------------------------------------------
# 2. Step decay's k badly tuned
# --------------------------------------------------------------------------------------------


@dataclass
class KSweep:
    """Result of :func:`step_decay_k_sweep`: one row per ``k``, one column per seed."""

    ks: list[int]
    epochs: int
    gamma: float
    lr: float
    seeds: list[int]
    accuracy: np.ndarray  # (len(ks), len(seeds)), fraction in [0, 1]
    test_loss: np.ndarray  # (len(ks), len(seeds))
    seconds: float

    def drops(self, k: int) -> list[int]:
        """The epochs after which StepLR(step_size=k) divides the LR, within the run."""
        return list(range(k, self.epochs, k))

    def label(self, k: int) -> str:
        return f"{k}" if self.drops(k) else f"{k} ({i18n.t('pitfalls.k_never')})"

    def best_k(self) -> int:
        return self.ks[int(np.argmax(self.accuracy.mean(1)))]

    def table(self) -> str:
        head = i18n.t(
            "pitfalls.k_table_head", k="k", acc=i18n.t("pitfalls.test_acc"), loss=i18n.t("pitfalls.test_loss")
        )
        rows = [head]
        for k, acc, loss in zip(self.ks, self.accuracy, self.test_loss):
            drops = self.drops(k)
            where = ", ".join(map(str, drops[:6])) + (" ..." if len(drops) > 6 else "") if drops else "-"
            rows.append(f"{self.label(k):>8s} {100 * acc.mean():10.2f} ± {100 * acc.std():4.2f} {loss.mean():10.3f}   {where}")
        rows.append(i18n.t("pitfalls.took", runs=self.accuracy.size, seconds=self.seconds))
        return "\n".join(rows)

    def plot(self):
        """Test accuracy and loss against k (every seed as a dot, the mean as a line)."""
        from ..plotting import use_course_fonts
        import matplotlib.pyplot as plt

        use_course_fonts()
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
        x = np.arange(len(self.ks))
        for ax, values, ylabel, scale in (
            (axes[0], self.accuracy, i18n.t("pitfalls.test_acc"), 100.0),
            (axes[1], self.test_loss, i18n.t("pitfalls.test_loss"), 1.0),
        ):
            if values.shape[1] == 1:
                ax.plot(x, scale * values[:, 0], "-o", color="C0", lw=2, label=i18n.t("pitfalls.one_seed"))
            else:
                for j in range(values.shape[1]):
                    ax.plot(x, scale * values[:, j], "o", color="0.6", ms=4, label=i18n.t("pitfalls.one_seed") if j == 0 else None)
                ax.plot(x, scale * values.mean(1), "-o", color="C0", lw=2, label=i18n.t("pitfalls.mean_seeds", n=values.shape[1]))
            ax.set_xticks(x, [self.label(k) for k in self.ks])
            ax.set_xlabel(i18n.t("pitfalls.k_axis", gamma=self.gamma, epochs=self.epochs))
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle(i18n.t("pitfalls.k_title"))
        return fig


def step_decay_k_sweep(
    ks: Sequence[int] | None = None,
    epochs: int | None = None,
    lr: float = 0.1,
    gamma: float = 0.1,
    batch_size: int = 8,
    seeds: Sequence[int] | None = None,
    momentum: float = 0.9,
) -> KSweep:
    """Train the digits MLP with SGD + ``StepLR(step_size=k, gamma)`` stepped once per epoch, for each k.

    Defaults are budgeted: quick runs 4 epochs, 3 values of k and one seed (the code path, not the
    claim); standard runs 20 epochs, 6 values of k and 5 seeds (about a minute on a laptop CPU).
    Returns a :class:`KSweep` (``.table()``, ``.plot()``).
    """
    from ..data import digits
    from ..models import digits_mlp

    if epochs is None:
        epochs = pick(quick=4, standard=20)
    epochs = check_int("epochs", epochs, minimum=1, noun="epochs")
    check_positive("lr", lr)
    batch_size = check_int("batch_size", batch_size, minimum=1, noun="examples")
    if not 0 < gamma < 1:
        raise ValueError(f"gamma={gamma!r} must be in (0, 1): the factor the LR is multiplied by at each drop")
    if ks is None:
        ks = pick(quick=[1, 2, epochs], standard=[1, 3, 6, epochs * 2 // 3, epochs - 2, epochs])
        ks = sorted({max(1, k) for k in ks})
    if seeds is None:
        seeds = list(range(pick(quick=1, standard=5)))
    ks = [int(k) for k in ks]
    for k in ks:
        check_int("k", k, minimum=1, noun="epochs")
    x_tr, y_tr, x_te, y_te = digits()
    acc = np.zeros((len(ks), len(seeds)))
    loss = np.zeros_like(acc)
    start = time.perf_counter()
    with single_thread():
        for i, k in enumerate(ks):
            for j, seed in enumerate(seeds):
                model = digits_mlp(seed=seed)
                opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
                sched = torch.optim.lr_scheduler.StepLR(opt, step_size=k, gamma=gamma)
                gen = torch.Generator().manual_seed(seed)
                for _ in range(epochs):
                    train_epoch(model, opt, x_tr, y_tr, batch_size, gen)
                    sched.step()  # per-epoch scheduler: once after each epoch
                acc[i, j], loss[i, j] = evaluate(model, x_te, y_te)
    return KSweep(ks, epochs, gamma, lr, list(seeds), acc, loss, time.perf_counter() - start)


# --------------------------------------------------------------------------------------------
# 3. Fine-tuning at the pretraining LR: catastrophic forgetting
# --------------------------------------------------------------------------------------------


class TwoTaskNet(nn.Module):
    """A shared body (64 -> hidden -> hidden, ReLU) with one 5-way head per task."""

    def __init__(self, hidden: int = 64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head_a = nn.Linear(hidden, 5)
        self.head_b = nn.Linear(hidden, 5)

    def forward_a(self, x):
        return self.head_a(self.body(x))

    def forward_b(self, x):
        return self.head_b(self.body(x))


class TaskData(NamedTuple):
    """Digits 0-4 (task A) and digits 5-9 (task B, labels shifted to 0-4), train and test."""

    xa: torch.Tensor
    ya: torch.Tensor
    xa_test: torch.Tensor
    ya_test: torch.Tensor
    xb: torch.Tensor
    yb: torch.Tensor
    xb_test: torch.Tensor
    yb_test: torch.Tensor


def split_tasks() -> TaskData:
    """The two tasks of the forgetting set-up, from scikit-learn's digits (lrcourse.data.digits)."""
    from ..data import digits

    x_tr, y_tr, x_te, y_te = digits()
    a_tr, a_te = y_tr < 5, y_te < 5
    return TaskData(x_tr[a_tr], y_tr[a_tr], x_te[a_te], y_te[a_te],
                    x_tr[~a_tr], y_tr[~a_tr] - 5, x_te[~a_te], y_te[~a_te] - 5)


def pretrain(seed: int, data: TaskData, lr: float = 0.1, epochs: int = 10, batch_size: int = 32,
             momentum: float = 0.9) -> TwoTaskNet:
    """A :class:`TwoTaskNet` (initial weights and batch order from ``seed``) trained on task A with SGD."""
    net = seeded(seed, TwoTaskNet)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(list(net.body.parameters()) + list(net.head_a.parameters()), lr=lr, momentum=momentum)
    for _ in range(epochs):
        train_epoch(net.forward_a, opt, data.xa, data.ya, batch_size, gen)
    return net


@dataclass
class Forgetting:
    """Result of :func:`forgetting`. Accuracies are fractions; ``curves_*`` are per fine-tuning epoch."""

    pretrain_lr: float
    finetune_lrs: list[float]
    seeds: list[int]
    acc_a_before: np.ndarray  # (len(seeds),)
    acc_a_after: np.ndarray  # (len(lrs), len(seeds))
    acc_b_after: np.ndarray  # (len(lrs), len(seeds))
    curves_a: np.ndarray  # (len(lrs), len(seeds), epochs + 1), epoch 0 = before fine-tuning
    curves_b: np.ndarray
    seconds: float

    def _label(self, lr: float) -> str:
        note = i18n.t("pitfalls.pretrain_note") if lr == self.pretrain_lr else ""
        return i18n.t("pitfalls.ft_label", lr=lr, note=note)

    def table(self) -> str:
        rows = [
            i18n.t(
                "pitfalls.forget_head",
                lr=i18n.t("pitfalls.col_lr"),
                a0=i18n.t("pitfalls.col_a0"),
                a1=i18n.t("pitfalls.col_a1"),
                b=i18n.t("pitfalls.col_b"),
            )
        ]
        for lr, a1, b in zip(self.finetune_lrs, self.acc_a_after, self.acc_b_after):
            rows.append(
                f"{lr:>10g} {100 * self.acc_a_before.mean():11.1f}% {100 * a1.mean():11.1f}% {100 * b.mean():11.1f}%"
            )
        seeds = i18n.t("pitfalls.mean_seeds", n=len(self.seeds)) if len(self.seeds) > 1 else i18n.t("pitfalls.one_seed")
        runs = len(self.seeds) * (1 + len(self.finetune_lrs))
        rows.append(seeds + "  " + i18n.t("pitfalls.took", runs=runs, seconds=self.seconds))
        return "\n".join(rows)

    def plot(self):
        """Task A and task B test accuracy over the fine-tuning epochs, one line per fine-tuning LR."""
        from ..plotting import use_course_fonts
        import matplotlib.pyplot as plt

        use_course_fonts()
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True, sharey=True)
        epochs = np.arange(self.curves_a.shape[2])
        for i, lr in enumerate(self.finetune_lrs):
            style = dict(color=f"C{i}", lw=2, marker="o", ms=3, label=self._label(lr))
            axes[0].plot(epochs, 100 * self.curves_a[i].mean(0), **style)
            axes[1].plot(epochs, 100 * self.curves_b[i].mean(0), **style)
        for ax, key in ((axes[0], "pitfalls.forget_title_a"), (axes[1], "pitfalls.forget_title_b")):
            ax.set_title(i18n.t(key))
            ax.set_xlabel(i18n.t("pitfalls.finetune_epoch"))
            ax.grid(alpha=0.3)
        seeds = i18n.t("pitfalls.mean_seeds", n=len(self.seeds)) if len(self.seeds) > 1 else i18n.t("pitfalls.one_seed")
        axes[0].set_ylabel(i18n.t("pitfalls.accuracy") + " — " + seeds)
        axes[1].legend(loc="lower right")
        return fig


def forgetting(
    finetune_lrs: Sequence[float] | None = None,
    pretrain_lr: float = 0.1,
    pretrain_epochs: int | None = None,
    finetune_epochs: int | None = None,
    seeds: Sequence[int] | None = None,
    batch_size: int = 32,
    momentum: float = 0.9,
) -> Forgetting:
    """Pretrain :class:`TwoTaskNet` on digits 0-4 (task A), then fine-tune it on digits 5-9 (task B).

    Fine-tuning trains the whole body and a fresh head B (as one fine-tunes a pretrained network
    on a new task) with constant SGD at each LR of ``finetune_lrs`` (default: the pretraining LR,
    1/10 and 1/100 of it). Task A's accuracy is then measured with its own, untouched head on the
    changed body: what the network has forgotten. Budgeted defaults: quick 1 seed, 3 pretraining
    and 3 fine-tuning epochs (the code path); standard 5 seeds, 10 and 20 epochs (about a minute).
    """
    check_positive("pretrain_lr", pretrain_lr)
    if pretrain_epochs is None:
        pretrain_epochs = pick(quick=3, standard=10)
    pretrain_epochs = check_int("pretrain_epochs", pretrain_epochs, minimum=1, noun="epochs")
    batch_size = check_int("batch_size", batch_size, minimum=1, noun="examples")
    if finetune_lrs is None:
        finetune_lrs = [pretrain_lr, pretrain_lr / 10, pretrain_lr / 100]
    for lr in finetune_lrs:
        check_positive("finetune_lrs", lr)
    if finetune_epochs is None:
        finetune_epochs = pick(quick=3, standard=20)
    finetune_epochs = check_int("finetune_epochs", finetune_epochs, minimum=1, noun="epochs")
    if seeds is None:
        seeds = list(range(pick(quick=1, standard=5)))

    data = split_tasks()

    n_lr, n_seed = len(finetune_lrs), len(seeds)
    before = np.zeros(n_seed)
    curves_a = np.zeros((n_lr, n_seed, finetune_epochs + 1))
    curves_b = np.zeros_like(curves_a)
    start = time.perf_counter()
    with single_thread():
        _pretrain_and_finetune(
            seeds, finetune_lrs, pretrain_lr, pretrain_epochs, finetune_epochs, batch_size, momentum,
            data, before, curves_a, curves_b,
        )
    return Forgetting(
        pretrain_lr,
        [float(lr) for lr in finetune_lrs],
        list(seeds),
        before,
        curves_a[:, :, -1].copy(),
        curves_b[:, :, -1].copy(),
        curves_a,
        curves_b,
        time.perf_counter() - start,
    )


def _pretrain_and_finetune(seeds, finetune_lrs, pretrain_lr, pretrain_epochs, finetune_epochs, batch_size, momentum,
                           data, before, curves_a, curves_b):
    xa, ya, xa_te, ya_te, xb, yb, xb_te, yb_te = data
    for j, seed in enumerate(seeds):
        net = pretrain(seed, data, pretrain_lr, pretrain_epochs, batch_size, momentum)
        before[j] = evaluate(net.forward_a, xa_te, ya_te)[0]
        for i, lr in enumerate(finetune_lrs):
            tuned = copy.deepcopy(net)
            gen = torch.Generator().manual_seed(1000 + seed)
            params_b = list(tuned.body.parameters()) + list(tuned.head_b.parameters())
            opt = torch.optim.SGD(params_b, lr=lr, momentum=momentum)
            curves_a[i, j, 0] = before[j]
            curves_b[i, j, 0] = evaluate(tuned.forward_b, xb_te, yb_te)[0]
            for e in range(finetune_epochs):
                train_epoch(tuned.forward_b, opt, xb, yb, batch_size, gen)
                curves_a[i, j, e + 1] = evaluate(tuned.forward_a, xa_te, ya_te)[0]
                curves_b[i, j, e + 1] = evaluate(tuned.forward_b, xb_te, yb_te)[0]


# --------------------------------------------------------------------------------------------
# 4. AdamW's weight decay is multiplied by the current LR: a schedule schedules it too
# --------------------------------------------------------------------------------------------


@dataclass
class AdamWDecay:
    """Result of :func:`adamw_decay`: per update, the LR used and the measured shrink of ‖w‖.

    ``lrs[kind]`` and ``shrink[kind]`` (kind: ``"constant"``, ``"cosine"``) come from a real
    ``torch.optim.AdamW`` whose gradients are all zero, so the only change is the weight decay:
    ``shrink_t = 1 − ‖w_{t+1}‖/‖w_t‖``. ``adam_l2_shrink`` is the same for ``torch.optim.Adam``
    with ``weight_decay`` (an L2 term added to the gradient) at the constant LR.
    """

    lr: float
    weight_decay: float
    steps: int
    lrs: dict[str, np.ndarray]
    shrink: dict[str, np.ndarray]
    adam_l2_shrink: np.ndarray

    def max_error(self, kind: str) -> float:
        """The largest ``|shrink_t − η_t·λ|`` over the run: 0 up to rounding if the decay is LR-scaled."""
        return float(np.max(np.abs(self.shrink[kind] - self.lrs[kind] * self.weight_decay)))

    def remaining(self, kind: str) -> float:
        """``‖w_N‖/‖w_0‖ = Π (1 − η_t·λ)``: how much of the initial weights is left after the run."""
        return float(np.prod(1.0 - self.shrink[kind]))

    def contributions(self, kind: str) -> np.ndarray:
        """The weight of update t in the final weights, ``η_t·Π_{s>t}(1 − η_s·λ)``, normalised to sum 1.

        AdamW is linear in w: ``w_{t+1} = (1 − η_t λ)·w_t − η_t·u_t``, so the final weights are
        ``Π(1 − η_t λ)·w_0`` plus a weighted sum of the Adam directions u_t with these weights:
        an exponential moving average of the updates (Wang & Aitchison 2024).
        """
        keep = 1.0 - self.lrs[kind] * self.weight_decay
        after = np.concatenate([np.cumprod(keep[::-1])[::-1][1:], [1.0]])  # Π_{s>t}(1 − η_s λ)
        weights = self.lrs[kind] * after
        return weights / weights.sum()

    def recent_share(self, kind: str, last: int) -> float:
        """The share of the final weights (from updates) contributed by the last ``last`` updates."""
        return float(self.contributions(kind)[-last:].sum())

    def summary(self) -> str:
        tau = 1.0 / (self.lr * self.weight_decay)
        lines = [i18n.t("pitfalls.adamw.intro", lr=self.lr, wd=self.weight_decay, steps=self.steps, tau=tau),
                 i18n.t("pitfalls.adamw.head", kind=i18n.t("pitfalls.adamw.col_kind"),
                        err=i18n.t("pitfalls.adamw.col_err"), left=i18n.t("pitfalls.adamw.col_left"),
                        share=i18n.t("pitfalls.adamw.col_share", n=f"{int(tau):,}"))]
        for kind in self.lrs:
            lines.append(i18n.t("pitfalls.adamw.head", kind=i18n.t(f"pitfalls.adamw.{kind}"),
                                err=f"{self.max_error(kind):.1e}", left=f"{self.remaining(kind):.3f}",
                                share=f"{self.recent_share(kind, int(tau)):.2f}"))
        first = self.adam_l2_shrink[0]
        lines.append(i18n.t("pitfalls.adamw.l2", first=first, want=self.lr * self.weight_decay,
                            ratio=first / (self.lr * self.weight_decay)))
        return "\n".join(lines)

    def plot(self):
        """Left: the measured shrink per update against η_t·λ. Right: the EMA weights of the updates."""
        from ..plotting import use_course_fonts
        import matplotlib.pyplot as plt

        use_course_fonts()
        fig, (ax_s, ax_c) = plt.subplots(1, 2, figsize=(12, 4), constrained_layout=True)
        t = np.arange(self.steps)
        every = max(1, self.steps // 40)
        for i, kind in enumerate(self.lrs):
            name = i18n.t(f"pitfalls.adamw.{kind}")
            ax_s.plot(t, self.lrs[kind] * self.weight_decay, color=f"C{i}", lw=2,
                      label=i18n.t("pitfalls.adamw.eta_lambda", kind=name))
            ax_s.plot(t[::every], self.shrink[kind][::every], "o", color=f"C{i}", ms=4, mfc="none",
                      label=i18n.t("pitfalls.adamw.measured", kind=name))
            ax_c.plot(t, self.contributions(kind), color=f"C{i}", lw=2, label=name)
        ax_s.set_title(i18n.t("pitfalls.adamw.shrink_title"))
        ax_s.set_ylabel(i18n.t("pitfalls.adamw.shrink_axis"))
        ax_c.set_title(i18n.t("pitfalls.adamw.ema_title"))
        ax_c.set_ylabel(i18n.t("pitfalls.adamw.ema_axis"))
        for ax in (ax_s, ax_c):
            ax.set_xlabel(i18n.t("plot.step"))
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        return fig


def _decay_only(optimizer_class, lr: float, weight_decay: float, steps: int, cosine: bool, seed: int = 0):
    """Run ``steps`` updates with zero gradients; return (LR used, 1 − ‖w_{t+1}‖/‖w_t‖) per update."""
    w = nn.Parameter(seeded(seed, lambda: torch.randn(10, 64, dtype=torch.float64)))
    opt = optimizer_class([w], lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if cosine else None
    lrs, shrink = np.zeros(steps), np.zeros(steps)
    for t in range(steps):
        lrs[t] = opt.param_groups[0]["lr"]
        before = float(w.detach().norm())
        w.grad = torch.zeros_like(w)  # no loss: whatever changes w is the weight decay
        opt.step()
        if sched is not None:
            sched.step()
        shrink[t] = 1.0 - float(w.detach().norm()) / before
    return lrs, shrink


def adamw_decay(lr: float = 1e-3, weight_decay: float = 0.1, steps: int | None = None) -> AdamWDecay:
    """How much ``torch.optim.AdamW`` shrinks the weights at each update, under a constant LR and cosine.

    The gradients are zero, so each update only applies the decoupled weight decay; PyTorch
    multiplies it by the current LR (``param.mul_(1 - lr * weight_decay)``), and the measured
    shrink equals ``η_t·λ`` to rounding. ``torch.optim.Adam(weight_decay=λ)`` is run for
    comparison: its L2 term goes through Adam's normalisation. Defaults: η = 1e-3, λ = 0.1, so the
    EMA timescale 1/(η·λ) is 10,000 updates; steps: quick 3,000, standard 30,000 (seconds).
    """
    check_positive("lr", lr)
    check_positive("weight_decay", weight_decay, noun="weight decay", example="a weight decay such as 0.1")
    if steps is None:
        steps = pick(quick=3000, standard=30_000)
    steps = check_int("steps", steps, minimum=2)
    if lr * weight_decay >= 1:
        raise ValueError(f"lr * weight_decay = {lr * weight_decay:g} must be < 1 (each update multiplies w by 1 - lr*wd)")
    lrs, shrink = {}, {}
    with single_thread():
        for kind in ("constant", "cosine"):
            lrs[kind], shrink[kind] = _decay_only(torch.optim.AdamW, lr, weight_decay, steps, kind == "cosine")
        _, l2 = _decay_only(torch.optim.Adam, lr, weight_decay, min(steps, 100), cosine=False)
    return AdamWDecay(lr, weight_decay, steps, lrs, shrink, l2)


# --------------------------------------------------------------------------------------------
# 5. The update-to-weight ratio ‖Δw‖/‖w‖ as a diagnostic of the LR
# --------------------------------------------------------------------------------------------


@dataclass
class UpdateRatio:
    """Result of :func:`update_ratio`. ``ratios``: (lrs, seeds, steps, layers) of ‖Δw‖/‖w‖."""

    lrs: list[float]
    seeds: list[int]
    layers: list[int]  # the layer numbers, 1 = the first Linear layer
    ratios: np.ndarray
    losses: np.ndarray  # (lrs, seeds, steps): the training loss of each mini-batch
    accuracy: np.ndarray  # (lrs, seeds): test accuracy at the end
    momentum: float
    seconds: float

    def median(self, i: int, layer: int, first: int | None = None) -> float:
        """Median ratio of LR ``i`` and ``layer``: over the second half of the run, or over its ``first`` updates."""
        r = self.ratios[i, :, :, layer]
        r = r[:, :first] if first else r[:, r.shape[1] // 2:]
        return float(np.median(r))

    def stopped(self, i: int) -> int:
        """How many seeds of LR ``i`` ended with every layer's ratio at 0: the weights no longer move."""
        return int((self.ratios[i, :, -1, :] == 0).all(axis=1).sum())

    def layer_name(self, k: int) -> str:
        return i18n.t("pitfalls.ratio.layer", k=self.layers[k])

    def summary(self) -> str:
        names = " / ".join(self.layer_name(k) for k in range(len(self.layers)))
        lines = [i18n.t("pitfalls.ratio.intro", steps=self.ratios.shape[2], momentum=self.momentum,
                        seeds=len(self.seeds), seconds=self.seconds),
                 i18n.t("pitfalls.ratio.head", lr="LR", late=i18n.t("pitfalls.ratio.col_late", layers=names),
                        early=i18n.t("pitfalls.ratio.col_early"), acc=i18n.t("pitfalls.test_acc"))]
        for i, lr in enumerate(self.lrs):
            late = " / ".join(f"{self.median(i, k):.1e}" for k in range(len(self.layers)))
            early = " / ".join(f"{self.median(i, k, first=10):.1e}" for k in range(len(self.layers)))
            lines.append(i18n.t("pitfalls.ratio.head", lr=f"{lr:g}", late=late, early=early,
                                acc=f"{100 * self.accuracy[i].mean():.1f}"))
            if self.stopped(i):
                lines.append("      " + i18n.t("pitfalls.ratio.stopped", n=self.stopped(i), seeds=len(self.seeds)))
        return "\n".join(lines)

    def plot(self):
        """Left: ‖Δw‖/‖w‖ per update (first seed; solid first layer, dashed last). Right: the loss."""
        from ..plotting import use_course_fonts
        import matplotlib.pyplot as plt

        use_course_fonts()
        fig, (ax_r, ax_l) = plt.subplots(1, 2, figsize=(12, 4), constrained_layout=True)
        t = np.arange(1, self.ratios.shape[2] + 1)
        for i, lr in enumerate(self.lrs):
            for k, style in zip(range(len(self.layers)), ("-", "--", ":")):
                r = self.ratios[i, 0, :, k].copy()
                r[r <= 0] = np.nan  # a dead network (ratio 0) cannot be drawn on a log axis
                ax_r.plot(t, r, style, color=f"C{i}", lw=1.2,
                          label=f"LR {lr:g}, {self.layer_name(k)}")
            smooth = np.convolve(self.losses[i].mean(0), np.ones(10) / 10, mode="valid")
            ax_l.plot(t[9:], smooth, color=f"C{i}", lw=1.8, label=f"LR {lr:g}")
        ax_r.axhline(1e-3, color="k", lw=1, alpha=0.6)
        ax_r.text(t[-1], 1.15e-3, "1e-3 (CS231n)", ha="right", va="bottom", fontsize=8)
        ax_r.set_yscale("log")
        ax_r.set_ylim(1e-7, 1.5)
        ax_r.set_title(i18n.t("pitfalls.ratio.title"))
        ax_r.set_ylabel("‖Δw‖ / ‖w‖")
        ax_l.set_title(i18n.t("pitfalls.ratio.loss_title"))
        ax_l.set_ylabel(i18n.t("pitfalls.ratio.loss_axis"))
        for ax in (ax_r, ax_l):
            ax.set_xlabel(i18n.t("plot.step"))
            ax.grid(alpha=0.3, which="both")
            ax.legend(fontsize=7)
        return fig


def update_ratio(lrs: Sequence[float] = (1e-4, 1e-2, 1.0), steps: int | None = None,
                 seeds: Sequence[int] | None = None, momentum: float = 0.9, batch_size: int = 32) -> UpdateRatio:
    """Train the digits MLP with SGD at each LR and log ``‖w_{t+1} − w_t‖ / ‖w_t‖`` for each layer's weights.

    The update is the real change of the weights (momentum included), not the raw gradient, as
    CS231n asks. Defaults: a too-low (1e-4), a good (1e-2) and a too-high (1.0) LR for SGD with
    momentum 0.9; budgeted: quick 100 updates and 1 seed, standard 600 updates and 3 seeds (seconds).
    """
    from ..data import digits
    from ..models import digits_mlp

    lrs = [check_positive("lrs", lr) for lr in lrs]
    if steps is None:
        steps = pick(quick=100, standard=600)
    steps = check_int("steps", steps, minimum=10)
    if seeds is None:
        seeds = list(range(pick(quick=1, standard=3)))
    batch_size = check_int("batch_size", batch_size, minimum=1, noun="examples")
    x_tr, y_tr, x_te, y_te = digits()
    ratios = np.zeros((len(lrs), len(seeds), steps, 2))
    losses = np.zeros((len(lrs), len(seeds), steps))
    accuracy = np.zeros((len(lrs), len(seeds)))
    start = time.perf_counter()
    with single_thread():
        for i, lr in enumerate(lrs):
            for j, seed in enumerate(seeds):
                model = digits_mlp(seed=seed)
                weights = [model[0].weight, model[2].weight]
                opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
                gen = torch.Generator().manual_seed(seed)
                for t in range(steps):
                    idx = torch.randint(len(x_tr), (batch_size,), generator=gen)
                    loss = nn.functional.cross_entropy(model(x_tr[idx]), y_tr[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    before = [w.detach().clone() for w in weights]
                    opt.step()
                    ratios[i, j, t] = [float((w.detach() - b).norm() / b.norm()) for w, b in zip(weights, before)]
                    losses[i, j, t] = loss.item()
                accuracy[i, j] = evaluate(model, x_te, y_te)[0]
    return UpdateRatio(lrs, list(seeds), [1, 2], ratios, losses, accuracy, momentum, time.perf_counter() - start)
