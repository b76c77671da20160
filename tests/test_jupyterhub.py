"""The class's JupyterHub (deploy/jupyterhub/jupyterhub_config.py), started on localhost.

The hub runs the course's configuration with two test-only changes layered on top: the
DummyAuthenticator (one shared password) and SimpleLocalProcessSpawner (no Unix accounts needed;
homes in a temporary folder). The instructor has released the assignment into a temporary
exchange. Then, over HTTP, as a browser would:

- a student logs in through the hub's login form, and their server starts from the course's
  environment (the venv's ``jupyterhub-singleuser``, hence the venv's kernel);
- the student opens a lesson (copied to ~/lrcourse/en at first login) and the Assignment List,
  which shows the released assignment, and fetches it; the Formgrader is not theirs (404);
- the instructor logs in and the Formgrader lists the course's assignments.

Needs JupyterHub in the venv and ``configurable-http-proxy`` (npm) on PATH; skipped, with the
reason printed, where either is missing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path

import pytest

from _browser import BIN, ROOT, free_port, server
from grading_course import EN, make_course, nbgrader

pytestmark = pytest.mark.timeout(900)

CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
STUDENT, INSTRUCTOR = "ada", "teacher"
LESSON = "01_why_schedule.ipynb"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not (BIN / "jupyterhub").exists():
        pytest.skip("JupyterHub is not installed in the venv (pip install jupyterhub; the course's `hub` extra)")
    if not shutil.which("configurable-http-proxy"):
        pytest.skip("configurable-http-proxy is not on PATH: npm install -g configurable-http-proxy (.ci/run does it)")
    tmp = tmp_path_factory.mktemp("hub")
    exchange = tmp / "exchange"
    exchange.mkdir(mode=0o777)
    course = make_course(tmp / "instructor", assignments=(EN,))
    nbgrader(course, "release_assignment", EN, f"--Exchange.root={exchange}")

    port, hub_port, proxy_port = free_port(), free_port(), free_port()
    password = secrets.token_hex(8)
    (tmp / "test_config.py").write_text(f"""
c = get_config()
load_subconfig({str(CONFIG)!r})
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp / 'home' / '{username}')!r}
c.Spawner.args = {['--allow-root'] if os.geteuid() == 0 else []!r}
c.Spawner.start_timeout = 240
c.Spawner.http_timeout = 240
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.pid_file = {str(tmp / 'proxy.pid')!r}
c.JupyterHub.db_url = "sqlite:///{tmp / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(tmp / 'cookie_secret')!r}
""")
    env = dict(os.environ, LRCOURSE_STUDENTS=STUDENT, LRCOURSE_INSTRUCTOR=INSTRUCTOR,
               LRCOURSE_EXCHANGE=str(exchange), PYTHONUNBUFFERED="1")
    cmd = [str(BIN / "jupyterhub"), "-f", str(tmp / "test_config.py")]
    url = f"http://127.0.0.1:{port}"
    with server(cmd, port, "jupyterhub", cwd=tmp, env=env, ready_url=f"{url}/hub/api"):
        yield url, password, tmp / "home"


def _login(url: str, user: str, password: str):
    """A browser session of ``user``: the hub's login form, then their server, started and ready."""
    requests = pytest.importorskip("requests")
    session = requests.Session()
    form = session.get(f"{url}/hub/login", timeout=60)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
    data = {"username": user, "password": password, **({"_xsrf": xsrf.group(1)} if xsrf else {})}
    session.post(f"{url}/hub/login?next=/hub/spawn", data=data, timeout=300).raise_for_status()
    deadline = time.monotonic() + 300
    while True:  # the spawn page waits for the server; then the hub's OAuth redirects lead to JupyterLab
        page = session.get(f"{url}/user/{user}/lab", timeout=60)
        if page.status_code == 200 and "jupyter-config-data" in page.text:
            break
        assert time.monotonic() < deadline, f"{user}'s server did not start: {page.status_code} {page.url}"
        time.sleep(1)
    # Cookie-authenticated API requests must carry the server's XSRF token (JupyterHub >= 4.1).
    xsrf_cookie = next((c.value for c in session.cookies if c.name == "_xsrf" and c.path == f"/user/{user}/"), None)
    if xsrf_cookie:
        session.headers["X-XSRFToken"] = xsrf_cookie
    return session


def _disabled_extensions(lab_page: str) -> list[str]:
    """The JupyterLab plugins a lab page turns off (its page config)."""
    config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', lab_page, re.S)
    return json.loads(config.group(1)).get("disabledExtensions", [])


def _server_command(user: str) -> list[str]:
    """The command line of ``user``'s single-user server (Linux /proc)."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if f"JUPYTERHUB_USER={user}".encode() in environ and any("jupyterhub-singleuser" in a for a in cmdline):
            return cmdline
    return []


def test_student_opens_a_lesson_and_the_assignment_list(hub):
    url, password, homes = hub
    session = _login(url, STUDENT, password)
    base = f"{url}/user/{STUDENT}"

    command = _server_command(STUDENT)
    assert command and any(str(ROOT / ".venv" / "bin") in a for a in command), \
        f"the student's server should run from the course's venv: {command}"

    assert (homes / STUDENT / "lrcourse" / "en" / LESSON).is_file(), "the lessons are copied at first login"
    lesson = session.get(f"{base}/api/contents/lrcourse/en/{LESSON}", timeout=60)
    assert lesson.status_code == 200, lesson.text[:500]
    assert lesson.json()["type"] == "notebook" and lesson.json()["content"]["cells"]
    page = session.get(f"{base}/lab/tree/lrcourse/en/{LESSON}", timeout=60)
    assert page.status_code == 200
    assert "@jupyter/nbgrader:formgrader" in _disabled_extensions(page.text), "students do not get the Formgrader"

    listing = session.get(f"{base}/assignments", params={"course_id": "lrcourse"}, timeout=120)
    assert listing.status_code == 200, listing.text[:500]
    released = [a for a in listing.json()["value"] if a["assignment_id"] == EN]
    assert released and released[0]["status"] == "released", listing.json()
    fetched = session.post(f"{base}/assignments/fetch", data={"course_id": "lrcourse", "assignment_id": EN}, timeout=120)
    assert fetched.status_code == 200, fetched.text[:500]
    assert (homes / STUDENT / EN / "lr_schedules.ipynb").is_file(), "the Assignment List's Fetch button"

    kernels = session.get(f"{base}/api/kernelspecs", timeout=60).json()
    assert kernels["default"] == "python3"
    assert session.get(f"{base}/formgrader", timeout=60).status_code == 404, "students do not get the Formgrader"


def test_instructor_gets_the_course_folder_and_the_formgrader(hub):
    url, password, homes = hub
    session = _login(url, INSTRUCTOR, password)
    assert (homes / INSTRUCTOR / "grading" / "nbgrader_config.py").is_file()
    lab = session.get(f"{url}/user/{INSTRUCTOR}/lab", timeout=60)
    assert "@jupyter/nbgrader:formgrader" not in _disabled_extensions(lab.text)
    assignments = session.get(f"{url}/user/{INSTRUCTOR}/formgrader/api/assignments", timeout=120)
    assert assignments.status_code == 200, assignments.text[:500]
    assert EN in {a["name"] for a in assignments.json()}
