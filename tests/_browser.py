"""Helpers for tests that start a Jupyter server and drive it in a real headless Chromium.

Debian's ``chromium`` package (``/usr/bin/chromium``; ``.ci/run`` installs it) is driven by the Python
``playwright`` package; Playwright's own browser download is never used. :func:`server` starts a
server in its own process group and stops it (with everything it started, e.g. kernels) at the
end, also when the test fails. A test module gets the browser with ``from _browser import browser``
(a module-scoped fixture) and skips without Chromium with ``pytestmark = [needs_chromium, ...]``.

Screenshots and server logs go to ``$LRCOURSE_SCREENSHOTS`` (default: ``<tmp>/lrcourse-browser``).
"""

from __future__ import annotations

import contextlib
import os
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
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("LRCOURSE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "lrcourse-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian chromium is not installed (/usr/bin/chromium); apt-get install chromium (.ci/run does it)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, n: int = 3000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else ""


@contextlib.contextmanager
def server(cmd: list[str], port: int, name: str, *, ready_url: str | None = None, timeout: float = 240,
           cwd: Path = ROOT, env: dict | None = None):
    """Start ``cmd`` in ``cwd`` in its own process group, wait until ``port`` accepts connections
    (and ``ready_url`` answers, if given), yield; always stop the whole group afterwards."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_path = SHOTS / f"{name}.log"
    if env is None:
        env = dict(os.environ, LRCOURSE_BUDGET="quick", PYTHONUNBUFFERED="1")
        env.pop("MPLBACKEND", None)  # kernels use the inline backend, as for a learner
    env.setdefault("JUPYTER_RUNTIME_DIR", tempfile.mkdtemp(prefix=f"lrcourse-{name}-"))
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with status {proc.returncode}:\n{log_tail(log_path)}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
                if ready_url:
                    urllib.request.urlopen(ready_url, timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not start within {timeout:.0f} s:\n{log_tail(log_path)}")
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


def lab_command(root_dir: Path, port: int, token: str, state: Path, default_url: str = "/lab") -> list[str]:
    """``jupyter lab`` on loopback with a token, serving ``root_dir``; ``state`` holds its workspaces
    and settings, so that no earlier session's open tabs come back."""
    cmd = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={root_dir}", f"--port={port}", "--no-browser",
           f"--LabApp.default_url={default_url}", f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1",
           f"--LabApp.workspaces_dir={state / 'workspaces'}", f"--LabApp.user_settings_dir={state / 'settings'}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    return cmd


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page, name: str) -> Path:
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

