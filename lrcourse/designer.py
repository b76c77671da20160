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
a ``source`` (the paper or documentation it rests on; see RULES below and
``references.md``), in the current course language (``lrcourse.set_language``).

The rules (each is unit-tested in ``tests/test_designer.py``)
--------------------------------------------------------------
Recommendations (``Design.recommendations``; ``followed`` says whether the
design already does what is recommended):

``warmup_adam``        Adam/AdamW: warm up for about 2/(1 − β2) steps (2,000 for β2 = 0.999;
                       Ma & Yarats, AAAI 2021); at most about a quarter of a short run.
``warmup_transformer`` Transformers: warm up for a few percent of the run (1% in BERT,
                       4% in "Attention Is All You Need"; 6% in RoBERTa's fine-tuning).
``cosine_lr_min``      cosine (and SGDR): end at lr/100 … lr/10 (Chinchilla and LLaMA end at lr/10).
``step_milestones``    step decay: ÷10 at 50% and 75% of the run (He et al. 2016, CIFAR-10:
                       32k and 48k of 64k iterations), or every 30 of 90 epochs (ImageNet).
``linear_scaling``     batch size changed: scale the LR with the batch (Goyal et al. 2017),
                       with a gradual warmup; for Adam, note the square-root rule.
``finetune_lr``        fine-tuning: LR 1e-5 … 5e-5 (BERT, Devlin et al. 2019).
``one_cycle_finder``   one-cycle: take max_lr from an LR range test (Smith 2018); without a
                       finder result, run one.
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
"""

from __future__ import annotations

import io
import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from . import i18n
from . import schedules as S

__all__ = [
    "SCHEDULE_TYPES",
    "OPTIMIZERS",
    "TASKS",
    "RULES",
    "Advice",
    "Design",
    "design",
    "compare",
    "add_cli",
]

SCHEDULE_TYPES = (
    "constant",
    "step",
    "exponential",
    "cosine",
    "linear",
    "polynomial",
    "inverse_sqrt",
    "wsd",
    "one_cycle",
    "cyclic",
    "sgdr",
)
OPTIMIZERS = ("sgd", "adam", "adamw")
TASKS = ("transformer", "vision", "finetune", "rl", "other")
EXPORT_TARGETS = ("lrcourse", "pytorch", "hf")
MAX_TOTAL_STEPS = 100_000_000

# Thresholds of the rules, in one place so that the docs, the tests and the notebook agree.
HIGH_ADAM_LR = {"transformer": 1e-4, "finetune": 1e-4}  # others: HIGH_ADAM_LR_DEFAULT
HIGH_ADAM_LR_DEFAULT = 1e-3
ADAM_START_SHARE = 0.5  # "no warmup": the LR of the first update is >= this share of the peak
FINETUNE_LR = (1e-5, 5e-5)  # Devlin et al. 2019 (BERT) fine-tuning grid: 2e-5 ... 5e-5; 1e-5 for large models
PRETRAIN_LR = 1e-4  # BERT's pretraining LR; fine-tuning at this or above: warning
TRANSFORMER_WARMUP_SHARE = (0.01, 0.10)  # BERT 1%, Transformer 4%, RoBERTa fine-tuning 6%
COSINE_FLOOR = (1 / 100, 1 / 10)  # lr_min / lr
STEP_POINTS = (0.5, 0.75)  # He et al. 2016: 32k and 48k of 64k iterations
WSD_DECAY_SHARE = (0.10, 0.20)  # Hägele et al. 2024
CYCLIC_RATIO = (1 / 4, 1 / 3)  # Smith 2017: base_lr = max_lr/4 ... max_lr/3
FINDER_HIGH, FINDER_LOW = 10.0, 1 / 100  # LR vs the finder's recommendation
TINY_SHARE, TINY_FACTOR = 0.5, 1e-3  # decays_too_early: > half the run below peak/1000
GOYAL_REFERENCE = (0.1, 256)  # Goyal et al. 2017: lr 0.1 per 256 images (SGD, ResNet-50)


# --------------------------------------------------------------------------- messages

_SRC = {
    "ma_yarats": {
        "en": "Ma & Yarats, 'On the adequacy of untuned warmup for adaptive optimization', AAAI 2021",
        "bn": "Ma ও Yarats, 'On the adequacy of untuned warmup for adaptive optimization', AAAI 2021",
    },
    "transformer_warmup": {
        "en": "Vaswani et al. 2017 (4,000 warmup steps of 100,000); Devlin et al. 2019, BERT (10,000 of 1,000,000); "
        "Liu et al. 2019, RoBERTa (6% warmup when fine-tuning)",
        "bn": "Vaswani ও সহকর্মীরা 2017 (100,000 ধাপের মধ্যে 4,000 ধাপ warmup); Devlin ও সহকর্মীরা 2019, BERT "
        "(1,000,000-এর মধ্যে 10,000); Liu ও সহকর্মীরা 2019, RoBERTa (fine-tuning-এ 6% warmup)",
    },
    "cosine_floor": {
        "en": "Hoffmann et al. 2022 (Chinchilla) and Touvron et al. 2023 (LLaMA): cosine down to lr/10; "
        "Loshchilov & Hutter 2017 (SGDR) anneal towards 0",
        "bn": "Hoffmann ও সহকর্মীরা 2022 (Chinchilla) এবং Touvron ও সহকর্মীরা 2023 (LLaMA): cosine নামে lr/10 পর্যন্ত; "
        "Loshchilov ও Hutter 2017 (SGDR) নামান 0-এর দিকে",
    },
    "step_points": {
        "en": "He et al. 2016, ResNet on CIFAR-10 (÷10 at 32k and 48k of 64k iterations); "
        "the PyTorch ImageNet example (StepLR(step_size=30, gamma=0.1) over 90 epochs)",
        "bn": "He ও সহকর্মীরা 2016, CIFAR-10-এ ResNet (64k iteration-এর 32k ও 48k-তে ÷10); "
        "PyTorch-এর ImageNet উদাহরণ (90 epoch জুড়ে StepLR(step_size=30, gamma=0.1))",
    },
    "goyal": {
        "en": "Goyal et al. 2017, 'Accurate, large minibatch SGD' (linear scaling + 5 epochs warmup, batch 8192); "
        "Malladi et al. 2022 (square-root rule for Adam)",
        "bn": "Goyal ও সহকর্মীরা 2017, 'Accurate, large minibatch SGD' (linear scaling + 5 epoch warmup, batch 8192); "
        "Malladi ও সহকর্মীরা 2022 (Adam-এর জন্য বর্গমূল নিয়ম)",
    },
    "bert_finetune": {
        "en": "Devlin et al. 2019, BERT (fine-tuning LRs 5e-5, 4e-5, 3e-5, 2e-5 with Adam)",
        "bn": "Devlin ও সহকর্মীরা 2019, BERT (fine-tuning-এ Adam-এর সাথে LR 5e-5, 4e-5, 3e-5, 2e-5)",
    },
    "forgetting": {
        "en": "Howard & Ruder 2018, ULMFiT (catastrophic forgetting under aggressive fine-tuning); "
        "Devlin et al. 2019, BERT (pretraining LR 1e-4, fine-tuning 2e-5 to 5e-5)",
        "bn": "Howard ও Ruder 2018, ULMFiT (আগ্রাসী fine-tuning-এ catastrophic forgetting); "
        "Devlin ও সহকর্মীরা 2019, BERT (pretraining LR 1e-4, fine-tuning 2e-5 থেকে 5e-5)",
    },
    "smith": {
        "en": "Smith 2017, 'Cyclical learning rates' (arXiv 1506.01186); Smith 2018 (arXiv 1803.09820)",
        "bn": "Smith 2017, 'Cyclical learning rates' (arXiv 1506.01186); Smith 2018 (arXiv 1803.09820)",
    },
    "wsd": {
        "en": "Hägele et al. 2024, 'Scaling laws and compute-optimal training beyond fixed training durations'; MiniCPM 2024",
        "bn": "Hägele ও সহকর্মীরা 2024, 'Scaling laws and compute-optimal training beyond fixed training durations'; MiniCPM 2024",
    },
    "ppo": {
        "en": "Schulman et al. 2017, PPO (Adam 3e-4 on MuJoCo; 2.5e-4 annealed linearly to 0 on Atari)",
        "bn": "Schulman ও সহকর্মীরা 2017, PPO (MuJoCo-তে Adam 3e-4; Atari-তে 2.5e-4 থেকে রৈখিকভাবে 0)",
    },
    "radam": {
        "en": "Liu et al. 2020, RAdam (ICLR): without warmup Adam stalls near perplexity 500 on translation; "
        "Vaswani et al. 2017 (warmup in the Transformer)",
        "bn": "Liu ও সহকর্মীরা 2020, RAdam (ICLR): warmup ছাড়া অনুবাদের কাজে Adam perplexity 500-এর কাছে আটকে থাকে; "
        "Vaswani ও সহকর্মীরা 2017 (Transformer-এ warmup)",
    },
    "pytorch_docs": {
        "en": "PyTorch docs: torch.optim.lr_scheduler (StepLR, MultiStepLR, ExponentialLR step once per scheduler.step())",
        "bn": "PyTorch নথি: torch.optim.lr_scheduler (StepLR, MultiStepLR, ExponentialLR প্রতিটি scheduler.step()-এ একবার)",
    },
}

_MESSAGES = {f"designer.src.{k}": v for k, v in _SRC.items()}
_MESSAGES.update(
    {
        # ---- general
        "designer.recommendations": {"en": "Recommendations", "bn": "সুপারিশ"},
        "designer.warnings": {"en": "Warnings", "bn": "সতর্কবার্তা"},
        "designer.reason": {"en": "why", "bn": "কারণ"},
        "designer.source": {"en": "source", "bn": "সূত্র"},
        "designer.followed": {"en": "already followed", "bn": "ইতিমধ্যে মানা হয়েছে"},
        "designer.none": {"en": "none", "bn": "নেই"},
        "designer.summary": {
            "en": "peak LR {peak:.3g} at step {peak_step}; first LR {first:.3g}; last LR {last:.3g}; "
            "mean LR {mean:.3g} over {total} steps",
            "bn": "সর্বোচ্চ LR {peak:.3g} (ধাপ {peak_step}-এ); প্রথম LR {first:.3g}; শেষ LR {last:.3g}; "
            "{total} ধাপে গড় LR {mean:.3g}",
        },
        "designer.plot.x": {"en": "step (optimizer update)", "bn": "ধাপ (step, optimizer update)"},
        "designer.plot.y": {"en": "learning rate", "bn": "লার্নিং রেট (learning rate)"},
        "designer.plot.title": {"en": "LR schedule: {name}", "bn": "LR শিডিউল: {name}"},
        "designer.plot.compare": {"en": "Comparing two designs", "bn": "দুটি ডিজাইনের তুলনা"},
        "designer.plot.warmup": {"en": "warmup", "bn": "ওয়ার্মআপ (warmup)"},
        "designer.cli.written": {"en": "Plot written to {path}", "bn": "প্লট লেখা হয়েছে: {path}"},
        "designer.cli.design": {"en": "Design", "bn": "ডিজাইন"},
        "designer.cli.code": {"en": "Code ({target})", "bn": "কোড ({target})"},
        "designer.export.no_hf": {
            "en": "Hugging Face has no built-in '{kind}' schedule: build the PyTorch scheduler below and hand it "
            "to the Trainer, which steps it once per optimizer update.",
            "bn": "Hugging Face-এ '{kind}' শিডিউল তৈরি নেই: নিচের PyTorch scheduler বানিয়ে Trainer-কে দিন; "
            "Trainer প্রতিটি optimizer update-এ একবার সেটি step করে।",
        },
        # ---- schedule and task names (for the widget and plots)
        "designer.schedule.constant": {"en": "constant", "bn": "ধ্রুব (constant)"},
        "designer.schedule.step": {"en": "step decay", "bn": "ধাপে ধাপে হ্রাস (step decay)"},
        "designer.schedule.exponential": {"en": "exponential decay", "bn": "সূচকীয় হ্রাস (exponential)"},
        "designer.schedule.cosine": {"en": "cosine annealing", "bn": "কোসাইন (cosine annealing)"},
        "designer.schedule.linear": {"en": "linear decay", "bn": "রৈখিক হ্রাস (linear decay)"},
        "designer.schedule.polynomial": {"en": "polynomial decay", "bn": "বহুপদী হ্রাস (polynomial)"},
        "designer.schedule.inverse_sqrt": {"en": "inverse square root", "bn": "বর্গমূলের বিপরীত (inverse sqrt)"},
        "designer.schedule.wsd": {"en": "warmup-stable-decay (WSD)", "bn": "ওয়ার্মআপ-স্থির-হ্রাস (WSD)"},
        "designer.schedule.one_cycle": {"en": "one-cycle", "bn": "ওয়ান-সাইকেল (one-cycle)"},
        "designer.schedule.cyclic": {"en": "cyclical (CLR)", "bn": "চক্রাকার (cyclical, CLR)"},
        "designer.schedule.sgdr": {"en": "cosine with warm restarts (SGDR)", "bn": "রিস্টার্টসহ কোসাইন (SGDR)"},
        "designer.task.transformer": {"en": "Transformer pretraining", "bn": "Transformer প্রশিক্ষণ (pretraining)"},
        "designer.task.vision": {"en": "vision (CNN from scratch)", "bn": "ছবি (CNN, শুরু থেকে)"},
        "designer.task.finetune": {"en": "fine-tuning a pretrained model", "bn": "প্রশিক্ষিত মডেলের fine-tuning"},
        "designer.task.rl": {"en": "reinforcement learning", "bn": "রিইনফোর্সমেন্ট লার্নিং (RL)"},
        "designer.task.other": {"en": "other", "bn": "অন্যান্য"},
        # ---- recommendations
        "designer.warmup_adam": {
            "en": "Warm up for about {suggested} steps: 2/(1 − β2) with β2 = {beta2} (you have {warmup}).",
            "bn": "প্রায় {suggested} ধাপ ওয়ার্মআপ (warmup) করুন: β2 = {beta2} হলে 2/(1 − β2) (এখন আছে {warmup})।",
        },
        "designer.warmup_adam.short": {
            "en": "2/(1 − β2) = {rule} warmup steps is more than a quarter of this {total}-step run; "
            "warm up for about {suggested} steps (10% of the run) instead (you have {warmup}).",
            "bn": "2/(1 − β2) = {rule} ধাপের warmup এই {total} ধাপের run-এর এক-চতুর্থাংশের বেশি; "
            "তার বদলে প্রায় {suggested} ধাপ (run-এর 10%) warmup করুন (এখন আছে {warmup})।",
        },
        "designer.warmup_adam.why": {
            "en": "Adam's second-moment estimate rests on very few gradients in the first updates, so its "
            "effective step size is large and noisy; a linear warmup over 2/(1 − β2) steps (the averaging "
            "horizon of v) matched RAdam without tuning.",
            "bn": "প্রথম কয়েকটি update-এ Adam-এর দ্বিতীয় মোমেন্টের (v) অনুমান খুব কম gradient থেকে আসে, তাই "
            "কার্যকর ধাপের আকার বড় ও অস্থির হয়; 2/(1 − β2) ধাপ (v-এর গড় করার দৈর্ঘ্য) ধরে linear warmup "
            "কোনো tuning ছাড়াই RAdam-এর সমান ফল দিয়েছে।",
        },
        "designer.warmup_transformer": {
            "en": "For a Transformer, warm up for a few percent of the run: {low} to {high} steps "
            "(1% to 10% of {total}; you have {warmup}).",
            "bn": "Transformer-এর জন্য run-এর কয়েক শতাংশ ধরে warmup করুন: {low} থেকে {high} ধাপ "
            "({total}-এর 1% থেকে 10%; এখন আছে {warmup})।",
        },
        "designer.warmup_transformer.why": {
            "en": "Transformers trained with Adam diverge or stall without a warmup; the standard recipes "
            "warm up for 1% to 6% of training before the decay.",
            "bn": "Adam দিয়ে Transformer warmup ছাড়া train করলে প্রায়ই diverge করে বা আটকে যায়; প্রচলিত রেসিপিগুলো "
            "decay-এর আগে প্রশিক্ষণের 1% থেকে 6% ধরে warmup করে।",
        },
        "designer.cosine_lr_min": {
            "en": "End the cosine at lr_min between {low:.3g} and {high:.3g} (lr/100 to lr/10); you have {lr_min:.3g}.",
            "bn": "cosine শেষ করুন lr_min = {low:.3g} থেকে {high:.3g}-এর মধ্যে (lr/100 থেকে lr/10); এখন আছে {lr_min:.3g}।",
        },
        "designer.cosine_lr_min.why": {
            "en": "The last part of the run at a small but non-zero LR is where the loss drops most; going all "
            "the way to 0 wastes the last steps, stopping far above lr/10 skips the cooldown.",
            "bn": "run-এর শেষ অংশে ছোট কিন্তু শূন্য নয় এমন LR-এ loss সবচেয়ে বেশি কমে; একেবারে 0-তে নামালে শেষ "
            "ধাপগুলো নষ্ট হয়, আর lr/10-এর অনেক ওপরে থামলে ঠান্ডা হওয়ার (cooldown) সুফল মেলে না।",
        },
        "designer.step_milestones": {
            "en": "Drop the LR at 50% and 75% of the run: milestones {suggested} (you have {milestones}).",
            "bn": "run-এর 50% ও 75%-এ LR কমান: milestones {suggested} (এখন আছে {milestones})।",
        },
        "designer.step_milestones.why": {
            "en": "Each drop needs a long enough phase before it for the large LR to make progress, and one after "
            "it to settle; ResNet's CIFAR-10 recipe drops ÷10 at half and three quarters of training, the "
            "ImageNet one every 30 of 90 epochs (the drop 'at 90' is the end of training).",
            "bn": "প্রতিটি পতনের আগে বড় LR-এ এগোনোর জন্য যথেষ্ট লম্বা সময়, আর পরে স্থির হওয়ার সময় লাগে; ResNet-এর "
            "CIFAR-10 রেসিপি প্রশিক্ষণের অর্ধেক ও তিন-চতুর্থাংশে ÷10 করে, ImageNet-এরটি 90 epoch-এর প্রতি 30-এ "
            "('90-এ' পতন মানে প্রশিক্ষণের শেষ)।",
        },
        "designer.linear_scaling": {
            "en": "Linear scaling rule: batch {batch} is {ratio:.3g}x the reference batch {base_batch}, so use "
            "lr ≈ {suggested:.3g} (= {base_lr:.3g} × {ratio:.3g}) with a gradual warmup; you have {lr:.3g}.",
            "bn": "linear scaling নিয়ম: batch {batch} হলো মূল batch {base_batch}-এর {ratio:.3g} গুণ, তাই "
            "lr ≈ {suggested:.3g} (= {base_lr:.3g} × {ratio:.3g}) নিন, সাথে ধীরে ধীরে warmup; এখন আছে {lr:.3g}।",
        },
        "designer.linear_scaling.adam": {
            "en": "Batch {batch} is {ratio:.3g}x the reference batch {base_batch}. The linear rule would give "
            "lr ≈ {suggested:.3g}; for Adam the square-root rule ({sqrt_lr:.3g}) is often safer. You have {lr:.3g}.",
            "bn": "batch {batch} হলো মূল batch {base_batch}-এর {ratio:.3g} গুণ। linear নিয়মে lr ≈ {suggested:.3g}; "
            "Adam-এর জন্য বর্গমূল নিয়ম ({sqrt_lr:.3g}) প্রায়ই বেশি নিরাপদ। এখন আছে {lr:.3g}।",
        },
        "designer.linear_scaling.why": {
            "en": "k times the batch averages k times as many gradients per update, so k times the LR keeps the "
            "total movement per epoch the same; the warmup protects the first updates, when it does not hold.",
            "bn": "k গুণ বড় batch প্রতি update-এ k গুণ gradient-এর গড় নেয়, তাই k গুণ LR দিলে প্রতি epoch-এ মোট "
            "সরণ একই থাকে; শুরুর update-গুলোতে এই নিয়ম খাটে না, সেখানে warmup রক্ষা করে।",
        },
        "designer.finetune_lr": {
            "en": "Fine-tune at a small LR, {low:.0e} to {high:.0e} (you have {lr:.3g}).",
            "bn": "fine-tuning করুন ছোট LR-এ, {low:.0e} থেকে {high:.0e} (এখন আছে {lr:.3g})।",
        },
        "designer.finetune_lr.why": {
            "en": "The pretrained weights are already good; a small LR adapts them to the new task without "
            "erasing what they learned.",
            "bn": "প্রশিক্ষিত (pretrained) weight ইতিমধ্যেই ভালো; ছোট LR সেগুলোকে নতুন কাজে মানিয়ে নেয়, আগের শেখা "
            "মুছে না ফেলে।",
        },
        "designer.one_cycle_finder": {
            "en": "Set the one-cycle max_lr from the LR range test: about {suggested:.3g} (you have {lr:.3g}).",
            "bn": "one-cycle-এর max_lr নিন LR range test থেকে: প্রায় {suggested:.3g} (এখন আছে {lr:.3g})।",
        },
        "designer.one_cycle_finder.none": {
            "en": "Run an LR range test (lrcourse.finder.lr_range_test or `lrcourse find-lr`) and use its "
            "recommended LR as the one-cycle max_lr; then pass it here as finder=.",
            "bn": "একটি LR range test চালান (lrcourse.finder.lr_range_test বা `lrcourse find-lr`) এবং তার "
            "সুপারিশ করা LR-কে one-cycle-এর max_lr হিসেবে নিন; তারপর এখানে finder= হিসেবে দিন।",
        },
        "designer.one_cycle_finder.why": {
            "en": "One-cycle spends most of the run near max_lr, so max_lr must be the largest LR that still "
            "trains stably, which is what the range test measures (the optimum is often within 2x of it).",
            "bn": "one-cycle run-এর বেশিরভাগ সময় max_lr-এর কাছে কাটায়, তাই max_lr হওয়া উচিত সবচেয়ে বড় LR যেটিতে "
            "প্রশিক্ষণ এখনো স্থির থাকে; range test ঠিক এটাই মাপে (সেরা LR প্রায়ই তার 2 গুণের মধ্যে থাকে)।",
        },
        "designer.wsd_decay": {
            "en": "Cool down over the last 10–20% of the run ({low} to {high} steps) with the 1 − √ shape "
            "(you have {decay_steps} steps, shape {shape}).",
            "bn": "run-এর শেষ 10–20% ({low} থেকে {high} ধাপ) জুড়ে 1 − √ আকারে cooldown করুন "
            "(এখন আছে {decay_steps} ধাপ, আকার {shape})।",
        },
        "designer.wsd_decay.why": {
            "en": "A constant LR with a short final cooldown matched cosine at every length tried, and the "
            "stable phase can be extended without knowing the run length in advance.",
            "bn": "ধ্রুব LR আর শেষে ছোট cooldown পরীক্ষিত প্রতিটি দৈর্ঘ্যে cosine-এর সমান ফল দিয়েছে, আর run কত লম্বা "
            "হবে আগে না জেনেই স্থির অংশটি বাড়ানো যায়।",
        },
        "designer.cyclic_bounds": {
            "en": "Cycle between base_lr ≈ {low:.3g} and {high:.3g} (max_lr/4 to max_lr/3) and max_lr = {lr:.3g} "
            "(you have base_lr = {base:.3g}).",
            "bn": "base_lr ≈ {low:.3g} থেকে {high:.3g} (max_lr/4 থেকে max_lr/3) আর max_lr = {lr:.3g}-এর মধ্যে "
            "চক্র চালান (এখন base_lr = {base:.3g})।",
        },
        "designer.cyclic_bounds.why": {
            "en": "The range test gives max_lr; Smith found a base 3 to 4 times lower keeps every part of the "
            "cycle useful.",
            "bn": "range test থেকে max_lr পাওয়া যায়; Smith দেখেছেন এর 3 থেকে 4 গুণ ছোট base রাখলে চক্রের "
            "প্রতিটি অংশ কাজে লাগে।",
        },
        "designer.rl_constant": {
            "en": "In reinforcement learning, keep the LR constant or anneal it linearly to 0 (schedule: {kind}).",
            "bn": "রিইনফোর্সমেন্ট লার্নিং-এ LR ধ্রুব রাখুন অথবা রৈখিকভাবে 0-তে নামান (এখন শিডিউল: {kind})।",
        },
        "designer.rl_constant.why": {
            "en": "The data distribution changes as the policy learns, so there is no fixed 'end of training' "
            "to anneal towards; the common recipes use a constant LR or a linear anneal.",
            "bn": "policy শেখার সাথে সাথে ডেটার বণ্টন বদলায়, তাই নামানোর জন্য নির্দিষ্ট কোনো 'প্রশিক্ষণের শেষ' নেই; "
            "প্রচলিত রেসিপিতে ধ্রুব LR বা রৈখিক হ্রাস ব্যবহার হয়।",
        },
        # ---- warnings
        "designer.adam_no_warmup": {
            "en": "{optimizer} starts at {start:.3g}, {share:.0%} of its peak LR {peak:.3g}, with no warmup: "
            "at this LR the first updates are likely to be unstable. Add a warmup (about {suggested} steps).",
            "bn": "{optimizer} warmup ছাড়াই শুরু করছে {start:.3g} LR-এ, যা সর্বোচ্চ LR {peak:.3g}-এর {share:.0%}: "
            "এই LR-এ প্রথম update-গুলো অস্থির হওয়ার সম্ভাবনা বেশি। warmup যোগ করুন (প্রায় {suggested} ধাপ)।",
        },
        "designer.adam_no_warmup.why": {
            "en": "In its first update Adam divides the gradient by its own magnitude, so every weight moves by "
            "about ±lr whatever its gradient; the adaptive LR's variance is largest in the first steps.",
            "bn": "প্রথম update-এ Adam gradient-কে তার নিজের মান দিয়েই ভাগ করে, তাই gradient যা-ই হোক প্রতিটি weight "
            "প্রায় ±lr সরে যায়; adaptive LR-এর variance প্রথম ধাপগুলোতেই সবচেয়ে বেশি।",
        },
        "designer.warmup_too_long": {
            "en": "warmup_steps = {warmup} is not shorter than total_steps = {total}: the LR never gets past the "
            "warmup, so the {kind} decay never happens. Use a warmup of a few percent of the run.",
            "bn": "warmup_steps = {warmup}, total_steps = {total}-এর চেয়ে ছোট নয়: LR কখনো warmup পেরোয় না, তাই "
            "{kind} হ্রাস কখনো ঘটে না। run-এর কয়েক শতাংশ warmup নিন।",
        },
        "designer.warmup_too_long.why": {
            "en": "The curve on the plot is the warmup ramp cut off at the last step; a schedule whose peak is "
            "at or after the end never anneals.",
            "bn": "প্লটের রেখাটি শেষ ধাপে কাটা warmup-এর ঢাল মাত্র; যে শিডিউলের শীর্ষ run-এর শেষে বা পরে, সেটি কখনো নামে না।",
        },
        "designer.finetune_high_lr": {
            "en": "Fine-tuning at lr = {lr:.3g} is a pretraining-scale LR (≥ {limit:.0e}): it risks catastrophic "
            "forgetting of what the pretrained model knows. Use {low:.0e} to {high:.0e}.",
            "bn": "fine-tuning-এ lr = {lr:.3g} মানে pretraining-এর মাপের LR (≥ {limit:.0e}): pretrained মডেলের শেখা "
            "ভুলে যাওয়ার (catastrophic forgetting) ঝুঁকি। {low:.0e} থেকে {high:.0e} নিন।",
        },
        "designer.finetune_high_lr.why": {
            "en": "Large updates push the weights far from the pretrained solution in the first few hundred "
            "steps, before the new task's gradients are informative.",
            "bn": "বড় update প্রথম কয়েকশো ধাপেই weight-কে pretrained সমাধান থেকে অনেক দূরে ঠেলে দেয়, নতুন কাজের "
            "gradient তখনও কাজের তথ্য দেওয়ার আগেই।",
        },
        "designer.milestones_after_end": {
            "en": "Milestones {late} are at or after the last step ({last}): those LR drops never happen.",
            "bn": "milestones {late} শেষ ধাপ ({last})-এ বা তার পরে: ওই LR পতনগুলো কখনো ঘটে না।",
        },
        "designer.milestones_after_end.why": {
            "en": "MultiStepLR counts scheduler.step() calls; when it is stepped once per batch, milestones "
            "given in epochs (30, 60, 90) or for a longer run are never reached.",
            "bn": "MultiStepLR scheduler.step() কল গোনে; প্রতি batch-এ step করলে epoch-এ দেওয়া milestones "
            "(30, 60, 90) বা লম্বা run-এর জন্য দেওয়া milestones কখনো আসে না।",
        },
        "designer.lr_outside_finder": {
            "en": "lr = {lr:.3g} is {detail} (the LR range test recommends {rec:.3g}).",
            "bn": "lr = {lr:.3g}, যা {detail} (LR range test সুপারিশ করে {rec:.3g})।",
        },
        "designer.lr_outside_finder.high": {
            "en": "{factor:.3g}x above the range test's recommendation",
            "bn": "range test-এর সুপারিশের চেয়ে {factor:.3g} গুণ বেশি",
        },
        "designer.lr_outside_finder.low": {
            "en": "{factor:.3g}x below the range test's recommendation; training will crawl",
            "bn": "range test-এর সুপারিশের চেয়ে {factor:.3g} গুণ কম; প্রশিক্ষণ খুব ধীরে চলবে",
        },
        "designer.lr_outside_finder.diverged": {
            "en": "at or above {diverged:.3g}, where the loss diverged in the range test",
            "bn": "{diverged:.3g}-এর সমান বা বেশি, যেখানে range test-এ loss diverge করেছিল",
        },
        "designer.lr_outside_finder.untested": {
            "en": "outside the range the test tried ({lo:.3g} to {hi:.3g})",
            "bn": "test যে সীমা পরীক্ষা করেছে ({lo:.3g} থেকে {hi:.3g}) তার বাইরে",
        },
        "designer.lr_outside_finder.why": {
            "en": "The range test shows where the loss starts to fall and where it blows up; a peak LR far "
            "above it diverges, one far below it wastes the run.",
            "bn": "range test দেখায় কোথায় loss কমতে শুরু করে আর কোথায় বিস্ফোরিত হয়; এর অনেক ওপরের সর্বোচ্চ LR "
            "diverge করে, অনেক নিচেরটি run নষ্ট করে।",
        },
        "designer.decays_too_early": {
            "en": "{share:.0%} of the run is at an LR of {factor:.0e} of the peak or less (from step {since}): those "
            "updates barely move the weights. Is a per-epoch gamma being stepped per batch?",
            "bn": "run-এর {share:.0%} কাটছে সর্বোচ্চ LR-এর {factor:.0e} বা তার কম LR-এ (ধাপ {since} থেকে): ওই "
            "update-গুলো weight প্রায় নড়ায় না। প্রতি epoch-এর gamma কি প্রতি batch-এ step হচ্ছে?",
        },
        "designer.decays_too_early.why": {
            "en": "ExponentialLR and StepLR multiply the LR by gamma at every scheduler.step(); a gamma meant per "
            "epoch (0.95) applied per batch shrinks the LR to nothing within a few thousand updates.",
            "bn": "ExponentialLR ও StepLR প্রতিটি scheduler.step()-এ LR-কে gamma দিয়ে গুণ করে; প্রতি epoch-এর "
            "জন্য ভাবা gamma (0.95) প্রতি batch-এ দিলে কয়েক হাজার update-এর মধ্যেই LR প্রায় শূন্য হয়ে যায়।",
        },
    }
)
i18n.register(_MESSAGES)


# --------------------------------------------------------------------------- advice


@dataclass(frozen=True)
class Advice:
    """One recommendation or warning of the designer.

    ``rule`` names the rule (see the module docstring); ``kind`` is
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
class _Ctx:
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


def _adam_warmup_steps(c: _Ctx) -> tuple[int, int, bool]:
    """(rule value 2/(1-β2), suggested steps, whether the run is too short for the rule)."""
    rule = int(round(2.0 / (1.0 - c.beta2)))
    if rule > c.total_steps / 4:
        return rule, max(1, int(round(0.1 * c.total_steps))), True
    return rule, rule, False


# -- recommendations


def rule_warmup_adam(c: _Ctx):
    """Adam/AdamW: warm up for about 2/(1 − β2) steps (Ma & Yarats 2021); 10% of a run too short for it."""
    if c.optimizer not in ("adam", "adamw") or c.kind in ("one_cycle", "cyclic"):
        return None
    rule, suggested, short = _adam_warmup_steps(c)
    followed = suggested / 2 <= c.warmup_steps <= suggested * 2 and c.warmup_steps < c.total_steps
    values = {"suggested": suggested, "beta2": c.beta2, "warmup": c.warmup_steps}
    if short:
        values.update(rule=rule, total=c.total_steps)
    return _rec("warmup_adam", "ma_yarats", values, {"warmup_steps": suggested}, followed, "short" if short else None)


def rule_warmup_transformer(c: _Ctx):
    """Transformer pretraining or fine-tuning: warm up for 1%–10% of the run (BERT 1%, Transformer 4%, RoBERTa 6%)."""
    if c.task not in ("transformer", "finetune") or c.kind in ("one_cycle", "cyclic"):
        return None
    low = max(1, int(round(TRANSFORMER_WARMUP_SHARE[0] * c.total_steps)))
    high = max(low, int(round(TRANSFORMER_WARMUP_SHARE[1] * c.total_steps)))
    suggested = max(1, int(round((0.06 if c.task == "finetune" else 0.04) * c.total_steps)))
    followed = low <= c.warmup_steps <= high
    values = {"low": low, "high": high, "total": c.total_steps, "warmup": c.warmup_steps}
    return _rec("warmup_transformer", "transformer_warmup", values, {"warmup_steps": suggested}, followed)


def rule_cosine_lr_min(c: _Ctx):
    """Cosine or SGDR: lr_min between lr/100 and lr/10 (Chinchilla, LLaMA: lr/10)."""
    if c.kind not in ("cosine", "sgdr"):
        return None
    lr_min = c.params["lr_min"]
    low, high = c.lr * COSINE_FLOOR[0], c.lr * COSINE_FLOOR[1]
    followed = low * (1 - 1e-9) <= lr_min <= high * (1 + 1e-9)
    values = {"low": low, "high": high, "lr_min": lr_min}
    return _rec("cosine_lr_min", "cosine_floor", values, {"lr_min": high}, followed)


def rule_step_milestones(c: _Ctx):
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


def rule_linear_scaling(c: _Ctx):
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


def rule_finetune_lr(c: _Ctx):
    """Fine-tuning: LR between 1e-5 and 5e-5 (BERT, Devlin et al. 2019)."""
    if c.task != "finetune":
        return None
    low, high = FINETUNE_LR
    followed = low <= c.lr <= high
    return _rec("finetune_lr", "bert_finetune", {"low": low, "high": high, "lr": c.lr}, {"lr": 2e-5}, followed)


def rule_one_cycle_finder(c: _Ctx):
    """One-cycle: max_lr = the LR range test's recommendation (Smith 2018); without a finder, run one."""
    if c.kind != "one_cycle":
        return None
    if c.finder is None:
        return _rec("one_cycle_finder", "smith", {}, {}, None, "none")
    rec = float(c.finder.recommended)
    followed = rec / 2 <= c.lr <= rec * 2
    return _rec("one_cycle_finder", "smith", {"suggested": rec, "lr": c.lr}, {"lr": rec}, followed)


def rule_wsd_decay(c: _Ctx):
    """WSD: decay over the last 10–20% of the run, 1 − √ shape (Hägele et al. 2024)."""
    if c.kind != "wsd":
        return None
    low = max(1, int(round(WSD_DECAY_SHARE[0] * c.total_steps)))
    high = max(low, int(round(WSD_DECAY_SHARE[1] * c.total_steps)))
    d, shape = c.params["decay_steps"], c.params["decay"]
    followed = low <= d <= high and shape == "1-sqrt"
    values = {"low": low, "high": high, "decay_steps": d, "shape": shape}
    return _rec("wsd_decay", "wsd", values, {"decay_steps": high, "decay": "1-sqrt"}, followed)


def rule_cyclic_bounds(c: _Ctx):
    """Cyclical LR: base_lr between max_lr/4 and max_lr/3 (Smith 2017)."""
    if c.kind != "cyclic":
        return None
    base = c.params["base_lr"]
    low, high = c.lr * CYCLIC_RATIO[0], c.lr * CYCLIC_RATIO[1]
    followed = low * (1 - 1e-9) <= base <= high * (1 + 1e-9)
    return _rec("cyclic_bounds", "smith", {"low": low, "high": high, "lr": c.lr, "base": base},
                {"lr_min": low}, followed)


def rule_rl_constant(c: _Ctx):
    """Reinforcement learning: a constant LR or a linear anneal to 0 (PPO, Schulman et al. 2017)."""
    if c.task != "rl":
        return None
    followed = c.kind == "constant" or (c.kind == "linear" and c.params.get("lr_min", 0.0) == 0.0)
    kind = i18n.t(f"designer.schedule.{c.kind}")
    return _rec("rl_constant", "ppo", {"kind": kind}, {}, followed)


# -- warnings


def _start_share(c: _Ctx) -> tuple[float, float, float]:
    peak = c.peak
    start = float(c.lrs[0]) if c.lrs.size else c.lr
    return start, peak, (start / peak if peak > 0 else 0.0)


def rule_adam_no_warmup(c: _Ctx):
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


def rule_warmup_too_long(c: _Ctx):
    """Warmup at or beyond the end of the run."""
    if c.warmup_steps < c.total_steps:
        return None
    kind = i18n.t(f"designer.schedule.{c.kind}")
    suggested = max(1, int(round(0.05 * c.total_steps)))
    return _warn("warmup_too_long", "transformer_warmup", {"warmup": c.warmup_steps, "total": c.total_steps,
                                                            "kind": kind}, {"warmup_steps": suggested})


def rule_finetune_high_lr(c: _Ctx):
    """Fine-tuning at a pretraining LR (≥ 1e-4): catastrophic forgetting."""
    if c.task != "finetune" or c.lr < PRETRAIN_LR:
        return None
    low, high = FINETUNE_LR
    return _warn("finetune_high_lr", "forgetting", {"lr": c.lr, "limit": PRETRAIN_LR, "low": low, "high": high},
                 {"lr": 2e-5})


def rule_milestones_after_end(c: _Ctx):
    """Step milestones at or after the last step (total_steps − 1)."""
    if c.kind != "step":
        return None
    late = [m for m in c.params["milestones"] if m >= c.total_steps]
    if not late:
        return None
    return _warn("milestones_after_end", "pytorch_docs", {"late": late, "last": c.total_steps - 1},
                 {"milestones": [int(round(p * c.total_steps)) for p in STEP_POINTS]})


def rule_lr_outside_finder(c: _Ctx):
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


def rule_decays_too_early(c: _Ctx):
    """More than half of the run at an LR of 1/1000 of the peak or less."""
    peak = c.peak
    tiny = c.lrs <= peak * TINY_FACTOR * (1 + 1e-9)  # three drops of ÷10 are "1/1000" despite rounding
    share = np.count_nonzero(tiny) / tiny.size
    if share <= TINY_SHARE:
        return None
    since = int(np.argmax(tiny))
    return _warn("decays_too_early", "pytorch_docs", {"share": share, "factor": TINY_FACTOR, "since": since})


#: Every rule, in the order their advice is listed. Each is a function (context) -> Advice | None.
RULES: dict[str, Callable[[_Ctx], Advice | None]] = {
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


# --------------------------------------------------------------------------- validation


def _choice(name, value, choices):
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"{name}={value!r} is not known; use one of {', '.join(map(repr, choices))}")
    return value.lower()


def _pos_real(name, value, *, allow_zero=False, what="a finite number > 0"):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number ({what})")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name}={value!r} is not valid; {what} is accepted")
    return value


