"""Write a schedule as code: for lrcourse, for plain PyTorch, or for Hugging Face ``transformers``.

    >>> from lrcourse.schedules import cosine, to_code
    >>> print(to_code(cosine(1e-3, 10_000), "pytorch"))     # CosineAnnealingLR(...)

Each snippet is self-contained: it expects a ``model`` (an ``nn.Module``), defines ``optimizer``
and ``scheduler``, and the training loop calls ``optimizer.step(); scheduler.step()`` once per
update. ``tests/test_designer.py`` runs every snippet and compares its LRs with the schedule's,
step by step.

How a factory's schedules are written is its :class:`Exporter`, looked up by the schedule's
``name`` in :data:`EXPORTERS`: a ``LambdaLR`` multiplier (always), and where one exists the
built-in PyTorch class or Hugging Face function that equals it. A new factory's exporter comes
with its kind (:mod:`lrcourse.schedules.kinds`); the built-in ones are below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

from .. import i18n
from .._runtime import check_choice
from .core import FACTORIES, Schedule

i18n.load("schedules")

EXPORT_TARGETS = ("lrcourse", "pytorch", "hf")
LOOP = "# per batch: loss.backward(); optimizer.step(); scheduler.step(); optimizer.zero_grad()"


class Run(NamedTuple):
    """What an exporter may need beyond the schedule's parameters."""

    lr: float  # the optimizer's lr: LambdaLR multipliers are relative to it
    total_steps: int | None  # the run's length (Hugging Face's num_training_steps)
    warmup_steps: int  # the schedule's warmup (0 if it has none)


@dataclass(frozen=True)
class Exporter:
    """How one factory's schedules are written as code.

    ``lambda_body(params, run) -> list[str]``: statements that return the multiplier of the
    optimizer's lr at update ``step`` (the body of a ``LambdaLR`` ``lr_lambda``): what every
    target falls back to (None only where a native PyTorch class always applies).
    ``pytorch(params, run) -> (class, constructor call) | None``: a built-in
    ``torch.optim.lr_scheduler`` class equal to the schedule.
    ``hf(params, run) -> (function, call, TrainingArguments hint) | None``: the ``transformers``
    schedule function equal to it.
    """

    lambda_body: Callable[[dict, Run], list[str]] | None
    pytorch: Callable[[dict, Run], tuple[str, str] | None] | None = None
    hf: Callable[[dict, Run], tuple[str, str, str] | None] | None = None


def num(v) -> str:
    """A number (or list of numbers) as Python source: floats always with a point or exponent."""
    if isinstance(v, float):
        return repr(float(v))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(num(x) for x in v) + "]"
    return repr(v)


# --------------------------------------------------------------------------- the targets


def to_code(schedule: Schedule, target: str = "pytorch", *, optimizer: str = "adamw", lr: float | None = None,
            total_steps: int | None = None, beta2: float = 0.999) -> str:
    """Python code that reproduces ``schedule`` with ``target``: "lrcourse", "pytorch" or "hf".

    ``optimizer`` ("sgd", "adam" or "adamw", with Adam's ``beta2``) and ``lr`` (default: the
    schedule's own peak parameter) build the optimizer of the snippet; ``total_steps`` (default:
    the schedule's horizon) is Hugging Face's ``num_training_steps``.
    """
    target = check_choice("target", target, EXPORT_TARGETS)
    lr = base_lr(schedule) if lr is None else lr
    run = Run(lr, horizon(schedule) if total_steps is None else total_steps,
              schedule.params.get("warmup_steps", 0))
    opt = optimizer_code(optimizer, lr, beta2)
    return {"lrcourse": _code_lrcourse, "pytorch": _code_pytorch, "hf": _code_hf}[target](schedule, run, opt)


def optimizer_code(optimizer: str, lr: float, beta2: float = 0.999) -> str:
    """The line that builds the snippet's optimizer."""
    if optimizer == "sgd":
        return f"optimizer = torch.optim.SGD(model.parameters(), lr={num(lr)}, momentum=0.9)"
    cls = {"adam": "Adam", "adamw": "AdamW"}[optimizer]
    betas = f", betas=(0.9, {num(beta2)})" if beta2 != 0.999 else ""
    return f"optimizer = torch.optim.{cls}(model.parameters(), lr={num(lr)}{betas})"


