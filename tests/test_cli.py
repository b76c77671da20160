"""The command line entry point and the two-command set-up."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lrcourse import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return subprocess.run([sys.executable, "-m", "lrcourse", *args], capture_output=True, text=True, cwd=ROOT)


def test_help_lists_every_subcommand():
    out = run("--help")
    assert out.returncode == 0, out.stderr
    for name in cli.SUBCOMMANDS:
        assert name in out.stdout


def test_unknown_subcommand_is_an_error():
    out = run("frobnicate")
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_every_subcommand_module_provides_add_cli():
    import importlib

    for name, (module, _) in cli.SUBCOMMANDS.items():
        mod = importlib.import_module(module)
        assert callable(getattr(mod, "add_cli", None)), f"{module} must define add_cli for `lrcourse {name}`"


@pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv/.lrcourse-installed").exists(),
                    reason="needs make and a venv set up by `make setup`")
def test_a_second_setup_reinstalls_nothing():
    # `make -q` exits 0 only when the target is up to date, i.e. nothing would be run.
    out = subprocess.run(["make", "-q", "setup"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, "make setup would reinstall although nothing changed"
