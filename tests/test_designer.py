"""Tests of the LR Schedule Designer (lrcourse.designer): rules, errors, exported code, CLI, widget.

Every rule of the designer has a test that makes it fire and one that shows it stays quiet when
the design is fine. The exported code is executed and its curve compared, step by step, with the
designer's curve: the lrcourse and PyTorch snippets against real torch; the Hugging Face snippet
against a small stand-in of ``transformers`` written here from its ``optimization.py``
(transformers is not a dependency of the course), so that test checks that the snippet calls the
documented functions with the right arguments, not transformers itself.
"""

from __future__ import annotations

import math
import re
import sys
import types

import numpy as np
import pytest

import lrcourse
from lrcourse import designer as D
from lrcourse import i18n
from lrcourse.designer.plot import envelope
from lrcourse.schedules import lrs_used


def rules(d, kind=None):
    items = d.advice if kind is None else (d.warnings if kind == "warning" else d.recommendations)
    return {a.rule: a for a in items}


class FakeFinder:
    """Duck-typed like lrcourse.finder's FinderResult (only what the designer reads)."""

    def __init__(self, recommended=3e-3, diverged_at=0.3, lrs=(1e-7, 10.0)):
        self.recommended = recommended
        self.diverged_at = diverged_at
        self.lrs = np.geomspace(lrs[0], lrs[1], 100)
        self.suggestions = {"valley": recommended, "steep": recommended / 2, "minimum": recommended * 3}


# --------------------------------------------------------------------------- the curve


@pytest.mark.parametrize("kind", D.SCHEDULE_TYPES)
@pytest.mark.parametrize("warmup", [0, 50])
def test_curve_is_the_schedule_over_the_run(kind, warmup):
    d = D.design(kind, lr=2e-3, total_steps=1000, warmup_steps=warmup)
    assert d.lrs.shape == (1000,)
    np.testing.assert_array_equal(d.lrs, d.schedule(np.arange(1000)))
    assert np.all(np.isfinite(d.lrs)) and np.all(d.lrs >= 0)
    assert d.lrs.max() <= 2e-3 * (1 + 1e-12)
    if warmup and kind != "one_cycle":
        assert d.lrs[0] < 0.3 * d.lrs.max(), "a warmup starts low"
        assert d.lrs[warmup] == pytest.approx(d.lrs.max(), rel=0.05) or kind in ("cyclic",)


def test_warmup_shapes_and_defaults():
    d = D.design("cosine", lr=1e-3, total_steps=1000, warmup_steps=100, lr_min=1e-5)
    assert d.lrs[0] == 0.0 and d.lrs[50] == pytest.approx(5e-4) and d.lrs[100] == pytest.approx(1e-3)
    assert d.lrs[-1] == pytest.approx(1e-5, rel=1e-3)
    step = D.design("step", lr=0.1, total_steps=1000, optimizer="sgd")
    assert step.params["milestones"] == [500, 750]
    assert step.lrs[499] == pytest.approx(0.1) and step.lrs[500] == pytest.approx(0.01)
    assert step.lrs[750] == pytest.approx(0.001)
    # step milestones count from the start of the run, also behind a warmup
    stepw = D.design("step", lr=0.1, total_steps=1000, warmup_steps=100, optimizer="sgd")
    assert stepw.lrs[499] == pytest.approx(0.1) and stepw.lrs[500] == pytest.approx(0.01)
    expo = D.design("exponential", lr=1e-2, total_steps=1000, optimizer="sgd")
    assert expo.lrs[-1] == pytest.approx(1e-4, rel=1e-9), "default: lr/100 at the last step"
    wsd = D.design("wsd", lr=1e-3, total_steps=1000, warmup_steps=50)
    assert wsd.params == {"lr_min": 0.0, "decay_steps": 200, "decay": "1-sqrt"}
    assert np.all(wsd.lrs[50:800] == 1e-3)
    oc = D.design("one_cycle", lr=1e-2, total_steps=1000, warmup_steps=250, optimizer="sgd")
    assert oc.schedule.params["pct_start"] == 0.25 and int(oc.lrs.argmax()) == 249
    sg = D.design("sgdr", lr=1e-3, total_steps=700, optimizer="sgd")
    assert sg.params["t_0"] == 100 and sg.params["t_mult"] == 2  # 100 + 200 + 400 = 700
    assert sg.lrs[100] == pytest.approx(1e-3) and sg.lrs[300] == pytest.approx(1e-3)