def _int(name, value, minimum, maximum=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name}={value!r} must be a whole number (an int >= {minimum})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum:,}" if maximum is not None else ""
        raise ValueError(f"{name}={value} is out of range; an int >= {minimum}{upper} is accepted")
    return value


def _check_finder(finder):
    if finder is None:
        return None
    missing = [a for a in ("recommended", "lrs", "suggestions", "diverged_at") if not hasattr(finder, a)]
    if missing:
        raise TypeError(
            f"finder={type(finder).__name__} has no {', '.join(missing)}; pass the result of "
            "lrcourse.finder.lr_range_test(...) (it needs recommended, lrs, suggestions and diverged_at)"
        )
    _pos_real("finder.recommended", finder.recommended, what="a positive learning rate")
    return finder


# --------------------------------------------------------------------------- building the schedule


def _build(kind, lr, N, W, p) -> S.Schedule:
    """The lrcourse schedule of a design (``p``: the resolved parameters of its type)."""
    if kind == "constant":
        base = S.constant(lr)
        return S.with_warmup(base, W) if W else base
    if kind == "step":
        ms = p["milestones"]
        gamma = p["gamma"]
        if W:
            early = [m for m in ms if m <= W]
            if early:
                raise ValueError(
                    f"milestones={ms} has {early} inside the warmup (warmup_steps={W}); "
                    "milestones count steps from the start of the run and must come after the warmup"
                )
            return S.with_warmup(S.multistep(lr, [m - W for m in ms], gamma), W)
        return S.multistep(lr, ms, gamma)
    if kind == "exponential":
        gamma = p["gamma"]
        base = S.exponential(lr, gamma)
        return S.with_warmup(base, W) if W else base
    if kind == "cosine":
        if W:
            return S.warmup_cosine(lr, W, N, p["lr_min"])
        return S.cosine(lr, N, p["lr_min"])
    if kind in ("linear", "polynomial"):
        power = 1.0 if kind == "linear" else p["power"]
        if W and kind == "linear" and p["lr_min"] == 0:
            return S.warmup_linear(lr, W, N)
        if W:
            return S.with_warmup(S.polynomial(lr, N - W, power, p["lr_min"]), W)
        return S.polynomial(lr, N, power, p["lr_min"])
    if kind == "inverse_sqrt":
        return S.inverse_sqrt(lr, W)
    if kind == "wsd":
        d = p["decay_steps"]
        stable = N - W - d
        if stable < 0:
            raise ValueError(
                f"decay_steps={d} with warmup_steps={W} is longer than total_steps={N}; "
                f"decay_steps must be <= total_steps - warmup_steps = {N - W}"
            )
        return S.wsd(lr, W, stable, d, p["lr_min"], p["decay"])
    if kind == "one_cycle":
        return S.one_cycle(lr, N, p["pct_start"])
    if kind == "cyclic":
        base = S.cyclic(p["base_lr"], lr, p["cycle_steps"])
        return S.with_warmup(base, W) if W else base
    if kind == "sgdr":
        base = S.sgdr(lr, p["t_0"], p["t_mult"], p["lr_min"])
        return S.with_warmup(base, W) if W else base
    raise AssertionError(kind)


