"""lrcourse.train: per-step LR equals the schedule, reproducibility, checkpoint/resume, augmentation.

All tests train on tiny *synthetic* images (``synthetic_cifar``) with a narrow network, in fp32
unless a test is about precision, so that they take seconds.
"""

import math

import numpy as np
import pytest
import torch

from lrcourse import models, schedules, train


def synthetic_cifar(n_train=96, n_test=40, seed=0):
    """Synthetic uint8 images whose class is the brightest of ten 3x3 patches (learnable, not CIFAR)."""
    g = torch.Generator().manual_seed(seed)

    def make(n):
        y = torch.randint(0, 10, (n,), generator=g)
        x = torch.randint(0, 120, (n, 3, 32, 32), generator=g, dtype=torch.uint8)
        for i, c in enumerate(y.tolist()):
            r, col = divmod(c, 5)
            x[i, :, 4 + 12 * r: 10 + 12 * r, 2 + 6 * col: 6 + 6 * col] = 250
        return x, y

    return (*make(n_train), *make(n_test))


def tiny_net(seed=0):
    return models.cifar_net(widths=(8, 16, 16), seed=seed)


COMMON = dict(batch_size=16, precision="fp32", progress=False, tta=False)


def test_per_step_lr_equals_the_schedule():
    d = synthetic_cifar()
    spe = train.steps_per_epoch(96, 16)
    sched = schedules.warmup_cosine(0.05, warmup_steps=3, total_steps=2 * spe)
    h = train.train(sched, epochs=2, data=d, model=tiny_net(), **COMMON)
    assert len(h.lr) == len(h.loss) == 2 * spe == 12
    np.testing.assert_array_equal(np.array(h.lr), sched(np.arange(12)))
    assert h.lr[0] == 0.0  # warmup: the first update uses LR 0 (HF convention)
    assert len(h.test_acc) == len(h.train_acc) == len(h.epoch_time) == 2
    assert all(0.0 <= a <= 1.0 for a in h.test_acc)
    assert h.epoch_time[0] < h.epoch_time[1] <= h.wall_time
    assert h.images_per_s > 0 and not h.diverged


def test_the_optimizer_sees_the_scheduled_lr(monkeypatch):
    d = synthetic_cifar()
    sched = schedules.step_decay(0.1, step_size=2, gamma=0.5)
    seen = []
    original = torch.optim.SGD.step

    def spy(self, *a, **k):
        seen.append([g["lr"] for g in self.param_groups])
        return original(self, *a, **k)

    monkeypatch.setattr(torch.optim.SGD, "step", spy)
    train.train(sched, epochs=1, data=d, model=tiny_net(), **COMMON)
    # every param group, every step: the weights and other biases get schedule(t), the BatchNorm
    # biases 64x it (the recipe's bias_lr_scale)
    assert [sorted(set(s)) for s in seen] == [[sched(t), 64 * sched(t)] for t in range(6)]
    seen.clear()
    train.train(sched, epochs=1, data=d, model=tiny_net(), bias_lr_scale=1.0, **COMMON)
    assert [set(s) for s in seen] == [{sched(t)} for t in range(6)]


def test_training_learns_on_synthetic_data():
    d = synthetic_cifar(n_train=320, n_test=100)
    h = train.train(schedules.cosine(0.5, total_steps=6 * 20), epochs=6, data=d, model=tiny_net(), **COMMON)
    assert np.mean(h.loss[-20:]) < np.mean(h.loss[:20]) - 0.3
    assert h.final_test_acc > 0.35  # chance is 0.1 (about 0.5 is reached whatever the thread count)


def test_seeded_runs_are_reproducible_and_seeds_differ():
    d = synthetic_cifar()
    sched = schedules.constant(0.05)
    a = train.train(sched, epochs=1, data=d, model=tiny_net(), seed=1, **COMMON)
    b = train.train(sched, epochs=1, data=d, model=tiny_net(), seed=1, **COMMON)
    c = train.train(sched, epochs=1, data=d, model=tiny_net(), seed=2, **COMMON)
    assert a.loss == b.loss
    assert a.loss != c.loss


