"""Tests of the shape-detection generator in ibnotes.data."""

import pytest
import torch

from ibnotes.data import SHAPE_NAMES, make_shape_detection


def test_shapes_and_ranges():
    data = make_shape_detection(20, size=48, max_shapes=3, seed=1)
    assert data.images.shape == (20, 3, 48, 48)
    assert data.images.dtype == torch.float32
    assert float(data.images.min()) >= 0.0
    assert float(data.images.max()) <= 1.0
    assert len(data.boxes) == len(data.labels) == len(data) == 20
    assert data.classes == len(SHAPE_NAMES)


def test_boxes_inside_and_sized():
    data = make_shape_detection(50, size=64, min_side=10, max_side=20, seed=2)
    for boxes, labels in zip(data.boxes, data.labels):
        assert 1 <= len(boxes) <= 3
        assert len(labels) == len(boxes)
        assert float(boxes.min()) >= 0
        assert float(boxes.max()) <= 64
        sides = boxes[:, 2:] - boxes[:, :2]
        assert float(sides.min()) >= 10
        assert float(sides.max()) <= 20
        assert int(labels.min()) >= 0
        assert int(labels.max()) < len(SHAPE_NAMES)


def test_boxes_do_not_overlap():
    data = make_shape_detection(50, seed=3)
    for boxes in data.boxes:
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                width = min(a[2], b[2]) - max(a[0], b[0])
                height = min(a[3], b[3]) - max(a[1], b[1])
                assert min(width, height) <= 0, f"boxes {a} and {b} overlap"


def test_shape_brighter_than_background():
    data = make_shape_detection(10, noise=0.0, seed=4)
    for image, boxes in zip(data.images, data.boxes):
        x1, y1, x2, y2 = (int(v) for v in boxes[0])
        centre = image[:, (y1 + y2) // 2, (x1 + x2) // 2]
        assert float(centre.max()) >= 0.5


def test_same_seed_same_data():
    first = make_shape_detection(5, seed=7)
    second = make_shape_detection(5, seed=7)
    assert torch.equal(first.images, second.images)
    assert all(torch.equal(a, b) for a, b in zip(first.boxes, second.boxes))


def test_every_class_appears():
    data = make_shape_detection(100, seed=5)
    seen = set(torch.cat(data.labels).tolist())
    assert seen == set(range(len(SHAPE_NAMES)))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n=0),
        dict(n=2, max_shapes=0),
        dict(n=2, min_side=1),
        dict(n=2, min_side=20, max_side=10),
        dict(n=2, size=16, max_side=20),
        dict(n=2, noise=-0.1),
    ],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        make_shape_detection(**kwargs)
