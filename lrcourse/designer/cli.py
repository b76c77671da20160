"""``lrcourse design``: print a design's advice, optionally its code, and write a PNG of its curve.

The parser is in :mod:`lrcourse.cli` (with every other subcommand's); it calls :func:`run` with
the parsed arguments: ``schedule``, ``lr``, ``total_steps``, ``warmup``, ``optimizer``, ``task``,
``lr_min``, ``milestones``, ``gamma``, ``power``, ``decay_steps``, ``decay``, ``cycle_steps``,
``t0``, ``t_mult``, ``beta2``, ``batch_size``, ``base_batch_size``, ``base_lr``, ``finder_lr``,
``finder_diverged_at``, ``finder_range``, ``out``, ``no_plot``, ``log``, ``export``, ``brief``,
``strict``.
"""

from __future__ import annotations

import sys

import numpy as np

from .. import i18n
from .core import design

i18n.load("designer")


class FinderNumbers:
    """A finder result given on the command line as numbers (duck-typed like lrcourse.finder's)."""

    def __init__(self, recommended, diverged_at=None, lrs=None):
        self.recommended = recommended
        self.diverged_at = diverged_at
        self.lrs = np.asarray(lrs if lrs is not None else [], dtype=float)
        self.suggestions = {"recommended": recommended}


def run(args) -> int:
    """Exit status: 0, 1 with ``--strict`` when there are warnings, 2 for bad input."""
    finder = None
    if args.finder_lr is not None:
        finder = FinderNumbers(args.finder_lr, args.finder_diverged_at, args.finder_range)
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
        d.plot(log=args.log).savefig(args.out, dpi=120)
        print(i18n.t("designer.cli.written", path=args.out))
    return 1 if (args.strict and d.warnings) else 0
