"""Tests of the reflection synthesis in ibnotes.data.reflections."""

import numpy as np
import pytest
import torch

from ibnotes import data


@pytest.fixture(scope="module")
def photos():
    return data.load_photos(("astronaut", "coffee"), scale=0.25)


def test_photos_are_rgb_in_unit_range(photos):
    for photo in photos:
        assert photo.ndim == 3
        assert photo.shape[2] == 3
        assert photo.dtype == np.float32
        assert photo.min() >= 0
        assert photo.max() <= 1


def test_photos_reject_grayscale():
    with pytest.raises(ValueError, match="colour"):
        data.load_photos(("camera",))


def test_photos_reject_unknown_name():
    with pytest.raises(ValueError, match="skimage.data"):
        data.load_photos(("no_such_photo",))


def test_blur_keeps_constant_image():
    images = torch.full((2, 3, 16, 16), 0.3)
    blurred = data.gaussian_blur(images, torch.tensor([5, 11]), torch.tensor([2.0, 5.0]))
    assert torch.allclose(blurred, images, atol=1e-6)


def test_blur_smooths_impulse():
    images = torch.zeros(2, 1, 21, 21)
    images[:, :, 10, 10] = 1.0
    blurred = data.gaussian_blur(images, torch.tensor([5, 11]), torch.tensor([2.0, 2.0]))
    assert torch.allclose(blurred.sum(dim=(1, 2, 3)), torch.ones(2), atol=1e-5)
    assert blurred[0, 0, 10, 13] == 0, "a 5-tap kernel must not reach 3 pixels away"
    assert blurred[1, 0, 10, 13] > 0, "an 11-tap kernel must reach 3 pixels away"


def test_blur_rejects_even_kernel():
    with pytest.raises(ValueError, match="odd"):
        data.gaussian_blur(torch.zeros(1, 3, 16, 16), torch.tensor([4]), torch.tensor([2.0]))


def test_mix_screen_formula():
    t, r = torch.full((1, 3, 2, 2), 0.5), torch.full((1, 3, 2, 2), 0.8)
    alpha, beta = torch.tensor([0.8]), torch.tensor([0.5])
    screened = data.mix_reflection(t, r, alpha, beta, torch.tensor([True]))
    assert torch.allclose(screened, torch.full_like(t, 0.4 + 0.4 - 0.16))


def test_mix_clipped_sum():
    t, r = torch.full((1, 3, 2, 2), 0.9), torch.full((1, 3, 2, 2), 0.9)
    mixed = data.mix_reflection(t, r, torch.tensor([1.0]), torch.tensor([1.0]), torch.tensor([False]))
    assert torch.equal(mixed, torch.ones_like(t))


def test_pairs_shapes_and_ranges(photos):
    pairs = data.make_reflection_pairs(photos, 64, size=24, seed=0)
    assert len(pairs) == 64
    assert pairs.mixture.shape == (64, 3, 24, 24)
    assert pairs.transmission.shape == pairs.reflection.shape == pairs.mixture.shape
    assert pairs.mixture.min() >= 0
    assert pairs.mixture.max() <= 1
    assert pairs.alpha.min() >= 0.8
    assert pairs.alpha.max() <= 1
    assert pairs.beta.min() >= 0.4
    assert pairs.beta.max() <= 1


def test_pairs_are_seeded(photos):
    first = data.make_reflection_pairs(photos, 8, size=24, seed=3)
    again = data.make_reflection_pairs(photos, 8, size=24, seed=3)
    other = data.make_reflection_pairs(photos, 8, size=24, seed=4)
    assert torch.equal(first.mixture, again.mixture)
    assert not torch.equal(first.mixture, other.mixture)


def test_pairs_mix_their_layers(photos):
    pairs = data.make_reflection_pairs(photos, 32, size=24, seed=1)
    blurred = pairs.reflection / pairs.beta[:, None, None, None]
    remixed = data.mix_reflection(pairs.transmission, blurred, pairs.alpha, pairs.beta, pairs.screen)
    assert torch.allclose(remixed, pairs.mixture, atol=1e-5)


def test_pairs_reject_bad_range(photos):
    with pytest.raises(ValueError, match="beta_range"):
        data.make_reflection_pairs(photos, 4, beta_range=(0.5, 1.5))


def test_crops_reject_large_size(photos):
    with pytest.raises(ValueError, match="crop size"):
        data.make_reflection_pairs(photos, 4, size=1000)
