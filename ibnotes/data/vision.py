"""Generated scenes for vision chapters: captioned grids, shapes with boxes, views of a ring.

Used by: 06-vision/01-zpressor (``ring_views``), 06-vision/03-leyolo
(``make_shape_detection``), 06-vision/04-captioning (``make_grid_scenes``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import move_to_device

GRID_COLOURS = ("red", "green", "blue")
GRID_SHAPES = ("square", "circle", "triangle")
GRID_ROWS = ("top", "middle", "bottom")
GRID_COLUMNS = ("left", "centre", "right")
GRID_VOCABULARY = ("<pad>", "<bos>", "<eos>", "and", *GRID_COLOURS, *GRID_SHAPES, *GRID_ROWS, *GRID_COLUMNS)
_RGB = np.array([[1.0, 0.15, 0.15], [0.15, 0.85, 0.15], [0.2, 0.3, 1.0]])


@dataclass
class GridScenes:
    """Images of coloured shapes on a 3 x 3 grid, with captions.

    ``images`` are float32 [n, 3, size, size] (RGB, about [0, 1] before the
    noise). ``objects`` are int64 [n, max_objects, 3]: one (cell, colour,
    shape) triple per object, cells numbered 0..8 in reading order, padded
    with -1. ``captions`` are int64 [n, length] token ids into ``vocabulary``:
    ``<bos>``, one phrase "colour shape row column" per object in cell order,
    joined by "and", then ``<eos>`` and ``<pad>`` up to the longest caption.
    """

    images: torch.Tensor
    objects: torch.Tensor
    captions: torch.Tensor
    vocabulary: tuple[str, ...] = GRID_VOCABULARY

    def __len__(self) -> int:
        return len(self.images)

    def decode(self, tokens: Sequence[int]) -> list[str]:
        """Return the words of one caption, without ``<bos>``, ``<eos>`` or padding."""
        words = []
        for token in tokens:
            word = self.vocabulary[int(token)]
            if word == "<eos>":
                break
            if word not in ("<bos>", "<pad>"):
                words.append(word)
        return words


def grid_caption(objects: Sequence[tuple[int, int, int]]) -> list[str]:
    """Return the words describing (cell, colour, shape) triples, in cell order."""
    phrases = []
    for cell, colour, shape in sorted(objects):
        row, column = divmod(int(cell), 3)
        phrases.append(f"{GRID_COLOURS[colour]} {GRID_SHAPES[shape]} {GRID_ROWS[row]} {GRID_COLUMNS[column]}")
    return " and ".join(phrases).split()


def parse_grid_caption(words: Sequence[str]) -> set[tuple[int, int, int]]:
    """Return the (cell, colour, shape) triples that a caption states.

    Only well-formed four-word phrases "colour shape row column" count, so a
    generated caption with a broken phrase loses that object and no others.
    """
    triples, phrase = set(), []
    for word in [*words, "and"]:
        if word != "and":
            phrase.append(word)
            continue
        if (len(phrase) == 4 and phrase[0] in GRID_COLOURS and phrase[1] in GRID_SHAPES
                and phrase[2] in GRID_ROWS and phrase[3] in GRID_COLUMNS):
            cell = 3 * GRID_ROWS.index(phrase[2]) + GRID_COLUMNS.index(phrase[3])
            triples.add((cell, GRID_COLOURS.index(phrase[0]), GRID_SHAPES.index(phrase[1])))
        phrase = []
    return triples


def _shape_masks(cell_size: int) -> np.ndarray:
    """Return boolean masks [3, cell, cell] of a square, a circle and a triangle."""
    centre = (np.arange(cell_size) + 0.5) / cell_size * 2 - 1  # pixel centres in [-1, 1]
    y, x = np.meshgrid(centre, centre, indexing="ij")
    square = (np.abs(x) <= 0.6) & (np.abs(y) <= 0.6)
    circle = x**2 + y**2 <= 0.7**2
    triangle = (y >= -0.7) & (y <= 0.7) & (np.abs(x) <= (y + 0.7) / 1.4 * 0.8)
    return np.stack([square, circle, triangle])


def make_grid_scenes(
    n: int, size: int = 24, max_objects: int = 4, noise: float = 0.3, seed: int = 0
) -> GridScenes:
    """Draw ``n`` scenes of 1 to ``max_objects`` shapes on a 3 x 3 grid, with captions.

    Each scene places between 1 and ``max_objects`` objects in distinct cells
    chosen uniformly. Each object's colour (red, green, blue) and shape
    (square, circle, triangle) are uniform and independent. The image is
    black with each object drawn in its colour, plus Gaussian pixel noise of
    standard deviation ``noise``. A scene has 9 cells x 9 kinds of object, so
    a caption must say where each object is, not only what is there.

    Used by: 06-vision/04-captioning (synthetic stand-in for MS COCO).

    Raises:
        ValueError: ``n`` below 1, ``size`` not a positive multiple of 3,
            ``max_objects`` outside 1..9, or a negative ``noise``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if size < 3 or size % 3:
        raise ValueError(f"size must be a positive multiple of 3 (3 cells a side), got {size}")
    if not 1 <= max_objects <= 9:
        raise ValueError(f"max_objects must be between 1 and 9 (the grid has 9 cells), got {max_objects}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")

    rng = np.random.default_rng(seed)
    cell_size = size // 3
    masks = _shape_masks(cell_size)
    images = np.zeros((n, 3, size, size), dtype=np.float32)
    objects = np.full((n, max_objects, 3), -1, dtype=np.int64)
    captions = []
    for i in range(n):
        count = rng.integers(1, max_objects + 1)
        cells = np.sort(rng.choice(9, size=count, replace=False))
        kinds = rng.integers(0, 3, size=(count, 2))  # colour, shape
        for k, (cell, (colour, shape)) in enumerate(zip(cells, kinds)):
            row, column = divmod(int(cell), 3)
            rows = slice(row * cell_size, (row + 1) * cell_size)
            columns = slice(column * cell_size, (column + 1) * cell_size)
            images[i, :, rows, columns] = masks[shape][None] * _RGB[colour][:, None, None]
            objects[i, k] = (cell, colour, shape)
        words = grid_caption(objects[i, :count].tolist())
        captions.append([1, *(GRID_VOCABULARY.index(w) for w in words), 2])
    images += noise * rng.standard_normal(images.shape).astype(np.float32)

    tokens = np.zeros((n, max(len(c) for c in captions)), dtype=np.int64)
    for i, caption in enumerate(captions):
        tokens[i, : len(caption)] = caption
    return GridScenes(torch.from_numpy(images), torch.from_numpy(objects), torch.from_numpy(tokens))