# --------------------------------------------------------------------------- recommendations


def test_rule_warmup_adam():
    d = D.design("cosine", lr=1e-3, total_steps=100_000, warmup_steps=0, optimizer="adam")
    r = rules(d)["warmup_adam"]
    assert r.suggested == {"warmup_steps": 2000} and r.followed is False
    assert "2000" in r.message and "Ma & Yarats" in r.source
    assert rules(D.design("cosine", 1e-3, 100_000, 2000, "adamw"))["warmup_adam"].followed is True
    # beta2 = 0.98 (Transformer): 2/(1 - 0.98) = 100
    assert rules(D.design("cosine", 1e-3, 100_000, 0, "adam", beta2=0.98))["warmup_adam"].suggested == {
        "warmup_steps": 100
    }
    # a run too short for 2,000 steps: 10% of it, and the message says why
    short = rules(D.design("cosine", 1e-3, 1000, 0, "adam"))["warmup_adam"]
    assert short.suggested == {"warmup_steps": 100} and short.variant == "short" and "quarter" in short.message
    assert "warmup_adam" not in rules(D.design("cosine", 0.1, 1000, 0, "sgd"))


def test_rule_warmup_transformer():
    d = D.design("cosine", lr=3e-4, total_steps=100_000, warmup_steps=0, task="transformer")
    r = rules(d)["warmup_transformer"]
    assert r.followed is False and r.suggested == {"warmup_steps": 4000}
    assert "1000" in r.message and "10000" in r.message and "BERT" in r.source
    assert rules(D.design("cosine", 3e-4, 100_000, 4000, task="transformer"))["warmup_transformer"].followed
    assert rules(D.design("linear", 2e-5, 10_000, 0, task="finetune"))["warmup_transformer"].suggested == {
        "warmup_steps": 600  # RoBERTa: 6% when fine-tuning
    }
    assert "warmup_transformer" not in rules(D.design("cosine", 3e-4, 100_000, 0, task="vision"))


def test_rule_cosine_lr_min():
    r = rules(D.design("cosine", 1e-3, 1000, optimizer="sgd", lr_min=5e-4))["cosine_lr_min"]
    assert r.followed is False and r.suggested == {"lr_min": pytest.approx(1e-4)}
    assert "Chinchilla" in r.source and "Bergsma" in r.source
    assert rules(D.design("cosine", 1e-3, 1000, optimizer="sgd", lr_min=5e-5))["cosine_lr_min"].followed
    assert rules(D.design("cosine", 1e-3, 1000, optimizer="sgd", lr_min=1e-4))["cosine_lr_min"].followed
    # ending at 0 is no mistake: linear decay to 0 beat cosine to lr/10 (Bergsma et al. 2025)
    assert rules(D.design("cosine", 1e-3, 1000, optimizer="sgd"))["cosine_lr_min"].followed
    assert "cosine_lr_min" in rules(D.design("sgdr", 1e-3, 1000, optimizer="sgd"))
    assert "cosine_lr_min" not in rules(D.design("linear", 1e-3, 1000, optimizer="sgd"))


def test_rule_step_milestones():
    r = rules(D.design("step", 0.1, 64_000, optimizer="sgd", milestones=[10_000, 20_000]))["step_milestones"]
    assert r.followed is False and r.suggested == {"milestones": [32_000, 48_000]}  # He et al. 2016
    assert "He et al. 2016" in r.source
    assert rules(D.design("step", 0.1, 64_000, optimizer="sgd"))["step_milestones"].followed
    # the ImageNet recipe, ÷10 every 30 of 90 epochs, is followed too
    assert rules(D.design("step", 0.1, 90, optimizer="sgd", milestones=[30, 60]))["step_milestones"].followed
    assert "step_milestones" not in rules(D.design("cosine", 0.1, 64_000, optimizer="sgd"))


