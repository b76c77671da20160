"""The one command-line entry point, ``lrcourse`` (also ``python -m lrcourse``)::

    lrcourse [--lang en|bn] data import PATH | data download | data status
    lrcourse run a|b|c|d [--budget quick|standard|full] [--seeds N] [--out FILE]
    lrcourse find-lr [digits-sgd|digits-adam|cifar10] [--start-lr ...] [--out PNG] [--json FILE]
    lrcourse design --schedule cosine --lr 1e-3 --total-steps 10000 [...]

Every subcommand's parser is here. What a subcommand does is a handler ``handler(args) -> int``
in the module that does the work, named as ``"module:function"`` and imported only when that
subcommand runs: the handlers import torch (seconds), the parsers only cheap modules, so
``lrcourse --help`` and a mistyped command answer at once.

A new subcommand: write its handler next to the work it does, then here a function that adds its
parser (with ``handler="module:function"``) and an entry in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys


def _data_parser(sub) -> None:
    parser = sub.add_parser("data", help="import, download or check the CIFAR-10 data set",
                            description="Get CIFAR-10 into the data folder ($LRCOURSE_DATA or data/).")
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    root_help = "data folder (default: $LRCOURSE_DATA or data/)"
    p = actions.add_parser("import", help="import an ImageFolder copy (folder or .tar.xz/.tar.gz/.zip archive)")
    p.add_argument("path", help="folder or archive with train/<class>/* and test/<class>/*")
    p.add_argument("--root", help=root_help)
    p.add_argument("--force", action="store_true", help="replace an existing copy")
    p.set_defaults(handler="lrcourse.data:cli_import")
    p = actions.add_parser("download", help="download with torchvision (needs internet) and convert")
    p.add_argument("--root", help=root_help)
    p.add_argument("--force", action="store_true", help="convert again even if the data is there")
    p.set_defaults(handler="lrcourse.data:cli_download")
    p = actions.add_parser("status", help="say where the data is looked for and whether it is there")
    p.add_argument("--root", help=root_help)
    p.set_defaults(handler="lrcourse.data:cli_status")


def _run_parser(sub) -> None:
    from .budget import BUDGETS
    from .lessons.l06_practice import EXPERIMENTS

    p = sub.add_parser(
        "run", help="run a practice experiment (a, b, c, d) at a budget",
        description="(a) constant vs cosine vs step decay; (b) the LR finder, then a run at its LR; "
                    "(c) warmup 0/100/1000 steps with Adam at a high LR; (d) one cosine cycle vs SGDR vs "
                    "cyclical LR vs exponential decay, and SGDR's snapshot ensemble. "
                    "Results are cached by configuration.")
    p.add_argument("experiment", choices=EXPERIMENTS)
    p.add_argument("--budget", choices=BUDGETS, default=None,
                   help="quick (seconds), standard (the whole training set, minutes per run on a laptop CPU; "
                        "default), full (the 94%% recipe, 10 epochs; a GPU helps)")
    p.add_argument("--seeds", type=int, default=None, help="seeds per run (default by budget)")
    p.add_argument("--out", help="also write the result JSON here (e.g. data/results/a_standard.json)")
    p.add_argument("--no-cache", action="store_true", help="train even if a cached result exists")
    p.add_argument("--precomputed", action="store_true",
                   help="accept the result shipped in data/results/ when its configuration matches")
    p.set_defaults(handler="lrcourse.lessons.l06_practice:cli_run")


def _find_lr_parser(sub) -> None:
    from .problems import PROBLEMS

    p = sub.add_parser(
        "find-lr",
        help="run the LR range test on a built-in problem",
        description="Run the LR range test (Leslie Smith) on a built-in problem, print the suggested LR "
        "and save the plot. The model and optimizer are fresh; nothing is trained for real.",
    )
    p.add_argument("problem", nargs="?", default="digits-sgd", choices=sorted(PROBLEMS),
                   help="the problem (default: digits-sgd)")
    p.add_argument("--start-lr", type=float, default=1e-7, help="first LR (default 1e-7)")
    p.add_argument("--end-lr", type=float, default=10.0, help="last LR (default 10)")
    p.add_argument("--num-iters", type=int, default=100, help="number of updates (default 100)")
    p.add_argument("--mode", choices=["exp", "linear"], default="exp", help="LR ramp (default exp)")
    p.add_argument("--seed", type=int, default=0, help="seed of the model and the batch order (default 0)")
    p.add_argument("--batch-size", type=int, default=None, help="batch size (default: the problem's)")
    p.add_argument("--out", default="lr_finder.png", help="where to save the plot (default lr_finder.png; '' for none)")
    p.add_argument("--json", default=None, help="also write the whole result as JSON to this file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler="lrcourse.problems:cli_find_lr")


def _design_parser(sub) -> None:
    from .designer import EXPORT_TARGETS, OPTIMIZERS, TASKS
    from .schedules import kinds

    p = sub.add_parser(
        "design",
        help="design a schedule: curve, recommendations and warnings",
        description="Design a learning-rate schedule: print the recommendations and warnings "
        "(in the language of --lang) and write a PNG of the LR curve.",
    )
    # the registry's kinds and their aliases, read when the parser is built: a kind registered
    # in lrcourse/schedules/kinds.py (or at run time) is accepted with no edit here
    p.add_argument("--schedule", "-s", default="cosine", choices=kinds.choices())
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
    p.set_defaults(handler="lrcourse.designer.cli:run")


# subcommand -> the function that adds its parser (in the order of `lrcourse --help`)
SUBCOMMANDS = {
    "data": _data_parser,
    "run": _run_parser,
    "find-lr": _find_lr_parser,
    "design": _design_parser,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrcourse", description="The lrcourse command line.")
    parser.add_argument("--lang", choices=["en", "bn"], help="language of the output (default: en)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add_parser in SUBCOMMANDS.values():
        add_parser(sub)
    return parser


def handler(spec: str):
    """The function named by ``"module:function"`` (its module is imported now)."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.lang:
        from .i18n import set_language

        set_language(args.lang)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0 if args.command is None else 2
    return int(handler(args.handler)(args) or 0)