def base_lr(schedule: Schedule) -> float:
    """The LR a schedule is built around: its ``lr`` or ``max_lr`` (a wrapped schedule's, for a warmup)."""
    p = schedule.params
    for key in ("lr", "max_lr"):
        if key in p:
            return p[key]
    if "schedule" in p:
        return base_lr(p["schedule"])
    return float(schedule(0))


def horizon(schedule: Schedule) -> int | None:
    """The step where the schedule's own shape ends (``total_steps``, after any warmup), if it has one."""
    p = schedule.params
    if "total_steps" in p:
        return p["total_steps"]
    inner = horizon(p["schedule"]) if "schedule" in p else None
    return None if inner is None else p["warmup_steps"] + inner


def _expr(s: Schedule, imports: list[str]) -> str:
    """The call that makes ``s``; factories from outside lrcourse.schedules add their import."""
    args = [f"{k}={_expr(v, imports) if isinstance(v, Schedule) else num(v)}" for k, v in s.params.items()]
    make = FACTORIES.get(s.name)
    module = getattr(make, "__module__", "lrcourse.schedules")
    if module.startswith("lrcourse.schedules"):
        return f"S.{s.name}({', '.join(args)})"
    line = f"from {module} import {s.name}"
    if line not in imports:
        imports.append(line)
    return f"{s.name}({', '.join(args)})"


def _code_lrcourse(s: Schedule, run: Run, opt: str) -> str:
    imports: list[str] = []
    expr = _expr(s, imports)
    return "\n".join(["import torch", "from lrcourse import schedules as S", *imports, "", f"schedule = {expr}", opt,
                      "scheduler = S.attach(optimizer, schedule)  # a torch LRScheduler: LR of update t = schedule(t)",
                      LOOP])


def exporter(s: Schedule) -> Exporter:
    """The :class:`Exporter` of ``s``'s factory."""
    try:
        return EXPORTERS[s.name]
    except KeyError:
        raise NotImplementedError(f"no exporter for {s.name!r} schedules; register its kind with one") from None


def lambda_body(s: Schedule, run: Run) -> list[str]:
    """Statements computing the multiplier of ``run.lr`` at ``step`` (a LambdaLR lr_lambda body)."""
    body = exporter(s).lambda_body
    if body is None:
        raise NotImplementedError(f"no LambdaLR form for {s.name!r} schedules")
    return body(s.params, run)


def _code_pytorch(s: Schedule, run: Run, opt: str) -> str:
    native = exporter(s).pytorch
    found = native(s.params, run) if native else None
    if found is not None:
        cls, call = found
        return "\n".join(["import torch", f"from torch.optim.lr_scheduler import {cls}", "", opt, f"scheduler = {call}",
                          LOOP])
    body = lambda_body(s, run)
    uses_math = any("math." in line for line in body)
    lines = (["import math"] if uses_math else []) + ["import torch", "from torch.optim.lr_scheduler import LambdaLR",
                                                     "", opt, "", "", "def lr_lambda(step):"]
    lines.append(f'    """Multiplier of the optimizer\'s lr at update `step` (0 = the first update): {s!r}."""')
    lines += [f"    {line}" for line in body]
    lines += ["", "", "scheduler = LambdaLR(optimizer, lr_lambda)", LOOP]
    return "\n".join(lines)


def _code_hf(s: Schedule, run: Run, opt: str) -> str:
    hf = exporter(s).hf
    found = hf(s.params, run) if hf else None
    if found is None:
        note = i18n.t("designer.export.no_hf", kind=s.name)
        return "\n".join(
            [f"# {note}", _code_pytorch(s, run, opt).replace(LOOP, ""),
             "# from transformers import Trainer",
             "# trainer = Trainer(model=model, args=args, train_dataset=train_dataset, optimizers=(optimizer, scheduler))"]
        ).replace("\n\n# from transformers", "\n# from transformers")
    fn, call, hint = found
    return "\n".join(["import torch", f"from transformers import {fn}", "", opt, f"scheduler = {call}", LOOP,
                      f"# With the Trainer instead: {hint}"])


# --------------------------------------------------------------------------- the built-in exporters
# Each function reads a schedule's params (p) and the run (r); the multipliers are relative to r.lr.