def test_rule_linear_scaling():
    d = D.design("cosine", 0.1, 10_000, optimizer="sgd", batch_size=1024, base_batch_size=256, base_lr=0.1)
    r = rules(d)["linear_scaling"]
    assert r.suggested == {"lr": pytest.approx(0.4)} and r.followed is False and "Goyal" in r.source
    assert rules(D.design("cosine", 0.4, 10_000, optimizer="sgd", batch_size=1024, base_batch_size=256,
                          base_lr=0.1))["linear_scaling"].followed
    # SGD for vision with only a batch size: Goyal et al.'s reference, 0.1 per 256
    v = rules(D.design("step", 0.1, 10_000, optimizer="sgd", task="vision", batch_size=512))["linear_scaling"]
    assert v.suggested == {"lr": pytest.approx(0.2)}
    # Adam: the square-root rule is named too
    a = rules(D.design("cosine", 1e-3, 10_000, 1000, "adamw", batch_size=1024, base_batch_size=256,
                       base_lr=1e-3))["linear_scaling"]
    assert a.variant == "adam" and "2e-03" in a.message.replace("0.002", "2e-03")
    assert "linear_scaling" not in rules(D.design("cosine", 1e-3, 10_000, 1000, "adamw", batch_size=1024))


def test_rule_finetune_lr():
    r = rules(D.design("linear", 2e-5, 10_000, 600, task="finetune"))["finetune_lr"]
    assert r.followed is True and "BERT" in r.source
    assert rules(D.design("linear", 1e-3, 10_000, 600, task="finetune"))["finetune_lr"].followed is False
    assert "finetune_lr" not in rules(D.design("linear", 2e-5, 10_000, 600, task="other"))


def test_rule_one_cycle_finder():
    none = rules(D.design("one_cycle", 1e-2, 1000, optimizer="sgd"))["one_cycle_finder"]
    assert none.variant == "none" and "range test" in none.message
    # only a recommended LR (the command line's --finder-lr): about it, within a factor of 2
    f = FakeFinder(recommended=3e-3)
    r = rules(D.design("one_cycle", 1e-2, 1000, optimizer="sgd", finder=f))["one_cycle_finder"]
    assert r.suggested == {"lr": 3e-3} and r.followed is False and "Smith" in r.source
    assert rules(D.design("one_cycle", 4e-3, 1000, optimizer="sgd", finder=f))["one_cycle_finder"].followed
    # a full result: max_lr = steep, followed from steep/2 up to the LR of the lowest loss, not above it
    f.suggestions["steep"], f.lr_at_min = 0.5, 1.2
    peak = lambda lr: rules(D.design("one_cycle", lr, 1000, optimizer="sgd", finder=f))["one_cycle_finder"]  # noqa: E731
    assert peak(1.0).suggested == {"lr": 0.5} and "0.25 to 1.2" in peak(1.0).message
    assert [peak(lr).followed for lr in (3e-3, 0.2, 0.3, 1.0, 1.2, 1.5)] == [False, False, True, True, True, False]


def test_rule_wsd_decay():
    r = rules(D.design("wsd", 1e-3, 10_000, 500, decay_steps=500, decay="linear"))["wsd_decay"]
    assert r.followed is False and r.suggested == {"decay_steps": 2000, "decay": "1-sqrt"}
    assert "Hägele" in r.source
    assert rules(D.design("wsd", 1e-3, 10_000, 500))["wsd_decay"].followed


def test_rule_cyclic_bounds():
    assert rules(D.design("cyclic", 1e-2, 1000, optimizer="sgd"))["cyclic_bounds"].followed  # default lr/4
    r = rules(D.design("cyclic", 1e-2, 1000, optimizer="sgd", lr_min=1e-4))["cyclic_bounds"]
    assert r.followed is False and r.suggested == {"lr_min": pytest.approx(2.5e-3)}


