"""Browser tests: the designer web app (Voilà) and the course in JupyterLab, in a real headless Chromium.

Uses Debian's ``chromium`` package (``/usr/bin/chromium``; ``.ci/run`` installs it) driven by the
Python ``playwright`` package; Playwright's own browser download is never used. Each test starts
its own server on a free loopback port and stops it (with everything it started, e.g. kernels)
at the end, also when the test fails.

- ``test_designer_web_app``: ``make designer``'s Voilà app; changes the schedule and the warmup and
  checks that the plot image and the recommendations/warnings change.
- ``test_jupyterlab_lists_and_opens_the_course``: ``make lab``'s JupyterLab; checks that every course
  notebook is listed (both languages) and that the designer notebook opens.

Screenshots go to ``$LRCOURSE_SCREENSHOTS`` (default: ``<tmp>/lrcourse-browser``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
BIN = Path(sys.executable).parent
NOTEBOOK = "09_lr_schedule_designer.ipynb"
SHOTS = Path(os.environ.get("LRCOURSE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "lrcourse-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium); "
                       "apt-get install chromium (.ci/run does it)"),
    pytest.mark.timeout(900),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path, n: int = 3000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else ""


@contextlib.contextmanager
def server(cmd: list[str], port: int, name: str, *, ready_url: str | None = None, timeout: float = 240):
    """Start ``cmd`` in its own process group, wait until ``port`` accepts connections (and
    ``ready_url`` answers, if given), yield; always stop the whole group afterwards."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_path = SHOTS / f"{name}.log"
    env = dict(os.environ, LRCOURSE_BUDGET="quick", PYTHONUNBUFFERED="1")
    env.pop("MPLBACKEND", None)  # kernels use the inline backend, as for a learner
    runtime = tempfile.mkdtemp(prefix=f"lrcourse-{name}-")
    env["JUPYTER_RUNTIME_DIR"] = runtime
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with status {proc.returncode}:\n{_log_tail(log_path)}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
                if ready_url:
                    urllib.request.urlopen(ready_url, timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not start within {timeout:.0f} s:\n{_log_tail(log_path)}")
                time.sleep(0.5)
        yield proc
    finally:
        # The server and everything it started (kernels) share the process group we created.
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _shot(page, name: str) -> Path:
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _plot_src(page) -> str:
    return page.eval_on_selector(".lrd-plot img, img.lrd-plot", "img => img.src")


def test_designer_web_app(browser):
    """make designer: open the Voilà app, change widgets, see the plot and the advice change."""
    port = free_port()
    cmd = [str(BIN / "voila"), f"notebooks/en/{NOTEBOOK}", f"--port={port}", "--no-browser",
           "--Voila.ip=127.0.0.1"]
    with server(cmd, port, "voila"):
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        try:
            page.goto(f"http://127.0.0.1:{port}/", timeout=300_000)
            # The notebook runs in the kernel (quick budget) while the page fills in.
            page.wait_for_selector(".lrd-advice", timeout=300_000)
            page.wait_for_function(
                "() => { const i = document.querySelector('.lrd-plot img, img.lrd-plot');"
                " return i && i.naturalWidth > 0; }", timeout=120_000)
            advice = page.locator(".lrd-advice").first
            before_src, before_text = _plot_src(page), advice.inner_text()
            assert "Adam" in before_text and "2000" in before_text, before_text  # the no-warmup warning
            page.locator(".lrd-app").first.scroll_into_view_if_needed()
            _shot(page, "designer-1-initial")

            # 1. another schedule type: a new curve and the step-decay advice
            page.locator(".lrd-schedule select").first.select_option(label="step decay")
            page.wait_for_function(
                "old => { const i = document.querySelector('.lrd-plot img, img.lrd-plot');"
                " return i && i.src !== old && i.naturalWidth > 0; }", arg=before_src, timeout=60_000)
            page.wait_for_function(
                "() => document.querySelector('.lrd-advice').innerText.includes('50% and 75%')", timeout=60_000)
            step_src, step_text = _plot_src(page), advice.inner_text()
            assert step_src != before_src and step_text != before_text
            assert "milestones [50000, 75000]" in step_text, step_text
            _shot(page, "designer-2-step")

            # 2. follow the advice: a 2000-step warmup removes the warning
            warmup = page.locator(".lrd-warmup-steps input").first
            warmup.fill("2000")
            warmup.press("Enter")
            page.wait_for_function(
                "() => document.querySelector('.lrd-advice').innerText.includes('Warnings (0)')", timeout=60_000)
            assert _plot_src(page) != step_src
            _shot(page, "designer-3-warmup")

            # 3. comparison mode: pin as B, change the LR, both curves in the legend
            page.locator(".lrd-pin button, button.lrd-pin").first.click()
            page.wait_for_function(
                "() => document.body.innerText.includes('A (solid) vs B (dashed)')", timeout=60_000)
            page.locator(".lrd-schedule select").first.select_option(label="cosine annealing")
            page.wait_for_function(
                "() => document.body.innerText.includes('A: cosine annealing')"
                " && document.body.innerText.includes('B: step decay')", timeout=60_000)
            assert "End the cosine" in advice.inner_text()
            _shot(page, "designer-4-compare")
        finally:
            page.close()


def test_jupyterlab_lists_and_opens_the_course(browser, tmp_path):
    """make lab: the course notebooks are listed in both languages, and the designer notebook opens."""
    port, token = free_port(), secrets.token_hex(16)
    cmd = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}", f"--port={port}", "--no-browser",
           "--LabApp.default_url=/lab/tree/notebooks", f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1",
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", f"--LabApp.user_settings_dir={tmp_path / 'settings'}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    expected = {lang: sorted(p.name for p in (ROOT / "notebooks" / lang).glob("*.ipynb")) for lang in ("en", "bn")}
    assert NOTEBOOK in expected["en"] and NOTEBOOK in expected["bn"]
    with server(cmd, port, "jupyterlab", ready_url=f"http://127.0.0.1:{port}/api/status?token={token}"):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            for lang in ("en", "bn"):
                page.goto(f"http://127.0.0.1:{port}/lab/tree/notebooks/{lang}?token={token}", timeout=180_000)
                last = expected[lang][-1]
                page.wait_for_selector(f".jp-DirListing-item[title*='{last}'], .jp-DirListing-itemText >> text={last}",
                                       timeout=180_000)
                listed = set(page.locator(".jp-DirListing-itemText").all_inner_texts())
                missing = [name for name in expected[lang] if name not in listed]
                assert not missing, f"notebooks/{lang}: not listed in JupyterLab: {missing} (listed: {sorted(listed)})"
                _shot(page, f"lab-1-listing-{lang}")

            page.locator(".jp-DirListing-itemText", has_text=NOTEBOOK).first.dblclick()
            heading = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1").first
            heading.wait_for(timeout=180_000)
            assert "LR Schedule Designer" in heading.inner_text()
            # JupyterLab renders only the cells in view (how many depends on their outputs): check the
            # first code cell, which is at the top and is the one line that differs between languages.
            panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
            page.locator(f"{panel} .jp-CodeCell .cm-content", has_text='set_language("bn")').first.wait_for(
                timeout=60_000)
            assert page.locator(f"{panel} .jp-Cell").count() >= 2
            _shot(page, "lab-2-designer-open")
        finally:
            page.close()
