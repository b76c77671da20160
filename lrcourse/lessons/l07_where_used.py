"""Support code of lesson 07 (where schedules are used): fine-tuning with per-layer LRs.

ULMFiT (Howard & Ruder 2018, arXiv 1801.06146) fine-tunes a pretrained network with two ideas
besides its slanted triangular schedule:

- *discriminative fine-tuning* (their §3.2): each layer gets its own LR, the layer below the one
  above divided by 2.6 (``η^{l−1} = η^l / 2.6``); fastai writes it ``lr=slice(lo, hi)``, LRs spaced
  geometrically from ``lo`` (first layer group) to ``hi`` (the head) (fastai ``set_hyper``);
- *gradual unfreezing* (their §3.3): train only the last layer for one epoch, then unfreeze one
  more layer per epoch, top down, until all layers train.

:func:`layer_lrs` computes the LRs, :func:`param_groups` turns them into optimizer parameter
groups, and :func:`finetune_comparison` runs both ideas, alone and together, against one LR for
all layers, on lesson 04's forgetting set-up (pretrain on digits 0-4, fine-tune on digits 5-9,
measure what is forgotten of the first task). The messages are in
``lrcourse/locale/l07_where_used.toml`` (keys ``where.*``).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from .. import i18n
from .._runtime import check_choice, check_int, check_positive, single_thread
from ..budget import pick
from .l04_pitfalls import TwoTaskNet, evaluate, pretrain, split_tasks, train_epoch

i18n.load("l07_where_used")

METHODS = ("one", "discriminative", "unfreeze", "both")


def layer_lrs(lr: float, n_layers: int, factor: float = 2.6) -> list[float]:
    """The LR of each layer, first (input side) to last (the head): ``lr / factor^(n−1) … lr``.

    ULMFiT's rule ``η^{l−1} = η^l / factor``. The same as fastai's ``slice(lr / factor^(n−1), lr)``
    over ``n`` parameter groups (LRs spaced geometrically between the two ends).
    """
    lr = check_positive("lr", lr)
    n_layers = check_int("n_layers", n_layers, minimum=1, noun="layers")
    factor = check_positive("factor", factor, noun="factor", example="a factor such as 2.6")
    return [lr / factor ** (n_layers - 1 - i) for i in range(n_layers)]


def _layers(net: TwoTaskNet) -> list[torch.nn.Module]:
    """The layers that fine-tuning on task B trains, first to last: two body layers, then head B."""
    return [net.body[0], net.body[2], net.head_b]


def param_groups(net: TwoTaskNet, lr: float, factor: float = 1.0) -> list[dict]:
    """Optimizer parameter groups for fine-tuning ``net`` on task B, one per layer, with :func:`layer_lrs`.

    ``factor=1`` gives every layer the same LR; ``factor=2.6`` is ULMFiT's discriminative fine-tuning.
    """
    layers = _layers(net)
    return [{"params": list(layer.parameters()), "lr": layer_lr, "name": name}
            for layer, layer_lr, name in zip(layers, layer_lrs(lr, len(layers), factor), ("body.0", "body.2", "head_b"))]


def finetune(net: TwoTaskNet, data, lr: float, method: str, epochs: int, seed: int, factor: float = 2.6,
             batch_size: int = 32, momentum: float = 0.9) -> np.ndarray:
    """Fine-tune a copy of ``net`` on task B; returns (epochs, 2): task A and task B test accuracy after each epoch.

    ``method``: ``"one"`` (one LR for all layers), ``"discriminative"`` (LR ÷ ``factor`` per layer
    down), ``"unfreeze"`` (gradual unfreezing: epoch e trains the top e+1 layers), ``"both"``.
    """
    check_choice("method", method, METHODS)
    net = copy.deepcopy(net)
    gen = torch.Generator().manual_seed(1000 + seed)  # the batch order of lesson 04's fine-tuning
    discriminative = method in ("discriminative", "both")
    opt = torch.optim.SGD(param_groups(net, lr, factor if discriminative else 1.0), lr=lr, momentum=momentum)
    layers = _layers(net)
    curve = np.zeros((epochs, 2))
    for e in range(epochs):
        if method in ("unfreeze", "both"):
            trained = min(len(layers), e + 1)
            for i, layer in enumerate(layers):
                layer.requires_grad_(i >= len(layers) - trained)
        train_epoch(net.forward_b, opt, data.xb, data.yb, batch_size, gen)
        curve[e] = (evaluate(net.forward_a, data.xa_test, data.ya_test)[0],
                    evaluate(net.forward_b, data.xb_test, data.yb_test)[0])
    return curve


@dataclass
class FinetuneComparison:
    """Result of :func:`finetune_comparison`; ``curves``: (methods, lrs, seeds, epochs, 2) accuracies (A, B)."""

    methods: list[str]
    lrs: list[float]
    seeds: list[int]
    factor: float
    acc_a_before: np.ndarray  # (seeds,)
    curves: np.ndarray
    seconds: float

    @property
    def acc_a(self) -> np.ndarray:
        """Task A accuracy after fine-tuning: (methods, lrs, seeds)."""
        return self.curves[..., -1, 0]

    @property
    def acc_b(self) -> np.ndarray:
        """Task B accuracy after fine-tuning: (methods, lrs, seeds)."""
        return self.curves[..., -1, 1]

    def label(self, method: str) -> str:
        return i18n.t(f"where.m.{method}", factor=self.factor)

    def summary(self) -> str:
        epochs = self.curves.shape[3]
        runs = len(self.seeds) * (1 + len(self.methods) * len(self.lrs))
        lines = [i18n.t("where.ft_intro", epochs=epochs, seeds=len(self.seeds), runs=runs, seconds=self.seconds),
                 i18n.t("where.a_before", acc=100 * self.acc_a_before.mean()),
                 i18n.t("where.ft_head", method=i18n.t("where.col_method"), lr=i18n.t("where.col_lr"),
                        a=i18n.t("where.col_a"), b=i18n.t("where.col_b"))]
        for j, lr in enumerate(self.lrs):
            for m, method in enumerate(self.methods):
                a, b = 100 * self.acc_a[m, j], 100 * self.acc_b[m, j]
                lines.append(i18n.t("where.ft_head", method=self.label(method), lr=f"{lr:g}",
                                    a=f"{a.mean():.1f} ± {a.std():.1f}", b=f"{b.mean():.1f} ± {b.std():.1f}"))
        return "\n".join(lines)

    def plot(self):
        """Left: task B against task A after fine-tuning (up and right is better). Right: task A per epoch."""
        from ..plotting import use_course_fonts
        import matplotlib.pyplot as plt

        use_course_fonts()
        fig, (ax_t, ax_c) = plt.subplots(1, 2, figsize=(12, 4.4), constrained_layout=True)
        markers = "osD^"
        for m, method in enumerate(self.methods):
            a, b = 100 * self.acc_a[m].mean(-1), 100 * self.acc_b[m].mean(-1)
            ax_t.plot(b, a, "-", color=f"C{m}", lw=1, alpha=0.6)
            ax_t.plot(b, a, markers[m % 4], color=f"C{m}", ms=7, label=self.label(method))
            for j, lr in enumerate(self.lrs):
                ax_t.annotate(f"{lr:g}", (b[j], a[j]), textcoords="offset points", xytext=(5, 4), fontsize=7)
            epochs = np.arange(self.curves.shape[3] + 1)
            curve = np.concatenate([[self.acc_a_before.mean()], self.curves[m, 0, :, :, 0].mean(0)])
            ax_c.plot(epochs, 100 * curve, "-", marker=markers[m % 4], ms=3, color=f"C{m}", label=self.label(method))
        ax_t.set_title(i18n.t("where.tradeoff_title", n=len(self.seeds)))
        ax_t.set_xlabel(i18n.t("where.b_axis"))
        ax_t.set_ylabel(i18n.t("where.a_axis"))
        ax_c.set_title(i18n.t("where.curve_title", lr=self.lrs[0]))
        ax_c.set_xlabel(i18n.t("where.epoch"))
        ax_c.set_ylabel(i18n.t("where.a_axis_short"))
        for ax in (ax_t, ax_c):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        return fig


def finetune_comparison(lrs: Sequence[float] | None = None, methods: Sequence[str] = METHODS, factor: float = 2.6,
                        pretrain_epochs: int | None = None, finetune_epochs: int | None = None,
                        seeds: Sequence[int] | None = None) -> FinetuneComparison:
    """Lesson 04's forgetting set-up, fine-tuned four ways at each head LR of ``lrs``.

    Pretraining as in :func:`lrcourse.lessons.l04_pitfalls.forgetting` (SGD, LR 0.1, momentum 0.9,
    batch 32); fine-tuning trains body and a fresh head B with SGD at the head LR ``lr`` (the lower
    layers get less with ``"discriminative"``). Budgeted defaults: quick 1 seed, head LR 0.1, 3
    pretraining and 4 fine-tuning epochs; standard 5 seeds (lesson 04's), head LRs 0.1, 0.03 and
    0.01, 10 and 20 epochs (about 10 seconds on a 2-core CPU).
    """
    if lrs is None:
        lrs = pick(quick=(0.1,), standard=(0.1, 0.03, 0.01))
    lrs = [check_positive("lrs", lr) for lr in lrs]
    methods = [check_choice("methods", m, METHODS) for m in methods]
    factor = check_positive("factor", factor, noun="factor", example="a factor such as 2.6")
    pretrain_epochs = check_int("pretrain_epochs", pick(quick=3, standard=10) if pretrain_epochs is None
                                else pretrain_epochs, minimum=1, noun="epochs")
    finetune_epochs = check_int("finetune_epochs", pick(quick=4, standard=20) if finetune_epochs is None
                                else finetune_epochs, minimum=1, noun="epochs")
    if seeds is None:
        seeds = list(range(pick(quick=1, standard=5)))
    if len(seeds) == 0 or len(lrs) == 0 or len(methods) == 0:
        raise ValueError("seeds, lrs and methods must not be empty")
    data = split_tasks()
    before = np.zeros(len(seeds))
    curves = np.zeros((len(methods), len(lrs), len(seeds), finetune_epochs, 2))
    start = time.perf_counter()
    with single_thread():
        for k, seed in enumerate(seeds):
            net = pretrain(seed, data, epochs=pretrain_epochs)
            before[k] = evaluate(net.forward_a, data.xa_test, data.ya_test)[0]
            for m, method in enumerate(methods):
                for j, lr in enumerate(lrs):
                    curves[m, j, k] = finetune(net, data, lr, method, finetune_epochs, seed, factor)
    return FinetuneComparison(list(methods), list(lrs), list(seeds), factor, before, curves,
                              time.perf_counter() - start)
