import gzip
import hashlib

import numpy as np
import pytest
import torch

from ibnotes import data
from ibnotes.data import loaders


def test_load_digits_split():
    split = data.load_digits(seed=0)
    assert split.x_train.shape == (1437, 64)
    assert split.x_test.shape == (360, 64)
    assert split.classes == 10
    assert split.x_train.min() >= 0.0
    assert split.x_train.max() <= 1.0
    assert split.y_train.dtype == torch.int64


def test_load_digits_rejects_bad_test_size():
    with pytest.raises(ValueError, match="test_size"):
        data.load_digits(test_size=1.5)


def _idx_file(path, array, magic_dims):
    header = (0x0800 | magic_dims).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_fetch_downloads_and_checks(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    images = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    md5 = _idx_file(mirror / "images.gz", images, 3)
    path = data.fetch("images.gz", md5, tmp_path / "cache", [mirror.as_uri() + "/"])
    assert path.exists()
    assert np.array_equal(loaders._read_idx(path), images)


def test_fetch_rejects_bad_checksum(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    _idx_file(mirror / "images.gz", np.zeros((1, 2, 2)), 3)
    with pytest.raises(data.DatasetUnavailable, match="checksum mismatch"):
        data.fetch("images.gz", "0" * 32, tmp_path / "cache", [mirror.as_uri() + "/"])
    assert not (tmp_path / "cache" / "images.gz").exists()


def test_fetch_offline_names_fallback(tmp_path):
    missing = (tmp_path / "nowhere").as_uri() + "/"
    with pytest.raises(data.DatasetUnavailable, match="profile 'ci'.*digits"):
        data.fetch("images.gz", "0" * 32, tmp_path / "cache", [missing])


def test_load_mnist_from_mirror(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    files = {}
    for key, (name, _) in data.MNIST_FILES.items():
        array = np.full((4, 28, 28), 255) if "images" in key else np.array([0, 1, 2, 3])
        files[key] = (name, _idx_file(mirror / name, array, 3 if "images" in key else 1))
    monkeypatch.setattr(loaders, "MNIST_FILES", files)
    split = data.load_mnist(root=tmp_path / "cache", mirrors=[mirror.as_uri() + "/"])
    assert split.x_train.shape == (4, 784)
    assert float(split.x_train.max()) == 1.0
    assert split.y_test.tolist() == [0, 1, 2, 3]


def test_tensor_batches_cover_data_once():
    x = torch.arange(10).float().unsqueeze(1)
    batches = data.TensorBatches(x, torch.arange(10), batch_size=4, seed=0)
    seen = torch.cat([batch[1] for batch in batches])
    assert len(batches) == 3
    assert sorted(seen.tolist()) == list(range(10))


def test_tensor_batches_reshuffle_each_pass():
    batches = data.TensorBatches(torch.arange(100), batch_size=100, seed=0)
    first = next(iter(batches))[0]
    second = next(iter(batches))[0]
    assert not torch.equal(first, second)


def test_tensor_batches_reject_length_mismatch():
    with pytest.raises(ValueError, match="first dimension"):
        data.TensorBatches(torch.zeros(3), torch.zeros(4), batch_size=2)


def test_move_to_device_copies_tensors():
    graph = data.contextual_sbm(nodes=30, classes=3, features=4, seed=0)
    moved = graph.to("cpu")
    assert moved is not graph
    assert isinstance(moved, data.MultiViewGraph)
    assert torch.equal(moved.x, graph.x)
    assert len(moved.adjacencies) == len(graph.adjacencies)
    assert all(torch.equal(a, b) for a, b in zip(moved.adjacencies, graph.adjacencies))
    assert moved.name == graph.name
