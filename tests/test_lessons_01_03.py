"""Tests of lrcourse.lessons.l01_why, l02_schedules and l03_warmup: the demonstrations of lessons 01-03.

Each test is small (a few seconds at most on a busy 2-core CPU) and checks a
property that would be false if the demonstration were wrong.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lrcourse import i18n
from lrcourse import schedules as S
from lrcourse.lessons import l01_why, l02_schedules, l03_warmup


@pytest.fixture
def bengali():
    before = i18n.get_language()
    i18n.set_language("bn")
    yield
    i18n.set_language(before)


def _has_bengali(text: str) -> bool:
    return any("\u0980" <= ch <= "\u09ff" for ch in text)


# --------------------------------------------------------------------------- lesson 01


@pytest.fixture(scope="module")
def problem():
    return l01_why.digits_problem()


def test_digits_problem_lstar_is_the_minimum(problem):
    # L* comes from L-BFGS; at the solution the gradient of the convex objective must vanish,
    # so no model can do better: check the gradient at a model solved again, and a random model's gap.
    model = problem.new_model(0)
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=500, tolerance_grad=1e-12,
                            tolerance_change=1e-15, history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        value = problem.batch_loss(model, problem.x_train, problem.y_train)
        value.backward()
        return value

    for _ in range(3):
        opt.step(closure)
    closure()
    grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    assert float(grad.abs().max()) < 1e-6
    assert abs(problem.loss(model) - problem.lstar) < 1e-9
    assert problem.loss(problem.new_model(3)) - problem.lstar > 1.0  # a random model is far from it
    assert 0.0 < problem.lstar < math.log(10)


def test_sgd_run_is_reproducible_and_follows_the_schedule(problem):
    schedule = S.cosine(0.5, 60)
    a = l01_why.sgd_run(problem, schedule, 60, batch_size=16, seed=1, eval_every=20)
    b = l01_why.sgd_run(problem, schedule, 60, batch_size=16, seed=1, eval_every=20)
    assert list(a[0]) == [20, 40, 60]
    np.testing.assert_array_equal(a[1], b[1])
    assert np.all(a[1] > -1e-9)  # nothing beats the minimum
    # A negligible LR must not move the model: the gap stays at the initial one.
    frozen = l01_why.sgd_run(problem, S.constant(1e-15), 20, seed=1, eval_every=10)
    initial_gap = problem.loss(problem.new_model(1)) - problem.lstar
    np.testing.assert_allclose(frozen[1], initial_gap, rtol=1e-6)
    with pytest.raises(TypeError, match="schedule"):
        l01_why.sgd_run(problem, lambda t: 0.1, 10)


def test_constant_vs_schedule_shows_the_claim(bengali):
    result = l01_why.constant_vs_schedule(epochs=12, seeds=(0,))
    large, small, cosine = result.runs
    assert result.total_steps == 12 * (1347 // 16)
    # The lesson's claim (one seed, 12 epochs instead of 3 x 20): the small constant LR crawls
    # far behind, and the schedule ends below the large constant LR's noise floor.
    assert small.final_gap > 3 * cosine.final_gap
    assert cosine.final_gap < 0.7 * large.final_gap
    # Labels and the summary follow the language.
    assert _has_bengali(large.label) and _has_bengali(result.summary())
    fig = result.plot()
    assert _has_bengali(fig.axes[1].get_title())
    assert fig.axes[1].get_yscale() == "log"


def test_noise_floor_rises_with_the_lr():
    floors = l01_why.noise_floors((0.5, 2.0), epochs=10, seeds=(0,))
    assert set(floors) == {0.5, 2.0}
    assert floors[2.0] > 2 * floors[0.5] > 0  # lesson 01: a larger constant LR stalls higher
    with pytest.raises(ValueError, match="lrs"):
        l01_why.noise_floors(())


def test_constant_vs_schedule_rejects_bad_input():
    with pytest.raises(ValueError, match="seeds"):
        l01_why.constant_vs_schedule(epochs=1, seeds=())
    with pytest.raises(ValueError, match="epochs=0"):
        l01_why.constant_vs_schedule(epochs=0)
    with pytest.raises(ValueError, match="weight_decay"):
        l01_why.digits_problem(weight_decay=0)


# --------------------------------------------------------------------------- lesson 02


@pytest.mark.parametrize("kind", l02_schedules.EXPLORER_KINDS)
def test_build_schedule_every_kind(kind):
    s = l02_schedules.build_schedule(kind, lr=1e-3, total_steps=2_000, warmup_steps=200, lr_min_ratio=0.1,
                             gamma=0.5, step_size=500, share=0.25)
    assert isinstance(s, S.Schedule)
    lrs = s(np.arange(2_001))
    assert np.all(np.isfinite(lrs)) and np.all(lrs >= 0)
    assert lrs.max() <= 1e-3 * (1 + 1e-12)
    assert lrs.max() >= 0.5e-3  # every kind reaches (about) its peak lr somewhere


def test_build_schedule_parameters_mean_what_the_sliders_say():
    # exponential: gamma is the factor over the whole run
    assert l02_schedules.build_schedule("exponential", lr=1.0, total_steps=1000, gamma=0.01)(1000) == pytest.approx(0.01)
    # sgdr: the first cycle is share * total_steps long
    s = l02_schedules.build_schedule("sgdr", lr=1.0, total_steps=1000, share=0.1)
    assert s.params["t_0"] == 100 and s(100) == pytest.approx(1.0)
    # wsd: warmup, then the decay takes `share` of the rest, ending at lr_min
    w = l02_schedules.build_schedule("wsd", lr=1.0, total_steps=1000, warmup_steps=100, share=0.2, lr_min_ratio=0.05)
    assert (w.params["warmup_steps"], w.params["decay_steps"]) == (100, 180)
    assert w(1000) == pytest.approx(0.05)
    # cyclic modes are taken from the name
    assert l02_schedules.build_schedule("cyclic (exp_range)").params["mode"] == "exp_range"
    with pytest.raises(ValueError, match="kind='cosin'"):
        l02_schedules.build_schedule("cosin")


def test_schedule_explorer_builds_its_widgets(bengali):
    import ipywidgets as w

    box = l02_schedules.schedule_explorer("cosine", total_steps=5_000)
    assert isinstance(box, w.VBox)
    dropdowns = [c for c in box.children[0].children[0].children if isinstance(c, w.Dropdown)]
    assert len(dropdowns) == 1
    assert tuple(dropdowns[0].options) == l02_schedules.EXPLORER_KINDS and dropdowns[0].value == "cosine"
    assert _has_bengali(dropdowns[0].description)
    with pytest.raises(ValueError, match="kind"):
        l02_schedules.schedule_explorer("nope")


def test_pytorch_lrs_reads_the_lr_really_used():
    from torch.optim import lr_scheduler as L

    lrs, err = l02_schedules.pytorch_lrs(lambda o: L.CosineAnnealingLR(o, T_max=50), 51, lr=0.1)
    assert err is None
    np.testing.assert_allclose(lrs, S.cosine(0.1, 50)(np.arange(51)), rtol=1e-9, atol=1e-15)
    # OneCycleLR: N + 1 updates happen, the (N+1)-th scheduler.step() raises; the extra update's LR is
    # PyTorch's extrapolation, above the minimum that lrcourse holds.
    lrs, err = l02_schedules.pytorch_lrs(lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=40), 50, lr=0.1)
    assert isinstance(err, ValueError) and "40" in str(err)
    assert len(lrs) == 41
    np.testing.assert_allclose(lrs[:40], S.one_cycle(0.1, 40)(np.arange(40)), rtol=1e-9)
    assert lrs[40] > 10 * S.one_cycle(0.1, 40)(40)
    with pytest.raises(ValueError, match="optimizer"):
        l02_schedules.pytorch_lrs(lambda o: None, 1, optimizer="lion")


# --------------------------------------------------------------------------- lesson 03


def test_sorting_batch_targets_are_the_sorted_inputs():
    gen = torch.Generator().manual_seed(0)
    inputs, targets = l03_warmup.sorting_batch(gen, batch_size=5, length=6)
    assert inputs.shape == targets.shape == (5, 12)  # 6 digits, separator, 6 sorted, shifted by one
    assert torch.all(targets[:, :6] == -100)
    assert torch.all(inputs[:, 6] == 10)  # the separator
    expected, _ = inputs[:, :6].sort(dim=1)
    assert torch.equal(targets[:, 6:], expected)  # after the separator: the sorted digits
    assert torch.equal(inputs[:, 7:], expected[:, :5])  # teacher forcing: the answer so far


def test_tiny_transformer_is_causal_and_seeded():
    model = l03_warmup.tiny_transformer(d_model=32, layers=1, max_len=16, seed=3)
    again = l03_warmup.tiny_transformer(d_model=32, layers=1, max_len=16, seed=3)
    x = torch.randint(0, 10, (2, 12), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = model(x)
        assert out.shape == (2, 12, l03_warmup.SORT_VOCAB)
        assert torch.equal(out, again(x))
        y = x.clone()
        y[:, 8:] = (y[:, 8:] + 1) % 10  # change only the future
        torch.testing.assert_close(model(y)[:, :8], out[:, :8])
        assert not torch.allclose(model(y)[:, 8:], out[:, 8:])


def test_train_sorting_learns_and_is_reproducible():
    schedule = S.warmup_cosine(3e-3, 10, 60)
    run = l03_warmup.train_sorting(schedule, 60, seed=0, d_model=32, layers=1)
    again = l03_warmup.train_sorting(schedule, 60, seed=0, d_model=32, layers=1)
    np.testing.assert_array_equal(run.losses, again.losses)
    np.testing.assert_array_equal(run.lrs, schedule(np.arange(60)))
    assert not run.diverged
    assert run.losses[:5].mean() > 2.0  # starts near chance, ln(10) = 2.30 (plus a bit)
    assert run.losses[-10:].mean() < run.losses[:5].mean() - 0.3  # and learns
    assert 0.1 < run.accuracy <= 1.0
    with pytest.raises(TypeError, match="schedule"):
        l03_warmup.train_sorting(0.01, 10)
    with pytest.raises(ValueError, match="steps"):
        l03_warmup.train_sorting(schedule, 0)
    with pytest.raises(ValueError, match="optimizer='sgd'"):
        l03_warmup.train_sorting(schedule, 5, optimizer="sgd")


def test_radam_option_changes_the_optimizer():
    schedule = S.constant(1e-2)
    adam = l03_warmup.train_sorting(schedule, 8, seed=0, d_model=32, layers=1)
    radam = l03_warmup.train_sorting(schedule, 8, seed=0, d_model=32, layers=1, optimizer="radam")
    assert adam.losses[0] == radam.losses[0]  # same model and data
    assert not np.array_equal(adam.losses[1:], radam.losses[1:])  # different updates


def test_adam_trace_matches_adams_first_step():
    beta2 = 0.98
    trace = l03_warmup.adam_effective_lr_trace(steps=4, lr=1e-2, betas=(0.9, beta2), d_model=32, layers=1)
    # Step 1: m̂ = g and v̂ = g², so every update is lr·sign(g): RMS(Δθ)/lr = 1 (eps = 1e-9 is negligible).
    assert trace.update_rms[0] == pytest.approx(1.0, abs=0.02)
    assert trace.update_rms[3] < trace.update_rms[0]
    # Without bias correction the step is 1/sqrt(1 − β2^t) times larger: 7.07 at t = 1 for β2 = 0.98.
    np.testing.assert_allclose(trace.eff_raw_median[0] / trace.eff_median[0], 1 / math.sqrt(1 - beta2), rtol=1e-3)
    np.testing.assert_allclose(trace.eff_raw_median[1] / trace.eff_median[1], 1 / math.sqrt(1 - beta2**2), rtol=1e-3)
    assert np.isnan(trace.logv_jump[0]) and np.all(trace.logv_jump[1:] > 0)
    assert np.all(trace.eff_p05 <= trace.eff_median) and np.all(trace.eff_median <= trace.eff_p95)
    assert "RMS" in trace.table(at=(1, 2))


def test_warmup_schedules_differ_only_by_the_warmup():
    plain, warm = l03_warmup.warmup_schedules(1e-2, 20, 100)
    assert plain(0) == 1e-2 and warm(0) == 0.0
    assert warm(20) == pytest.approx(1e-2)
    assert plain(100) == 0.0 and warm(100) == 0.0


def _fake_run(schedule, seed, losses):
    losses = np.asarray(losses, dtype=float)
    return l03_warmup.SortingRun(schedule, seed, losses, schedule(np.arange(len(losses))), 0.5, 0.0)


def test_warmup_comparison_summary_and_plots_in_bengali(bengali):
    plain, warm = l03_warmup.warmup_schedules(1e-2, 3, 10)
    runs = {
        i18n.t("demos.no_warmup"): [_fake_run(plain, 0, [2.3] * 5 + [np.nan] * 5), _fake_run(plain, 1, [2.0] * 10)],
        i18n.t("demos.with_warmup", w=3): [_fake_run(warm, 0, np.linspace(2.3, 0.1, 10)),
                                           _fake_run(warm, 1, np.linspace(2.3, 0.2, 10))],
    }
    comp = l03_warmup.WarmupComparison(1e-2, 3, 10, runs, 1.0, spike_after=3)
    assert runs[i18n.t("demos.no_warmup")][0].diverged
    assert runs[i18n.t("demos.no_warmup")][0].final_loss() == math.inf
    text = comp.summary()
    assert "nan" in text and _has_bengali(text)
    fig = comp.plot()
    assert _has_bengali(fig.axes[0].get_title()) and _has_bengali(fig.axes[0].get_ylabel())
    sweep = l03_warmup.WarmupSweep({1e-2: comp, 3e-2: comp}, 2.0)
    finals = sweep.final_losses()
    assert finals[i18n.t("demos.no_warmup")].shape == (2, 2)
    assert np.isinf(finals[i18n.t("demos.no_warmup")][0, 0])
    assert "1e-02" in sweep.table()
    assert _has_bengali(sweep.plot().axes[0].get_xlabel())


def test_schedule_explorer_redraws_when_a_slider_moves(capsys):
    import ipywidgets as w

    box = l02_schedules.schedule_explorer("cosine", total_steps=2_000)
    left = box.children[0].children[0]
    kind = next(c for c in left.children if isinstance(c, w.Dropdown))
    lr = next(c for c in left.children if isinstance(c, w.FloatLogSlider))
    capsys.readouterr()
    # Outside a kernel the Output widget lets prints through to stdout: the redraw prints the schedule's repr.
    kind.value = "sgdr"
    assert "sgdr(lr=0.001" in capsys.readouterr().out
    lr.value = 0.01
    assert "sgdr(lr=0.01," in capsys.readouterr().out
    kind.value = "one_cycle"
    assert "one_cycle(max_lr=0.01, total_steps=2000" in capsys.readouterr().out


def test_with_radam_adds_a_third_group_on_the_same_seeds():
    small = {"d_model": 32, "layers": 1}
    comp = l03_warmup.warmup_comparison(1e-2, warmup_steps=2, steps=8, seeds=(0, 1), **small)
    both = l03_warmup.with_radam(comp, **small)
    assert list(both.runs)[:2] == list(comp.runs)
    radam = both.runs[i18n.t("demos.radam")]
    plain = comp.runs[i18n.t("demos.no_warmup")]
    assert [r.seed for r in radam] == [0, 1]
    for r, p in zip(radam, plain):
        np.testing.assert_array_equal(r.lrs, p.lrs)  # the no-warmup schedule
        assert r.losses[0] == p.losses[0]  # same model and first batch
        assert not np.array_equal(r.losses[1:], p.losses[1:])  # but a different optimizer
    assert len(both.plot().axes[1].get_lines()) == 3
    assert len(comp.runs) == 2  # the original is left as it was


# --------------------------------------------------------------------------- lesson 01: why the LR must decay


def test_inverse_time_is_the_robbins_monro_schedule_and_drives_torch():
    rm = l01_why.inverse_time(1.0, 100)
    fast = l01_why.inverse_time(1.0, 100, power=2.0)
    t = np.arange(5000)
    np.testing.assert_allclose(rm(t), 1.0 / (1.0 + t / 100))
    np.testing.assert_allclose(fast(t), 1.0 / (1.0 + t / 100) ** 2)
    # Σ η_t of the 1/t schedule keeps growing (like log t); the 1/t² one stops near lr·t0 = 100.
    assert rm(t).sum() > 3 * fast(t).sum() and fast(np.arange(10**6)).sum() < 101
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.5)
    sched = S.attach(opt, rm)
    used = []
    for _ in range(5):
        used.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(used, rm(np.arange(5)))
    with pytest.raises(ValueError, match="t0"):
        l01_why.inverse_time(1.0, 0)


def test_sgd_run_from_the_optimum_and_with_independent_batches(problem):
    # Started at θ* with a negligible LR, the gap is (numerically) zero: the optimum is really stored.
    _, gaps, _ = l01_why.sgd_run(problem, S.constant(1e-15), 20, start="optimum", eval_every=10)
    assert np.all(np.abs(gaps) < 1e-10)
    a = l01_why.sgd_run(problem, S.constant(0.5), 40, sampling="iid", seed=3, eval_at=[10, 40])
    b = l01_why.sgd_run(problem, S.constant(0.5), 40, sampling="iid", seed=3, eval_at=[10, 40])
    c = l01_why.sgd_run(problem, S.constant(0.5), 40, sampling="epochs", seed=3, eval_at=[10, 40])
    assert list(a[0]) == [10, 40]
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])  # another way of drawing the batches
    with pytest.raises(ValueError, match="sampling"):
        l01_why.sgd_run(problem, S.constant(0.5), 5, sampling="random")


def test_gradient_noise_is_the_variance_of_a_minibatch_gradient(problem):
    # The closed form against autograd: the per-example gradients of the loss without its L2 term.
    model = problem.optimum_model()
    grads = []
    for i in range(len(problem.x_train)):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(problem.x_train[i:i + 1]), problem.y_train[i:i + 1]).backward()
        grads.append(torch.cat([model.weight.grad.reshape(-1), model.bias.grad]).clone())
    g = torch.stack(grads)
    per_example = float(((g - g.mean(0)) ** 2).sum(1).mean())
    assert l01_why.gradient_noise(problem, 1) == pytest.approx(per_example, rel=1e-9)
    assert l01_why.gradient_noise(problem, 32) == pytest.approx(per_example / 32, rel=1e-12)


def test_noise_floor_grows_in_proportion_to_the_lr(bengali):
    result = l01_why.noise_floor_scaling(lrs=(0.125, 0.25, 0.5), steps=600, seeds=(0,))
    floors = result.iid.mean(0)
    assert floors[0] < floors[1] < floors[2]
    # d2l §12.4 / the stationary analysis: at small LRs the floor is about η·tr(Σ_B)/4, linear in η.
    assert 3.0 < floors[2] / floors[0] < 6.5  # linear: 4; a quadratic floor would give 16
    np.testing.assert_array_less(np.abs(floors / result.predicted - 1), 0.4)
    # Reshuffling once per epoch sits lower at the smallest LR (Ying et al. 2019).
    assert result.reshuffled.mean(0)[0] < floors[0]
    assert _has_bengali(result.summary())
    fig = result.plot()
    assert _has_bengali(fig.axes[1].get_title()) and fig.axes[1].get_xscale() == "log"


def test_robbins_monro_keeps_going_down_where_constant_stalls(bengali):
    result = l01_why.robbins_monro(steps=3000, seeds=(0,))
    constant, rm, too_fast = (result.gaps[k, 0, -5:].mean() for k in range(3))
    assert rm < 0.6 * constant  # the decaying LR goes below the constant LR's noise floor ...
    assert too_fast > 2 * rm  # ... and a schedule whose steps add up to ~100 stops short
    early, late = result.gap_at(1, 300), result.gap_at(1, 3000)
    assert late < 0.5 * early  # it is still going down
    sums = [result.sums(k) for k in range(3)]
    assert sums[0] == (3000.0, 3000.0) and sums[2][0] < 101 < sums[1][0]
    assert _has_bengali(result.summary()) and _has_bengali(result.plot().axes[0].get_title())
