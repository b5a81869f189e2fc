import pytest
import torch

from ibnotes import data


def _pool(side=4, per_digit=3):
    """Single digits whose pixels all equal (label + 1) / 10, so a tile shows its label."""
    labels = torch.arange(10).repeat_interleave(per_digit)
    images = ((labels + 1) / 10.0)[:, None].repeat(1, side * side)
    return images, labels


def test_compose_shapes():
    images, labels = _pool()
    composed = data.compose_digits(images, labels, 250, n_digits=2, seed=0)
    assert composed.x.shape == (250, 2 * 4 * 4)
    assert composed.images().shape == (250, 4, 8)
    assert composed.digits.shape == (250, 2)
    assert composed.classes == 100


def test_compose_classes_balanced():
    images, labels = _pool()
    composed = data.compose_digits(images, labels, 300, n_digits=2, seed=0)
    counts = torch.bincount(composed.y, minlength=100)
    assert counts.min() == 3
    assert counts.max() == 3


def test_compose_label_reads_digits():
    images, labels = _pool()
    composed = data.compose_digits(images, labels, 100, n_digits=3, seed=1)
    number = composed.digits[:, 0] * 100 + composed.digits[:, 1] * 10 + composed.digits[:, 2]
    assert torch.equal(composed.y, number)


def test_compose_tiles_match_digits():
    images, labels = _pool()
    composed = data.compose_digits(images, labels, 50, n_digits=2, seed=2)
    tiles = composed.images().view(50, 4, 2, 4)  # [n, row, digit, column]
    expected = (composed.digits + 1) / 10.0
    assert torch.allclose(tiles[:, 0, :, 0], expected)


def test_compose_occlusion_fraction():
    images, labels = _pool()
    composed = data.compose_digits(images, labels, 2000, occluded_fraction=0.3, seed=0)
    assert abs(composed.occluded.float().mean().item() - 0.3) < 0.05


def test_occlusion_zeroes_one_digit():
    images, labels = _pool(side=8)
    composed = data.compose_digits(images, labels, 200, occluded_fraction=1.0,
                                   occlusion_size=(0.6, 0.9), seed=3)
    tiles = composed.images().view(200, 8, 2, 8).permute(0, 2, 1, 3)  # [n, digit, 8, 8]
    zeros = (tiles == 0).sum(dim=(2, 3))  # [n, digit]
    assert torch.all((zeros > 0).sum(dim=1) == 1)
    assert zeros.max() <= 7 * 7
    assert zeros[zeros > 0].min() >= 5 * 5


def test_clean_images_have_no_zeros():
    images, labels = _pool()
    composed = data.compose_digits(images, labels, 200, occluded_fraction=0.0, seed=0)
    assert not composed.occluded.any()
    assert (composed.x > 0).all()


def test_compose_same_seed_same_images():
    images, labels = _pool()
    first = data.compose_digits(images, labels, 64, occluded_fraction=0.5, seed=7)
    second = data.compose_digits(images, labels, 64, occluded_fraction=0.5, seed=7)
    assert torch.equal(first.x, second.x)


def test_compose_accepts_square_images():
    images, labels = _pool()
    composed = data.compose_digits(images.view(-1, 4, 4), labels, 10, seed=0)
    assert composed.side == 4


def test_compose_to_device():
    images, labels = _pool()
    moved = data.compose_digits(images, labels, 10, seed=0).to("cpu")
    assert moved.x.device.type == "cpu"
    assert moved.n_digits == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(count=0), "count"),
        (dict(count=10, n_digits=0), "n_digits"),
        (dict(count=10, occluded_fraction=1.5), "occluded_fraction"),
        (dict(count=10, occlusion_size=(0.9, 0.5)), "occlusion_size"),
    ],
)
def test_compose_rejects_bad_arguments(kwargs, message):
    images, labels = _pool()
    with pytest.raises(ValueError, match=message):
        data.compose_digits(images, labels, **kwargs)


def test_compose_rejects_missing_digit():
    images, labels = _pool()
    keep = labels != 7
    with pytest.raises(ValueError, match=r"digits \[7\]"):
        data.compose_digits(images[keep], labels[keep], 10)


def test_compose_rejects_non_square():
    with pytest.raises(ValueError, match="square"):
        data.compose_digits(torch.zeros(10, 10), torch.arange(10), 10)


def test_compose_rejects_bad_labels():
    images, labels = _pool()
    with pytest.raises(ValueError, match="0..9"):
        data.compose_digits(images, labels + 1, 10)
