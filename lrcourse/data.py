"""Data sets of the course, held in memory as tensors.

- digits (scikit-learn's ``load_digits``, offline): the assignment's MLP and the LR finder lesson.
- CIFAR-10 (torchvision download, or import of an ImageFolder copy): the practice tasks.

CIFAR-10 is kept on disk in one uncompressed ``cifar10.npz`` file of uint8 arrays (about
185 MB) in the data folder: ``$LRCOURSE_DATA`` if set, else ``data/`` in the course checkout.
It loads in well under a second and is then held in memory as tensors, so that training
never decodes an image or runs a per-image Python transform.

Ways to get it there::

    lrcourse data download                  # torchvision's CIFAR10(download=True), then convert
    lrcourse data import PATH               # an ImageFolder copy: a folder or an archive
                                            # (train/<class>/*.jpg, test/<class>/*.jpg)
    lrcourse data status                    # where the data is looked for, and whether it is there

The file is written atomically (to a temporary file, then renamed), so an interrupted
download or import never leaves a half-written data set behind.

:class:`TensorBatches` iterates in-memory tensors as shuffled mini-batches with its own seeded
generator (the LR range test and the built-in problems of :mod:`lrcourse.problems` use it).
The messages are in ``lrcourse/locale/data.toml``; the parser of ``lrcourse data`` is in
:mod:`lrcourse.cli`, its handlers (``cli_*``) at the end of this module.
"""

from __future__ import annotations

import functools
import io
import lzma
import os
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import torch

from . import i18n
from ._runtime import atomic_write

# CIFAR-10's label order (torchvision, the original batches.meta).
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
# Per-channel mean and std of the training images, in [0, 1] units (the usual figures).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_FILE = "cifar10.npz"
# File extensions that count as images in an ImageFolder copy (as torchvision's ImageFolder).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".zip")

i18n.load("data")


class CIFAR10NotFoundError(FileNotFoundError):
    """CIFAR-10 is not on disk and could not be downloaded; the message says what to do."""


class DataImportError(ValueError):
    """An ImageFolder copy could not be imported (corrupt archive, wrong layout, bad image).

    Raised before anything is written: a failed import leaves the data folder as it was.
    """


# --------------------------------------------------------------------------------------------
# where the data lives