def _resolve_params(kind, lr, N, W, *, lr_min, milestones, gamma, power, decay_steps, decay, cycle_steps, t_0,
                    t_mult, pct_start) -> dict:
    """Fill in each schedule type's own parameters, with documented defaults."""
    p: dict = {}
    if lr_min is not None:
        lr_min = _pos_real("lr_min", lr_min, allow_zero=True, what="a learning rate >= 0 and below lr")
        if lr_min >= lr:
            raise ValueError(f"lr_min={lr_min!r} is not below lr={lr!r}; the LR must decay to something smaller")
    if kind in ("cosine", "linear", "polynomial", "wsd", "sgdr"):
        p["lr_min"] = 0.0 if lr_min is None else lr_min
    if kind == "polynomial":
        p["power"] = _pos_real("power", 1.0 if power is None else power, what="a power > 0 (1 is linear)")
    if kind == "step":
        if milestones is None:
            milestones = [int(round(q * N)) for q in STEP_POINTS]
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, (Sequence, np.ndarray)):
            raise TypeError(f"milestones={milestones!r} must be a list of steps, e.g. [5000, 7500]")
        if len(milestones) == 0:
            raise ValueError("milestones=[] is empty; give the steps at which the LR drops, e.g. [5000, 7500]")
        p["milestones"] = sorted(_int("milestones", m, 1) for m in milestones)
        p["gamma"] = 0.1 if gamma is None else gamma
    if kind == "exponential":
        if gamma is None:
            # Default: reach lr_min (default lr/100) at the last step.
            target = (lr / 100) if lr_min is None else max(lr_min, lr * 1e-12)
            gamma = (target / lr) ** (1.0 / max(1, N - 1 - W))
        p["gamma"] = gamma
    if kind == "wsd":
        d = max(1, int(round(WSD_DECAY_SHARE[1] * N))) if decay_steps is None else _int("decay_steps", decay_steps, 1)
        p["decay_steps"] = d
        p["decay"] = _choice("decay", decay or "1-sqrt", ("linear", "cosine", "1-sqrt"))
    if kind == "one_cycle":
        if pct_start is None:
            pct_start = (W / N) if W else 0.3
        p["pct_start"] = pct_start
    if kind == "cyclic":
        p["base_lr"] = lr / 4 if lr_min is None else lr_min
        if p["base_lr"] <= 0:
            raise ValueError(f"lr_min={lr_min!r}: the cyclical LR's base_lr must be > 0 (Smith: about lr/4)")
        p["cycle_steps"] = max(1, N // 8) if cycle_steps is None else _int("cycle_steps", cycle_steps, 1)
    if kind == "sgdr":
        t_mult = 2 if t_mult is None else _int("t_mult", t_mult, 1)
        if t_0 is None:
            # three cycles that end with the run: t_0·(1 + m + m²) = N
            t_0 = max(1, (N - min(W, N - 1)) // (1 + t_mult + t_mult**2))
        p["t_0"] = _int("t_0", t_0, 1)
        p["t_mult"] = t_mult
    return p


# --------------------------------------------------------------------------- the result


@dataclass
class Design:
    """A designed schedule: the schedule object, its curve over the run, and the advice.

    Attributes: ``kind`` (the schedule type), ``schedule`` (an lrcourse
    :class:`~lrcourse.schedules.Schedule`), ``lrs`` (the LR of every update
    t = 0 … total_steps − 1, float64), ``recommendations`` and ``warnings``
    (lists of :class:`Advice`), ``inputs`` (the arguments as resolved) and
    ``params`` (the schedule type's own parameters with their defaults filled in).
    """

    kind: str
    schedule: S.Schedule
    lrs: np.ndarray
    recommendations: list
    warnings: list
    inputs: dict
    params: dict
    label: str | None = None

    # -- numbers
    @property
    def total_steps(self) -> int:
        return self.inputs["total_steps"]

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.total_steps)

    @property
    def advice(self) -> list:
        return list(self.warnings) + list(self.recommendations)

    def stats(self) -> dict:
        """Peak (and its step), first, last and mean LR of the run (computed once)."""
        cached = self.__dict__.get("_stats")
        if cached is not None:
            return dict(cached)
        lrs = self.lrs
        peak_step = int(lrs.argmax())
        self.__dict__["_stats"] = {
            "peak": float(lrs[peak_step]),
            "peak_step": peak_step,
            "first": float(lrs[0]),
            "last": float(lrs[-1]),
            "mean": float(lrs.mean()),
            "total": self.total_steps,
        }
        return dict(self.__dict__["_stats"])

    def summary(self) -> str:
        return i18n.t("designer.summary", **self.stats())

    def name(self) -> str:
        return self.label or i18n.t(f"designer.schedule.{self.kind}")

    # -- text
    def report(self, *, details: bool = True) -> str:
        """The design, its numbers, the warnings and the recommendations, as plain text."""
        lines = [f"{i18n.t('designer.cli.design')}: {self.schedule!r}", f"  {self.summary()}"]
        for title, items in (("designer.warnings", self.warnings), ("designer.recommendations", self.recommendations)):
            lines.append(f"{i18n.t(title)} ({len(items)}):")
            if not items:
                lines.append(f"  {i18n.t('designer.none')}")
            for a in items:
                mark = "!" if a.kind == "warning" else ("✓" if a.followed else "→")
                tail = f" ({i18n.t('designer.followed')})" if a.followed else ""
                lines.append(f"  {mark} {a.message}{tail}")
                if details:
                    lines.append(f"      {i18n.t('designer.reason')}: {a.reason}")
                    lines.append(f"      {i18n.t('designer.source')}: {a.source}")
        return "\n".join(lines)

    def html(self) -> str:
        """The warnings and recommendations as HTML (used by the widget)."""
        from html import escape

        parts = ['<div class="lrd-advice-list" style="line-height:1.35">', f"<div><b>{escape(self.summary())}</b></div>"]
        for title, items, colour in (
            ("designer.warnings", self.warnings, "#b3261e"),
            ("designer.recommendations", self.recommendations, "#1f5f9e"),
        ):
            parts.append(f'<h4 style="margin:6px 0 2px;color:{colour}">{escape(i18n.t(title))} ({len(items)})</h4>')
            if not items:
                parts.append(f"<div>{escape(i18n.t('designer.none'))}</div>")
                continue
            parts.append('<ul style="margin:0;padding-left:1.2em">')
            for a in items:
                mark = "⚠" if a.kind == "warning" else ("✓" if a.followed else "→")
                tail = f" <i>({escape(i18n.t('designer.followed'))})</i>" if a.followed else ""
                parts.append(
                    f'<li data-rule="{a.rule}"><b>{mark}</b> {escape(a.message)}{tail}'
                    f'<br><small><b>{escape(i18n.t("designer.reason"))}:</b> {escape(a.reason)}'
                    f'<br><b>{escape(i18n.t("designer.source"))}:</b> {escape(a.source)}</small></li>'
                )
            parts.append("</ul>")
        parts.append("</div>")
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"Design({self.schedule!r}, {len(self.warnings)} warning(s), "
            f"{len(self.recommendations)} recommendation(s))"
        )

    def _repr_pretty_(self, p, cycle):
        p.text(self.report())

    # -- plots
    def plot(self, ax=None, *, log: bool = False, other: "Design | None" = None, points: int = 1200):
        """The LR curve (and ``other``'s, dashed, to compare); returns the matplotlib Figure."""
        return plot_designs([self] if other is None else [self, other], ax=ax, log=log, points=points)

    # -- code
    def to_code(self, target: str = "pytorch") -> str:
        """Python code that reproduces this schedule: ``"lrcourse"``, ``"pytorch"`` or ``"hf"`` (Hugging Face)."""
        target = _choice("target", target, EXPORT_TARGETS)
        return {"lrcourse": _code_lrcourse, "pytorch": _code_pytorch, "hf": _code_hf}[target](self)


