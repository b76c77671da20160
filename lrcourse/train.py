"""The CIFAR-10 training loop of the practice tasks: a schedule in, a history out.

    from lrcourse import data, schedules, train
    hist = train.train(schedules.cosine(0.2, total_steps=4 * 97), epochs=4)
    hist.final_test_acc, hist.plot()

What makes it fast on a laptop CPU (and what :mod:`benchmarks/train.py` measures):

- the whole data set lives in memory as uint8 tensors (:func:`lrcourse.data.load_cifar10`);
  there is no ``DataLoader``, no worker process and no per-image PIL transform;
- augmentation (random flip, random translation by up to 2 pixels) is done on whole batches of
  tensors with one indexing operation;
- channels-last memory format (what oneDNN's convolutions want) and bf16 autocast where the CPU
  supports bf16 (detected; fp32 otherwise). On a GPU (CUDA or Apple MPS) it simply runs there;
- on a CPU shared with other work, OpenMP threads that spin while they wait take the core that
  another thread needs: ``OMP_WAIT_POLICY=PASSIVE`` in the environment before Python starts
  (libgomp reads it once, when torch is loaded; ``benchmarks/train.py`` sets it) gives the same
  results bit for bit and was 2-3x faster on a busy 2-core machine.

The LR of update ``t`` is ``schedule(t)`` (t = 0 is the first update), written into every param
group right before ``optimizer.step()``; the history records it, so ``history.lr`` equals the
schedule step for step. Runs are seeded (data order, augmentation, initial weights) and can be
checkpointed and resumed: a resumed run gives the same result as one that was never stopped.

:func:`practice_setup` is the one place where the practice optimizer, the whitening stem and the
loss are built; everything that sets up a practice network (the range test of task (b), the
built-in problems, the finder benchmark) calls it. The loop itself is :class:`_Run`; the messages
are in ``lrcourse/locale/train.toml``.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from . import data as data_mod
from . import i18n, models
from ._runtime import atomic_write

i18n.load("train")


# --------------------------------------------------------------------------------------------
# device and precision


def select_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"``: CUDA if available, else Apple MPS, else CPU. Anything else is passed to torch."""
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)


