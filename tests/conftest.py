"""Shared test set-up: every test starts and ends in English, with no figures left open."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import lrcourse


@pytest.fixture(autouse=True)
def english():
    lrcourse.set_language("en")
    yield
    lrcourse.set_language("en")
    import sys

    if "matplotlib.pyplot" in sys.modules:  # close figures only where a test drew some
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def load_benchmark():
    """``load_benchmark("train")``: benchmarks/train.py as a module (the benchmarks are scripts,
    not a package), for tests of their helpers."""

    def load(name: str):
        path = Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
