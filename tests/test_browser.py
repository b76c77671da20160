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

import secrets

import pytest

from _browser import BIN, ROOT, browser, free_port, lab_command, needs_chromium, server, shot  # noqa: F401 (fixture)

NOTEBOOK = "09_lr_schedule_designer.ipynb"

pytestmark = [needs_chromium, pytest.mark.timeout(900)]


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
            shot(page, "designer-1-initial")

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
            shot(page, "designer-2-step")

            # 2. follow the advice: a 2000-step warmup removes the warning
            warmup = page.locator(".lrd-warmup-steps input").first
            warmup.fill("2000")
            warmup.press("Enter")
            page.wait_for_function(
                "() => document.querySelector('.lrd-advice').innerText.includes('Warnings (0)')", timeout=60_000)
            assert _plot_src(page) != step_src
            shot(page, "designer-3-warmup")

            # 3. comparison mode: pin as B, change the LR, both curves in the legend
            page.locator(".lrd-pin button, button.lrd-pin").first.click()
            page.wait_for_function(
                "() => document.body.innerText.includes('A (solid) vs B (dashed)')", timeout=60_000)
            page.locator(".lrd-schedule select").first.select_option(label="cosine annealing")
            page.wait_for_function(
                "() => document.body.innerText.includes('A: cosine annealing')"
                " && document.body.innerText.includes('B: step decay')", timeout=60_000)
            assert "End the cosine" in advice.inner_text()
            shot(page, "designer-4-compare")
        finally:
            page.close()


def test_jupyterlab_lists_and_opens_the_course(browser, tmp_path):
    """make lab: the course notebooks are listed in both languages, and the designer notebook opens."""
    port, token = free_port(), secrets.token_hex(16)
    cmd = lab_command(ROOT, port, token, tmp_path, default_url="/lab/tree/notebooks")
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
                shot(page, f"lab-1-listing-{lang}")

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
            shot(page, "lab-2-designer-open")
        finally:
            page.close()
