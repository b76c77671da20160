"""lrcourse.lessons.l06_practice (lesson 06): settings by budget (with the training recipe), the schedules of each
task, (d)'s restarts, cycles and snapshot ensemble, cache, provenance, the committed results in data/results/ and
the command line.

Training runs here use tiny *synthetic* images (``synthetic_cifar`` from test_train) and tiny sizes.
"""

import json

import numpy as np
import pytest

from lrcourse import data, train
from lrcourse.lessons import l06_practice as practice
from lrcourse.lessons.l06_practice import EXPERIMENTS, config_key, settings

from test_train import synthetic_cifar


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """Tiny synthetic runs: 96 train / 40 test images, 2 epochs of batch 16; cache in tmp_path."""
    monkeypatch.setenv("LRCOURSE_DATA", str(tmp_path))
    d = synthetic_cifar(n_train=96, n_test=40)
    monkeypatch.setattr(data, "load_cifar10", lambda *a, **k: d)
    sizes = {name: {"quick": (96, 40, 2, 16, 1)} for name in EXPERIMENTS}
    monkeypatch.setattr(practice, "_SIZES", {k: dict(practice._SIZES[k], **sizes[k]) for k in EXPERIMENTS})
    monkeypatch.setattr(practice, "WARMUPS", dict(practice.WARMUPS, quick=(0, 2, 8)))
    monkeypatch.setattr(practice, "FINDER_ITERS", dict(practice.FINDER_ITERS, quick=20))
    return d


