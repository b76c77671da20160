"""The run budget of the notebooks and experiments: ``LRCOURSE_BUDGET``.

- ``quick``: CI. Real code paths on small data; seconds per notebook.
- ``standard`` (default): the real experiment, sized for a laptop CPU.
- ``full``: paper scale; a GPU helps.
"""

from __future__ import annotations

import os

BUDGETS = ("quick", "standard", "full")


def get_budget(budget: str | None = None) -> str:
    """The budget to use: the argument if given, else ``$LRCOURSE_BUDGET``, else ``"standard"``."""
    value = budget if budget is not None else os.environ.get("LRCOURSE_BUDGET", "standard")
    value = value.strip().lower()
    if value not in BUDGETS:
        raise ValueError(f"budget={value!r} is not known; use one of {BUDGETS} (set LRCOURSE_BUDGET or pass budget=)")
    return value


def pick(quick, standard, full=None, budget: str | None = None):
    """Choose a value by budget: ``pick(quick=2, standard=20, full=200)``; ``full`` defaults to ``standard``."""
    return {"quick": quick, "standard": standard, "full": standard if full is None else full}[get_budget(budget)]
