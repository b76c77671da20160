"""Tests of lrcourse.lessons.l07_where_used: fine-tuning with per-layer (discriminative) LRs and
gradual unfreezing (ULMFiT, Howard & Ruder 2018), on lesson 04's forgetting set-up.

Each test takes seconds and checks a property that is false if the code is wrong.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

import lrcourse
from lrcourse import i18n
from lrcourse.lessons import l04_pitfalls, l07_where_used as where


def test_layer_lrs_follow_ulmfit_and_fastai_slice():
    lrs = where.layer_lrs(0.1, 3)
    np.testing.assert_allclose(lrs, [0.1 / 2.6**2, 0.1 / 2.6, 0.1])
    # fastai: slice(lo, hi) over n groups is even_mults(lo, hi, n), lo * (hi/lo)**(i/(n-1))
    lo, hi = lrs[0], lrs[-1]
    np.testing.assert_allclose(lrs, [lo * (hi / lo) ** (i / 2) for i in range(3)])
    assert where.layer_lrs(0.1, 3, factor=1.0) == [0.1, 0.1, 0.1]
    with pytest.raises(ValueError, match="factor"):
        where.layer_lrs(0.1, 3, factor=0)


def test_discriminative_param_groups_really_give_the_lower_layers_a_lower_lr():
    net = l04_pitfalls.TwoTaskNet()
    opt = torch.optim.SGD(where.param_groups(net, 0.1, factor=2.6), lr=0.1)
    assert [g["name"] for g in opt.param_groups] == ["body.0", "body.2", "head_b"]
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.1 / 2.6**2, 0.1 / 2.6, 0.1])
    # One SGD step with all gradients 1: each layer moves by exactly its own LR.
    before = [m.weight.detach().clone() for m in (net.body[0], net.body[2], net.head_b)]
    for p in net.parameters():
        p.grad = torch.ones_like(p)
    opt.step()
    moved = [float((b - m.weight.detach()).mean()) for b, m in zip(before, (net.body[0], net.body[2], net.head_b))]
    np.testing.assert_allclose(moved, [0.1 / 2.6**2, 0.1 / 2.6, 0.1], rtol=1e-5)
    assert not any(p is q for p in net.head_a.parameters() for g in opt.param_groups for q in g["params"])


@pytest.fixture(scope="module")
def setup():
    data = l04_pitfalls.split_tasks()
    return data, l04_pitfalls.pretrain(0, data, epochs=3)


def test_gradual_unfreezing_trains_only_the_head_in_the_first_epoch(setup):
    data, net = setup
    before = l04_pitfalls.evaluate(net.forward_a, data.xa_test, data.ya_test)[0]
    frozen = where.finetune(net, data, 0.1, "unfreeze", epochs=1, seed=0)
    assert frozen[0, 0] == before  # the body did not move: task A (its own head) is untouched
    assert frozen[0, 1] > 0.3  # ... while the new head learned some of task B (chance: 0.2)
    moved = where.finetune(net, data, 0.1, "one", epochs=1, seed=0)
    assert moved[0, 0] != before
    # the pretrained network itself is never changed
    assert l04_pitfalls.evaluate(net.forward_a, data.xa_test, data.ya_test)[0] == before
    with pytest.raises(ValueError, match="method"):
        where.finetune(net, data, 0.1, "freeze-all", epochs=1, seed=0)


@pytest.fixture(scope="module")
def comparison():
    return where.finetune_comparison(lrs=(0.1,), pretrain_epochs=4, finetune_epochs=4, seeds=[0])


def test_finetune_comparison_discriminative_lrs_forget_less(comparison):
    assert comparison.curves.shape == (4, 1, 1, 4, 2)
    a = dict(zip(comparison.methods, comparison.acc_a[:, 0, 0]))
    b = dict(zip(comparison.methods, comparison.acc_b[:, 0, 0]))
    assert comparison.acc_a_before[0] > 0.9
    assert a["one"] < comparison.acc_a_before[0] - 0.02  # lesson 04: fine-tuning at 0.1 forgets task A
    assert a["discriminative"] > a["one"] and a["both"] > a["one"]
    assert min(b.values()) > 0.8  # every variant learns task B


def test_finetune_comparison_in_bengali(comparison):
    lrcourse.set_language("bn")  # tests/conftest.py sets English again after each test
    text = comparison.summary()
    assert "ডিসক্রিমিনেটিভ" in text and "হেডের LR" in text
    fig = comparison.plot()
    assert fig.axes[0].get_xlabel() == i18n.t("where.b_axis", language="bn")
    with pytest.raises(ValueError, match="methods"):
        where.finetune_comparison(methods=("one", "all"), seeds=[0])