def _warmup_lambda(p, r):
    w, start = p["warmup_steps"], p["start_lr"]
    target = p["schedule"](0)
    if start == 0 and target == r.lr:
        ramp = f"step / {w}"
    else:  # the warmup ends at schedule(0), e.g. a cyclical LR's base_lr
        ramp = f"({num(start)} + ({num(target)} - {num(start)}) * (step / {w})) / {num(r.lr)}"
    return ([f"if step < {w}:", f"    return {ramp}  # linear warmup",
             f"step = step - {w}  # the decay's clock starts after the warmup"] + lambda_body(p["schedule"], r))


def _ta(r) -> str:
    return f"learning_rate={num(r.lr)}, max_steps={r.total_steps}, warmup_steps={r.warmup_steps}"


def _warmup_hf(p, r):
    inner, q = p["schedule"], p["schedule"].params
    if p["start_lr"] != 0:
        return None
    if inner.name == "polynomial":
        return _hf_polynomial_decay(q, r)
    if inner.name == "constant":
        fn = "get_constant_schedule_with_warmup"
        return fn, f"{fn}(optimizer, num_warmup_steps={r.warmup_steps})", \
            f'TrainingArguments(..., {_ta(r)}, lr_scheduler_type="constant_with_warmup")'
    return None


def _hf_polynomial_decay(q, r):
    fn = "get_polynomial_decay_schedule_with_warmup"
    kw = f"lr_end={num(q['lr_min'])}, power={num(q['power'])}"
    return fn, f"{fn}(optimizer, num_warmup_steps={r.warmup_steps}, num_training_steps={r.total_steps}, {kw})", \
        (f'TrainingArguments(..., {_ta(r)}, lr_scheduler_type="polynomial", lr_scheduler_kwargs='
         f'{{"lr_end": {num(q["lr_min"])}, "power": {num(q["power"])}}})')


def _hf_linear(p, r):
    fn = "get_linear_schedule_with_warmup"
    return fn, f"{fn}(optimizer, num_warmup_steps={r.warmup_steps}, num_training_steps={r.total_steps})", \
        f'TrainingArguments(..., {_ta(r)}, lr_scheduler_type="linear")'


def _hf_cosine(p, r):
    W, N = r.warmup_steps, r.total_steps
    if p["lr_min"] == 0:
        fn = "get_cosine_schedule_with_warmup"
        return fn, f"{fn}(optimizer, num_warmup_steps={W}, num_training_steps={N})", \
            f'TrainingArguments(..., {_ta(r)}, lr_scheduler_type="cosine")'
    fn = "get_cosine_with_min_lr_schedule_with_warmup"
    return fn, f"{fn}(optimizer, num_warmup_steps={W}, num_training_steps={N}, min_lr={num(p['lr_min'])})", \
        (f'TrainingArguments(..., {_ta(r)}, lr_scheduler_type="cosine_with_min_lr", '
         f'lr_scheduler_kwargs={{"min_lr": {num(p["lr_min"])}}})')


def _floor(p, r) -> str:
    return f"floor = {num(p['lr_min'] / r.lr)}  # lr_min / lr"


def _cosine_lambda(p, r):
    T = p["total_steps"]
    return [_floor(p, r), f"return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(step, {T}) / {T}))"]


def _warmup_cosine_lambda(p, r):
    w, T = p["warmup_steps"], p["total_steps"]
    span = max(1, T - w)
    return [f"if step < {w}:", f"    return step / {max(1, w)}  # linear warmup from 0 (the first update uses LR 0)",
            f"progress = min(step - {w}, {span}) / {span}", _floor(p, r),
            "return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))"]


def _warmup_linear_lambda(p, r):
    w, T = p["warmup_steps"], p["total_steps"]
    return [f"if step < {w}:", f"    return step / {max(1, w)}  # linear warmup from 0",
            f"return max(0.0, ({T} - step) / {max(1, T - w)})"]


def _polynomial_lambda(p, r):
    T = p["total_steps"]
    return [_floor(p, r), f"return floor + (1.0 - floor) * (1.0 - min(step, {T}) / {T}) ** {num(p['power'])}"]