# --------------------------------------------------------------------------- design()


def design(
    schedule: str = "cosine",
    lr: float = 1e-3,
    total_steps: int = 10_000,
    warmup_steps: int | None = None,
    optimizer: str = "adamw",
    batch_size: int | None = None,
    task: str = "other",
    finder=None,
    *,
    lr_min: float | None = None,
    milestones: Sequence[int] | None = None,
    gamma: float | None = None,
    power: float | None = None,
    decay_steps: int | None = None,
    decay: str | None = None,
    cycle_steps: int | None = None,
    t_0: int | None = None,
    t_mult: int | None = None,
    pct_start: float | None = None,
    beta2: float = 0.999,
    base_batch_size: int | None = None,
    base_lr: float | None = None,
    label: str | None = None,
) -> Design:
    """Design a learning-rate schedule: build it, draw its curve, and give evidence-based advice.

    Parameters
    ----------
    schedule : one of ``SCHEDULE_TYPES``: "constant", "step", "exponential", "cosine", "linear",
        "polynomial", "inverse_sqrt", "wsd", "one_cycle", "cyclic", "sgdr".
    lr : the peak learning rate (one-cycle's ``max_lr``, the cyclical LR's ``max_lr``).
    total_steps : the number of optimizer updates in the run (the curve covers t = 0 … total_steps − 1).
    warmup_steps : linear warmup from 0 (None or 0: none). For one-cycle it sets ``pct_start =
        warmup_steps / total_steps``; ``inverse_sqrt`` uses it as its timescale. A warmup at or beyond
        ``total_steps`` is not an error: the curve shows the cut-off ramp and a warning says why.
    optimizer : "sgd", "adam" or "adamw" (the Adam rules use ``beta2``, default 0.999).
    batch_size, base_batch_size, base_lr : for the linear scaling rule: the new batch size, and the
        batch size and LR of a recipe that worked (SGD in vision defaults to Goyal et al.'s 0.1 per 256).
    task : "transformer" (pretraining), "vision", "finetune", "rl" or "other".
    finder : the result of ``lrcourse.finder.lr_range_test`` (duck-typed: ``recommended``, ``lrs``,
        ``suggestions``, ``diverged_at``), for the one-cycle and range-test rules.
    lr_min : the floor of cosine / linear / polynomial / WSD / SGDR (default 0), the cyclical LR's
        base_lr (default lr/4), or the target of an exponential decay at the last step (default lr/100).
    milestones, gamma : step decay (default milestones at 50% and 75% of the run, gamma 0.1; milestones
        count steps from the start of the run); exponential decay's per-step gamma.
    power : the polynomial decay's power (default 1). decay_steps, decay : WSD's cooldown length
        (default 20% of the run) and shape (default "1-sqrt"). cycle_steps : the cyclical LR's half
        cycle (default total_steps // 8). t_0, t_mult : SGDR's first cycle and growth (default: three
        cycles with t_mult = 2 that end with the run). pct_start : one-cycle's rising share.
    label : a name for plots and comparisons.

    Returns a :class:`Design`. Bad input raises ValueError/TypeError naming the parameter.
    """
    kind = _choice("schedule", schedule, SCHEDULE_TYPES)
    optimizer = _choice("optimizer", optimizer, OPTIMIZERS)
    task = _choice("task", task, TASKS)
    lr = _pos_real("lr", lr, what="a learning rate > 0, e.g. 1e-3")
    N = _int("total_steps", total_steps, 1, MAX_TOTAL_STEPS)
    W = 0 if warmup_steps is None else _int("warmup_steps", warmup_steps, 0)
    if isinstance(beta2, bool) or not isinstance(beta2, numbers.Real) or not 0 <= beta2 < 1:
        raise ValueError(f"beta2={beta2!r} is not valid; Adam's beta2 is in [0, 1), e.g. 0.999")
    if batch_size is not None:
        batch_size = _int("batch_size", batch_size, 1)
    if base_batch_size is not None:
        base_batch_size = _int("base_batch_size", base_batch_size, 1)
    if base_lr is not None:
        base_lr = _pos_real("base_lr", base_lr, what="the learning rate of the reference recipe, > 0")
    if (base_batch_size is not None or base_lr is not None) and batch_size is None:
        raise ValueError("base_batch_size/base_lr describe a reference recipe; give batch_size (the new batch) too")
    finder = _check_finder(finder)

    params = _resolve_params(
        kind, lr, N, W, lr_min=lr_min, milestones=milestones, gamma=gamma, power=power, decay_steps=decay_steps,
        decay=decay, cycle_steps=cycle_steps, t_0=t_0, t_mult=t_mult, pct_start=pct_start,
    )
    if W >= N and kind != "inverse_sqrt":
        # Not an error: show what such a run does (the ramp, cut off at the end) and warn.
        sched = S.with_warmup(S.constant(lr), W)
    else:
        sched = _build(kind, lr, N, W, params)
    lrs = sched(_steps(N))

    inputs = {
        "schedule": kind, "lr": lr, "total_steps": N, "warmup_steps": W, "optimizer": optimizer,
        "batch_size": batch_size, "task": task, "beta2": float(beta2), "base_batch_size": base_batch_size,
        "base_lr": base_lr, "finder": finder,
    }
    ctx = _Ctx(kind, lr, N, W, optimizer, task, batch_size, base_batch_size, base_lr, float(beta2), finder,
               params, lrs, float(lrs.max()))
    recs, warns = [], []
    for rule in RULES.values():
        advice = rule(ctx)
        if advice is not None:
            (warns if advice.kind == "warning" else recs).append(advice)
    return Design(kind, sched, lrs, recs, warns, inputs, params, label)