SHAPE_NAMES = ("square", "disc", "triangle")


@dataclass
class ShapeDetection:
    """Images of coloured shapes with their bounding boxes.

    Attributes:
        images: ``[n, 3, size, size]`` float32 RGB in [0, 1].
        boxes: one ``[k_i, 4]`` float32 tensor per image, corners
            ``(x1, y1, x2, y2)`` in pixels, ``x2``/``y2`` exclusive.
        labels: one ``[k_i]`` int64 tensor per image, indices into ``names``.
        names: the class names, ``SHAPE_NAMES``.
    """

    images: torch.Tensor
    boxes: list[torch.Tensor]
    labels: list[torch.Tensor]
    names: tuple[str, ...] = SHAPE_NAMES

    @property
    def classes(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        return self.images.shape[0]


def make_shape_detection(
    n: int,
    size: int = 64,
    max_shapes: int = 3,
    min_side: int = 10,
    max_side: int = 24,
    noise: float = 0.05,
    seed: int = 0,
) -> ShapeDetection:
    """Draw ``n`` images, each with 1 to ``max_shapes`` non-overlapping shapes.

    A shape is a filled square, disc or upward triangle, with a random side
    (``min_side`` to ``max_side`` pixels), position and bright colour, on a
    dark background with Gaussian pixel noise of standard deviation
    ``noise``. The class is the shape, never the colour. Boxes of one image
    do not overlap, so every object is fully visible.

    Used by: 06-vision/03-leyolo.

    Raises:
        ValueError: ``n`` or ``max_shapes`` below 1, sides outside
            ``2 <= min_side <= max_side <= size``, or negative ``noise``.
    """
    if n < 1 or max_shapes < 1:
        raise ValueError(f"n={n} and max_shapes={max_shapes} must both be at least 1: pass positive counts")
    if not 2 <= min_side <= max_side <= size:
        raise ValueError(
            f"invalid sides min_side={min_side}, max_side={max_side}: pass 2 <= min_side <= max_side <= size={size}"
        )
    if noise < 0:
        raise ValueError(f"noise={noise} is negative: pass a standard deviation >= 0")

    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    images = np.zeros((n, 3, size, size), dtype=np.float32)
    boxes, labels = [], []
    for i in range(n):
        images[i] += rng.uniform(0.0, 0.25, size=(3, 1, 1)).astype(np.float32)
        placed: list[tuple[int, int, int, int]] = []
        kinds: list[int] = []
        for _ in range(int(rng.integers(1, max_shapes + 1))):
            box = _place_box(rng, size, min_side, max_side, placed)
            if box is None:
                break
            kind = int(rng.integers(len(SHAPE_NAMES)))
            mask = _shape_mask(kind, box, rows, cols)
            colour = rng.uniform(0.5, 1.0, size=3)
            colour[rng.integers(3)] = rng.uniform(0.0, 0.3)
            images[i][:, mask] = colour[:, None].astype(np.float32)
            placed.append(box)
            kinds.append(kind)
        boxes.append(torch.tensor(placed, dtype=torch.float32).reshape(-1, 4))
        labels.append(torch.tensor(kinds, dtype=torch.int64))
    images += rng.normal(0.0, noise, size=images.shape).astype(np.float32)
    return ShapeDetection(torch.from_numpy(np.clip(images, 0.0, 1.0)), boxes, labels)


def _place_box(rng, size: int, min_side: int, max_side: int, placed: list, tries: int = 20):
    """Return a square box ``(x1, y1, x2, y2)`` that overlaps none in ``placed``, or None."""
    for _ in range(tries):
        side = int(rng.integers(min_side, max_side + 1))
        x1, y1 = (int(v) for v in rng.integers(0, size - side + 1, size=2))
        box = (x1, y1, x1 + side, y1 + side)
        if all(box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in placed):
            return box
    return None


def _shape_mask(kind: int, box: tuple[int, int, int, int], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Rasterise shape ``kind`` filling ``box``: a square, an inscribed disc or a triangle."""
    x1, y1, x2, y2 = box
    inside = (cols >= x1) & (cols < x2) & (rows >= y1) & (rows < y2)
    if kind == 0:
        return inside
    if kind == 1:
        radius = (x2 - x1) / 2
        return (cols - (x1 + radius)) ** 2 + (rows - (y1 + radius)) ** 2 <= radius**2
    # Apex at the top centre, base along the bottom edge.
    half_width = (rows - y1) / (y2 - y1) * (x2 - x1) / 2
    return inside & (np.abs(cols - (x1 + x2) / 2) <= half_width)


@dataclass
class RingViews:
    """Periodic 1-D scenes seen through noisy windows with known poses.

    A 1-D stand-in for multi-view reconstruction: the scene is a signal on a
    ring of ``length`` samples, and each view is a window of ``width``
    consecutive samples (wrapping around) with Gaussian noise added.

    Attributes:
        scenes: [n, length] clean signals, values in [0, 1].
        starts: [n, views] int64 index of each window's first sample.
        views: [n, views, width] noisy samples of each window.
        noise: standard deviation of the view noise, in signal units.

    Used by: 06-vision/01-zpressor.
    """

    scenes: torch.Tensor
    starts: torch.Tensor
    views: torch.Tensor
    noise: float

    @property
    def length(self) -> int:
        return self.scenes.shape[1]

    @property
    def width(self) -> int:
        return self.views.shape[2]

    def poses(self) -> torch.Tensor:
        """Return [n, views] camera angles in radians: the window centres on the ring."""
        centres = self.starts.to(self.scenes.dtype) + (self.width - 1) / 2
        return 2 * math.pi * centres / self.length

    def to(self, device: torch.device | str) -> "RingViews":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def ring_views(
    n: int,
    views: int,
    length: int = 128,
    width: int = 32,
    noise: float = 0.2,
    harmonics: int = 6,
    seed: int = 0,
) -> RingViews:
    """Draw random periodic scenes and noisy windowed views of each.

    Each scene is a random Fourier series of ``harmonics`` terms with
    amplitudes falling as 1/k, rescaled to [0, 1]. Window starts are uniform
    on the ring, drawn independently per view.

    Args:
        n: number of scenes.
        views: number of views per scene.
        length: samples per scene.
        width: samples per view, at most ``length``.
        noise: standard deviation of the Gaussian view noise, at least 0.
        harmonics: number of Fourier terms of each scene.
        seed: seed of the generator.

    Returns:
        A :class:`RingViews` with float32 tensors on the CPU.

    Raises:
        ValueError: a count is below 1, ``width`` exceeds ``length``, or
            ``noise`` is negative.
    """
    for name, value in [("n", n), ("views", views), ("length", length), ("width", width), ("harmonics", harmonics)]:
        if value < 1:
            raise ValueError(f"{name}={value} is invalid: pass at least 1")
    if width > length:
        raise ValueError(f"width={width} exceeds length={length}: pass a width of at most the scene length")
    if noise < 0:
        raise ValueError(f"noise={noise} is negative: pass a standard deviation of at least 0")

    generator = torch.Generator().manual_seed(seed)
    k = torch.arange(1, harmonics + 1, dtype=torch.float32)
    coefficients = torch.randn(n, 2, harmonics, generator=generator) / k
    angle = 2 * math.pi * torch.arange(length, dtype=torch.float32) / length
    phase = k[:, None] * angle[None, :]  # [harmonics, length]
    scenes = coefficients[:, 0] @ torch.cos(phase) + coefficients[:, 1] @ torch.sin(phase)
    low, high = scenes.min(dim=1, keepdim=True).values, scenes.max(dim=1, keepdim=True).values
    scenes = (scenes - low) / (high - low)

    starts = torch.randint(0, length, (n, views), generator=generator)
    index = (starts[:, :, None] + torch.arange(width)) % length  # [n, views, width]
    clean = torch.gather(scenes[:, None, :].expand(n, views, length), 2, index)
    noisy = clean + noise * torch.randn(clean.shape, generator=generator)
    return RingViews(scenes, starts, noisy, float(noise))
