"""benchmarks/train.py's helpers that decide what an accuracy run measures (no training here)."""

import pytest
import torch


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("train")


def smooth_images(n=6, seed=0):
    """Images with detail at every scale: smooth gradients plus a little pixel noise."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    base = torch.stack([128 + 90 * torch.sin(xx / (3 + c) + yy / 5) for c in range(3)])
    noise = 12 * torch.randn(n, 3, 32, 32, generator=g)
    return (base + noise).clamp(0, 255).to(torch.uint8)


def test_jpeg_roundtrip_loses_more_at_lower_quality_and_is_stable_at_its_own(bench):
    x = smooth_images()
    q95, q75, q20 = (bench.jpeg_roundtrip(x, q) for q in (95, 75, 20))
    assert q75.shape == x.shape and q75.dtype == torch.uint8
    err = {q: float((y.float() - x.float()).abs().mean()) for q, y in ((95, q95), (75, q75), (20, q20))}
    assert 0 < err[95] < err[75] < err[20]
    # a second encoding at the same quality changes far less than the first (the copy of CIFAR-10 on
    # the course machines is quality 75: --jpeg-quality 75 would measure almost nothing)
    again = float((bench.jpeg_roundtrip(q75, 75).float() - q75.float()).abs().mean())
    assert again < err[75] / 3


def parse(bench, *argv):
    import argparse

    p = argparse.ArgumentParser()
    for flag, kw in (("--recipe", {"default": "94"}), ("--batch-size", {"type": int}), ("--epochs", {"type": int}),
                     ("--lr", {"type": float}), ("--subset", {"type": int}), ("--precision", {"default": "auto"})):
        p.add_argument(flag, **kw)
    return p.parse_args(argv)


def test_recipe_settings_pass_the_precision_only_when_asked(bench):
    auto = bench.recipe_settings(parse(bench))
    assert "precision" not in auto and auto["lr"] == pytest.approx(1.5) and auto["batch_size"] == 1024
    fp32 = bench.recipe_settings(parse(bench, "--precision", "fp32", "--recipe", "fast", "--epochs", "8"))
    assert fp32["precision"] == "fp32" and fp32["epochs"] == 8 and tuple(fp32["widths"]) == (64, 128, 128)


def test_first_seed_and_bad_arguments_are_refused_with_a_message(bench, capsys):
    for argv, word in ((["--accuracy", "--first-seed", "-1"], "--first-seed"),
                       (["--accuracy", "--jpeg-quality", "0"], "--jpeg-quality 0")):
        with pytest.raises(SystemExit):  # before the data is even looked for
            bench.main(argv)
        assert word in capsys.readouterr().err