def data_dir(root: str | os.PathLike | None = None) -> Path:
    """The data folder: ``root`` if given, else ``$LRCOURSE_DATA``, else ``data/`` of the checkout.

    For an installation outside a checkout (no ``pyproject.toml`` next to the package) the
    default is ``~/.cache/lrcourse``.
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("LRCOURSE_DATA")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").exists():
        return checkout / "data"
    return Path.home() / ".cache" / "lrcourse"


def cifar10_path(root=None) -> Path:
    """The path of the converted CIFAR-10 file (it may not exist yet)."""
    return data_dir(root) / CIFAR10_FILE


def cifar10_available(root=None) -> bool:
    """Whether the converted CIFAR-10 file is in the data folder (no download is tried)."""
    return cifar10_path(root).is_file()


# --------------------------------------------------------------------------------------------
# the on-disk form: one .npz, written atomically

def _write_npz(path: Path, x_train, y_train, x_test, y_test, source: str) -> None:
    """Write the data set to ``path`` atomically: a temporary file in the same folder, then rename."""
    _check_arrays(x_train, y_train, x_test, y_test)
    with atomic_write(path, "wb") as f:
        np.savez(
            f,
            x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
            classes=np.array(CIFAR10_CLASSES), source=np.array(source),
        )
    _read_npz.cache_clear()


def _check_arrays(x_train, y_train, x_test, y_test) -> None:
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if x.dtype != np.uint8 or x.ndim != 4 or x.shape[1:] != (3, 32, 32):
            raise DataImportError(f"x_{name} must be uint8 of shape (N, 3, 32, 32), got {x.dtype} {x.shape}")
        if y.shape != (x.shape[0],) or y.min(initial=0) < 0 or y.max(initial=0) > 9:
            raise DataImportError(f"y_{name} must hold one label in 0..9 per image, got shape {y.shape}")


def load_cifar10(root=None, download: bool = True):
    """CIFAR-10 as uint8 tensors: ``(x_train, y_train, x_test, y_test)``.

    ``x`` has shape (N, 3, 32, 32) and dtype uint8 (50,000 train and 10,000 test images for the
    full set), ``y`` is int64 in CIFAR-10's class order (:data:`CIFAR10_CLASSES`). Normalise
    with :func:`normalize_cifar`.

    If the converted file is missing, CIFAR-10 is fetched with
    ``torchvision.datasets.CIFAR10(download=True)`` (which also accepts
    ``cifar-10-python.tar.gz`` placed in the data folder by hand) and converted. Without data and
    without network this raises :class:`CIFAR10NotFoundError` (a ``FileNotFoundError``) that says
    what to download and where to put it. The tensors are cached in the process, so calling it
    again is free.
    """
    path = cifar10_path(root)
    if not path.is_file():
        if not download:
            raise CIFAR10NotFoundError(i18n.t(
                "data.missing", root=path.parent, url=CIFAR10_URL, reason=i18n.t("data.not_found_offline")))
        download_cifar10(root)
    stat = path.stat()
    return _read_npz(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1)
def _read_npz(path: str, mtime_ns: int, size: int):
    """The tensors of one version of the file (its time and size are part of the key): read once."""
    with np.load(path) as z:
        x_tr, y_tr, x_te, y_te = (torch.from_numpy(np.ascontiguousarray(z[k]))
                                  for k in ("x_train", "y_train", "x_test", "y_test"))
    return x_tr, y_tr.long(), x_te, y_te.long()


def cifar10_info(root=None) -> dict:
    """What is on disk: path, number of images, and where it came from (download or import)."""
    path = cifar10_path(root)
    with np.load(path) as z:
        return {"file": str(path), "n_train": int(z["y_train"].shape[0]), "n_test": int(z["y_test"].shape[0]),
                "source": str(z["source"])}


def download_cifar10(root=None, timeout: float = 30.0) -> Path:
    """Fetch CIFAR-10 with torchvision into the data folder and convert it to the in-memory form.

    torchvision skips the download when ``cifar-10-python.tar.gz`` (with the right checksum) is
    already in the folder, so a file copied there by hand works offline. Raises
    :class:`CIFAR10NotFoundError` with instructions when neither works.
    """
    import socket
    import urllib.error

    import torchvision

    folder = data_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        train = torchvision.datasets.CIFAR10(str(folder), train=True, download=True)
        test = torchvision.datasets.CIFAR10(str(folder), train=False, download=True)
    except (urllib.error.URLError, OSError, RuntimeError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise CIFAR10NotFoundError(i18n.t("data.missing", root=folder, url=CIFAR10_URL, reason=reason)) from exc
    finally:
        socket.setdefaulttimeout(old_timeout)

    def arrays(ds):
        x = np.ascontiguousarray(ds.data.transpose(0, 3, 1, 2))  # NHWC -> NCHW, uint8
        return x, np.asarray(ds.targets, dtype=np.int64)

    x_tr, y_tr = arrays(train)
    x_te, y_te = arrays(test)
    path = folder / CIFAR10_FILE
    _write_npz(path, x_tr, y_tr, x_te, y_te, source=f"torchvision.datasets.CIFAR10 ({CIFAR10_URL})")
    return path


# --------------------------------------------------------------------------------------------
# import of an ImageFolder copy (folder or archive)


def _is_archive(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and name.endswith(ARCHIVE_SUFFIXES)


def _iter_folder(path: Path):
    for file in sorted(path.rglob("*")):
        if file.is_file():
            yield file.relative_to(path).as_posix(), file.read_bytes
        elif file.is_dir():
            yield file.relative_to(path).as_posix() + "/", None


def _iter_tar(path: Path):
    # Streaming mode ("r|*"): one pass through the compressed file, nothing extracted to disk.
    with tarfile.open(path, mode="r|*") as tar:
        for member in tar:
            if member.isdir():
                yield member.name.rstrip("/") + "/", None
            elif member.isfile():
                data = tar.extractfile(member).read()
                yield member.name, (lambda d=data: d)


def _iter_zip(path: Path):
    with zipfile.ZipFile(path) as zf:
        bad = zf.testzip()
        if bad is not None:
            raise DataImportError(f"{path}: the zip archive is corrupt (bad CRC in {bad!r})")
        for info in zf.infolist():
            if info.is_dir():
                yield info.filename, None
            else:
                yield info.filename, (lambda i=info: zf.read(i))


def _entries(path: Path):
    if path.is_dir():
        return _iter_folder(path)
    if not path.exists():
        raise FileNotFoundError(f"path={str(path)!r} does not exist; give an ImageFolder folder or archive")
    if not _is_archive(path):
        raise DataImportError(
            f"path={str(path)!r} is neither a folder nor an archive; accepted archives: {', '.join(ARCHIVE_SUFFIXES)}")
    if path.name.lower().endswith(".zip"):
        return _iter_zip(path)
    return _iter_tar(path)


def _decode(data: bytes, name: str) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img = img.convert("RGB")
            if img.size != (32, 32):
                raise DataImportError(f"{name}: the image is {img.size[0]}x{img.size[1]}, CIFAR-10 images are 32x32")
            return np.asarray(img, dtype=np.uint8)
    except DataImportError:
        raise
    except Exception as exc:  # PIL raises several types for broken files
        raise DataImportError(f"{name}: not a readable image ({type(exc).__name__}: {exc})") from exc


def read_imagefolder(path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read an ImageFolder copy of CIFAR-10 into uint8 arrays, without writing anything.

    ``path`` is a folder or an archive (.tar, .tar.gz, .tar.xz, .zip, ...) holding
    ``train/<class>/<image>`` and ``test/<class>/<image>``, possibly inside one top folder.
    The class folders must be exactly CIFAR-10's ten class names. Files are sorted by name
    inside each class, so the result does not depend on the archive's order.

    Raises :class:`DataImportError` (a ``ValueError``) for a corrupt or truncated archive, a
    missing ``train``/``test`` folder, missing or extra classes, an empty class, or an
    unreadable image or one that is not 32x32; ``FileNotFoundError`` when ``path`` does not exist.
    """
    path = Path(path).expanduser()
    images, dirs = _scan(path)
    # the folder that holds train/ and test/ (the archive may wrap them in one top folder)
    roots = sorted({prefix for prefix, _ in images})
    if not roots:
        raise DataImportError(
            f"{path}: no images found in the ImageFolder layout train/<class>/<image> and test/<class>/<image>")
    if len(roots) > 1:
        raise DataImportError(f"{path}: found train/test folders in several places ({roots}); keep one copy")
    prefix = roots[0]
    out = []
    for split in ("train", "test"):
        out += _split_arrays(path, prefix, split, images.get((prefix, split)), dirs)
    return tuple(out)


