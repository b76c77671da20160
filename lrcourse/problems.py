"""The built-in training problems: small, ready-made set-ups to run the LR range test on.

    from lrcourse.problems import builtin_problem
    from lrcourse.finder import lr_range_test
    p = builtin_problem("digits-sgd", seed=0)
    result = lr_range_test(p.model, p.optimizer, p.loss_fn, p.batches)

- ``digits-sgd`` / ``digits-adam``: the assignment's MLP on scikit-learn's 8x8 digits (offline,
  seconds on a CPU), with SGD (momentum 0.9) or Adam;
- ``cifar10``: the practice CNN on (a subset of) CIFAR-10, with the practice optimizer, whitening
  stem and loss of :func:`lrcourse.train.practice_setup`.

Lesson 05, ``lrcourse find-lr``, the range test of practice task (b) and ``benchmarks/finder.py``
build their problems here. A new problem is a function that returns a :class:`Problem`,
registered under its name in :data:`PROBLEMS`.

Importing this module is cheap (the command line lists the names for ``--help``); each builder
imports torch and the data when it runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from . import i18n

if TYPE_CHECKING:  # only for the annotations: importing torch here would make --help slow
    import torch

    from .data import TensorBatches

i18n.load("finder")


@dataclass
class Problem:
    """A ready-made range-test problem: a fresh model and optimizer, a loss, train and test data.

    ``make_model()`` builds the same fresh model again, ``make_optimizer(model, lr)`` the
    problem's optimizer over it (e.g. to train at the LR the test recommends).
    """

    name: str
    description: str
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: Callable
    batches: TensorBatches
    test: tuple
    make_optimizer: Callable
    make_model: Callable
    batch_size: int
    transform: Callable | None = None


def digits_optimizer(name: str) -> Callable:
    """``make_optimizer(model, lr)`` of the digits problems: ``"sgd"`` (momentum 0.9) or ``"adam"``."""
    import torch

    if name == "sgd":
        return lambda m, lr: torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9)
    if name == "adam":
        return lambda m, lr: torch.optim.Adam(m.parameters(), lr=lr)
    raise ValueError(f"optimizer={name!r} is not known for the digits problems; use 'sgd' or 'adam'")


def _digits_problem(opt_name: str, seed: int, batch_size: int = 32) -> Problem:
    from torch import nn

    from .data import TensorBatches, digits
    from .models import digits_mlp

    x_tr, y_tr, x_te, y_te = digits()
    make_model = lambda: digits_mlp(seed=seed)  # noqa: E731
    make_opt = digits_optimizer(opt_name)
    opt_text = i18n.t("finder.problem.sgd", momentum=0.9) if opt_name == "sgd" else "Adam"
    model = make_model()
    return Problem(
        name=f"digits-{opt_name}",
        description=i18n.t("finder.problem.digits", optimizer=opt_text, batch=batch_size),
        model=model,
        optimizer=make_opt(model, 1e-3),
        loss_fn=nn.CrossEntropyLoss(),
        batches=TensorBatches(x_tr, y_tr, batch_size, seed=seed),
        test=(x_te, y_te),
        make_optimizer=make_opt,
        make_model=make_model,
        batch_size=batch_size,
    )


def _cifar_problem(seed: int, batch_size: int = 128, subset: int | None = 10_000, widths=(64, 128, 128),
                   data: tuple | None = None, **setup) -> Problem:
    """The practice network on CIFAR-10 (``data``: the four tensors, default the stored copy).

    ``setup``: arguments of :func:`lrcourse.train.practice_setup` (optimizer, momentum, ...);
    the default is the practice tasks' Nesterov SGD.
    """
    from . import data as data_mod
    from . import models, train

    if data is None:
        if not data_mod.cifar10_available():
            try:  # no download here: it says what to download and where to put it
                data_mod.load_cifar10(download=False)
            except FileNotFoundError as exc:
                raise FileNotFoundError(i18n.t("finder.err.data_missing", error=str(exc))) from exc
        data = data_mod.load_cifar10()
    x_tr, y_tr, x_te, y_te = data
    if subset is not None:
        x_tr, y_tr = data_mod.subset(x_tr, y_tr, subset, seed=seed)
    make_model = lambda: models.cifar_net(widths=widths, seed=seed)  # noqa: E731

    def make_optimizer(m, lr):
        return train.practice_setup(m, x_tr, lr=lr, **setup)[0]

    model = make_model()
    optimizer, loss_fn = train.practice_setup(model, x_tr, **setup)
    return Problem(
        name="cifar10",
        description=i18n.t("finder.problem.cifar", widths=tuple(widths), setup=_describe_setup(**setup),
                           batch=batch_size, n=len(x_tr)),
        model=model,
        optimizer=optimizer,
        loss_fn=loss_fn,
        batches=data_mod.TensorBatches(x_tr, y_tr, batch_size, seed=seed, transform=data_mod.normalize_cifar),
        test=(x_te, y_te),
        make_optimizer=make_optimizer,
        make_model=make_model,
        batch_size=batch_size,
        transform=data_mod.normalize_cifar,
    )


def _describe_setup(optimizer: str = "sgd", momentum: float = 0.85, nesterov: bool = True,
                    weight_decay: float = 1.33e-3, label_smoothing: float = 0.2, bias_lr_scale=None) -> str:
    """The practice set-up in words (the defaults are those of :func:`lrcourse.train.practice_setup`,
    i.e. ``train.RECIPE``; ``bias_lr_scale`` is accepted so that the set-up can be passed whole)."""
    sgd = "finder.problem.nesterov" if nesterov and momentum > 0 else "finder.problem.sgd"
    name = {"sgd": i18n.t(sgd, momentum=f"{momentum:g}"), "adam": "Adam", "adamw": "AdamW"}.get(optimizer, optimizer)
    decay = f"{weight_decay:.3g}" if weight_decay else "0"
    return i18n.t("finder.problem.setup", optimizer=name, decay=decay, smoothing=f"{label_smoothing:g}")


PROBLEMS: dict[str, Callable[..., Problem]] = {
    "digits-sgd": lambda seed=0, **kw: _digits_problem("sgd", seed, **kw),
    "digits-adam": lambda seed=0, **kw: _digits_problem("adam", seed, **kw),
    "cifar10": lambda seed=0, **kw: _cifar_problem(seed, **kw),
}


def builtin_problem(name: str, seed: int = 0, **kwargs) -> Problem:
    """A fresh :class:`Problem` by name: ``"digits-sgd"``, ``"digits-adam"`` or ``"cifar10"``.

    ``kwargs`` go to the builder: ``batch_size`` for all; ``subset``, ``widths``, ``data`` and the
    arguments of :func:`lrcourse.train.practice_setup` for ``cifar10``.
    """
    if name not in PROBLEMS:
        raise ValueError(f"name={name!r} is not a built-in problem; use one of {sorted(PROBLEMS)}")
    return PROBLEMS[name](seed=seed, **kwargs)


# --------------------------------------------------------------------------------------------
# Command line: lrcourse find-lr (the parser is in lrcourse.cli)


def cli_find_lr(args) -> int:
    """Run the range test on a built-in problem; print the summary, save the plot (and JSON)."""
    import json

    from .finder import lr_range_test

    kwargs = {} if args.batch_size is None else {"batch_size": args.batch_size}
    try:
        prob = builtin_problem(args.problem, seed=args.seed, **kwargs)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(i18n.t("finder.cli.problem", name=prob.name, description=prob.description))
    try:
        result = lr_range_test(
            prob.model, prob.optimizer, prob.loss_fn, prob.batches,
            start_lr=args.start_lr, end_lr=args.end_lr, num_iters=args.num_iters, mode=args.mode,
            progress=not args.no_progress,
        )
    except (ValueError, TypeError) as exc:
        print(f"lrcourse find-lr: {exc}", file=sys.stderr)
        return 2
    print(result.summary())
    print(f"recommended_lr={result.recommended:.6g}")
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        fig = result.plot()
        fig.savefig(args.out, dpi=120)
        print(i18n.t("finder.cli.saved", path=args.out))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"problem": prob.name, **result.to_dict()}, fh, indent=1)
    return 0