_STEPS_CACHE: dict = {}


def _steps(n: int) -> np.ndarray:
    """np.arange(n), kept for the last few n (the widget redraws the same length again and again)."""
    arr = _STEPS_CACHE.get(n)
    if arr is None:
        if len(_STEPS_CACHE) >= 4:
            _STEPS_CACHE.clear()
        arr = _STEPS_CACHE[n] = np.arange(n)
        arr.setflags(write=False)
    return arr


# --------------------------------------------------------------------------- plots


def _envelope(lrs: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with at most ~2·points vertices that keep every bin's min and max (spikes survive)."""
    n = lrs.size
    if n <= 2 * points:
        return np.arange(n, dtype=np.float64), lrs
    k = -(-n // points)  # steps per bin
    full = n // k  # whole bins; the last, shorter bin is handled apart (no padded copy of the curve)
    blocks = lrs[: full * k].reshape(full, k)
    lo, hi = blocks.min(axis=1), blocks.max(axis=1)
    first, last = blocks[:, 0], blocks[:, -1]
    if full * k < n:
        tail = lrs[full * k:]
        lo, hi = np.append(lo, tail.min()), np.append(hi, tail.max())
        first, last = np.append(first, tail[0]), np.append(last, tail[-1])
    points = lo.size
    starts = np.arange(points) * k
    # a rising bin draws min then max, a falling one max then min (exact for monotone bins)
    lo_first = first <= last
    y = np.empty(2 * points)
    y[0::2] = np.where(lo_first, lo, hi)
    y[1::2] = np.where(lo_first, hi, lo)
    x = np.empty(2 * points)
    x[0::2] = starts
    x[1::2] = np.minimum(starts + k - 1, n - 1)
    return x, y


def _use_fonts():
    try:
        from .plotting import use_course_fonts
    except ImportError:  # pragma: no cover - only while the plotting module is missing
        return
    use_course_fonts()


FIG_MARGINS = {"left": 0.1, "right": 0.98, "bottom": 0.14, "top": 0.91}
STYLES = ({"color": "#1f5f9e", "ls": "-"}, {"color": "#d9730d", "ls": "--"})


def plot_designs(designs: Sequence[Design], ax=None, *, log: bool = False, points: int = 1200):
    """Draw one or two designs (the second dashed) on ``ax`` (or a new Figure); returns the Figure."""
    _use_fonts()
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 3.6), dpi=100)
        fig.subplots_adjust(**FIG_MARGINS)  # fixed margins: constrained layout costs ~100 ms per redraw
        ax = fig.add_subplot()
    fig = ax.figure
    for i, d in enumerate(designs):
        x, y = _envelope(d.lrs, points)
        style = STYLES[i % len(STYLES)]
        tag = f"{'AB'[i]}: " if len(designs) > 1 else ""
        extra = f" (lr={d.inputs['lr']:.2g}, warmup={d.inputs['warmup_steps']})" if len(designs) > 1 else ""
        ax.plot(x, y, lw=1.8, label=f"{tag}{d.name()}{extra}", **style)
        w = d.inputs["warmup_steps"]
        if w:
            ax.axvspan(0, min(w, d.total_steps - 1), color=style["color"], alpha=0.08)
            if i == 0:
                ax.text(0.005, 0.02, " " + i18n.t("designer.plot.warmup"), ha="left",
                        va="bottom", fontsize=8, color=style["color"], transform=ax.transAxes)
    if log:
        ax.set_yscale("log")
        peak = max(float(d.lrs.max()) for d in designs)
        positive = [float(d.lrs[d.lrs > 0].min()) for d in designs if np.any(d.lrs > 0)]
        low = max(min(positive, default=peak), peak * 1e-6)  # at most six decades: the shape, not 1e-230
        ax.set_ylim(low / 2, peak * 2)
    else:
        ax.set_ylim(bottom=0)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3), useMathText=True)
    ax.set_xlim(0, max(max(d.total_steps - 1, 1) for d in designs))
    ax.xaxis.set_major_formatter(_step_formatter())
    ax.set_xlabel(i18n.t("designer.plot.x"))
    ax.set_ylabel(i18n.t("designer.plot.y"))
    title = (i18n.t("designer.plot.compare") if len(designs) > 1
             else i18n.t("designer.plot.title", name=designs[0].name()))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(designs) > 1:  # one design: the title names it (a legend costs ~10 ms per redraw)
        ax.legend(loc="lower left", bbox_to_anchor=(0.05, 0.1), fontsize=9, framealpha=0.9)  # not "best": slow
    return fig


