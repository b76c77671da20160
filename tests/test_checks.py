"""Unit tests of ``lrcourse.checks`` against the corpus in ``tests/assignment_corpus``.

- every correct implementation passes (scalar, NumPy, loops, float32, ``<=`` at the warmup
  boundary, torch schedulers used in the right order), with and without the hidden random cases;
- every buggy one fails with an ``AssertionError`` whose message names its mistake, in English and
  in Bengali;
- the reference formulas agree with ``lrcourse.schedules`` and PyTorch where those define the same
  schedule, and each usual mistake differs from the formula at some visible case (so none can slip
  through the tolerance);
- odd inputs (not a function, NaN, arrays, booleans) give a message, never a crash.
"""

from __future__ import annotations

import contextlib
import io
import math
import string

import numpy as np
import pytest
import torch

import lrcourse
from lrcourse import checks, i18n
from lrcourse.checks import sandbox
from lrcourse.checks.formulas import SPECS, close  # the specs behind the checks, to test the tolerances

import assignment_corpus

ENTRIES = assignment_corpus.load()
CHECKS = {
    "constant": checks.check_constant_lr,
    "step": checks.check_step_decay,
    "exponential": checks.check_exponential_decay,
    "cosine": checks.check_cosine_lr,
    "warmup_cosine": checks.check_warmup_cosine,
    "plot": checks.check_plot,
    "train": checks.check_train_mlp,
}
SCHEDULE_PARTS = ("constant", "step", "exponential", "cosine", "warmup_cosine")


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def run_check(entry, **kwargs) -> str | None:
    """The failure message, or None when the check passes (its ✓ line is swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            CHECKS[entry.part](entry.fn, **kwargs)
        except AssertionError as exc:
            return str(exc)
    return None


def phrase(key: str, language: str) -> str:
    """The longest literal piece of a message template: what any message built from it contains."""
    template = i18n.CATALOGUE[key][language]
    return max((literal for literal, *_ in string.Formatter().parse(template)), key=len).strip()


def _ids(entries):
    return [e.id for e in entries]


CORRECT = [e for e in ENTRIES if e.ok]
BUGGY = [e for e in ENTRIES if not e.ok]
NAMED = [e for e in BUGGY if e.names]
SLOW = {"checks.timeout"}  # each of these waits for the time limit


def test_corpus_covers_every_part_and_every_named_mistake():
    parts = {e.part for e in ENTRIES}
    assert parts == set(CHECKS)
    for part in parts:
        assert any(e.ok for e in ENTRIES if e.part == part), f"no correct {part} in the corpus"
        assert any(not e.ok for e in ENTRIES if e.part == part), f"no buggy {part} in the corpus"
    # the typical mistakes the issue lists, each with at least one corpus entry
    required = {
        "checks.m.float_division", "checks.m.t_plus_one", "checks.m.missing_lr_min", "checks.m.period_full",
        "checks.m.not_shifted", "checks.m.stretched", "checks.m.warmup_start", "checks.m.ignored",
        "checks.returned_none", "checks.raised", "checks.timeout", "checks.signature",
    }
    named = {key for e in BUGGY for key in e.names}
    assert required <= named, f"no corpus entry for {sorted(required - named)}"


@pytest.mark.parametrize("entry", CORRECT, ids=_ids(CORRECT))
def test_correct_implementations_pass(entry):
    message = run_check(entry)
    assert message is None, f"{entry.id} is correct but the check says:\n{message}"
    if entry.part in SCHEDULE_PARTS:  # the hidden tests' random cases too
        message = run_check(entry, seed=2026)
        assert message is None, f"{entry.id} is correct but the hidden cases say:\n{message}"


@pytest.mark.parametrize("entry", BUGGY, ids=_ids(BUGGY))
def test_buggy_implementations_fail_and_name_the_mistake(entry):
    message = run_check(entry)
    assert message is not None, f"{entry.id} is wrong ({entry.note or entry.names}) but passed the check"
    for key in entry.names:
        assert phrase(key, "en") in message, f"{entry.id}: the message does not name {key}:\n{message}"
    if not entry.names:  # not a usual mistake: still the call, the expected and the returned value
        assert "expected" in message and "you return" in message, message


@pytest.mark.parametrize("entry", [e for e in NAMED if not set(e.names) & SLOW], ids=_ids([e for e in NAMED if not set(e.names) & SLOW]))
def test_messages_in_bengali(entry):
    lrcourse.set_language("bn")
    message = run_check(entry)
    assert message is not None
    for key in entry.names:
        assert phrase(key, "bn") in message, f"{entry.id}: the Bengali message does not name {key}:\n{message}"
    assert phrase(entry.names[0], "en") not in message or phrase(entry.names[0], "en") == phrase(entry.names[0], "bn")


def test_example_message_shows_call_expected_and_got():
    def step_decay(t, lr0=0.1, gamma=0.1, k=30):
        return lr0 * gamma ** (t / k)

    with pytest.raises(AssertionError) as info:
        checks.check_step_decay(step_decay)
    message = str(info.value)
    assert "step_decay(29) you return 0.0107978, expected 0.1" in message
    assert "float division" in message


def test_success_prints_one_line(capsys):
    checks.check_cosine_lr(lambda t, T, a=1e-3, b=1e-5: b + 0.5 * (a - b) * (1 + math.cos(math.pi * t / T)))
    out = capsys.readouterr().out
    assert out.startswith("✓ cosine_lr") and out.count("\n") == 1


# -- the references and the tolerances --------------------------------------------------------


def test_references_match_lrcourse_schedules_and_pytorch():
    from lrcourse import schedules

    steps = np.arange(0, 2_001)
    np.testing.assert_allclose(
        checks.reference("step", steps, 0.1, 0.5, 300), schedules.step_decay(0.1, 300, 0.5)(steps), rtol=1e-12
    )
    np.testing.assert_allclose(
        checks.reference("exponential", steps, 0.1, 0.998), schedules.exponential(0.1, 0.998)(steps), rtol=1e-9
    )
    np.testing.assert_allclose(
        checks.reference("cosine", steps, 2_000, 0.1, 1e-3), schedules.cosine(0.1, 2_000, 1e-3)(steps), rtol=1e-9
    )
    np.testing.assert_allclose(
        checks.reference("warmup_cosine", steps, 200, 2_000, 0.1, 1e-3),
        schedules.warmup_cosine(0.1, 200, 2_000, 1e-3)(steps),
        rtol=1e-9,
        atol=1e-15,
    )
    # PyTorch's StepLR, for the step convention (get_last_lr() after t steps is the LR of update t)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    torch_lrs = []
    for _ in range(100):
        torch_lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    np.testing.assert_allclose(checks.reference("step", np.arange(100)), torch_lrs, rtol=1e-12)


@pytest.mark.parametrize("part", SCHEDULE_PARTS)
def test_every_mistake_differs_from_the_formula_at_a_visible_case(part):
    """A mistake that agrees with the formula at every visible case (within the tolerance) would
    pass the learner's self-check: none may."""
    spec = SPECS[part]
    fulls = [spec.full(args) for args in spec.cases]
    for mistake in spec.mistakes:
        differs = False
        for f in fulls:
            try:
                value = float(mistake.fn(f))
            except (ArithmeticError, ValueError):
                differs = True  # the learner's code would raise there: caught too
                break
            if not close(value, float(spec.ref(*f)), spec.tolerance(f)):
                differs = True
                break
        assert differs, f"{part}: the mistake {mistake.key} {mistake.fields} is invisible at the visible cases"


