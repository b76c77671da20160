"""The five schedule functions: correct variants in many styles, and the usual mistakes."""

# ruff: noqa: E731
from __future__ import annotations

import math

import numpy as np

from . import buggy, correct

# --------------------------------------------------------------------------------------------
# constant_lr(t, lr0=1e-3) -> lr0
# --------------------------------------------------------------------------------------------


@correct("constant")
def constant_plain(t, lr0=1e-3):
    return lr0


@correct("constant")
def constant_float32(t, lr0=1e-3):
    return np.float32(lr0)


@correct("constant")
def constant_numpy_0d(step, base_lr=1e-3):
    return np.full((), base_lr) + 0 * np.asarray(step)


@correct("constant")
def constant_list_of_one(t, lr0=1e-3):
    return np.array([lr0])


@buggy("constant", "checks.m.ignored")
def constant_hardcoded(t, lr0=1e-3):
    return 1e-3


@buggy("constant", "checks.returned_none")
def constant_no_return(t, lr0=1e-3):
    lr = lr0  # noqa: F841


@buggy("constant", "checks.not_a_number")
def constant_string(t, lr0=1e-3):
    return f"{lr0}"


@buggy("constant", "checks.not_implemented")
def constant_stub(t, lr0=1e-3):
    # YOUR CODE HERE
    raise NotImplementedError()


@buggy("constant", "checks.signature")
def constant_no_t(lr0=1e-3):
    return lr0


@buggy("constant", "checks.raised")
def constant_raises(t, lr0=1e-3):
    return lr0 * t / t  # ZeroDivisionError at t = 0


# --------------------------------------------------------------------------------------------
# step_decay(t, lr0=0.1, gamma=0.1, k=30) -> lr0 * gamma ** (t // k)
# --------------------------------------------------------------------------------------------


