"""lrcourse.data: CIFAR-10 import (folder and archives), its errors, the on-disk form, normalisation.

Tests build tiny ImageFolder copies of *synthetic* images (``synthetic_imagefolder``); one test
reads the real CIFAR-10 copy when it has been imported.
"""

import io
import os
import tarfile
import urllib.error
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lrcourse import data
from lrcourse.data import CIFAR10_CLASSES, CIFAR10NotFoundError, DataImportError


def _png(seed: int, size=(32, 32)) -> bytes:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")  # lossless, so pixels can be compared exactly
    return buf.getvalue()


def synthetic_imagefolder(root: Path, per_class=(2, 1), classes=CIFAR10_CLASSES, top: str = "") -> dict:
    """Write train/<class>/*.png and test/<class>/*.png of random synthetic images; return {relpath: array}."""
    written = {}
    base = root / top if top else root
    for split, n in zip(("train", "test"), per_class):
        for ci, cls in enumerate(classes):
            d = base / split / cls
            d.mkdir(parents=True, exist_ok=True)
            for k in range(n):
                seed = hash((split, cls, k)) % 2**32
                blob = _png(seed)
                (d / f"{k:04d}.png").write_bytes(blob)
                written[f"{split}/{cls}/{k:04d}.png"] = np.asarray(Image.open(io.BytesIO(blob)))
    return written


def _tar(src: Path, out: Path, mode: str) -> Path:
    with tarfile.open(out, mode) as tar:
        for child in sorted(src.iterdir()):
            tar.add(child, arcname=child.name)
    return out


def _no_leftovers(root: Path):
    return [p.name for p in root.iterdir() if p.name.endswith(".part")] if root.exists() else []


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "src"
    images = synthetic_imagefolder(src)
    return src, images


def test_synthetic_import_from_folder_roundtrip(folder, tmp_path):
    src, images = folder
    root = tmp_path / "data"
    path = data.import_imagefolder(src, root=root)
    assert path == root / "cifar10.npz" and path.is_file()
    assert data.cifar10_available(root)
    x_tr, y_tr, x_te, y_te = data.load_cifar10(root)
    assert x_tr.dtype == torch.uint8 and x_tr.shape == (20, 3, 32, 32)
    assert x_te.shape == (10, 3, 32, 32) and y_tr.dtype == torch.int64
    # stored in a fixed random order, not sorted by class (the first n images are not one class)
    assert sorted(y_tr.tolist()) == [c for c in range(10) for _ in range(2)] and sorted(y_te.tolist()) == list(range(10))
    assert y_tr.tolist() != sorted(y_tr.tolist()) and y_te.tolist() != sorted(y_te.tolist())
    # every file is there once, with its own label; pixels exactly those of the file (PNG is lossless), channels first
    for name, pixels in images.items():
        split, cls, _ = name.split("/")
        x, y = (x_tr, y_tr) if split == "train" else (x_te, y_te)
        hits = [i for i in range(len(x)) if np.array_equal(x[i].permute(1, 2, 0).numpy(), pixels)]
        assert len(hits) == 1 and int(y[hits[0]]) == data.CIFAR10_CLASSES.index(cls), name
    # the same copy imports to the same file
    data.import_imagefolder(src, root=root, force=True)
    data._read_npz.cache_clear()
    again = data.load_cifar10(root)
    assert all(torch.equal(a, b) for a, b in zip((x_tr, y_tr, x_te, y_te), again))
    assert _no_leftovers(root) == []
    assert "ImageFolder import" in data.cifar10_info(root)["source"]


@pytest.mark.parametrize("suffix,mode", [(".tar.xz", "w:xz"), (".tar.gz", "w:gz"), (".tar", "w")])
def test_synthetic_import_from_tar_archives_with_top_folder(tmp_path, suffix, mode):
    src = tmp_path / "src"
    synthetic_imagefolder(src, top="cifar10-jpg")
    archive = _tar(src, tmp_path / f"copy{suffix}", mode)
    root = tmp_path / "data"
    data.import_imagefolder(archive, root=root)
    x_tr, y_tr, x_te, y_te = data.load_cifar10(root)
    assert len(x_tr) == 20 and len(x_te) == 10
    # the same images as a direct folder import
    root2 = tmp_path / "data2"
    data.import_imagefolder(src / "cifar10-jpg", root=root2)
    assert torch.equal(data.load_cifar10(root2)[0], x_tr)


