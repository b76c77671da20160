"""plot_all_schedules(): correct variants and the usual mistakes (Part 2)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lrcourse.checks import PLOT_ARGS, PLOT_T  # noqa: E402

from . import buggy, correct  # noqa: E402
from .schedules import (  # noqa: E402
    constant_plain,
    cos_lesson,
    exp_power,
    step_floor_div,
    wc_lesson_with_lr_min,
    wc_numpy_where,
)

FUNCTIONS = {
    "constant": constant_plain,
    "step": step_floor_div,
    "exponential": exp_power,
    "cosine": cos_lesson,
    "warmup_cosine": wc_lesson_with_lr_min,
}


def _curves(n=PLOT_T + 1, args=PLOT_ARGS, functions=FUNCTIONS):
    return {key: np.array([float(fn(t, *args[key])) for t in range(n)]) for key, fn in functions.items()}


def _figure(curves, *, legend=True, labels=True, skip=()):
    fig, ax = plt.subplots()
    for key, values in curves.items():
        if key not in skip:
            ax.plot(values, label=key)
    if labels:
        ax.set_xlabel("step")
        ax.set_ylabel("lr")
    if legend:
        ax.legend()
    return fig


@correct("plot")
def plot_solution_style():
    curves = _curves()
    return _figure(curves), curves


@correct("plot")
def plot_vectorised_T_points_two_axes():
    steps = np.arange(PLOT_T)
    functions = dict(FUNCTIONS, warmup_cosine=wc_numpy_where)
    curves = {key: np.array([functions[key](int(t), *PLOT_ARGS[key]) for t in steps], dtype=np.float32)
              for key in FUNCTIONS}
    fig, (ax1, ax2) = plt.subplots(1, 2)
    for key, values in curves.items():
        ax1.plot(steps, values, label=key)
        ax2.semilogy(steps, values, label=key)
    for ax in (ax1, ax2):
        ax.set_xlabel("t")
        ax.set_ylabel("learning rate")
    fig.legend()
    return fig, curves


@correct("plot")
def plot_lists_not_arrays():
    curves = {key: list(values) for key, values in _curves().items()}
    return _figure(curves), curves


@buggy("plot", "checks.plot.not_pair")
def plot_returns_curves_only():
    curves = _curves()
    _figure(curves)
    return curves


@buggy("plot", "checks.plot.not_figure")
def plot_returns_axes():
    curves = _curves()
    fig = _figure(curves)
    return fig.axes[0], curves


@buggy("plot", "checks.plot.keys")
def plot_missing_a_schedule():
    curves = _curves()
    del curves["exponential"]
    return _figure(curves), curves


@buggy("plot", "checks.plot.values")
def plot_wrong_arguments():
    args = dict(PLOT_ARGS, step=(1e-3, 0.5, 1_000))
    curves = _curves(args=args)
    return _figure(curves), curves


@buggy("plot", "checks.plot.values")
def plot_positional_order_swapped():
    functions = dict(FUNCTIONS, cosine=lambda t, T, a, b: cos_lesson(t, T, b, a))
    curves = _curves(functions=functions)
    return _figure(curves), curves


@buggy("plot", "checks.plot.not_plotted")
def plot_forgets_one_curve():
    curves = _curves()
    return _figure(curves, skip=("cosine",)), curves


@buggy("plot", "checks.plot.legend")
def plot_without_legend():
    curves = _curves()
    return _figure(curves, legend=False), curves


@buggy("plot", "checks.plot.labels")
def plot_without_labels():
    curves = _curves()
    return _figure(curves, labels=False), curves


@buggy("plot", "checks.plot.length")
def plot_too_short():
    curves = _curves(n=1_000)
    return _figure(curves), curves


@buggy("plot", "checks.plot.raised")
def plot_raises():
    curves = {key: fn(np.arange(PLOT_T + 1), *PLOT_ARGS[key]) for key, fn in FUNCTIONS.items()}  # scalar code on arrays
    return _figure(curves), curves


@buggy("plot", "checks.not_implemented")
def plot_stub():
    raise NotImplementedError()