def test_float32_throughout_passes_at_large_t():
    """float32 gamma ** t loses about t * 6e-8 relative accuracy; the tolerance allows it, and the
    hidden random cases reach t = 20,000."""

    def exponential_decay(t, lr0=1e-3, gamma=0.999):
        return np.float32(lr0) * np.float32(gamma) ** np.float32(t)

    with contextlib.redirect_stdout(io.StringIO()):
        for seed in range(5):
            checks.check_exponential_decay(exponential_decay, seed=seed)


# -- odd inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, key",
    [
        (float("nan"), "checks.not_finite"),
        (float("inf"), "checks.not_finite"),
        (np.array([1e-3, 1e-3]), "checks.not_a_number"),
        (True, "checks.not_a_number"),
        (1e-3 + 0j, "checks.not_a_number"),
        ("0.001", "checks.not_a_number"),
        (None, "checks.returned_none"),
    ],
)
def test_odd_return_values_get_a_message(value, key):
    with pytest.raises(AssertionError) as info:
        checks.check_constant_lr(lambda t, lr0=1e-3: value)
    assert phrase(key, "en") in str(info.value)


@pytest.mark.parametrize("check", list(CHECKS.values()), ids=list(CHECKS))
@pytest.mark.parametrize("thing", [None, 0.001, "step_decay", [1, 2]])
def test_not_a_function_gets_a_message(check, thing):
    with pytest.raises(AssertionError) as info:
        check(thing)
    assert repr(thing)[:10] in str(info.value)