def test_rule_rl_constant():
    assert rules(D.design("constant", 3e-4, 10_000, 0, "adam", task="rl"))["rl_constant"].followed
    r = rules(D.design("cosine", 3e-4, 10_000, 0, "adam", task="rl"))["rl_constant"]
    assert r.followed is False and "PPO" in r.source


# --------------------------------------------------------------------------- warnings


def test_warning_adam_no_warmup():
    w = rules(D.design("cosine", 1e-3, 10_000, 0, "adamw", task="transformer"), "warning")["adam_no_warmup"]
    assert w.suggested == {"warmup_steps": 2000} and "RAdam" in w.source and "AdamW" in w.message
    # quiet: with a warmup, with SGD, at a low LR, or with one-cycle's low start
    assert "adam_no_warmup" not in rules(D.design("cosine", 1e-3, 10_000, 2000, "adamw", task="transformer"))
    assert "adam_no_warmup" not in rules(D.design("cosine", 1e-3, 10_000, 0, "sgd"))
    assert "adam_no_warmup" not in rules(D.design("cosine", 3e-5, 10_000, 0, "adamw", task="transformer"))
    assert "adam_no_warmup" not in rules(D.design("one_cycle", 1e-2, 10_000, 0, "adamw"))
    # the threshold depends on the task: 5e-4 is high for a Transformer, not for a small CNN
    assert "adam_no_warmup" in rules(D.design("cosine", 5e-4, 10_000, 0, "adam", task="transformer"))
    assert "adam_no_warmup" not in rules(D.design("cosine", 5e-4, 10_000, 0, "adam", task="vision"))


def test_warning_warmup_too_long():
    d = D.design("cosine", 1e-3, 1000, 1500, "adamw")
    w = rules(d, "warning")["warmup_too_long"]
    assert "1500" in w.message and "1000" in w.message and w.suggested == {"warmup_steps": 50}
    # not an error: the curve is the cut-off ramp and never reaches the peak
    assert d.lrs[-1] == pytest.approx(1e-3 * 999 / 1500) and d.lrs.max() < 1e-3
    assert "warmup_too_long" in rules(D.design("linear", 1e-3, 1000, 1000))
    assert "warmup_too_long" not in rules(D.design("cosine", 1e-3, 1000, 999))


def test_warning_finetune_high_lr():
    w = rules(D.design("linear", 1e-3, 10_000, 600, task="finetune"), "warning")["finetune_high_lr"]
    assert "catastrophic forgetting" in w.message and "ULMFiT" in w.source
    assert "finetune_high_lr" in rules(D.design("linear", 1e-4, 10_000, 600, task="finetune"))
    assert "finetune_high_lr" not in rules(D.design("linear", 5e-5, 10_000, 600, task="finetune"))
    assert "finetune_high_lr" not in rules(D.design("linear", 1e-3, 10_000, 600, task="transformer"))


def test_warning_milestones_after_end():
    # epochs given to a scheduler stepped per batch: 30, 60, 90 are fine for 90 epochs of steps...
    d = D.design("step", 0.1, 1000, optimizer="sgd", milestones=[500, 1000, 1200])
    w = rules(d, "warning")["milestones_after_end"]
    assert "[1000, 1200]" in w.message and "999" in w.message
    assert "milestones_after_end" not in rules(D.design("step", 0.1, 1000, optimizer="sgd", milestones=[500, 999]))


def test_warning_lr_outside_finder():
    f = FakeFinder(recommended=3e-3, diverged_at=0.3, lrs=(1e-6, 1.0))
    high = rules(D.design("cosine", 5e-2, 1000, 50, "sgd", finder=f), "warning")["lr_outside_finder"]
    assert "above" in high.message and "Smith" in high.source and high.suggested == {"lr": 3e-3}
    div = rules(D.design("cosine", 0.5, 1000, 50, "sgd", finder=f), "warning")["lr_outside_finder"]
    assert "diverged" in div.message
    low = rules(D.design("cosine", 1e-5, 1000, 50, "sgd", finder=f), "warning")["lr_outside_finder"]
    assert "below" in low.message
    narrow = FakeFinder(recommended=1e-3, diverged_at=None, lrs=(1e-3, 1e-2))
    untested = rules(D.design("cosine", 5e-4, 1000, 50, "sgd", finder=narrow), "warning")["lr_outside_finder"]
    assert "outside the range" in untested.message
    for ok in (3e-3, 1e-2, 1e-4):
        assert "lr_outside_finder" not in rules(D.design("cosine", ok, 1000, 50, "sgd", finder=f))


