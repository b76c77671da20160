"""Benchmark of lrcourse.train on CIFAR-10 (not a test: it prints numbers and ratios).

1. Throughput (the default): training images per second of

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

   Next to it, how close the trainer comes to the machine: the network's FLOPs per image for one
   training step (forward + backward, counted with ``torch.utils.flop_counter.FlopCounterMode``),
   the GFLOP/s that ``lrcourse``'s images/s make, the GFLOP/s of a bf16 (fp32 where the CPU has no
   bf16) 2048x2048 matmul measured in this process right before and after each trainer run on the
   same thread count, and their ratio (goal >= 65%); the same for the trainer on one thread, in the
   same process (the thread setting). The load average is printed, with a warning when it exceeds
   the core count: figures from a busy machine are low, their ratios still comparable.

2. Compile check (``--compile``): the trainer's step eager vs ``torch.compile``, alternately in
   one process, with the compile time apart (see :func:`compile_check` for what it found here).

3. Accuracy (``--accuracy``): the standard recipe on the whole training set for ``--epochs``
   epochs (batch 512, Nesterov SGD, linear warmup over the first 23% of updates then linear decay
   to 0, as airbench), printing test accuracy and wall time after every epoch. Goal: >= 90% in
   about 10 minutes on a 2-core CPU, >= 93% within 10 epochs. It prints the achieved GFLOP/s and
   the matmul ratio of the whole run too.

Usage::

    .venv/bin/python benchmarks/train.py                      # throughput and GFLOP/s ratio
    .venv/bin/python benchmarks/train.py --steps 4 --repeats 2  # the same, about 1.5 min on a busy 2-core machine
    .venv/bin/python benchmarks/train.py --compile            # eager vs torch.compile
    .venv/bin/python benchmarks/train.py --accuracy --epochs 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# OpenMP threads that wait for work sleep instead of spinning. libgomp reads this once, when torch
# loads it, so it is set before `import torch`. Same results bit for bit (the work is split among
# the threads as before). On this 2-core machine shared with other processes (load 3-7) the trainer
# ran 2.4-3x faster with it: spinning threads take the core the other thread needs. On an idle
# machine it costs a wake-up (tens of microseconds) per parallel region, a few hundred per step:
# about 1% of a step by that estimate (not measured: the machine was never idle). Set
# OMP_WAIT_POLICY=ACTIVE in the environment to measure without it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

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


# --------------------------------------------------------------------------------------------
# what the machine can do: the network's FLOPs, a matmul as the reference, the load


def flops_per_image(x, y, precision, batch=32):
    """FLOPs of one training step per image (forward + backward), counted, not estimated.

    ``torch.utils.flop_counter.FlopCounterMode`` records the convolutions and matmuls of one
    step of the trainer's network on ``batch`` images: the forward pass, and in the backward pass
    the weight gradients and the input gradients that are needed (the frozen whitening stem has
    none, and nothing flows into the image). Elementwise work (BatchNorm, GELU, pooling, the
    optimizer) is not counted, as usual: it is memory-bound and small in FLOPs.
    Returns ``(total, forward)`` per image.
    """
    from torch.utils.flop_counter import FlopCounterMode

    model = make_model(x, channels_last=precision != "fp32")
    xb = data.normalize_cifar(x[:batch]).contiguous(memory_format=torch.channels_last)
    with FlopCounterMode(display=False) as counter:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = torch.nn.functional.cross_entropy(model(xb).float(), y[:batch])
        forward = counter.get_total_flops()
        loss.backward()
    return counter.get_total_flops() / batch, forward / batch


def matmul_gflops(dtype, n=2048, seconds=1.0):
    """GFLOP/s of an n x n @ n x n matmul in ``dtype`` on the current thread count: the median
    over ``seconds`` of repeats after one warm-up (long enough to share a busy machine's ups and
    downs with the trainer run next to it). What this CPU's dense kernels reach: the ceiling."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    times, start = [], time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def load_note(where: str) -> str:
    """The load averages (1, 5, 15 min) against the core count; a warning when the machine is busy."""
    load, cores = os.getloadavg(), os.cpu_count() or 1
    note = f"load average {where}: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {cores} cores"
    if load[0] > cores:
        note += (f"\n  WARNING: the machine is busy (1-min load {load[0]:.1f} > {cores} cores): absolute figures are"
                 " low; the ratios, measured alternately in this one process, are the figures to compare")
    return note


# --------------------------------------------------------------------------------------------
# the throughput benchmark


