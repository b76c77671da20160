"""Tests of lrcourse.lessons.l04_pitfalls: the common-mistake demonstrations of lesson 04 show what they claim."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import LambdaLR, StepLR

import lrcourse
from lrcourse import i18n
from lrcourse.lessons import l04_pitfalls

WARMUP = 4


def warmup(opt):
    return LambdaLR(opt, lambda t: min(1.0, (t + 1) / WARMUP))


def test_right_order_uses_every_value_of_the_schedule_without_warning():
    lrs, caught = l04_pitfalls.lrs_used(warmup, 6, lr=0.1)
    expected = [0.1 * min(1.0, (t + 1) / WARMUP) for t in range(6)]
    assert lrs == pytest.approx(expected, rel=1e-12)
    assert not [w for w in caught if "before `optimizer.step()`" in w]


def test_scheduler_first_skips_the_first_value_and_warns():
    lrs, caught = l04_pitfalls.lrs_used(warmup, 6, scheduler_first=True, lr=0.1)
    shifted = [0.1 * min(1.0, (t + 2) / WARMUP) for t in range(6)]
    assert lrs == pytest.approx(shifted, rel=1e-12)
    assert 0.1 / WARMUP not in lrs  # f(0) is never used by any update
    assert any("before `optimizer.step()`" in w and "skipping the first value" in w for w in caught), caught


def test_scheduler_first_with_step_lr_drops_one_update_early():
    right, _ = l04_pitfalls.lrs_used(lambda o: StepLR(o, step_size=3, gamma=0.1), 6)
    wrong, _ = l04_pitfalls.lrs_used(lambda o: StepLR(o, step_size=3, gamma=0.1), 6, scheduler_first=True)
    assert right == pytest.approx([0.1, 0.1, 0.1, 0.01, 0.01, 0.01])
    assert wrong == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.01, 0.001])


@pytest.mark.parametrize("steps", [0, -1, 2.5, "3"])
def test_lrs_used_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        l04_pitfalls.lrs_used(warmup, steps)


@pytest.fixture(scope="module")
def sweep():
    return l04_pitfalls.step_decay_k_sweep(ks=[1, 3], epochs=3, seeds=[0, 1], lr=0.1, batch_size=32)


def test_k_sweep_shapes_and_learning(sweep):
    assert sweep.accuracy.shape == (2, 2) and sweep.test_loss.shape == (2, 2)
    assert np.all((sweep.accuracy >= 0) & (sweep.accuracy <= 1))
    # k=3 over 3 epochs never drops: plain SGD at 0.1 for 3 epochs learns the digits well
    assert sweep.accuracy[1].min() > 0.85
    assert sweep.drops(1) == [1, 2] and sweep.drops(3) == []
    assert sweep.label(3).endswith("(never)") and sweep.label(1) == "1"
    assert sweep.best_k() in (1, 3)


def test_k_sweep_is_reproducible(sweep):
    again = l04_pitfalls.step_decay_k_sweep(ks=[1, 3], epochs=3, seeds=[0, 1], lr=0.1, batch_size=32)
    np.testing.assert_array_equal(again.accuracy, sweep.accuracy)
    np.testing.assert_array_equal(again.test_loss, sweep.test_loss)


def test_k_sweep_drop_really_changes_training():
    # An enormous drop after the first epoch freezes the network: k=1 then ends where one epoch left it,
    # which is worse than training all three epochs at the full LR.
    s = l04_pitfalls.step_decay_k_sweep(ks=[1, 3], epochs=3, seeds=[0], gamma=1e-6, batch_size=32)
    assert s.test_loss[0, 0] > s.test_loss[1, 0]


def test_k_sweep_table_and_plot_follow_the_language(sweep):
    assert "test accuracy" in sweep.table() and "(never)" in sweep.table()
    lrcourse.set_language("bn")
    table = sweep.table()
    assert "কখনো না" in table and "টেস্ট অ্যাকুরেসি" in table
    fig = sweep.plot()
    assert fig.axes[0].get_ylabel() == i18n.t("pitfalls.test_acc", language="bn")
    assert fig._suptitle.get_text() == i18n.t("pitfalls.k_title", language="bn")
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize(
    "kwargs,name,error",
    [
        ({"gamma": 1.5}, "gamma", ValueError),
        ({"gamma": 0}, "gamma", ValueError),
        ({"epochs": 0}, "epochs", ValueError),
        ({"lr": -0.1}, "lr", ValueError),
        ({"ks": [0]}, "k", ValueError),
        # a non-integral count is a wrong type, as everywhere in lrcourse (lrcourse._runtime.check_int)
        ({"batch_size": 2.5}, "batch_size", TypeError),
    ],
)
def test_k_sweep_rejects_bad_parameters(kwargs, name, error):
    with pytest.raises(error, match=name):
        l04_pitfalls.step_decay_k_sweep(**{"epochs": 1, "seeds": [0], **kwargs})


@pytest.fixture(scope="module")
def forgot():
    return l04_pitfalls.forgetting(
        finetune_lrs=[0.1, 1e-9], pretrain_lr=0.1, pretrain_epochs=4, finetune_epochs=3, seeds=[0]
    )


def test_pretraining_learns_task_a(forgot):
    assert forgot.acc_a_before[0] > 0.9


def test_fine_tuning_at_the_pretraining_lr_forgets_task_a(forgot):
    assert forgot.acc_a_after[0, 0] < forgot.acc_a_before[0] - 0.02
    assert forgot.acc_b_after[0, 0] > 0.8  # ... while it does learn task B


def test_a_negligible_lr_keeps_task_a_and_each_lr_starts_from_the_pretrained_net(forgot):
    # The second fine-tuning starts from the pretrained network, not from the first fine-tuned one,
    # and an LR of 1e-9 leaves task A exactly where pretraining left it.
    assert forgot.acc_a_after[1, 0] == pytest.approx(forgot.acc_a_before[0], abs=1e-6)
    assert forgot.acc_b_after[1, 0] < forgot.acc_b_after[0, 0]


def test_forgetting_curves(forgot):
    assert forgot.curves_a.shape == (2, 1, 4) and forgot.curves_b.shape == (2, 1, 4)
    np.testing.assert_array_equal(forgot.curves_a[:, :, 0], np.full((2, 1), forgot.acc_a_before[0]))
    np.testing.assert_array_equal(forgot.curves_a[:, :, -1], forgot.acc_a_after)
    assert "(= pretraining LR)" in forgot._label(0.1) and "pretraining" not in forgot._label(1e-9)


def test_forgetting_table_and_plot_in_bengali(forgot):
    lrcourse.set_language("bn")
    assert "ফাইন-টিউন LR" in forgot.table()
    fig = forgot.plot()
    assert fig.axes[0].get_title() == i18n.t("pitfalls.forget_title_a", language="bn")
    assert fig.axes[1].get_xlabel() == i18n.t("pitfalls.finetune_epoch", language="bn")
    matplotlib.pyplot.close(fig)


def test_forgetting_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    l04_pitfalls.forgetting(finetune_lrs=[0.01], pretrain_epochs=1, finetune_epochs=1, seeds=[0])
    assert torch.equal(state, torch.random.get_rng_state())


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"finetune_lrs": [0.0]}, "finetune_lrs"),
        ({"pretrain_lr": 0}, "pretrain_lr"),
        ({"finetune_epochs": 0}, "finetune_epochs"),
        ({"pretrain_epochs": -1}, "pretrain_epochs"),
    ],
)
def test_forgetting_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        l04_pitfalls.forgetting(**{"seeds": [0], **kwargs})


# --------------------------------------------------------------------------- AdamW's LR-scaled weight decay


@pytest.fixture(scope="module")
def decay():
    return l04_pitfalls.adamw_decay(lr=1e-3, weight_decay=0.1, steps=400)


def test_adamw_decay_per_update_is_lr_times_weight_decay(decay):
    # torch/optim/adam.py (decoupled_weight_decay, AdamW): param.mul_(1 - lr * weight_decay)
    for kind in ("constant", "cosine"):
        np.testing.assert_allclose(decay.shrink[kind], decay.lrs[kind] * 0.1, atol=1e-12)
        assert decay.max_error(kind) < 1e-6
    # the cosine run used PyTorch's own CosineAnnealingLR, so its decay follows the cosine to ~0
    assert decay.lrs["cosine"][0] == 1e-3 and decay.lrs["cosine"][-1] < 1e-7
    assert decay.remaining("constant") == pytest.approx((1 - 1e-4) ** 400, rel=1e-9)
    assert decay.remaining("cosine") > decay.remaining("constant")


def test_adamw_ema_weights_and_the_l2_contrast(decay):
    for kind in ("constant", "cosine"):
        assert decay.contributions(kind).sum() == pytest.approx(1.0)
    weights = decay.contributions("constant")
    np.testing.assert_allclose(weights[1:] / weights[:-1], 1 / (1 - 1e-4))  # an EMA with factor 1 − ηλ
    assert decay.recent_share("cosine", 100) < decay.recent_share("constant", 100)
    # Adam's L2 term goes through the normalisation: its shrink does not follow η·λ at all
    assert decay.adam_l2_shrink[0] > 3 * 1e-4


def test_adamw_decay_summary_and_plot_in_bengali(decay):
    lrcourse.set_language("bn")  # tests/conftest.py sets English again after each test
    assert "ধ্রুব" in decay.summary() and "কোসাইন" in decay.summary()
    fig = decay.plot()
    assert fig.axes[0].get_title() == i18n.t("pitfalls.adamw.shrink_title", language="bn")
    with pytest.raises(ValueError, match="weight_decay"):
        l04_pitfalls.adamw_decay(weight_decay=0, steps=10)


# --------------------------------------------------------------------------- the update-to-weight ratio


def test_update_ratio_is_the_relative_change_of_the_weights_and_grows_with_the_lr():
    result = l04_pitfalls.update_ratio(lrs=(1e-4, 1e-3, 1e-2), steps=30, seeds=[0], momentum=0.0)
    for layer in range(2):
        medians = [result.median(i, layer) for i in range(3)]
        assert medians[0] < medians[1] < medians[2]
        assert 5 < medians[1] / medians[0] < 20  # plain SGD at a small LR: about in proportion to the LR
    # The first update of plain SGD is lr·grad: recompute it independently.
    from lrcourse.data import digits
    from lrcourse.models import digits_mlp

    x_tr, y_tr, _, _ = digits()
    model = digits_mlp(seed=0)
    idx = torch.randint(len(x_tr), (32,), generator=torch.Generator().manual_seed(0))
    torch.nn.functional.cross_entropy(model(x_tr[idx]), y_tr[idx]).backward()
    expected = 1e-2 * model[0].weight.grad.norm() / model[0].weight.detach().norm()
    assert result.ratios[2, 0, 0, 0] == pytest.approx(float(expected), rel=1e-4)


def test_update_ratio_summary_and_plot_in_bengali():
    result = l04_pitfalls.update_ratio(lrs=(1e-3, 1.0), steps=20, seeds=[0])
    lrcourse.set_language("bn")
    assert "লেয়ার 1" in result.summary()
    fig = result.plot()
    assert fig.axes[0].get_title() == i18n.t("pitfalls.ratio.title", language="bn")
    assert fig.axes[0].get_yscale() == "log"
    assert result.median(1, 0, first=10) > 10 * result.median(0, 0, first=10)
