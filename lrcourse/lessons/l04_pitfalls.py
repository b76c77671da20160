"""Support code of lesson 04 (PyTorch schedulers): the common scheduling mistakes, each as a small real run.

- :func:`lrs_used`: the learning rate each optimizer update really used, with the scheduler
  stepped after (right) or before (wrong) the optimizer, and the warnings PyTorch gave.
- :func:`step_decay_k_sweep`: step decay's interval ``k`` dropped too early, about right and too
  late, on the digits MLP; the test accuracy and loss it costs, over several seeds.
- :func:`forgetting`: a small network pretrained on one task (digits 0-4) and fine-tuned on
  another (digits 5-9) at the pretraining LR and at smaller ones: how much of the first task
  it forgets, and how well it learns the second.

All runs are on scikit-learn's digits (offline, real), on the CPU, in seconds to a minute.
The messages are in ``lrcourse/locale/l04_pitfalls.toml`` (keys ``pitfalls.*``).
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .. import i18n
from .._runtime import check_int, check_positive, seeded, single_thread
from ..budget import pick

i18n.load("l04_pitfalls")


# --------------------------------------------------------------------------------------------
# 1. The scheduler stepped before the optimizer
# --------------------------------------------------------------------------------------------


def lrs_used(
    make_scheduler: Callable[[torch.optim.Optimizer], object],
    steps: int,
    scheduler_first: bool = False,
    lr: float = 0.1,
) -> tuple[list[float], list[str]]:
    """Run ``steps`` updates of a one-parameter SGD optimizer driven by ``make_scheduler(opt)``.

    Returns ``(lrs, warning_texts)``: the LR that each update ``t = 0 .. steps-1`` really used,
    and the text of every warning raised meanwhile. ``scheduler_first=False`` is the right order
    (``optimizer.step()`` then ``scheduler.step()``); ``True`` is the mistake.
    """
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r} must be a positive int")
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)
    used: list[float] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched = make_scheduler(opt)
        for _ in range(steps):
            param.grad = torch.ones_like(param)
            if scheduler_first:
                sched.step()
            used.append(opt.param_groups[0]["lr"])  # the LR the coming update reads
            opt.step()
            if not scheduler_first:
                sched.step()
    return used, [str(w.message) for w in caught]


# --------------------------------------------------------------------------------------------
# Shared training helpers (digits, minibatch SGD with momentum)
# --------------------------------------------------------------------------------------------


# The runs below use one CPU thread (``single_thread``): faster than several for these tiny
# networks, and kinder to a shared CPU.


def _epoch(forward, opt, x, y, batch_size, gen):
    """One epoch of minibatch SGD on ``forward`` (a model or one head of :class:`TwoTaskNet`)."""
    perm = torch.randperm(len(x), generator=gen)
    for i in range(0, len(x), batch_size):
        idx = perm[i : i + batch_size]
        loss = nn.functional.cross_entropy(forward(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


@torch.no_grad()
def _evaluate(forward, x, y) -> tuple[float, float]:
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
                    _epoch(model, opt, x_tr, y_tr, batch_size, gen)
                    sched.step()  # per-epoch scheduler: once after each epoch
                acc[i, j], loss[i, j] = _evaluate(model, x_te, y_te)
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
    from ..data import digits

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

    x_tr, y_tr, x_te, y_te = digits()
    a_tr, a_te = y_tr < 5, y_te < 5
    xa, ya, xa_te, ya_te = x_tr[a_tr], y_tr[a_tr], x_te[a_te], y_te[a_te]
    xb, yb, xb_te, yb_te = x_tr[~a_tr], y_tr[~a_tr] - 5, x_te[~a_te], y_te[~a_te] - 5

    n_lr, n_seed = len(finetune_lrs), len(seeds)
    before = np.zeros(n_seed)
    curves_a = np.zeros((n_lr, n_seed, finetune_epochs + 1))
    curves_b = np.zeros_like(curves_a)
    start = time.perf_counter()
    with single_thread():
        _pretrain_and_finetune(
            seeds, finetune_lrs, pretrain_lr, pretrain_epochs, finetune_epochs, batch_size, momentum,
            (xa, ya, xa_te, ya_te, xb, yb, xb_te, yb_te), before, curves_a, curves_b,
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
        net = seeded(seed, TwoTaskNet)
        gen = torch.Generator().manual_seed(seed)
        params_a = list(net.body.parameters()) + list(net.head_a.parameters())
        opt = torch.optim.SGD(params_a, lr=pretrain_lr, momentum=momentum)
        for _ in range(pretrain_epochs):
            _epoch(net.forward_a, opt, xa, ya, batch_size, gen)
        before[j] = _evaluate(net.forward_a, xa_te, ya_te)[0]
        for i, lr in enumerate(finetune_lrs):
            tuned = copy.deepcopy(net)
            gen = torch.Generator().manual_seed(1000 + seed)
            params_b = list(tuned.body.parameters()) + list(tuned.head_b.parameters())
            opt = torch.optim.SGD(params_b, lr=lr, momentum=momentum)
            curves_a[i, j, 0] = before[j]
            curves_b[i, j, 0] = _evaluate(tuned.forward_b, xb_te, yb_te)[0]
            for e in range(finetune_epochs):
                _epoch(tuned.forward_b, opt, xb, yb, batch_size, gen)
                curves_a[i, j, e + 1] = _evaluate(tuned.forward_a, xa_te, ya_te)[0]
                curves_b[i, j, e + 1] = _evaluate(tuned.forward_b, xb_te, yb_te)[0]