def test_warning_decays_too_early():
    # ExponentialLR(gamma=0.95) meant per epoch, stepped per batch
    d = D.design("exponential", 0.1, 10_000, optimizer="sgd", gamma=0.95)
    w = rules(d, "warning")["decays_too_early"]
    assert w.values["share"] > 0.98 and w.values["since"] == 135  # 0.95**135 < 1e-3 <= 0.95**134
    assert "decays_too_early" not in rules(D.design("exponential", 0.1, 10_000, optimizer="sgd"))
    assert "decays_too_early" not in rules(D.design("cosine", 0.1, 10_000, optimizer="sgd"))
    assert "decays_too_early" in rules(D.design("step", 0.1, 10_000, optimizer="sgd", milestones=[100, 200, 300]))
    assert "decays_too_early" not in rules(D.design("step", 0.1, 10_000, optimizer="sgd", milestones=[100, 200]))


def test_every_rule_is_documented_and_tested():
    doc = D.__doc__
    source = open(__file__, encoding="utf-8").read()
    for name, fn in D.RULES.items():
        assert f"``{name}``" in doc, f"rule {name} is not in the module docstring"
        assert fn.__doc__, f"rule {name} has no docstring"
        assert re.search(rf"def test_(rule|warning)_{name}\b", source), f"rule {name} has no test"
        for lang in ("en", "bn"):
            assert i18n.t(f"designer.{name}.why", language=lang)


def test_advice_follows_the_language():
    d = D.design("cosine", 1e-3, 10_000, 0, "adamw", task="transformer", finder=FakeFinder(recommended=1e-5))
    en = [(a.message, a.reason, a.source) for a in d.advice]
    lrcourse.set_language("bn")
    bn = [(a.message, a.reason, a.source) for a in d.advice]
    for (me, re_, _), (mb, rb, _) in zip(en, bn):
        assert me != mb and re_ != rb
        assert re.search(r"[\u0980-\u09FF]", mb) and re.search(r"[\u0980-\u09FF]", rb)
    assert "সতর্কবার্তা" in d.report() and "সুপারিশ" in d.report()


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"schedule": "cosin"}, ValueError, ["schedule='cosin'", "'cosine'"]),
        ({"optimizer": "lion"}, ValueError, ["optimizer='lion'", "'adamw'"]),
        ({"task": "nlp"}, ValueError, ["task='nlp'", "'transformer'"]),
        ({"lr": 0}, ValueError, ["lr=0.0", "> 0"]),
        ({"lr": float("nan")}, ValueError, ["lr=nan"]),
        ({"lr": "1e-3"}, TypeError, ["lr='1e-3'"]),
        ({"total_steps": 0}, ValueError, ["total_steps=0", ">= 1"]),
        ({"total_steps": 10.5}, TypeError, ["total_steps=10.5"]),
        ({"warmup_steps": -5}, ValueError, ["warmup_steps=-5"]),
        ({"lr_min": 2e-3}, ValueError, ["lr_min=0.002", "lr=0.001"]),
        ({"schedule": "step", "milestones": []}, ValueError, ["milestones=[]"]),
        ({"schedule": "step", "milestones": "5,7"}, TypeError, ["milestones='5,7'"]),
        ({"schedule": "step", "milestones": [50, 500], "warmup_steps": 100}, ValueError, ["milestones", "warmup"]),
        ({"schedule": "exponential", "gamma": 1.5}, ValueError, ["gamma=1.5"]),
        ({"schedule": "wsd", "decay_steps": 20_000}, ValueError, ["decay_steps=20000"]),
        ({"beta2": 1.0}, ValueError, ["beta2=1.0"]),
        ({"base_lr": 0.1}, ValueError, ["batch_size"]),
        ({"batch_size": 0}, ValueError, ["batch_size=0"]),
        ({"finder": object()}, TypeError, ["finder=", "recommended"]),
    ],
)
def test_invalid_input_names_the_parameter(kwargs, exc, words):
    args = {"schedule": "cosine", "lr": 1e-3, "total_steps": 10_000} | kwargs
    with pytest.raises(exc) as info:
        D.design(**args)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