@pytest.mark.parametrize("stop_at", [4, 6, 9])  # mid-epoch, at an epoch boundary, in the last epoch
def test_resumed_run_is_bitwise_identical_to_an_uninterrupted_one(tmp_path, stop_at):
    d = synthetic_cifar()
    sched = schedules.cosine(0.1, total_steps=18)
    ref_model = tiny_net()
    ref = train.train(sched, epochs=3, data=d, model=ref_model, seed=5, **COMMON)

    ckpt = tmp_path / "run.pt"
    part = train.train(sched, epochs=3, data=d, model=tiny_net(), seed=5, checkpoint=ckpt, stop_after=stop_at, **COMMON)
    assert len(part.lr) == stop_at and ckpt.is_file()
    # a fresh process would build a fresh model: do the same
    resumed_model = tiny_net(seed=123)  # different initial weights: they must come from the checkpoint
    resumed = train.train(sched, epochs=3, data=d, model=resumed_model, seed=5, checkpoint=ckpt, **COMMON)

    assert resumed.lr == ref.lr
    assert resumed.loss == ref.loss  # bitwise: the same floats
    assert resumed.test_acc == ref.test_acc and resumed.test_loss == ref.test_loss
    assert resumed.train_acc == ref.train_acc
    for (k, v), (k2, v2) in zip(ref_model.state_dict().items(), resumed_model.state_dict().items()):
        assert k == k2 and torch.equal(v, v2), k
    # asking again returns the finished run at once
    again = train.train(sched, epochs=3, data=d, model=tiny_net(), seed=5, checkpoint=ckpt, **COMMON)
    assert again.loss == ref.loss


def test_checkpoint_of_another_configuration_is_refused(tmp_path):
    d = synthetic_cifar()
    ckpt = tmp_path / "run.pt"
    train.train(schedules.constant(0.05), epochs=1, data=d, model=tiny_net(), checkpoint=ckpt, **COMMON)
    with pytest.raises(ValueError, match="another configuration"):
        train.train(schedules.constant(0.1), epochs=1, data=d, model=tiny_net(), checkpoint=ckpt, **COMMON)


def test_divergence_stops_and_is_recorded():
    d = synthetic_cifar()
    h = train.train(schedules.constant(1e6), epochs=2, data=d, model=tiny_net(), **COMMON)
    assert h.diverged and h.diverged_at is not None
    assert not math.isfinite(h.loss[-1]) and len(h.loss) < 12
    assert h.final_test_acc == 0.1


def test_bf16_autocast_path_runs():
    d = synthetic_cifar()
    h = train.train(schedules.constant(0.05), epochs=1, data=d, model=tiny_net(), batch_size=16,
                    precision="bf16", progress=False)
    assert h.config["precision"] == "bf16" and all(math.isfinite(v) for v in h.loss)


def test_precision_and_device_selection():
    cpu = torch.device("cpu")
    assert train.select_precision(cpu, "fp32") == "fp32"
    assert train.select_precision(cpu, "auto") == ("bf16" if train.cpu_supports_bf16() else "fp32")
    assert train.select_device("cpu") == cpu
    assert train.select_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="precision='fp16'"):
        train.select_precision(cpu, "fp16")


def test_augment_batch_flips_and_shifts_each_image():
    x = torch.arange(2 * 1 * 8 * 8, dtype=torch.uint8).view(2, 1, 8, 8)
    g = torch.Generator().manual_seed(0)
    assert torch.equal(train.augment_batch(x, g, flip=False, translate=0), x)
    out = train.augment_batch(x.repeat(64, 1, 1, 1), g, flip=True, translate=2)
    assert out.shape == (128, 1, 8, 8) and out.dtype == torch.uint8
    # every output is the input shifted by (dy, dx) in [-2, 2]^2 with reflect padding, maybe mirrored
    src = x.repeat(64, 1, 1, 1)
    padded = torch.nn.functional.pad(src.float(), (2, 2, 2, 2), mode="reflect").to(torch.uint8)
    kinds = set()
    for i in range(len(out)):
        found = None
        for dy in range(5):
            for dx in range(5):
                crop = padded[i, :, dy:dy + 8, dx:dx + 8]
                if torch.equal(out[i], crop):
                    found = (dy, dx, False)
                elif torch.equal(out[i], torch.nn.functional.pad(src[i:i + 1].flip(3).float(), (2, 2, 2, 2), mode="reflect").to(torch.uint8)[0, :, dy:dy + 8, dx:dx + 8]):
                    found = (dy, dx, True)
        assert found is not None, i
        kinds.add(found)
    assert len(kinds) > 10  # shifts and flips really vary per image