@correct("step")
def step_floor_div(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t // k)


@correct("step")
def step_math_floor(epoch, lr0=0.1, gamma=0.1, k=30):
    return lr0 * math.pow(gamma, math.floor(epoch / k))


@correct("step")
def step_int_div(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** int(t / k)


@correct("step")
def step_for_loop(t, lr0=0.1, gamma=0.1, k=30):
    lr = lr0
    for _ in range(t // k):
        lr *= gamma
    return lr


@correct("step")
def step_while_loop(t, lr0=0.1, gamma=0.1, k=30):
    lr, remaining = lr0, t
    while remaining >= k:
        lr = lr * gamma
        remaining -= k
    return lr


@correct("step")
def step_numpy(t, lr0=0.1, gamma=0.1, k=30):
    t = np.asarray(t)
    return lr0 * np.power(gamma, np.floor_divide(t, k))


@correct("step")
def step_float32(t, lr0=0.1, gamma=0.1, k=30):
    return np.float32(lr0) * np.float32(gamma) ** np.float32(t // k)


@buggy("step", "checks.m.float_division")
def step_float_division(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t / k)


@buggy("step", "checks.m.rounding")
def step_round(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** round(t / k)


@buggy("step", "checks.m.rounding")
def step_ceil(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** math.ceil(t / k)


@buggy("step", "checks.m.t_plus_one")
def step_counts_from_one(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** ((t + 1) // k)


@buggy("step", "checks.m.extra_decay")
def step_first_drop_at_zero(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t // k + 1)


@buggy("step", "checks.m.ignored")
def step_hardcoded_k(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t // 30)


@buggy("step", "checks.m.ignored")
def step_hardcoded_all(t, lr0=0.1, gamma=0.1, k=30):
    return 0.1 * 0.1 ** (t // 30)


@buggy("step", "checks.m.wrong_defaults")
def step_wrong_default(t, lr0=0.1, gamma=0.5, k=30):
    return lr0 * gamma ** (t // k)


@buggy("step", "checks.returned_none")
def step_print_not_return(t, lr0=0.1, gamma=0.1, k=30):
    print if False else None  # a learner who printed instead of returning
    lr0 * gamma ** (t // k)


@buggy("step", "checks.returned_none")
def step_branch_without_return(t, lr0=0.1, gamma=0.1, k=30):
    if t < k:
        return lr0
    lr0 * gamma ** (t // k)


@buggy("step", "checks.raised")
def step_name_error(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (epoch // k)  # noqa: F821  (the lesson's variable name)


@buggy("step", "checks.timeout")
def step_infinite_loop(t, lr0=0.1, gamma=0.1, k=30):
    lr, remaining = lr0, t
    while remaining >= k:
        lr = lr * gamma  # forgot: remaining -= k
    return lr


# --------------------------------------------------------------------------------------------
# exponential_decay(t, lr0=1e-3, gamma=0.999) -> lr0 * gamma ** t
# --------------------------------------------------------------------------------------------


@correct("exponential")
def exp_power(t, lr0=1e-3, gamma=0.999):
    return lr0 * gamma**t


@correct("exponential")
def exp_log_form(t, lr0=1e-3, gamma=0.999):
    return lr0 * math.exp(t * math.log(gamma))


@correct("exponential")
def exp_loop(t, lr0=1e-3, gamma=0.999):
    lr = lr0
    for _ in range(t):
        lr *= gamma
    return lr


@correct("exponential")
def exp_numpy(t, lr0=1e-3, gamma=0.999):
    return lr0 * np.power(gamma, np.asarray(t, dtype=np.float64))


@correct("exponential")
def exp_float32_throughout(t, lr0=1e-3, gamma=0.999):
    return np.float32(lr0) * np.float32(gamma) ** np.float32(t)


@buggy("exponential", "checks.m.t_plus_one")
def exp_off_by_one(t, lr0=1e-3, gamma=0.999):
    return lr0 * gamma ** (t + 1)


@buggy("exponential", "checks.m.exp_e")
def exp_e_gamma(t, lr0=1e-3, gamma=0.999):
    return lr0 * math.exp(-gamma * t)


@buggy("exponential", "checks.m.exp_e")
def exp_e_one_minus_gamma(t, lr0=1e-3, gamma=0.999):
    return lr0 * np.exp(-(1 - gamma) * t)


@buggy("exponential", "checks.m.ignored")
def exp_hardcoded_gamma(t, lr0=1e-3, gamma=0.999):
    return lr0 * 0.999**t


@buggy("exponential", note="not a usual mistake: caught without a name")
def exp_times_t(t, lr0=1e-3, gamma=0.999):
    return lr0 * gamma * t


# --------------------------------------------------------------------------------------------
# cosine_lr(t, T, lr_max=1e-3, lr_min=1e-5)
# --------------------------------------------------------------------------------------------


@correct("cosine")
def cos_lesson(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / T))


@correct("cosine")
def cos_numpy(t, T, lr_max=1e-3, lr_min=1e-5):
    progress = np.asarray(t) / T
    return lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * progress)) / 2


@correct("cosine")
def cos_from_top(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_max - (lr_max - lr_min) * (1 - math.cos(math.pi * t / T)) / 2


@correct("cosine")
def cos_squared_identity(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + (lr_max - lr_min) * math.cos(math.pi * t / (2 * T)) ** 2


@correct("cosine")
def cos_float32(t, T, lr_max=1e-3, lr_min=1e-5):
    x = np.float32(np.pi) * np.float32(t) / np.float32(T)
    return np.float32(lr_min) + np.float32(0.5) * np.float32(lr_max - lr_min) * (np.float32(1) + np.cos(x))


@buggy("cosine", "checks.m.missing_lr_min")
def cos_no_lr_min(t, T, lr_max=1e-3, lr_min=1e-5):
    return 0.5 * lr_max * (1 + math.cos(math.pi * t / T))


@buggy("cosine", "checks.m.lr_min_amplitude")
def cos_lr_min_not_subtracted(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * lr_max * (1 + math.cos(math.pi * t / T))


@buggy("cosine", "checks.m.period_full")
def cos_full_period(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(2 * math.pi * t / T))


@buggy("cosine", "checks.m.period_quarter")
def cos_quarter_period(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / (2 * T)))


@buggy("cosine", "checks.m.missing_pi")
def cos_no_pi(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(t / T))


@buggy("cosine", "checks.m.rising")
def cos_rising(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 - math.cos(math.pi * t / T))


@buggy("cosine", "checks.m.t_plus_one")
def cos_t_plus_one(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * (t + 1) / T))


@buggy("cosine", "checks.m.horizon_off_by_one")
def cos_T_minus_one(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / (T - 1)))


@buggy("cosine", "checks.m.ignored")
def cos_hardcoded_T(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / 10_000))


@buggy("cosine", "checks.m.ignored")
def cos_ignores_lr_min(t, T, lr_max=1e-3, lr_min=1e-5):
    return 1e-5 + 0.5 * (lr_max - 1e-5) * (1 + math.cos(math.pi * t / T))


@buggy("cosine", "checks.signature")
def cos_lesson_without_lr_min(t, T, lr_max=1e-3):
    return 0.5 * lr_max * (1 + math.cos(math.pi * t / T))


@buggy("cosine", note="degrees instead of radians: caught without a name")
def cos_degrees(t, T, lr_max=1e-3, lr_min=1e-5):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(180 * t / T))


@buggy("cosine", "checks.returned_none")
def cos_no_return(t, T, lr_max=1e-3, lr_min=1e-5):
    lr = lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / T))  # noqa: F841


# --------------------------------------------------------------------------------------------
# warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5)
# --------------------------------------------------------------------------------------------

_cos = cos_lesson


@correct("warmup_cosine")
def wc_lesson_with_lr_min(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return _cos(t - warmup, T - warmup, lr_max, lr_min)


@correct("warmup_cosine")
def wc_less_equal_boundary(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t <= warmup:
        return lr_max * t / warmup
    progress = (t - warmup) / (T - warmup)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * progress))


@correct("warmup_cosine")
def wc_numpy_where(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    t = np.asarray(t, dtype=np.float64)
    warm = lr_max * t / warmup
    cos = lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * (t - warmup) / (T - warmup)))
    return np.where(t < warmup, warm, cos)


@correct("warmup_cosine")
def wc_min_form(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    scale = min(1.0, t / warmup)
    if scale < 1.0:
        return lr_max * scale
    return cos_numpy(t - warmup, T - warmup, lr_max, lr_min)


@correct("warmup_cosine")
def wc_float32(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return np.float32(lr_max) * np.float32(t) / np.float32(warmup)
    return cos_float32(t - warmup, T - warmup, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.not_shifted")
def wc_not_shifted(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return _cos(t, T - warmup, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.not_shifted")
def wc_not_shifted_over_T(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return _cos(t, T, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.stretched")
def wc_stretched(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return _cos(t - warmup, T, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.warmup_start")
def wc_warmup_from_one(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * (t + 1) / warmup
    return _cos(t - warmup, T - warmup, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.warmup_start")
def wc_warmup_from_lr_min(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_min + (lr_max - lr_min) * t / warmup
    return _cos(t - warmup, T - warmup, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.warmup_early")
def wc_warmup_early(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * min(1.0, t / (warmup - 1))
    return _cos(t - warmup, T - warmup, lr_max, lr_min)


@buggy("warmup_cosine", "checks.signature", "checks.signature.lesson")
def wc_lesson_exactly(t, warmup, T, lr_max=1e-3):
    if t < warmup:
        return lr_max * t / warmup
    return _cos(t - warmup, T - warmup, lr_max)


@buggy("warmup_cosine", "checks.m.ignored")
def wc_lr_min_not_passed_on(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return _cos(t - warmup, T - warmup, lr_max)  # lr_min falls back to cosine_lr's default


@buggy("warmup_cosine", "checks.m.cosine_part", "checks.m.missing_lr_min")
def wc_uses_cosine_without_lr_min(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return cos_no_lr_min(t - warmup, T - warmup, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.cosine_part", "checks.m.period_full")
def wc_uses_full_period_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return cos_full_period(t - warmup, T - warmup, lr_max, lr_min)


@buggy("warmup_cosine", "checks.m.ignored")
def wc_hardcoded_warmup(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < 1000:
        return lr_max * t / 1000
    return _cos(t - 1000, T - 1000, lr_max, lr_min)


@buggy("warmup_cosine", "checks.raised")
def wc_undefined_helper(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return cosine(t - warmup, T - warmup, lr_max, lr_min)  # noqa: F821


@buggy("warmup_cosine", "checks.returned_none")
def wc_warmup_branch_only(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    _cos(t - warmup, T - warmup, lr_max, lr_min)