def cpu_supports_bf16() -> bool:
    """Whether this CPU has native bf16 arithmetic that oneDNN uses (AVX512-BF16 / AMX on x86)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()) and bool(
            torch.cpu._is_avx512_bf16_supported() or getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
        )
    except Exception:  # pragma: no cover - older or non-x86 builds
        return False


def select_precision(device: torch.device, precision: str = "auto") -> str:
    """``"bf16"`` or ``"fp32"``. ``"auto"``: bf16 on CUDA with bf16 and on CPUs with native bf16; else fp32."""
    if precision not in ("auto", "bf16", "fp32"):
        raise ValueError(f"precision={precision!r} is not known; use 'auto', 'bf16' or 'fp32'")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type == "cpu":
        return "bf16" if cpu_supports_bf16() else "fp32"
    return "fp32"


# --------------------------------------------------------------------------------------------
# batch-level augmentation and normalisation


def augment_batch(x: torch.Tensor, generator: torch.Generator, flip=True, translate: int = 2) -> torch.Tensor:
    """Random horizontal flip and random translation (reflect-padded) of a whole uint8 batch at once.

    ``x``: (B, C, H, W). Each image gets its own flip and its own shift in
    ``[-translate, translate]`` pixels along each axis, drawn from ``generator``. ``flip`` may
    also be a boolean tensor of shape (B,): which images to mirror (the alternating flips of
    :func:`train`).
    """
    b, _, h, w = x.shape
    if isinstance(flip, torch.Tensor) or flip:
        do_flip = flip if isinstance(flip, torch.Tensor) else torch.rand(b, generator=generator) < 0.5
        x = torch.where(do_flip.view(b, 1, 1, 1), x.flip(3), x)
    if translate:
        r = int(translate)
        padded = F.pad(x, (r, r, r, r), mode="reflect") if x.dtype.is_floating_point else \
            F.pad(x.float(), (r, r, r, r), mode="reflect").to(x.dtype)
        dy = torch.randint(0, 2 * r + 1, (b,), generator=generator)
        dx = torch.randint(0, 2 * r + 1, (b,), generator=generator)
        rows = (dy.view(b, 1) + torch.arange(h)).view(b, 1, h, 1)
        cols = (dx.view(b, 1) + torch.arange(w)).view(b, 1, 1, w)
        bi = torch.arange(b).view(b, 1, 1, 1)
        ci = torch.arange(x.shape[1]).view(1, -1, 1, 1)
        x = padded[bi, ci, rows, cols]
    return x


class _Normalizer:
    """uint8 batch -> normalised float batch on the device (as :func:`lrcourse.data.normalize_cifar`)."""

    def __init__(self, device, channels_last: bool):
        self.mean = (torch.tensor(data_mod.CIFAR10_MEAN) * 255).view(1, 3, 1, 1).to(device)
        self.inv_std = (1 / (torch.tensor(data_mod.CIFAR10_STD) * 255)).view(1, 3, 1, 1).to(device)
        self.channels_last = channels_last

    def __call__(self, x_uint8: torch.Tensor) -> torch.Tensor:
        x = (x_uint8.float() - self.mean) * self.inv_std
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x


# --------------------------------------------------------------------------------------------
# the history


@dataclass
class History:
    """What a run produced. Per step: ``lr`` and ``loss``; per epoch: accuracies and wall time.

    ``epoch_time`` is the cumulative wall time (s) at the end of each epoch, training and
    evaluation included; ``wall_time`` the whole run's. ``diverged`` is True when the loss
    became NaN or infinite (training stops there). ``snapshots``: one entry per update count in
    ``train(snapshot_steps=...)``: ``{"step", "test_acc", "ensemble_acc"}``, the test accuracy of
    the model at that moment and of the average of the predictions of all snapshots so far.
    ``tta_acc``: the final test accuracy at each test-time augmentation level from 0 to the run's
    ``tta`` (the last entry is ``final_test_acc``; the levels share their forward passes).
    """

    lr: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    epoch_time: list = field(default_factory=list)
    wall_time: float = 0.0
    images_per_s: float = 0.0
    steps_per_epoch: int = 0
    diverged: bool = False
    diverged_at: int | None = None
    snapshots: list = field(default_factory=list)
    tta_acc: list = field(default_factory=list)
    config: dict = field(default_factory=dict)

    @property
    def final_test_acc(self) -> float:
        """Test accuracy after the last epoch (chance level, 0.1, if the run diverged before one)."""
        return self.test_acc[-1] if self.test_acc else float("nan")

    @property
    def best_test_acc(self) -> float:
        return max(self.test_acc) if self.test_acc else float("nan")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)

    def smoothed_loss(self, window: int = 20) -> np.ndarray:
        """The per-step loss, averaged over a trailing window (NaN-free while the run did not diverge)."""
        loss = np.asarray(self.loss, dtype=float)
        if len(loss) == 0:
            return loss
        window = max(1, min(window, len(loss)))
        c = np.cumsum(np.insert(loss, 0, 0.0))
        out = np.empty_like(loss)
        for i in range(len(loss)):
            lo = max(0, i + 1 - window)
            out[i] = (c[i + 1] - c[lo]) / (i + 1 - lo)
        return out

    def plot(self, axes=None, label: str | None = None, color=None):
        """LR, training loss (smoothed) and test accuracy side by side; returns the Figure."""
        return plot_histories({label or "run": self}, axes=axes, colors=[color] if color else None)


def plot_histories(histories: dict, axes=None, colors=None, title: str | None = None, smooth: int = 20):
    """Side-by-side curves of several runs: LR per step, smoothed training loss per step, test accuracy per epoch.

    ``histories``: ``{label: History}``. Labels and axis titles follow the course language.
    """
    import matplotlib.pyplot as plt

    from .plotting import use_course_fonts

    use_course_fonts()
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    else:
        fig = axes[0].figure
    for i, (label, h) in enumerate(histories.items()):
        kw = {"label": label}
        if colors and i < len(colors) and colors[i] is not None:
            kw["color"] = colors[i]
        steps = np.arange(len(h.lr))
        axes[0].plot(steps, h.lr, **kw)
        axes[1].plot(np.arange(len(h.loss)), h.smoothed_loss(smooth), **kw)
        epochs = np.arange(1, len(h.test_acc) + 1)
        axes[2].plot(epochs, 100 * np.asarray(h.test_acc), marker="o", **kw)
    axes[0].set(xlabel=i18n.t("train.plot.step"), ylabel=i18n.t("train.plot.lr"), title=i18n.t("train.plot.lr"))
    axes[1].set(xlabel=i18n.t("train.plot.step"), ylabel=i18n.t("train.plot.loss"), title=i18n.t("train.plot.loss"))
    axes[2].set(xlabel=i18n.t("train.plot.epoch"), ylabel="%", title=i18n.t("train.plot.acc"))
    from matplotlib.ticker import MaxNLocator

    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[2].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# the practice set-up: optimizer, whitening stem, loss (the one place; the range test of the
# practice tasks, lrcourse.problems and benchmarks/finder.py build theirs here too)

WHITENING_IMAGES = 5000  # the training images the whitening stem is computed from (a fixed random sample)

# The practice recipe (airbench94, Jordan 2024, arXiv 2404.00498, in this course's terms; lesson 06
# explains each ingredient and benchmarks/train.py --ablate measures what each adds). The loss is
# the batch *mean*, so airbench's "lr 11.5 per 1024 images with momentum 0.85" is a peak LR of
# 11.5 / (1 + 1/(1 - 0.85)) = 1.5 per 1024 images (linear in the batch size), and its weight decay
# 0.0153 per 1024 images becomes L2 weight decay 0.0153 / 11.5 = 1.33e-3 at any batch size.
RECIPE = {
    "momentum": 0.85, "nesterov": True, "weight_decay": 1.33e-3, "label_smoothing": 0.2,
    "bias_lr_scale": 64.0,      # BatchNorm biases learn 64x faster (SGD only; 1 for Adam)
    "lookahead": True,          # EMA of the weights every 5 updates, copied back (airbench)
    "flip": "alternate", "translate": 2,
    "tta": 2,                   # test-time: mirror + one-pixel shifts
    "whiten_bias_epochs": 3,    # the whitening stem's bias learns for the first 3 epochs only
}
PEAK_LR_PER_1024 = 1.5  # SGD peak LR of the recipe for 1024 images per batch; linear in the batch size


def recipe_peak_lr(batch_size: int) -> float:
    """The recipe's SGD peak LR for ``batch_size`` (1.5 per 1,024 images, scaled linearly)."""
    return PEAK_LR_PER_1024 * batch_size / 1024


