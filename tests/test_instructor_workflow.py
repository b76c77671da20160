"""The instructor's workflow around ``autograde``, with the real nbgrader, in temporary copies of the course.

1. The README's grading commands (the indented block of "Grading the assignment with nbgrader"),
   read from README.md and run from ``notebooks/grading`` of a checkout-like folder (``.venv`` linked):
   first each ``nbgrader`` line as ``../../.venv/bin/nbgrader`` with NO venv on PATH, then every line
   exactly as written after activation. The submissions come as LMS downloads for ``zip_collect``:

   ======================  ==================================================  =========
   zip                     student, file                                       autograde
   ======================  ==================================================  =========
   Moodle (folders)        1234567: every answer solved, analysis written      17 / 17
   Canvas (flat)           12345: late, re-uploaded (``_LATE_``, ``-1``),      1
                           only constant_lr solved; a stray .txt (skipped)
   ======================  ==================================================  =========

2. The Formgrader in JupyterLab, in headless Chromium: Nbgrader menu → Formgrader → Manual Grading →
   the Moodle student's submission; the ``analysis`` cell gets 2 points and a comment, which are then
   read from the gradebook and from ``nbgrader export``.
3. The exchange, with Unix users created by the test (root only): release_assignment; fetch_assignment
   and submit by three students; a due date; a late resubmission; collect; ``make grade`` (parallel
   autograde, feedback, export); release_feedback; fetch_feedback by each student.

   ======  ===============================================================  ===============
   user    submissions                                                      autograde
   ======  ===============================================================  ===============
   alice   every answer solved                                              17 / 17
   bob     the release as fetched                                           0
   carol   the release as fetched; then, after the due date, constant_lr   1, late penalty
           solved (the one that counts; the penalty is "zero": 1 - 1 = 0)
   ======  ===============================================================  ===============

Five submissions are autograded in all (about 7 s of CPU each).
"""

from __future__ import annotations

import csv
import os
import pwd
import re
import secrets
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from _browser import browser, free_port, lab_command, needs_chromium, server, shot  # noqa: F401 (fixture)
from grading_course import (AUTOGRADED_POINTS, BIN, COURSE, EN, NOTEBOOK, ROOT, auto_total, copy, filled, grades,
                            lost, make_course, nbgrader, read, replace_solution)

pytestmark = pytest.mark.timeout(1200)

README = ROOT / "README.md"
SECTION = "## Grading the assignment with nbgrader (for instructors)"
MOODLE_ID, CANVAS_ID = "1234567", "12345"
CONSTANT_LR_POINTS = 1
CONSTANT_LR = "def constant_lr(t, lr0=1e-3):\n    return lr0"  # the one answer of the partial submissions


# -- the README's commands ---------------------------------------------------------------------


def readme_block() -> list[str]:
    """The lines of the first indented code block of the README's instructor section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    block, started = [], False
    for line in section.splitlines():
        if line.startswith("    "):
            started = True
            block.append(line[4:])
        elif started and line.strip():
            break
    return block


def readme_commands() -> list[str]:
    """The block's commands after ``cd notebooks/grading`` that run a program of the venv
    (``nbgrader``, ``python``), in order, as written (comments included: the shell drops them)."""
    block = readme_block()
    assert "cd notebooks/grading" in block, "the README's grading commands should run in notebooks/grading"
    after_cd = block[block.index("cd notebooks/grading") + 1:]
    return [line for line in after_cd if shlex.split(line, comments=True)[:1] in (["nbgrader"], ["python"])]


def _without_venv(path: str) -> str:
    venv_bins = {BIN.resolve()}
    return os.pathsep.join(p for p in path.split(os.pathsep) if p and Path(p).resolve() not in venv_bins)


def _instructor_env(activated_venv: Path | None) -> dict:
    """The instructor's shell: no venv on PATH, or one activated (`source .venv/bin/activate`)."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "LRCOURSE_LANG", "PYTHONPATH")}
    env["PATH"] = _without_venv(env.get("PATH", "/usr/bin:/bin"))
    if activated_venv is not None:
        env["VIRTUAL_ENV"] = str(activated_venv)
        env["PATH"] = f"{activated_venv / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def _lms_zips(course: Path) -> None:
    """What an instructor downloads from Moodle and Canvas, put where zip_collect looks."""
    release = read(course / "release" / EN / f"{NOTEBOOK}.ipynb")
    moodle = filled(course, EN)
    canvas = copy(release)
    replace_solution(canvas, "constant_lr", CONSTANT_LR)
    archive = course / "downloaded" / EN / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "LRC-Assignment 1-41.zip", "w") as z:
        z.writestr(f"Jane Doe_{MOODLE_ID}_assignsubmission_file/{NOTEBOOK}.ipynb", nbformat.writes(moodle))
    with zipfile.ZipFile(archive / "submissions.zip", "w") as z:
        z.writestr(f"doejohn_LATE_{CANVAS_ID}_678901_{NOTEBOOK}-1.ipynb", nbformat.writes(canvas))
        z.writestr(f"doejohn_LATE_{CANVAS_ID}_678902_notes.txt", "my notes")


