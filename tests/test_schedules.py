"""lrcourse.schedules: parity with PyTorch and Hugging Face, composition, the bridge, validation."""

import math
import pickle
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tls

from lrcourse import schedules as S

RTOL = 1e-9


def torch_lrs(make_scheduler, steps, lr=0.1):
    """The LR that a real SGD optimizer uses at each of ``steps`` updates under a PyTorch scheduler."""
    return S.lrs_used(make_scheduler, steps, lr=lr).lrs


def lambda_lrs(multiplier, steps, lr):
    """The LR used at each update under ``LambdaLR(multiplier)``: how Hugging Face builds its schedules."""
    return torch_lrs(lambda opt: tls.LambdaLR(opt, multiplier), steps, lr=lr)


def assert_parity(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0)


# --------------------------------------------------------------------------- PyTorch parity


@pytest.mark.parametrize("lr,step_size,gamma", [(0.1, 30, 0.1), (1e-3, 7, 0.5), (2.5, 250, 0.9)])
def test_step_decay_matches_steplr(lr, step_size, gamma):
    n = 1500
    theirs = torch_lrs(lambda o: tls.StepLR(o, step_size, gamma), n, lr)
    assert_parity(S.step_decay(lr, step_size, gamma)(np.arange(n)), theirs)


@pytest.mark.parametrize(
    "lr,milestones,gamma", [(0.1, [300, 600, 900], 0.1), (1e-2, [5, 5, 700], 0.5), (3e-4, [1, 999], 0.3)]
)
def test_multistep_matches_multisteplr(lr, milestones, gamma):
    n = 1200
    theirs = torch_lrs(lambda o: tls.MultiStepLR(o, milestones, gamma), n, lr)
    assert_parity(S.multistep(lr, milestones, gamma)(np.arange(n)), theirs)


@pytest.mark.parametrize("lr,gamma", [(0.1, 0.999), (1e-3, 0.99), (5.0, 0.9995)])
def test_exponential_matches_exponentiallr(lr, gamma):
    n = 1000
    theirs = torch_lrs(lambda o: tls.ExponentialLR(o, gamma), n, lr)
    assert_parity(S.exponential(lr, gamma)(np.arange(n)), theirs)


@pytest.mark.parametrize("lr,total,lr_min", [(0.1, 1000, 0.0), (1e-3, 1500, 1e-5), (0.4, 1200, 0.01)])
def test_cosine_matches_cosineannealinglr_on_its_horizon(lr, total, lr_min):
    steps = total + 1  # [0, total] inclusive
    theirs = torch_lrs(lambda o: tls.CosineAnnealingLR(o, T_max=total, eta_min=lr_min), steps, lr)
    ours = S.cosine(lr, total, lr_min)(np.arange(steps))
    # PyTorch computes the cosine recursively; at t = total with lr_min = 0 both are ~0 (1e-20 vs 0).
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15 * lr)


def test_cosine_holds_lr_min_after_total_where_pytorch_climbs_back():
    s = S.cosine(0.1, 100, lr_min=0.001)
    assert s(np.arange(100, 400)).tolist() == [0.001] * 300
    theirs = torch_lrs(lambda o: tls.CosineAnnealingLR(o, T_max=100, eta_min=0.001), 201, 0.1)
    assert theirs[200] == pytest.approx(0.1)  # the documented difference: PyTorch is back at lr at 2·T_max


@pytest.mark.parametrize("lr,total,power", [(0.1, 1000, 1.0), (1e-3, 1100, 2.0), (0.5, 1300, 0.5)])
def test_polynomial_matches_polynomiallr(lr, total, power):
    n = total + 100  # past the end both hold 0
    theirs = torch_lrs(lambda o: tls.PolynomialLR(o, total_iters=total, power=power), n, lr)
    np.testing.assert_allclose(S.polynomial(lr, total, power)(np.arange(n)), theirs, rtol=RTOL, atol=1e-15 * lr)