def test_to_code_rejects_unknown_target():
    with pytest.raises(ValueError, match="target='keras'"):
        D.design().to_code("keras")


# --------------------------------------------------------------------------- exported code


def _hf_standin() -> types.ModuleType:
    """A stand-in for ``transformers``' schedule functions, from ``transformers/optimization.py``.

    transformers is not installed (and must not become a dependency); these are LambdaLR
    multipliers of the optimizer's lr, written from the functions' source (the lambdas of the
    documented ``get_*_schedule*`` functions).
    """
    from torch.optim.lr_scheduler import LambdaLR

    mod = types.ModuleType("transformers")

    def warm(t, w):
        return t / max(1, w)

    def get_constant_schedule(optimizer, last_epoch=-1):
        return LambdaLR(optimizer, lambda t: 1.0)

    def get_constant_schedule_with_warmup(optimizer, num_warmup_steps, last_epoch=-1):
        return LambdaLR(optimizer, lambda t: warm(t, num_warmup_steps) if t < num_warmup_steps else 1.0)

    def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, last_epoch=-1):
        W, N = num_warmup_steps, num_training_steps
        return LambdaLR(optimizer, lambda t: warm(t, W) if t < W else max(0.0, (N - t) / max(1, N - W)))

    def _cos(t, W, N, c, m):
        if t < W:
            return warm(t, W)
        p = (t - W) / max(1, N - W)
        return max(0.0, 0.5 * (1 + math.cos(2 * math.pi * c * p)) * (1 - m) + m)

    def get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1):
        return LambdaLR(optimizer, lambda t: _cos(t, num_warmup_steps, num_training_steps, num_cycles, 0.0))

    def get_cosine_with_min_lr_schedule_with_warmup(
        optimizer, num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1, min_lr=None, min_lr_rate=None
    ):
        assert (min_lr is None) != (min_lr_rate is None)
        m = min_lr / optimizer.defaults["lr"] if min_lr is not None else min_lr_rate
        return LambdaLR(optimizer, lambda t: _cos(t, num_warmup_steps, num_training_steps, num_cycles, m))

    def get_polynomial_decay_schedule_with_warmup(
        optimizer, num_warmup_steps, num_training_steps, lr_end=1e-7, power=1.0, last_epoch=-1
    ):
        b = optimizer.defaults["lr"]
        W, N = num_warmup_steps, num_training_steps
        assert b > lr_end

        def f(t):
            if t < W:
                return warm(t, W)
            if t > N:
                return lr_end / b
            return ((b - lr_end) * (1 - (t - W) / (N - W)) ** power + lr_end) / b

        return LambdaLR(optimizer, f)

    def get_inverse_sqrt_schedule(optimizer, num_warmup_steps, timescale=None, last_epoch=-1):
        W = num_warmup_steps
        ts = timescale if timescale is not None else (W or 10_000)
        return LambdaLR(optimizer, lambda t: warm(t, W) if t < W else 1 / math.sqrt((t + ts - W) / ts))

    def get_wsd_schedule(optimizer, num_warmup_steps, num_decay_steps, num_training_steps=None,
                         num_stable_steps=None, warmup_type="linear", decay_type="cosine", min_lr_ratio=0,
                         num_cycles=0.5, last_epoch=-1):
        W, Dd, m = num_warmup_steps, num_decay_steps, min_lr_ratio
        St = num_stable_steps if num_stable_steps is not None else num_training_steps - W - Dd
        assert warmup_type == "linear"

        def f(t):
            if t < W:
                return max(0.0, warm(t, W) * (1 - m) + m)
            if t < W + St:
                return 1.0
            if t < W + St + Dd:
                p = (t - W - St) / max(1, Dd)
                shape = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * 2 * num_cycles * p)),
                         "1-sqrt": 1 - math.sqrt(p)}[decay_type]
                return max(0.0, shape * (1 - m) + m)
            return m

        return LambdaLR(optimizer, f)

    for fn in (get_constant_schedule, get_constant_schedule_with_warmup, get_linear_schedule_with_warmup,
               get_cosine_schedule_with_warmup, get_cosine_with_min_lr_schedule_with_warmup,
               get_polynomial_decay_schedule_with_warmup, get_inverse_sqrt_schedule, get_wsd_schedule):
        setattr(mod, fn.__name__, fn)
    return mod