def _scan(path: Path):
    """One pass over the folder or archive: ``{(prefix, split): [(class, file, name, bytes)]}`` and the folders."""
    images: dict[tuple[str, str], list[tuple[str, str, str, bytes]]] = {}
    dirs: set[tuple[str, ...]] = set()
    try:
        for name, read in _entries(path):
            parts = tuple(p for p in name.split("/") if p not in ("", "."))
            if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue  # hidden files, macOS resource forks
            if read is None:
                dirs.add(parts)
                continue
            for n in range(1, len(parts)):  # every parent of a file is a folder, even if not listed
                dirs.add(parts[:n])
            if len(parts) < 3 or not parts[-1].lower().endswith(IMAGE_EXTENSIONS):
                continue
            split, cls = parts[-3], parts[-2]
            if split not in ("train", "test"):
                continue
            prefix = "/".join(parts[:-3])
            images.setdefault((prefix, split), []).append((cls, parts[-1], name, read()))
    except DataImportError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, lzma.LZMAError, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DataImportError(
            f"{path}: the archive is corrupt or incomplete ({type(exc).__name__}: {exc}); "
            "download or copy it again") from exc
    return images, dirs


def _split_arrays(path: Path, prefix: str, split: str, found, dirs) -> list[np.ndarray]:
    """``[x, y]`` of one split, after checking its class folders; images in class order, then by name."""
    where = f"{prefix}/{split}" if prefix else split
    if not found:
        raise DataImportError(f"{path}: the folder {where!r} with the {split} images is missing or empty")
    base = tuple(p for p in prefix.split("/") if p) + (split,)
    class_dirs = {d[len(base)] for d in dirs if len(d) == len(base) + 1 and d[:len(base)] == base}
    missing = [c for c in CIFAR10_CLASSES if c not in class_dirs]
    extra = sorted(class_dirs - set(CIFAR10_CLASSES))
    if missing or extra:
        msg = f"{path}: {where}/ must hold exactly the ten CIFAR-10 class folders {list(CIFAR10_CLASSES)}"
        if missing:
            msg += f"; missing: {missing}"
        if extra:
            msg += f"; not a CIFAR-10 class: {extra}"
        raise DataImportError(msg)
    counts = {c: 0 for c in CIFAR10_CLASSES}
    for cls, *_ in found:
        counts[cls] += 1
    empty = [c for c, n in counts.items() if n == 0]
    if empty:
        raise DataImportError(f"{path}: {where}/ has no images for the classes {empty}")
    found.sort(key=lambda item: (CIFAR10_CLASSES.index(item[0]), item[1]))
    x = np.empty((len(found), 32, 32, 3), dtype=np.uint8)
    for i, (_, _, name, data) in enumerate(found):
        x[i] = _decode(data, name)
    y = np.array([CIFAR10_CLASSES.index(c) for c, *_ in found], dtype=np.int64)
    return [np.ascontiguousarray(x.transpose(0, 3, 1, 2)), y]


