"""N-digit images composed from single digits, with occlusion.

Used by: 03-uncertainty/01-hedged-embeddings (``compose_digits``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ibnotes.data.loaders import move_to_device


@dataclass
class NDigitImages:
    """Images of ``n_digits`` digits side by side, as in N-digit MNIST.

    ``x`` is float32 [count, side * side * n_digits] in [0, 1], the
    row-major flattening of a [side, side * n_digits] image. ``y`` [count] is
    the class, the digits read as one base-10 number (``[4, 2]`` is 42).
    ``digits`` [count, n_digits] contains each digit's label, and ``occluded``
    [count] is True where a rectangle of zeros covers part of one digit.
    """

    x: torch.Tensor
    y: torch.Tensor
    digits: torch.Tensor
    occluded: torch.Tensor
    side: int
    n_digits: int

    @property
    def classes(self) -> int:
        return 10**self.n_digits

    def images(self) -> torch.Tensor:
        """Return ``x`` as images [count, side, side * n_digits]."""
        return self.x.view(-1, self.side, self.side * self.n_digits)

    def to(self, device: torch.device | str) -> "NDigitImages":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def compose_digits(
    images: torch.Tensor,
    labels: torch.Tensor,
    count: int,
    *,
    n_digits: int = 2,
    occluded_fraction: float = 0.0,
    occlusion_size: tuple[float, float] = (0.6, 0.9),
    seed: int = 0,
) -> NDigitImages:
    """Compose N-digit images from single digits, some of them occluded.

    Each of the ``10**n_digits`` classes gets ``count // 10**n_digits``
    images, and the remainder goes to randomly chosen classes. Each digit of
    an image is drawn at random from the images of that digit in ``images``.
    Pass disjoint pools (MNIST train and test, or a split of scikit-learn's
    digits) to keep train and test instances apart, as N-digit MNIST does.
    A random ``occluded_fraction`` of the images gets one rectangle of zeros
    inside one randomly chosen digit. Its height and width are drawn
    independently between ``occlusion_size[0]`` and ``occlusion_size[1]``
    times the digit's side, rounded to whole pixels.

    Used by: 03-uncertainty/01-hedged-embeddings.

    Args:
        images: [m, side * side] or [m, side, side] single digits in [0, 1].
        labels: [m] digit labels in 0..9; every digit must occur.
        count: number of composed images.
        n_digits: digits per image (2 gives 100 classes, 3 gives 1,000).
        occluded_fraction: share of images with an occlusion, in [0, 1].
        occlusion_size: smallest and largest rectangle side, as fractions
            of the digit side, with 0 < low <= high <= 1.
        seed: seed of the torch generator that draws everything.

    Returns:
        The composed images on the device of ``images``.
    """
    images = torch.as_tensor(images, dtype=torch.float32)
    labels = torch.as_tensor(labels, dtype=torch.int64, device=images.device)
    side = _digit_side(images)
    _check_composition(labels, count, n_digits, occluded_fraction, occlusion_size)
    device = images.device
    generator = torch.Generator().manual_seed(seed)
    tiles = images.reshape(len(images), side, side)

    # Balanced classes in random order, split into their digits.
    classes = 10**n_digits
    y = torch.arange(count) % classes
    extra = torch.randperm(classes, generator=generator)[: count % classes]
    y[count - count % classes:] = extra
    y = y[torch.randperm(count, generator=generator)]
    powers = 10 ** torch.arange(n_digits - 1, -1, -1)
    digits = (y[:, None] // powers) % 10  # [count, n_digits]

    # Pick a random image of each digit: sort the pool by label, then draw
    # an offset inside each label's block.
    order = torch.argsort(labels.cpu(), stable=True)
    counts = torch.bincount(labels.cpu(), minlength=10)
    starts = torch.cumsum(counts, 0) - counts
    offsets = (torch.rand(digits.shape, generator=generator) * counts[digits]).long()
    chosen = order[starts[digits] + offsets].to(device)  # [count, n_digits]
    composed = tiles[chosen]  # [count, n_digits, side, side]

    occluded = torch.rand(count, generator=generator) < occluded_fraction
    _occlude(composed, occluded, occlusion_size, generator)
    x = composed.permute(0, 2, 1, 3).reshape(count, side * side * n_digits)
    return NDigitImages(x=x, y=y.to(device), digits=digits.to(device),
                        occluded=occluded.to(device), side=side, n_digits=n_digits)


def _digit_side(images: torch.Tensor) -> int:
    """Return the side of square digit images [m, side * side] or [m, side, side]."""
    if images.ndim == 3 and images.shape[1] == images.shape[2]:
        return int(images.shape[1])
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side == images.shape[1]:
            return side
    raise ValueError(
        f"images must be square digits [m, side * side] or [m, side, side], got shape "
        f"{tuple(images.shape)}"
    )


def _check_composition(
    labels: torch.Tensor,
    count: int,
    n_digits: int,
    occluded_fraction: float,
    occlusion_size: tuple[float, float],
) -> None:
    """Raise ValueError on arguments that ``compose_digits`` cannot use."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if n_digits < 1:
        raise ValueError(f"n_digits must be at least 1, got {n_digits}")
    if not 0.0 <= occluded_fraction <= 1.0:
        raise ValueError(f"occluded_fraction must lie in [0, 1], got {occluded_fraction}")
    low, high = occlusion_size
    if not 0.0 < low <= high <= 1.0:
        raise ValueError(f"occlusion_size must satisfy 0 < low <= high <= 1, got {occlusion_size}")
    if labels.numel() and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"labels must be digits 0..9, got values from {int(labels.min())} to {int(labels.max())}")
    missing = sorted(set(range(10)) - set(labels.unique().tolist()))
    if missing:
        raise ValueError(f"every digit needs at least one image, but digits {missing} have none")


def _occlude(
    composed: torch.Tensor,
    occluded: torch.Tensor,
    occlusion_size: tuple[float, float],
    generator: torch.Generator,
) -> None:
    """Zero one random rectangle in one digit of each occluded image, in place."""
    count, n_digits, side, _ = composed.shape
    low = max(1, round(occlusion_size[0] * side))
    high = max(low, round(occlusion_size[1] * side))
    sizes = torch.randint(low, high + 1, (count, 2), generator=generator)
    # Top-left corner uniform over the positions where the rectangle fits.
    corners = (torch.rand(count, 2, generator=generator) * (side - sizes + 1)).long()
    occluded_digit = torch.randint(0, n_digits, (count,), generator=generator)
    grid = torch.arange(side)
    rows = (grid >= corners[:, :1]) & (grid < corners[:, :1] + sizes[:, :1])  # [count, side]
    columns = (grid >= corners[:, 1:]) & (grid < corners[:, 1:] + sizes[:, 1:])
    box = rows[:, :, None] & columns[:, None, :]  # [count, side, side]
    mask = torch.zeros(count, n_digits, side, side, dtype=torch.bool)
    mask[torch.arange(count), occluded_digit] = box
    mask &= occluded[:, None, None, None]
    composed.masked_fill_(mask.to(composed.device), 0.0)
