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


# the smallest valid command line of each subcommand (and of each `data` action)
MINIMAL = {
    "data": [["data", "import", "x"], ["data", "download"], ["data", "status"]],
    "run": [["run", "a"]],
    "find-lr": [["find-lr"]],
    "design": [["design"]],
}


def test_every_subcommand_has_a_handler():
    assert set(MINIMAL) == set(cli.SUBCOMMANDS)
    parser = cli.build_parser()
    for name, argvs in MINIMAL.items():
        for argv in argvs:
            args = parser.parse_args(argv)
            assert callable(cli.handler(args.handler)), f"lrcourse {' '.join(argv)}: {args.handler}"


def test_help_imports_no_torch():
    # the parsers import only cheap modules; the handlers (torch) only when their subcommand runs
    code = ("import sys\nfrom lrcourse import cli\n"
            "for argv in (['--help'], ['run', '--help'], ['find-lr', '--help'], ['data', 'import', '--help'], ['design', '--help']):\n"
            "    try:\n        cli.main(argv)\n    except SystemExit:\n        pass\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv/.lrcourse-installed").exists(),
                    reason="needs make and a venv set up by `make setup`")
def test_a_second_setup_reinstalls_nothing():
    # `make -q` exits 0 only when the target is up to date, i.e. nothing would be run.
    out = subprocess.run(["make", "-q", "setup"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, "make setup would reinstall although nothing changed"
