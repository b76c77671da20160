"""The nbgrader round trip of the assignment, with the real ``nbgrader`` commands.

In a temporary copy of the course folder ``notebooks/grading``:

- ``nbgrader generate_assignment`` for both languages; the result must equal the committed
  ``release/`` (a stale release fails here: regenerate it, see README);
- ``nbgrader validate`` passes on the source, and with ``--invert`` on the release (every test
  fails there, as documented);
- submissions placed in ``submitted/<student>/<assignment>/`` as ``nbgrader collect`` does, then
  ``nbgrader autograde`` and ``nbgrader generate_feedback``:

  ==============  ===================================================================  =========
  student         what                                                                 autograde
  ==============  ===================================================================  =========
  solution        the instructor's source notebook                                     17 / 17
  untouched       the release as handed out                                            0
  mistakes        step decay with float division, cosine stretched over T after         7
                  warmup, a training loop one step ahead (the plot, drawn with the
                  learner's own wrong functions, keeps its points: graded once)
  loop            a stray ``while True: pass`` before ``def plot_all_schedules``        15
                  (cut by Execute.timeout; grading goes on)
  deleted         test cell of cosine_lr deleted (nbgrader adds it back) and the test  13
                  cell of step_decay replaced by ``pass`` (nbgrader restores it), with
                  wrong cosine_lr and step_decay
  mistakes-bn     the Bengali assignment, step decay with float division                15
  ==============  ===================================================================  =========

- the feedback HTML exists and names the mistakes, in the submission's language.

Plus static checks: the two languages' assignments have the same grade ids, points, locked cells
and test code; the committed sources have no outputs.
"""

from __future__ import annotations

import json
import time

import pytest

from lrcourse import i18n
import lrcourse.checks  # noqa: F401  (registers the messages)

from grading_course import (  # noqa: F401  (nbgrader, EN, BN: also used by other grading tests)
    AUTOGRADED_POINTS,
    BN,
    COURSE,
    EN,
    NOTEBOOK,
    TEST_CELL_TIMEOUT,
    TIMEOUT_OPTION,
    auto_total as _auto_total,
    cell_source,
    filled,
    grades as _grades,
    lost as _lost,
    make_course,
    nbgrader,
    read as _read,
    replace_solution as _replace_solution,
    source_path as _source,
    submit as _submit,
)


BUGGY_STEP = '''
def step_decay(t, lr0=0.1, gamma=0.1, k=30):
    return lr0 * gamma ** (t / k)
'''
BUGGY_WARMUP_COSINE = '''
def warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return cosine_lr(t - warmup, T, lr_max, lr_min)
'''
BUGGY_COSINE = '''
def cosine_lr(t, T, lr_max=1e-3, lr_min=1e-5):
    return 0.5 * lr_max * (1 + math.cos(math.pi * t / T))
'''
INDEPENDENT_WARMUP_COSINE = '''
def warmup_cosine(t, warmup, T, lr_max=1e-3, lr_min=1e-5):
    if t < warmup:
        return lr_max * t / warmup
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * (t - warmup) / (T - warmup)))
'''


def ahead_train_mlp(nb) -> str:
    """The solution's loop, but setting the LR of update t from schedule(t + 1)."""
    code = cell_source(nb, "train_mlp")
    assert "lr = float(schedule(t))" in code
    return code.replace("lr = float(schedule(t))", "lr = float(schedule(t + 1))")