@pytest.mark.parametrize(
    "base,maxlr,up,down,mode,gamma",
    [
        (1e-3, 6e-3, 200, None, "triangular", 1.0),
        (1e-4, 1e-2, 150, 350, "triangular2", 1.0),
        (1e-3, 1e-1, 100, 80, "exp_range", 0.998),
    ],
)
def test_cyclic_matches_cycliclr(base, maxlr, up, down, mode, gamma):
    n = 1200
    theirs = torch_lrs(
        lambda o: tls.CyclicLR(o, base, maxlr, up, down, mode=mode, gamma=gamma, cycle_momentum=False), n, base
    )
    assert_parity(S.cyclic(base, maxlr, up, down, mode, gamma)(np.arange(n)), theirs)


@pytest.mark.parametrize(
    "max_lr,total,pct,anneal,div,final_div,three",
    [
        (0.1, 1000, 0.3, "cos", 25.0, 1e4, False),
        (1e-3, 1200, 0.25, "linear", 10.0, 100.0, False),
        (0.5, 1001, 0.3, "cos", 25.0, 1e4, True),
        (2e-2, 1500, 0.1, "linear", 5.0, 1e3, True),
    ],
)
def test_one_cycle_matches_onecyclelr(max_lr, total, pct, anneal, div, final_div, three):
    theirs = torch_lrs(
        lambda o: tls.OneCycleLR(
            o, max_lr, total_steps=total, pct_start=pct, anneal_strategy=anneal, div_factor=div,
            final_div_factor=final_div, three_phase=three, cycle_momentum=False,
        ),
        total,  # OneCycleLR allows exactly total_steps updates
        max_lr,
    )
    s = S.one_cycle(max_lr, total, pct, anneal, div, final_div, three)
    assert_parity(s(np.arange(total)), theirs)
    assert s(total - 1) == pytest.approx(max_lr / div / final_div, rel=1e-12)
    assert s(total + 10) == s(total - 1)  # holds its minimum after the last step


@pytest.mark.parametrize("lr,t0,mult,lr_min", [(0.1, 100, 1, 0.0), (1e-3, 50, 2, 1e-5), (0.05, 7, 3, 1e-3)])
def test_sgdr_matches_cosineannealingwarmrestarts(lr, t0, mult, lr_min):
    n = 1500
    theirs = torch_lrs(lambda o: tls.CosineAnnealingWarmRestarts(o, T_0=t0, T_mult=mult, eta_min=lr_min), n, lr)
    assert_parity(S.sgdr(lr, t0, mult, lr_min)(np.arange(n)), theirs)


def test_constant_is_constant_in_a_real_optimizer():
    n = 1000
    theirs = torch_lrs(lambda o: tls.ConstantLR(o, factor=1.0, total_iters=0), n, 0.03)
    assert_parity(S.constant(0.03)(np.arange(n)), theirs)


# --------------------------------------------------------------------------- Hugging Face parity
# The multipliers below are written out from transformers/optimization.py (Hugging Face's schedules);
# they run through a real LambdaLR, as in transformers, so no transformers dependency is needed.


def hf_linear(W, N):
    def f(t):
        if t < W:
            return float(t) / float(max(1, W))
        return max(0.0, float(N - t) / float(max(1, N - W)))

    return f


def hf_cosine_min_lr(W, N, min_lr_rate, num_cycles=0.5):
    def f(t):
        if t < W:
            return float(t) / float(max(1, W))
        progress = float(t - W) / float(max(1, N - W))
        factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        factor = factor * (1 - min_lr_rate) + min_lr_rate
        return max(0, factor)

    return f


def hf_inverse_sqrt(W, timescale=None):
    if timescale is None:
        timescale = W or 10_000

    def f(t):
        if t < W:
            return float(t) / float(max(1, W))
        shift = timescale - W
        return 1.0 / math.sqrt((t + shift) / timescale)

    return f


def hf_wsd(W, S_, D, min_lr_ratio, decay_type, num_cycles=0.5):
    def f(t):
        if t < W:
            progress = float(t) / float(max(1, W))
            factor = progress * (1.0 - min_lr_ratio) + min_lr_ratio
            return max(0.0, factor)
        if t < W + S_:
            return 1.0
        if t < W + S_ + D:
            progress = float(t - W - S_) / float(max(1, D))
            if decay_type == "linear":
                factor = 1.0 - progress
            elif decay_type == "cosine":
                factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
            else:
                factor = 1.0 - math.sqrt(progress)
            factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
            return max(0.0, factor)
        return min_lr_ratio

    return f