def recipe_schedule(peak_lr: float, total_steps: int):
    """airbench's triangle as an ``lrcourse.schedules`` object: from 0.2x ``peak_lr`` up to the peak
    at 23% of the run, then linearly down to 0.07x at the last update (a linear one-cycle)."""
    from . import schedules

    return schedules.one_cycle(peak_lr, total_steps, pct_start=0.23, anneal="linear", div_factor=5.0,
                               final_div_factor=0.2 / 0.07)


def _is_norm_bias(model: nn.Module) -> set:
    return {id(m.bias) for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
            and m.bias is not None}


def make_optimizer(model: nn.Module, name: str = "sgd", *, lr: float = 0.0, momentum: float = 0.85,
                   nesterov: bool = True, weight_decay: float = 1.33e-3, betas=(0.9, 0.999),
                   bias_lr_scale: float | None = None) -> torch.optim.Optimizer:
    """The optimizers of the practice tasks over the trainable parameters.

    ``"sgd"``: SGD with (Nesterov) momentum and L2 weight decay; ``"adam"``: Adam (weight decay
    as L2, 0 in the experiments); ``"adamw"``: AdamW (decoupled weight decay).

    Three parameter groups: weights (with decay); BatchNorm biases, whose LR is ``bias_lr_scale``
    times the schedule's (default 64 for SGD as in airbench, 1 for Adam/AdamW) and whose decay is
    divided by it, so that the shrink per update is the weights'; other biases (no decay). A
    group's factor is its ``"lr_scale"``: :func:`train` and the LR range test set
    ``lr = schedule(t) * lr_scale`` in each group. ``lr`` is only the starting value.
    """
    if name not in ("sgd", "adam", "adamw"):
        raise ValueError(f"optimizer={name!r} is not known; use 'sgd', 'adam' or 'adamw'")
    if bias_lr_scale is None:
        bias_lr_scale = RECIPE["bias_lr_scale"] if name == "sgd" else 1.0
    if not bias_lr_scale > 0:
        raise ValueError(f"bias_lr_scale={bias_lr_scale!r} must be a positive number (1 = the schedule's LR)")
    norm_bias = _is_norm_bias(model)
    decay, norm, other = [], [], []
    for p in model.parameters():
        if p.requires_grad:
            (norm if id(p) in norm_bias else decay if p.ndim > 1 else other).append(p)
    groups = [
        {"params": decay, "weight_decay": weight_decay, "lr_scale": 1.0},
        {"params": norm, "weight_decay": weight_decay / bias_lr_scale, "lr_scale": float(bias_lr_scale)},
        {"params": other, "weight_decay": 0.0, "lr_scale": 1.0},
    ]
    groups = [g for g in groups if g["params"]]
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=nesterov and momentum > 0)
    if name == "adam":
        return torch.optim.Adam(groups, lr=lr, betas=tuple(betas))
    return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the LR of every param group to ``lr`` times the group's ``"lr_scale"`` (1 if it has none)."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)


def whiten_stem(model: nn.Module, x_train: torch.Tensor) -> None:
    """Set the whitening stem of a :class:`~lrcourse.models.CifarNet` from 5,000 uint8 training
    images (a fixed random sample: a data file sorted by class must not give a stem of one class);
    a stem that is already set (frozen), or another model, is left alone."""
    if isinstance(model, models.CifarNet) and model.whiten.weight.requires_grad:
        n = min(WHITENING_IMAGES, len(x_train))
        pick = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(0))[:n]
        model.init_whitening(data_mod.normalize_cifar(x_train[pick]))


