"""How long grading takes, and how well the checks diagnose: numbers for the issue's closing note.

    .venv/bin/python benchmarks/grading.py [--submissions 60] [--jobs 2] [--skip-sequential]
                                           [--skip-autograde] [--skip-corpus]

1. Grading a class: N synthetic submissions (the release with every answer from the instructor's
   source; every third one with step decay's float-division mistake) in a temporary copy of
   notebooks/grading, graded twice in the same run: by plain sequential `nbgrader autograde`
   (the baseline) and by `parallel_autograde.py --jobs J` (J processes, one gradebook copy each,
   merged; see that file). Prints submissions per minute for both, the speed-up, whether both
   gradebooks hold the same scores, and the load average (the machine may be shared). The goal:
   60 submissions in under 5 minutes on 2 cores.
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
EN = "lr-schedules-en"
STEP_FLOAT_DIVISION = """
def step_decay(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t / k)
"""


def _run(cmd, cwd):
    """(wall seconds, CPU seconds of the command and everything it started, e.g. kernels).

    On a machine shared with other jobs the wall time grows with the load; the CPU time does not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _class(folder: Path, n: int) -> Path:
    """A course copy with the assignment generated and ``n`` submissions in submitted/."""
    from grading_course import filled, make_course, replace_solution, submit

    course = make_course(folder, assignments=(EN,))
    for i in range(n):
        nb = filled(course, EN)
        if i % 3 == 2:
            replace_solution(nb, "step_decay", STEP_FLOAT_DIVISION)
        submit(course, f"student{i:03d}", EN, nb)
    return course


def _scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(s.student_id, g.name): g.score for s in gb.assignment_submissions(EN)
                for nb in s.notebooks for g in nb.grades}


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def grading_speed(n: int, jobs: int, sequential: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        parallel_course = _class(Path(tmp) / "parallel", n)
        rows = []
        if sequential:
            sequential_course = Path(tmp) / "sequential" / "course"
            shutil.copytree(parallel_course, sequential_course)
            print(f"sequential nbgrader autograde of {n} submissions ({_load()}) ...", flush=True)
            wall, cpu = _run([BIN / "nbgrader", "autograde", EN], sequential_course)
            rows.append(("sequential nbgrader autograde", wall, cpu, _load()))
        print(f"parallel_autograde.py --jobs {jobs} of {n} submissions ({_load()}) ...", flush=True)
        wall, cpu = _run([sys.executable, "parallel_autograde.py", EN, "--jobs", jobs], parallel_course)
        rows.append((f"parallel_autograde.py --jobs {jobs}", wall, cpu, _load()))
        feedback, _ = _run([BIN / "nbgrader", "generate_feedback", EN], parallel_course)
        same = _scores(sequential_course) == _scores(parallel_course) if sequential else None
        graded = len({student for student, _ in _scores(parallel_course)})
    print(f"\ngrading {n} submissions ({graded} graded):")
    for name, wall, cpu, load in rows:
        print(f"  {name:34s} {wall:7.1f} s wall = {n / wall * 60:5.1f} submissions/min "
              f"(CPU {cpu / n:.1f} s per submission; {load} at the end)")
    if sequential:
        print(f"  speed-up {rows[0][1] / rows[1][1]:.2f}x; the same scores in both gradebooks: {same}")
    goal = rows[-1][1] / n * 60
    print(f"  60 submissions at this rate: {goal / 60:.1f} min (goal: under 5 min on 2 cores)")
    print(f"  generate_feedback for {n}: {feedback:.1f} s wall")


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
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel processes (default: CPUs)")
    parser.add_argument("--skip-sequential", action="store_true", help="only the parallel grading")
    parser.add_argument("--skip-autograde", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if not args.skip_autograde:
        grading_speed(args.submissions, args.jobs, sequential=not args.skip_sequential)
    if not args.skip_corpus:
        corpus_figures()


if __name__ == "__main__":
    main()