@pytest.mark.parametrize("lr,W,N,lr_min", [(1e-3, 1000, 10_000, 0.0), (5e-4, 100, 1200, 5e-6), (0.1, 0, 1000, 1e-3)])
def test_warmup_cosine_matches_hf_cosine_with_min_lr(lr, W, N, lr_min):
    theirs = lambda_lrs(hf_cosine_min_lr(W, N, lr_min / lr), N + 1, lr)
    ours = S.warmup_cosine(lr, W, N, lr_min)(np.arange(N + 1))
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15 * lr)


def test_warmup_cosine_is_the_source_lessons_formula():
    # The source lesson's code, with its lr_min passed explicitly.
    def cosine_lr(t, T, lr_max=1e-3, lr_min=1e-5):
        return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / T))

    def warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
        if t < warmup:
            return lr_max * t / warmup
        return cosine_lr(t - warmup, T - warmup, lr_max, lr_min)

    s = S.warmup_cosine(1e-3, 1000, 10_000, lr_min=1e-5)
    for t in [0, 1, 100, 500, 999, 1000, 1001, 5000, 9999, 10_000]:
        assert s(t) == pytest.approx(warmup_cosine(t, 1000, 10_000), rel=1e-12)


@pytest.mark.parametrize("lr,W,N", [(5e-5, 100, 1000), (1e-3, 0, 1500), (0.02, 999, 1000)])
def test_warmup_linear_matches_hf_linear(lr, W, N):
    theirs = lambda_lrs(hf_linear(W, N), N + 50, lr)
    assert_parity(S.warmup_linear(lr, W, N)(np.arange(N + 50)), theirs)


@pytest.mark.parametrize("lr,W,timescale", [(1e-3, 4000, None), (5e-4, 10, None), (0.1, 0, None), (1e-3, 100, 500)])
def test_inverse_sqrt_matches_hf(lr, W, timescale):
    n = max(1000, W + 1000)
    theirs = lambda_lrs(hf_inverse_sqrt(W, timescale), n, lr)
    assert_parity(S.inverse_sqrt(lr, W, timescale)(np.arange(n)), theirs)
    if W and timescale is None:
        assert S.inverse_sqrt(lr, W)(W) == pytest.approx(lr)  # the peak is at the end of the warmup


@pytest.mark.parametrize(
    "lr,W,S_,D,lr_min,decay",
    [
        (1e-3, 100, 700, 200, 0.0, "linear"),
        (3e-4, 50, 500, 450, 3e-5, "cosine"),
        (1e-2, 0, 800, 300, 1e-4, "1-sqrt"),
    ],
)
def test_wsd_matches_hf_wsd(lr, W, S_, D, lr_min, decay):
    n = W + S_ + D + 100
    theirs = lambda_lrs(hf_wsd(W, S_, D, lr_min / lr, decay), n, lr)
    np.testing.assert_allclose(S.wsd(lr, W, S_, D, lr_min, decay)(np.arange(n)), theirs, rtol=RTOL, atol=1e-15 * lr)


def test_hf_style_warmups_start_at_zero():
    for s in [S.warmup_cosine(1e-3, 10, 100), S.warmup_linear(1e-3, 10, 100), S.inverse_sqrt(1e-3, 10)]:
        assert s(0) == 0.0 and s(10) == pytest.approx(1e-3)
    # WSD warms up from lr_min, as Hugging Face's get_wsd_schedule does
    assert S.wsd(1e-3, 10, 10, 10, lr_min=1e-5)(0) == pytest.approx(1e-5)


# --------------------------------------------------------------------------- the object


