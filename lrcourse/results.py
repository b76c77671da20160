"""Results that can be trusted later: provenance, a key of the configuration, atomic JSON.

An experiment that stores a result (lesson 06's practice tasks, :mod:`lrcourse.lessons.l06_practice`)
records with it

- :func:`provenance`: the command, the commit (and whether the code that produced it had
  uncommitted changes), library versions, device, date and wall time;
- :func:`config_key`: a short hash of its configuration, by which a cached or shipped result is
  matched to the configuration asked for;

and writes it with :func:`save_json` (atomically: an interrupted run never leaves half a file).
Results computed on this machine are cached in :func:`cache_dir`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

from ._runtime import atomic_write

CHECKOUT = Path(__file__).resolve().parent.parent


def git_commit(code: tuple[str, ...] = ("lrcourse",)) -> str:
    """The checkout's commit; ``+uncommitted changes in lrcourse/`` (naming each top folder of
    ``code`` with a changed tracked file) when the code differs from it; ``"unknown"`` outside git.

    ``code``: git pathspecs relative to the checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=CHECKOUT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        porcelain = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *code],
                                   cwd=CHECKOUT, capture_output=True, text=True, timeout=10).stdout
    except Exception:  # no git, not a checkout, a timeout: provenance must never stop a run
        return "unknown"
    if not commit:
        return "unknown"
    dirty = _changed_folders(porcelain)
    return commit + (f"+uncommitted changes in {', '.join(dirty)}" if dirty else "")


def _changed_folders(porcelain: str) -> list[str]:
    """The top folders (``lrcourse/``) of the files in ``git status --porcelain`` output, sorted.

    A line is ``XY path`` or ``XY old -> new`` (a rename: the new path counts)."""
    folders = set()
    for line in porcelain.splitlines():
        path = line[3:].split(" -> ")[-1].strip('"')
        if path:
            folders.add(path.split("/")[0] + ("/" if "/" in path else ""))
    return sorted(folders)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance(command: str | None, wall_time: float, device: str, precision: str,
               code: tuple[str, ...] = ("lrcourse",)) -> dict:
    """Command, commit, versions, device, date and wall time of a result."""
    import torch
    import torchvision

    from . import __version__

    threads = torch.get_num_threads()
    dev = device
    if device == "cpu":
        dev = f"CPU: {_cpu_name()}, {os.cpu_count()} logical cores, {threads} torch threads"
    elif device.startswith("cuda"):
        dev = f"GPU: {torch.cuda.get_device_name(0)}"
    return {
        "command": command or "python: " + " ".join(sys.argv[:1]),
        "commit": git_commit(code),
        "versions": {"lrcourse": __version__, "python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__},
        "device": dev,
        "precision": precision,
        "platform": platform.platform(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_time_s": round(wall_time, 1),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def config_key(settings: dict) -> str:
    """A short hash of a configuration: results are cached and matched by it."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def cache_dir() -> Path:
    """Where results computed on this machine are cached: ``<data folder>/cache``."""
    from .data import data_dir

    return data_dir() / "cache"


def round_floats(obj, digits: int = 6):
    """``obj`` with every finite float rounded to ``digits`` significant digits (smaller JSON)."""
    if isinstance(obj, float):
        return obj if not math.isfinite(obj) else float(f"{obj:.{digits}g}")
    if isinstance(obj, list):
        return [round_floats(v, digits) for v in obj]
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    return obj


def save_json(obj: dict, path) -> None:
    """Write JSON atomically (a temporary file, then rename); NaN stays NaN."""
    with atomic_write(Path(path), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1, allow_nan=True)
        f.write("\n")