def _polynomial_pytorch(p, r):
    if p["lr_min"] == 0:
        return "PolynomialLR", f"PolynomialLR(optimizer, total_iters={p['total_steps']}, power={num(p['power'])})"
    if p["power"] == 1.0:
        return "LinearLR", (f"LinearLR(optimizer, start_factor=1.0, end_factor={num(p['lr_min'] / r.lr)}, "
                            f"total_iters={p['total_steps']})")
    return None


def _polynomial_hf(p, r):
    if p["lr_min"] == 0 and p["power"] == 1.0:
        return _hf_linear(p, r)
    return _hf_polynomial_decay(p, r)


def _inverse_sqrt_lambda(p, r):
    w, ts = p["warmup_steps"], p["timescale"]
    return [f"if step < {w}:", f"    return step / {max(1, w)}  # linear warmup from 0",
            f"return 1.0 / math.sqrt(max(step + {ts - w}, 1) / {ts})"]


def _inverse_sqrt_hf(p, r):
    fn = "get_inverse_sqrt_schedule"
    W = p["warmup_steps"]
    ts = "" if p["timescale"] == (W or 10_000) else f", timescale={p['timescale']}"
    return fn, f"{fn}(optimizer, num_warmup_steps={W}{ts})", \
        f'TrainingArguments(..., {_ta(r)}, lr_scheduler_type="inverse_sqrt")'


_WSD_SHAPES = {"linear": "1.0 - progress", "cosine": "0.5 * (1.0 + math.cos(math.pi * progress))",
               "1-sqrt": "1.0 - math.sqrt(progress)"}


def _wsd_lambda(p, r):
    w, st, dd = p["warmup_steps"], p["stable_steps"], p["decay_steps"]
    return [_floor(p, r), f"if step < {w}:",
            f"    return max(0.0, step / {max(1, w)} * (1.0 - floor) + floor)  # warmup from lr_min",
            f"if step < {w + st}:", "    return 1.0  # stable", f"if step < {w + st + dd}:",
            f"    progress = (step - {w + st}) / {max(1, dd)}",
            f"    return max(0.0, ({_WSD_SHAPES[p['decay']]}) * (1.0 - floor) + floor)  # decay ({p['decay']})",
            "return floor"]


def _wsd_hf(p, r):
    fn = "get_wsd_schedule"
    m = num(p["lr_min"] / r.lr)
    call = (f"{fn}(optimizer, num_warmup_steps={p['warmup_steps']}, num_decay_steps={p['decay_steps']}, "
            f"num_stable_steps={p['stable_steps']}, warmup_type=\"linear\", decay_type={p['decay']!r}, "
            f"min_lr_ratio={m})")
    hint = (f'TrainingArguments(..., {_ta(r)}, lr_scheduler_type="warmup_stable_decay", lr_scheduler_kwargs='
            f'{{"num_decay_steps": {p["decay_steps"]}, "decay_type": {p["decay"]!r}, "min_lr_ratio": {m}}})')
    return fn, call, hint


def _sgdr_lambda(p, r):
    return [f"cycle = {p['t_0']}  # SGDR: find the position in the current cycle", "while step >= cycle:",
            "    step -= cycle", f"    cycle *= {p['t_mult']}", _floor(p, r),
            "return floor + (1.0 - floor) * (1 + math.cos(math.pi * step / cycle)) / 2"]


def _cyclic_lambda(p, r):
    up = float(p["step_size_up"])
    down = float(p["step_size_down"]) if p["step_size_down"] is not None else up
    scale = {"triangular": "1.0", "triangular2": "1 / (2.0 ** (cycle - 1))",
             "exp_range": f"{num(p['gamma'])} ** step"}[p["mode"]]
    return [f"cycle = math.floor(1 + step / {num(up + down)})  # as PyTorch's CyclicLR",
            f"x = 1.0 + step / {num(up + down)} - cycle", f"ratio = {num(up / (up + down))}",
            "scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)",
            f"return ({num(p['base_lr'])} + ({num(p['max_lr'])} - {num(p['base_lr'])}) * scale * {scale}) / {num(r.lr)}"]


