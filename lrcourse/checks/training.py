"""The training checks (Part 3 of the assignment): the learner's loop, and the five MLP runs.

These are the raw checks; the package exports them wrapped by :func:`~.guard.guarded`.
"""

from __future__ import annotations

from .guard import BUILTINS as __builtins__  # noqa: F401  (see guard.py)

from math import isfinite

from .. import i18n
from .formulas import reference_values
from .sandbox import (
    as_number,
    call_text,
    error_text,
    float_list,
    fmt,
    follows_own,
    isclose,
    own_functions,
    quiet,
    short_repr,
    where,
)
from .settings import ACCURACY_FLOOR, FUNCTION_NAMES, MLP_ARGS, MLP_STEPS, SCHEDULE_KEYS


class _ProbeSchedule:
    """A schedule whose neighbouring values all differ (0.02 ... 0.06), so that a loop that is one
    step early or late, or never sets the LR, is told apart from a correct one."""

    def __call__(self, t) -> float:
        return 0.02 + 0.01 * ((3 * int(t)) % 5)

    def __repr__(self) -> str:
        return "schedule"


class _OptimizerSteps:
    """Record the LR of every param group at every ``optimizer.step()`` of any torch optimizer, as
    plain floats (the stored value of a float subclass, not what its ``__float__`` claims)."""

    def __enter__(self) -> list[list[float]]:
        from torch.optim.optimizer import register_optimizer_step_pre_hook

        seen: list[list[float]] = []

        def hook(optimizer, args, kwargs):
            seen.append([_lr_value(group["lr"]) for group in optimizer.param_groups])

        self.handle = register_optimizer_step_pre_hook(hook)
        return seen

    def __exit__(self, *exc) -> bool:
        self.handle.remove()
        return False


def _lr_value(lr) -> float:
    number, why = as_number(lr)
    return number if why in (None, "finite") else float(lr)  # float() raises the usual error


def _all_close(a, b, rtol: float, atol: float = 0.0) -> bool:
    return len(a) == len(b) and all(isclose(x, y, rtol, atol) for x, y in zip(a, b))


def _run_training(train_fn, schedule, steps: int, seed: int):
    failure = history = None
    with _OptimizerSteps() as seen, quiet():
        try:
            history = train_fn(schedule, steps, seed)
        except NotImplementedError:
            failure = i18n.t("checks.not_implemented", name="train_mlp")
        except Exception as exc:
            failure = i18n.t("checks.train.raised", steps=steps, seed=seed, error=error_text(exc), where=where(exc))
    if failure is not None:
        raise AssertionError(failure)
    return history, list(seen)


def _history_parts(history, steps: int):
    """``(lrs, losses, test accuracy)`` of a history as plain floats; AssertionError when malformed."""
    if not isinstance(history, dict):
        raise AssertionError(i18n.t("checks.train.not_dict", got=short_repr(history)))
    missing = [k for k in ("lr", "loss", "test_acc") if k not in history]
    if missing:
        raise AssertionError(i18n.t("checks.train.keys", missing=", ".join(repr(k) for k in missing)))
    loss = float_list(history["loss"])
    finite = loss is not None and all(isfinite(v) for v in loss)
    if loss is None or len(loss) != steps or not finite:
        n = "?" if loss is None else len(loss)
        detail = ""
        if loss and not finite:
            i = next(i for i, v in enumerate(loss) if not isfinite(v))
            detail = f" (loss[{i}] = {loss[i]})"
        raise AssertionError(i18n.t("checks.train.loss", steps=steps, n=n, detail=detail))
    acc, why = as_number(history["test_acc"])
    if why or not 0.0 <= acc <= 1.0:
        raise AssertionError(i18n.t("checks.train.acc", got=short_repr(history["test_acc"])))
    lrs = float_list(history["lr"])
    return (lrs if lrs is not None else [float("nan")]), loss, acc


def check_train_mlp(train_fn, *, steps: int = 40, seed: int = 0) -> None:
    """Check the learner's training loop ``train_mlp(schedule, steps, seed) -> history``.

    It runs ``train_mlp`` twice on a probe schedule for ``steps`` updates, watching every
    ``optimizer.step()`` of any ``torch.optim`` optimizer, and checks that update ``t`` used
    exactly ``schedule(t)`` (in every param group), that ``history["lr"]`` records it, that
    ``history["loss"]`` has one finite loss per step, that ``history["test_acc"]`` is in [0, 1],
    and that the same seed gives the same losses.
    """
    if not callable(train_fn):
        raise AssertionError(i18n.t("checks.train.not_callable", got=short_repr(train_fn)))
    probe = _ProbeSchedule()
    history, seen = _run_training(train_fn, probe, steps, seed)
    lrs, loss, _ = _history_parts(history, steps)
    _check_lrs_used(seen, lrs, steps, probe)
    again, _ = _run_training(train_fn, probe, steps, seed)
    _, loss2, _ = _history_parts(again, steps)
    differ = [t for t in range(steps) if not isclose(loss[t], loss2[t], 1e-5, 1e-7)]
    if differ:
        t = differ[0]
        raise AssertionError(i18n.t("checks.train.not_deterministic", t=t, a=fmt(loss[t]), b=fmt(loss2[t])))
    print(i18n.t("checks.train.pass", steps=steps))


