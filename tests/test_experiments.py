"""lrcourse.lessons.l06_practice (lesson 06): settings by budget, the schedules of each task, cache, provenance, the
committed results in data/results/ and the command line.

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
        assert q["n_train"] < s["n_train"] and f["n_train"] is None  # full = the whole training set
        assert len(f["seeds"]) >= 3
    assert settings("c", "standard")["warmups"] == [0, 100, 1000]  # the lesson's question, as asked
    assert settings("c", "full")["warmups"] == [0, 100, 1000]
    assert settings("c", "standard")["optimizer"] == "adam"
    # (c) must be long enough for 1000 warmup steps to end inside the run
    s = settings("c", "standard")
    assert s["epochs"] * (s["n_train"] // s["batch_size"]) > 1000
    with pytest.raises(ValueError, match="experiment='d'"):
        settings("d")
    with pytest.raises(ValueError, match="seeds=0"):
        settings("a", "quick", seeds=0)
    with pytest.raises(ValueError, match="budget='huge'"):
        settings("a", "huge")


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


def test_task_c_warmups():
    s = settings("c", "standard")
    runs = practice._schedules(s, 1250)
    lrs = [sched(np.arange(1250)) for _, _, sched in runs]
    assert lrs[0][0] == pytest.approx(s["peak_lr"])  # no warmup: the first update at the peak
    assert lrs[1][0] == 0.0 and lrs[1][100] == pytest.approx(s["peak_lr"])
    assert lrs[2][500] == pytest.approx(s["peak_lr"] / 2) and lrs[2][1000] == pytest.approx(s["peak_lr"])


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


def test_precomputed_result_is_used_only_for_the_same_configuration(tiny, monkeypatch, tmp_path):
    res = practice.run("a", "quick", verbose=False, precomputed=False, use_cache=False)
    monkeypatch.setattr(practice, "RESULTS_DIR", tmp_path / "results")
    practice.save_json(res.data, practice.precomputed_path("a", "quick"))
    monkeypatch.setattr(train, "train", lambda *a, **k: pytest.fail("trained"))
    got = practice.run("a", "quick", verbose=False, use_cache=False)
    assert got.source == "precomputed"
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


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_committed_standard_results_match_the_current_settings(name):
    path = practice.precomputed_path(name, "standard")
    if not path.is_file():
        pytest.skip(f"{path} not committed")
    res = practice.load_precomputed(name, "standard")
    assert res.data["config_key"] == config_key(settings(name, "standard")), \
        "the committed result was produced with other settings: run `lrcourse run ... --budget standard --out ...` again"
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