def _step_formatter():
    from matplotlib.ticker import FuncFormatter

    def fmt(v, _pos):
        v = abs(v) if abs(v) < 0.5 else v
        for unit, div in (("M", 1e6), ("k", 1e3)):
            if abs(v) >= div:
                return f"{v / div:g}{unit}"
        return f"{v:g}"

    return FuncFormatter(fmt)


def compare(a: Design, b: Design, *, log: bool = False):
    """Overlay two designs (B dashed); returns the matplotlib Figure."""
    return plot_designs([a, b], log=log)


def figure_png(fig, dpi: int = 100) -> bytes:
    """The Figure as PNG bytes (Agg; no pyplot, so nothing is displayed twice in a notebook)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    # compress_level=1: a few times faster to encode than the default, for a slightly larger file
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


# --------------------------------------------------------------------------- command line


class _FinderNumbers:
    """A finder result given on the command line as numbers (duck-typed like lrcourse.finder's)."""

    def __init__(self, recommended, diverged_at=None, lrs=None):
        self.recommended = recommended
        self.diverged_at = diverged_at
        self.lrs = np.asarray(lrs if lrs is not None else [], dtype=float)
        self.suggestions = {"recommended": recommended}


def add_cli(subparsers) -> None:
    """``lrcourse design``: print the recommendations and warnings, write a PNG of the curve."""
    p = subparsers.add_parser(
        "design",
        help="design a schedule: curve, recommendations and warnings",
        description="Design a learning-rate schedule: print the recommendations and warnings "
        "(in the language of --lang) and write a PNG of the LR curve.",
    )
    p.add_argument("--schedule", "-s", default="cosine", choices=SCHEDULE_TYPES)
    p.add_argument("--lr", type=float, default=1e-3, help="peak LR (default 1e-3)")
    p.add_argument("--total-steps", "-n", type=int, default=10_000, help="optimizer updates in the run")
    p.add_argument("--warmup", type=int, default=0, help="warmup steps (default 0)")
    p.add_argument("--optimizer", default="adamw", choices=OPTIMIZERS)
    p.add_argument("--task", default="other", choices=TASKS)
    p.add_argument("--lr-min", type=float, help="floor LR (cosine, linear, ...), or the cyclical base_lr")
    p.add_argument("--milestones", type=int, nargs="+", help="step decay: steps where the LR drops")
    p.add_argument("--gamma", type=float, help="step decay factor, or exponential per-step factor")
    p.add_argument("--power", type=float, help="polynomial power")
    p.add_argument("--decay-steps", type=int, help="WSD cooldown steps")
    p.add_argument("--decay", choices=("linear", "cosine", "1-sqrt"), help="WSD cooldown shape")
    p.add_argument("--cycle-steps", type=int, help="cyclical LR: steps per half cycle")
    p.add_argument("--t0", type=int, help="SGDR: length of the first cycle")
    p.add_argument("--t-mult", type=int, help="SGDR: cycle growth")
    p.add_argument("--beta2", type=float, default=0.999, help="Adam's beta2 (default 0.999)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--base-batch-size", type=int, help="batch size of a recipe that worked")
    p.add_argument("--base-lr", type=float, help="LR of a recipe that worked")
    p.add_argument("--finder-lr", type=float, help="the LR range test's recommended LR")
    p.add_argument("--finder-diverged-at", type=float, help="the LR at which the range test diverged")
    p.add_argument("--finder-range", type=float, nargs=2, metavar=("LO", "HI"), help="LRs the range test tried")
    p.add_argument("--out", "-o", default="lr_design.png", help="PNG of the curve (default lr_design.png)")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    p.add_argument("--log", action="store_true", help="log-scale LR axis")
    p.add_argument("--export", choices=EXPORT_TARGETS, help="also print code that reproduces the schedule")
    p.add_argument("--brief", action="store_true", help="messages only, without reasons and sources")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when there are warnings")
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    import sys

    finder = None
    if args.finder_lr is not None:
        finder = _FinderNumbers(args.finder_lr, args.finder_diverged_at, args.finder_range)
    elif args.finder_diverged_at is not None or args.finder_range is not None:
        print("error: --finder-diverged-at/--finder-range need --finder-lr", file=sys.stderr)
        return 2
    try:
        d = design(
            args.schedule, args.lr, args.total_steps, args.warmup, args.optimizer, args.batch_size, args.task,
            finder, lr_min=args.lr_min, milestones=args.milestones, gamma=args.gamma, power=args.power,
            decay_steps=args.decay_steps, decay=args.decay, cycle_steps=args.cycle_steps, t_0=args.t0,
            t_mult=args.t_mult, beta2=args.beta2, base_batch_size=args.base_batch_size, base_lr=args.base_lr,
        )
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(d.report(details=not args.brief))
    if args.export:
        print()
        print(f"# {i18n.t('designer.cli.code', target=args.export)}")
        print(d.to_code(args.export))
    if not args.no_plot:
        fig = d.plot(log=args.log)
        fig.savefig(args.out, dpi=120)
        print(i18n.t("designer.cli.written", path=args.out))
    return 1 if (args.strict and d.warnings) else 0


# --------------------------------------------------------------------------- export as code
#
# Each exporter returns a self-contained snippet that expects a `model` (an nn.Module) and defines
# `optimizer` and `scheduler`; the training loop calls `optimizer.step(); scheduler.step()` once per
# update. tests/test_designer.py executes the lrcourse and PyTorch snippets with real torch and the
# Hugging Face snippet against a stand-in of transformers' documented formulas, and compares curves.

_LOOP = "# per batch: loss.backward(); optimizer.step(); scheduler.step(); optimizer.zero_grad()"


def _num(v) -> str:
    if isinstance(v, float):
        return repr(float(v))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_num(x) for x in v) + "]"
    return repr(v)