def _check_lrs_used(seen: list[list[float]], lrs: list[float], steps: int, probe) -> None:
    """Update t used schedule(t) in every param group, and history["lr"] records it."""
    if not seen:
        raise AssertionError(i18n.t("checks.train.no_steps"))
    if len(seen) != steps:
        raise AssertionError(i18n.t("checks.train.n_steps", steps=steps, n=len(seen)))
    for t, groups in enumerate(seen):
        if not all(isclose(g, groups[0], 1e-9, 0.0) for g in groups):
            raise AssertionError(i18n.t("checks.train.groups", t=t, lrs=[fmt(g) for g in groups]))
    used = [groups[0] for groups in seen]
    want = [probe(t) for t in range(steps)]
    if not _all_close(used, want, 1e-6):
        if _all_close(used, [probe(t + 1) for t in range(steps)], 1e-6):
            raise AssertionError(i18n.t("checks.train.lr_ahead", first=fmt(used[0]), expected=fmt(want[0])))
        if _all_close(used[1:], want[:-1], 1e-6):
            raise AssertionError(i18n.t("checks.train.lr_late", got=fmt(used[1]), expected=fmt(want[1])))
        if _all_close(used, [used[0]] * steps, 1e-6):
            raise AssertionError(i18n.t("checks.train.lr_constant", lr=fmt(used[0])))
        t = next(t for t in range(steps) if not isclose(used[t], want[t], 1e-6, 0.0))
        raise AssertionError(i18n.t("checks.train.lr_wrong", t=t, got=fmt(used[t]), expected=fmt(want[t])))
    if len(lrs) != steps or not _all_close(lrs, used, 1e-6):
        if len(lrs) != steps:
            t = min(len(lrs), steps - 1)
            got = fmt(lrs[t]) if t < len(lrs) else "—"
        else:
            t = next(t for t in range(steps) if not isclose(lrs[t], used[t], 1e-6, 0.0))
            got = fmt(lrs[t])
        raise AssertionError(i18n.t("checks.train.history_lr", t=t, got=got, used=fmt(used[t])))


def check_histories(histories, functions=None, *, floor: float = ACCURACY_FLOOR) -> None:
    """Check the five MLP runs: ``histories[key]`` for every key of :data:`SCHEDULE_KEYS`, each
    trained for :data:`MLP_STEPS` steps with ``MLP_ARGS[key]``: the LR at every step equals the
    schedule, the loss falls, and the test accuracy is at least ``floor``.

    ``functions``: as in :func:`~.plot.check_plot`; an LR that follows the learner's own (still
    wrong) schedule function is accepted with a note.
    """
    own = own_functions(functions, "check_histories")
    notes: list[str] = []
    if not isinstance(histories, dict) or set(histories) != set(SCHEDULE_KEYS):
        got = sorted(histories) if isinstance(histories, dict) else short_repr(histories)
        raise AssertionError(i18n.t("checks.hist.keys", expected=list(SCHEDULE_KEYS), got=got))
    steps = MLP_STEPS
    accuracies = {}
    for key in SCHEDULE_KEYS:
        lrs, loss, acc = _history_parts(histories[key], steps)
        if len(lrs) != steps:
            raise AssertionError(i18n.t("checks.hist.len", curve=key, n=len(lrs), steps=steps))
        args = MLP_ARGS[key]
        ref = reference_values(key, range(steps), args)
        bad = [t for t in range(steps) if not isclose(lrs[t], ref[t], 1e-5, 1e-9)]
        if bad and follows_own(own.get(key), range(steps), args, lrs):
            notes.append(i18n.t("checks.hist.follows_own", curve=key, name=FUNCTION_NAMES[key]))
        elif bad:
            t = bad[0]
            call = call_text(FUNCTION_NAMES[key], (t, *args))
            raise AssertionError(i18n.t("checks.hist.lr", curve=key, t=t, got=fmt(lrs[t]), expected=fmt(ref[t]), call=call))
        w = max(1, steps // 10)
        first, last = sum(loss[:w]) / w, sum(loss[-w:]) / w
        if not last < 0.5 * first:
            raise AssertionError(i18n.t("checks.hist.loss", curve=key, w=w, first=first, last=last))
        if acc < floor:
            raise AssertionError(i18n.t("checks.hist.acc", curve=key, acc=acc, floor=floor))
        accuracies[key] = acc
    worst = min(accuracies, key=accuracies.get)
    print("\n".join([i18n.t("checks.hist.pass", steps=steps, floor=floor, worst=worst, acc=accuracies[worst]), *notes]))
