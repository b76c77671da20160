"""Benchmark of lrcourse.train on CIFAR-10 (not a test: it prints numbers and ratios).

1. Throughput (``--throughput``, the default): training images per second of

   - ``lrcourse``: lrcourse.train's path: uint8 tensors in memory, batch-level flip+translate on
     tensors, channels-last, bf16 autocast where the CPU supports it (the trainer's own choices);
   - ``baseline``: the plain recipe of the tutorials with the *same network*: a torchvision-style
     dataset (``PIL.Image.fromarray`` + ``RandomCrop(32, padding=2, reflect)`` +
     ``RandomHorizontalFlip`` + ``ToTensor`` + ``Normalize`` per image, as
     ``torchvision.datasets.CIFAR10`` does), a ``DataLoader`` with ``--workers`` worker processes,
     fp32, NCHW;
   - the two halves of the difference: ``lrcourse`` with fp32 and NCHW (its data path, without
     the precision and layout gains), and the baseline's per-image data path alone, in one process
     (no training, no workers): what the per-image PIL transforms cost in CPU time.

   The runs alternate (A B A B ...) in one process, and the ratio is taken of the medians, so that
   a machine shared with other work changes both sides alike. Goal: lrcourse / baseline >= 2.

2. Accuracy (``--accuracy``): the standard recipe on the whole training set for ``--epochs``
   epochs (batch 512, Nesterov SGD, linear warmup over the first 23% of updates then linear decay
   to 0, as airbench), printing test accuracy and wall time after every epoch. Goal: >= 90% in
   about 10 minutes on a 2-core CPU, >= 93% within 10 epochs.

Usage::

    .venv/bin/python benchmarks/train.py                      # throughput
    .venv/bin/python benchmarks/train.py --accuracy --epochs 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lrcourse import data, models, schedules, train  # noqa: E402


class TorchvisionStyleCIFAR(torch.utils.data.Dataset):
    """What ``torchvision.datasets.CIFAR10`` does per item: an HWC uint8 array -> PIL -> transform."""

    def __init__(self, x_uint8: torch.Tensor, y: torch.Tensor, transform):
        self.data = x_uint8.permute(0, 2, 3, 1).contiguous().numpy()
        self.targets = y.tolist()
        self.transform = transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        from PIL import Image

        return self.transform(Image.fromarray(self.data[i])), self.targets[i]


def baseline_loader(x, y, batch_size, workers, seed=0):
    import torchvision.transforms as T

    tf = T.Compose([
        T.RandomCrop(32, padding=2, padding_mode="reflect"),
        T.RandomHorizontalFlip(),
        T.ToTensor(),
        T.Normalize(data.CIFAR10_MEAN, data.CIFAR10_STD),
    ])
    ds = TorchvisionStyleCIFAR(x, y, tf)
    return torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True,
                                       persistent_workers=workers > 0, generator=torch.Generator().manual_seed(seed))


def make_model(x_train, channels_last: bool):
    m = models.cifar_net(seed=0)
    train.whiten_stem(m, x_train)
    return m.to(memory_format=torch.channels_last) if channels_last else m


def time_baseline(loader_iter, model, opt, steps, train_too=True):
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.2)
    n = 0
    t = time.perf_counter()
    for _ in range(steps):
        xb, yb = next(loader_iter)
        if train_too:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        n += len(yb)
    return n / (time.perf_counter() - t)


def time_lrcourse(x, y, steps, batch_size, precision):
    # the trainer itself, on a slice of exactly `steps` batches (one epoch, no evaluation cost counted)
    n = steps * batch_size
    xs, ys = x[:n], y[:n]
    h = train.train(schedules.constant(0.2), epochs=1, data=(xs, ys, xs[:batch_size], ys[:batch_size]),
                    batch_size=batch_size, precision=precision, channels_last=precision != "fp32",
                    tta=False, progress=False)
    return h.images_per_s


def throughput(args):
    x_tr, y_tr, _, _ = data.load_cifar10()
    bs, steps = args.batch_size, args.steps
    dev = train.select_device("cpu")
    prec = train.select_precision(dev, "auto")
    print(f"CPU threads: {torch.get_num_threads()}, os.cpu_count(): {os.cpu_count()}, lrcourse precision: {prec}, "
          f"batch {bs}, {steps} steps per measurement, {args.repeats} alternating repeats, "
          f"baseline DataLoader workers: {args.workers}", flush=True)
    loader = baseline_loader(x_tr, y_tr, bs, args.workers)
    it = iter(loader)
    # the per-image data path alone, in this process (no worker prefetching to hide its cost)
    data_it = iter(baseline_loader(x_tr, y_tr, bs, 0, seed=1))

    base_model = make_model(x_tr, channels_last=False)
    base_opt = torch.optim.SGD(base_model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    # warm-up of both paths (oneDNN primitive creation, worker start)
    time_baseline(it, base_model, base_opt, 2)
    time_lrcourse(x_tr, y_tr, 2, bs, prec)
    results = {"lrcourse": [], "lrcourse fp32 NCHW": [], "baseline": [], "baseline data path": []}
    for r in range(args.repeats):
        results["lrcourse"].append(time_lrcourse(x_tr, y_tr, steps, bs, prec))
        try:
            results["baseline"].append(time_baseline(it, base_model, base_opt, steps))
        except StopIteration:
            it = iter(loader)
            results["baseline"].append(time_baseline(it, base_model, base_opt, steps))
        results["lrcourse fp32 NCHW"].append(time_lrcourse(x_tr, y_tr, steps, bs, "fp32"))
        results["baseline data path"].append(time_baseline(data_it, None, None, steps, train_too=False))
        print(f"  repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in results.items()), flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    print("\nimages/s (median of the repeats):")
    for k, v in med.items():
        print(f"  {k:22s} {v:8.0f}")
    print(f"\nratio lrcourse / baseline:            {med['lrcourse'] / med['baseline']:.2f}x  (goal >= 2x)")
    print(f"ratio lrcourse fp32 NCHW / baseline:  {med['lrcourse fp32 NCHW'] / med['baseline']:.2f}x  (the data path alone)")
    print(f"ratio lrcourse / lrcourse fp32 NCHW:  {med['lrcourse'] / med['lrcourse fp32 NCHW']:.2f}x  "
          f"({prec} autocast + channels-last)")
    print(f"load average at the end: {os.getloadavg()}")


def accuracy(args):
    x_tr, y_tr, x_te, y_te = data.load_cifar10()
    bs = args.batch_size
    total = args.epochs * train.steps_per_epoch(len(x_tr), bs)
    warm = round(0.23 * total)
    sched = schedules.warmup_linear(args.lr, warmup_steps=warm, total_steps=total)
    print(f"standard recipe: {args.epochs} epochs, batch {bs}, {total} updates, {sched!r}", flush=True)
    h = train.train(sched, epochs=args.epochs, batch_size=bs, progress=False, verbose=True,
                    checkpoint=args.checkpoint)
    print("\nepoch  test acc  wall time")
    for e, (acc, t) in enumerate(zip(h.test_acc, h.epoch_time), 1):
        print(f"{e:5d}  {100 * acc:7.2f}%  {t / 60:6.1f} min")
    print(f"images/s while training: {h.images_per_s:.0f}; precision {h.config['precision']}; "
          f"load average {os.getloadavg()}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accuracy", action="store_true", help="run the accuracy benchmark instead of throughput")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--steps", type=int, default=8, help="updates per throughput measurement")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", type=int, default=2, help="DataLoader workers of the baseline (tutorials use 2)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=2.0, help="peak LR of the accuracy run (batch 512)")
    p.add_argument("--checkpoint", default=None, help="checkpoint file for the accuracy run (resumable)")
    args = p.parse_args(argv)
    if not data.cifar10_available():
        print("CIFAR-10 is not imported: run `lrcourse data import PATH` or `lrcourse data download` first.")
        return 1
    (accuracy if args.accuracy else throughput)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
