"""The LR range test itself: :func:`lr_range_test`.

It checks its arguments before touching anything, snapshots the model, the optimizer and the
random generators (:class:`_Snapshot`), runs the updates at rising LRs (:func:`_ramp`), always
restores the snapshot, and reads the suggestions from the recorded curve (:func:`_result`).
"""

from __future__ import annotations

import copy
import math
import random
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .. import i18n
from .result import FinderResult
from .rules import fmt_lr, robust_trend, suggest

i18n.load("finder")

MIN_ITERS = 20  # below this the curve has too few points for any rule to mean anything
MIN_POINTS = 10  # fewer finite points than this before divergence: suggestions are unreliable


# --------------------------------------------------------------------------------------------
# Saving and restoring the state bitwise


def _clone(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return copy.deepcopy(value)


class _Snapshot:
    """Everything the test changes, copied bitwise, and put back in place.

    Parameters and buffers are restored *in place* (``copy_``), so the optimizer, hooks and any
    other reference to them keep pointing at the same tensors.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer):
        self.model, self.optimizer = model, optimizer
        params = {id(p): p for p in model.parameters()}
        for group in optimizer.param_groups:
            for p in group["params"]:
                params.setdefault(id(p), p)  # an optimizer may also hold tensors outside the model
        self.params = list(params.values())
        self.param_data = [p.detach().clone() for p in self.params]
        self.grads = [None if p.grad is None else p.grad.detach().clone() for p in self.params]
        self.buffers = [(b, b.detach().clone()) for b in model.buffers()]
        self.training = [(m, m.training) for m in model.modules()]
        # optimizer: its per-parameter state and every non-"params" entry of each group
        self.opt_state = {p: copy.deepcopy(s) for p, s in optimizer.state.items()}
        self.groups = [{k: _clone(v) for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
        # random number generators
        self.torch_rng = torch.get_rng_state()
        self.cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
        self.py_rng = random.getstate()
        self.np_rng = np.random.get_state()

    @torch.no_grad()
    def restore(self) -> None:
        for p, saved in zip(self.params, self.param_data):
            p.copy_(saved)
        for p, g in zip(self.params, self.grads):
            p.grad = None if g is None else g.clone()
        for b, saved in self.buffers:
            b.copy_(saved)
        for m, mode in self.training:
            m.training = mode
        opt = self.optimizer
        opt.state = defaultdict(dict, {p: copy.deepcopy(s) for p, s in self.opt_state.items()})
        for group, saved in zip(opt.param_groups, self.groups):
            for k in [k for k in group if k != "params" and k not in saved]:
                del group[k]
            for k, v in saved.items():
                current = group.get(k)
                if isinstance(current, torch.Tensor) and isinstance(v, torch.Tensor) and current.shape == v.shape:
                    current.copy_(v)  # keep the tensor object (e.g. a tensor LR) the user holds
                else:
                    group[k] = _clone(v)
        torch.set_rng_state(self.torch_rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state_all(self.cuda_rng)
        random.setstate(self.py_rng)
        np.random.set_state(self.np_rng)



# --------------------------------------------------------------------------------------------
# Helpers of the test


def _scheduler_attached(optimizer) -> int | None:
    """Index of a param group that a scheduler has touched, or -1 for a wrapped step, or None."""
    for i, group in enumerate(optimizer.param_groups):
        if "initial_lr" in group:
            return i
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return -1
    return None


def _to_device(obj, device):
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_device(v, device) for k, v in obj.items()}
    return obj


class _Cycle:
    """Iterates ``batches`` again and again; refuses an iterable that gives nothing."""

    def __init__(self, batches):
        try:
            self.it = iter(batches)
        except TypeError:
            raise TypeError(
                f"batches: {type(batches).__name__} is not iterable; pass a DataLoader or a list of (inputs, targets)"
            ) from None
        self.batches = batches

    def __next__(self):
        try:
            return next(self.it)
        except StopIteration:
            self.it = iter(self.batches)
            try:
                return next(self.it)
            except StopIteration:
                raise ValueError(i18n.t("finder.err.empty")) from None


def _split(batch):
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError(
        f"batches: each batch must be a pair (inputs, targets); got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else "")
    )


def _set_lr(optimizer, lr: float) -> None:
    # a group may scale the LR it is given (lrcourse.train.make_optimizer's "lr_scale": the
    # practice network's BatchNorm biases learn 64x faster); the test's LR is the base LR
    for group in optimizer.param_groups:
        value = lr * group.get("lr_scale", 1.0)
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(value)
        else:
            group["lr"] = value


def lr_ramp(start_lr, end_lr, num_iters, mode="exp") -> np.ndarray:
    """The LR of each update: ``start_lr * (end_lr/start_lr) ** (t/(num_iters-1))``, or a straight line."""
    i = np.arange(num_iters, dtype=np.float64) / (num_iters - 1)
    if mode == "exp":
        return start_lr * (end_lr / start_lr) ** i
    return start_lr + (end_lr - start_lr) * i


def _check_number(name, value):
    # the wording of these errors is older than lrcourse._runtime.check_positive and tests pin it
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}={value!r} must be a number (float)")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value!r} must be a finite number > 0")

# --------------------------------------------------------------------------------------------
# The test: check, ramp (under a snapshot that is always restored), suggest


def lr_range_test(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable,
    batches: Iterable,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iters: int = 100,
    mode: str = "exp",
    *,
    beta: float = 0.98,
    diverge_factor: float | None = 4.0,
    val_batches: Iterable | None = None,
    val_every: int = 1,
    suggest_on: str | None = None,
    accumulation_steps: int = 1,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> FinderResult:
    """Run the LR range test and restore the model and the optimizer afterwards, bitwise.

    Parameters
    ----------
    model, optimizer, loss_fn
        Any ``nn.Module``, any ``torch.optim`` optimizer over (some of) its parameters, and a
        loss ``loss_fn(model(inputs), targets) -> scalar tensor``. Every param group gets the
        same LR during the test.
    batches
        ``(inputs, targets)`` pairs: a DataLoader or a list. It is iterated again when it runs
        out. Use the batch size of the real run: the best LR depends on it.
    start_lr, end_lr, num_iters, mode
        The LR of update ``t`` is ``start_lr * (end_lr/start_lr) ** (t/(num_iters-1))``
        (``mode="exp"``) or a straight line (``mode="linear"``): the last update uses ``end_lr``.
    beta
        Smoothing of the moving average (bias-corrected), as fastai.
    diverge_factor
        Stop when the smoothed loss exceeds this times the best smoothed loss so far (fastai:
        4, torch-lr-finder: 5). The smoothing of this check is the running median of the last 5
        losses: it ignores one spike, and unlike the moving average it does not lag tens of
        updates behind a loss that is already exploding. Checked from the first tenth of the
        run on. ``None``: stop only on a NaN or infinite loss.
    val_batches, val_every
        Optional small fixed validation set, evaluated (in eval mode, without gradients) every
        ``val_every`` updates after the update. Costs one pass over it each time.
    suggest_on
        ``"train"`` or ``"val"``: which curve the rules read. Default: ``"val"`` when
        ``val_batches`` is given, else ``"train"``.
    accumulation_steps
        Gradient accumulation: each update sums the gradients of this many batches (each loss
        divided by it); the recorded loss is their mean.
    device
        Where batches go; default: the device of the model's first parameter.
    progress
        Show a progress bar (tqdm); default: on in a terminal or a notebook.
    """
    # long only by its signature and the documentation of every argument; the work is in the
    # four steps below: check, ramp (under a snapshot that is always restored), suggest
    plan = _plan(model, optimizer, loss_fn, start_lr, end_lr, num_iters, mode, beta=beta,
                 diverge_factor=diverge_factor, val_batches=val_batches, val_every=val_every,
                 suggest_on=suggest_on, accumulation_steps=accumulation_steps, device=device)
    cycle = _Cycle(batches)
    snapshot = _Snapshot(model, optimizer)
    record = _Record(stop_values={"lr": fmt_lr(float(plan.lrs[-1]))})
    bar = tqdm(total=num_iters, desc=i18n.t("finder.progress"), leave=False,
               disable=None if progress is None else not progress)
    t0 = time.perf_counter()
    try:
        _ramp(model, optimizer, loss_fn, cycle, plan, record, bar)
    except KeyboardInterrupt:
        print(i18n.t("finder.interrupted", n=len(record.lrs)), file=sys.stderr)
        raise  # after the restore below: the user asked to stop, so we stop
    finally:
        snapshot.restore()  # also after an exception from loss_fn or the optimizer
        bar.close()
    return _result(record, plan, seconds=time.perf_counter() - t0)


@dataclass(frozen=True)
class _Plan:
    """The checked arguments of one range test."""

    lrs: np.ndarray  # the LR of each update
    mode: str
    beta: float
    diverge_factor: float | None
    val_list: list | None
    val_every: int
    suggest_on: str
    accumulation_steps: int
    device: torch.device


def _plan(model, optimizer, loss_fn, start_lr, end_lr, num_iters, mode, *, beta, diverge_factor, val_batches,
          val_every, suggest_on, accumulation_steps, device) -> _Plan:
    """Refuse what cannot work, before anything is touched; fill in the defaults."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer: expected a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn: expected a callable loss(outputs, targets), got {type(loss_fn).__name__}")
    where = _scheduler_attached(optimizer)
    if where is not None:
        raise ValueError(i18n.t("finder.err.scheduler", group=where if where >= 0 else 0))
    if isinstance(num_iters, bool) or not isinstance(num_iters, int) or num_iters < MIN_ITERS:
        raise ValueError(i18n.t("finder.err.num_iters", value=num_iters, minimum=MIN_ITERS))
    _check_number("start_lr", start_lr)
    _check_number("end_lr", end_lr)
    if start_lr >= end_lr:
        raise ValueError(i18n.t("finder.err.range", start=start_lr, end=end_lr))
    if mode not in ("exp", "linear"):
        raise ValueError(f"mode={mode!r} is not known; use 'exp' (the usual) or 'linear'")
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= beta < 1.0:
        raise ValueError(f"beta={beta!r} must be a number in [0, 1) (0.98 is typical)")
    if diverge_factor is not None:
        _check_number("diverge_factor", diverge_factor)
        if diverge_factor <= 1.0:
            raise ValueError(f"diverge_factor={diverge_factor!r} must be > 1 (4 is typical), or None")
    for name, value in (("accumulation_steps", accumulation_steps), ("val_every", val_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be an int >= 1")
    if suggest_on is None:
        suggest_on = "val" if val_batches is not None else "train"
    if suggest_on not in ("train", "val"):
        raise ValueError(f"suggest_on={suggest_on!r} must be 'train' or 'val'")
    if suggest_on == "val" and val_batches is None:
        raise ValueError("suggest_on='val' needs val_batches")
    val_list = None
    if val_batches is not None:
        val_list = list(val_batches)
        if not val_list:
            raise ValueError("val_batches: is empty; pass a few (inputs, targets) batches, or None")
    if not any(p.requires_grad for g in optimizer.param_groups for p in g["params"]):
        raise ValueError("optimizer: none of its parameters requires a gradient; nothing would be trained")
    if device is None:
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else torch.device("cpu")
    return _Plan(lr_ramp(float(start_lr), float(end_lr), num_iters, mode), mode, beta, diverge_factor, val_list,
                 val_every, suggest_on, accumulation_steps, torch.device(device))


@dataclass
class _Record:
    """What the run records, update by update, and how it ended."""

    lrs: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    smoothed: list = field(default_factory=list)
    val: list = field(default_factory=list)
    diverged_at: float | None = None
    stop_key: str = "finder.stop.end"
    stop_values: dict = field(default_factory=dict)


def _ramp(model, optimizer, loss_fn, cycle, plan: _Plan, rec: _Record, bar) -> None:
    """The updates at rising LRs, recorded into ``rec``, until the end of the ramp or divergence."""
    beta, num_iters = plan.beta, len(plan.lrs)
    avg, best = 0.0, math.inf
    check_from = max(1, num_iters // 10)
    model.train()
    for t in range(num_iters):
        lr = float(plan.lrs[t])
        micro = [_split(next(cycle)) for _ in range(plan.accumulation_steps)]
        micro = [(_to_device(x, plan.device), _to_device(y, plan.device)) for x, y in micro]
        _set_lr(optimizer, lr)
        loss_value = _update(model, optimizer, loss_fn, micro)
        if not math.isfinite(loss_value):
            rec.diverged_at = lr
            rec.stop_key, rec.stop_values = "finder.stop.nonfinite", {"value": str(loss_value), "lr": fmt_lr(lr)}
            return
        avg = beta * avg + (1.0 - beta) * loss_value
        smooth = avg / (1.0 - beta ** (t + 1))
        rec.lrs.append(lr)
        rec.losses.append(loss_value)
        rec.smoothed.append(smooth)
        if plan.val_list is not None:
            evaluate = t % plan.val_every == 0 or t == num_iters - 1
            rec.val.append(_evaluate(model, loss_fn, plan.val_list, plan.device) if evaluate else math.nan)
        # the stop reads a running median of the last 5 losses: it ignores a single spike,
        # and it does not lag 50 updates behind like the moving average with beta = 0.98
        recent = float(np.median(rec.losses[-5:]))
        best = min(best, recent, smooth)
        bar.update(1)
        bar.set_postfix(lr=f"{lr:.1e}", loss=f"{smooth:.3f}", refresh=False)
        if plan.diverge_factor is not None and t >= check_from and recent > plan.diverge_factor * best:
            rec.diverged_at = lr
            rec.stop_key, rec.stop_values = "finder.stop.diverged", {"lr": fmt_lr(lr)}
            return


def _update(model, optimizer, loss_fn, micro: list) -> float:
    """One optimizer step on the batches ``micro`` (gradients accumulated); the loss before it."""
    first_eval: list[float] = []

    def closure():
        # every torch.optim optimizer accepts a closure (LBFGS needs one); it may be
        # called several times, on the same batches, and the first value is recorded
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for x, y in micro:
            loss = loss_fn(model(x), y)
            if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                raise TypeError("loss_fn: must return a scalar tensor (reduce the batch with mean or sum)")
            (loss / len(micro)).backward()
            total += float(loss.detach()) / len(micro)
        if not first_eval:
            first_eval.append(total)
        return torch.tensor(total)

    optimizer.step(closure)
    return first_eval[0]


def _result(rec: _Record, plan: _Plan, seconds: float) -> FinderResult:
    """The suggestions read from the recorded curve (train or validation loss), as a FinderResult."""
    lr_arr = np.asarray(rec.lrs, dtype=np.float64)
    loss_arr = np.asarray(rec.losses, dtype=np.float64)
    val_arr = np.asarray(rec.val, dtype=np.float64) if plan.val_list is not None else None
    if plan.suggest_on == "val":
        ok = np.isfinite(val_arr)
        curve_lrs, curve = lr_arr[ok], val_arr[ok]
    else:
        curve_lrs, curve = lr_arr, loss_arr
    # stacklevel 3: the warnings point at the caller of lr_range_test
    if len(curve) < MIN_POINTS:
        warnings.warn(i18n.t("finder.warn.few_points", n=len(curve)), RuntimeWarning, stacklevel=3)
    if len(curve) >= 3:
        s = suggest(curve_lrs, curve)
        if rec.diverged_at is None and s.lr_at_min >= curve_lrs[int(0.95 * (len(curve_lrs) - 1))]:
            warnings.warn(i18n.t("finder.warn.edge", lr=fmt_lr(s.lr_at_min)), RuntimeWarning, stacklevel=3)
        trend = robust_trend(curve)
        suggestions, recommended = s.suggestions, s.recommended
        reason_key, reason_values = s.reason_key, s.reason_values
        lr_at_min, span = s.lr_at_min, s.valley_span
        if len(curve) < MIN_POINTS:
            reason_key, reason_values = "finder.reason.few_points", {"n": len(curve)}
    else:
        nan = float("nan")
        trend = curve.copy()
        suggestions, recommended = {"valley": nan, "steep": nan, "minimum": nan}, nan
        reason_key, reason_values = "finder.reason.few_points", {"n": len(curve)}
        lr_at_min, span = nan, (0, 0)
    return FinderResult(
        lrs=lr_arr, losses=loss_arr, smoothed=np.asarray(rec.smoothed, dtype=np.float64), trend=trend,
        val_losses=val_arr, suggestions=suggestions, recommended=float(recommended), diverged_at=rec.diverged_at,
        lr_at_min=float(lr_at_min), num_iters=len(plan.lrs), seconds=seconds, mode=plan.mode,
        stop_key=rec.stop_key, stop_values=rec.stop_values, reason_key=reason_key, reason_values=reason_values,
        suggested_on=plan.suggest_on, valley_span=span,
    )


@torch.no_grad()
def _evaluate(model, loss_fn, val_list, device) -> float:
    was = [(m, m.training) for m in model.modules()]
    model.eval()
    total, count = 0.0, 0
    for batch in val_list:
        x, y = _split(batch)
        x, y = _to_device(x, device), _to_device(y, device)
        n = len(y) if hasattr(y, "__len__") else 1
        total += float(loss_fn(model(x), y)) * n
        count += n
    for m, mode in was:
        m.training = mode
    return total / max(count, 1)
