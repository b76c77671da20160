"""How long grading takes, and how well the checks diagnose: numbers for the issue's closing note.

    .venv/bin/python benchmarks/grading.py [--submissions N] [--skip-autograde]

1. Autograde time per submission: N copies of the instructor solution are autograded by the real
   `nbgrader autograde` in a temporary copy of notebooks/grading. The baseline, measured in the same
   run, is a plain `jupyter nbconvert --execute` of the same notebook; the ratio is nbgrader's
   overhead (database, cell overwrite, checksum, a fresh kernel per submission).
2. The corpus figures (tests/assignment_corpus): buggy implementations caught (and caught with the
   mistake named) out of the total, and false alarms on correct ones, and the time per check.
3. One example message in each language.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent
COURSE = ROOT / "notebooks" / "grading"


def _env():
    env = os.environ.copy()
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return env


def _run(cmd, cwd):
    """(wall seconds, CPU seconds of the command and the kernels it started).

    On a machine shared with other jobs the wall time grows with the load; the CPU time does not,
    and for this single-threaded work it is close to the wall time on an idle machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def autograde_timing(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns("release", "gradebook.db", "submitted", "autograded", "feedback"))
        _run([BIN / "nbgrader", "generate_assignment", "lr-schedules-en", "--force"], course)
        source = course / "source" / "lr-schedules-en" / "lr_schedules.ipynb"
        plain, plain_cpu = _run([BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute", str(source), "--output", str(Path(tmp) / "plain.ipynb")], course)
        for i in range(n):
            folder = course / "submitted" / f"student{i}" / "lr-schedules-en"
            folder.mkdir(parents=True)
            shutil.copy(source, folder / "lr_schedules.ipynb")
        total, total_cpu = _run([BIN / "nbgrader", "autograde", "lr-schedules-en"], course)
        feedback, feedback_cpu = _run([BIN / "nbgrader", "generate_feedback", "lr-schedules-en"], course)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"autograde: {n} submissions in {total:.1f} s wall = {total / n:.1f} s per submission "
          f"(CPU {total_cpu / n:.1f} s per submission)")
    print(f"baseline, nbconvert --execute of the same notebook: {plain:.1f} s wall (CPU {plain_cpu:.1f} s); "
          f"ratio autograde per submission / plain: wall {total / n / plain:.2f}, CPU {total_cpu / n / plain_cpu:.2f}")
    print(f"generate_feedback for {n}: {feedback:.1f} s wall (CPU {feedback_cpu:.1f} s)")


def corpus_figures() -> None:
    import lrcourse
    from lrcourse import checks, i18n
    import string

    import assignment_corpus

    run = {
        "constant": checks.check_constant_lr, "step": checks.check_step_decay,
        "exponential": checks.check_exponential_decay, "cosine": checks.check_cosine_lr,
        "warmup_cosine": checks.check_warmup_cosine, "plot": checks.check_plot, "train": checks.check_train_mlp,
    }

    def phrase(key):
        template = i18n.CATALOGUE[key]["en"]
        return max((lit for lit, *_ in string.Formatter().parse(template)), key=len).strip()

    lrcourse.set_language("en")
    entries = assignment_corpus.load()
    caught = named = false_alarms = 0
    buggy = [e for e in entries if not e.ok]
    correct = [e for e in entries if e.ok]
    times = []
    for e in entries:
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                run[e.part](e.fn)
                message = None
            except AssertionError as exc:
                message = str(exc)
        if "timeout" not in " ".join(e.names):
            times.append((time.perf_counter() - t0, e.part))
        if e.ok:
            false_alarms += message is not None
        elif message is not None:
            caught += 1
            named += bool(e.names) and all(phrase(k) in message for k in e.names)
    with_names = sum(1 for e in buggy if e.names)
    print(f"corpus: {caught}/{len(buggy)} buggy implementations caught; {named}/{with_names} of those with a usual "
          f"mistake caught with it named; {false_alarms}/{len(correct)} false alarms on correct ones")
    schedule_times = [t for t, part in times if part not in ("plot", "train")]
    print(f"time per schedule check: median {sorted(schedule_times)[len(schedule_times) // 2] * 1e3:.1f} ms, "
          f"max {max(schedule_times) * 1e3:.0f} ms (the infinite-loop entry waits for the {checks.TIME_LIMIT_S:g} s limit)")
    other = {part: max(t for t, p in times if p == part) for part in ("plot", "train")}
    print(f"slowest plot check {other['plot']:.2f} s, slowest training check {other['train']:.2f} s")

    from assignment_corpus.schedules import step_float_division

    for language in ("en", "bn"):
        lrcourse.set_language(language)
        try:
            checks.check_step_decay(step_float_division)
        except AssertionError as exc:
            print(f"\nexample message ({language}):\n{exc}")
    lrcourse.set_language("en")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=4)
    parser.add_argument("--skip-autograde", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if not args.skip_autograde:
        autograde_timing(args.submissions)
    corpus_figures()


if __name__ == "__main__":
    main()