def practice_setup(model: nn.Module, x_train: torch.Tensor, optimizer: str = "sgd", *, lr: float = 0.0,
                   momentum: float = RECIPE["momentum"], nesterov: bool = True,
                   weight_decay: float = RECIPE["weight_decay"], label_smoothing: float = RECIPE["label_smoothing"],
                   bias_lr_scale: float | None = None):
    """``(optimizer, loss_fn)`` of a practice run for ``model``, as :func:`train` builds them.

    Sets the whitening stem (:func:`whiten_stem`), then the optimizer (:func:`make_optimizer`;
    default: the recipe's Nesterov SGD) and cross-entropy with label smoothing (0.2, as airbench).
    """
    whiten_stem(model, x_train)
    opt = make_optimizer(model, optimizer, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay,
                         bias_lr_scale=bias_lr_scale)
    return opt, nn.CrossEntropyLoss(label_smoothing=label_smoothing)


class Lookahead:
    """airbench's lookahead: every 5 updates the weights (and BatchNorm statistics) move to an
    exponential moving average of themselves, ``avg = decay*avg + (1-decay)*w; w = avg``, with
    ``decay = 0.95^5 * (t/T)^3``: no averaging at the start, more and more towards the end (where it
    acts like a smaller LR). At the end of the run the weights are the average."""

    EVERY = 5

    def __init__(self, model: nn.Module, total_steps: int):
        self.model, self.total_steps = model, total_steps
        self.avg = {k: v.detach().clone() for k, v in model.state_dict().items() if v.dtype.is_floating_point}

    @torch.no_grad()
    def after_update(self, step: int) -> None:
        """Called with the number of updates done so far."""
        if step % self.EVERY:
            return
        decay = 0.95 ** 5 * (step / self.total_steps) ** 3
        state = self.model.state_dict()
        for k, avg in self.avg.items():
            avg.lerp_(state[k], 1 - decay)
            state[k].copy_(avg)

    @torch.no_grad()
    def finish(self) -> None:
        """The run's weights become the average (the updates after the last average are dropped, as in airbench)."""
        state = self.model.state_dict()
        for k, avg in self.avg.items():
            state[k].copy_(avg)