def test_settings_follow_the_budget_and_the_lesson():
    for name in EXPERIMENTS:
        q, s, f = (settings(name, b) for b in ("quick", "standard", "full"))
        assert q["n_train"] is not None and q["n_train"] <= 1000  # quick: a small subset, seconds
        assert s["n_train"] is None and f["n_train"] is None  # standard and full: the whole training set
        assert s["n_test"] is None and f["n_test"] is None
        assert len(f["seeds"]) >= 3 and f["epochs"] == 10  # full: the 94% recipe, 10 epochs, 3 seeds
        assert f["widths"] == [64, 256, 256] and s["widths"] == q["widths"] == [64, 128, 128]
    assert settings("c", "standard")["warmups"] == [0, 100, 1000]  # the lesson's question, as asked
    assert settings("c", "full")["warmups"] == [0, 100, 1000]
    assert settings("c", "standard")["optimizer"] == "adam"
    # (c) must be long enough for 1000 warmup steps to end inside the run, at standard and full
    for b in ("standard", "full"):
        s = settings("c", b)
        assert s["epochs"] * (50_000 // s["batch_size"]) > 1000, b
    with pytest.raises(ValueError, match="experiment='e'"):
        settings("e")
    with pytest.raises(ValueError, match="seeds=0"):
        settings("a", "quick", seeds=0)
    with pytest.raises(ValueError, match="budget='huge'"):
        settings("a", "huge")


def test_settings_record_the_recipe_and_scale_the_peak_lr_with_the_batch():
    for name in EXPERIMENTS:
        for b in ("quick", "standard", "full"):
            s = settings(name, b)
            assert set(train.RECIPE) <= set(s), f"{name} {b}: the recipe is not recorded in full"
            if s["optimizer"] == "sgd":
                assert {k: s[k] for k in train.RECIPE} == json.loads(json.dumps(train.RECIPE))
                assert s["peak_lr"] == pytest.approx(1.5 * s["batch_size"] / 1024)
            else:  # Adam: no faster LR for the BatchNorm biases, no weight decay
                assert s["bias_lr_scale"] == 1.0 and s["weight_decay"] == 0.0 and s["peak_lr"] == practice.ADAM_PEAK_LR
    assert settings("a", "standard")["peak_lr"] == pytest.approx(0.75)  # batch 512
    assert settings("a", "full")["peak_lr"] == pytest.approx(1.5)  # batch 1024


def test_config_key_covers_the_recipe(monkeypatch):
    before = config_key(settings("d", "standard"))
    monkeypatch.setitem(train.RECIPE, "lookahead", not train.RECIPE["lookahead"])
    assert config_key(settings("d", "standard")) != before


def test_task_d_has_the_budget_of_task_a():
    for b in ("quick", "standard", "full"):
        a, d = settings("a", b), settings("d", b)
        for key in ("n_train", "n_test", "epochs", "batch_size", "seeds", "optimizer", "peak_lr", "widths",
                    *train.RECIPE):
            assert d[key] == a[key], (b, key)


def test_config_key_changes_with_the_configuration():
    assert config_key(settings("a", "quick")) == config_key(settings("a", "quick"))
    assert config_key(settings("a", "quick")) != config_key(settings("a", "standard"))
    assert config_key(settings("a", "quick")) != config_key(settings("a", "quick", seeds=2))


def test_task_a_same_peak_lr_same_length():
    s = settings("a", "standard")
    runs = practice._schedules(s, 300)
    assert [r[0] for r in runs] == ["constant", "cosine", "step"]
    for _, _, sched in runs:
        assert sched(0) == pytest.approx(s["peak_lr"])
    const, cos, step = (r[2] for r in runs)
    assert const(299) == pytest.approx(s["peak_lr"])
    assert cos(299) < 0.001 * s["peak_lr"]
    assert step(299) == pytest.approx(s["peak_lr"] * 0.01)  # two drops by 10x
    # at half and three quarters of the run (He et al. 2016's CIFAR-10 milestones)
    assert step(149) == pytest.approx(s["peak_lr"]) and step(150) == pytest.approx(0.1 * s["peak_lr"])
    assert step(224) == pytest.approx(0.1 * s["peak_lr"]) and step(225) == pytest.approx(0.01 * s["peak_lr"])


def test_task_c_warmups():
    s = settings("c", "standard")
    runs = practice._schedules(s, 1250)
    lrs = [sched(np.arange(1250)) for _, _, sched in runs]
    assert lrs[0][0] == pytest.approx(s["peak_lr"])  # no warmup: the first update at the peak
    assert lrs[1][0] == 0.0 and lrs[1][100] == pytest.approx(s["peak_lr"])
    assert lrs[2][500] == pytest.approx(s["peak_lr"] / 2) and lrs[2][1000] == pytest.approx(s["peak_lr"])


def _restarts(lr: np.ndarray) -> list[int]:
    """The updates at which the LR jumps up."""
    return [int(t) for t in np.flatnonzero(np.diff(lr) > 0) + 1]


@pytest.mark.parametrize("total", [291, 294, 480, 1170, 16])
def test_task_d_schedules(total):
    s = settings("d", "standard")
    peak = s["peak_lr"]
    runs = practice._schedules(s, total)
    assert [r[0] for r in runs] == ["cosine1", "sgdr", "clr", "exp"]
    lrs = {label: sched(np.arange(total)) for label, _, sched in runs}
    for label, lr in lrs.items():
        assert lr[0] == pytest.approx(peak if label != "clr" else peak * s["clr_base_fraction"]), label
        assert lr.max() == pytest.approx(peak), label  # the same peak LR as (a)
    # one cosine cycle: down to ~0 at the last update, no restart
    # (a cosine of L updates ends at peak·(1 − cos(π/L))/2 ≈ peak·2.47/L²)
    assert lrs["cosine1"][-1] < 2.5 * peak / total**2 and _restarts(lrs["cosine1"]) == []

    # SGDR: three cycles of 1/7, 2/7, 4/7 of the run (T_mult 2), the last one ending at the last update
    ends = practice.sgdr_cycles(total)
    assert len(ends) == 3 and ends[-1] == total
    t0 = ends[0]
    assert t0 == total // 7 and ends[1] == 3 * t0 and 0 <= total - 7 * t0 < 7
    assert _restarts(lrs["sgdr"]) == ends[:-1]  # restarts at the cycle ends, none after the last
    for start, e in zip([0, *ends], ends):  # each cycle ends at its lowest LR, before the restart (or the end)
        assert lrs["sgdr"][e - 1] < 2.5 * peak / (e - start) ** 2
    for e in ends[:-1]:
        assert lrs["sgdr"][e] == pytest.approx(peak)
    if total % 7 == 0:  # a multiple of 7: exactly schedules.sgdr(peak, T0, 2)
        assert runs[1][2].name == "sgdr" and runs[1][2].params["t_0"] == total // 7
    assert runs[1][1] == {"t0": t0, "t_mult": 2}
    # the snapshots of (d) are taken at the cycle ends, and only in the SGDR run
    assert practice._snapshot_steps(s, "sgdr", total) == ends
    assert all(practice._snapshot_steps(s, label, total) == [] for label in ("cosine1", "clr", "exp"))

    # triangular cyclical LR: two full cycles between peak/10 and the peak
    clr, base = lrs["clr"], peak * s["clr_base_fraction"]
    assert clr.min() == pytest.approx(base)
    tops = np.flatnonzero(np.isclose(clr, peak))
    assert len(tops) == 2  # two cycles, one peak each
    period = total // 2
    assert tops[1] - tops[0] == period and clr[period] == pytest.approx(base)
    assert clr[-1] <= base + (peak - base) / (period // 2)  # the run ends at the bottom of its second cycle
    if total % 2 == 0:
        assert clr[total - 1] < clr[total - 2]  # still going down at the last update

    # exponential: peak at the first update, peak/100 at the last, decreasing all the way
    assert lrs["exp"][-1] == pytest.approx(peak / 100, rel=1e-9)
    assert np.all(np.diff(lrs["exp"]) < 0)


def test_task_d_refuses_runs_too_short_for_its_cycles():
    with pytest.raises(ValueError, match="too short"):
        practice.sgdr_cycles(6)


def _fake_d(seeds=(0, 1)) -> practice.ExperimentResult:
    """A (d) result without training: two seeds, the SGDR run with three snapshots."""
    snaps = {0: [(41, 0.80, 0.80), (123, 0.85, 0.86), (291, 0.88, 0.90)],
             1: [(41, 0.78, 0.78), (123, 0.86, 0.865), (291, 0.87, 0.875)]}
    runs = []
    for seed in seeds:
        for label, values in (("cosine1", {}), ("sgdr", {"t0": 41, "t_mult": 2}), ("clr", {"cycles": 2, "base": 0.1}),
                              ("exp", {"end": 0.01})):
            h = train.History(lr=[0.1] * 291, loss=[1.0] * 291, test_acc=[0.7, 0.8, 0.9], steps_per_epoch=97,
                              wall_time=60.0)
            if label == "sgdr":
                h.snapshots = [{"step": st, "test_acc": a, "ensemble_acc": e} for st, a, e in snaps[seed]]
            runs.append({"label": label, "label_values": values, "seed": seed, "schedule": "...",
                         "history": h.to_dict()})
    s = settings("d", "standard", seeds=len(seeds))
    return practice.ExperimentResult({"settings": s, "runs": runs, "total_steps": 291, "provenance": {}})


def test_snapshot_table_reads_the_snapshots():
    res = _fake_d()
    rows = res.snapshot_rows()
    assert [(r["key"], r["seed"]) for r in rows] == [("sgdr", 0), ("sgdr", 1)]
    r0, r1 = rows
    assert r0["steps"] == [41, 123, 291]
    assert r0["snapshot_accs"] == [0.80, 0.85, 0.88] and r0["ensemble_accs"] == [0.80, 0.86, 0.90]
    assert r0["final"] == 0.88 and r0["ensemble"] == 0.90 and r0["gain"] == pytest.approx(0.02)
    assert r1["final"] == 0.87 and r1["gain"] == pytest.approx(0.005)
    table = res.snapshot_table()
    lines = table.splitlines()
    assert "snapshot 1 (update 41)" in lines[0] and "final model (update 291)" in lines[0]
    assert "ensemble of the 3 snapshots" in lines[0]
    assert "| 80.00% | 85.00% | 88.00% | 90.00% | +2.00 |" in lines[2]
    assert "| 78.00% | 86.00% | 87.00% | 87.50% | +0.50 |" in lines[3]
    # the mean over the two seeds
    assert "mean of 2 seeds" in lines[4] and "| 79.00% | 85.50% | 87.50% | 88.75% | +1.25 |" in lines[4]
    md = res._repr_markdown_()
    assert "(d)" in md and "snapshot ensemble" in md and table in md
    # the main table has the four runs, with both seeds each
    assert [r["key"] for r in res.summary()] == ["cosine1", "sgdr", "clr", "exp"]
    assert all(r["n_seeds"] == 2 for r in res.summary())


def test_snapshot_table_in_bengali_and_absent_without_snapshots():
    import lrcourse

    res = _fake_d(seeds=(0,))
    lrcourse.set_language("bn")
    try:
        table = res.snapshot_table()
        assert "স্ন্যাপশট 1 (আপডেট 41)" in table and "এনসেম্বল" in table
        assert "mean" not in table and "সিডের গড়" not in table  # one seed: no mean row
    finally:
        lrcourse.set_language("en")
    for run in res.runs:
        run["history"]["snapshots"] = []
    assert res.snapshot_rows() == [] and res.snapshot_table() == ""
    assert "snapshot" not in res._repr_markdown_()


def test_run_writes_provenance_and_is_cached(tiny, monkeypatch, tmp_path):
    res = practice.run("a", "quick", verbose=False, precomputed=False)
    assert res.source == "run" and len(res.runs) == 3
    p = res.provenance
    for key in ("command", "commit", "versions", "device", "date", "wall_time_s"):
        assert p[key] not in (None, ""), key
    assert {"torch", "torchvision", "numpy", "python", "lrcourse"} <= set(p["versions"])
    assert p["wall_time_s"] > 0
    h = res.histories()["cosine"]
    assert isinstance(h, train.History) and len(h.lr) == res.data["total_steps"] == 2 * (96 // 16)
    # the summary is computed from the runs
    assert [r["label"] for r in res.summary()] == ["constant", "cosine", "step decay"]
    assert res.summary()[1]["final_test_acc"] == h.test_acc[-1]
    assert "| cosine |" in res.table()
    # asking again does not train
    monkeypatch.setattr(train, "train", lambda *a, **k: pytest.fail("trained again"))
    again = practice.run("a", "quick", verbose=False, precomputed=False)
    assert again.source == "cache" and again.data == json.loads(json.dumps(res.data))


def test_task_b_uses_the_finder_recommendation(tiny):
    res = practice.run("b", "quick", verbose=False, precomputed=False)
    fr = res.finder_result()
    assert fr.recommended > 0 and len(fr.lrs) >= 1
    (run,) = res.runs
    assert run["label"] == "finder"
    assert run["history"]["lr"][0] == pytest.approx(float(f"{fr.recommended:.3g}"))
    assert res.data["finder"]["used_lr"] == run["label_values"]["lr"]


def test_task_c_runs_and_several_seeds_give_a_spread(tiny):
    res = practice.run("c", "quick", seeds=2, verbose=False, precomputed=False)
    assert len(res.runs) == 6
    rows = res.summary()
    assert [r["n_seeds"] for r in rows] == [2, 2, 2]
    assert all(r["spread"] >= 0 for r in rows)
    assert "±" in res.table()


def test_task_d_runs_and_keeps_sgdr_snapshots(tiny):
    import matplotlib

    matplotlib.use("Agg")
    res = practice.run("d", "quick", verbose=False, precomputed=False)
    total = res.data["total_steps"]
    assert total == 2 * (96 // 16)
    assert [r["label"] for r in res.runs] == ["cosine1", "sgdr", "clr", "exp"]
    for run in res.runs:
        h = run["history"]
        assert len(h["lr"]) == total
        if run["label"] == "sgdr":
            assert [x["step"] for x in h["snapshots"]] == practice.sgdr_cycles(total)
            assert all(0 <= x["test_acc"] <= 1 and 0 <= x["ensemble_acc"] <= 1 for x in h["snapshots"])
            # the first snapshot's ensemble is the snapshot itself
            assert h["snapshots"][0]["ensemble_acc"] == h["snapshots"][0]["test_acc"]
        else:
            assert h["snapshots"] == []
    (row,) = res.snapshot_rows()
    assert row["steps"] == practice.sgdr_cycles(total)
    assert res.data["snapshot_summary"][0]["steps"] == row["steps"]
    assert "| SGDR" in res.snapshot_table()
    fig = res.plot()
    assert len(fig.axes) == 3
    assert len(fig.axes[0].get_lines()) == 4  # four LR curves
    assert any("snapshot ensemble" in t.get_text() for t in fig.axes[2].get_legend().get_texts())


def test_precomputed_result_is_used_only_for_the_same_configuration(tiny, monkeypatch, tmp_path):
    res = practice.run("a", "quick", verbose=False, precomputed=False, use_cache=False)
    monkeypatch.setattr(practice, "RESULTS_DIR", tmp_path / "results")
    practice.save_json(res.data, practice.precomputed_path("a", "quick"))
    monkeypatch.setattr(train, "train", lambda *a, **k: pytest.fail("trained"))
    got = practice.run("a", "quick", verbose=False, use_cache=False)
    assert got.source == "precomputed"
    # its announcement gives the training time of its runs, not the wall time of the command that
    # stored it (shorter when some runs came from the cache)
    got.data["provenance"]["wall_time_s"] = 0.0
    training = sum(r["history"]["wall_time"] for r in got.runs) / 60
    assert training > 0 and got.training_minutes() == pytest.approx(training)
    monkeypatch.setattr(practice, "print", lambda *a, **k: printed.extend(a), raising=False)
    printed: list = []
    practice._announce_precomputed(got)
    assert f"{training:.0f} min of training in all" in printed[0]
    # another configuration (2 seeds) must not take it: it trains
    def would_train(*a, **k):
        raise RuntimeError("would train")

    monkeypatch.setattr(train, "train", would_train)
    with pytest.raises(RuntimeError, match="would train"):
        practice.run("a", "quick", seeds=2, verbose=False, use_cache=False)


def test_plots_are_labelled_in_bengali(tiny):
    import matplotlib

    matplotlib.use("Agg")
    import lrcourse

    res = practice.run("b", "quick", verbose=False, precomputed=False)
    lrcourse.set_language("bn")
    try:
        fig = res.plot()
        assert len(fig.axes) == 4  # the range test, then LR, loss, accuracy
        assert "লার্নিং রেট" in fig.axes[1].get_ylabel()
        assert "প্রস্তাবিত" in " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    finally:
        lrcourse.set_language("en")


@pytest.mark.parametrize("budget", ["standard", "full"])
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_committed_results_match_the_current_settings(name, budget):
    path = practice.precomputed_path(name, budget)
    if not path.is_file():
        pytest.skip(f"{path} not committed")
    res = practice.load_precomputed(name, budget)
    assert res.data["config_key"] == config_key(settings(name, budget)), \
        f"the committed result was produced with other settings: run `lrcourse run ... --budget {budget} --out ...` again"
    p = res.provenance
    assert p["commit"] != "unknown" and p["wall_time_s"] > 0 and p["command"].startswith("lrcourse run")
    for run in res.runs:
        h = run["history"]
        assert len(h["lr"]) == res.data["total_steps"] and len(h["test_acc"]) == res.settings["epochs"]
    for row, saved in zip(res.summary(), res.data["summary"]):
        assert row["final_test_acc"] == pytest.approx(saved["final_test_acc"], rel=1e-5)


def test_cli_parses_and_runs(tiny, capsys):
    from lrcourse.cli import main

    assert main(["run", "a", "--budget", "quick"]) == 0
    out = capsys.readouterr().out
    assert "| constant |" in out and "(a)" in out
    assert "snapshot" not in out