ALL = [
    S.constant(1e-3),
    S.step_decay(0.1, 30),
    S.multistep(0.1, [30, 60, 90]),
    S.exponential(1e-3, 0.999),
    S.cosine(1e-3, 10_000, 1e-5),
    S.polynomial(1e-3, 10_000, 2.0),
    S.warmup_cosine(1e-3, 1000, 10_000),
    S.warmup_linear(5e-5, 100, 10_000),
    S.inverse_sqrt(1e-3, 4000),
    S.cyclic(1e-4, 1e-2, 500, mode="triangular2"),
    S.one_cycle(0.1, 10_000),
    S.sgdr(0.1, 1000, 2),
    S.wsd(1e-3, 100, 8000, 1900, decay="1-sqrt"),
    S.with_warmup(S.cosine(1e-3, 9000), 1000),
    S.join([S.constant(1e-3), S.exponential(1e-3, 0.999)], [5000]),
]


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_scalar_calls_equal_the_array_bit_for_bit(s):
    steps = np.arange(0, 12_000, 7)
    many = s(steps)
    assert many.dtype == np.float64 and many.shape == steps.shape
    one_by_one = [s(int(t)) for t in steps]
    assert all(type(x) is float for x in one_by_one)
    assert np.array_equal(np.array(one_by_one), many)
    assert np.all(np.isfinite(many)) and np.all(many >= 0)


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_repr_pickle_equality_and_immutability(s):
    text = repr(s)
    assert text.startswith(s.name + "(") and "=" in text
    clone = pickle.loads(pickle.dumps(s))
    assert clone == s and hash(clone) == hash(s) and repr(clone) == text
    assert np.array_equal(clone(np.arange(3000)), s(np.arange(3000)))
    with pytest.raises(AttributeError):
        s.lr = 1.0
    params = s.params
    params["lr"] = 123.0  # a copy: the schedule does not change
    assert s.params != params


def test_array_shapes_and_input_types():
    s = S.cosine(1.0, 10)
    assert s(np.arange(6).reshape(2, 3)).shape == (2, 3)
    assert s([0, 10]).tolist() == [1.0, 0.0]
    assert s(range(3)).shape == (3,)
    assert s(np.int32(5)) == s(5) == s(5.0)
    assert repr(S.cosine(1e-3, 10_000, 1e-5)) == "cosine(lr=0.001, total_steps=10000, lr_min=1e-05)"


# --------------------------------------------------------------------------- composition


def test_with_warmup_ramps_to_the_schedules_start_then_starts_its_clock():
    inner = S.cosine(1e-3, 1000, 1e-5)
    s = S.with_warmup(inner, 100, start_lr=1e-5)
    assert s(0) == pytest.approx(1e-5)
    assert s(50) == pytest.approx(1e-5 + (1e-3 - 1e-5) * 0.5)
    t = np.arange(100, 1300)
    np.testing.assert_array_equal(s(t), inner(t - 100))
    assert s(1100) == pytest.approx(1e-5)  # the cosine ends W + N steps in


def test_with_warmup_from_zero_equals_warmup_cosine():
    t = np.arange(2001)
    np.testing.assert_allclose(
        S.with_warmup(S.cosine(1e-3, 1800), 200)(t), S.warmup_cosine(1e-3, 200, 2000)(t), rtol=1e-12, atol=0
    )


def test_join_restarts_each_clock_like_optax():
    a, b, c = S.constant(0.1), S.cosine(0.1, 100), S.exponential(0.01, 0.9)
    s = S.join([a, b, c], [10, 110])
    t = np.arange(300)
    expected = np.where(t < 10, a(t), np.where(t < 110, b(np.maximum(t - 10, 0)), c(np.maximum(t - 110, 0))))
    np.testing.assert_array_equal(s(t), expected)
    assert s(10) == b(0) and s(110) == c(0)


def test_join_reproduces_sequentiallr_warmup_then_cosine():
    # SequentialLR restarts each scheduler's clock at its milestone, as join does.
    lr, W, N = 0.1, 100, 1000

    def make(opt):
        warm = tls.LinearLR(opt, start_factor=0.01, end_factor=1.0, total_iters=W)
        cos = tls.CosineAnnealingLR(opt, T_max=N - W)
        return tls.SequentialLR(opt, [warm, cos], milestones=[W])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch_lrs(make, N, lr)
    ramp = S.with_warmup(S.constant(lr), W, start_lr=0.01 * lr)
    ours = S.join([ramp, S.cosine(lr, N - W)], [W])(np.arange(N))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)


# --------------------------------------------------------------------------- the bridge


