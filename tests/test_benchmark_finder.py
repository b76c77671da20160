"""benchmarks/finder.py trains its grid the way the practice runs and the range test do."""

import pytest
import torch
from torch import nn

from lrcourse import train as T


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("finder")


def test_grid_runs_give_each_parameter_group_its_lr_scale(bench):
    """The BatchNorm biases get 64x the schedule's LR in a grid run, as in lrcourse.train and the
    range test (a grid run with every group at the same LR would compare the rules with another set-up)."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 4, generator=g), torch.randint(0, 3, (64,), generator=g)
    optimizers = []

    def make_opt(model, lr):
        optimizers.append(T.make_optimizer(model, "sgd", lr=lr))
        return optimizers[-1]

    def make_model(seed):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))

    problem = bench.Problem("toy", "toy", make_model, make_opt, (x, y), (x, y), batch_size=16, epochs=2,
                            grid=[0.1], schedule="one_cycle")
    acc = bench.train(problem, lr=0.1, seed=0)
    assert 0.0 <= acc <= 1.0
    (opt,) = optimizers
    scales = [grp["lr_scale"] for grp in opt.param_groups]
    assert 64.0 in scales and 1.0 in scales
    base = opt.param_groups[scales.index(1.0)]["lr"]
    assert base > 0
    for grp in opt.param_groups:  # the last update's LR, scaled per group
        assert grp["lr"] == pytest.approx(base * grp["lr_scale"])
