"""How long each lesson notebook takes to execute, top to bottom, in a given budget.

    .venv/bin/python benchmarks/notebooks.py                      # every notebook, both languages, quick budget
    .venv/bin/python benchmarks/notebooks.py --budget standard --lang en
    .venv/bin/python benchmarks/notebooks.py 04 07                # only notebooks whose name contains 04 or 07
    .venv/bin/python benchmarks/notebooks.py --json /tmp/times.json

Each notebook runs in a fresh kernel on a temporary copy (the committed file is not touched),
as ``make notebooks`` runs it. The baseline, measured in the same process, is a one-cell
notebook (``import lrcourse``): kernel start-up and import, the floor under every notebook.
The table prints each notebook's wall time, its ratio to that baseline, and the total against
the CI goal (the whole ``make test`` in about 10 minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
CI_GOAL_S = 600.0


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int) -> tuple[float, str | None]:
    """Execute ``nb`` in a fresh kernel; return (wall seconds, error or None)."""
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    start = time.perf_counter()
    error = None
    try:
        # the kernel's own start-up chatter (stderr) would interleave with the table
        client.execute(stderr=subprocess.DEVNULL)
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1][:200]
    except Exception as exc:  # a timeout or a dead kernel: report it, go on with the next notebook
        error = f"{type(exc).__name__}: {exc}"[:200]
    return time.perf_counter() - start, error


def baseline(timeout: int) -> float:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import lrcourse"))
    seconds, error = execute(nb, ROOT, timeout)
    if error:
        sys.exit(f"the baseline notebook failed: {error}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose file name contains one of these")
    parser.add_argument("--budget", choices=("quick", "standard", "full"), default="quick")
    parser.add_argument("--lang", choices=("en", "bn", "both"), default="both")
    parser.add_argument("--timeout", type=int, default=1800, help="per-cell timeout in seconds (default 1800)")
    parser.add_argument("--json", type=Path, help="also write the times to this JSON file")
    args = parser.parse_args(argv)

    os.environ["LRCOURSE_BUDGET"] = args.budget  # inherited by the kernels
    os.environ.setdefault("MPLBACKEND", "Agg")
    langs = ("en", "bn") if args.lang == "both" else (args.lang,)
    paths = [
        p
        for lang in langs
        for p in sorted((ROOT / "notebooks" / lang).glob("*.ipynb"))
        if not args.names or any(n in p.name for n in args.names)
    ]
    if not paths:
        print("no notebooks matched", file=sys.stderr)
        return 1

    print(f"budget={args.budget}  python {platform.python_version()}  {os.cpu_count()} CPUs  {platform.machine()}")
    base = baseline(args.timeout)
    print(f"baseline (fresh kernel + `import lrcourse`): {base:.1f} s\n")
    print(f"{'notebook':44s} {'seconds':>8s} {'x baseline':>11s}  status")
    rows, total, failed = [], 0.0, 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        seconds, error = execute(nb, path.parent, args.timeout)
        total += seconds
        failed += error is not None
        rel = str(path.relative_to(ROOT / "notebooks"))
        print(f"{rel:44s} {seconds:8.1f} {seconds / base:11.1f}  {'ok' if error is None else 'FAILED: ' + error}", flush=True)
        rows.append({"notebook": rel, "seconds": round(seconds, 2), "error": error})
    print(f"\n{'total':44s} {total:8.1f} {total / base:11.1f}")
    if args.budget == "quick":
        print(f"share of the {CI_GOAL_S / 60:.0f}-minute CI goal for the whole `make test`: {total / CI_GOAL_S:.0%}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"budget": args.budget, "baseline_s": round(base, 2), "total_s": round(total, 2), "notebooks": rows},
                indent=2,
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