def throughput(args):
    x_tr, y_tr, _, _ = data.load_cifar10()
    bs, steps = args.batch_size, args.steps
    dev = train.select_device("cpu")
    prec = train.select_precision(dev, "auto")
    mm_dtype = torch.bfloat16 if prec == "bf16" else torch.float32
    threads = torch.get_num_threads()
    print(f"CPU threads: {threads}, os.cpu_count(): {os.cpu_count()}, lrcourse precision: {prec}, "
          f"batch {bs}, {steps} steps per measurement, {args.repeats} alternating repeats, "
          f"baseline DataLoader workers: {args.workers}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    print(load_note("at the start"), flush=True)
    flops, fwd_flops = flops_per_image(x_tr, y_tr, prec)
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
    matmul = {threads: []}
    if threads > 1:  # the thread setting: the same trainer on one thread, in the same process
        results["lrcourse 1 thread"], matmul[1] = [], []
    for r in range(args.repeats):
        for n_threads in matmul:  # the matmul right before and right after each trainer measurement
            torch.set_num_threads(n_threads)
            matmul[n_threads].append(matmul_gflops(mm_dtype))
            results["lrcourse" if n_threads == threads else "lrcourse 1 thread"].append(
                time_lrcourse(x_tr, y_tr, steps, bs, prec))
            matmul[n_threads].append(matmul_gflops(mm_dtype))
        torch.set_num_threads(threads)
        try:
            results["baseline"].append(time_baseline(it, base_model, base_opt, steps))
        except StopIteration:
            it = iter(loader)
            results["baseline"].append(time_baseline(it, base_model, base_opt, steps))
        results["lrcourse fp32 NCHW"].append(time_lrcourse(x_tr, y_tr, steps, bs, "fp32"))
        results["baseline data path"].append(time_baseline(data_it, None, None, steps, train_too=False))
        print(f"  repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in results.items())
              + f"; load {os.getloadavg()[0]:.2f}", flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    print("\nimages/s (median of the repeats):")
    for k, v in med.items():
        print(f"  {k:22s} {v:8.0f}")
    print(f"\nratio lrcourse / baseline:            {med['lrcourse'] / med['baseline']:.2f}x  (goal >= 2x)")
    print(f"ratio lrcourse fp32 NCHW / baseline:  {med['lrcourse fp32 NCHW'] / med['baseline']:.2f}x  (the data path alone)")
    print(f"ratio lrcourse / lrcourse fp32 NCHW:  {med['lrcourse'] / med['lrcourse fp32 NCHW']:.2f}x  "
          f"({prec} autocast + channels-last)")
    print_efficiency(med, matmul, flops, fwd_flops, threads, str(mm_dtype).removeprefix("torch."))
    print(load_note("at the end"))


def print_efficiency(med, matmul, flops, fwd_flops, threads, mm_name):
    """Achieved GFLOP/s of the training step against the same process's matmul GFLOP/s."""
    print(f"\nnetwork: {flops:.3g} FLOPs per image for one training step (forward {fwd_flops:.3g} + backward "
          f"{flops - fwd_flops:.3g}; convolutions and matmuls counted by torch.utils.flop_counter.FlopCounterMode "
          "on one step of 32 images; elementwise ops not counted)")
    for n_threads, label in ((threads, "lrcourse"), (1, "lrcourse 1 thread")):
        if label not in med:
            continue
        achieved, peak = med[label] * flops / 1e9, statistics.median(matmul[n_threads])
        name = label if label.endswith("thread") else f"{label} ({n_threads} threads)"
        print(f"{name}: {med[label]:.0f} images/s x {flops:.3g} "
              f"= {achieved:.0f} GFLOP/s; {mm_name} 2048x2048 matmul in this process: {peak:.0f} GFLOP/s "
              f"(median of {len(matmul[n_threads])}, right before and after each run); "
              f"ratio {achieved / peak:.0%} (goal >= 65%)")


def compile_check(args):
    """``--compile``: the trainer's step (batch augmentation, normalisation, bf16 forward, loss,
    backward, SGD) with the eager model and with ``torch.compile(model)``, alternately in this
    process; the compile time (the first two steps, less the eager ones) separately.

    Measured here (torch 2.14, 2-core AMD EPYC with AVX512-BF16, busy machine): the compiled step
    was 0.67-0.87x as fast as eager, and 0.93x with the max-pool kept out of the graph; compiling
    took 25-150 s cold (seconds with inductor's on-disk cache). The profile shows why: inductor's
    fused backward kernels (BatchNorm + GELU + max-pool backward) take longer than eager's separate
    ones, and the convolutions (oneDNN either way) are the same. So the trainer stays eager; this
    check is here to try again with a newer torch."""
    x_tr, y_tr, _, _ = data.load_cifar10()
    bs, prec = args.batch_size, train.select_precision(torch.device("cpu"), "auto")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {prec}; {load_note('at the start')}", flush=True)

    def stepper(compiled):
        model = make_model(x_tr, channels_last=True)
        opt, loss_fn = train.practice_setup(model, x_tr)
        fwd = torch.compile(model) if compiled else model
        norm, gen = train._Normalizer(torch.device("cpu"), True), torch.Generator().manual_seed(0)

        def step(i):
            idx = torch.arange(i * bs, (i + 1) * bs) % len(x_tr)
            xb, yb = norm(train.augment_batch(x_tr[idx], gen)), y_tr[idx]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=prec == "bf16"):
                loss = loss_fn(fwd(xb).float(), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return step

    steps, first = {}, {}
    for name, compiled in (("eager", False), ("compiled", True)):
        t = time.perf_counter()
        try:
            steps[name] = stepper(compiled)
            steps[name](0), steps[name](1)
        except Exception as e:  # no C++ compiler, an unsupported op, ...: say so and measure eager alone
            print(f"torch.compile failed here ({type(e).__name__}: {str(e).splitlines()[0][:120]}); eager only")
            steps.pop(name)
        first[name] = time.perf_counter() - t
    res = {k: [] for k in steps}
    for r in range(args.repeats):
        for name, step in steps.items():
            t = time.perf_counter()
            for i in range(args.steps):
                step(i + 2)
            res[name].append(args.steps * bs / (time.perf_counter() - t))
        print(f"  repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f} images/s" for k, v in res.items()), flush=True)
    med = {k: statistics.median(v) for k, v in res.items()}
    if "compiled" in med:
        compile_s = first["compiled"] - first["eager"]
        print(f"compile time about {compile_s:.0f} s (inductor caches compiled graphs on disk: a second run compiles faster)")
        print(f"compiled / eager: {med['compiled'] / med['eager']:.2f}x  ({med['compiled']:.0f} vs {med['eager']:.0f} images/s)")
    print(load_note("at the end"))


def accuracy(args):
    x_tr, y_tr, x_te, y_te = data.load_cifar10()
    bs = args.batch_size
    total = args.epochs * train.steps_per_epoch(len(x_tr), bs)
    warm = round(0.23 * total)
    sched = schedules.warmup_linear(args.lr, warmup_steps=warm, total_steps=total)
    prec = train.select_precision(train.select_device("auto"), "auto")
    mm_dtype, threads = (torch.bfloat16 if prec == "bf16" else torch.float32), torch.get_num_threads()
    print(f"standard recipe: {args.epochs} epochs, batch {bs}, {total} updates, {sched!r}", flush=True)
    print(load_note("at the start"), flush=True)
    flops, fwd_flops = flops_per_image(x_tr, y_tr, prec)
    matmul = [matmul_gflops(mm_dtype)]
    h = train.train(sched, epochs=args.epochs, batch_size=bs, progress=False, verbose=True,
                    checkpoint=args.checkpoint)
    matmul.append(matmul_gflops(mm_dtype))
    print("\nepoch  test acc  wall time")
    for e, (acc, t) in enumerate(zip(h.test_acc, h.epoch_time), 1):
        print(f"{e:5d}  {100 * acc:7.2f}%  {t / 60:6.1f} min")
    print(f"images/s while training: {h.images_per_s:.0f}; precision {h.config['precision']}")
    if h.config["device"] == "cpu":
        print_efficiency({"lrcourse": h.images_per_s}, {threads: matmul}, flops, fwd_flops, threads,
                         str(mm_dtype).removeprefix("torch."))
    print(load_note("at the end"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accuracy", action="store_true", help="run the accuracy benchmark instead of throughput")
    p.add_argument("--compile", action="store_true",
                   help="compare the training step eager vs torch.compile instead (compiling takes 0.5-3 min)")
    p.add_argument("--threads", type=int, default=None, help="intra-op threads (default: torch's, one per core)")
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
    if args.threads:
        torch.set_num_threads(args.threads)
    (accuracy if args.accuracy else compile_check if args.compile else throughput)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