# --------------------------------------------------------------------------------------------
# the run


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Updates per epoch (the last incomplete batch is dropped, as in airbench)."""
    return n_train // batch_size


def _check_arguments(schedule, epochs, batch_size, data) -> tuple:
    """The four data tensors, after refusing what cannot work (before anything is built)."""
    if not callable(schedule):
        raise TypeError(f"schedule must be a callable step -> LR (an lrcourse.schedules object), got {type(schedule).__name__}")
    lr0 = float(schedule(0))
    if not math.isfinite(lr0) or lr0 < 0:
        raise ValueError(f"schedule(0)={lr0!r}: a learning rate must be a finite number >= 0")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive int")
    if data is None:
        data = data_mod.load_cifar10()
    x_train = data[0]
    if x_train.dtype != torch.uint8:
        raise TypeError(f"data: x_train must hold uint8 images, got {x_train.dtype}")
    if batch_size > len(x_train):
        raise ValueError(f"batch_size={batch_size} is larger than the training set ({len(x_train)} images)")
    return tuple(data)


def train(
    schedule,
    *,
    epochs: int,
    data: tuple | None = None,
    model: nn.Module | None = None,
    widths: tuple = (64, 128, 128),
    batch_size: int = 512,
    optimizer: str = "sgd",
    momentum: float = RECIPE["momentum"],
    nesterov: bool = RECIPE["nesterov"],
    weight_decay: float = RECIPE["weight_decay"],
    label_smoothing: float = RECIPE["label_smoothing"],
    bias_lr_scale: float | None = None,
    lookahead: bool = RECIPE["lookahead"],
    flip: bool | str = RECIPE["flip"],
    translate: int = RECIPE["translate"],
    tta: int = RECIPE["tta"],
    whiten_bias_epochs: int = RECIPE["whiten_bias_epochs"],
    snapshot_steps=(),
    seed: int = 0,
    device: str = "auto",
    precision: str = "auto",
    channels_last: bool | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    stop_after: int | None = None,
    eval_batch_size: int = 1000,
    progress: bool | None = None,
    verbose: bool = False,
) -> History:
    """Train the practice CNN on CIFAR-10 with ``schedule`` and return its :class:`History`.

    Parameters
    ----------
    schedule
        Any ``lrcourse.schedules`` object (or callable ``int -> float``): the LR of update ``t``
        is ``schedule(t)``, t = 0 the first update. It is evaluated for every step, so one
        defined over ``epochs * steps_per_epoch(len(x_train), batch_size)`` steps fits exactly.
    epochs, batch_size
        Length of the run; each epoch is one shuffled pass in batches of ``batch_size``
        (the last incomplete batch is dropped).
    data
        ``(x_train, y_train, x_test, y_test)`` with uint8 images (N, 3, 32, 32) and int64 labels.
        Default: :func:`lrcourse.data.load_cifar10`.
    model, widths
        Default: ``lrcourse.models.cifar_net(widths, seed=seed)`` with its whitening stem set
        from 5,000 training images (a :class:`~lrcourse.models.CifarNet` passed in gets the same
        when its stem is still trainable). ``(64, 256, 256)`` is airbench94's size.
    optimizer, momentum, nesterov, weight_decay, label_smoothing, bias_lr_scale
        See :func:`make_optimizer`; label smoothing of the training loss (airbench uses 0.2).
        Defaults: :data:`RECIPE`.
    lookahead
        Average the weights as airbench does (:class:`Lookahead`); the final weights are the average.
    flip, translate, tta
        Batch-level augmentation: ``flip=True`` mirrors a random half of every batch,
        ``"alternate"`` mirrors a fixed random half of the images in even epochs and the other
        half in odd epochs (airbench: every image is seen both ways every two epochs);
        ``translate``: random shift of up to that many pixels. ``tta``: test-time augmentation of
        the final evaluation: 0 none, 1 the mean of the image and its mirror, 2 also one-pixel
        shifts (6 views); the evaluations after earlier epochs use at most 1 (cheaper).
    whiten_bias_epochs
        The whitening stem's bias learns during the first this-many epochs, then is frozen.
    snapshot_steps
        Update counts after which the model's test predictions are kept: ``History.snapshots``
        has the accuracy of each snapshot and of the average of all snapshots so far (a snapshot
        ensemble, as in SGDR's cycle ends).
    seed
        Seeds the initial weights, the data order and the augmentation.
    device, precision, channels_last
        ``"auto"`` picks CUDA, MPS or CPU, and bf16 autocast where supported; ``channels_last``
        defaults to True on CPU and CUDA.
    checkpoint, checkpoint_every
        A file to save the state to at the end of every epoch (and every ``checkpoint_every``
        updates, and when interrupted with Ctrl-C / the notebook's stop button). When the file
        exists and belongs to the same configuration, training resumes from it; a finished run
        returns its history at once. A resumed run gives the same result as an uninterrupted one.
    stop_after
        Stop after this many updates in total (testing and demonstrating resume); the checkpoint
        is saved there.
    progress, verbose
        A tqdm progress bar (default: on in a terminal or notebook); a line per epoch.
    """
    # long only by its signature and the documentation of every argument; the work is in _Run
    data = _check_arguments(schedule, epochs, batch_size, data)
    x_train, x_test = data[0], data[2]
    total = epochs * steps_per_epoch(len(x_train), batch_size)
    tta, snapshot_steps = _check_recipe_arguments(flip, tta, whiten_bias_epochs, snapshot_steps, total)
    dev = select_device(device)
    prec = select_precision(dev, precision)
    if channels_last is None:
        channels_last = dev.type in ("cpu", "cuda")
    config = {  # what a checkpoint must match to be resumed
        "schedule": repr(schedule), "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer,
        "momentum": momentum, "nesterov": nesterov, "weight_decay": weight_decay,
        "label_smoothing": label_smoothing, "flip": flip, "translate": translate, "tta": tta, "seed": seed,
        "bias_lr_scale": bias_lr_scale, "lookahead": lookahead, "whiten_bias_epochs": whiten_bias_epochs,
        "snapshot_steps": snapshot_steps,
        "n_train": len(x_train), "n_test": len(x_test),
        "model": f"cifar_net(widths={tuple(widths)})" if model is None else type(model).__name__,
    }
    if model is None:
        model = models.cifar_net(widths=widths, seed=seed)
    whiten_stem(model, x_train)
    model = model.to(dev)  # before the optimizer is built over its parameters
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = make_optimizer(model, optimizer, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay,
                         bias_lr_scale=bias_lr_scale)
    run = _Run(schedule, model, opt, data, config, dev=dev, precision=prec, channels_last=channels_last,
               label_smoothing=label_smoothing, augment={"flip": flip, "translate": translate}, tta=tta,
               eval_batch_size=eval_batch_size, checkpoint=checkpoint, verbose=verbose)
    if run.finished():
        return run.history
    return run.go(checkpoint_every=checkpoint_every, stop_after=stop_after, progress=progress)


def _check_recipe_arguments(flip, tta, whiten_bias_epochs, snapshot_steps, total: int):
    """``(tta level, snapshot steps)`` after refusing values that cannot work."""
    if flip not in (True, False, "alternate"):
        raise ValueError(f"flip={flip!r} must be True (random), 'alternate' (airbench) or False")
    if tta not in range(len(TTA_WEIGHTS)):  # True/False are 1/0
        raise ValueError(f"tta={tta!r} must be 0 (none), 1 (mirror) or 2 (mirror and one-pixel shifts)")
    if isinstance(whiten_bias_epochs, bool) or not isinstance(whiten_bias_epochs, int) or whiten_bias_epochs < 0:
        raise ValueError(f"whiten_bias_epochs={whiten_bias_epochs!r} must be an int >= 0")
    steps = sorted({int(t) for t in snapshot_steps})
    if any(t < 1 or t > total for t in steps):
        raise ValueError(f"snapshot_steps={list(snapshot_steps)!r}: each must be an update count in 1..{total} "
                         "(the run's number of updates)")
    return int(tta), steps


def _fingerprint(config: dict) -> str:
    return json.dumps(config, sort_keys=True, default=str)


class _Run:
    """One training run: what a checkpoint holds (model, optimizer, augmentation generator,
    history, step, running train accuracy) and the loop that advances it.

    The data order of an epoch depends only on ``(seed, epoch)`` and the augmentation generator
    is saved with the step, so a run resumed from a checkpoint repeats the uninterrupted one
    bit for bit.
    """

    def __init__(self, schedule, model, opt, data, config, *, dev, precision, channels_last, label_smoothing,
                 augment, tta, eval_batch_size, checkpoint, verbose):
        self.schedule, self.model, self.opt, self.config = schedule, model, opt, config
        self.x_train, self.y_train, self.x_test, self.y_test = data
        self.dev, self.precision, self.verbose = dev, precision, verbose
        self.augment, self.tta, self.eval_batch_size = augment, tta, eval_batch_size
        self.epochs, self.batch_size, self.seed = config["epochs"], config["batch_size"], config["seed"]
        self.spe = steps_per_epoch(len(self.x_train), self.batch_size)
        self.total_steps = self.epochs * self.spe
        self.normalize = _Normalizer(dev, channels_last)
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
        self.autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=(precision == "bf16"))
        self.history = History(steps_per_epoch=self.spe, config=dict(config, device=str(dev), precision=precision))
        self.aug_gen = torch.Generator().manual_seed(self.seed + 1)
        # alternating flips: a fixed random half of the images is mirrored in even epochs, the rest in odd ones
        self.flip_base = (torch.rand(len(self.x_train), generator=torch.Generator().manual_seed(self.seed + 2)) < 0.5
                          if augment["flip"] == "alternate" else None)
        self.lookahead = Lookahead(model, self.total_steps) if config["lookahead"] else None
        self.snapshot_steps = set(config["snapshot_steps"])
        self.ensemble_probs = None  # the sum of the snapshots' predicted probabilities on the test set
        self.step = 0
        self.elapsed_before = 0.0
        self.counters = {"correct": 0, "seen": 0}  # running train accuracy of the current epoch
        self.ckpt_path = Path(checkpoint) if checkpoint is not None else None
        if self.ckpt_path is not None and self.ckpt_path.exists():
            self._resume()

    # ---- checkpoints

    def _resume(self) -> None:
        state = torch.load(self.ckpt_path, map_location="cpu", weights_only=False)
        if state.get("fingerprint") != _fingerprint(self.config):
            raise ValueError(
                f"checkpoint={str(self.ckpt_path)!r} belongs to another configuration; delete it or use another path "
                f"(saved: {state.get('fingerprint')}, now: {_fingerprint(self.config)})")
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.aug_gen.set_state(state["aug_gen"])
        self.history = History.from_dict(state["history"])
        self.history.config.update(device=str(self.dev), precision=self.precision)
        self.step = state["step"]
        self.counters = state["counters"]
        if self.lookahead is not None:
            self.lookahead.avg = state["lookahead"]
        self.ensemble_probs = state["ensemble_probs"]
        self.elapsed_before = self.history.wall_time
        if self.verbose and self.step < self.total_steps:
            print(i18n.t("train.resumed", path=self.ckpt_path, step=self.step, epoch=self.step // self.spe + 1))

    def save(self) -> None:
        """Write the checkpoint (atomically: an interruption never leaves half a file)."""
        if self.ckpt_path is None:
            return
        state = {"fingerprint": _fingerprint(self.config), "model": self.model.state_dict(),
                 "optimizer": self.opt.state_dict(), "aug_gen": self.aug_gen.get_state(),
                 "history": self.history.to_dict(), "step": self.step, "counters": dict(self.counters),
                 "lookahead": None if self.lookahead is None else self.lookahead.avg,
                 "ensemble_probs": self.ensemble_probs}
        with atomic_write(self.ckpt_path, "wb") as f:
            torch.save(state, f)

    def finished(self) -> bool:
        return self.step >= self.total_steps or self.history.diverged

    # ---- the loop

    def _elapsed(self) -> float:
        return self.elapsed_before + time.perf_counter() - self.start

    def go(self, *, checkpoint_every, stop_after, progress) -> History:
        """Train to the end (or to ``stop_after`` updates); Ctrl-C saves the checkpoint first."""
        self.checkpoint_every, self.stop_after = checkpoint_every, stop_after
        self.bar = tqdm(total=self.total_steps, initial=self.step, unit="step", leave=True,
                        disable=None if progress is None else not progress,
                        desc=i18n.t("train.progress", epoch=self.step // self.spe + 1, epochs=self.epochs))
        self.start = time.perf_counter()
        self.images_trained = 0
        self.train_seconds = 0.0
        self.aug_state = self.aug_gen.get_state()
        self.in_step = False
        history = self.history
        try:
            self._epochs()
            if stop_after is not None and self.step % self.spe:
                history.wall_time = self._elapsed()
                self.save()
        except KeyboardInterrupt:
            self._interrupted()
            raise
        finally:
            self.bar.close()
        history.wall_time = self._elapsed()
        if self.train_seconds > 0:
            history.images_per_s = self.images_trained / self.train_seconds
        if history.diverged:
            self.save()
        return history

    def _stop_requested(self) -> bool:
        return self.stop_after is not None and self.step >= self.stop_after

    def _epochs(self) -> None:
        history, spe = self.history, self.spe
        while True:
            if self.step and self.step % spe == 0 and len(history.test_acc) < self.step // spe:
                self._finish_epoch()  # an epoch is complete (also when a run was stopped during its evaluation)
            if self.step >= self.total_steps or self._stop_requested():
                break
            epoch = self.step // spe
            # the data order of an epoch depends only on (seed, epoch): resuming mid-epoch sees the same batches
            order = torch.randperm(len(self.x_train),
                                   generator=torch.Generator().manual_seed(self.seed * 100_003 + epoch))
            if self.step % spe == 0:
                self.counters = {"correct": 0, "seen": 0}
            if isinstance(self.model, models.CifarNet):  # airbench: the stem's bias learns in the first epochs only
                self.model.whiten.bias.requires_grad_(epoch < self.config["whiten_bias_epochs"])
            self.model.train()
            t0 = time.perf_counter()
            self._train_epoch(order)
            self.train_seconds += time.perf_counter() - t0
            if history.diverged:
                # the network is lost: chance-level accuracy for the rest of the run, recorded as such
                history.train_acc.append(float("nan"))
                history.test_acc.append(0.1)
                history.test_loss.append(float("nan"))
                history.epoch_time.append(self._elapsed())
                break

    def _train_epoch(self, order: torch.Tensor) -> None:
        """The updates of the current epoch from the current step on (stops early on divergence or stop_after)."""
        for k in range(self.step % self.spe, self.spe):
            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            if not self._update(idx):
                break
            self.bar.update(1)
            if self._stop_requested():
                break
            if self.checkpoint_every and self.step % self.checkpoint_every == 0 and self.step % self.spe:
                self.history.wall_time = self._elapsed()
                self.save()

    def _update(self, idx: torch.Tensor) -> bool:
        """One update on the batch ``idx``; False when the loss is not finite (the run diverged)."""
        history, step = self.history, self.step
        xb = self.x_train[idx]
        self.aug_state, self.in_step = self.aug_gen.get_state(), True  # for Ctrl-C: a resumed run repeats this step
        flip = self.augment["flip"]
        if self.flip_base is not None:
            flip = self.flip_base[idx] ^ bool((step // self.spe) % 2)
        if self.augment["flip"] or self.augment["translate"]:
            xb = augment_batch(xb, self.aug_gen, flip=flip, translate=self.augment["translate"])
        xb = self.normalize(xb.to(self.dev, non_blocking=True))
        yb = self.y_train[idx].to(self.dev, non_blocking=True)
        lr = float(self.schedule(step))
        set_lr(self.opt, lr)
        with self.autocast:
            out = self.model(xb)
            loss = self.loss_fn(out.float(), yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        loss_value = float(loss.detach())
        history.lr.append(lr)
        history.loss.append(loss_value)
        if not math.isfinite(loss_value):
            history.diverged, history.diverged_at = True, step
            self.bar.write(i18n.t("train.diverged", value=loss_value, step=step, lr=lr))
            return False
        self.opt.step()
        self.counters["correct"] += int((out.argmax(1) == yb).sum())
        self.counters["seen"] += len(yb)
        self.step += 1
        self.in_step = False
        self.images_trained += len(yb)
        if self.lookahead is not None:
            self.lookahead.after_update(self.step)
            if self.step == self.total_steps:
                self.lookahead.finish()
        if self.step in self.snapshot_steps:
            self._snapshot()
        return True

    def _snapshot(self) -> None:
        """Keep the test predictions of the model now; record its accuracy and the ensemble's."""
        logits = predict(self.model, self.x_test, normalize=self.normalize, autocast=self.autocast,
                         batch_size=self.eval_batch_size, tta=min(self.tta, 1), device=self.dev)
        probs = torch.softmax(logits, 1)
        self.ensemble_probs = probs if self.ensemble_probs is None else self.ensemble_probs + probs
        y = self.y_test.to(probs.device)
        self.history.snapshots.append({
            "step": self.step, "test_acc": float((probs.argmax(1) == y).float().mean()),
            "ensemble_acc": float((self.ensemble_probs.argmax(1) == y).float().mean())})

    def _finish_epoch(self) -> None:
        history = self.history
        history.train_acc.append(self.counters["correct"] / max(self.counters["seen"], 1))
        last = self.step >= self.total_steps
        # the last evaluation at the full TTA level, and the accuracy at every lower level from the same passes
        per_level = predict(self.model, self.x_test, normalize=self.normalize, autocast=self.autocast,
                            batch_size=self.eval_batch_size, tta=self.tta if last else min(self.tta, 1),
                            device=self.dev, all_levels=True)
        y = self.y_test.to(per_level[-1].device)
        accs = [float((logits.argmax(1) == y).float().mean()) for logits in per_level]
        acc, tloss = accs[-1], float(F.cross_entropy(per_level[-1], y))
        if last:
            history.tta_acc = accs
        history.test_acc.append(acc)
        history.test_loss.append(tloss)
        history.epoch_time.append(self._elapsed())
        history.wall_time = history.epoch_time[-1]
        done = self.step // self.spe
        self.bar.set_description(i18n.t("train.progress", epoch=min(done + 1, self.epochs), epochs=self.epochs))
        self.bar.set_postfix_str(f"test acc {acc:.1%}")
        if self.verbose:
            self.bar.write(i18n.t("train.epoch_done", epoch=done, epochs=self.epochs,
                                  loss=float(np.mean(history.loss[-self.spe:])),
                                  train_acc=history.train_acc[-1], test_acc=acc, seconds=history.epoch_time[-1]))
        self.save()

    def _interrupted(self) -> None:
        """Ctrl-C: save a checkpoint from which a resumed run repeats the interrupted step exactly."""
        self.history.wall_time = self._elapsed()
        del self.history.lr[self.step:], self.history.loss[self.step:]  # a half-recorded step
        if self.in_step:
            self.aug_gen.set_state(self.aug_state)
        self.save()
        if self.ckpt_path is not None:
            self.bar.write(i18n.t("train.interrupted", step=self.step, path=self.ckpt_path))


# The weight of each test-time view at each level (airbench's levels): 0 the image; 1 the image and
# its mirror; 2 also both shifted by one pixel (up-left, down-right), each with its mirror. A lower
# level's views are the first views of a higher level's, so one set of forward passes gives them all.
TTA_WEIGHTS = ((1.0,), (0.5, 0.5), (0.25, 0.25, 0.125, 0.125, 0.125, 0.125))


def _views(xb: torch.Tensor, tta: int) -> list[torch.Tensor]:
    """The batches of the test-time views of level ``tta``, in the order of :data:`TTA_WEIGHTS`."""
    views = [xb] if tta == 0 else [xb, xb.flip(3)]
    if tta == 2:
        padded = F.pad(xb, (1, 1, 1, 1), mode="reflect")
        h, w = xb.shape[2:]
        fmt = torch.channels_last if xb.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format
        for shifted in (padded[:, :, :h, :w], padded[:, :, 2:, 2:]):  # up-left and down-right by one pixel
            shifted = shifted.contiguous(memory_format=fmt)
            views += [shifted, shifted.flip(3)]
    return views


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, *, normalize=None, autocast=None, batch_size: int = 1000,
            tta: int = 1, device=None, all_levels: bool = False):
    """The logits of ``model`` for uint8 images ``x`` (float32, on the device), averaged over the
    test-time views of level ``tta`` (0: the image; 1: and its mirror; 2: and both shifted by one pixel).

    ``all_levels=True``: a list with the logits of every level from 0 to ``tta``, from the same
    forward passes (a lower level's views are among a higher level's), at no extra cost."""
    if int(tta) not in range(len(TTA_WEIGHTS)):
        raise ValueError(f"tta={tta!r} is not a test-time augmentation level; use 0, 1 or 2")
    device = device or next(model.parameters()).device
    normalize = normalize or _Normalizer(device, channels_last=False)
    autocast = autocast or torch.autocast(device.type, enabled=False)
    was_training = model.training
    model.eval()
    levels = range(int(tta) + 1) if all_levels else [int(tta)]
    out = {level: [] for level in levels}
    for i in range(0, len(x), batch_size):
        xb = normalize(x[i:i + batch_size].to(device))
        with autocast:
            logits = [model(v).float() for v in _views(xb, int(tta))]
        for level in levels:
            out[level].append(sum(w * z for w, z in zip(TTA_WEIGHTS[level], logits)))
    model.train(was_training)
    result = [torch.cat(out[level]) for level in levels]
    return result if all_levels else result[0]


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, normalize=None, autocast=None,
             batch_size: int = 1000, tta: int = 1, device=None) -> tuple[float, float]:
    """Accuracy and mean cross-entropy of ``model`` on uint8 images ``x``, with the test-time
    augmentation of :func:`predict` (``tta=1``: the mean logits of each image and its mirror)."""
    logits = predict(model, x, normalize=normalize, autocast=autocast, batch_size=batch_size, tta=tta, device=device)
    y = y.to(logits.device)
    return float((logits.argmax(1) == y).float().mean()), float(F.cross_entropy(logits, y))
