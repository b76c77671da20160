"""The designer's rules: each reads a design and may give one piece of advice, with its source.

A rule is a function ``(Context) -> Advice | None`` with a docstring that says when it fires;
:data:`RULES` lists them in the order their advice is shown (warnings first). The messages are
``designer.<rule>`` (and ``designer.<rule>.why``, the reason) in ``lrcourse/locale/designer.toml``,
the sources ``designer.src.<key>``. The thresholds are the constants below, in one place so that
the docs, the tests and the notebook agree.

A new rule: a function here, an entry in :data:`RULES`, its messages in the toml file, a line in
the package docstring (:mod:`lrcourse.designer`) and a ``test_rule_<name>`` or
``test_warning_<name>`` in ``tests/test_designer.py`` (a test checks all four).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import i18n
from ..schedules import kinds

i18n.load("designer")

# Thresholds of the rules, in one place so that the docs, the tests and the notebook agree.
HIGH_ADAM_LR = {"transformer": 1e-4, "finetune": 1e-4}  # others: HIGH_ADAM_LR_DEFAULT
HIGH_ADAM_LR_DEFAULT = 1e-3
ADAM_START_SHARE = 0.5  # "no warmup": the LR of the first update is >= this share of the peak
# BERT's fine-tuning grid is 2e-5 ... 5e-5 (Devlin et al. 2019); 1e-5 is RoBERTa's lower bound (Liu et al. 2019)
FINETUNE_LR = (1e-5, 5e-5)
PRETRAIN_LR = 1e-4  # BERT's pretraining LR; fine-tuning at this or above: warning
TRANSFORMER_WARMUP_SHARE = (0.01, 0.10)  # BERT 1%, Transformer 4%, RoBERTa fine-tuning 6%
# lr_min / lr at most this: Chinchilla and LLaMA end at lr/10; 0 is fine too (linear decay to 0 beat cosine to
# lr/10 for LLM pretraining: Bergsma et al. 2025, arXiv 2502.15938; SGDR anneals to 0)
COSINE_FLOOR_MAX = 1 / 10
STEP_POINTS = kinds.MILESTONE_SHARES  # He et al. 2016: 32k and 48k of 64k iterations (also the default)
WSD_DECAY_SHARE = (0.10, kinds.WSD_DECAY_SHARE)  # Hägele et al. 2024: 10-20% (the default is the upper end)
CYCLIC_RATIO = (1 / 4, 1 / 3)  # Smith 2017: base_lr = max_lr/4 ... max_lr/3
FINDER_HIGH, FINDER_LOW = 10.0, 1 / 100  # LR vs the finder's recommendation
TINY_SHARE, TINY_FACTOR = 0.5, 1e-3  # decays_too_early: > half the run below peak/1000
GOYAL_REFERENCE = (0.1, 256)  # Goyal et al. 2017: lr 0.1 per 256 images (SGD, ResNet-50)


# --------------------------------------------------------------------------- advice


@dataclass(frozen=True)
class Advice:
    """One recommendation or warning of the designer.

    ``rule`` names the rule (listed in :mod:`lrcourse.designer`); ``kind`` is
    ``"recommendation"`` or ``"warning"``; ``suggested`` holds the values the
    rule proposes (e.g. ``{"warmup_steps": 2000}``); ``followed`` is True when
    the design already does what a recommendation says (None for warnings).
    ``message``, ``reason`` and ``source`` are texts in the current language.
    """

    rule: str
    kind: str
    values: dict = field(default_factory=dict)
    suggested: dict = field(default_factory=dict)
    followed: bool | None = None
    variant: str | None = None
    source_key: str = ""

    @property
    def message(self) -> str:
        values = dict(self.values)
        for k, v in values.items():
            if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and v[0].startswith("designer."):
                values[k] = i18n.t(v[0], **v[1])  # a nested message (e.g. the finder detail)
        key = f"designer.{self.rule}" + (f".{self.variant}" if self.variant else "")
        return i18n.t(key, **values)

    @property
    def reason(self) -> str:
        return i18n.t(f"designer.{self.rule}.why")

    @property
    def source(self) -> str:
        return i18n.t(f"designer.src.{self.source_key}")

    def __str__(self) -> str:
        return self.message


@dataclass
class Context:
    """What the rules look at."""

    kind: str
    lr: float
    total_steps: int
    warmup_steps: int
    optimizer: str
    task: str
    batch_size: int | None
    base_batch_size: int | None
    base_lr: float | None
    beta2: float
    finder: object | None
    params: dict
    lrs: np.ndarray
    peak: float = 0.0


def _rec(rule, source, values, suggested=None, followed=None, variant=None) -> Advice:
    return Advice(rule, "recommendation", values, suggested or {}, followed, variant, source)


def _warn(rule, source, values, suggested=None, variant=None) -> Advice:
    return Advice(rule, "warning", values, suggested or {}, None, variant, source)


def _adam_warmup_steps(c: Context) -> tuple[int, int, bool]:
    """(rule value 2/(1-β2), suggested steps, whether the run is too short for the rule)."""
    rule = int(round(2.0 / (1.0 - c.beta2)))
    if rule > c.total_steps / 4:
        return rule, max(1, int(round(0.1 * c.total_steps))), True
    return rule, rule, False


# -- recommendations


def rule_warmup_adam(c: Context):
    """Adam/AdamW: warm up for about 2/(1 − β2) steps (Ma & Yarats 2021); 10% of a run too short for it."""
    if c.optimizer not in ("adam", "adamw") or c.kind in ("one_cycle", "cyclic"):
        return None
    rule, suggested, short = _adam_warmup_steps(c)
    followed = suggested / 2 <= c.warmup_steps <= suggested * 2 and c.warmup_steps < c.total_steps
    values = {"suggested": suggested, "beta2": c.beta2, "warmup": c.warmup_steps}
    if short:
        values.update(rule=rule, total=c.total_steps)
    return _rec("warmup_adam", "ma_yarats", values, {"warmup_steps": suggested}, followed, "short" if short else None)


def rule_warmup_transformer(c: Context):
    """Transformer pretraining or fine-tuning: warm up for 1%–10% of the run (BERT 1%, Transformer 4%, RoBERTa 6%)."""
    if c.task not in ("transformer", "finetune") or c.kind in ("one_cycle", "cyclic"):
        return None
    low = max(1, int(round(TRANSFORMER_WARMUP_SHARE[0] * c.total_steps)))
    high = max(low, int(round(TRANSFORMER_WARMUP_SHARE[1] * c.total_steps)))
    suggested = max(1, int(round((0.06 if c.task == "finetune" else 0.04) * c.total_steps)))
    followed = low <= c.warmup_steps <= high
    values = {"low": low, "high": high, "total": c.total_steps, "warmup": c.warmup_steps}
    return _rec("warmup_transformer", "transformer_warmup", values, {"warmup_steps": suggested}, followed)


def rule_cosine_lr_min(c: Context):
    """Cosine or SGDR: lr_min at most lr/10, down to 0 (Chinchilla, LLaMA: lr/10; Bergsma et al. 2025: 0).

    Only a floor above lr/10 is advised against: it skips the final drop of the loss. Ending at 0 is no
    mistake: linear decay to 0 beat cosine to lr/10 in Bergsma et al.'s LLM runs, and SGDR anneals to 0.
    """
    if c.kind not in ("cosine", "sgdr"):
        return None
    lr_min = c.params["lr_min"]
    high = c.lr * COSINE_FLOOR_MAX
    followed = lr_min <= high * (1 + 1e-9)
    values = {"high": high, "lr_min": lr_min}
    return _rec("cosine_lr_min", "cosine_floor", values, {"lr_min": high}, followed)


def rule_step_milestones(c: Context):
    """Step decay: milestones at 50% and 75% of the run (He et al. 2016), or every 30 of 90 epochs."""
    if c.kind != "step":
        return None
    suggested = [int(round(p * c.total_steps)) for p in STEP_POINTS]
    have = list(c.params["milestones"])
    tol = 0.02 * c.total_steps
    thirds = [int(round(q * c.total_steps)) for q in (1 / 3, 2 / 3)]  # ÷10 every 30 of 90 epochs
    followed = any(
        len(have) == len(target) and all(abs(a - b) <= tol for a, b in zip(have, target))
        for target in (suggested, thirds)
    )
    return _rec(
        "step_milestones", "step_points", {"suggested": suggested, "milestones": have}, {"milestones": suggested}, followed
    )


def rule_linear_scaling(c: Context):
    """Batch size changed: LR × (batch / reference batch) with warmup (Goyal et al. 2017); √ rule noted for Adam.

    The reference is ``base_batch_size`` and ``base_lr`` when given, else (SGD in vision only)
    Goyal et al.'s 0.1 per 256 images.
    """
    if c.batch_size is None:
        return None
    base_batch, base_lr = c.base_batch_size, c.base_lr
    if base_batch is None or base_lr is None:
        if c.optimizer == "sgd" and c.task == "vision" and base_batch is None and base_lr is None:
            base_lr, base_batch = GOYAL_REFERENCE
        elif base_batch is not None and base_lr is None:
            base_lr = c.lr
        else:
            return None
    if c.batch_size == base_batch and c.base_lr is None:
        return None
    ratio = c.batch_size / base_batch
    suggested = base_lr * ratio
    values = {"batch": c.batch_size, "base_batch": base_batch, "ratio": ratio, "suggested": suggested,
              "base_lr": base_lr, "lr": c.lr}
    variant = None
    target = suggested
    if c.optimizer in ("adam", "adamw"):
        values["sqrt_lr"] = base_lr * math.sqrt(ratio)
        variant = "adam"
        followed = min(suggested, values["sqrt_lr"]) * 0.9 <= c.lr <= max(suggested, values["sqrt_lr"]) * 1.1
    else:
        followed = abs(c.lr - target) <= 0.1 * target
    return _rec("linear_scaling", "goyal", values, {"lr": suggested}, followed, variant)


def rule_finetune_lr(c: Context):
    """Fine-tuning: LR between 1e-5 and 5e-5.

    BERT's grid is 2e-5 … 5e-5 (Devlin et al. 2019); RoBERTa's goes down to 1e-5 (Liu et al. 2019).
    """
    if c.task != "finetune":
        return None
    low, high = FINETUNE_LR
    followed = low <= c.lr <= high
    return _rec("finetune_lr", "bert_finetune", {"low": low, "high": high, "lr": c.lr}, {"lr": 2e-5}, followed)


def rule_one_cycle_finder(c: Context):
    """One-cycle: max_lr from the LR range test (Smith 2018); without a finder, run one.

    With a full finder result, max_lr = its ``steep`` LR, followed anywhere from half of it up to
    the LR of its lowest loss: a one-cycle peak can sit above a constant LR (in benchmarks/finder.py
    the best one-cycle peak on CIFAR-10 sat at the lowest point, ``steep`` did best of the rules and
    ``recommended`` was 4-9x too low; lesson 05, section 8). With only a recommended LR (the command
    line's ``--finder-lr``): about that LR, within a factor of 2.
    """
    if c.kind != "one_cycle":
        return None
    f = c.finder
    if f is None:
        return _rec("one_cycle_finder", "smith", {}, {}, None, "none")
    steep = (getattr(f, "suggestions", None) or {}).get("steep")
    top = getattr(f, "lr_at_min", None)
    if steep is not None and top is not None and 0 < steep <= top:
        suggested, low, high = float(steep), float(steep) / 2, float(top)
    else:
        suggested = float(f.recommended)
        low, high = suggested / 2, suggested * 2
    followed = low <= c.lr <= high
    return _rec("one_cycle_finder", "smith", {"suggested": suggested, "low": low, "high": high, "lr": c.lr},
                {"lr": suggested}, followed)


def rule_wsd_decay(c: Context):
    """WSD: decay over the last 10–20% of the run, 1 − √ shape (Hägele et al. 2024)."""
    if c.kind != "wsd":
        return None
    low = max(1, int(round(WSD_DECAY_SHARE[0] * c.total_steps)))
    high = max(low, int(round(WSD_DECAY_SHARE[1] * c.total_steps)))
    d, shape = c.params["decay_steps"], c.params["decay"]
    followed = low <= d <= high and shape == "1-sqrt"
    values = {"low": low, "high": high, "decay_steps": d, "shape": shape}
    return _rec("wsd_decay", "wsd", values, {"decay_steps": high, "decay": "1-sqrt"}, followed)


def rule_cyclic_bounds(c: Context):
    """Cyclical LR: base_lr between max_lr/4 and max_lr/3 (Smith 2017)."""
    if c.kind != "cyclic":
        return None
    base = c.params["base_lr"]
    low, high = c.lr * CYCLIC_RATIO[0], c.lr * CYCLIC_RATIO[1]
    followed = low * (1 - 1e-9) <= base <= high * (1 + 1e-9)
    return _rec("cyclic_bounds", "smith", {"low": low, "high": high, "lr": c.lr, "base": base},
                {"lr_min": low}, followed)


def rule_rl_constant(c: Context):
    """Reinforcement learning: a constant LR or a linear anneal to 0 (PPO, Schulman et al. 2017)."""
    if c.task != "rl":
        return None
    followed = c.kind == "constant" or (c.kind == "linear" and c.params.get("lr_min", 0.0) == 0.0)
    kind = kinds.label(c.kind)
    return _rec("rl_constant", "ppo", {"kind": kind}, {}, followed)


# -- warnings


def _start_share(c: Context) -> tuple[float, float, float]:
    peak = c.peak
    start = float(c.lrs[0]) if c.lrs.size else c.lr
    return start, peak, (start / peak if peak > 0 else 0.0)


def rule_adam_no_warmup(c: Context):
    """Adam/AdamW whose first LR is ≥ 50% of a high peak (≥ 1e-4 for Transformers/fine-tuning, else ≥ 1e-3)."""
    if c.optimizer not in ("adam", "adamw"):
        return None
    start, peak, share = _start_share(c)
    limit = HIGH_ADAM_LR.get(c.task, HIGH_ADAM_LR_DEFAULT)
    if share < ADAM_START_SHARE or peak < limit:
        return None
    _, suggested, _ = _adam_warmup_steps(c)
    name = {"adam": "Adam", "adamw": "AdamW"}[c.optimizer]
    values = {"optimizer": name, "start": start, "share": share, "peak": peak, "suggested": suggested}
    return _warn("adam_no_warmup", "radam", values, {"warmup_steps": suggested})


def rule_warmup_too_long(c: Context):
    """Warmup at or beyond the end of the run."""
    if c.warmup_steps < c.total_steps:
        return None
    kind = kinds.label(c.kind)
    suggested = max(1, int(round(0.05 * c.total_steps)))
    return _warn("warmup_too_long", "transformer_warmup", {"warmup": c.warmup_steps, "total": c.total_steps,
                                                            "kind": kind}, {"warmup_steps": suggested})


def rule_finetune_high_lr(c: Context):
    """Fine-tuning at a pretraining LR (≥ 1e-4): catastrophic forgetting."""
    if c.task != "finetune" or c.lr < PRETRAIN_LR:
        return None
    low, high = FINETUNE_LR
    return _warn("finetune_high_lr", "forgetting", {"lr": c.lr, "limit": PRETRAIN_LR, "low": low, "high": high},
                 {"lr": 2e-5})


def rule_milestones_after_end(c: Context):
    """Step milestones at or after the last step (total_steps − 1)."""
    if c.kind != "step":
        return None
    late = [m for m in c.params["milestones"] if m >= c.total_steps]
    if not late:
        return None
    return _warn("milestones_after_end", "pytorch_docs", {"late": late, "last": c.total_steps - 1},
                 {"milestones": [int(round(p * c.total_steps)) for p in STEP_POINTS]})


def rule_lr_outside_finder(c: Context):
    """LR ≥ 10x the finder's recommendation, ≥ its divergence LR, ≤ 1/100 of it, or outside the LRs it tried."""
    f = c.finder
    if f is None:
        return None
    rec = float(f.recommended)
    diverged = getattr(f, "diverged_at", None)
    lrs = np.asarray(getattr(f, "lrs", []), dtype=float)
    if diverged is not None and c.lr >= float(diverged):
        detail = ("designer.lr_outside_finder.diverged", {"diverged": float(diverged)})
    elif c.lr >= FINDER_HIGH * rec:
        detail = ("designer.lr_outside_finder.high", {"factor": c.lr / rec})
    elif c.lr <= FINDER_LOW * rec:
        detail = ("designer.lr_outside_finder.low", {"factor": rec / c.lr})
    elif lrs.size and not (lrs.min() <= c.lr <= lrs.max()):
        detail = ("designer.lr_outside_finder.untested", {"lo": float(lrs.min()), "hi": float(lrs.max())})
    else:
        return None
    return _warn("lr_outside_finder", "smith", {"lr": c.lr, "rec": rec, "detail": detail}, {"lr": rec})


def rule_decays_too_early(c: Context):
    """More than half of the run at an LR of 1/1000 of the peak or less."""
    peak = c.peak
    tiny = c.lrs <= peak * TINY_FACTOR * (1 + 1e-9)  # three drops of ÷10 are "1/1000" despite rounding
    share = np.count_nonzero(tiny) / tiny.size
    if share <= TINY_SHARE:
        return None
    since = int(np.argmax(tiny))
    return _warn("decays_too_early", "pytorch_docs", {"share": share, "factor": TINY_FACTOR, "since": since})


#: Every rule, in the order their advice is listed. Each is a function (context) -> Advice | None.
RULES: dict[str, Callable[[Context], Advice | None]] = {
    # warnings first: they are what must not be missed
    "adam_no_warmup": rule_adam_no_warmup,
    "warmup_too_long": rule_warmup_too_long,
    "finetune_high_lr": rule_finetune_high_lr,
    "milestones_after_end": rule_milestones_after_end,
    "lr_outside_finder": rule_lr_outside_finder,
    "decays_too_early": rule_decays_too_early,
    "warmup_adam": rule_warmup_adam,
    "warmup_transformer": rule_warmup_transformer,
    "cosine_lr_min": rule_cosine_lr_min,
    "step_milestones": rule_step_milestones,
    "linear_scaling": rule_linear_scaling,
    "finetune_lr": rule_finetune_lr,
    "one_cycle_finder": rule_one_cycle_finder,
    "wsd_decay": rule_wsd_decay,
    "cyclic_bounds": rule_cyclic_bounds,
    "rl_constant": rule_rl_constant,
}
