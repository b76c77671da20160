"""The networks of the course: the assignment's MLP (digits) and, with the practice
issue, the small CIFAR-10 CNN."""

from __future__ import annotations

import torch
from torch import nn


def digits_mlp(hidden: int = 64, seed: int | None = 0) -> nn.Module:
    """The small MLP for scikit-learn's 8x8 digits: 64 -> hidden -> 10, ReLU.

    With ``seed`` the initial weights are reproducible (the same network for every schedule).
    """
    if seed is not None:
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    if seed is not None:
        torch.random.set_rng_state(gen_state)
    return model
