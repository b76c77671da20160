"""Tests of lrcourse.finder: bitwise restore, the suggestion rules, the refusals, the command line
(and the built-in problems of lrcourse.problems it runs on)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

import lrcourse
from lrcourse import finder
from lrcourse.data import TensorBatches
from lrcourse.finder import FinderResult, lr_range_test, robust_trend, suggest, valley_index
from lrcourse.problems import builtin_problem


# ---------------------------------------------------------------------------------------------
# A small problem with BatchNorm, dropout (consumes the RNG) and a non-persistent buffer
# ---------------------------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))
        self.register_buffer("calls", torch.zeros(()), persistent=False)

    def forward(self, x):
        self.calls += 1  # a buffer that is not in state_dict but is changed by the test
        return self.body(x)


def make_data(n=512, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    w = torch.randn(8, 3, generator=g)
    y = (x @ w).argmax(1)
    return x, y


def make_setup(opt_name, seed=0):
    torch.manual_seed(seed)
    model = Net()
    if opt_name == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    elif opt_name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    else:
        raise ValueError(opt_name)
    x, y = make_data()
    batches = TensorBatches(x, y, 32, seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    # a few real steps first, so that the optimizer has state (moments, momentum buffers, step
    # counts), BatchNorm has running statistics and the parameters have gradients
    for i, (xb, yb) in enumerate(batches):
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
        if i == 3:
            break
    return model, opt, loss_fn, batches


def capture(model, opt):
    """Every tensor and value the test could change, deep-copied."""
    return {
        "params": [p.detach().clone() for p in model.parameters()],
        "grads": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "buffers": [(n, b.clone()) for n, b in model.named_buffers()],
        "training": [m.training for m in model.modules()],
        "state": {i: {k: (v.clone() if torch.is_tensor(v) else v) for k, v in opt.state[p].items()}
                  for i, p in enumerate(model.parameters())},
        "groups": [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups],
        "param_ids": [[id(p) for p in g["params"]] for g in opt.param_groups],
        "rng": torch.get_rng_state(),
        "py_rng": random.getstate(),
        "np_rng": np.random.get_state()[1].copy(),
    }


def assert_same(before, model, opt):
    after = capture(model, opt)
    for a, b in zip(before["params"], after["params"]):
        assert torch.equal(a, b)
    for a, b in zip(before["grads"], after["grads"]):
        assert (a is None and b is None) or torch.equal(a, b)
    assert [n for n, _ in before["buffers"]] == [n for n, _ in after["buffers"]]
    for (name, a), (_, b) in zip(before["buffers"], after["buffers"]):
        assert torch.equal(a, b), f"buffer {name} changed"
    assert before["training"] == after["training"]
    assert before["state"].keys() == after["state"].keys()
    for i in before["state"]:
        sa, sb = before["state"][i], after["state"][i]
        assert sa.keys() == sb.keys()
        for k in sa:
            if torch.is_tensor(sa[k]):
                assert torch.equal(sa[k], sb[k]) and sa[k].dtype == sb[k].dtype, f"optimizer state {k} changed"
            else:
                assert sa[k] == sb[k]
    assert before["groups"] == after["groups"]  # lr, momentum, betas, weight_decay... and no new keys
    assert before["param_ids"] == after["param_ids"]
    assert torch.equal(before["rng"], after["rng"])
    assert before["py_rng"] == after["py_rng"]
    assert np.array_equal(before["np_rng"], after["np_rng"])


OPTIMIZERS = ["adam", "sgd"]


@pytest.mark.filterwarnings("ignore:the loss was still at its lowest:RuntimeWarning")
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_normal_run_restores_everything(opt_name, mode):
    model, opt, loss_fn, batches = make_setup(opt_name)
    getattr(model, mode)()
    before = capture(model, opt)
    res = lr_range_test(model, opt, loss_fn, batches, num_iters=40, end_lr=1.0, progress=False)
    assert res.num_updates > 20  # it really trained
    assert float(model.calls) == float(before["buffers"][-1][1])  # non-persistent buffer restored
    assert_same(before, model, opt)


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_divergent_run_stops_and_restores(opt_name):
    model, opt, loss_fn, batches = make_setup(opt_name)
    before = capture(model, opt)
    res = lr_range_test(model, opt, loss_fn, batches, start_lr=1e-4, end_lr=1e6, num_iters=60, progress=False)
    assert res.diverged_at is not None
    assert res.num_updates < 60  # it stopped early
    assert res.diverged_at <= 1e6 and res.diverged_at > res.lrs[0]
    assert_same(before, model, opt)


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_nan_loss_stops_reports_and_restores(opt_name):
    model, opt, loss_fn, batches = make_setup(opt_name)
    calls = {"n": 0}

    def nan_after_25(out, y):
        calls["n"] += 1
        loss = loss_fn(out, y)
        return loss * float("nan") if calls["n"] > 25 else loss

    before = capture(model, opt)
    res = lr_range_test(model, opt, nan_after_25, batches, num_iters=50, progress=False)
    assert res.num_updates == 25
    assert res.diverged_at == pytest.approx(finder.lr_ramp(1e-7, 10.0, 50, "exp")[25])
    assert "nan" in res.summary()
    assert np.isfinite(res.losses).all()
    assert_same(before, model, opt)


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_keyboard_interrupt_restores_and_propagates(opt_name):
    model, opt, loss_fn, batches = make_setup(opt_name)
    calls = {"n": 0}

    def interrupted(out, y):
        calls["n"] += 1
        if calls["n"] == 17:
            raise KeyboardInterrupt
        return loss_fn(out, y)

    before = capture(model, opt)
    with pytest.raises(KeyboardInterrupt):
        lr_range_test(model, opt, interrupted, batches, num_iters=50, progress=False)
    assert calls["n"] == 17
    assert_same(before, model, opt)


def test_error_in_loss_fn_restores():
    model, opt, loss_fn, batches = make_setup("adam")

    def broken(out, y):
        if torch.rand(()) < 0.2:  # consumes the RNG too
            raise RuntimeError("boom")
        return loss_fn(out, y)

    before = capture(model, opt)
    with pytest.raises(RuntimeError, match="boom"):
        lr_range_test(model, opt, broken, batches, num_iters=200, progress=False)
    assert_same(before, model, opt)


def test_fresh_optimizer_stays_without_state():
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    x, y = make_data()
    lr_range_test(model, opt, nn.CrossEntropyLoss(), TensorBatches(x, y, 32), num_iters=30, progress=False)
    assert len(opt.state) == 0
    assert opt.param_groups[0]["lr"] == 3e-4
    assert all(p.grad is None for p in model.parameters())


def test_tensor_lr_object_is_kept():
    torch.manual_seed(0)
    model = Net()
    lr = torch.tensor(0.01)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    x, y = make_data()
    lr_range_test(model, opt, nn.CrossEntropyLoss(), TensorBatches(x, y, 32), num_iters=30, progress=False)
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.01)


def test_same_inputs_same_losses_and_lrs_follow_the_ramp():
    runs = []
    for _ in range(2):
        model, opt, loss_fn, batches = make_setup("sgd")
        runs.append(lr_range_test(model, opt, loss_fn, batches, num_iters=30, progress=False, diverge_factor=None))
    assert np.array_equal(runs[0].losses, runs[1].losses)
    lrs = runs[0].lrs
    assert lrs[0] == pytest.approx(1e-7) and lrs[-1] == pytest.approx(10.0)
    assert np.allclose(np.diff(np.log(lrs)), np.log(1e8) / 29)


@pytest.mark.filterwarnings("ignore:the loss was still at its lowest:RuntimeWarning")
def test_linear_mode_ramp():
    model, opt, loss_fn, batches = make_setup("sgd")
    res = lr_range_test(model, opt, loss_fn, batches, start_lr=0.001, end_lr=0.1, num_iters=21, mode="linear",
                        progress=False, diverge_factor=None)
    assert np.allclose(res.lrs, np.linspace(0.001, 0.1, 21))


def test_the_lr_is_really_used_by_each_update():
    """With plain SGD the update of a bias is exactly lr * grad: read the LR back from the parameter."""
    torch.manual_seed(0)
    w = nn.Parameter(torch.zeros(1))

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = w

        def forward(self, x):
            return x * 0 + self.w

    seen = []
    model = Tiny()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)

    def loss_fn(out, y):  # gradient of w is exactly 1: each update moves w by -lr
        seen.append(float(model.w.detach()))
        return out.sum() / len(out)

    batches = [(torch.ones(4, 1), torch.zeros(4))]
    with pytest.warns(RuntimeWarning, match="end of the range"):  # the loss of this toy falls forever
        res = lr_range_test(model, opt, loss_fn, batches, start_lr=1e-3, end_lr=1.0, num_iters=20, progress=False,
                            diverge_factor=None)
    steps = -np.diff(seen)
    assert np.allclose(steps, res.lrs[:-1], rtol=1e-5)
    assert float(w.detach()) == 0.0  # restored


def test_gradient_accumulation_uses_k_batches_per_update():
    model, opt, loss_fn, _ = make_setup("sgd")
    x, y = make_data(64)
    micro = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]

    class Counting:
        count = 0

        def __iter__(self):
            for b in micro:
                Counting.count += 1
                yield b

    model.body[3].p = 0.0  # no dropout: the first forward is deterministic (BN uses batch statistics)
    with torch.no_grad():
        expected = (loss_fn(model(micro[0][0]), micro[0][1]) + loss_fn(model(micro[1][0]), micro[1][1])) / 2
    res = lr_range_test(model, opt, loss_fn, Counting(), num_iters=20, accumulation_steps=2, progress=False,
                        diverge_factor=None)
    assert Counting.count == 2 * res.num_updates
    assert res.losses[0] == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.filterwarnings("ignore:only 7 points:RuntimeWarning", "ignore:the loss was still:RuntimeWarning")
def test_validation_losses_are_recorded_and_can_drive_the_rules():
    model, opt, loss_fn, batches = make_setup("adam")
    x, y = make_data(128, seed=1)
    val = [(x[:64], y[:64]), (x[64:], y[64:])]
    res = lr_range_test(model, opt, loss_fn, batches, num_iters=30, val_batches=val, progress=False)
    assert res.val_losses is not None and len(res.val_losses) == res.num_updates
    assert np.isfinite(res.val_losses).all()
    assert res.suggested_on == "val"
    assert len(res.trend) == res.num_updates
    assert not np.allclose(res.val_losses, res.losses)
    model, opt, loss_fn, batches = make_setup("adam")
    res2 = lr_range_test(model, opt, loss_fn, batches, num_iters=30, end_lr=1e-2, val_batches=val, val_every=5,
                         diverge_factor=None, progress=False)
    assert res2.num_updates == 30
    assert np.flatnonzero(np.isfinite(res2.val_losses)).tolist() == [0, 5, 10, 15, 20, 25, 29]


def test_lbfgs_works_through_the_closure():
    torch.manual_seed(0)
    model = nn.Linear(8, 3)
    opt = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=3)
    x, y = make_data()
    before = [p.clone() for p in model.parameters()]
    res = lr_range_test(model, opt, nn.CrossEntropyLoss(), TensorBatches(x, y, 64), num_iters=20,
                        end_lr=1.0, progress=False)
    assert res.num_updates == 20
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_runs_on_gpu_and_restores():
    model, opt, loss_fn, batches = make_setup("adam")
    model.cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = [p.clone() for p in model.parameters()]
    res = lr_range_test(model, opt, loss_fn, batches, num_iters=30, progress=False)
    assert res.num_updates > 10
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


# ---------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------


def test_refuses_an_attached_torch_scheduler():
    model, opt, loss_fn, batches = make_setup("sgd")
    torch.optim.lr_scheduler.StepLR(opt, step_size=10)
    before = capture(model, opt)
    with pytest.raises(ValueError, match="scheduler"):
        lr_range_test(model, opt, loss_fn, batches, progress=False)
    assert_same(before, model, opt)


def test_refuses_an_attached_lrcourse_schedule():
    from lrcourse import schedules

    model, opt, loss_fn, batches = make_setup("adam")
    schedules.attach(opt, schedules.cosine(1e-3, total_steps=100))
    with pytest.raises(ValueError, match="initial_lr"):
        lr_range_test(model, opt, loss_fn, batches, progress=False)


def test_scheduler_message_in_bengali():
    model, opt, loss_fn, batches = make_setup("sgd")
    torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    lrcourse.set_language("bn")
    with pytest.raises(ValueError, match="scheduler") as info:
        lr_range_test(model, opt, loss_fn, batches, progress=False)
    assert any("\u0980" <= ch <= "\u09ff" for ch in str(info.value))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_iters": 5}, r"num_iters=5 .*at least 20"),
        ({"num_iters": 19}, r"num_iters=19"),
        ({"num_iters": 100.0}, r"num_iters=100.0"),
        ({"start_lr": 1.0, "end_lr": 1.0}, r"start_lr=1.0 must be smaller than end_lr=1.0"),
        ({"start_lr": 10.0, "end_lr": 0.1}, r"start_lr=10.0 must be smaller than end_lr=0.1"),
        ({"start_lr": 0.0}, r"start_lr=0.0 must be a finite number > 0"),
        ({"end_lr": float("inf")}, r"end_lr=inf"),
        ({"mode": "cosine"}, r"mode='cosine'"),
        ({"beta": 1.0}, r"beta=1.0"),
        ({"diverge_factor": 0.5}, r"diverge_factor=0.5"),
        ({"accumulation_steps": 0}, r"accumulation_steps=0"),
        ({"suggest_on": "val"}, r"val_batches"),
    ],
)
def test_refuses_bad_arguments(kwargs, match):
    model, opt, loss_fn, batches = make_setup("sgd")
    before = capture(model, opt)
    with pytest.raises(ValueError, match=match):
        lr_range_test(model, opt, loss_fn, batches, progress=False, **kwargs)
    assert_same(before, model, opt)


def test_refuses_bad_types_and_empty_batches():
    model, opt, loss_fn, batches = make_setup("sgd")
    with pytest.raises(TypeError, match="start_lr='1e-3'"):
        lr_range_test(model, opt, loss_fn, batches, start_lr="1e-3")
    with pytest.raises(TypeError, match="optimizer"):
        lr_range_test(model, "adam", loss_fn, batches)
    with pytest.raises(TypeError, match="not iterable"):
        lr_range_test(model, opt, loss_fn, 42, progress=False)
    with pytest.raises(ValueError, match="batches: gave no batch"):
        lr_range_test(model, opt, loss_fn, [], progress=False)
    gen = (b for b in list(batches)[:3])  # a generator is used up after one pass
    with pytest.raises(ValueError, match="generator"):
        lr_range_test(model, opt, loss_fn, gen, progress=False)
    with pytest.raises(TypeError, match=r"pair \(inputs, targets\)"):
        lr_range_test(model, opt, loss_fn, [(1, 2, 3)], progress=False)


# ---------------------------------------------------------------------------------------------
# The rules, on synthetic curves with known answers
# ---------------------------------------------------------------------------------------------

N = 100
X = np.linspace(-7, 1, N)  # log10 LR, the default ramp
LRS = 10.0**X
C_STEEP = -2.5  # inflection of the falling sigmoid: the steepest point


def synthetic_curve(x):
    """Flat at 2.3, a sigmoid fall of 1.5 centred at 10^-2.5, then an exponential blow-up."""
    return 2.3 - 1.5 / (1 + np.exp(-(x - C_STEEP) / 0.35)) + 0.02 * np.exp(3.0 * (x + 0.5))


def true_minimum():
    fine = np.linspace(-7, 1, 200001)
    return 10 ** fine[np.argmin(synthetic_curve(fine))]


def test_ema_has_bias_correction():
    sm = finder.ema_smooth(np.full(50, 2.0))
    assert np.allclose(sm, 2.0)  # without the correction it would start at 0.04 and creep up
    sm = finder.ema_smooth([3.0, 1.0], beta=0.5)
    assert sm[0] == 3.0 and sm[1] == pytest.approx((0.25 * 3 + 0.5 * 1) / 0.75)


def test_trend_drops_a_single_spike_and_has_no_lag():
    y = np.full(60, 1.0)
    y[20] = 50.0
    assert np.allclose(robust_trend(y), 1.0)
    line = np.linspace(3, 1, 60)  # a straight fall: a centred filter leaves it in place
    assert np.allclose(robust_trend(line)[5:-5], line[5:-5])
    assert finder.ema_smooth(line)[30] > line[30] + 0.3  # while the moving average lags far behind


def test_rules_on_a_clean_curve():
    s = suggest(LRS, synthetic_curve(X))
    step = X[1] - X[0]
    assert abs(np.log10(s.suggestions["steep"]) - C_STEEP) <= step + 1e-9
    assert s.lr_at_min == pytest.approx(true_minimum(), rel=10**step - 1)
    assert s.suggestions["minimum"] == pytest.approx(s.lr_at_min / 10)
    # the valley is inside the falling part, before the minimum
    assert 10**-4 < s.suggestions["valley"] < s.lr_at_min
    third = s.lr_at_min / 3
    assert s.recommended <= third * (1 + 1e-12)
    assert s.suggestions["valley"] < third  # so the recommendation is their log-midpoint
    assert s.recommended == pytest.approx(np.sqrt(s.suggestions["valley"] * third))
    assert s.reason_key == "finder.reason.blend"


def test_rules_are_not_fooled_by_early_spikes_and_noise():
    rng = np.random.default_rng(0)
    clean = synthetic_curve(X)
    noisy = clean + rng.normal(0, 0.04, N)
    noisy[[12, 13, 30]] += [6.0, 0.0, 4.0]  # early spikes, as in the first batches of a real run
    noisy[14] -= 1.0  # and a lucky batch right after one
    s = suggest(LRS, noisy)
    assert abs(np.log10(s.suggestions["steep"]) - C_STEEP) <= 0.35
    assert abs(np.log10(s.lr_at_min) - np.log10(true_minimum())) <= 0.35
    # the naive steepest-gradient rule on the raw curve is fooled by the spike
    naive = LRS[np.argmin(np.gradient(noisy))]
    assert abs(np.log10(naive) - C_STEEP) > 2


@pytest.mark.parametrize("seed", range(5))
def test_suggestions_are_stable_under_noise(seed):
    rng = np.random.default_rng(seed)
    clean = suggest(LRS, synthetic_curve(X))
    s = suggest(LRS, synthetic_curve(X) + rng.normal(0, 0.05, N))
    for name in ("steep", "minimum"):
        assert abs(np.log10(s.suggestions[name] / clean.suggestions[name])) <= 0.4, name
    assert abs(np.log10(s.recommended / clean.recommended)) <= 0.6


def test_valley_index_matches_fastai_arithmetic():
    # longest strictly decreasing run 5,4,3,2,1 ends at 6; fastai: start = 6 - 5 = 1, span 5
    y = [5, 5, 5, 4, 3, 2, 1, 2, 3]
    idx, start, end = valley_index(y)
    assert (start, end) == (1, 6)
    assert idx == 1 + int(5 / 3) + int(5 / 3 / 2)
    y = np.linspace(10, 0, 31)  # all decreasing: fastai's start is end - length = -1 (its off-by-one)
    assert valley_index(y) == (-1 + int(31 / 3) + int(31 / 3 / 2), 0, 30)


def test_no_descent_is_said_and_falls_back_to_minimum():
    rng = np.random.default_rng(1)
    s = suggest(LRS, 2.3 + rng.normal(0, 0.01, N))
    assert s.reason_key == "finder.reason.no_descent"
    assert s.recommended == s.suggestions["minimum"]


# ---------------------------------------------------------------------------------------------
# A real run, the result object, the language, the command line
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_result():
    p = builtin_problem("digits-sgd")
    return lr_range_test(p.model, p.optimizer, p.loss_fn, p.batches, progress=False)


def test_digits_run_gives_a_sensible_recommendation(digits_result):
    r = digits_result
    assert isinstance(r, FinderResult)
    assert 1e-4 < r.recommended < 1.0
    assert r.recommended < r.lr_at_min
    assert set(r.suggestions) >= {"valley", "steep", "minimum"}
    assert len(r.lrs) == len(r.losses) == len(r.smoothed) == len(r.trend)
    assert r.trend.min() < r.losses[:10].mean() - 0.3  # the loss really fell


def test_summary_and_reason_follow_the_language(digits_result):
    en = digits_result.summary()
    assert "\n" not in en and "recommended" in en and f"{digits_result.recommended:.2e}" in en
    lrcourse.set_language("bn")
    bn = digits_result.summary()
    assert "\n" not in bn and "প্রস্তাবিত" in bn
    assert digits_result.reason != digits_result.reason_key
    assert any("\u0980" <= ch <= "\u09ff" for ch in digits_result.reason)


def test_plot_labels_follow_the_language(digits_result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = digits_result.plot()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "learning rate (log scale)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lbl.startswith("recommended") for lbl in labels)
    plt.close(fig)
    lrcourse.set_language("bn")
    fig = digits_result.plot()
    assert "লার্নিং রেট" in fig.axes[0].get_xlabel()
    assert "LR রেঞ্জ টেস্ট" in fig.axes[0].get_title()
    plt.close(fig)


def test_to_dict_is_json_ready(digits_result):
    import json

    d = json.loads(json.dumps(digits_result.to_dict()))
    assert d["recommended"] == digits_result.recommended
    assert len(d["lrs"]) == digits_result.num_updates


def test_too_few_points_warns():
    model, opt, loss_fn, batches = make_setup("sgd")
    with pytest.warns(RuntimeWarning, match="unreliable"):
        res = lr_range_test(model, opt, loss_fn, batches, start_lr=1e3, end_lr=1e9, num_iters=40, progress=False)
    assert res.reason_key == "finder.reason.few_points"


def test_cli_find_lr(tmp_path, capsys):
    from lrcourse.cli import main

    out = tmp_path / "plot.png"
    js = tmp_path / "r.json"
    rc = main(["find-lr", "digits-adam", "--num-iters", "40", "--out", str(out), "--json", str(js), "--no-progress"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "recommended_lr=" in text and "digits-adam" in text
    assert out.stat().st_size > 10_000
    import json

    assert json.loads(js.read_text())["problem"] == "digits-adam"


def test_cli_refuses_bad_range(capsys):
    from lrcourse.cli import main

    rc = main(["find-lr", "--start-lr", "1", "--end-lr", "0.1", "--out", ""])
    assert rc == 2
    assert "start_lr=1.0 must be smaller" in capsys.readouterr().err