def _optimizer_code(d: Design) -> str:
    lr = _num(d.inputs["lr"])
    opt = d.inputs["optimizer"]
    if opt == "sgd":
        return f"optimizer = torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)"
    cls = {"adam": "Adam", "adamw": "AdamW"}[opt]
    betas = f", betas=(0.9, {_num(d.inputs['beta2'])})" if d.inputs["beta2"] != 0.999 else ""
    return f"optimizer = torch.optim.{cls}(model.parameters(), lr={lr}{betas})"


def _schedule_expr(s: S.Schedule) -> str:
    args = []
    for k, v in s.params.items():
        args.append(f"{k}={_schedule_expr(v) if isinstance(v, S.Schedule) else _num(v)}")
    return f"S.{s.name}({', '.join(args)})"


def _code_lrcourse(d: Design) -> str:
    return "\n".join(
        [
            "import torch",
            "from lrcourse import schedules as S",
            "",
            f"schedule = {_schedule_expr(d.schedule)}",
            _optimizer_code(d),
            "scheduler = S.attach(optimizer, schedule)  # a torch LRScheduler: LR of update t = schedule(t)",
            _LOOP,
        ]
    )


def _lambda_body(s: S.Schedule, lr: float, indent: str = "    ") -> list[str]:
    """Python statements computing the multiplier of `lr` at `step` (a LambdaLR lr_lambda body)."""
    p, n = s.params, s.name
    if n == "with_warmup":
        w, start = p["warmup_steps"], p["start_lr"]
        target = p["schedule"](0)
        if start == 0 and target == lr:
            ramp = f"step / {w}"
        else:  # the warmup ends at schedule(0), e.g. a cyclical LR's base_lr
            ramp = f"({_num(start)} + ({_num(target)} - {_num(start)}) * (step / {w})) / {_num(lr)}"
        return [f"if step < {w}:", f"    return {ramp}  # linear warmup", f"step = step - {w}  # the decay's clock starts after the warmup"] + _lambda_body(p["schedule"], lr, indent)
    if n == "constant":
        return ["return 1.0"]
    if n == "multistep":
        return [f"return {_num(p['gamma'])} ** sum(step >= m for m in {_num(p['milestones'])})"]
    if n == "exponential":
        return [f"return {_num(p['gamma'])} ** step"]
    if n == "polynomial":
        m = p["lr_min"] / lr
        T = p["total_steps"]
        return [f"floor = {_num(m)}  # lr_min / lr", f"return floor + (1.0 - floor) * (1.0 - min(step, {T}) / {T}) ** {_num(p['power'])}"]
    if n == "cosine":
        m, T = p["lr_min"] / lr, p["total_steps"]
        return [f"floor = {_num(m)}  # lr_min / lr", f"return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(step, {T}) / {T}))"]
    if n == "warmup_cosine":
        w, T, m = p["warmup_steps"], p["total_steps"], p["lr_min"] / lr
        span = max(1, T - w)
        return [
            f"if step < {w}:",
            f"    return step / {max(1, w)}  # linear warmup from 0 (the first update uses LR 0)",
            f"progress = min(step - {w}, {span}) / {span}",
            f"floor = {_num(m)}  # lr_min / lr",
            "return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))",
        ]
    if n == "warmup_linear":
        w, T = p["warmup_steps"], p["total_steps"]
        return [
            f"if step < {w}:",
            f"    return step / {max(1, w)}  # linear warmup from 0",
            f"return max(0.0, ({T} - step) / {max(1, T - w)})",
        ]
    if n == "inverse_sqrt":
        w, ts = p["warmup_steps"], p["timescale"]
        return [
            f"if step < {w}:",
            f"    return step / {max(1, w)}  # linear warmup from 0",
            f"return 1.0 / math.sqrt(max(step + {ts - w}, 1) / {ts})",
        ]
    if n == "wsd":
        w, st, dd, m = p["warmup_steps"], p["stable_steps"], p["decay_steps"], p["lr_min"] / lr
        shape = {
            "linear": "1.0 - progress",
            "cosine": "0.5 * (1.0 + math.cos(math.pi * progress))",
            "1-sqrt": "1.0 - math.sqrt(progress)",
        }[p["decay"]]
        return [
            f"floor = {_num(m)}  # lr_min / lr",
            f"if step < {w}:",
            f"    return max(0.0, step / {max(1, w)} * (1.0 - floor) + floor)  # warmup from lr_min",
            f"if step < {w + st}:",
            "    return 1.0  # stable",
            f"if step < {w + st + dd}:",
            f"    progress = (step - {w + st}) / {max(1, dd)}",
            f"    return max(0.0, ({shape}) * (1.0 - floor) + floor)  # decay ({p['decay']})",
            "return floor",
        ]
    if n == "sgdr":
        t0, tm, m = p["t_0"], p["t_mult"], p["lr_min"] / lr
        return [
            f"cycle = {t0}  # SGDR: find the position in the current cycle",
            "while step >= cycle:",
            "    step -= cycle",
            f"    cycle *= {tm}",
            f"floor = {_num(m)}  # lr_min / lr",
            "return floor + (1.0 - floor) * (1 + math.cos(math.pi * step / cycle)) / 2",
        ]
    if n == "cyclic":
        up = float(p["step_size_up"])
        down = float(p["step_size_down"]) if p["step_size_down"] is not None else up
        scale = {"triangular": "1.0", "triangular2": "1 / (2.0 ** (cycle - 1))",
                 "exp_range": f"{_num(p['gamma'])} ** step"}[p["mode"]]
        return [
            f"cycle = math.floor(1 + step / {_num(up + down)})  # as PyTorch's CyclicLR",
            f"x = 1.0 + step / {_num(up + down)} - cycle",
            f"ratio = {_num(up / (up + down))}",
            "scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)",
            f"return ({_num(p['base_lr'])} + ({_num(p['max_lr'])} - {_num(p['base_lr'])}) * scale * {scale}) / {_num(lr)}",
        ]
    raise NotImplementedError(f"no LambdaLR form for {n}")  # pragma: no cover


