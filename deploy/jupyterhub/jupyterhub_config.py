"""JupyterHub for a class taking the course: the lessons, the assignment and nbgrader's exchange.

Start it as root on the class server, from the course checkout (README, "Running the course for a
class"):

    LRCOURSE_STUDENTS="ada bo chen" .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

Settings, by environment variable (default):
    LRCOURSE_ROOT        the course checkout, with its .venv (two folders above this file)
    LRCOURSE_INSTRUCTOR  the instructor's account (instructor)
    LRCOURSE_STUDENTS    the students' accounts, separated by spaces or commas (none)
    LRCOURSE_EXCHANGE    nbgrader's exchange folder (/srv/nbgrader/exchange)
    LRCOURSE_HUB_URL     where the hub listens (http://:8000; put HTTPS in front of it)

Accounts are Unix accounts (JupyterHub's default PAM login and LocalProcessSpawner): each person's
server runs as their own user, so students cannot read each other's work, and nbgrader's exchange
knows who submitted. Every server runs the course's environment (.venv: `jupyterhub-singleuser`,
and so the kernels, come from it). At a student's first login the lessons are copied to
~/lrcourse/{en,bn}; at the instructor's, the nbgrader course folder to ~/grading.
Students get nbgrader's Assignment List; the Formgrader and the other instructor tools are the
instructor's only (jupyter/student/ turns them off). See nbgrader's "Using nbgrader with JupyterHub".
"""

import os
import pwd
import re
import shutil
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("LRCOURSE_ROOT") or HERE.parents[1])
VENV = ROOT / ".venv"
CONFIG = HERE / "jupyter"
INSTRUCTOR = os.environ.get("LRCOURSE_INSTRUCTOR", "instructor")
STUDENTS = [s for s in re.split(r"[\s,]+", os.environ.get("LRCOURSE_STUDENTS", "")) if s]
EXCHANGE = os.environ.get("LRCOURSE_EXCHANGE", "/srv/nbgrader/exchange")
# What a first login copies into the home, and what of the course folder stays behind.
LESSONS = {"en": ROOT / "notebooks" / "en", "bn": ROOT / "notebooks" / "bn"}
COURSE_FOLDER = ROOT / "notebooks" / "grading"
NOT_COPIED = shutil.ignore_patterns("submitted", "autograded", "feedback", "downloaded", "gradebook.db",
                                    ".nbgrader.log", "grades.csv", "__pycache__", ".ipynb_checkpoints")

c.JupyterHub.bind_url = os.environ.get("LRCOURSE_HUB_URL", "http://:8000")
c.Authenticator.allowed_users = {INSTRUCTOR, *STUDENTS}
c.Authenticator.admin_users = {INSTRUCTOR}

c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"


def _config_path(spawner) -> str:
    """The Jupyter config folders of this user's server: their role's, then everyone's."""
    role = "instructor" if spawner.user.name == INSTRUCTOR else "student"
    return os.pathsep.join([str(CONFIG / role), str(CONFIG)])


c.Spawner.environment = {
    "PATH": os.pathsep.join([str(VENV / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
    "JUPYTER_CONFIG_PATH": _config_path,
    "LRCOURSE_EXCHANGE": EXCHANGE,
}


def _home(spawner) -> Path:
    # SimpleLocalProcessSpawner (tests) has home_dir; LocalProcessSpawner uses the Unix account's.
    home = getattr(spawner, "home_dir", None)
    return Path(home) if home else Path(pwd.getpwnam(spawner.user.name).pw_dir)


def _give(path: Path, user: str) -> None:
    """Make a copy made by the hub (root) the user's own."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:  # no Unix account (SimpleLocalProcessSpawner): the hub's user runs the server
        return
    for p in [path, *path.rglob("*")]:
        os.chown(p, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def prepare_home(spawner) -> None:
    """At first login: the lessons (students) or the nbgrader course folder (instructor)."""
    home, user = _home(spawner), spawner.user.name
    home.mkdir(parents=True, exist_ok=True)
    copies = {home / "grading": COURSE_FOLDER} if user == INSTRUCTOR else \
        {home / "lrcourse" / lang: src for lang, src in LESSONS.items()}
    for dest, src in copies.items():
        if not dest.exists():
            shutil.copytree(src, dest, ignore=NOT_COPIED)
            _give(dest if dest.parent == home else dest.parent, user)


c.Spawner.pre_spawn_hook = prepare_home
