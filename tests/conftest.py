"""Shared test set-up: every test starts and ends in English, with no figures left open."""

from __future__ import annotations

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
