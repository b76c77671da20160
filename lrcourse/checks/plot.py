"""The plot check (Part 2 of the assignment), and the plot labels for the learner's own plots.

These are the raw checks; the package exports them wrapped by :func:`~.guard.guarded`.
"""

from __future__ import annotations

from .guard import BUILTINS as __builtins__  # noqa: F401  (see guard.py)

from typing import Any

from .. import i18n
from .formulas import reference_values
from .sandbox import error_text, float_list, follows_own, fmt, call_text, own_functions, quiet, short_repr, where
from .settings import FUNCTION_NAMES, PLOT_ARGS, PLOT_T, SCHEDULE_KEYS

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
        raise AssertionError(i18n.t("checks.plot.not_callable", got=short_repr(plot_fn)))
    own = own_functions(functions, "check_plot")
    before = set(plt.get_fignums())
    failure = result = None
    try:
        with quiet():
            result = plot_fn()
    except NotImplementedError:
        failure = i18n.t("checks.not_implemented", name="plot_all_schedules")
    except Exception as exc:
        failure = i18n.t("checks.plot.raised", error=error_text(exc), where=where(exc))
    try:
        if failure is None:
            notes = _check_plot_result(result, Figure, own)
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    if failure is not None:
        raise AssertionError(failure)
    print("\n".join([i18n.t("checks.plot.pass", T=f"{PLOT_T:,}"), *notes]))


def _check_plot_result(result, Figure, own: dict) -> list[str]:
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise AssertionError(i18n.t("checks.plot.not_pair", got=short_repr(result)))
    fig, curves = result
    if not isinstance(fig, Figure):
        raise AssertionError(i18n.t("checks.plot.not_figure", got=short_repr(fig)))
    if not isinstance(curves, dict) or set(curves) != set(SCHEDULE_KEYS):
        got = sorted(curves) if isinstance(curves, dict) else short_repr(curves)
        raise AssertionError(i18n.t("checks.plot.keys", expected=list(SCHEDULE_KEYS), got=got))
    values: dict[str, list[float]] = {}
    notes: list[str] = []
    for key in SCHEDULE_KEYS:
        y = float_list(curves[key])
        if y is None:
            raise AssertionError(i18n.t("checks.plot.length", curve=key, n="?", T=PLOT_T, expected=PLOT_T + 1))
        if len(y) not in (PLOT_T, PLOT_T + 1):
            raise AssertionError(i18n.t("checks.plot.length", curve=key, n=len(y), T=PLOT_T, expected=PLOT_T + 1))
        steps = range(len(y))
        args = PLOT_ARGS[key]
        ref = reference_values(key, steps, args)
        scale = max(abs(r) for r in ref)  # the curve's own size (not gamma, which is a float too)
        bad = [t for t in steps if not abs(y[t] - ref[t]) <= 1e-6 * scale + 2e-5 * abs(ref[t]) + 1.5e-7 * t * abs(ref[t])]
        if bad and follows_own(own.get(key), steps, args, y):
            notes.append(i18n.t("checks.follows_own", curve=key, name=FUNCTION_NAMES[key]))
        elif bad:
            t = bad[0]
            call = call_text(FUNCTION_NAMES[key], (t, *args))
            raise AssertionError(i18n.t("checks.plot.values", curve=key, t=t, got=fmt(y[t]), expected=fmt(ref[t]), call=call))
        values[key] = y
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    for key, y in values.items():
        if not any(_same_curve(line, y) for line in lines):
            raise AssertionError(i18n.t("checks.plot.not_plotted", curve=key))
    axes = [ax for ax in fig.axes if ax.get_lines()]
    if not all(ax.get_xlabel().strip() and ax.get_ylabel().strip() for ax in axes):
        raise AssertionError(i18n.t("checks.plot.labels"))
    if not (fig.legends or all(ax.get_legend() is not None for ax in axes)):
        raise AssertionError(i18n.t("checks.plot.legend"))
    return notes


def _same_curve(line, y: list[float]) -> bool:
    """Whether a drawn line shows the values ``y`` (relative tolerance 1e-6, as numpy.allclose)."""
    ydata = float_list(line.get_ydata())
    if ydata is None or len(ydata) != len(y):
        return False
    return all(abs(a - b) <= 1e-6 * abs(b) for a, b in zip(ydata, y))