def import_imagefolder(path, root=None, force: bool = False) -> Path:
    """Import an ImageFolder copy of CIFAR-10 (folder or archive) into the data folder.

    Everything is read and checked first (see :func:`read_imagefolder`); the data file is then
    written atomically, so a failed import leaves no half-written data behind. The images are
    stored in a fixed random order (not sorted by class). Returns the path of the data file. Raises ``FileExistsError`` if it exists and ``force`` is false.
    """
    target = cifar10_path(root)
    if target.exists() and not force:
        raise FileExistsError(i18n.t("data.exists", file=target))
    x_tr, y_tr, x_te, y_te = read_imagefolder(path)
    # An ImageFolder is sorted by class; the data file is not (as torchvision's CIFAR-10 is not):
    # anything that takes the first n images must not get a single class. A fixed seed, so every
    # import of the same copy gives the same file.
    rng = np.random.default_rng(0)
    order_tr, order_te = rng.permutation(len(y_tr)), rng.permutation(len(y_te))
    x_tr, y_tr, x_te, y_te = x_tr[order_tr], y_tr[order_tr], x_te[order_te], y_te[order_te]
    _write_npz(target, x_tr, y_tr, x_te, y_te, source=f"ImageFolder import of {Path(path).name}")
    return target


# --------------------------------------------------------------------------------------------
# helpers for training


def normalize_cifar(x: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 images (N, 3, 32, 32) -> float tensors with CIFAR-10's per-channel mean and std removed."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of uint8 images, got {type(x).__name__}")
    if x.dtype != torch.uint8:
        raise TypeError(f"x must have dtype torch.uint8 (raw images), got {x.dtype}")
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"x must have shape (N, 3, H, W), got {tuple(x.shape)}")
    mean = torch.tensor(CIFAR10_MEAN, dtype=torch.float32).view(1, 3, 1, 1) * 255
    std = torch.tensor(CIFAR10_STD, dtype=torch.float32).view(1, 3, 1, 1) * 255
    return ((x.float() - mean) / std).to(dtype)


