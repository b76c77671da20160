"""The checks of the assignment (five schedules, their plot, the MLP training loop).

The same functions back the learner's self-check cells and the instructor's nbgrader test
cells::

    from lrcourse.checks import check_step_decay
    check_step_decay(step_decay)

A right answer returns normally (and prints one line saying what was checked). A wrong one
raises ``AssertionError`` with a message in the current language (``lrcourse.set_language``)
that says what is wrong and where: the call, the value expected and the value returned, and,
for the usual mistakes, the mistake by name ("float division instead of floor", "cosine not
shifted after warmup", ...). An exception inside the learner's function, a missing ``return``,
a wrong signature or an infinite loop are reported the same way: the checker itself never
crashes.

How a mistake is named: every function is called at a fixed list of cases (defaults,
boundaries, other parameter values, small and large horizons; ``seed=`` adds random cases, as
the hidden tests do). The values are compared with the assignment's closed-form formula, and,
when they differ, with the same formula carrying each known mistake. A mistaken formula that
reproduces every value the learner returned is reported as the likely mistake.

The functions are called positionally with Python ints for ``t``, so any parameter names and
any reasonable style pass: scalar code (``math.cos``, ``if t < warmup:``), NumPy (``np.where``,
0-d arrays), loops, float32 results, ``<=`` at the warmup boundary.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import math
import signal
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import i18n

__all__ = [
    "check_constant_lr",
    "check_step_decay",
    "check_exponential_decay",
    "check_cosine_lr",
    "check_warmup_cosine",
    "check_plot",
    "check_train_mlp",
    "check_histories",
    "plot_text",
    "reference",
    "PLOT_T",
    "PLOT_ARGS",
    "MLP_STEPS",
    "MLP_ARGS",
    "ACCURACY_FLOOR",
    "SCHEDULE_KEYS",
]

# ---------------------------------------------------------------------------------------------
# The assignment's settings (the notebook imports these, so there is one source of truth)
# ---------------------------------------------------------------------------------------------

#: The five schedules, in the order of the assignment; keys of ``curves`` and ``histories``.
SCHEDULE_KEYS = ("constant", "step", "exponential", "cosine", "warmup_cosine")

#: The plot part: every schedule evaluated at t = 0, 1, ..., PLOT_T.
PLOT_T = 10_000
#: Positional arguments after ``t`` for the plot part (T = 10,000 steps).
PLOT_ARGS = {
    "constant": (1e-3,),
    "step": (1e-3, 0.5, 2_500),
    "exponential": (1e-3, 0.9995),
    "cosine": (10_000, 1e-3, 1e-5),
    "warmup_cosine": (1_000, 10_000, 1e-3, 1e-5),
}

#: The MLP part: optimizer updates per run (batch 64, about 28 passes over the digits).
MLP_STEPS = 600
#: Positional arguments after ``t`` for the MLP part (SGD with momentum 0.9, peak LR 0.1).
MLP_ARGS = {
    "constant": (0.1,),
    "step": (0.1, 0.1, 200),
    "exponential": (0.1, 0.995),
    "cosine": (600, 0.1, 1e-3),
    "warmup_cosine": (60, 600, 0.1, 1e-3),
}
#: Test accuracy every schedule of the MLP part reaches with a correct training loop
#: (measured: 96.5-98% over seeds 0-2 for all five).
ACCURACY_FLOOR = 0.90

#: Wall-clock limit for all the calls of one schedule check (a correct function needs milliseconds).
TIME_LIMIT_S = 5.0

# ---------------------------------------------------------------------------------------------
# Messages (English and Bengali)
# ---------------------------------------------------------------------------------------------

i18n.register(
    {
        # -- general ----------------------------------------------------------------------------
        "checks.pass": {
            "en": "✓ {name}: all {n} test calls agree with the formula (defaults, boundaries, other parameter values).",
            "bn": "✓ {name}: {n}টি পরীক্ষা-কলের সবকটি সূত্রের সঙ্গে মিলেছে (ডিফল্ট মান, সীমানার ধাপ, অন্য প্যারামিটার মান সহ)।",
        },
        "checks.not_callable": {
            "en": "{check} needs the function itself: write {check}({name}), without parentheses after {name}. It got {got}.",
            "bn": "{check}-কে ফাংশনটি নিজেই দিতে হবে: লিখুন {check}({name}), {name}-এর পরে বন্ধনী ছাড়া। এখানে পেয়েছে {got}।",
        },
        "checks.signature": {
            "en": "{name} must accept {count} positional parameters ({params}), because the checks call it "
            "positionally; yours is {name}{signature}.",
            "bn": "{name}-কে {count}টি অবস্থানভিত্তিক (positional) প্যারামিটার ({params}) নিতে হবে, কারণ চেকগুলো "
            "ফাংশনটিকে ক্রম অনুযায়ী ডাকে; আপনারটি হলো {name}{signature}।",
        },
        "checks.signature.lesson": {
            "en": "(The lesson's warmup_cosine had no lr_min; the assignment's takes lr_min as its fifth "
            "parameter and passes it on to cosine_lr.)",
            "bn": "(পাঠের warmup_cosine-এ lr_min ছিল না; অ্যাসাইনমেন্টের warmup_cosine পঞ্চম প্যারামিটার হিসেবে "
            "lr_min নেয় এবং সেটি cosine_lr-কে পাঠিয়ে দেয়।)",
        },
        "checks.not_implemented": {
            "en": "✗ {name} is not written yet: it still raises NotImplementedError. Replace "
            "`raise NotImplementedError()` with your code, run that cell, then run this check again.",
            "bn": "✗ {name} এখনো লেখা হয়নি: এটি এখনো NotImplementedError তোলে। `raise NotImplementedError()` "
            "লাইনটি আপনার কোড দিয়ে বদলান, সেই সেলটি চালান, তারপর এই চেকটি আবার চালান।",
        },
        "checks.raised": {
            "en": "✗ {call} raised {error}\n  in your code: {where}\nThe checker caught the error; fix the function, "
            "run its cell, then run this check again.",
            "bn": "✗ {call} ডাকলে ত্রুটি (exception) ঘটে: {error}\n  আপনার কোডে: {where}\nচেকার ত্রুটিটি ধরে ফেলেছে; "
            "ফাংশনটি ঠিক করুন, তার সেল চালান, তারপর এই চেকটি আবার চালান।",
        },
        "checks.where": {
            "en": "line {line} of {file}: {code}",
            "bn": "{file}-এর {line} নম্বর লাইন: {code}",
        },
        "checks.returned_none": {
            "en": "✗ {call} returned None: a missing `return`? (Or a branch of an `if` that does not reach it.) "
            "Return the learning rate as a number.",
            "bn": "✗ {call} ফেরত দিয়েছে None: `return` লিখতে ভুলে গেছেন? (অথবা `if`-এর কোনো শাখা `return` পর্যন্ত "
            "পৌঁছায় না।) শেখার হার (learning rate) একটি সংখ্যা হিসেবে ফেরত দিন।",
        },
        "checks.not_a_number": {
            "en": "✗ {call} returned {got} (type {type}); return one number, the learning rate of step t.",
            "bn": "✗ {call} ফেরত দিয়েছে {got} (টাইপ {type}); একটিমাত্র সংখ্যা ফেরত দিন: ধাপ t-এর শেখার হার।",
        },
        "checks.not_finite": {
            "en": "✗ {call} returned {got}; a learning rate must be a finite number (a division by zero? an overflow?).",
            "bn": "✗ {call} ফেরত দিয়েছে {got}; শেখার হার একটি সসীম সংখ্যা হতে হবে (শূন্য দিয়ে ভাগ? ওভারফ্লো?)।",
        },
        "checks.timeout": {
            "en": "✗ {call} did not return within {seconds:g} s: an infinite loop (a `while` whose condition never "
            "becomes false)?",
            "bn": "✗ {call} {seconds:g} সেকেন্ডের মধ্যে ফেরত আসেনি: কোথাও অসীম লুপ (infinite loop) আছে কি? (এমন "
            "`while`, যার শর্ত কখনো মিথ্যা হয় না।)",
        },
        "checks.wrong.head": {
            "en": "✗ {name}: {bad} of {total} test calls give a wrong value.",
            "bn": "✗ {name}: {total}টি পরীক্ষা-কলের মধ্যে {bad}টিতে মান ভুল।",
        },
        "checks.wrong.example": {
            "en": "  At {call} you return {got}, expected {expected}.",
            "bn": "  {call}-এ আপনি ফেরত দেন {got}, প্রত্যাশিত {expected}।",
        },
        "checks.wrong.more": {
            "en": "  Also: {examples}",
            "bn": "  আরও: {examples}",
        },
        "checks.wrong.pair": {
            "en": "{call} -> {got} (expected {expected})",
            "bn": "{call} -> {got} (প্রত্যাশিত {expected})",
        },
        "checks.likely": {
            "en": "Likely mistake: {mistake}",
            "bn": "সম্ভাব্য ভুল: {mistake}",
        },
        "checks.possible": {
            "en": "Possible cause (it explains {matched} of the {bad} wrong values): {mistake}",
            "bn": "সম্ভাব্য কারণ (ভুল {bad}টি মানের মধ্যে {matched}টি এটি ব্যাখ্যা করে): {mistake}",
        },
        "checks.no_diagnosis": {
            "en": "None of the usual mistakes explains these values; compare your code with the formula term by "
            "term at the call above: {formula}",
            "bn": "পরিচিত ভুলগুলোর কোনোটি দিয়ে এই মানগুলো ব্যাখ্যা করা যায় না; ওপরের কলটিতে আপনার কোড সূত্রের সঙ্গে "
            "পদ ধরে ধরে মিলিয়ে দেখুন: {formula}",
        },
        # -- the usual mistakes -----------------------------------------------------------------
        "checks.m.float_division": {
            "en": "float division instead of floor: you compute gamma ** (t / k), but the LR must stay flat for k "
            "steps and then drop at once, so the exponent is ⌊t/k⌋, i.e. t // k.",
            "bn": "ফ্লোর ভাগের বদলে সাধারণ ভাগ (float division): আপনি হিসাব করছেন gamma ** (t / k), কিন্তু শেখার হার "
            "k ধাপ ধরে একই থাকবে, তারপর এক ধাক্কায় নামবে; তাই ঘাত হবে ⌊t/k⌋, অর্থাৎ t // k।",
        },
        "checks.m.rounding": {
            "en": "rounding instead of floor: round(t / k) or ceil(t / k) drops the LR too early; the exponent is "
            "⌊t/k⌋, i.e. t // k.",
            "bn": "ফ্লোরের বদলে রাউন্ডিং: round(t / k) বা ceil(t / k) শেখার হার আগেভাগেই নামিয়ে দেয়; ঘাত হবে ⌊t/k⌋, "
            "অর্থাৎ t // k।",
        },
        "checks.m.t_plus_one": {
            "en": "off-by-one in the step counter: you return the LR of step t + 1. Step t = 0 is the first update "
            "and gets the initial LR; count from 0.",
            "bn": "ধাপ গণনায় এক-এর ভুল (off-by-one): আপনি ধাপ t + 1-এর শেখার হার ফেরত দিচ্ছেন। t = 0 হলো প্রথম "
            "আপডেট, আর সেটি শুরুর শেখার হার পায়; গণনা শুরু করুন 0 থেকে।",
        },
        "checks.m.t_minus_one": {
            "en": "off-by-one in the step counter: you return the LR of step t − 1. Step t = 0 is the first update "
            "and gets the initial LR; count from 0.",
            "bn": "ধাপ গণনায় এক-এর ভুল (off-by-one): আপনি ধাপ t − 1-এর শেখার হার ফেরত দিচ্ছেন। t = 0 হলো প্রথম "
            "আপডেট, আর সেটি শুরুর শেখার হার পায়; গণনা শুরু করুন 0 থেকে।",
        },
        "checks.m.extra_decay": {
            "en": "off-by-one in the step counter: the first drop already happens at t = 0 (gamma ** (t // k + 1)); "
            "the LR must start at lr0 and drop first at t = k.",
            "bn": "ধাপ গণনায় এক-এর ভুল (off-by-one): প্রথম পতনটি t = 0-তেই ঘটছে (gamma ** (t // k + 1)); শেখার হার "
            "শুরু হবে lr0 থেকে, প্রথম নামবে t = k-তে।",
        },
        "checks.m.horizon_off_by_one": {
            "en": "off-by-one in the period: you use T − 1 or T + 1 where the formula has T; the cosine must reach "
            "lr_min exactly at t = T.",
            "bn": "পর্যায়ে এক-এর ভুল (off-by-one): সূত্রে যেখানে T, সেখানে আপনি T − 1 বা T + 1 ব্যবহার করছেন; কোসাইনকে "
            "ঠিক t = T-তে lr_min-এ পৌঁছাতে হবে।",
        },
        "checks.m.exp_e": {
            "en": "e^(…) instead of gamma^t: exponential decay here is lr0 · gamma^t (gamma ** t), not "
            "lr0 · exp(−gamma · t) nor lr0 · exp(−(1 − gamma) · t).",
            "bn": "gamma^t-এর বদলে e^(…): এখানে সূচকীয় হ্রাস (exponential decay) হলো lr0 · gamma^t (gamma ** t); "
            "lr0 · exp(−gamma · t) বা lr0 · exp(−(1 − gamma) · t) নয়।",
        },
        "checks.m.missing_lr_min": {
            "en": "missing lr_min: your cosine goes down to 0 instead of lr_min. The formula is "
            "lr_min + ½(lr_max − lr_min)(1 + cos(πt/T)).",
            "bn": "lr_min বাদ পড়েছে: আপনার কোসাইন lr_min-এ না থেমে 0 পর্যন্ত নামে। সূত্রটি হলো "
            "lr_min + ½(lr_max − lr_min)(1 + cos(πt/T))।",
        },
        "checks.m.lr_min_amplitude": {
            "en": "missing lr_min in the amplitude: lr_min is added but not subtracted from lr_max, so the LR starts "
            "at lr_max + lr_min. Use ½(lr_max − lr_min)(1 + cos(πt/T)).",
            "bn": "বিস্তারে (amplitude) lr_min বাদ পড়েছে: lr_min যোগ করা হয়েছে কিন্তু lr_max থেকে বিয়োগ করা হয়নি, তাই "
            "শেখার হার শুরু হয় lr_max + lr_min থেকে। লিখুন ½(lr_max − lr_min)(1 + cos(πt/T))।",
        },
        "checks.m.period_full": {
            "en": "wrong cosine period: cos(2πt/T) is a full wave, so the LR climbs back to lr_max at t = T. Use "
            "cos(πt/T): half a wave, from lr_max at t = 0 down to lr_min at t = T.",
            "bn": "কোসাইনের পর্যায় ভুল: cos(2πt/T) একটি পূর্ণ তরঙ্গ, তাই t = T-তে শেখার হার আবার lr_max-এ উঠে যায়। "
            "লিখুন cos(πt/T): অর্ধেক তরঙ্গ, t = 0-তে lr_max থেকে t = T-তে lr_min পর্যন্ত।",
        },
        "checks.m.period_quarter": {
            "en": "wrong cosine period: with cos(πt/(2T)) the LR is only half way down at t = T. Use cos(πt/T).",
            "bn": "কোসাইনের পর্যায় ভুল: cos(πt/(2T)) নিলে t = T-তে শেখার হার মাত্র অর্ধেক পথ নামে। লিখুন cos(πt/T)।",
        },
        "checks.m.missing_pi": {
            "en": "wrong cosine period: π is missing, cos(t/T) instead of cos(πt/T).",
            "bn": "কোসাইনের পর্যায় ভুল: π বাদ পড়েছে, cos(πt/T)-এর বদলে cos(t/T)।",
        },
        "checks.m.rising": {
            "en": "the curve runs the wrong way: (1 − cos) instead of (1 + cos), so the LR rises from lr_min to lr_max.",
            "bn": "বক্ররেখা উল্টো দিকে চলছে: (1 + cos)-এর বদলে (1 − cos), তাই শেখার হার lr_min থেকে lr_max-এ ওঠে।",
        },
        "checks.m.not_shifted": {
            "en": "cosine not shifted after warmup: after the warmup you use t instead of t − warmup, so the cosine "
            "has already fallen when the warmup ends and the LR jumps. Call cosine_lr(t − warmup, T − warmup, "
            "lr_max, lr_min).",
            "bn": "ওয়ার্মআপের পরে কোসাইন সরানো (shift) হয়নি: ওয়ার্মআপের পরে আপনি t − warmup-এর বদলে t নিচ্ছেন, তাই "
            "ওয়ার্মআপ শেষ হওয়ার মুহূর্তেই কোসাইন অনেকটা নেমে গেছে এবং শেখার হার হঠাৎ লাফিয়ে নামে। ডাকুন "
            "cosine_lr(t − warmup, T − warmup, lr_max, lr_min)।",
        },
        "checks.m.stretched": {
            "en": "cosine stretched over T instead of T − warmup: the cosine starts when the warmup ends, so it has "
            "T − warmup steps left to reach lr_min; over T it is still above lr_min at t = T.",
            "bn": "কোসাইন T − warmup-এর বদলে পুরো T জুড়ে টানা হয়েছে: কোসাইন শুরু হয় ওয়ার্মআপ শেষ হলে, তাই lr_min-এ "
            "পৌঁছাতে তার হাতে থাকে T − warmup ধাপ; পুরো T নিলে t = T-তেও শেখার হার lr_min-এর ওপরে থেকে যায়।",
        },
        "checks.m.warmup_start": {
            "en": "warmup not starting at 0: lr_max · t / warmup is 0 at t = 0 and reaches lr_max at t = warmup; "
            "yours starts higher (at lr_max / warmup or at lr_min).",
            "bn": "ওয়ার্মআপ 0 থেকে শুরু হচ্ছে না: lr_max · t / warmup সূত্রটি t = 0-তে 0, আর t = warmup-এ lr_max; "
            "আপনারটি শুরু হয় আরও ওপর থেকে (lr_max / warmup বা lr_min থেকে)।",
        },
        "checks.m.warmup_early": {
            "en": "off-by-one in the warmup: you divide by warmup − 1, so the LR reaches lr_max one step early. Use "
            "lr_max · t / warmup.",
            "bn": "ওয়ার্মআপে এক-এর ভুল (off-by-one): আপনি warmup − 1 দিয়ে ভাগ করছেন, তাই শেখার হার এক ধাপ আগেই "
            "lr_max-এ পৌঁছে যায়। লিখুন lr_max · t / warmup।",
        },
        "checks.m.cosine_part": {
            "en": "after the warmup, the cosine part has a mistake: {mistake}",
            "bn": "ওয়ার্মআপের পরের কোসাইন অংশে ভুল আছে: {mistake}",
        },
        "checks.m.ignored": {
            "en": "parameters ignored: your values are what the formula gives with {values} always, whatever is "
            "passed in. Use the parameters {params} instead of hard-coded numbers.",
            "bn": "প্যারামিটার উপেক্ষিত: যা-ই পাঠানো হোক, আপনার মানগুলো সবসময় {values} ধরে নেওয়া সূত্রের মান। "
            "নির্দিষ্ট সংখ্যা বসিয়ে না রেখে (hard-coded) প্যারামিটার {params} ব্যবহার করুন।",
        },
        "checks.m.wrong_defaults": {
            "en": "wrong default values: called with only {given}, the function must use {expected}; your signature "
            "is {name}{signature}.",
            "bn": "ডিফল্ট মান ভুল: শুধু {given} দিয়ে ডাকলে ফাংশনটিকে {expected} ব্যবহার করতে হবে; আপনার সিগনেচার "
            "{name}{signature}।",
        },
        # -- plot part --------------------------------------------------------------------------
        "checks.plot.not_callable": {
            "en": "check_plot needs the plotting function itself: check_plot(plot_all_schedules). It got {got}.",
            "bn": "check_plot-কে প্লট করার ফাংশনটি নিজেই দিতে হবে: check_plot(plot_all_schedules)। এখানে পেয়েছে {got}।",
        },
        "checks.plot.not_pair": {
            "en": "✗ plot_all_schedules() must return (fig, curves); it returned {got}.",
            "bn": "✗ plot_all_schedules()-কে (fig, curves) ফেরত দিতে হবে; এটি ফেরত দিয়েছে {got}।",
        },
        "checks.plot.not_figure": {
            "en": "✗ the first value returned must be the matplotlib Figure (fig, ax = plt.subplots() gives you "
            "one); got {got}.",
            "bn": "✗ ফেরত দেওয়া প্রথম মানটি হতে হবে matplotlib-এর Figure (fig, ax = plt.subplots() থেকে পাবেন); "
            "পেয়েছে {got}।",
        },
        "checks.plot.keys": {
            "en": "✗ curves must be a dict with exactly the keys {expected}; yours has {got}.",
            "bn": "✗ curves হতে হবে ঠিক এই চাবিগুলো (key) সহ একটি dict: {expected}; আপনারটিতে আছে {got}।",
        },
        "checks.plot.length": {
            "en": "✗ curves['{curve}'] has {n} values; evaluate the schedule at t = 0, 1, ..., {T} ({expected} values).",
            "bn": "✗ curves['{curve}']-এ আছে {n}টি মান; শিডিউলটি t = 0, 1, ..., {T}-এ হিসাব করুন ({expected}টি মান)।",
        },
        "checks.plot.values": {
            "en": "✗ curves['{curve}'] at t = {t} is {got}, expected {expected} = {call}. Pass PLOT_ARGS['{curve}'] "
            "after t, in order.",
            "bn": "✗ t = {t}-এ curves['{curve}']-এর মান {got}, প্রত্যাশিত {expected} = {call}। t-এর পরে "
            "PLOT_ARGS['{curve}'] ক্রম অনুযায়ী পাঠান।",
        },
        "checks.plot.not_plotted": {
            "en": "✗ curves['{curve}'] is returned but no line in the figure shows it; plot every curve you return.",
            "bn": "✗ curves['{curve}'] ফেরত দেওয়া হয়েছে, কিন্তু ছবির কোনো রেখায় সেটি আঁকা নেই; যে বক্ররেখা ফেরত দেন, "
            "তার প্রতিটি আঁকুন।",
        },
        "checks.plot.labels": {
            "en": "✗ the axes need labels: the x axis (the step t) and the y axis (the learning rate).",
            "bn": "✗ অক্ষের নাম (label) দিন: x অক্ষ (ধাপ t) আর y অক্ষ (শেখার হার)।",
        },
        "checks.plot.legend": {
            "en": "✗ add a legend (ax.legend()) so that the five curves can be told apart.",
            "bn": "✗ একটি লেজেন্ড (legend) যোগ করুন (ax.legend()), যাতে পাঁচটি বক্ররেখা আলাদা করে চেনা যায়।",
        },
        "checks.plot.raised": {
            "en": "✗ plot_all_schedules() raised {error}\n  in your code: {where}",
            "bn": "✗ plot_all_schedules() ডাকলে ত্রুটি ঘটে: {error}\n  আপনার কোডে: {where}",
        },
        "checks.follows_own": {
            "en": "  Note: curves['{curve}'] follows your own {name}, which does not match the formula yet (see its "
            "check above); this part is graded on its own job, so it counts here.",
            "bn": "  দ্রষ্টব্য: curves['{curve}'] আপনার নিজের {name} মেনে চলে, যা এখনো সূত্রের সঙ্গে মেলে না (ওপরে তার "
            "চেক দেখুন); এই অংশের নম্বর শুধু এর নিজের কাজের জন্য, তাই এখানে এটি গ্রহণযোগ্য।",
        },
        "checks.hist.follows_own": {
            "en": "  Note: histories['{curve}'] used the LR of your own {name}, which does not match the formula yet (see "
            "its check above); the training part is graded on its own job, so it counts here.",
            "bn": "  দ্রষ্টব্য: histories['{curve}'] আপনার নিজের {name}-এর শেখার হার ব্যবহার করেছে, যা এখনো সূত্রের সঙ্গে "
            "মেলে না (ওপরে তার চেক দেখুন); ট্রেনিং অংশের নম্বর শুধু এর নিজের কাজের জন্য, তাই এখানে এটি গ্রহণযোগ্য।",
        },
        "checks.functions": {
            "en": "{check}: `functions` must be the five functions in this order: constant_lr, step_decay, "
            "exponential_decay, cosine_lr, warmup_cosine; got {got}.",
            "bn": "{check}: `functions` হতে হবে এই ক্রমে পাঁচটি ফাংশন: constant_lr, step_decay, exponential_decay, "
            "cosine_lr, warmup_cosine; পেয়েছে {got}।",
        },
        "checks.plot.pass": {
            "en": "✓ plot: five curves over t = 0..{T}, all correct, all drawn, axes labelled, legend present.",
            "bn": "✓ প্লট: t = 0..{T} জুড়ে পাঁচটি বক্ররেখা, সবগুলো সঠিক, সবগুলো আঁকা, অক্ষের নাম ও লেজেন্ড আছে।",
        },
        # -- training part ----------------------------------------------------------------------
        "checks.train.not_callable": {
            "en": "check_train_mlp needs the training function itself: check_train_mlp(train_mlp). It got {got}.",
            "bn": "check_train_mlp-কে ট্রেনিং ফাংশনটি নিজেই দিতে হবে: check_train_mlp(train_mlp)। এখানে পেয়েছে {got}।",
        },
        "checks.train.raised": {
            "en": "✗ train_mlp(schedule, {steps}, {seed}) raised {error}\n  in your code: {where}",
            "bn": "✗ train_mlp(schedule, {steps}, {seed}) ডাকলে ত্রুটি ঘটে: {error}\n  আপনার কোডে: {where}",
        },
        "checks.train.not_dict": {
            "en": "✗ train_mlp must return the history as a dict; it returned {got}.",
            "bn": "✗ train_mlp-কে ইতিহাস (history) একটি dict হিসেবে ফেরত দিতে হবে; এটি ফেরত দিয়েছে {got}।",
        },
        "checks.train.keys": {
            "en": "✗ the history has no {missing}; it needs 'lr' (one value per step), 'loss' (one per step) and "
            "'test_acc' (the final test accuracy).",
            "bn": "✗ ইতিহাসে {missing} নেই; দরকার 'lr' (প্রতি ধাপে একটি মান), 'loss' (প্রতি ধাপে একটি) আর "
            "'test_acc' (শেষে টেস্ট সেটের নির্ভুলতা)।",
        },
        "checks.train.no_steps": {
            "en": "✗ no torch.optim optimizer step was seen while train_mlp ran: train with a torch.optim optimizer "
            "(torch.optim.SGD) and call optimizer.step() once per step.",
            "bn": "✗ train_mlp চলার সময় কোনো torch.optim অপটিমাইজারের step দেখা যায়নি: torch.optim-এর অপটিমাইজার "
            "(torch.optim.SGD) দিয়ে ট্রেন করুন এবং প্রতি ধাপে একবার optimizer.step() ডাকুন।",
        },
        "checks.train.n_steps": {
            "en": "✗ with steps={steps} your loop made {n} optimizer updates; it must make exactly {steps}, one per step.",
            "bn": "✗ steps={steps} দিলে আপনার লুপ {n}টি অপটিমাইজার আপডেট করেছে; ঠিক {steps}টি করতে হবে, প্রতি ধাপে একটি।",
        },
        "checks.train.groups": {
            "en": "✗ at update {t} the param groups used different LRs {lrs}; set the LR of every param group.",
            "bn": "✗ আপডেট {t}-এ বিভিন্ন param group ভিন্ন ভিন্ন শেখার হার ব্যবহার করেছে {lrs}; প্রতিটি param "
            "group-এর শেখার হার বসান।",
        },
        "checks.train.lr_ahead": {
            "en": "✗ the LR actually used is one step ahead: update t used schedule(t + 1) (update 0 used {first}, "
            "schedule(0) = {expected}). Set the LR from schedule(t) just before optimizer.step(); with a torch "
            "scheduler, call scheduler.step() after optimizer.step(), never before.",
            "bn": "✗ আসলে ব্যবহৃত শেখার হার এক ধাপ এগিয়ে: আপডেট t ব্যবহার করেছে schedule(t + 1) (আপডেট 0 ব্যবহার "
            "করেছে {first}, অথচ schedule(0) = {expected})। optimizer.step()-এর ঠিক আগে schedule(t) থেকে শেখার হার "
            "বসান; torch scheduler ব্যবহার করলে scheduler.step() ডাকুন optimizer.step()-এর পরে, কখনো আগে নয়।",
        },
        "checks.train.lr_late": {
            "en": "✗ the LR actually used is one step late: update t used schedule(t − 1) (update 1 used {got}, "
            "schedule(1) = {expected}). Set the LR from schedule(t) before optimizer.step(), not after it.",
            "bn": "✗ আসলে ব্যবহৃত শেখার হার এক ধাপ পিছিয়ে: আপডেট t ব্যবহার করেছে schedule(t − 1) (আপডেট 1 ব্যবহার "
            "করেছে {got}, অথচ schedule(1) = {expected})। schedule(t) থেকে শেখার হার বসান optimizer.step()-এর আগে, "
            "পরে নয়।",
        },
        "checks.train.lr_constant": {
            "en": "✗ the LR never changes: every update used {lr}. Before each optimizer.step(), set "
            "group['lr'] = schedule(t) for every group in optimizer.param_groups.",
            "bn": "✗ শেখার হার কখনো বদলায় না: প্রতিটি আপডেট ব্যবহার করেছে {lr}। প্রতিবার optimizer.step()-এর আগে "
            "optimizer.param_groups-এর প্রতিটি group-এ group['lr'] = schedule(t) বসান।",
        },
        "checks.train.lr_wrong": {
            "en": "✗ at update {t} the optimizer used LR {got}, but schedule({t}) = {expected}.",
            "bn": "✗ আপডেট {t}-এ অপটিমাইজার শেখার হার ব্যবহার করেছে {got}, কিন্তু schedule({t}) = {expected}।",
        },
        "checks.train.history_lr": {
            "en": "✗ history['lr'][{t}] is {got}, but the optimizer used {used} at that update; record the LR you "
            "actually set, once per step.",
            "bn": "✗ history['lr'][{t}] হলো {got}, কিন্তু সেই আপডেটে অপটিমাইজার ব্যবহার করেছে {used}; প্রতি ধাপে "
            "একবার, আসলে যে শেখার হার বসিয়েছেন সেটিই লিখে রাখুন।",
        },
        "checks.train.loss": {
            "en": "✗ history['loss'] must hold {steps} finite numbers, one training loss per step (loss.item()); "
            "yours has {n} values{detail}.",
            "bn": "✗ history['loss']-এ থাকতে হবে {steps}টি সসীম সংখ্যা, প্রতি ধাপে একটি ট্রেনিং লস (loss.item()); "
            "আপনারটিতে আছে {n}টি মান{detail}।",
        },
        "checks.train.not_deterministic": {
            "en": "✗ two runs with the same seed gave different losses (step {t}: {a} vs {b}); seed the model "
            "(digits_mlp(seed=seed)) and the batch order (a torch.Generator seeded with seed).",
            "bn": "✗ একই seed দিয়ে দুবার চালালে লস আলাদা আসে (ধাপ {t}: {a} বনাম {b}); মডেল (digits_mlp(seed=seed)) "
            "আর ব্যাচের ক্রম (seed দিয়ে তৈরি torch.Generator) দুটোই seed দিয়ে বাঁধুন।",
        },
        "checks.train.acc": {
            "en": "✗ history['test_acc'] must be the final test accuracy, a number between 0 and 1; got {got}.",
            "bn": "✗ history['test_acc'] হতে হবে শেষের টেস্ট নির্ভুলতা (accuracy), 0 থেকে 1-এর মধ্যে একটি সংখ্যা; "
            "পেয়েছে {got}।",
        },
        "checks.train.pass": {
            "en": "✓ train_mlp: the optimizer used schedule(t) at each of the {steps} updates, the history records it, "
            "and the same seed gives the same run.",
            "bn": "✓ train_mlp: {steps}টি আপডেটের প্রতিটিতে অপটিমাইজার schedule(t) ব্যবহার করেছে, ইতিহাসে তা লেখা "
            "আছে, আর একই seed দিলে হুবহু একই রান হয়।",
        },
        # -- histories --------------------------------------------------------------------------
        "checks.hist.keys": {
            "en": "✗ histories must be a dict with one history per schedule, keys {expected}; got {got}.",
            "bn": "✗ histories হতে হবে প্রতিটি শিডিউলের জন্য একটি করে ইতিহাসসহ dict, চাবিগুলো {expected}; পেয়েছে {got}।",
        },
        "checks.hist.len": {
            "en": "✗ histories['{curve}'] has {n} LR values; train every schedule for MLP_STEPS = {steps} steps.",
            "bn": "✗ histories['{curve}']-এ শেখার হারের মান {n}টি; প্রতিটি শিডিউল MLP_STEPS = {steps} ধাপ ট্রেন করুন।",
        },
        "checks.hist.lr": {
            "en": "✗ histories['{curve}']: the LR at step {t} is {got}, but {call} = {expected}. Train '{curve}' with "
            "MLP_ARGS['{curve}'].",
            "bn": "✗ histories['{curve}']: ধাপ {t}-এ শেখার হার {got}, কিন্তু {call} = {expected}। '{curve}' ট্রেন করুন "
            "MLP_ARGS['{curve}'] দিয়ে।",
        },
        "checks.hist.loss": {
            "en": "✗ histories['{curve}']: the loss did not fall (mean of the first {w} steps {first:.3f}, of the last "
            "{w} steps {last:.3f}).",
            "bn": "✗ histories['{curve}']: লস কমেনি (প্রথম {w} ধাপের গড় {first:.3f}, শেষ {w} ধাপের গড় {last:.3f})।",
        },
        "checks.hist.acc": {
            "en": "✗ histories['{curve}']: test accuracy {acc:.1%} is below the floor of {floor:.0%}; with a correct "
            "training loop every schedule here clears it.",
            "bn": "✗ histories['{curve}']: টেস্ট নির্ভুলতা {acc:.1%}, যা ন্যূনতম সীমা {floor:.0%}-এর নিচে; ট্রেনিং লুপ "
            "ঠিক থাকলে এখানে প্রতিটি শিডিউল এই সীমা পার হয়।",
        },
        "checks.hist.pass": {
            "en": "✓ histories: five runs of {steps} steps, each with the LR of its schedule, the loss falling, and "
            "test accuracy at least {floor:.0%} (lowest: {worst}, {acc:.1%}).",
            "bn": "✓ histories: {steps} ধাপের পাঁচটি রান, প্রতিটিতে নিজ শিডিউলের শেখার হার, লস কমেছে, আর টেস্ট "
            "নির্ভুলতা অন্তত {floor:.0%} (সবচেয়ে কম: {worst}, {acc:.1%})।",
        },
        # -- labels for the learner's plots -----------------------------------------------------
        "checks.label.title": {
            "en": "Five learning-rate schedules over T = {T} steps",
            "bn": "T = {T} ধাপ জুড়ে পাঁচটি শেখার হারের শিডিউল",
        },
        "checks.label.step": {"en": "step t", "bn": "ধাপ (step) t"},
        "checks.label.lr": {"en": "learning rate", "bn": "শেখার হার (learning rate)"},
        "checks.label.loss": {"en": "training loss (smoothed)", "bn": "ট্রেনিং লস (মসৃণ করা)"},
        "checks.label.loss_title": {
            "en": "MLP on digits: training loss per schedule",
            "bn": "digits-এ MLP: প্রতিটি শিডিউলে ট্রেনিং লস",
        },
        "checks.label.lr_title": {
            "en": "The learning rate each run used",
            "bn": "প্রতিটি রানে ব্যবহৃত শেখার হার",
        },
        "checks.label.constant": {"en": "constant", "bn": "ধ্রুবক (constant)"},
        "checks.label.step_decay": {"en": "step decay", "bn": "ধাপে হ্রাস (step decay)"},
        "checks.label.exponential": {"en": "exponential decay", "bn": "সূচকীয় হ্রাস (exponential)"},
        "checks.label.cosine": {"en": "cosine", "bn": "কোসাইন (cosine)"},
        "checks.label.warmup_cosine": {"en": "warmup + cosine", "bn": "ওয়ার্মআপ + কোসাইন"},
        "checks.label.acc": {"en": "test accuracy", "bn": "টেস্ট নির্ভুলতা"},
        "checks.label.final_loss": {"en": "final loss", "bn": "শেষ লস"},
    }
)

_LABEL_KEYS = {
    "constant": "checks.label.constant",
    "step": "checks.label.step_decay",
    "exponential": "checks.label.exponential",
    "cosine": "checks.label.cosine",
    "warmup_cosine": "checks.label.warmup_cosine",
}


def plot_text(T: int = PLOT_T) -> dict[str, Any]:
    """Plot labels in the current language, for the learner's own plots.

    ``{"title", "step", "lr", "loss", "loss_title", "lr_title", "acc", "final_loss",
    "names": {schedule key: label}}``.
    """
    return {
        "title": i18n.t("checks.label.title", T=f"{T:,}"),
        "step": i18n.t("checks.label.step"),
        "lr": i18n.t("checks.label.lr"),
        "loss": i18n.t("checks.label.loss"),
        "loss_title": i18n.t("checks.label.loss_title"),
        "lr_title": i18n.t("checks.label.lr_title"),
        "acc": i18n.t("checks.label.acc"),
        "final_loss": i18n.t("checks.label.final_loss"),
        "names": {key: i18n.t(msg) for key, msg in _LABEL_KEYS.items()},
    }


# ---------------------------------------------------------------------------------------------
# The reference formulas: exactly the assignment's definitions, scalar and in float64
# ---------------------------------------------------------------------------------------------


def _ref_constant(t, lr0=1e-3):
    return float(lr0)


def _ref_step(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t // k)


def _ref_exponential(t, lr0=1e-3, gamma=0.999):
    return lr0 * gamma**t


def _ref_cosine(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * t / T))


def _ref_warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return _ref_cosine(t - warmup, T - warmup, lr_max, lr_min)


_REFERENCES = {
    "constant": _ref_constant,
    "step": _ref_step,
    "exponential": _ref_exponential,
    "cosine": _ref_cosine,
    "warmup_cosine": _ref_warmup_cosine,
}
_FUNCTION_NAMES = {
    "constant": "constant_lr",
    "step": "step_decay",
    "exponential": "exponential_decay",
    "cosine": "cosine_lr",
    "warmup_cosine": "warmup_cosine",
}


def reference(key: str, t, *args) -> float | np.ndarray:
    """The assignment's formula ``key`` (one of :data:`SCHEDULE_KEYS`) at step(s) ``t``.

    ``reference("cosine", 2500, 10_000, 1e-3, 1e-5)``; ``t`` may be an int or a sequence of ints.
    """
    if key not in _REFERENCES:
        raise ValueError(f"key={key!r} is not a schedule of the assignment; use one of {SCHEDULE_KEYS}")
    fn = _REFERENCES[key]
    if np.ndim(t) == 0:
        return float(fn(int(t), *args))
    return np.array([fn(int(s), *args) for s in np.asarray(t).ravel()], dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Calling learner code safely
# ---------------------------------------------------------------------------------------------


class _TimeLimit(BaseException):
    """Raised inside learner code when a check runs out of time (BaseException: a learner's
    ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the block after ``seconds`` of wall time (POSIX main thread only; elsewhere no limit).

    An alarm already running (pytest-timeout, a learner's own) is kept: if it is due first it stays
    in charge; otherwise it is paused and re-armed with its remaining time afterwards."""
    if not (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()):
        yield
        return
    outer_remaining, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_remaining and outer_remaining <= seconds:
        yield  # the outer alarm fires first anyway
        return

    def on_alarm(signum, frame):
        raise _TimeLimit()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_remaining:
            left = outer_remaining - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), outer_interval)


@contextlib.contextmanager
def _quiet():
    """Silence warnings raised by learner code during a check: nbgrader gives 0 to a test cell
    with any stderr output, so a harmless NumPy or PyTorch warning must not cost the points."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _fmt(x) -> str:
    """A number as a learner reads it: ints plainly, floats with 6 significant digits."""
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    return repr(x)


def _call_text(name: str, args: Sequence) -> str:
    return f"{name}({', '.join(_fmt(a) for a in args)})"


def _short_repr(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(exc: BaseException) -> str:
    """The innermost frame of the traceback outside this module: file, line and code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    if not frames:
        return "?"
    frame = frames[-1]
    return i18n.t("checks.where", line=frame.lineno, file=frame.filename, code=(frame.line or "").strip())


def _error_text(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _check_callable(fn, check: str, name: str, key: str = "checks.not_callable") -> None:
    if not callable(fn):
        raise AssertionError(i18n.t(key, check=check, name=name, got=_short_repr(fn)))


def _as_number(value):
    """``(float, None)`` for one real number (Python, NumPy scalar, 0-d or size-1 array, tensor);
    ``(None, why)`` otherwise, why in {"none", "type", "finite"}."""
    if value is None:
        return None, "none"
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return None, "type"
    try:
        arr = np.asarray(value)
    except Exception:  # an object NumPy cannot read
        return None, "type"
    if arr.size != 1 or arr.dtype.kind not in "fiu":
        return None, "type"
    number = float(arr.reshape(-1)[0])
    if not math.isfinite(number):
        return number, "finite"
    return number, None


# ---------------------------------------------------------------------------------------------
# The five schedule checks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mistake:
    key: str  # i18n key of the explanation
    fn: Callable  # the formula with the mistake, on the full argument tuple
    fields: dict = field(default_factory=dict)  # values for the message


@dataclass(frozen=True)
class _Spec:
    key: str
    name: str  # the learner's function name
    params: tuple[str, ...]  # all parameter names, t first
    defaults: dict  # optional parameter -> default
    hardcoded: dict  # required parameter -> a value learners hard-code (from the lesson)
    formula: str
    cases: tuple[tuple, ...]
    random_case: Callable[[np.random.Generator], tuple]
    mistakes: tuple[_Mistake, ...]
    exponent_steps: bool = False  # float32 gamma ** t loses ~t·6e-8 relative accuracy

    @property
    def ref(self):
        return _REFERENCES[self.key]

    def full(self, args: tuple) -> tuple:
        """The call's arguments completed with the defaults."""
        names = self.params[len(args) :]
        return tuple(args) + tuple(self.defaults[n] for n in names)

    def tolerance(self, full: tuple) -> tuple[float, float]:
        """``(rtol, atol)`` for a case: loose enough for float32 results, tight enough for the mistakes."""
        lrs = [abs(v) for n, v in zip(self.params, full) if n.startswith("lr")]
        scale = max(lrs) if lrs else 1.0
        rtol = 2e-5
        if self.exponent_steps:
            rtol += 1.5e-7 * full[0]
        return rtol, 1e-6 * scale


def _close(got: float, expected: float, tol: tuple[float, float]) -> bool:
    rtol, atol = tol
    return abs(got - expected) <= atol + rtol * abs(expected)


def _log_uniform(rng, low, high):
    return float(10 ** rng.uniform(math.log10(low), math.log10(high)))


def _nice(x: float) -> float:
    """A random LR rounded to 3 significant digits, so that messages show readable calls."""
    return float(f"{x:.3g}")


def _with(args: tuple, index: int, value) -> tuple:
    return args[:index] + (value,) + args[index + 1 :]


def _ignored_mistakes(params, defaults, hardcoded, ref) -> list[_Mistake]:
    """Variants where some parameters are replaced by their default (or a value from the lesson)."""
    fixed = {**hardcoded, **defaults}
    names = [n for n in params if n in fixed]
    out = []
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(names, size):

            def variant(full, subset=subset):
                args = list(full)
                for n in subset:
                    args[params.index(n)] = fixed[n]
                return ref(*args)

            out.append(
                _Mistake(
                    "checks.m.ignored",
                    variant,
                    {
                        "params": ", ".join(subset),
                        "values": ", ".join(f"{n}={_fmt(fixed[n])}" for n in subset),
                    },
                )
            )
    return out


def _cos_variants() -> list[tuple[str, Callable]]:
    """Mistaken cosines, as functions of (t, T, lr_max, lr_min)."""
    c = math.cos
    pi = math.pi
    return [
        ("checks.m.missing_lr_min", lambda t, T, a, b: 0.5 * a * (1 + c(pi * t / T))),
        ("checks.m.lr_min_amplitude", lambda t, T, a, b: b + 0.5 * a * (1 + c(pi * t / T))),
        ("checks.m.period_full", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(2 * pi * t / T))),
        ("checks.m.period_quarter", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * t / (2 * T)))),
        ("checks.m.missing_pi", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(t / T))),
        ("checks.m.rising", lambda t, T, a, b: b + 0.5 * (a - b) * (1 - c(pi * t / T))),
        ("checks.m.t_plus_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * (t + 1) / T))),
        ("checks.m.t_minus_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * (t - 1) / T))),
        ("checks.m.horizon_off_by_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * t / (T - 1)))),
        ("checks.m.horizon_off_by_one", lambda t, T, a, b: b + 0.5 * (a - b) * (1 + c(pi * t / (T + 1)))),
    ]


def _warm(t, w, a, b):
    return a * t / w


def _make_specs() -> dict[str, _Spec]:
    specs = {}

    # constant_lr(t, lr0=1e-3) -> lr0
    params = ("t", "lr0")
    defaults = {"lr0": 1e-3}
    specs["constant"] = _Spec(
        "constant",
        "constant_lr",
        params,
        defaults,
        {},
        "lr0",
        cases=((0,), (1,), (9_999,), (0, 0.1), (7, 0.1), (100, 0.5), (1, 3e-4), (1_000_000, 2.5e-5), (42, 1.0)),
        random_case=lambda r: (int(r.integers(0, 10**6)), _nice(_log_uniform(r, 1e-5, 1.0))),
        mistakes=tuple(_ignored_mistakes(params, defaults, {}, _ref_constant)),
    )

    # step_decay(t, lr0=0.1, gamma=0.1, k=30) -> lr0 * gamma ** (t // k)
    params = ("t", "lr0", "gamma", "k")
    defaults = {"lr0": 0.1, "gamma": 0.1, "k": 30}
    specs["step"] = _Spec(
        "step",
        "step_decay",
        params,
        defaults,
        {},
        "lr0 · gamma^⌊t/k⌋ = lr0 * gamma ** (t // k)",
        cases=(
            (0,), (29,), (30,), (45,), (59,), (60,), (90,),
            (0, 1.0, 0.5, 10), (7, 1.0, 0.5, 10), (9, 1.0, 0.5, 10), (10, 1.0, 0.5, 10), (16, 1.0, 0.5, 10),
            (25, 1.0, 0.5, 10), (99, 1.0, 0.5, 10), (100, 1.0, 0.5, 10),
            (0, 0.01, 0.3, 1), (1, 0.01, 0.3, 1), (7, 0.01, 0.3, 1),
            (749, 0.05, 0.5, 250), (750, 0.05, 0.5, 250), (1_000, 0.05, 0.5, 250), (2, 2e-3, 0.1, 3),
        ),
        random_case=lambda r: (
            int(r.integers(0, 5_000)),
            _nice(_log_uniform(r, 1e-4, 1.0)),
            round(float(r.uniform(0.05, 0.9)), 2),
            int(r.integers(1, 500)),
        ),
        mistakes=tuple(
            [
                _Mistake("checks.m.float_division", lambda f: f[1] * f[2] ** (f[0] / f[3])),
                _Mistake("checks.m.rounding", lambda f: f[1] * f[2] ** round(f[0] / f[3])),
                _Mistake("checks.m.rounding", lambda f: f[1] * f[2] ** math.ceil(f[0] / f[3])),
                _Mistake("checks.m.t_plus_one", lambda f: f[1] * f[2] ** ((f[0] + 1) // f[3])),
                _Mistake("checks.m.t_minus_one", lambda f: f[1] * f[2] ** ((f[0] - 1) // f[3])),
                _Mistake("checks.m.extra_decay", lambda f: f[1] * f[2] ** (f[0] // f[3] + 1)),
            ]
            + _ignored_mistakes(params, defaults, {}, _ref_step)
        ),
    )

    # exponential_decay(t, lr0=1e-3, gamma=0.999) -> lr0 * gamma ** t
    params = ("t", "lr0", "gamma")
    defaults = {"lr0": 1e-3, "gamma": 0.999}
    specs["exponential"] = _Spec(
        "exponential",
        "exponential_decay",
        params,
        defaults,
        {},
        "lr0 · gamma^t = lr0 * gamma ** t",
        cases=(
            (0,), (1,), (1_000,), (10_000,),
            (0, 0.1, 0.5), (1, 0.1, 0.5), (3, 0.1, 0.5), (10, 1.0, 0.9), (100, 0.02, 0.99),
            (5_000, 1e-3, 0.9995), (1, 3e-4, 0.97), (20, 0.5, 0.8),
        ),
        random_case=lambda r: (
            int(r.integers(0, 20_000)),
            _nice(_log_uniform(r, 1e-4, 1.0)),
            float(f"{1 - _log_uniform(r, 1e-5, 0.1):.6g}"),
        ),
        mistakes=tuple(
            [
                _Mistake("checks.m.t_plus_one", lambda f: f[1] * f[2] ** (f[0] + 1)),
                _Mistake("checks.m.t_minus_one", lambda f: f[1] * f[2] ** (f[0] - 1)),
                _Mistake("checks.m.exp_e", lambda f: f[1] * math.exp(-f[2] * f[0])),
                _Mistake("checks.m.exp_e", lambda f: f[1] * math.exp(-(1 - f[2]) * f[0])),
            ]
            + _ignored_mistakes(params, defaults, {}, _ref_exponential)
        ),
        exponent_steps=True,
    )

    # cosine_lr(t, T, lr_max=1e-3, lr_min=1e-5)
    params = ("t", "T", "lr_max", "lr_min")
    defaults = {"lr_max": 1e-3, "lr_min": 1e-5}
    hardcoded = {"T": 10_000}

    def random_cosine(r):
        T = int(10 ** r.uniform(0, 5))
        lr_max = _nice(_log_uniform(r, 1e-4, 1.0))
        lr_min = 0.0 if r.random() < 0.2 else _nice(lr_max * r.uniform(0.001, 0.5))
        return (int(r.integers(0, T + 1)), T, lr_max, lr_min)

    specs["cosine"] = _Spec(
        "cosine",
        "cosine_lr",
        params,
        defaults,
        hardcoded,
        "lr_min + ½(lr_max − lr_min)(1 + cos(πt/T))",
        cases=(
            (0, 100), (50, 100), (100, 100), (2_500, 10_000), (10_000, 10_000),
            (0, 10, 1.0, 0.0), (5, 10, 1.0, 0.0), (10, 10, 1.0, 0.0), (3, 10, 0.5, 0.1), (1, 4, 2e-3, 1e-4),
            (7, 7, 0.1, 0.01), (250, 1_000, 0.1, 1e-3), (1, 1, 0.3, 0.03), (0, 1, 1.0, 0.5),
            (33_333, 100_000, 3e-4, 3e-5), (99_999, 100_000, 3e-4, 3e-5),
        ),
        random_case=random_cosine,
        mistakes=tuple(
            [_Mistake(key, lambda f, v=v: v(*f)) for key, v in _cos_variants()]
            + _ignored_mistakes(params, defaults, hardcoded, _ref_cosine)
        ),
    )

    # warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5)
    params = ("t", "warmup", "T", "lr_max", "lr_min")
    defaults = {"lr_max": 1e-3, "lr_min": 1e-5}
    hardcoded = {"warmup": 1_000, "T": 10_000}

    def wc(warm, cos):
        def variant(f):
            t, w, T, a, b = f
            return warm(t, w, a, b) if t < w else cos(t, w, T, a, b)

        return variant

    shifted = lambda t, w, T, a, b: _ref_cosine(t - w, T - w, a, b)  # noqa: E731
    warmup_mistakes = [
        _Mistake("checks.m.not_shifted", wc(_warm, lambda t, w, T, a, b: _ref_cosine(t, T - w, a, b))),
        _Mistake("checks.m.stretched", wc(_warm, lambda t, w, T, a, b: _ref_cosine(t - w, T, a, b))),
        _Mistake("checks.m.not_shifted", wc(_warm, lambda t, w, T, a, b: _ref_cosine(t, T, a, b))),
        _Mistake("checks.m.warmup_start", wc(lambda t, w, a, b: a * (t + 1) / w, shifted)),
        _Mistake("checks.m.warmup_start", wc(lambda t, w, a, b: b + (a - b) * t / w, shifted)),
        _Mistake("checks.m.warmup_start", wc(lambda t, w, a, b: b + (a - b) * (t + 1) / w, shifted)),
        _Mistake("checks.m.warmup_early", wc(lambda t, w, a, b: a * min(1.0, t / (w - 1)), shifted)),
    ]
    for key, v in _cos_variants():
        warmup_mistakes.append(
            _Mistake(
                "checks.m.cosine_part",
                wc(_warm, lambda t, w, T, a, b, v=v: v(t - w, T - w, a, b)),
                {"mistake": key},
            )
        )

    def random_warmup_cosine(r):
        T = int(10 ** r.uniform(math.log10(2), 5))
        w = int(r.integers(1, T))
        lr_max = _nice(_log_uniform(r, 1e-4, 1.0))
        lr_min = 0.0 if r.random() < 0.2 else _nice(lr_max * r.uniform(0.001, 0.5))
        return (int(r.integers(0, T + 1)), w, T, lr_max, lr_min)

    specs["warmup_cosine"] = _Spec(
        "warmup_cosine",
        "warmup_cosine",
        params,
        defaults,
        hardcoded,
        "lr_max · t / warmup for t < warmup, else cosine_lr(t − warmup, T − warmup, lr_max, lr_min)",
        cases=(
            (0, 1_000, 10_000), (1, 1_000, 10_000), (500, 1_000, 10_000), (999, 1_000, 10_000),
            (1_000, 1_000, 10_000), (1_001, 1_000, 10_000), (5_500, 1_000, 10_000), (10_000, 1_000, 10_000),
            (0, 10, 110, 1.0, 0.0), (5, 10, 110, 1.0, 0.0), (10, 10, 110, 1.0, 0.0), (35, 10, 110, 1.0, 0.0),
            (60, 10, 110, 1.0, 0.0), (110, 10, 110, 1.0, 0.0),
            (1, 4, 8, 0.2, 0.02), (3, 4, 8, 0.2, 0.02), (4, 4, 8, 0.2, 0.02), (6, 4, 8, 0.2, 0.02),
            (8, 4, 8, 0.2, 0.02), (0, 1, 2, 0.5, 0.1), (1, 1, 2, 0.5, 0.1), (2, 1, 2, 0.5, 0.1),
            (100, 200, 1_200, 3e-3, 3e-5), (450, 200, 1_200, 3e-3, 3e-5), (1_199, 200, 1_200, 3e-3, 3e-5),
        ),
        random_case=random_warmup_cosine,
        mistakes=tuple(warmup_mistakes + _ignored_mistakes(params, defaults, hardcoded, _ref_warmup_cosine)),
    )
    return specs


_SPECS = _make_specs()


def _signature_problem(fn, spec: _Spec) -> str | None:
    """A message when ``fn`` cannot be called with all the assignment's parameters positionally."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins, some C callables: just call them
        return None
    try:
        sig.bind(*range(len(spec.params)))
    except TypeError:
        text = i18n.t(
            "checks.signature",
            name=spec.name,
            count=len(spec.params),
            params=", ".join(spec.params),
            signature=str(sig),
        )
        if spec.key == "warmup_cosine":
            text += " " + i18n.t("checks.signature.lesson")
        return text
    return None


def _defaults_text(fn, spec: _Spec) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(?)"


def _run_schedule_check(fn, spec: _Spec, seed: int | None, random_cases: int) -> None:
    check = f"check_{spec.name}"
    _check_callable(fn, check, spec.name)
    problem = _signature_problem(fn, spec)
    if problem:
        raise AssertionError("✗ " + problem)

    cases = list(spec.cases)
    if seed is not None:
        rng = np.random.default_rng(seed)
        cases += [spec.random_case(rng) for _ in range(random_cases)]

    got: list[float | None] = []  # None where the call raised an ordinary exception
    raised: list[tuple[int, Exception]] = []
    failure = None
    call = spec.name
    try:
        with _time_limit(TIME_LIMIT_S), _quiet():
            for args in cases:
                call = _call_text(spec.name, args)
                try:
                    value = fn(*args)
                except _TimeLimit:
                    raise
                except NotImplementedError:
                    failure = i18n.t("checks.not_implemented", name=spec.name)
                    break
                except Exception as exc:  # shown to the learner, never re-raised
                    raised.append((len(got), exc))
                    got.append(None)
                    continue
                number, why = _as_number(value)
                if why == "none":
                    failure = i18n.t("checks.returned_none", call=call)
                elif why == "type":
                    failure = i18n.t("checks.not_a_number", call=call, got=_short_repr(value), type=type(value).__name__)
                elif why == "finite":
                    failure = i18n.t("checks.not_finite", call=call, got=_fmt(number))
                if failure:
                    break
                got.append(number)
    except _TimeLimit:
        failure = i18n.t("checks.timeout", call=call, seconds=TIME_LIMIT_S)
    if failure:
        raise AssertionError(failure)

    fulls = [spec.full(args) for args in cases]
    expected = [float(spec.ref(*f)) for f in fulls]
    tols = [spec.tolerance(f) for f in fulls]
    if raised:
        # The exception is what the learner must see first; if a usual mistake explains every
        # value that did come back (and breaks down at the same calls), name it too.
        index, exc = raised[0]
        text = i18n.t("checks.raised", call=_call_text(spec.name, cases[index]), error=_error_text(exc), where=_where(exc))
        ok = [i for i in range(len(cases)) if got[i] is not None]
        bad = [i for i in ok if not _close(got[i], expected[i], tols[i])]
        if bad:
            m = _full_match(spec, fulls, got, bad, tols, undefined={i for i, _ in raised})
            if m is not None:
                text += "\n" + i18n.t("checks.likely", mistake=_mistake_text(m))
        raise AssertionError(text)
    bad = [i for i in range(len(cases)) if not _close(got[i], expected[i], tols[i])]
    if not bad:
        print(i18n.t("checks.pass", name=spec.name, n=len(cases)))
        return

    lines = [i18n.t("checks.wrong.head", name=spec.name, bad=len(bad), total=len(cases))]
    diagnosis, explained = _diagnose(spec, cases, fulls, got, bad, tols, fn)
    shown = [i for i in bad if i in explained] or bad
    first = shown[0]
    lines.append(
        i18n.t(
            "checks.wrong.example",
            call=_call_text(spec.name, cases[first]),
            got=_fmt(got[first]),
            expected=_fmt(expected[first]),
        )
    )
    more = [i for i in bad if i != first][:2]
    if more:
        pairs = "; ".join(
            i18n.t("checks.wrong.pair", call=_call_text(spec.name, cases[i]), got=_fmt(got[i]), expected=_fmt(expected[i]))
            for i in more
        )
        lines.append(i18n.t("checks.wrong.more", examples=pairs))
    lines.append(diagnosis)
    raise AssertionError("\n".join(lines))


def _mistake_text(m: _Mistake) -> str:
    fields = dict(m.fields)
    if "mistake" in fields:
        fields["mistake"] = i18n.t(fields["mistake"])
    return i18n.t(m.key, **fields)


def _variant_values(m: _Mistake, fulls) -> list[float | None]:
    values = []
    for f in fulls:
        try:
            value = float(m.fn(f))
        except (ArithmeticError, ValueError, OverflowError):
            value = None
        values.append(value if value is not None and math.isfinite(value) else None)
    return values


def _full_match(spec, fulls, got, bad, tols, undefined) -> _Mistake | None:
    """The first mistake that reproduces every returned value and is undefined exactly where the
    learner's function raised."""
    for m in spec.mistakes:
        values = _variant_values(m, fulls)
        if {i for i, v in enumerate(values) if v is None} != undefined:
            continue
        if all(got[i] is None or _close(got[i], values[i], tols[i]) for i in range(len(fulls))):
            return m
    return None


def _diagnose(spec, cases, fulls, got, bad, tols, fn) -> tuple[str, set]:
    """The message naming the most likely mistake, and the cases it explains."""
    default_cases = {i for i, args in enumerate(cases) if len(args) < len(spec.params)}
    if set(bad) <= default_cases and len(default_cases) < len(cases):
        given = ", ".join(spec.params[: len(cases[bad[0]])])
        expected = ", ".join(f"{n}={_fmt(v)}" for n, v in spec.defaults.items())
        return (
            i18n.t(
                "checks.likely",
                mistake=i18n.t(
                    "checks.m.wrong_defaults",
                    given=given,
                    expected=expected,
                    name=spec.name,
                    signature=_defaults_text(fn, spec),
                ),
            ),
            set(bad),
        )

    best = None  # (explained count, full match, order, mistake, explained set)
    for order, m in enumerate(spec.mistakes):
        agree, differ = set(), 0
        for i, value in enumerate(_variant_values(m, fulls)):
            if value is None:
                continue
            if _close(got[i], value, tols[i]):
                agree.add(i)
            else:
                differ += 1
        explained = agree & set(bad)
        if not explained:
            continue
        full_match = differ == 0
        score = (full_match, len(explained), -order)
        if best is None or score > best[0]:
            best = (score, m, explained)
    if best is not None:
        (full_match, n_explained, _), m, explained = best
        if full_match:
            return i18n.t("checks.likely", mistake=_mistake_text(m)), explained
        if n_explained * 2 >= len(bad):
            return (
                i18n.t("checks.possible", matched=n_explained, bad=len(bad), mistake=_mistake_text(m)),
                explained,
            )
    return i18n.t("checks.no_diagnosis", formula=spec.formula), set()


def check_constant_lr(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``constant_lr(t, lr0=1e-3)`` → ``lr0``. ``seed`` adds ``random_cases`` random calls."""
    _run_schedule_check(fn, _SPECS["constant"], seed, random_cases)


def check_step_decay(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``step_decay(t, lr0=0.1, gamma=0.1, k=30)`` → ``lr0·gamma^⌊t/k⌋``."""
    _run_schedule_check(fn, _SPECS["step"], seed, random_cases)


def check_exponential_decay(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``exponential_decay(t, lr0=1e-3, gamma=0.999)`` → ``lr0·gamma^t``."""
    _run_schedule_check(fn, _SPECS["exponential"], seed, random_cases)


def check_cosine_lr(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``cosine_lr(t, T, lr_max=1e-3, lr_min=1e-5)`` → ``lr_min + ½(lr_max − lr_min)(1 + cos(πt/T))``."""
    _run_schedule_check(fn, _SPECS["cosine"], seed, random_cases)


def check_warmup_cosine(fn, *, seed: int | None = None, random_cases: int = 30) -> None:
    """Check ``warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5)``: ``lr_max·t/warmup`` for
    ``t < warmup``, else ``cosine_lr(t − warmup, T − warmup, lr_max, lr_min)``."""
    _run_schedule_check(fn, _SPECS["warmup_cosine"], seed, random_cases)


# ---------------------------------------------------------------------------------------------
# The plot part
# ---------------------------------------------------------------------------------------------


def _reference_curve(key: str, steps: np.ndarray, args: tuple) -> np.ndarray:
    return reference(key, steps, *args)


def _own_functions(functions, check: str) -> dict:
    """``{key: learner function}`` from a sequence in SCHEDULE_KEYS order (or a dict), or ``{}``."""
    if functions is None:
        return {}
    if isinstance(functions, dict) and set(functions) == set(SCHEDULE_KEYS):
        items = functions
    elif isinstance(functions, (list, tuple)) and len(functions) == len(SCHEDULE_KEYS):
        items = dict(zip(SCHEDULE_KEYS, functions))
    else:
        items = None
    if items is None or not all(callable(f) for f in items.values()):
        raise AssertionError(i18n.t("checks.functions", check=check, got=_short_repr(functions)))
    return items


def _follows_own(fn, key: str, steps: np.ndarray, args: tuple, values: np.ndarray) -> bool:
    """Whether ``values`` are the learner's own ``fn`` at ``steps`` (its mistakes included)."""
    if fn is None:
        return False
    try:
        with _time_limit(TIME_LIMIT_S), _quiet():
            own = np.array([_as_number(fn(int(t), *args))[0] for t in steps], dtype=np.float64)
    except BaseException as exc:  # noqa: BLE001  (learner code: anything may happen, nothing may escape)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return False
    scale = float(np.max(np.abs(own))) if own.size else 0.0
    return bool(np.all(np.abs(values - own) <= 1e-6 * scale + 2e-5 * np.abs(own)))


def check_plot(plot_fn, functions=None) -> None:
    """Check ``plot_all_schedules()`` → ``(fig, curves)``.

    ``curves[key]`` must hold the schedule ``key`` at t = 0, 1, ..., PLOT_T (or 0..PLOT_T − 1)
    with ``PLOT_ARGS[key]``; every curve must be drawn as a line of ``fig``; the axes need labels
    and a legend. The figure the check makes is closed afterwards, so it is not shown twice.

    ``functions``: the learner's five schedule functions (in :data:`SCHEDULE_KEYS` order). A curve
    that follows the learner's own function where that function is still wrong is accepted with a
    note: its mistake is graded by its own check, not twice.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    if not callable(plot_fn):
        raise AssertionError(i18n.t("checks.plot.not_callable", got=_short_repr(plot_fn)))
    own = _own_functions(functions, "check_plot")
    before = set(plt.get_fignums())
    try:
        try:
            with _quiet():
                result = plot_fn()
        except NotImplementedError:
            raise AssertionError(i18n.t("checks.not_implemented", name="plot_all_schedules")) from None
        except Exception as exc:
            raise AssertionError(i18n.t("checks.plot.raised", error=_error_text(exc), where=_where(exc))) from None
        notes = _check_plot_result(result, Figure, own)
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    print("\n".join([i18n.t("checks.plot.pass", T=f"{PLOT_T:,}"), *notes]))


def _check_plot_result(result, Figure, own: dict) -> list[str]:
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise AssertionError(i18n.t("checks.plot.not_pair", got=_short_repr(result)))
    fig, curves = result
    if not isinstance(fig, Figure):
        raise AssertionError(i18n.t("checks.plot.not_figure", got=_short_repr(fig)))
    if not isinstance(curves, dict) or set(curves) != set(SCHEDULE_KEYS):
        got = sorted(curves) if isinstance(curves, dict) else _short_repr(curves)
        raise AssertionError(i18n.t("checks.plot.keys", expected=list(SCHEDULE_KEYS), got=got))
    arrays = {}
    notes: list[str] = []
    for key in SCHEDULE_KEYS:
        try:
            y = np.asarray(curves[key], dtype=np.float64).ravel()
        except Exception:
            raise AssertionError(
                i18n.t("checks.plot.length", curve=key, n="?", T=PLOT_T, expected=PLOT_T + 1)
            ) from None
        if y.size not in (PLOT_T, PLOT_T + 1):
            raise AssertionError(i18n.t("checks.plot.length", curve=key, n=y.size, T=PLOT_T, expected=PLOT_T + 1))
        steps = np.arange(y.size)
        args = PLOT_ARGS[key]
        ref = _reference_curve(key, steps, args)
        scale = float(np.max(np.abs(ref)))  # the curve's own size (not gamma, which is a float too)
        bad = np.flatnonzero(~(np.abs(y - ref) <= 1e-6 * scale + 2e-5 * np.abs(ref) + 1.5e-7 * steps * np.abs(ref)))
        if bad.size and _follows_own(own.get(key), key, steps, args, y):
            notes.append(i18n.t("checks.follows_own", curve=key, name=_FUNCTION_NAMES[key]))
        elif bad.size:
            t = int(bad[0])
            raise AssertionError(
                i18n.t(
                    "checks.plot.values",
                    curve=key,
                    t=t,
                    got=_fmt(y[t]),
                    expected=_fmt(ref[t]),
                    call=_call_text(_FUNCTION_NAMES[key], (t, *args)),
                )
            )
        arrays[key] = y
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    for key, y in arrays.items():
        if not any(_same_curve(line, y) for line in lines):
            raise AssertionError(i18n.t("checks.plot.not_plotted", curve=key))
    axes = [ax for ax in fig.axes if ax.get_lines()]
    if not all(ax.get_xlabel().strip() and ax.get_ylabel().strip() for ax in axes):
        raise AssertionError(i18n.t("checks.plot.labels"))
    if not (fig.legends or all(ax.get_legend() is not None for ax in axes)):
        raise AssertionError(i18n.t("checks.plot.legend"))
    return notes


def _same_curve(line, y: np.ndarray) -> bool:
    try:
        ydata = np.asarray(line.get_ydata(), dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return False
    if ydata.size != y.size:
        return False
    return bool(np.allclose(ydata, y, rtol=1e-6, atol=0.0))


# ---------------------------------------------------------------------------------------------
# The training part
# ---------------------------------------------------------------------------------------------


class _ProbeSchedule:
    """A schedule whose neighbouring values all differ (0.02 ... 0.06), so that a loop that is one
    step early or late, or never sets the LR, is told apart from a correct one."""

    def __call__(self, t) -> float:
        return 0.02 + 0.01 * ((3 * int(t)) % 5)

    def __repr__(self) -> str:
        return "schedule"


@contextlib.contextmanager
def _record_optimizer_steps():
    """Record the LR of every param group at every ``optimizer.step()`` of any torch optimizer."""
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    seen: list[list[float]] = []

    def hook(optimizer, args, kwargs):
        seen.append([float(group["lr"]) for group in optimizer.param_groups])

    handle = register_optimizer_step_pre_hook(hook)
    try:
        yield seen
    finally:
        handle.remove()


def _run_training(train_fn, schedule, steps: int, seed: int):
    with _record_optimizer_steps() as seen, _quiet():
        try:
            history = train_fn(schedule, steps, seed)
        except NotImplementedError:
            raise AssertionError(i18n.t("checks.not_implemented", name="train_mlp")) from None
        except Exception as exc:
            raise AssertionError(
                i18n.t("checks.train.raised", steps=steps, seed=seed, error=_error_text(exc), where=_where(exc))
            ) from None
    return history, seen


def _history_parts(history, steps: int):
    if not isinstance(history, dict):
        raise AssertionError(i18n.t("checks.train.not_dict", got=_short_repr(history)))
    missing = [k for k in ("lr", "loss", "test_acc") if k not in history]
    if missing:
        raise AssertionError(i18n.t("checks.train.keys", missing=", ".join(repr(k) for k in missing)))
    try:
        loss = np.asarray(history["loss"], dtype=np.float64).ravel()
    except Exception:  # e.g. tensors that require grad (loss instead of loss.item())
        loss = None
    if loss is None or loss.size != steps or not np.all(np.isfinite(loss)):
        n = "?" if loss is None else loss.size
        detail = ""
        if loss is not None and loss.size and not np.all(np.isfinite(loss)):
            i = int(np.flatnonzero(~np.isfinite(loss))[0])
            detail = f" (loss[{i}] = {loss[i]})"
        raise AssertionError(i18n.t("checks.train.loss", steps=steps, n=n, detail=detail))
    acc, why = _as_number(history["test_acc"])
    if why or not 0.0 <= acc <= 1.0:
        raise AssertionError(i18n.t("checks.train.acc", got=_short_repr(history["test_acc"])))
    try:
        lrs = np.asarray(history["lr"], dtype=np.float64).ravel()
    except Exception:
        lrs = np.array([np.nan])
    return lrs, loss, acc


def check_train_mlp(train_fn, *, steps: int = 40, seed: int = 0) -> None:
    """Check the learner's training loop ``train_mlp(schedule, steps, seed) -> history``.

    It runs ``train_mlp`` twice on a probe schedule for ``steps`` updates, watching every
    ``optimizer.step()`` of any ``torch.optim`` optimizer, and checks that update ``t`` used
    exactly ``schedule(t)`` (in every param group), that ``history["lr"]`` records it, that
    ``history["loss"]`` has one finite loss per step, that ``history["test_acc"]`` is in [0, 1],
    and that the same seed gives the same losses.
    """
    if not callable(train_fn):
        raise AssertionError(i18n.t("checks.train.not_callable", got=_short_repr(train_fn)))
    probe = _ProbeSchedule()
    history, seen = _run_training(train_fn, probe, steps, seed)
    lrs, loss, _ = _history_parts(history, steps)
    if not seen:
        raise AssertionError(i18n.t("checks.train.no_steps"))
    if len(seen) != steps:
        raise AssertionError(i18n.t("checks.train.n_steps", steps=steps, n=len(seen)))
    for t, groups in enumerate(seen):
        if not np.allclose(groups, groups[0], rtol=1e-9, atol=0.0):
            raise AssertionError(i18n.t("checks.train.groups", t=t, lrs=[_fmt(g) for g in groups]))
    used = np.array([groups[0] for groups in seen])
    want = np.array([probe(t) for t in range(steps)])

    def same(a, b):
        return bool(np.allclose(a, b, rtol=1e-6, atol=0.0))

    if not same(used, want):
        if same(used, [probe(t + 1) for t in range(steps)]):
            raise AssertionError(i18n.t("checks.train.lr_ahead", first=_fmt(used[0]), expected=_fmt(want[0])))
        if same(used[1:], want[:-1]):
            raise AssertionError(i18n.t("checks.train.lr_late", got=_fmt(used[1]), expected=_fmt(want[1])))
        if same(used, np.full(steps, used[0])):
            raise AssertionError(i18n.t("checks.train.lr_constant", lr=_fmt(used[0])))
        t = int(np.flatnonzero(~np.isclose(used, want, rtol=1e-6, atol=0.0))[0])
        raise AssertionError(i18n.t("checks.train.lr_wrong", t=t, got=_fmt(used[t]), expected=_fmt(want[t])))
    if lrs.size != steps or not np.all(np.isclose(lrs, used, rtol=1e-6, atol=0.0)):
        if lrs.size != steps:
            t = min(lrs.size, steps - 1)
            got = _fmt(lrs[t]) if t < lrs.size else "—"
        else:
            t = int(np.flatnonzero(~np.isclose(lrs, used, rtol=1e-6, atol=0.0))[0])
            got = _fmt(lrs[t])
        raise AssertionError(i18n.t("checks.train.history_lr", t=t, got=got, used=_fmt(used[t])))
    again, _ = _run_training(train_fn, probe, steps, seed)
    _, loss2, _ = _history_parts(again, steps)
    differ = np.flatnonzero(~np.isclose(loss, loss2, rtol=1e-5, atol=1e-7))
    if differ.size:
        t = int(differ[0])
        raise AssertionError(i18n.t("checks.train.not_deterministic", t=t, a=_fmt(loss[t]), b=_fmt(loss2[t])))
    print(i18n.t("checks.train.pass", steps=steps))


def check_histories(histories, functions=None, *, floor: float = ACCURACY_FLOOR) -> None:
    """Check the five MLP runs: ``histories[key]`` for every key of :data:`SCHEDULE_KEYS`, each
    trained for :data:`MLP_STEPS` steps with ``MLP_ARGS[key]``: the LR at every step equals the
    schedule, the loss falls, and the test accuracy is at least ``floor``.

    ``functions``: as in :func:`check_plot`; an LR that follows the learner's own (still wrong)
    schedule function is accepted with a note.
    """
    own = _own_functions(functions, "check_histories")
    notes: list[str] = []
    if not isinstance(histories, dict) or set(histories) != set(SCHEDULE_KEYS):
        got = sorted(histories) if isinstance(histories, dict) else _short_repr(histories)
        raise AssertionError(i18n.t("checks.hist.keys", expected=list(SCHEDULE_KEYS), got=got))
    steps = MLP_STEPS
    accuracies = {}
    for key in SCHEDULE_KEYS:
        lrs, loss, acc = _history_parts(histories[key], steps)
        if lrs.size != steps:
            raise AssertionError(i18n.t("checks.hist.len", curve=key, n=lrs.size, steps=steps))
        args = MLP_ARGS[key]
        ref = _reference_curve(key, np.arange(steps), args)
        bad = np.flatnonzero(~np.isclose(lrs, ref, rtol=1e-5, atol=1e-9))
        if bad.size and _follows_own(own.get(key), key, np.arange(steps), args, lrs):
            notes.append(i18n.t("checks.hist.follows_own", curve=key, name=_FUNCTION_NAMES[key]))
        elif bad.size:
            t = int(bad[0])
            raise AssertionError(
                i18n.t(
                    "checks.hist.lr",
                    curve=key,
                    t=t,
                    got=_fmt(lrs[t]),
                    expected=_fmt(ref[t]),
                    call=_call_text(_FUNCTION_NAMES[key], (t, *args)),
                )
            )
        w = max(1, steps // 10)
        first, last = float(loss[:w].mean()), float(loss[-w:].mean())
        if not last < 0.5 * first:
            raise AssertionError(i18n.t("checks.hist.loss", curve=key, w=w, first=first, last=last))
        if acc < floor:
            raise AssertionError(i18n.t("checks.hist.acc", curve=key, acc=acc, floor=floor))
        accuracies[key] = acc
    worst = min(accuracies, key=accuracies.get)
    print("\n".join([i18n.t("checks.hist.pass", steps=steps, floor=floor, worst=worst, acc=accuracies[worst]), *notes]))
