"""Every exercise of every lesson has a folded hint and a worked solution, in both languages, and the
code solutions run (issue 11, item 4).

How a lesson writes its exercises, hints and solutions is in ``tests/_solutions.py`` (the parser).
A guard that the parser finds the exercise lists, then three tests per notebook (a notebook without
an exercise list is not collected):

- ``test_every_exercise_has_a_hint_and_a_solution``: under the exercise heading (``## Exercises`` /
  ``## অনুশীলনী``) every numbered exercise is followed by a folded hint and then a folded solution, in
  order; a code solution's id ``lNN-exK`` names its lesson and exercise; no python block in a
  solution escapes the run (each starts with ``# solution lNN-exK``).
- ``test_both_languages_have_the_same_hints_and_solutions``: the same number of exercises and of
  ``<summary>Hint</summary>``/``<summary>Solution</summary>`` (bn ``ইঙ্গিত``/``সমাধান``), and the
  same code solutions, id for id and character for character.
- ``test_code_solutions_run``: the English notebook's code cells run in ONE fresh kernel (the one
  the notebook names, in the quick budget, one thread, Agg), with each code solution inserted as a
  code cell right after the markdown cell that holds it. A solution that raises, or takes more than
  ``SLOW_S`` seconds, fails the test with the notebook, the solution's id and the error; so does a
  notebook cell that raises after a solution (a solution must not break the cells below it). The
  Bengali notebook is not run: its code cells (``tests/test_notebooks.py``) and its solutions (the
  test above) are the English ones. Cost: about one quick run of the notebook.

Without CIFAR-10 in the data folder (``lrcourse data status``), lessons 05 and 06 run on a small
synthetic stand-in (``_solutions.synthetic_cifar10``) in a temporary data folder, with a warning:
that checks the calls of their solutions, not their numbers.
"""

from __future__ import annotations

import difflib
import warnings
from functools import cache
from pathlib import Path

import pytest
from _solutions import Lesson, lesson, run_with_solutions, synthetic_cifar10

from lrcourse import data

ROOT = Path(__file__).resolve().parents[1]
NB_ROOT = ROOT / "notebooks"
SLOW_S = 120  # one solution, quick budget, shared 2 cores: the slowest (05.5, a CIFAR-10 range test) took 30-40 s
NAMES = sorted({p.name for lang in ("en", "bn") for p in (NB_ROOT / lang).glob("*.ipynb")})


@cache
def _lesson(lang: str, name: str) -> Lesson:
    return lesson(NB_ROOT / lang / name)


def _has_exercises(name: str) -> bool:
    return any((NB_ROOT / lang / name).is_file() and _lesson(lang, name).exercise_cell is not None
               for lang in ("en", "bn"))


WITH_EXERCISES = [name for name in NAMES if _has_exercises(name)]
BOTH = [(lang, name) for name in WITH_EXERCISES for lang in ("en", "bn")]


def test_lessons_have_exercises():
    """The parser finds the exercise lists at all (guards against a heading it no longer recognises)."""
    assert len(WITH_EXERCISES) >= len(NAMES) // 2, (
        f"only {WITH_EXERCISES} have an exercise list ('## Exercises' / '## অনুশীলনী' and a numbered list)"
    )


@pytest.mark.parametrize("lang,name", BOTH, ids=[f"{lang}/{name}" for lang, name in BOTH])
def test_every_exercise_has_a_hint_and_a_solution(lang, name):
    path = NB_ROOT / lang / name
    assert path.is_file(), f"notebooks/{lang}/{name} is missing; notebooks/{'bn' if lang == 'en' else 'en'} has it"
    found = _lesson(lang, name)
    assert found.exercise_cell is not None, (
        f"notebooks/{lang}/{name}: no exercise list ('## Exercises' / '## অনুশীলনী'); the other language has one"
    )
    assert found.exercises, f"notebooks/{lang}/{name}: cell {found.exercise_cell}: no numbered exercise under the heading"
    problems = found.problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_both_languages_have_the_same_hints_and_solutions(name):
    en, bn = _lesson("en", name), _lesson("bn", name)
    assert len(en.exercises) == len(bn.exercises), (
        f"{name}: {len(en.exercises)} exercises in notebooks/en, {len(bn.exercises)} in notebooks/bn"
    )
    counts = {"en": en.summary_counts(), "bn": bn.summary_counts()}
    assert counts["en"] == counts["bn"], (
        f"{name}: folded hints and solutions per language differ: {counts} "
        "(en <summary>Hint</summary>/<summary>Solution</summary>, bn <summary>ইঙ্গিত</summary>/<summary>সমাধান</summary>)"
    )
    en_code = {c.sid: c.code for c in en.solutions}
    bn_code = {c.sid: c.code for c in bn.solutions}
    assert list(en_code) == list(bn_code), (
        f"{name}: code solutions in notebooks/en {list(en_code)}, in notebooks/bn {list(bn_code)}"
    )
    for sid, code in en_code.items():
        if bn_code[sid] != code:
            diff = difflib.unified_diff(code.splitlines(), bn_code[sid].splitlines(), "notebooks/en", "notebooks/bn",
                                        lineterm="", n=1)
            pytest.fail(f"{name}: solution {sid} differs between languages (the code must be the same):\n"
                        + "\n".join(list(diff)[:40]))


@pytest.fixture(scope="session")
def cifar_stand_in(tmp_path_factory) -> Path | None:
    """A data folder with a synthetic CIFAR-10, where the real one is missing (None where it is there)."""
    if data.cifar10_available():
        return None
    folder = tmp_path_factory.mktemp("lrcourse-data")
    synthetic_cifar10(folder)
    return folder


@pytest.mark.parametrize("name", [n for n in WITH_EXERCISES if (NB_ROOT / "en" / n).is_file()])
def test_code_solutions_run(name, monkeypatch, cifar_stand_in):
    found = _lesson("en", name)
    if not found.exercises:
        pytest.fail(f"notebooks/en/{name}: no numbered exercise list (the other tests of this file say more)")
    if not found.solutions:
        # every solution of this lesson is prose (fine), or the solutions are missing (a failure)
        missing = [p for p in found.problems() if "needs a folded hint" in p]
        if missing:
            pytest.fail(f"notebooks/en/{name}: no code solution to run, and not every exercise has a solution:\n"
                        + "\n".join(missing))
        return
    monkeypatch.setenv("LRCOURSE_BUDGET", "quick")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    if cifar_stand_in is not None:
        if any("cifar" in c.source.lower() for c in found.nb.cells if c.cell_type == "code"):
            warnings.warn(f"notebooks/en/{name}: CIFAR-10 is not in {data.data_dir()}; the notebook and its "
                          "solutions run on a synthetic stand-in (the calls are checked, not the numbers)",
                          stacklevel=1)
        monkeypatch.setenv("LRCOURSE_DATA", str(cifar_stand_in))
    failures, seconds = run_with_solutions(found, slow_s=SLOW_S)
    timings = ", ".join(f"{sid} {s:.1f} s" for sid, s in seconds.items())
    print(f"notebooks/en/{name}: {timings}")
    assert not failures, "\n\n".join(failures) + f"\n\n(times: {timings})"