def train_steps(opt, sched, model, n):
    used = []
    for _ in range(n):
        used.append([g["lr"] for g in opt.param_groups])
        loss = model(torch.ones(4, 3)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return np.array(used)


def test_attach_drives_a_real_optimizer_without_warnings():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=123.0)  # the schedule, not this lr, decides
    s = S.warmup_cosine(1e-3, 20, 200, lr_min=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched = S.attach(opt, s)
        used = train_steps(opt, sched, model, 200)
    assert isinstance(sched, torch.optim.lr_scheduler.LRScheduler)
    np.testing.assert_array_equal(used[:, 0], s(np.arange(200)))
    assert sched.get_last_lr() == [s(200)]


def test_attach_one_schedule_per_param_group():
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 2))
    opt = torch.optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 1.0}], lr=0.1, momentum=0.9
    )
    body, head = S.cosine(1e-4, 50), S.cosine(1e-2, 50)
    used = train_steps(opt, S.attach(opt, [body, head]), model, 50)
    np.testing.assert_array_equal(used[:, 0], body(np.arange(50)))
    np.testing.assert_array_equal(used[:, 1], head(np.arange(50)))
    shared = train_steps(opt2 := torch.optim.SGD(model.parameters(), lr=0.1), S.attach(opt2, body), model, 5)
    assert shared.shape == (5, 1)
    with pytest.raises(ValueError, match="2 parameter groups"):
        S.attach(opt, [body])
    with pytest.raises(TypeError, match="lrcourse schedule"):
        S.attach(opt, lambda t: 0.1)
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        S.attach(model, body)