def _run_readme_line(course: Path, line: str, activated: bool, checkout: Path) -> subprocess.CompletedProcess:
    """``line`` in bash, as written after activation, or else with the program called by its path."""
    if activated:
        env = _instructor_env(checkout / ".venv")
    else:
        program, rest = line.split(" ", 1)
        line, env = f"../../.venv/bin/{program} {rest}", _instructor_env(None)
    return subprocess.run(["bash", "-c", line], cwd=course, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def lms_course(tmp_path_factory):
    """A checkout-like folder whose notebooks/grading went through the README's commands twice."""
    checkout = tmp_path_factory.mktemp("checkout")
    (checkout / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    course = make_course(checkout / "notebooks", assignments=()).rename(checkout / "notebooks" / "grading")
    runs = {}
    for activated in (False, True):
        for line in readme_commands():
            if "zip_collect" in line and not (course / "downloaded").exists():
                _lms_zips(course)
            runs[activated, line] = _run_readme_line(course, line, activated, checkout)
    return course, runs


def _failures(runs: dict, activated: bool) -> list[str]:
    return [f"{line}\n--- exit {proc.returncode}; stderr:\n{proc.stderr[-3000:]}"
            for (act, line), proc in runs.items() if act == activated and proc.returncode != 0]


def test_readme_lists_the_steps():
    steps = [shlex.split(line, comments=True)[1] for line in readme_commands()]
    for step in ("generate_assignment", "zip_collect", "autograde", "-m", "generate_feedback", "export"):
        assert step in steps, f"the README's grading block lacks the step {step!r}: {steps}"


def test_readme_commands_by_path_without_the_venv_on_path(lms_course):
    """Each nbgrader line works as ../../.venv/bin/nbgrader, with nothing of the venv on PATH
    (nbgrader starts `alembic` to create the gradebook: the course config must find it)."""
    assert shutil.which("alembic", path=_instructor_env(None)["PATH"]) is None, "the test's PATH must lack the venv"
    course, runs = lms_course
    assert not _failures(runs, activated=False), "\n\n".join(_failures(runs, activated=False))
    assert (course / "gradebook.db").exists()


def test_readme_commands_as_written_after_activation(lms_course):
    course, runs = lms_course
    assert not _failures(runs, activated=True), "\n\n".join(_failures(runs, activated=True))


def test_zip_collect_moodle_and_canvas(lms_course):
    course, _ = lms_course
    collected = sorted(p.relative_to(course / "submitted").as_posix() for p in (course / "submitted").rglob("*")
                       if p.is_file())
    assert collected == [f"{CANVAS_ID}/{EN}/{NOTEBOOK}.ipynb", f"{MOODLE_ID}/{EN}/{NOTEBOOK}.ipynb"], collected
    moodle, canvas = grades(course, EN, MOODLE_ID), grades(course, EN, CANVAS_ID)
    assert auto_total(moodle) == AUTOGRADED_POINTS and not lost(moodle), moodle
    assert moodle["analysis"][2], "the written analysis waits for the instructor"
    assert auto_total(canvas) == CONSTANT_LR_POINTS and "test_constant_lr" not in lost(canvas), canvas


def test_feedback_and_export(lms_course):
    course, _ = lms_course
    for student in (MOODLE_ID, CANVAS_ID):
        assert (course / "feedback" / student / EN / f"{NOTEBOOK}.html").is_file()
    rows = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    assert float(rows[MOODLE_ID]["raw_score"]) == AUTOGRADED_POINTS
    assert float(rows[CANVAS_ID]["raw_score"]) == CONSTANT_LR_POINTS


def test_collector_pattern_reads_every_lms_layout():
    """The course's zip_collect pattern on the other layouts Moodle and Canvas produce (no grading)."""
    from traitlets.config.loader import PyFileConfigLoader

    pattern = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config().FileNameCollectorPlugin.named_regexp
    layouts = {
        f"/c/extracted/x/Jane Doe_{MOODLE_ID}_assignsubmission_file/{NOTEBOOK}.ipynb": MOODLE_ID,
        f"/c/extracted/x/Jane Doe_{MOODLE_ID}_assignsubmission_file_/{NOTEBOOK}.ipynb": MOODLE_ID,  # Moodle 3.x
        f"/c/extracted/x/Jane Doe_{MOODLE_ID}_assignsubmission_file_{NOTEBOOK}.ipynb": MOODLE_ID,  # no folders
        f"/c/extracted/submissions/doejohn_{CANVAS_ID}_678901_{NOTEBOOK}.ipynb": CANVAS_ID,
        f"/c/extracted/submissions/doejohn_LATE_{CANVAS_ID}_678901_{NOTEBOOK}-2.ipynb": CANVAS_ID,
    }
    for path, student in layouts.items():
        match = re.match(pattern, path)
        assert match and match["student_id"] == student and match["file_id"] == NOTEBOOK, path


# -- the Formgrader ------------------------------------------------------------------------------


@needs_chromium
def test_formgrader_manual_grade_reaches_gradebook_and_export(lms_course, browser, tmp_path):
    course, _ = lms_course
    score, comment = 2, "Good table; say which differences exceed the seed-to-seed noise."
    port, token = free_port(), secrets.token_hex(16)
    cmd = lab_command(course, port, token, tmp_path)
    with server(cmd, port, "formgrader", cwd=course, ready_url=f"http://127.0.0.1:{port}/api/status?token={token}"):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(f"http://127.0.0.1:{port}/lab?token={token}", timeout=180_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click(timeout=180_000)
            page.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()
            formgrader = page.frame_locator("iframe").first
            formgrader.get_by_role("link", name="Manual Grading").first.click(timeout=60_000)
            formgrader.get_by_role("link", name=EN).click(timeout=60_000)
            formgrader.get_by_role("link", name=NOTEBOOK).click(timeout=60_000)
            # Names are hidden while grading; the hidden name's link leads to the same submission.
            href = formgrader.locator(f"a.name-shown:text-is('{MOODLE_ID}')").get_attribute("href", timeout=60_000)
            formgrader.locator(f"a.name-hidden[href='{href}']").click()
            analysis = formgrader.locator("input.score#analysis")
            analysis.wait_for(timeout=120_000)
            analysis.fill(str(score))
            analysis.press("Tab")  # the Formgrader saves a score on change
            box = formgrader.locator("textarea.comment#analysis-comment")
            box.fill(comment)
            box.press("Tab")
            shot(page, "formgrader-analysis-graded")
            _wait_for_manual_grade(course, score, comment)
        finally:
            page.close()
    nbgrader(course, "export")
    rows = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    assert float(rows[MOODLE_ID]["score"]) == AUTOGRADED_POINTS + score, rows[MOODLE_ID]


def _wait_for_manual_grade(course: Path, score: float, comment: str, timeout: float = 30) -> None:
    from nbgrader.api import Gradebook

    deadline = time.monotonic() + timeout
    while True:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            nb = gb.find_submission_notebook(NOTEBOOK, EN, MOODLE_ID)
            grade = next(g for g in nb.grades if g.name == "analysis")
            note = next(c for c in nb.comments if c.name == "analysis")
            got = (grade.manual_score, grade.needs_manual_grade, note.manual_comment)
        if got == (score, False, comment) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert got == (score, False, comment), f"gradebook after the Formgrader: {got}"


# -- the exchange, with Unix users ------------------------------------------------------------

STUDENTS = ("lrct-alice", "lrct-bob", "lrct-carol")


def _student_run(user: str, cmd: list[str], home: Path) -> subprocess.CompletedProcess:
    """Run ``cmd`` as the student (their uid, gid and no other group), in their home."""
    env = {"HOME": str(home), "USER": user, "LOGNAME": user, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(cmd, cwd=home, env=env, user=user, group=user, extra_groups=[], capture_output=True,
                          text=True, timeout=600)


def _as(user: str, *args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run the venv's nbgrader as a student."""
    proc = _student_run(user, [str(BIN / "nbgrader"), *args], home)
    if check and proc.returncode:
        pytest.fail(f"{user}: nbgrader {' '.join(args)} exited with {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


def _write_as(user: str, path: Path, nb) -> None:
    """The student's edit of their fetched notebook."""
    nbformat.write(nb, path)
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _create_users(request, base: Path) -> dict[str, Path]:
    homes = {}
    for user in STUDENTS:
        subprocess.run(["userdel", "-r", user], capture_output=True)  # left over by an interrupted run
        home = base / "home" / user
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--user-group",
                        "--shell", "/usr/sbin/nologin", user], check=True, capture_output=True)
        homes[user] = home
    request.addfinalizer(lambda: [subprocess.run(["userdel", "-r", u], capture_output=True) for u in STUDENTS])
    try:
        _student_run(STUDENTS[0], [sys.executable, "-c", "pass"], homes[STUDENTS[0]]).check_returncode()
    except (PermissionError, subprocess.CalledProcessError) as exc:
        blocked = next((str(p) for p in Path(sys.executable).resolve().parents
                        if not os.stat(p).st_mode & stat.S_IXOTH), "?")
        pytest.skip(f"the students (other Unix users) cannot run the venv's Python "
                    f"{Path(sys.executable).resolve()} ({exc.__class__.__name__}; {blocked} is not "
                    "searchable by others). On a class server the course environment must be "
                    "runnable by every user; .ci/run makes it so")
    return homes


@pytest.fixture(scope="module")
def exchange_class(request):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("the exchange test creates Unix users (useradd): run as root, as CI does")
    if not shutil.which("useradd"):
        pytest.skip("useradd is not available")
    base = Path(tempfile.mkdtemp(prefix="lrcourse-exchange-"))
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    base.chmod(0o755)  # the students reach their homes and the exchange through it
    (base / "home").mkdir(mode=0o755)
    homes = _create_users(request, base)
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # nbgrader's documented set-up: `chmod ugo+rw` on the exchange root
    course = make_course(base / "instructor", assignments=(EN,))
    with open(course / "nbgrader_config.py", "a") as config:  # this class's policy: late scores 0
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    ex, on = f"--Exchange.root={exchange}", "--course=lrcourse"
    alice, bob, carol = STUDENTS

    nbgrader(course, "release_assignment", EN, ex)
    fetched = {}
    for user in STUDENTS:
        _as(user, "fetch_assignment", EN, on, ex, home=homes[user])
        fetched[user] = homes[user] / EN / f"{NOTEBOOK}.ipynb"
    _write_as(alice, fetched[alice], filled(course, EN))
    release = read(fetched[carol])
    for user in STUDENTS:
        _as(user, "submit", EN, on, ex, home=homes[user])

    # The due date passes; carol resubmits with constant_lr solved.
    time.sleep(1.1)
    nbgrader(course, "db", "assignment", "add", EN, f"--duedate={time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC")
    time.sleep(1.1)
    late = copy(release)
    replace_solution(late, "constant_lr", CONSTANT_LR)
    _write_as(carol, fetched[carol], late)
    _as(carol, "submit", EN, on, ex, home=homes[carol])

    nbgrader(course, "collect", EN, ex)
    make = subprocess.run(["make", "-C", str(ROOT), "-o", ".venv/.lrcourse-installed", "grade", f"GRADING={course}",
                           f"ASSIGNMENT={EN}", "JOBS=2"], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PATH": _without_venv(os.environ["PATH"])})
    assert make.returncode == 0, f"make grade failed:\n{make.stdout[-3000:]}\n{make.stderr[-3000:]}"
    assert "scan: nothing flagged" in make.stdout, "make grade runs the instructor scan; no answer here is suspicious"
    nbgrader(course, "release_feedback", EN, ex)
    for user in STUDENTS:
        _as(user, "fetch_feedback", EN, on, ex, home=homes[user])
    return course, exchange, homes


def _inbound_timestamps(exchange: Path, user: str) -> list[str]:
    """The submissions' timestamps, from the inbound folders' names (student+assignment+time+random)."""
    names = [p.name.split("+") for p in (exchange / "lrcourse" / "inbound").iterdir()]
    return sorted(parts[2] for parts in names if parts[0] == user)


def test_exchange_grades_each_student(exchange_class):
    course, _, _ = exchange_class
    alice, bob, carol = (grades(course, EN, u) for u in STUDENTS)
    assert auto_total(alice) == AUTOGRADED_POINTS and not lost(alice), alice
    assert auto_total(bob) == 0, bob
    assert auto_total(carol) == CONSTANT_LR_POINTS, carol


def test_exchange_feedback_reaches_each_student(exchange_class):
    course, _, homes = exchange_class
    for user in STUDENTS:
        fetched = sorted((homes[user] / EN / "feedback").glob(f"*/{NOTEBOOK}.html"))
        assert len(fetched) == 1, f"{user}: {fetched}"
        assert fetched[0].stat().st_uid == pwd.getpwnam(user).pw_uid, "feedback belongs to the student"
        ours = (course / "feedback" / user / EN / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
        assert fetched[0].read_text(encoding="utf-8") == ours


def test_exchange_permissions_keep_submissions_private(exchange_class):
    """nbgrader's inbound is write-only for students: none can list the others' submissions."""
    _, exchange, homes = exchange_class
    inbound = exchange / "lrcourse" / "inbound"
    assert not inbound.stat().st_mode & stat.S_IROTH and inbound.stat().st_mode & stat.S_IWOTH
    peek = _student_run(STUDENTS[1], ["ls", str(inbound)], homes[STUDENTS[1]])
    assert peek.returncode != 0 and "Permission denied" in peek.stderr, peek


def test_late_resubmission_counts_with_its_timestamp(exchange_class):
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    course, exchange, _ = exchange_class
    carol = STUDENTS[2]
    first, latest = _inbound_timestamps(exchange, carol)
    assert (course / "submitted" / carol / EN / "timestamp.txt").read_text().strip() == latest
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        late = gb.find_submission(EN, carol)
        assert late.timestamp.replace(tzinfo=None) == parse_utc(latest).replace(tzinfo=None), (late.timestamp, latest)
        assert late.total_seconds_late > 0
        notebook = gb.find_submission_notebook(NOTEBOOK, EN, carol)
        assert (notebook.score, notebook.late_submission_penalty) == (CONSTANT_LR_POINTS, CONSTANT_LR_POINTS), \
            "the course's late policy here is 'zero': a penalty of all the late notebook's points"
        for user in STUDENTS[:2]:
            assert gb.find_submission(EN, user).total_seconds_late == 0, f"{user} submitted on time"
    row = next(r for r in csv.DictReader((course / "grades.csv").open()) if r["student_id"] == carol)
    assert (float(row["raw_score"]), float(row["late_submission_penalty"]), float(row["score"])) == \
        (CONSTANT_LR_POINTS, CONSTANT_LR_POINTS, 0), row
    assert row["timestamp"].startswith(latest[:19]), (row["timestamp"], latest)