def test_synthetic_import_from_zip_ignores_hidden_and_non_image_files(folder, tmp_path):
    src, _ = folder
    (src / "train" / "cat" / ".DS_Store").write_bytes(b"junk")
    (src / "train" / "README.txt").write_text("not an image")
    archive = tmp_path / "copy.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(src.rglob("*")):
            zf.write(p, p.relative_to(src).as_posix())
    root = tmp_path / "data"
    data.import_imagefolder(archive, root=root)
    assert len(data.load_cifar10(root)[0]) == 20


def test_missing_class_is_named_and_nothing_written(tmp_path):
    src = tmp_path / "src"
    synthetic_imagefolder(src, classes=CIFAR10_CLASSES[:-1])
    root = tmp_path / "data"
    with pytest.raises(DataImportError, match=r"missing: \['truck'\]"):
        data.import_imagefolder(src, root=root)
    assert not data.cifar10_available(root) and _no_leftovers(root) == []


def test_extra_class_is_named(folder, tmp_path):
    src, _ = folder
    (src / "test" / "unicorn").mkdir()
    (src / "test" / "unicorn" / "0.png").write_bytes(_png(1))
    with pytest.raises(DataImportError, match=r"not a CIFAR-10 class: \['unicorn'\]"):
        data.import_imagefolder(src, root=tmp_path / "data")


def test_missing_split_is_named(tmp_path):
    src = tmp_path / "src"
    synthetic_imagefolder(src)
    import shutil

    shutil.rmtree(src / "test")
    with pytest.raises(DataImportError, match="'test'.*missing"):
        data.import_imagefolder(src, root=tmp_path / "data")


