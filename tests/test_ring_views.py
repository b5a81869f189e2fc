import math

import pytest
import torch

from ibnotes import data


def test_shapes_and_dtypes():
    sample = data.ring_views(5, views=7, length=64, width=16, seed=0)
    assert sample.scenes.shape == (5, 64)
    assert sample.starts.shape == (5, 7)
    assert sample.views.shape == (5, 7, 16)
    assert sample.starts.dtype == torch.int64
    assert sample.views.dtype == torch.float32


def test_scenes_span_unit_interval():
    scenes = data.ring_views(8, views=1, seed=1).scenes
    assert torch.allclose(scenes.min(dim=1).values, torch.zeros(8))
    assert torch.allclose(scenes.max(dim=1).values, torch.ones(8))


def test_noiseless_views_are_wrapped_windows():
    sample = data.ring_views(3, views=4, length=32, width=8, noise=0.0, seed=2)
    for i in range(3):
        for j in range(4):
            start = int(sample.starts[i, j])
            index = [(start + t) % 32 for t in range(8)]
            assert torch.equal(sample.views[i, j], sample.scenes[i, index])


def test_noise_has_requested_std():
    sample = data.ring_views(200, views=8, noise=0.3, seed=3)
    clean = data.ring_views(200, views=8, noise=0.0, seed=3).views
    residual = sample.views - clean
    assert abs(float(residual.std()) - 0.3) < 0.01


def test_same_seed_same_data():
    a = data.ring_views(4, views=3, seed=7)
    b = data.ring_views(4, views=3, seed=7)
    assert torch.equal(a.views, b.views)


def test_poses_are_window_centres():
    sample = data.ring_views(2, views=3, length=100, width=11, seed=4)
    expected = 2 * math.pi * (sample.starts.float() + 5) / 100
    assert torch.allclose(sample.poses(), expected)


@pytest.mark.parametrize(
    "kwargs",
    [dict(n=0), dict(views=0), dict(width=200), dict(noise=-0.1), dict(harmonics=0)],
)
def test_invalid_arguments_raise(kwargs):
    arguments = dict(n=2, views=2, length=128, width=32) | kwargs
    with pytest.raises(ValueError):
        data.ring_views(**arguments)