def _native_pytorch(d: Design) -> tuple[str, str] | None:
    """(import name, constructor call) of a built-in PyTorch scheduler equal to the schedule, or None."""
    s, lr = d.schedule, d.inputs["lr"]
    p, n = s.params, s.name
    if n == "multistep":
        return "MultiStepLR", f"MultiStepLR(optimizer, milestones={_num(p['milestones'])}, gamma={_num(p['gamma'])})"
    if n == "exponential":
        return "ExponentialLR", f"ExponentialLR(optimizer, gamma={_num(p['gamma'])})"
    if n == "cosine":
        return "CosineAnnealingLR", f"CosineAnnealingLR(optimizer, T_max={p['total_steps']}, eta_min={_num(p['lr_min'])})"
    if n == "polynomial" and p["lr_min"] == 0:
        return "PolynomialLR", f"PolynomialLR(optimizer, total_iters={p['total_steps']}, power={_num(p['power'])})"
    if n == "polynomial" and p["power"] == 1.0:
        return "LinearLR", (f"LinearLR(optimizer, start_factor=1.0, end_factor={_num(p['lr_min'] / lr)}, "
                            f"total_iters={p['total_steps']})")
    if n == "one_cycle":
        return "OneCycleLR", (
            f"OneCycleLR(optimizer, max_lr={_num(p['max_lr'])}, total_steps={p['total_steps']}, "
            f"pct_start={_num(p['pct_start'])}, anneal_strategy={p['anneal']!r}, div_factor={_num(p['div_factor'])}, "
            f"final_div_factor={_num(p['final_div_factor'])}, three_phase={p['three_phase']})"
            "\n# OneCycleLR also cycles momentum (Adam: beta1) 0.95 -> 0.85 -> 0.95 as in Smith's policy;"
            "\n# it raises if stepped more than total_steps times."
        )
    if n == "cyclic":
        return "CyclicLR", (
            f"CyclicLR(optimizer, base_lr={_num(p['base_lr'])}, max_lr={_num(p['max_lr'])}, "
            f"step_size_up={p['step_size_up']}, step_size_down={_num(p['step_size_down'])}, mode={p['mode']!r}, "
            f"gamma={_num(p['gamma'])}, cycle_momentum=False)"
            "\n# cycle_momentum=False: schedule only the LR (True would also cycle momentum / Adam's beta1)."
        )
    if n == "sgdr":
        return "CosineAnnealingWarmRestarts", (
            f"CosineAnnealingWarmRestarts(optimizer, T_0={p['t_0']}, T_mult={p['t_mult']}, eta_min={_num(p['lr_min'])})"
        )
    return None


def _code_pytorch(d: Design) -> str:
    native = _native_pytorch(d)
    head = ["import torch"]
    if native is not None:
        cls, call = native
        return "\n".join(head + [f"from torch.optim.lr_scheduler import {cls}", "", _optimizer_code(d),
                                 f"scheduler = {call}", _LOOP])
    body = _lambda_body(d.schedule, d.inputs["lr"])
    uses_math = any("math." in line for line in body)
    lines = (["import math"] if uses_math else []) + head + ["from torch.optim.lr_scheduler import LambdaLR", "",
                                                            _optimizer_code(d), "", "", "def lr_lambda(step):"]
    lines.append(f'    """Multiplier of the optimizer\'s lr at update `step` (0 = the first update): {d.schedule!r}."""')
    lines += [f"    {line}" for line in body]
    lines += ["", "", "scheduler = LambdaLR(optimizer, lr_lambda)", _LOOP]
    return "\n".join(lines)


def _hf_call(d: Design) -> tuple[str, str, str] | None:
    """(function, call, TrainingArguments hint) of a transformers schedule equal to the design, or None."""
    s, lr = d.schedule, d.inputs["lr"]
    p, n = s.params, s.name
    N, W = d.total_steps, d.inputs["warmup_steps"]
    ta = f"learning_rate={_num(lr)}, max_steps={N}, warmup_steps={W}"
    if n in ("cosine", "warmup_cosine"):
        if p["lr_min"] == 0:
            fn = "get_cosine_schedule_with_warmup"
            return fn, f"{fn}(optimizer, num_warmup_steps={W}, num_training_steps={N})", \
                f'TrainingArguments(..., {ta}, lr_scheduler_type="cosine")'
        fn = "get_cosine_with_min_lr_schedule_with_warmup"
        return fn, f"{fn}(optimizer, num_warmup_steps={W}, num_training_steps={N}, min_lr={_num(p['lr_min'])})", \
            f'TrainingArguments(..., {ta}, lr_scheduler_type="cosine_with_min_lr", lr_scheduler_kwargs={{"min_lr": {_num(p["lr_min"])}}})'
    if n == "warmup_linear" or (n == "polynomial" and p["lr_min"] == 0 and p["power"] == 1.0):
        fn = "get_linear_schedule_with_warmup"
        return fn, f"{fn}(optimizer, num_warmup_steps={W}, num_training_steps={N})", \
            f'TrainingArguments(..., {ta}, lr_scheduler_type="linear")'
    inner = p["schedule"] if n == "with_warmup" else s
    if inner.name == "polynomial" and (n == "polynomial" or p["start_lr"] == 0):
        q = inner.params
        fn = "get_polynomial_decay_schedule_with_warmup"
        kw = f"lr_end={_num(q['lr_min'])}, power={_num(q['power'])}"
        return fn, f"{fn}(optimizer, num_warmup_steps={W}, num_training_steps={N}, {kw})", \
            f'TrainingArguments(..., {ta}, lr_scheduler_type="polynomial", lr_scheduler_kwargs={{"lr_end": {_num(q["lr_min"])}, "power": {_num(q["power"])}}})'
    if n == "constant":
        fn = "get_constant_schedule"
        return fn, f"{fn}(optimizer)", f'TrainingArguments(..., learning_rate={_num(lr)}, max_steps={N}, lr_scheduler_type="constant")'
    if n == "with_warmup" and inner.name == "constant" and p["start_lr"] == 0:
        fn = "get_constant_schedule_with_warmup"
        return fn, f"{fn}(optimizer, num_warmup_steps={W})", f'TrainingArguments(..., {ta}, lr_scheduler_type="constant_with_warmup")'
    if n == "inverse_sqrt":
        fn = "get_inverse_sqrt_schedule"
        ts = "" if p["timescale"] == (W or 10_000) else f", timescale={p['timescale']}"
        return fn, f"{fn}(optimizer, num_warmup_steps={W}{ts})", f'TrainingArguments(..., {ta}, lr_scheduler_type="inverse_sqrt")'
    if n == "wsd":
        fn = "get_wsd_schedule"
        m = p["lr_min"] / lr
        call = (f"{fn}(optimizer, num_warmup_steps={p['warmup_steps']}, num_decay_steps={p['decay_steps']}, "
                f"num_stable_steps={p['stable_steps']}, warmup_type=\"linear\", decay_type={p['decay']!r}, "
                f"min_lr_ratio={_num(m)})")
        hint = (f'TrainingArguments(..., {ta}, lr_scheduler_type="warmup_stable_decay", lr_scheduler_kwargs='
                f'{{"num_decay_steps": {p["decay_steps"]}, "decay_type": {p["decay"]!r}, "min_lr_ratio": {_num(m)}}})')
        return fn, call, hint
    return None


def _code_hf(d: Design) -> str:
    hf = _hf_call(d)
    if hf is None:
        note = i18n.t("designer.export.no_hf", kind=d.schedule.name)
        return "\n".join(
            [f"# {note}", _code_pytorch(d).replace(_LOOP, ""),
             "# from transformers import Trainer",
             "# trainer = Trainer(model=model, args=args, train_dataset=train_dataset, optimizers=(optimizer, scheduler))"]
        ).replace("\n\n# from transformers", "\n# from transformers")
    fn, call, hint = hf
    return "\n".join(
        [
            "import torch",
            f"from transformers import {fn}",
            "",
            _optimizer_code(d),
            f"scheduler = {call}",
            _LOOP,
            f"# With the Trainer instead: {hint}",
        ]
    )
