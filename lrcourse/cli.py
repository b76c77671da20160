"""The one command-line entry point, ``lrcourse`` (also ``python -m lrcourse``).

Each job lives in its own module, which provides the subcommand itself:

    def add_cli(subparsers) -> None   # adds its parser(s); sets ``func=<callable(args) -> int>``

so this file only lists the modules. A module is imported only when its
subcommand is used (torch is slow to import), via a light first parse.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module providing it, one-line help)
SUBCOMMANDS = {
    "data": ("lrcourse.data", "import or check the CIFAR-10 data set"),
    "run": ("lrcourse.experiments", "run a practice experiment (a, b, c) at a budget"),
    "find-lr": ("lrcourse.finder", "run the LR range test on a built-in problem"),
    "design": ("lrcourse.designer", "design a schedule: curve, recommendations and warnings"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrcourse", description="The lrcourse command line.")
    parser.add_argument("--lang", choices=["en", "bn"], help="language of the output (default: en)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        module.add_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = next((a for a in argv if a in SUBCOMMANDS), None)
    parser = build_parser(only=chosen) if chosen else build_parser(only="")
    args = parser.parse_args(argv)
    if args.lang:
        from .i18n import set_language

        set_language(args.lang)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    return int(args.func(args) or 0)