def _cyclic_pytorch(p, r):
    return "CyclicLR", (
        f"CyclicLR(optimizer, base_lr={num(p['base_lr'])}, max_lr={num(p['max_lr'])}, "
        f"step_size_up={p['step_size_up']}, step_size_down={num(p['step_size_down'])}, mode={p['mode']!r}, "
        f"gamma={num(p['gamma'])}, cycle_momentum=False)"
        "\n# cycle_momentum=False: schedule only the LR (True would also cycle momentum / Adam's beta1)."
    )


def _one_cycle_pytorch(p, r):
    return "OneCycleLR", (
        f"OneCycleLR(optimizer, max_lr={num(p['max_lr'])}, total_steps={p['total_steps']}, "
        f"pct_start={num(p['pct_start'])}, anneal_strategy={p['anneal']!r}, div_factor={num(p['div_factor'])}, "
        f"final_div_factor={num(p['final_div_factor'])}, three_phase={p['three_phase']})"
        "\n# OneCycleLR also cycles momentum (Adam: beta1) 0.95 -> 0.85 -> 0.95 as in Smith's policy;"
        "\n# it raises if stepped more than total_steps times."
    )


def _constant_hf(p, r):
    fn = "get_constant_schedule"
    return fn, f"{fn}(optimizer)", \
        f'TrainingArguments(..., learning_rate={num(r.lr)}, max_steps={r.total_steps}, lr_scheduler_type="constant")'


#: The exporter of every factory, by the schedule's name (registered kinds add theirs).
EXPORTERS: dict[str, Exporter] = {
    "with_warmup": Exporter(_warmup_lambda, hf=_warmup_hf),
    "constant": Exporter(lambda p, r: ["return 1.0"], hf=_constant_hf),
    "multistep": Exporter(
        lambda p, r: [f"return {num(p['gamma'])} ** sum(step >= m for m in {num(p['milestones'])})"],
        pytorch=lambda p, r: ("MultiStepLR",
                              f"MultiStepLR(optimizer, milestones={num(p['milestones'])}, gamma={num(p['gamma'])})")),
    "step_decay": Exporter(
        lambda p, r: [f"return {num(p['gamma'])} ** (step // {p['step_size']})"],
        pytorch=lambda p, r: ("StepLR", f"StepLR(optimizer, step_size={p['step_size']}, gamma={num(p['gamma'])})")),
    "exponential": Exporter(lambda p, r: [f"return {num(p['gamma'])} ** step"],
                            pytorch=lambda p, r: ("ExponentialLR", f"ExponentialLR(optimizer, gamma={num(p['gamma'])})")),
    "cosine": Exporter(_cosine_lambda, hf=_hf_cosine, pytorch=lambda p, r: (
        "CosineAnnealingLR", f"CosineAnnealingLR(optimizer, T_max={p['total_steps']}, eta_min={num(p['lr_min'])})")),
    "warmup_cosine": Exporter(_warmup_cosine_lambda, hf=_hf_cosine),
    "warmup_linear": Exporter(_warmup_linear_lambda, hf=_hf_linear),
    "polynomial": Exporter(_polynomial_lambda, pytorch=_polynomial_pytorch, hf=_polynomial_hf),
    "inverse_sqrt": Exporter(_inverse_sqrt_lambda, hf=_inverse_sqrt_hf),
    "wsd": Exporter(_wsd_lambda, hf=_wsd_hf),
    "sgdr": Exporter(_sgdr_lambda, pytorch=lambda p, r: ("CosineAnnealingWarmRestarts", (
        f"CosineAnnealingWarmRestarts(optimizer, T_0={p['t_0']}, T_mult={p['t_mult']}, eta_min={num(p['lr_min'])})"))),
    "cyclic": Exporter(_cyclic_lambda, pytorch=_cyclic_pytorch),
    "one_cycle": Exporter(None, pytorch=_one_cycle_pytorch),  # OneCycleLR itself, always
}


def register(name: str, exporter_: Exporter) -> None:
    """Use ``exporter_`` for schedules named ``name`` (called by :func:`lrcourse.schedules.kinds.register`)."""
    if not isinstance(exporter_, Exporter):
        raise TypeError(f"exporter={exporter_!r} must be an lrcourse.schedules.export.Exporter")
    EXPORTERS[name] = exporter_


def unregister(name: str) -> None:
    EXPORTERS.pop(name, None)
