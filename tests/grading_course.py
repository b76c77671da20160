"""Helpers for tests that grade submissions with the real ``nbgrader`` commands.

A test builds a temporary copy of the course folder ``notebooks/grading`` with :func:`make_course`
(``generate_assignment`` included), places submissions with :func:`submit` (as ``nbgrader
collect`` would), runs ``nbgrader autograde`` once for all of them with :func:`nbgrader`, and reads
the scores from the gradebook with :func:`grades`. The submissions are made from the release with
:func:`filled` (every answer cell from the instructor's source) and :func:`replace_solution`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "notebooks" / "grading"
BIN = Path(sys.executable).parent
NOTEBOOK = "lr_schedules"
EN, BN = "lr-schedules-en", "lr-schedules-bn"
AUTOGRADED_POINTS = 17
# Per cell during tests: long enough for the MLP cells on a loaded 2-core CI machine (about 3 s
# unloaded), short enough that an infinite loop costs little. The course's own config allows 300 s.
TEST_CELL_TIMEOUT = 30
TIMEOUT_OPTION = f"--Execute.timeout={TEST_CELL_TIMEOUT}"


def _env() -> dict:
    env = os.environ.copy()
    # nbgrader runs `alembic` (and the kernel runs python) from the virtual environment: put it first.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    env.pop("LRCOURSE_LANG", None)
    return env


def nbgrader(cwd: Path, *args: str, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in ``cwd``; a failure fails the test with nbgrader's output."""
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"nbgrader {' '.join(args)} exited with {proc.returncode}\n"
            f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-5000:]}"
        )
    return proc


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def source_path(assignment: str) -> Path:
    """The committed instructor source of ``assignment``."""
    return COURSE / "source" / assignment / f"{NOTEBOOK}.ipynb"


def make_course(folder: Path, assignments=(EN, BN)) -> Path:
    """A copy of the course folder in ``folder/course`` with ``release/`` generated afresh."""
    course = folder / "course"
    shutil.copytree(
        COURSE,
        course,
        ignore=shutil.ignore_patterns(
            "release", "submitted", "autograded", "feedback", "gradebook.db", ".nbgrader.log", "__pycache__"
        ),
    )
    for assignment in assignments:
        nbgrader(course, "generate_assignment", assignment, "--force")
    return course


def copy(nb) -> nbformat.NotebookNode:
    return nbformat.from_dict(json.loads(json.dumps(nb)))


def replace_solution(nb, cell_id: str, code: str) -> None:
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    cell.source = code.strip("\n")


def cell_source(nb, cell_id: str) -> str:
    return next(c.source for c in nb.cells if c.get("id") == cell_id)


def filled(course: Path, assignment: str = EN) -> nbformat.NotebookNode:
    """A learner who solved everything: the release with every answer cell from the source."""
    nb = read(course / "release" / assignment / f"{NOTEBOOK}.ipynb")
    source = read(source_path(assignment))
    solutions = {c.id: c.source for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        if cell.get("id") in solutions:
            cell.source = solutions[cell.id]
    replace_solution(nb, "analysis", "Cosine and warmup + cosine did best; see my table above.")
    return nb


def submit(course: Path, student: str, assignment: str, nb) -> None:
    """Place ``nb`` where ``nbgrader collect`` puts a submission."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    (folder / "timestamp.txt").write_text("2026-11-25 09:00:00.000000 UTC")


def grades(course: Path, assignment: str, student: str) -> dict[str, tuple]:
    """{grade_id: (score, max_score, needs_manual_grade)} from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(NOTEBOOK, assignment, student)
        return {g.name: (g.score, g.max_score, g.needs_manual_grade) for g in sub.grades}


def auto_total(grades: dict) -> float:
    return sum(score for name, (score, _, _) in grades.items() if name != "analysis")


def lost(grades: dict) -> set[str]:
    return {name for name, (score, mx, _) in grades.items() if name != "analysis" and score < mx}
