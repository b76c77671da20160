"""The LR Schedule Designer: a schedule, its curve, and evidence-based advice.

The mini project of the source lesson: you give the peak learning rate, the
warmup, the number of steps and the schedule type; the designer draws the LR
curve, recommends hyperparameters and warns before the common mistakes::

    >>> from lrcourse.designer import design
    >>> d = design("cosine", lr=1e-3, total_steps=10_000, optimizer="adamw", task="transformer")
    >>> for w in d.warnings: print(w.message)          # Adam(W) with no warmup at a high LR ...
    >>> for r in d.recommendations: print(r.message)   # warmup ≈ 2/(1 − β2) steps ...
    >>> d.plot()                                       # the curve (matplotlib Figure)
    >>> print(d.to_code("pytorch"))                    # the same curve as PyTorch code

Every piece of advice is an :class:`Advice` with a ``message``, a ``reason`` and
a ``source`` (the paper or documentation it rests on), in the current course
language (``lrcourse.set_language``).

The rules (each is unit-tested in ``tests/test_designer.py``)
--------------------------------------------------------------
Recommendations (``Design.recommendations``; ``followed`` says whether the
design already does what is recommended):

``warmup_adam``        Adam/AdamW: warm up for about 2/(1 − β2) steps (2,000 for β2 = 0.999;
                       Ma & Yarats, AAAI 2021); at most about a quarter of a short run.
``warmup_transformer`` Transformers: warm up for a few percent of the run (1% in BERT,
                       4% in "Attention Is All You Need"; 6% in RoBERTa's fine-tuning).
``cosine_lr_min``      cosine (and SGDR): end at lr/10 or lower, down to 0 (Chinchilla and LLaMA end at
                       lr/10; Bergsma et al. 2025 find linear decay to 0 better still).
``step_milestones``    step decay: ÷10 at 50% and 75% of the run (He et al. 2016, CIFAR-10:
                       32k and 48k of 64k iterations), or every 30 of 90 epochs (ImageNet).
``linear_scaling``     batch size changed: scale the LR with the batch (Goyal et al. 2017),
                       with a gradual warmup; for Adam, note the square-root rule.
``finetune_lr``        fine-tuning: LR 2e-5 … 5e-5 (BERT's grid, Devlin et al. 2019); RoBERTa goes down to 1e-5.
``one_cycle_finder``   one-cycle: take max_lr from an LR range test (Smith 2018): its ``steep`` LR,
                       up to the LR of its lowest loss; without a finder result, run one.
``wsd_decay``          WSD: cool down over the last 10–20% of the run, 1 − √ shape (Hägele et al. 2024).
``cyclic_bounds``      cyclical LR: base_lr ≈ max_lr/4 … max_lr/3 (Smith 2017).
``rl_constant``        reinforcement learning: constant, or linearly annealed to 0 (PPO).

Warnings (``Design.warnings``):

``adam_no_warmup``      Adam/AdamW starting at (near) its peak LR, with a high peak: the first
                        updates move every weight by about ±lr (RAdam, Liu et al. 2020).
``warmup_too_long``     warmup at or beyond the end of the run: the decay never happens.
``finetune_high_lr``    fine-tuning at a pretraining LR (≥ 1e-4): catastrophic forgetting.
``milestones_after_end`` step milestones at or after the last step: those drops never happen.
``lr_outside_finder``   LR far outside what the LR range test supports (≥ 10x its recommendation,
                        at or past its divergence, ≤ 1/100 of it, or outside the LRs it tried).
``decays_too_early``    more than half of the run at 1/1000 of the peak LR or less (a per-epoch
                        gamma stepped per batch, or step milestones too early).

Invalid input raises ``ValueError`` or ``TypeError`` naming the parameter, the
value and what is accepted.

What is where (and where a new thing goes)
------------------------------------------
``core.py``     :func:`design` and :class:`Design` (inputs checked, schedule built, rules run)
``rules.py``    :class:`Advice`, the thresholds and the rules (a new rule goes here, with its messages in
                ``lrcourse/locale/designer.toml``, a line above and a test in ``tests/test_designer.py``)
``plot.py``     the one LR-curve plot (:func:`plot_designs`, :func:`compare`; the widget's live form)
``render.py``   the text report and the HTML of the advice
``widget.py``   :class:`~lrcourse.designer.widget.DesignerApp`, the ipywidgets app (imports ipywidgets)
``cli.py``      ``lrcourse design``: :func:`~lrcourse.designer.cli.run` (its parser is in ``lrcourse/cli.py``)

A new schedule type is not added here: register its kind in :mod:`lrcourse.schedules.kinds`, and
the designer, its widget and the command line offer it. Importing this package imports neither
torch nor matplotlib.
"""

from __future__ import annotations

from ..schedules import kinds
from ..schedules.export import EXPORT_TARGETS
from .core import MAX_TOTAL_STEPS, OPTIMIZERS, TASKS, Design, design
from .plot import compare, figure_png, plot_designs
from .rules import RULES, Advice

__all__ = [
    "SCHEDULE_TYPES",
    "OPTIMIZERS",
    "TASKS",
    "EXPORT_TARGETS",
    "MAX_TOTAL_STEPS",
    "RULES",
    "Advice",
    "Design",
    "design",
    "compare",
    "plot_designs",
    "figure_png",
]


def __getattr__(name):
    # The schedule types are the registry's, read on every access: a kind registered later is offered too.
    if name == "SCHEDULE_TYPES":
        return kinds.names()
    raise AttributeError(f"module 'lrcourse.designer' has no attribute {name!r}")
