"""Loaders of real data sets, with checksums and a cache folder, and the
helpers that every data module shares: mini-batches and moving to a device.

``ci`` data ships inside installed packages (scikit-learn's digits). The
``full`` loaders download the paper's data once into a cache folder, check
each file against a known MD5 checksum, and raise :class:`DatasetUnavailable`
with the offline fallback when the download fails.

Used by: 01-foundations/02-deep-vib (``load_digits``, ``load_mnist``) and
most chapters after it.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

logger = logging.getLogger(__name__)

CACHE_ENV = "IBNOTES_DATA"
_DataT = TypeVar("_DataT")

# The MNIST files as published by LeCun, Cortes and Burges, with their MD5
# checksums (the same files and sums that torchvision lists).
MNIST_FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


class DatasetUnavailable(RuntimeError):
    """A data set could not be downloaded or failed its checksum."""


@dataclass
class Split:
    """Train and test tensors of a classification data set.

    ``x_*`` are float32 [n, features] in [0, 1]; ``y_*`` are int64 [n].
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    name: str

    @property
    def features(self) -> int:
        return self.x_train.shape[1]

    @property
    def classes(self) -> int:
        return int(self.y_train.max()) + 1

    def to(self, device: torch.device | str) -> "Split":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def check_count(name: str, value: object, minimum: int = 1) -> None:
    """Raise ValueError unless ``value`` is a whole number (not a bool) of at least ``minimum``.

    Generators call this on sizes such as ``n`` and ``length`` so that a
    float, a string or NaN fails with the argument's name instead of deep in
    numpy or torch.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")


def move_to_device(data: _DataT, device: torch.device | str) -> _DataT:
    """Return a copy of a data class with every tensor field, and every list of tensors, on ``device``.

    Other fields (names, sizes, vocabularies) are shared with the original.
    """
    changes: dict[str, object] = {}
    for field in dataclasses.fields(data):
        value = getattr(data, field.name)
        if isinstance(value, torch.Tensor):
            changes[field.name] = value.to(device)
        elif isinstance(value, list) and value and all(isinstance(item, torch.Tensor) for item in value):
            changes[field.name] = [item.to(device) for item in value]
    return dataclasses.replace(data, **changes)


def cache_dir() -> Path:
    """Return the data cache folder: ``$IBNOTES_DATA`` or ``~/.cache/ibnotes``."""
    return Path(os.environ.get(CACHE_ENV, Path.home() / ".cache" / "ibnotes"))


def load_digits(test_size: float = 0.2, seed: int = 0) -> Split:
    """Load scikit-learn's 8x8 digits (1,797 images, 10 classes), offline.

    Pixels are scaled from 0..16 to [0, 1]. The split is stratified and
    fixed by ``seed``.
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}")
    x, y = sklearn_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x / 16.0, y, test_size=test_size, random_state=seed, stratify=y
    )
    return _split(x_train, y_train, x_test, y_test, name="digits (8x8, scikit-learn)")


def load_mnist(root: str | os.PathLike[str] | None = None, mirrors: Sequence[str] = MNIST_MIRRORS) -> Split:
    """Load MNIST (60,000 train and 10,000 test images, 28x28), downloading once.

    Files are cached in ``root`` (default :func:`cache_dir` / "mnist") and
    checked against their MD5 sums. Pixels are scaled to [0, 1] and images
    flattened to 784 features.

    Raises:
        DatasetUnavailable: no mirror could be reached, or a file failed its
            checksum. Without internet, use :func:`load_digits` (the ``ci``
            profile) instead.
    """
    folder = Path(root) if root is not None else cache_dir() / "mnist"
    arrays = {key: _read_idx(fetch(name, md5, folder, mirrors)) for key, (name, md5) in MNIST_FILES.items()}
    images = {key: arrays[key].reshape(len(arrays[key]), -1) / 255.0 for key in ("train_images", "test_images")}
    return _split(images["train_images"], arrays["train_labels"], images["test_images"],
                  arrays["test_labels"], name="MNIST (28x28)")


def fetch(name: str, md5: str, folder: Path, mirrors: Sequence[str]) -> Path:
    """Return the path of ``name`` in ``folder``, downloading it if missing.

    Each mirror is tried in turn; a cached or downloaded file whose MD5 sum
    differs from ``md5`` is deleted and never returned.
    """
    path = folder / name
    if path.exists() and _md5(path) == md5:
        return path

    folder.mkdir(parents=True, exist_ok=True)
    errors = []
    for mirror in mirrors:
        url = mirror + name
        partial = path.with_suffix(path.suffix + ".part")
        try:
            logger.info("downloading %s", url)
            with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError) as error:
            errors.append(f"{url}: {error}")
            partial.unlink(missing_ok=True)
            continue
        if _md5(partial) != md5:
            errors.append(f"{url}: checksum mismatch (expected MD5 {md5})")
            partial.unlink()
            continue
        partial.replace(path)
        return path

    raise DatasetUnavailable(
        f"could not download {name} into {folder}: " + "; ".join(errors)
        + ". Without internet, run the chapter with profile 'ci', which uses "
        "scikit-learn's digits, or copy the file into that folder by hand."
    )


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST format) into a uint8 array."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    magic = int.from_bytes(data[:4], "big")
    if magic >> 8 != 0x08:
        raise DatasetUnavailable(f"{path} is not an unsigned-byte IDX file (magic number {magic:#x})")
    ndim = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


def _split(x_train, y_train, x_test, y_test, name: str) -> Split:
    as_x = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)
    as_y = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.int64)
    return Split(as_x(x_train), as_y(y_train), as_x(x_test), as_y(y_test), name=name)


class TensorBatches:
    """Iterate over mini-batches of tensors that share their first dimension.

    A light replacement for ``DataLoader(TensorDataset(...))`` on data that
    already sits in memory: it slices whole batches instead of collating
    single items, which matters for small models. Each pass reshuffles
    with its own ``torch.Generator`` when ``shuffle`` is set.
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int, shuffle: bool = True, seed: int = 0):
        if not tensors:
            raise ValueError("pass at least one tensor")
        n = len(tensors[0])
        if any(len(t) != n for t in tensors):
            raise ValueError(f"tensors must share their first dimension, got {[len(t) for t in tensors]}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.tensors[0]) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n = len(self.tensors[0])
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        order = order.to(self.tensors[0].device)
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size]
            yield tuple(t[index] for t in self.tensors)