def subset(x: torch.Tensor, y: torch.Tensor, n: int | None, seed: int = 0):
    """A class-balanced random subset of ``n`` examples (all of them when ``n`` is None or too big)."""
    if n is None or n >= len(y):
        return x, y
    if n <= 0:
        raise ValueError(f"n={n} must be a positive number of examples (or None for all)")
    g = torch.Generator().manual_seed(seed)
    classes = torch.unique(y)
    per = [torch.nonzero(y == c).flatten() for c in classes]
    chosen = []
    for i, idx in enumerate(per):
        k = n // len(classes) + (1 if i < n % len(classes) else 0)
        chosen.append(idx[torch.randperm(len(idx), generator=g)[:k]])
    order = torch.cat(chosen)
    order = order[torch.randperm(len(order), generator=g)]
    return x[order], y[order]


class TensorBatches:
    """Shuffled mini-batches of in-memory tensors; iterate again for the next epoch.

    Uses its own seeded generator (never the global RNG), so every run sees the same order.
    ``transform`` is applied to each input batch (e.g. :func:`normalize_cifar`).
    """

    def __init__(self, x, y, batch_size: int, *, seed: int = 0, shuffle: bool = True, drop_last: bool = True,
                 transform=None):
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= len(x):
            raise ValueError(f"batch_size={batch_size!r} must be an int in [1, {len(x)}]")
        self.x, self.y, self.batch_size = x, y, batch_size
        self.shuffle, self.drop_last, self.transform = shuffle, drop_last, transform
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.x)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for k in range(len(self)):
            idx = order[k * self.batch_size : (k + 1) * self.batch_size]
            xb = self.x[idx]
            yield (self.transform(xb) if self.transform is not None else xb), self.y[idx]


def class_names() -> list[str]:
    """CIFAR-10's class names in the current language."""
    return [i18n.t(f"data.class.{c}") for c in CIFAR10_CLASSES]


# --------------------------------------------------------------------------------------------
# digits (scikit-learn's copy: offline)


def digits(test_size: float = 0.25, seed: int = 0):
    """scikit-learn's 8x8 digits as float32 tensors scaled to [0, 1], split reproducibly.

    Returns ``(x_train, y_train, x_test, y_test)``; ``x`` has shape (n, 64), ``y`` is int64.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = torch.tensor(bunch.data / 16.0, dtype=torch.float32)
    y = torch.tensor(bunch.target, dtype=torch.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y)
    return x_tr, y_tr, x_te, y_te


# --------------------------------------------------------------------------------------------
# command line: lrcourse data import|download|status (the parsers are in lrcourse.cli)


def cli_import(args) -> int:
    if cifar10_available(args.root) and not args.force:
        # the data is already there: nothing to do (exit 0, so that set-up scripts can run it every time)
        print(i18n.t("data.exists", file=cifar10_path(args.root)))
        return 0
    print(i18n.t("data.import.start", path=args.path), flush=True)
    start = time.perf_counter()
    try:
        target = import_imagefolder(args.path, root=args.root, force=args.force)
    except (DataImportError, FileNotFoundError, FileExistsError) as exc:
        print(i18n.t("data.error", message=exc))
        return 1
    info = cifar10_info(args.root)
    print(i18n.t("data.import.done", n_train=info["n_train"], n_test=info["n_test"], file=target,
                 seconds=time.perf_counter() - start))
    return 0


def cli_download(args) -> int:
    if cifar10_available(args.root) and not args.force:
        print(i18n.t("data.exists", file=cifar10_path(args.root)))
        return 0
    print(i18n.t("data.download.start", root=data_dir(args.root)), flush=True)
    try:
        download_cifar10(args.root)
    except CIFAR10NotFoundError as exc:
        print(i18n.t("data.error", message=exc))
        return 1
    return cli_status(args)


def cli_status(args) -> int:
    if not cifar10_available(args.root):
        print(i18n.t("data.status.absent", root=data_dir(args.root)))
        return 1
    print(i18n.t("data.status.present", **cifar10_info(args.root)))
    return 0