def run_snippet(code: str, steps: int) -> np.ndarray:
    """Execute an exported snippet and read the LR the optimizer really uses at updates 0 … steps − 1."""
    import torch

    ns = {"model": torch.nn.Linear(3, 1), "__name__": "snippet"}
    exec(compile(code, "<exported snippet>", "exec"), ns)
    return lrs_used(ns["scheduler"], steps).lrs


N = 300
CASES = [
    dict(schedule=k, warmup_steps=w) for k in D.SCHEDULE_TYPES for w in (0, 30)
] + [
    dict(schedule="cosine", warmup_steps=0, lr_min=1e-5),
    dict(schedule="cosine", warmup_steps=30, lr_min=1e-4),
    dict(schedule="linear", warmup_steps=0, lr_min=1e-5),
    dict(schedule="linear", warmup_steps=30, lr_min=1e-5),
    dict(schedule="polynomial", warmup_steps=0, power=2.0, lr_min=1e-5),
    dict(schedule="polynomial", warmup_steps=30, power=0.5),
    dict(schedule="step", warmup_steps=0, milestones=[100, 100, 250], gamma=0.5),
    dict(schedule="exponential", warmup_steps=0, gamma=0.99),
    dict(schedule="wsd", warmup_steps=20, decay_steps=60, decay="cosine", lr_min=1e-5),
    dict(schedule="wsd", warmup_steps=20, decay_steps=60, decay="linear"),
    dict(schedule="sgdr", warmup_steps=0, t_0=50, t_mult=1, lr_min=1e-5),
    dict(schedule="cyclic", warmup_steps=0, cycle_steps=40, lr_min=1e-4),
]
IDS = ["-".join(f"{k}={v}" for k, v in c.items()) for c in CASES]