def test_learner_warnings_do_not_reach_stderr(capsys):
    """nbgrader gives 0 to a test cell with stderr output: a warning inside correct learner code
    must not cost the points."""
    import warnings

    def constant_lr(t, lr0=1e-3):
        warnings.warn("something harmless", UserWarning)
        np.float64(1.0) / np.float64(0.0)  # RuntimeWarning: divide by zero
        return lr0

    checks.check_constant_lr(constant_lr)
    assert capsys.readouterr().err == ""


def test_a_learners_except_exception_cannot_swallow_the_time_limit(monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_LIMIT_S", 0.5)

    def step_decay(t, lr0=0.1, gamma=0.1, k=30):
        while True:
            try:
                pass
            except Exception:
                pass

    with pytest.raises(AssertionError) as info:
        checks.check_step_decay(step_decay)
    assert phrase("checks.timeout", "en") in str(info.value)


def test_histories_check(capsys):
    from assignment_corpus.training import train_solution

    keys = checks.SCHEDULE_KEYS
    histories = {
        key: train_solution(lambda t, key=key: checks.reference(key, t, *checks.MLP_ARGS[key]), checks.MLP_STEPS, 0)
        for key in keys
    }
    checks.check_histories(histories)
    assert capsys.readouterr().out.startswith("✓ histories")

    wrong = dict(histories, step=histories["constant"])  # trained with the wrong schedule
    first_drop = checks.MLP_ARGS["step"][2]  # step decay leaves the constant LR at its first milestone
    with pytest.raises(AssertionError, match=rf"histories\['step'\]: the LR at step {first_drop}\b"):
        checks.check_histories(wrong)
    short = dict(histories, cosine={**histories["cosine"], "lr": histories["cosine"]["lr"][:100]})
    with pytest.raises(AssertionError, match=f"MLP_STEPS = {checks.MLP_STEPS} steps"):
        checks.check_histories(short)
    low = dict(histories, exponential={**histories["exponential"], "test_acc": 0.5})
    with pytest.raises(AssertionError, match="below the floor"):
        checks.check_histories(low)
    flat = dict(histories, constant={**histories["constant"], "loss": [2.3] * checks.MLP_STEPS})
    with pytest.raises(AssertionError, match="did not fall"):
        checks.check_histories(flat)
    with pytest.raises(AssertionError, match="one history per schedule"):
        checks.check_histories({k: histories[k] for k in keys[:4]})


def test_plot_text_follows_the_language():
    assert checks.plot_text()["lr"] == "learning rate"
    lrcourse.set_language("bn")
    text = checks.plot_text()
    assert "লার্নিং রেট" in text["lr"] and set(text["names"]) == set(checks.SCHEDULE_KEYS)


def test_plot_of_the_learners_own_wrong_functions_is_graded_once(capsys):
    """A wrong step_decay loses its own points; a plot drawn faithfully with it keeps the plot's."""
    from assignment_corpus import plots, schedules

    functions = dict(plots.FUNCTIONS, step=schedules.step_float_division)

    def plot_all_schedules():
        curves = plots._curves(functions=functions)
        return plots._figure(curves), curves

    with pytest.raises(AssertionError, match=r"curves\['step'\] at t = 1"):
        checks.check_plot(plot_all_schedules)  # without the learner's functions: the formula decides
    checks.check_plot(plot_all_schedules, [functions[k] for k in checks.SCHEDULE_KEYS])
    out = capsys.readouterr().out
    assert out.startswith("✓ plot") and "follows your own step_decay" in out
    with pytest.raises(AssertionError, match="five functions in this order"):
        checks.check_plot(plot_all_schedules, [schedules.step_float_division])


def test_time_limit_works_under_an_outer_alarm_and_restores_it(monkeypatch):
    """pytest-timeout (and `make unit`) arm SIGALRM themselves: the check's limit must still work
    inside it, and give the outer alarm back with its remaining time."""
    import signal

    monkeypatch.setattr(sandbox, "TIME_LIMIT_S", 0.3)
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 50.0)
    try:

        def step_decay(t, lr0=0.1, gamma=0.1, k=30):
            while True:
                pass

        with pytest.raises(AssertionError) as info:
            checks.check_step_decay(step_decay)
        assert phrase("checks.timeout", "en") in str(info.value)
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 40.0 < remaining < 50.0, remaining
        assert signal.getsignal(signal.SIGALRM) is not None and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
