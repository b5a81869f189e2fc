"""Tests of the grid-scene captioning data in ibnotes.data."""

import pytest
import torch

from ibnotes.data import GRID_VOCABULARY, grid_caption, make_grid_scenes, parse_grid_caption


def test_shapes_and_types():
    scenes = make_grid_scenes(20, size=18, max_objects=4, seed=0)
    assert scenes.images.shape == (20, 3, 18, 18)
    assert scenes.images.dtype == torch.float32
    assert scenes.objects.shape == (20, 4, 3)
    assert scenes.captions.dtype == torch.int64
    assert len(scenes) == 20


def test_same_seed_same_scenes():
    first, second = make_grid_scenes(5, seed=3), make_grid_scenes(5, seed=3)
    assert torch.equal(first.images, second.images)
    assert torch.equal(first.captions, second.captions)


def test_caption_matches_objects():
    scenes = make_grid_scenes(50, seed=1)
    for tokens, objects in zip(scenes.captions, scenes.objects):
        truth = {tuple(o) for o in objects.tolist() if o[0] >= 0}
        assert parse_grid_caption(scenes.decode(tokens)) == truth


def test_caption_framing():
    scenes = make_grid_scenes(10, seed=2)
    assert bool((scenes.captions[:, 0] == GRID_VOCABULARY.index("<bos>")).all())
    ends = (scenes.captions == GRID_VOCABULARY.index("<eos>")).sum(dim=1)
    assert bool((ends == 1).all())


def test_object_counts_and_cells():
    scenes = make_grid_scenes(200, max_objects=3, seed=4)
    counts = (scenes.objects[:, :, 0] >= 0).sum(dim=1)
    assert int(counts.min()) == 1
    assert int(counts.max()) == 3
    for objects in scenes.objects:
        cells = [o[0] for o in objects.tolist() if o[0] >= 0]
        assert len(set(cells)) == len(cells)


def test_object_drawn_in_its_cell():
    scenes = make_grid_scenes(1, size=18, max_objects=1, noise=0.0, seed=5)
    cell, colour, _ = scenes.objects[0, 0].tolist()
    row, column = divmod(cell, 3)
    image = scenes.images[0, colour]
    inside = image[6 * row : 6 * row + 6, 6 * column : 6 * column + 6].sum()
    assert float(inside) > 0
    assert float(image.sum()) == pytest.approx(float(inside))


def test_grid_caption_words():
    assert grid_caption([(8, 2, 1), (0, 0, 0)]) == "red square top left and blue circle bottom right".split()


def test_parse_skips_broken_phrase():
    words = "red square top left and blue circle bottom and green triangle middle centre".split()
    assert parse_grid_caption(words) == {(0, 0, 0), (4, 1, 2)}


@pytest.mark.parametrize(
    "kwargs",
    [dict(n=0), dict(n=1, size=20), dict(n=1, max_objects=0), dict(n=1, max_objects=10), dict(n=1, noise=-0.1)],
)
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        make_grid_scenes(**kwargs)