@pytest.fixture
def hf(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", _hf_standin())


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("target", D.EXPORT_TARGETS)
def test_exported_code_reproduces_the_curve(case, target, hf):
    d = D.design(lr=1e-3, total_steps=N, optimizer="adamw", **case)
    code = d.to_code(target)
    got = run_snippet(code, N)
    np.testing.assert_allclose(got, d.lrs, rtol=1e-9, atol=1e-15, err_msg=f"{target} snippet:\n{code}")


def test_exported_code_uses_the_native_classes():
    assert "MultiStepLR(optimizer, milestones=[5000, 7500], gamma=0.1)" in D.design("step", 0.1, 10_000).to_code()
    assert "CosineAnnealingLR(optimizer, T_max=10000" in D.design("cosine", 0.1, 10_000).to_code()
    assert "OneCycleLR(optimizer, max_lr=0.1" in D.design("one_cycle", 0.1, 10_000).to_code()
    assert "LambdaLR(optimizer, lr_lambda)" in D.design("cosine", 0.1, 10_000, 500).to_code()
    hf_code = D.design("cosine", 1e-3, 10_000, 500).to_code("hf")
    assert "get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=500, num_training_steps=10000)" in hf_code
    assert 'lr_scheduler_type="cosine"' in hf_code
    # no Hugging Face equivalent: say so, and hand the PyTorch scheduler to the Trainer
    step_hf = D.design("step", 0.1, 10_000).to_code("hf")
    assert "no built-in" in step_hf and "optimizers=(optimizer, scheduler)" in step_hf
    assert "S.with_warmup(schedule=S.multistep(" in D.design("step", 0.1, 10_000, 100).to_code("lrcourse")


# --------------------------------------------------------------------------- command line


def test_cli_prints_advice_and_writes_png(tmp_path, capsys):
    from lrcourse.cli import main

    out = tmp_path / "curve.png"
    rc = main(["design", "--schedule", "cosine", "--lr", "1e-3", "--total-steps", "20000", "--optimizer", "adamw",
               "--task", "transformer", "--out", str(out), "--export", "pytorch"])
    text = capsys.readouterr().out
    assert rc == 0
    assert "Warnings (1)" in text and "AdamW starts at 0.001" in text and "Ma & Yarats" in text
    assert "CosineAnnealingLR(optimizer, T_max=20000" in text
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    assert main(["design", "--lr", "1e-3", "--warmup", "2000", "--lr-min", "1e-4", "--no-plot", "--strict"]) == 0
    assert main(["design", "--lr", "1e-3", "--no-plot", "--strict", "--task", "transformer"]) == 1


def test_cli_in_bengali_and_errors(tmp_path, capsys):
    from lrcourse.cli import main

    rc = main(["--lang", "bn", "design", "--schedule", "step", "--lr", "0.1", "--optimizer", "sgd",
               "--total-steps", "1000", "--milestones", "500", "1500", "--out", str(tmp_path / "c.png")])
    text = capsys.readouterr().out
    assert rc == 0 and "সতর্কবার্তা" in text and "[1500]" in text and "প্লট লেখা হয়েছে" in text
    lrcourse.set_language("en")
    assert main(["design", "--lr", "-1", "--no-plot"]) == 2
    assert "lr=-1.0" in capsys.readouterr().err


# --------------------------------------------------------------------------- plots and the widget


def test_envelope_keeps_every_spike():
    lrs = np.full(1_000_000, 1e-3)
    lrs[123_457] = 5e-3  # one spike
    lrs[876_543] = 1e-6  # one dip
    x, y = envelope(lrs, 1000)
    assert len(x) == 2000 and y.max() == 5e-3 and y.min() == 1e-6
    assert x[0] == 0 and x[-1] == 999_999 and np.all(np.diff(x) >= 0)


def test_plot_labels_follow_the_language():
    lrcourse.set_language("bn")
    fig = D.design("cosine", 1e-3, 1000, 100).plot()
    ax = fig.axes[0]
    assert ax.get_ylabel() == i18n.t("designer.plot.y") and "লার্নিং রেট" in ax.get_ylabel()
    assert "কোসাইন" in ax.get_title()
    fig2 = D.compare(D.design("cosine", 1e-3, 1000), D.design("step", 1e-3, 1000, label="mine"))
    labels = [t.get_text() for t in fig2.axes[0].get_legend().get_texts()]
    assert any(lab.startswith("B: mine") for lab in labels)


def test_widget_redraws_on_change():
    from lrcourse.designer.widget import DesignerApp

    app = DesignerApp(total_steps=5000)
    png0, html0 = app.plot.value, app.advice.value
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert bundle["text/plain"].startswith("LR Schedule Designer: Design(cosine(")
    assert png0[:4] == b"\x89PNG" and "adam" in app.code["pytorch"].value.lower()
    app.controls["schedule"].value = "step"
    assert app.plot.value != png0 and app.advice.value != html0
    assert "MultiStepLR" in app.code["pytorch"].value
    # comparison mode: pin A, change, and both curves are drawn
    app.pin()
    app.controls["lr"].value = 1e-2
    assert app.renderer.lines_drawn == 2 and app.design_b is not None
    assert app.ax.get_legend() is not None
    app.clear()
    assert app.renderer.lines_drawn == 1 and app.design_b is None
    # a bad value shows an error instead of raising into the notebook
    app.controls["total_steps"].value = 1
    app.controls["schedule"].value = "one_cycle"
    assert "total_steps" in app.advice.value
