"""train_mlp(schedule, steps, seed): correct loops and the usual mistakes (Part 3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lrcourse.data import digits
from lrcourse.models import digits_mlp

from . import buggy, correct

_DATA = None
BATCH = 16  # as in the assignment (Part 3)


def _data():
    global _DATA
    if _DATA is None:
        _DATA = digits()
    return _DATA


def _loop(schedule, steps, seed, *, lr_of=None, set_lr=True, after=False, seeded=True, record=None,
          extra_steps=0, every=1):
    """The solution's loop with switches for the usual mistakes."""
    x_train, y_train, x_test, y_test = _data()
    model = digits_mlp(seed=seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=float(schedule(0)), momentum=0.9)
    generator = torch.Generator().manual_seed(seed) if seeded else None
    order, position = torch.randperm(len(x_train), generator=generator), 0
    history = {"lr": [], "loss": []}
    lr_of = lr_of or (lambda t: float(schedule(t)))
    for t in range(steps):
        if position + BATCH > len(order):
            order, position = torch.randperm(len(x_train), generator=generator), 0
        batch = order[position : position + BATCH]
        position += BATCH
        lr = lr_of(t)
        if set_lr and not after and t % every == 0:
            for group in optimizer.param_groups:
                group["lr"] = lr
        loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        for _ in range(extra_steps):
            optimizer.step()
        if set_lr and after:
            for group in optimizer.param_groups:
                group["lr"] = lr
        history["lr"].append(record(t) if record else lr)
        history["loss"].append(loss.item())
    with torch.no_grad():
        history["test_acc"] = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    return history


@correct("train")
def train_solution(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed)


@correct("train")
def train_with_lambda_lr(schedule, steps=300, seed=0):
    """A torch scheduler, used in the right order."""
    x_train, y_train, x_test, y_test = _data()
    model = digits_mlp(seed=seed)
    base = float(schedule(0)) or 1.0
    optimizer = torch.optim.SGD(model.parameters(), lr=base, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: float(schedule(t)) / base)
    generator = torch.Generator().manual_seed(seed)
    history = {"lr": [], "loss": []}
    t = 0
    while t < steps:
        for batch in torch.randperm(len(x_train), generator=generator).split(BATCH):
            if t == steps:
                break
            history["lr"].append(optimizer.param_groups[0]["lr"])
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            history["loss"].append(float(loss))
            t += 1
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).double().mean()
    history["test_acc"] = acc  # a 0-d tensor is a number too
    return history


@buggy("train", "checks.train.lr_ahead")
def train_schedule_t_plus_one(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed, lr_of=lambda t: float(schedule(t + 1)))


@buggy("train", "checks.train.lr_ahead")
def train_scheduler_before_optimizer(schedule, steps=300, seed=0):
    """The classic order mistake with a torch scheduler (PyTorch warns; the check explains)."""
    x_train, y_train, x_test, y_test = _data()
    model = digits_mlp(seed=seed)
    base = float(schedule(0))
    optimizer = torch.optim.SGD(model.parameters(), lr=base, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: float(schedule(t)) / base)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x_train), generator=generator)
    history = {"lr": [], "loss": []}
    for t in range(steps):
        batch = order[(t * BATCH) % (len(order) - BATCH) :][:BATCH]
        scheduler.step()
        history["lr"].append(optimizer.param_groups[0]["lr"])
        loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history["loss"].append(loss.item())
    with torch.no_grad():
        history["test_acc"] = (model(x_test).argmax(1) == y_test).float().mean().item()
    return history


@buggy("train", "checks.train.lr_late")
def train_sets_lr_after_step(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed, after=True)


@buggy("train", "checks.train.lr_constant")
def train_never_sets_lr(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed, set_lr=False)


@buggy("train", "checks.train.lr_wrong")
def train_sets_lr_every_other_step(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed, every=2)


@buggy("train", "checks.train.history_lr")
def train_records_the_wrong_lr(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed, record=lambda t: float(schedule(t + 1)))


@buggy("train", "checks.train.not_deterministic")
def train_unseeded_batches(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed, seeded=False)


@buggy("train", "checks.train.n_steps")
def train_two_updates_per_step(schedule, steps=300, seed=0):
    return _loop(schedule, steps, seed, extra_steps=1)


@buggy("train", "checks.train.no_steps")
def train_by_hand(schedule, steps=300, seed=0):
    """Plain SGD written by hand: no torch.optim, so the check cannot see the LR used."""
    x_train, y_train, _, _ = _data()
    model = digits_mlp(seed=seed)
    history = {"lr": [], "loss": [], "test_acc": 0.5}
    for t in range(steps):
        loss = F.cross_entropy(model(x_train[:BATCH]), y_train[:BATCH])
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= schedule(t) * p.grad
        history["lr"].append(schedule(t))
        history["loss"].append(loss.item())
    return history


@buggy("train", "checks.train.loss")
def train_keeps_loss_tensors(schedule, steps=300, seed=0):
    history = _loop(schedule, steps, seed)
    x_train, y_train, _, _ = _data()
    model = digits_mlp(seed=seed)
    history["loss"] = [F.cross_entropy(model(x_train[:8]), y_train[:8])] * steps  # tensors that need grad
    return history


@buggy("train", "checks.train.keys")
def train_without_accuracy(schedule, steps=300, seed=0):
    history = _loop(schedule, steps, seed)
    del history["test_acc"]
    return history


@buggy("train", "checks.train.acc")
def train_accuracy_in_percent(schedule, steps=300, seed=0):
    history = _loop(schedule, steps, seed)
    history["test_acc"] *= 100
    return history


@buggy("train", "checks.train.not_dict")
def train_returns_nothing(schedule, steps=300, seed=0):
    _loop(schedule, steps, seed)


@buggy("train", "checks.train.raised")
def train_raises(schedule, steps=300, seed=0):
    x_train, y_train, _, _ = _data()
    model = digits_mlp(seed=seed)
    model(x_train.reshape(-1, 8, 8))  # shape error