def test_attach_resumes_exactly_from_a_checkpoint(tmp_path):
    s = S.one_cycle(0.05, 300)

    def fresh():
        torch.manual_seed(1)
        model = torch.nn.Linear(3, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        return model, opt, S.attach(opt, s)

    model, opt, sched = fresh()
    straight = train_steps(opt, sched, model, 300)
    final = [p.detach().clone() for p in model.parameters()]

    model, opt, sched = fresh()
    first = train_steps(opt, sched, model, 120)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "c.pt")
    del model, opt, sched

    ckpt = torch.load(tmp_path / "c.pt", weights_only=False)
    model, opt, sched = fresh()
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["opt"])
    sched.load_state_dict(ckpt["sched"])
    rest = train_steps(opt, sched, model, 180)
    np.testing.assert_array_equal(np.concatenate([first, rest]), straight)
    for a, b in zip(final, model.parameters()):
        assert torch.equal(a, b)

    opt = torch.optim.SGD(fresh()[0].parameters(), lr=0.05)
    with pytest.raises(ValueError, match="saved with schedules"):
        S.attach(opt, S.cosine(0.05, 300)).load_state_dict(ckpt["sched"])


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "make,exc,words",
    [
        (lambda: S.constant(0.0), ValueError, ["lr=0.0", "> 0"]),
        (lambda: S.constant(-1e-3), ValueError, ["lr=-0.001"]),
        (lambda: S.constant(float("nan")), ValueError, ["lr=nan"]),
        (lambda: S.constant(float("inf")), ValueError, ["lr=inf"]),
        (lambda: S.constant("0.1"), TypeError, ["lr='0.1'", "real number"]),
        (lambda: S.step_decay(0.1, 0), ValueError, ["step_size=0", ">= 1"]),
        (lambda: S.step_decay(0.1, 2.5), TypeError, ["step_size=2.5", "whole number"]),
        (lambda: S.step_decay(0.1, 30, gamma=10), ValueError, ["gamma=10.0", "(0, 1]"]),
        (lambda: S.step_decay(0.1, 30, gamma=0), ValueError, ["gamma=0.0"]),
        (lambda: S.multistep(0.1, []), ValueError, ["milestones=[]"]),
        (lambda: S.multistep(0.1, 30), TypeError, ["milestones=30", "list"]),
        (lambda: S.multistep(0.1, [30, -5]), ValueError, ["milestones=-5"]),
        (lambda: S.exponential(0.1, 1.5), ValueError, ["gamma=1.5"]),
        (lambda: S.cosine(1e-3, 0), ValueError, ["total_steps=0"]),
        (lambda: S.cosine(1e-3, -100), ValueError, ["total_steps=-100"]),
        (lambda: S.cosine(1e-3, 100, lr_min=1e-2), ValueError, ["lr_min=0.01", "larger than lr=0.001"]),
        (lambda: S.cosine(1e-3, 100, lr_min=-1e-5), ValueError, ["lr_min=-1e-05"]),
        (lambda: S.polynomial(1e-3, 100, power=0), ValueError, ["power=0.0"]),
        (lambda: S.warmup_cosine(1e-3, 2000, 1000), ValueError, ["warmup_steps=2000", "total_steps=1000"]),
        (lambda: S.warmup_cosine(1e-3, 1000, 1000), ValueError, ["warmup_steps=1000"]),
        (lambda: S.warmup_cosine(1e-3, -1, 1000), ValueError, ["warmup_steps=-1"]),
        (lambda: S.warmup_linear(1e-3, 10, 0), ValueError, ["total_steps=0"]),
        (lambda: S.inverse_sqrt(1e-3, -4000), ValueError, ["warmup_steps=-4000"]),
        (lambda: S.cyclic(1e-2, 1e-3, 100), ValueError, ["max_lr=0.001", "base_lr=0.01"]),
        (lambda: S.cyclic(1e-3, 1e-2, 100, mode="triangle"), ValueError, ["mode='triangle'", "'triangular2'"]),
        (lambda: S.cyclic(1e-3, 1e-2, 0), ValueError, ["step_size_up=0"]),
        (lambda: S.one_cycle(0.1, 1000, pct_start=1.0), ValueError, ["pct_start=1.0", "(0, 1)"]),
        (lambda: S.one_cycle(0.1, 1000, pct_start=0.0), ValueError, ["pct_start=0.0"]),
        (lambda: S.one_cycle(0.1, 1000, anneal="cosine"), ValueError, ["anneal='cosine'", "'cos'"]),
        (lambda: S.one_cycle(0.1, 10, pct_start=0.05), ValueError, ["pct_start=0.05", "total_steps=10"]),
        (lambda: S.one_cycle(0.1, 100, pct_start=0.6, three_phase=True), ValueError, ["three_phase=True"]),
        (lambda: S.one_cycle(0.1, 100, div_factor=0), ValueError, ["div_factor=0.0"]),
        (lambda: S.sgdr(0.1, 0), ValueError, ["t_0=0"]),
        (lambda: S.sgdr(0.1, 10, t_mult=1.5), TypeError, ["t_mult=1.5"]),
        (lambda: S.wsd(1e-3, 10, 10, 0), ValueError, ["decay_steps=0"]),
        (lambda: S.wsd(1e-3, 10, 10, 10, decay="sqrt"), ValueError, ["decay='sqrt'", "'1-sqrt'"]),
        (lambda: S.with_warmup(lambda t: 1.0, 10), TypeError, ["lrcourse schedule"]),
        (lambda: S.with_warmup(S.constant(0.1), 0), ValueError, ["warmup_steps=0"]),
        (lambda: S.join([S.constant(0.1)], []), ValueError, ["at least two"]),
        (lambda: S.join([S.constant(0.1), S.constant(0.2)], [10, 20]), ValueError, ["2 steps for 2 schedules"]),
        (lambda: S.join([S.constant(0.1)] * 3, [20, 10]), ValueError, ["strictly increasing"]),
    ],
)
def test_bad_parameters_name_the_parameter_value_and_what_is_accepted(make, exc, words):
    with pytest.raises(exc) as info:
        make()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


@pytest.mark.parametrize("bad,exc,word", [(-1, ValueError, "t=-1"), ([0, 5, -3], ValueError, "t=-3"),
                                          (np.array([2, -7]), ValueError, "t=-7"), (2.5, ValueError, "t=2.5"),
                                          (True, TypeError, "bool"), ("5", TypeError, "str"),
                                          (float("nan"), ValueError, "t=nan")])
def test_bad_steps_are_refused(bad, exc, word):
    with pytest.raises(exc, match=word.replace("(", r"\(")):
        S.cosine(1e-3, 100)(bad)