def test_truncated_archive_is_reported_and_nothing_written(folder, tmp_path):
    src, _ = folder
    archive = _tar(src, tmp_path / "copy.tar.xz", "w:xz")
    partial = tmp_path / "partial.tar.xz"
    blob = archive.read_bytes()
    partial.write_bytes(blob[: len(blob) // 2])
    root = tmp_path / "data"
    with pytest.raises(DataImportError, match="corrupt or incomplete"):
        data.import_imagefolder(partial, root=root)
    assert not data.cifar10_available(root) and _no_leftovers(root) == []


def test_garbage_archive_is_reported(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(DataImportError, match="corrupt or incomplete"):
        data.import_imagefolder(bad, root=tmp_path / "data")


def test_corrupt_image_and_wrong_size_are_named(folder, tmp_path):
    src, _ = folder
    (src / "train" / "dog" / "0000.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(DataImportError, match="dog/0000.png: not a readable image"):
        data.import_imagefolder(src, root=tmp_path / "data")
    (src / "train" / "dog" / "0000.png").write_bytes(_png(3, size=(64, 48)))
    with pytest.raises(DataImportError, match="64x48.*32x32"):
        data.import_imagefolder(src, root=tmp_path / "data")


def test_existing_data_needs_force(folder, tmp_path):
    src, _ = folder
    root = tmp_path / "data"
    data.import_imagefolder(src, root=root)
    with pytest.raises(FileExistsError, match="--force"):
        data.import_imagefolder(src, root=root)
    data.import_imagefolder(src, root=root, force=True)


def test_a_failed_import_keeps_the_previous_data(folder, tmp_path):
    src, _ = folder
    root = tmp_path / "data"
    data.import_imagefolder(src, root=root)
    before = (root / "cifar10.npz").read_bytes()
    (src / "train" / "cat" / "0001.png").write_bytes(b"nope")
    with pytest.raises(DataImportError):
        data.import_imagefolder(src, root=root, force=True)
    assert (root / "cifar10.npz").read_bytes() == before and _no_leftovers(root) == []


def test_not_a_folder_or_archive(tmp_path):
    with pytest.raises(FileNotFoundError):
        data.import_imagefolder(tmp_path / "nowhere.tar.xz", root=tmp_path / "data")
    txt = tmp_path / "notes.txt"
    txt.write_text("hi")
    with pytest.raises(DataImportError, match="neither a folder nor an archive"):
        data.import_imagefolder(txt, root=tmp_path / "data")


def test_no_data_and_no_network_says_what_to_do(tmp_path, monkeypatch):
    import torchvision

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network (simulated)")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", offline)
    root = tmp_path / "empty"
    with pytest.raises(CIFAR10NotFoundError) as err:
        data.load_cifar10(root)
    msg = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    assert data.CIFAR10_URL in msg and "lrcourse data import" in msg and str(root) in msg
    assert "simulated" in msg  # the reason is given
    assert not data.cifar10_available(root)


def test_download_false_does_not_touch_the_network(tmp_path, monkeypatch):
    import torchvision

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", lambda *a, **k: pytest.fail("network used"))
    with pytest.raises(CIFAR10NotFoundError, match="download=False"):
        data.load_cifar10(tmp_path, download=False)


def test_bengali_message(tmp_path, monkeypatch):
    import lrcourse

    lrcourse.set_language("bn")
    try:
        with pytest.raises(CIFAR10NotFoundError, match="ডাউনলোড"):
            data.load_cifar10(tmp_path, download=False)
    finally:
        lrcourse.set_language("en")


def test_data_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LRCOURSE_DATA", str(tmp_path / "elsewhere"))
    assert data.data_dir() == tmp_path / "elsewhere"
    assert data.cifar10_path() == tmp_path / "elsewhere" / "cifar10.npz"
    assert data.data_dir(tmp_path) == tmp_path


def test_cli_import_and_status(folder, tmp_path, capsys):
    from lrcourse.cli import main

    src, _ = folder
    root = tmp_path / "data"
    assert main(["data", "status", "--root", str(root)]) == 1
    assert main(["data", "import", str(src), "--root", str(root)]) == 0
    assert "Imported 20 training and 10 test images" in capsys.readouterr().out
    assert main(["data", "status", "--root", str(root)]) == 0
    before = (root / "cifar10.npz").stat().st_mtime_ns
    # already there: nothing is done, and it is not an error (CI runs the import every time)
    assert main(["data", "import", str(src), "--root", str(root)]) == 0
    assert "--force" in capsys.readouterr().out
    assert (root / "cifar10.npz").stat().st_mtime_ns == before
    assert main(["data", "import", str(tmp_path / "missing.tar.xz"), "--root", str(tmp_path / "d2")]) == 1
    assert "does not exist" in capsys.readouterr().out


def test_normalize_cifar():
    x = torch.full((2, 3, 4, 4), 128, dtype=torch.uint8)
    z = data.normalize_cifar(x)
    expected = (128 / 255 - torch.tensor(data.CIFAR10_MEAN)) / torch.tensor(data.CIFAR10_STD)
    torch.testing.assert_close(z[0, :, 0, 0], expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError, match="uint8"):
        data.normalize_cifar(x.float())
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        data.normalize_cifar(x[:, :1])


def test_subset_is_balanced_and_reproducible():
    y = torch.arange(10).repeat_interleave(50)
    x = torch.arange(500)
    xs, ys = data.subset(x, y, 100, seed=3)
    assert torch.bincount(ys).tolist() == [10] * 10
    assert torch.equal(ys, y[xs])  # pairs stay together
    assert torch.equal(data.subset(x, y, 100, seed=3)[0], xs)
    assert data.subset(x, y, None)[0] is x
    with pytest.raises(ValueError, match="n=0"):
        data.subset(x, y, 0)


@pytest.mark.skipif(not data.cifar10_available(), reason="CIFAR-10 not imported (lrcourse data import ...)")
def test_real_cifar10_copy():
    x_tr, y_tr, x_te, y_te = data.load_cifar10()
    assert x_tr.shape == (50000, 3, 32, 32) and x_te.shape == (10000, 3, 32, 32)
    assert torch.bincount(y_tr).tolist() == [5000] * 10 and torch.bincount(y_te).tolist() == [1000] * 10
    assert abs(x_tr[::10].float().mean().item() - 120.7) < 1.5  # the documented pixel mean
    assert data.load_cifar10()[0] is x_tr  # held in memory: the second call is free
