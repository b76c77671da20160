"""lrcourse.schedules.kinds: the one registry of schedule kinds.

A toy kind is registered in ONE place (its factory, one ``Kind`` with its parameter, label and
exporter); the tests check that it then shows up everywhere a learner picks a schedule: the
designer, the designer widget's menu, the ``lrcourse design`` command line, code export for
lrcourse / PyTorch / Hugging Face, ``kinds.build``, and the explorer of lesson 02. After the test
the toy is gone again.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from lrcourse.schedules import Schedule, export, kinds, lrs_used


# --------------------------------------------------------------------------- the toy, in one place


def toy_halfway(lr: float, total_steps: int, floor: float = 0.5) -> Schedule:
    """A toy schedule: ``lr`` for the first half of the run, then ``floor·lr``."""
    half = total_steps // 2
    return Schedule("toy_halfway", {"lr": lr, "total_steps": total_steps, "floor": floor},
                    lambda t: np.where(t < half, lr, floor * lr))


TOY = kinds.Kind(
    name="toy",
    factory=toy_halfway,
    build=lambda lr, N, W, floor: kinds.after_warmup(toy_halfway(lr, N - W, floor), W),
    params=(kinds.Param("floor", 0.5, lambda v, ctx: float(v), "the share of lr after half the run"),),
    label={"en": "toy: halfway drop", "bn": "খেলনা: মাঝপথে পতন"},
    aliases=("toy_halfway",),
    exporter=export.Exporter(
        lambda p, run: [f"return 1.0 if step < {p['total_steps'] // 2} else {p['floor']!r}"]),
)


@pytest.fixture
def toy():
    with kinds.registered(TOY) as kind:
        yield kind
    assert "toy" not in kinds.names() and "toy_halfway" not in kinds.choices()


# --------------------------------------------------------------------------- the registry itself


def test_builtin_kinds_and_aliases():
    assert kinds.names() == ("constant", "step", "exponential", "cosine", "linear", "polynomial", "inverse_sqrt",
                             "wsd", "one_cycle", "cyclic", "sgdr")
    assert kinds.get("step_decay") is kinds.get("step") and kinds.get("COSINE").name == "cosine"
    assert "step_decay" in kinds.choices()
    # the alias builds its factory: StepLR's step_decay, or the designer's milestones
    assert kinds.build("step_decay", lr=0.1, total_steps=100, step_size=30, gamma=0.5).name == "step_decay"
    assert kinds.build("step", lr=0.1, total_steps=100).params["milestones"] == [50, 75]
    with pytest.raises(ValueError, match="schedule='cosin'"):
        kinds.get("cosin")
    with pytest.raises(TypeError, match="no parameter 'milestones'"):
        kinds.build("cosine", lr=0.1, total_steps=100, milestones=[50])
    with pytest.raises(ValueError, match="already registered"):
        kinds.register(kinds.get("cosine"))


def test_defaults_depend_on_the_run():
    assert kinds.get("wsd").resolve(1e-3, 1000, 50) == {"lr_min": 0.0, "decay_steps": 200, "decay": "1-sqrt"}
    assert kinds.get("sgdr").resolve(1e-3, 700, 0)["t_0"] == 100  # 100 + 200 + 400 = 700
    assert kinds.get("one_cycle").resolve(1e-2, 1000, 250) == {"pct_start": 0.25}
    assert kinds.get("cyclic").resolve(1e-2, 800, 0) == {"base_lr": 2.5e-3, "cycle_steps": 100}


def test_labels_follow_the_language():
    assert kinds.label("cosine", "en") == "cosine annealing"
    assert "কোসাইন" in kinds.label("cosine", "bn")


def test_kinds_import_without_torch_or_matplotlib():
    code = ("import sys; from lrcourse.schedules import kinds; import lrcourse.designer; kinds.names(); "
            "print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- a new kind everywhere


def test_toy_kind_builds_and_pickles(toy):
    s = kinds.build("toy", lr=0.2, total_steps=100, floor=0.25)
    assert s(np.array([0, 49, 50, 99])).tolist() == [0.2, 0.2, 0.05, 0.05]
    assert kinds.build("toy_halfway", lr=0.2, total_steps=100) == toy_halfway(0.2, 100)
    assert pickle.loads(pickle.dumps(s)) == s  # its factory was recorded by register()


def test_toy_kind_in_the_designer(toy):
    from lrcourse import designer as D

    assert "toy" in D.SCHEDULE_TYPES
    d = D.design("toy", lr=1e-3, total_steps=1000, warmup_steps=100, optimizer="adamw")
    assert d.kind == "toy" and d.params == {"floor": 0.5} and d.name() == "toy: halfway drop"
    assert d.lrs[0] == 0.0 and d.lrs[100] == 1e-3 and d.lrs[-1] == 5e-4
    assert "warmup_adam" in {a.rule for a in d.recommendations}  # the general rules apply to it too


def test_toy_kind_in_the_widget(toy):
    from lrcourse.designer.widget import DesignerApp

    app = DesignerApp(schedule="toy", total_steps=2000)
    menu = app.controls["schedule"]
    assert ("toy: halfway drop", "toy") in menu.options
    assert app.design_a.kind == "toy" and "LambdaLR" in app.code["pytorch"].value
    menu.value = "cosine"
    menu.value = "toy"
    assert app.design_a.kind == "toy"


def test_toy_kind_in_the_command_line(toy, capsys):
    from lrcourse.cli import main

    rc = main(["design", "--schedule", "toy", "--lr", "0.01", "--total-steps", "500", "--optimizer", "sgd",
               "--no-plot", "--export", "pytorch"])
    out = capsys.readouterr().out
    assert rc == 0 and "toy_halfway(lr=0.01, total_steps=500, floor=0.5)" in out
    assert "return 1.0 if step < 250 else 0.5" in out


@pytest.mark.parametrize("target", export.EXPORT_TARGETS)
@pytest.mark.parametrize("warmup", [0, 40])
def test_toy_kind_exported_as_code(toy, target, warmup):
    import torch
    from lrcourse import designer as D

    d = D.design("toy", lr=1e-3, total_steps=300, warmup_steps=warmup, optimizer="adam")
    code = d.to_code(target)
    if target == "lrcourse":
        assert f"from {__name__} import toy_halfway" in code
    if target == "hf":  # no Hugging Face form: the PyTorch scheduler, handed to the Trainer
        assert "no built-in" in code
    ns = {"model": torch.nn.Linear(2, 1)}
    exec(compile(code, "<toy snippet>", "exec"), ns)
    np.testing.assert_allclose(lrs_used(ns["scheduler"], 300).lrs, d.lrs, rtol=1e-12, atol=0)


def test_toy_kind_in_the_explorer(toy):
    from lrcourse.lessons import l02_schedules as l02

    assert "toy" in l02.EXPLORER_KINDS
    s = l02.build_schedule("toy", lr=1e-3, total_steps=1000, warmup_steps=0)
    assert s == toy_halfway(1e-3, 1000)