@pytest.mark.parametrize("kwargs,match", [
    (dict(epochs=0), "epochs=0"),
    (dict(epochs=1, batch_size=1000), "batch_size=1000"),
])
def test_bad_arguments_are_named(kwargs, match):
    d = synthetic_cifar()
    kw = dict(COMMON)
    kw.update(kwargs)
    with pytest.raises(ValueError, match=match):
        train.train(schedules.constant(0.1), data=d, model=tiny_net(), **kw)


def test_schedule_must_be_callable_and_finite():
    d = synthetic_cifar()
    with pytest.raises(TypeError, match="schedule"):
        train.train(0.1, epochs=1, data=d, **COMMON)
    with pytest.raises(ValueError, match="schedule\\(0\\)"):
        train.train(lambda t: float("nan"), epochs=1, data=d, **COMMON)


def test_history_roundtrip_and_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    d = synthetic_cifar()
    h = train.train(schedules.constant(0.05), epochs=1, data=d, model=tiny_net(), **COMMON)
    h2 = train.History.from_dict(h.to_dict())
    assert h2 == h
    fig = train.plot_histories({"a": h, "b": h2})
    assert len(fig.axes) == 3 and fig.axes[0].get_ylabel() == "learning rate"


def test_whitening_stem_whitens_patches():
    torch.manual_seed(0)
    # correlated pixels: a smooth random field
    x = torch.nn.functional.avg_pool2d(torch.randn(64, 3, 36, 36), 5, stride=1)
    net = models.cifar_net(widths=(8, 16, 16))
    net.init_whitening(x, eps=1e-9)
    out = net.whiten(x)[:, :12].permute(0, 2, 3, 1).reshape(-1, 12)
    cov = torch.cov(out.T)
    torch.testing.assert_close(cov, torch.eye(12), atol=0.05, rtol=0.05)
    assert not net.whiten.weight.requires_grad


def test_tta_levels_share_passes_and_match_separate_evaluations():
    d = synthetic_cifar(n_train=96, n_test=40)
    kw = dict(COMMON, tta=2)
    h = train.train(schedules.cosine(0.05, total_steps=6), epochs=1, data=d, model=tiny_net(), **kw)
    assert len(h.tta_acc) == 3 and h.tta_acc[-1] == h.final_test_acc
    # the same trained network evaluated at each level on its own gives the same accuracies
    net = tiny_net()
    train.train(schedules.cosine(0.05, total_steps=6), epochs=1, data=d, model=net, **kw)
    x_te, y_te = d[2], d[3]
    separate = [train.evaluate(net, x_te, y_te, tta=level)[0] for level in (0, 1, 2)]
    assert separate == pytest.approx(h.tta_acc)
    together = train.predict(net, x_te, tta=2, all_levels=True)
    alone = [train.predict(net, x_te, tta=level) for level in (0, 1, 2)]
    for a, b in zip(together, alone):
        torch.testing.assert_close(a, b)
    # views: level 1 = image + mirror; level 2 adds the two one-pixel diagonal shifts, weights sum to 1
    xb = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).view(2, 3, 4, 4)
    for level, n in ((0, 1), (1, 2), (2, 6)):
        views = train._views(xb, level)
        assert len(views) == len(train.TTA_WEIGHTS[level]) == n and sum(train.TTA_WEIGHTS[level]) == pytest.approx(1.0)
        torch.testing.assert_close(views[0], xb)
        if level:
            torch.testing.assert_close(views[1], xb.flip(3))
    torch.testing.assert_close(train._views(xb, 2)[2][:, :, 1:, 1:], xb[:, :, :3, :3])
    torch.testing.assert_close(train._views(xb, 2)[3], train._views(xb, 2)[2].flip(3))
    with pytest.raises(ValueError, match="tta=3"):
        train.predict(net, x_te, tta=3)