def _stray_loop_plot(nb) -> str:
    return "while True:  # trying something, forgot to stop\n    pass\n\n" + cell_source(nb, "plot_all_schedules")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A graded copy of the course folder: generate, submit, autograde, feedback."""
    started = time.perf_counter()
    course = make_course(tmp_path_factory.mktemp("grading"))
    src_en = _read(_source(EN))

    _submit(course, "solution", EN, src_en)
    _submit(course, "untouched", EN, _read(course / "release" / EN / f"{NOTEBOOK}.ipynb"))

    nb = filled(course, EN)
    _replace_solution(nb, "step_decay", BUGGY_STEP)
    _replace_solution(nb, "warmup_cosine", BUGGY_WARMUP_COSINE)
    _replace_solution(nb, "train_mlp", ahead_train_mlp(src_en))
    _submit(course, "mistakes", EN, nb)

    nb = filled(course, EN)
    _replace_solution(nb, "plot_all_schedules", _stray_loop_plot(src_en))
    _submit(course, "loop", EN, nb)

    nb = filled(course, EN)
    _replace_solution(nb, "cosine_lr", BUGGY_COSINE)
    _replace_solution(nb, "warmup_cosine", INDEPENDENT_WARMUP_COSINE)
    _replace_solution(nb, "step_decay", BUGGY_STEP)
    nb.cells = [c for c in nb.cells if c.get("id") != "test_cosine_lr"]
    _replace_solution(nb, "test_step_decay", "pass  # the learner edited the test")
    _submit(course, "deleted", EN, nb)

    nb = filled(course, BN)
    _replace_solution(nb, "step_decay", BUGGY_STEP)
    _submit(course, "mistakes-bn", BN, nb)

    t0 = time.perf_counter()
    nbgrader(course, "autograde", EN, TIMEOUT_OPTION)
    nbgrader(course, "autograde", BN, TIMEOUT_OPTION)
    autograde_s = time.perf_counter() - t0
    nbgrader(course, "generate_feedback", EN)
    nbgrader(course, "generate_feedback", BN)
    print(
        f"\nround trip: {time.perf_counter() - started:.0f} s in all; autograde of 6 submissions "
        f"{autograde_s:.0f} s ({autograde_s / 6:.1f} s per submission, one with a {TEST_CELL_TIMEOUT} s timeout)"
    )
    return course


def _feedback(course, assignment: str, student: str) -> str:
    path = course / "feedback" / student / assignment / f"{NOTEBOOK}.html"
    assert path.is_file(), f"no feedback HTML at {path}"
    return path.read_text(encoding="utf-8")


def _phrase(key: str, language: str) -> str:
    """The longest literal piece of a message (no placeholders), as it appears in the feedback."""
    import html
    import string

    template = i18n.CATALOGUE[key][language]
    pieces = [literal for literal, *_ in string.Formatter().parse(template)]
    return html.escape(max(pieces, key=len).strip(), quote=False)


# -- the committed files ----------------------------------------------------------------------


def _stale(assignment: str, where: str) -> str:
    return (
        f"notebooks/grading/release/{assignment} differs from what `nbgrader generate_assignment` makes from "
        f"source/ ({where}). Maintainer who changed source/: run `nbgrader generate_assignment {assignment} --force` "
        "in notebooks/grading (with .venv/bin on PATH) and commit release/. Learner who worked inside release/: "
        "keep your notebook somewhere else and restore the original with "
        f"`git checkout -- notebooks/grading/release/{assignment}`."
    )


def test_release_is_up_to_date(course):
    """The committed release/ is exactly what generate_assignment makes from the committed source."""
    for assignment in (EN, BN):
        committed = _read(COURSE / "release" / assignment / f"{NOTEBOOK}.ipynb")
        fresh = _read(course / "release" / assignment / f"{NOTEBOOK}.ipynb")
        ids = [c.get("id") for c in fresh.cells]
        assert [c.get("id") for c in committed.cells] == ids, _stale(assignment, "the cells differ")
        for old, new in zip(committed.cells, fresh.cells):
            assert (old.cell_type, old.source, old.metadata) == (new.cell_type, new.source, new.metadata), _stale(
                assignment, f"cell {new.get('id')!r}"
            )
            assert not old.get("outputs"), _stale(assignment, f"cell {new.get('id')!r} has outputs")
        assert committed.metadata.get("kernelspec") == fresh.metadata.get("kernelspec"), _stale(assignment, "kernelspec")


def test_sources_are_committed_without_outputs():
    for assignment in (EN, BN):
        nb = _read(_source(assignment))
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (
                    f"source/{assignment}: cell {cell.get('id')!r} has outputs; commit nbgrader sources cleared"
                )


def test_both_languages_grade_the_same_way():
    """Same grade ids, points, cell kinds and test code in English and Bengali; the only code that
    differs is the language line."""
    en, bn = _read(_source(EN)), _read(_source(BN))

    def table(nb):
        return [
            (c.get("id"), c.cell_type, json.dumps(c.metadata.get("nbgrader", {}), sort_keys=True))
            for c in nb.cells
        ]

    assert table(en) == table(bn)
    for ce, cb in zip(en.cells, bn.cells):
        if ce.cell_type != "code":
            continue
        src_en = ce.source.replace('lrcourse.set_language("en")', "LANGUAGE")
        src_bn = cb.source.replace('lrcourse.set_language("bn")', "LANGUAGE")
        assert src_en == src_bn, f"code cell {ce.get('id')!r} differs between {EN} and {BN}"
    points = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in en.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    assert sum(p for g, p in points.items() if g != "analysis") == AUTOGRADED_POINTS
    assert points["analysis"] == 3
    # every test cell is locked and holds hidden tests or a check call
    for c in en.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            assert meta.get("locked") and "check_" in c.source


def test_language_line_matches_assignment():
    assert 'lrcourse.set_language("en")' in _read(_source(EN)).cells[1].source
    assert 'lrcourse.set_language("bn")' in _read(_source(BN)).cells[1].source


# -- nbgrader validate ------------------------------------------------------------------------


def test_validate_source_passes(course):
    proc = nbgrader(course, "validate", str(course / "source" / EN / f"{NOTEBOOK}.ipynb"), check=False)
    assert "Success! Your notebook passes all the tests." in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_validate_invert_on_release(course):
    """--invert complains when a test passes; on the untouched release every test fails, so it succeeds."""
    proc = nbgrader(course, "validate", "--invert", str(course / "release" / EN / f"{NOTEBOOK}.ipynb"), check=False)
    assert "Success! The notebook does not pass any tests." in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]


# -- autograde --------------------------------------------------------------------------------


def test_solution_scores_full_marks(course):
    grades = _grades(course, EN, "solution")
    assert _auto_total(grades) == AUTOGRADED_POINTS, grades
    assert not _lost(grades)
    score, max_score, needs_manual = grades["analysis"]
    assert max_score == 3 and needs_manual, "the written analysis must wait for the instructor"


def test_untouched_release_scores_zero(course):
    grades = _grades(course, EN, "untouched")
    assert _auto_total(grades) == 0, grades
    score, _, needs_manual = grades["analysis"]
    assert score == 0 and not needs_manual, "an unanswered analysis is scored 0 automatically"
    html = _feedback(course, EN, "untouched")
    assert _phrase("checks.not_implemented", "en") in html


def test_typical_mistakes_lose_the_right_points(course):
    grades = _grades(course, EN, "mistakes")
    assert _lost(grades) == {"test_step_decay", "test_warmup_cosine", "test_train_mlp", "test_histories"}, grades
    assert _auto_total(grades) == AUTOGRADED_POINTS - 2 - 3 - 3 - 2
    html = _feedback(course, EN, "mistakes")
    for key in ("checks.m.float_division", "checks.m.stretched", "checks.train.lr_ahead"):
        assert _phrase(key, "en") in html, f"the feedback does not name the mistake {key}"


def test_infinite_loop_is_cut_and_grading_goes_on(course):
    grades = _grades(course, EN, "loop")
    assert _lost(grades) == {"test_plot"}, grades
    assert _auto_total(grades) == AUTOGRADED_POINTS - 2
    autograded = _read(course / "autograded" / "loop" / EN / f"{NOTEBOOK}.ipynb")
    cell = next(c for c in autograded.cells if c.get("id") == "plot_all_schedules")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors, "the looping cell should carry the timeout error"


def test_deleted_and_edited_test_cells_are_restored_and_graded(course):
    grades = _grades(course, EN, "deleted")
    assert "test_cosine_lr" in grades, "the deleted test cell was not added back"
    assert _lost(grades) == {"test_cosine_lr", "test_step_decay"}, grades
    assert _auto_total(grades) == AUTOGRADED_POINTS - 2 - 2
    html = _feedback(course, EN, "deleted")
    assert _phrase("checks.m.missing_lr_min", "en") in html
    assert _phrase("checks.m.float_division", "en") in html
    assert _phrase("checks.follows_own", "en") in html  # the plot is not penalised for them again


def test_bengali_submission_gets_bengali_feedback(course):
    grades = _grades(course, BN, "mistakes-bn")
    assert _lost(grades) == {"test_step_decay"}, grades
    assert _auto_total(grades) == AUTOGRADED_POINTS - 2
    html = _feedback(course, BN, "mistakes-bn")
    assert _phrase("checks.m.float_division", "bn") in html
    assert _phrase("checks.m.float_division", "en") not in html


def test_feedback_for_every_submission(course):
    for student in ("solution", "untouched", "mistakes", "loop", "deleted"):
        assert "<html" in _feedback(course, EN, student).lower()
