"""Autoencoder compression before MI estimation (ibnotes.mi.compressed)."""

import numpy as np
import pytest
import torch

from ibnotes import mi
from ibnotes.mi import tasks
from ibnotes.mi.compressed import autoencoder_codes


def test_autoencoder_rejects_constant_column():
    x = torch.randn(64, 5)
    x[:, 2] = 0.0
    with pytest.raises(ValueError, match="constant columns"):
        autoencoder_codes(x, dim=2, steps=1)


def test_autoencoder_codes_shape():
    codes = autoencoder_codes(torch.randn(64, 6), dim=3, hidden=8, steps=5)
    assert codes.shape == (64, 3)


def test_autoencoder_codes_finite():
    codes = autoencoder_codes(torch.randn(64, 6), dim=3, hidden=8, steps=5)
    assert torch.isfinite(codes).all()


def test_compress_autoencoder_keeps_dtype():
    x = np.random.default_rng(0).standard_normal((64, 6))
    codes = mi.compress(x, 2, "autoencoder", steps=2, hidden=8)
    assert codes.dtype == torch.float64


def test_rectangle_coverage_sums_to_area():
    corners = np.array([[0.1, 0.55, 0.23, 0.8]])
    image = tasks.render_rectangles(corners, size=16)
    assert image.sum() == pytest.approx(0.45 * 0.57 * 16**2)


def test_rectangle_on_pixel_grid_is_binary():
    image = tasks.render_rectangles(np.array([[0.25, 0.5, 0.5, 0.75]]), size=4)
    expected = np.zeros((4, 4))
    expected[2, 1] = 1.0
    np.testing.assert_allclose(image.reshape(4, 4), expected)


def test_rectangle_rejects_bad_corners():
    with pytest.raises(ValueError, match="left < right"):
        tasks.render_rectangles(np.array([[0.6, 0.4, 0.1, 0.2]]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        tasks.render_rectangles(np.array([[0.1, 1.4, 0.1, 0.2]]))
    with pytest.raises(ValueError, match=r"\[n, 4\]"):
        tasks.render_rectangles(np.zeros((3, 2)))


def test_rectangle_task_shapes_and_mi():
    task = tasks.rectangle_task(mi=1.5, size=12)
    x, y = task.sample(50, seed=0)
    assert x.shape == (50, 144)
    assert y.shape == (50, 144)
    assert task.mutual_information == 1.5


def test_rectangle_task_rejects_tiny_size():
    with pytest.raises(ValueError, match="at least 10"):
        tasks.rectangle_task(size=9)


def test_rectangle_task_is_reproducible():
    first, _ = tasks.rectangle_task(mi=1.0).sample(20, seed=3)
    second, _ = tasks.rectangle_task(mi=1.0).sample(20, seed=3)
    np.testing.assert_array_equal(first, second)
