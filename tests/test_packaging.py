"""environment.yml (conda) and pyproject.toml (pip) must describe the same stack."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# pip name -> conda-forge name, where they differ
CONDA_NAME = {"torch": "pytorch"}
# conda-forge packages that pip cannot give (pip users get them elsewhere: npm, see .ci/run)
CONDA_ONLY = {"configurable-http-proxy"}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pip_needs() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("course", "test"):
        reqs += project["optional-dependencies"][extra]
    return {CONDA_NAME.get(_name(r), _name(r)) for r in reqs}


def conda_provides() -> tuple[set[str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names, pip_section = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep.get("pip", [])
            names |= {_name(p) for p in pip_section if not p.startswith("-")}
        else:
            names.add(_name(dep))
    return names - {"python", "pip"} - CONDA_ONLY, pip_section


def test_environment_yml_and_pyproject_agree_on_the_packages():
    conda, _ = conda_provides()
    pip = pip_needs()
    assert not pip - conda, f"in pyproject.toml but not in environment.yml: {sorted(pip - conda)}"
    assert not conda - pip, f"in environment.yml but not in pyproject.toml: {sorted(conda - pip)}"


def test_environment_installs_the_package_from_the_checkout():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    _, pip_section = conda_provides()
    assert "-e ." in pip_section
    assert "conda-forge" in env["channels"]


def test_python_floor_is_the_same():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert project["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]
