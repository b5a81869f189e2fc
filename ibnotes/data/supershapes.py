"""2-D supershape images with ordered correspondence points.

Used by: 03-uncertainty/04-bayesian-deepssm (``make_supershapes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import move_to_device


@dataclass
class Supershapes:
    """Images of 2-D supershapes with their ordered correspondence points.

    ``images`` are float32 [n, 1, size, size]; ``points`` are float32
    [n, points, 2]. Point k is the (x, y) boundary point in the fixed
    direction 2πk / points from the shape's centre. Coordinates are image
    coordinates in [-1, 1]^2, with x along the columns and y down the rows. ``lobes`` (int64 [n])
    is the number of lobes m of each shape, and ``blur`` (float32 [n]) the
    standard deviation of its Gaussian blur, in pixels.
    """

    images: torch.Tensor
    points: torch.Tensor
    lobes: torch.Tensor
    blur: torch.Tensor

    def __len__(self) -> int:
        return len(self.images)

    def to(self, device: torch.device | str) -> "Supershapes":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def superformula(angles: np.ndarray, lobes: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Gielis' superformula r(θ) with a = b = 1 and n3 = n2 (unnormalised radius).

    ``angles`` is [n, a] in radians; ``lobes``, ``n1`` and ``n2`` are [n] and
    broadcast over the angles. Returns [n, a].
    """
    quarter = lobes[:, None] * angles / 4
    total = np.abs(np.cos(quarter)) ** n2[:, None] + np.abs(np.sin(quarter)) ** n2[:, None]
    return total ** (-1.0 / n1[:, None])


def make_supershapes(
    n: int,
    lobes: Sequence[int] = (3, 4, 5),
    blur: tuple[float, float] = (0.5, 1.5),
    size: int = 32,
    points: int = 64,
    noise: float = 0.05,
    seed: int = 0,
) -> Supershapes:
    """Draw ``n`` 2-D supershapes, render them as images, and place points.

    Each shape has a number of lobes drawn from ``lobes``, exponents
    n1 ~ U(2, 4) and n2 = n3 ~ U(5, 9) (pointed lobes), a radius scaled so its
    largest value is U(0.55, 0.8) of the half-width, and a centre shifted by
    up to 0.1. The image is the filled shape with an edge one third of a pixel
    wide, blurred by a Gaussian of standard deviation U(*blur) pixels, plus
    white noise of standard deviation ``noise``. Shapes are not rotated, so
    the points at fixed directions correspond across shapes.

    Used by: 03-uncertainty/04-bayesian-deepssm (supershapes as in Adams and
    Elhabian, 2023, in 2-D).

    Raises:
        ValueError: ``n``, ``size`` or ``points`` below 1, an empty or
            non-positive ``lobes``, or a ``blur`` range that is not
            0 <= low <= high.
    """
    from scipy.ndimage import gaussian_filter

    if n < 1 or size < 1 or points < 1:
        raise ValueError(f"n, size and points must be at least 1, got {n}, {size}, {points}")
    if len(lobes) == 0 or min(lobes) < 1:
        raise ValueError(f"lobes must be a non-empty list of positive integers, got {list(lobes)}")
    if not 0 <= blur[0] <= blur[1]:
        raise ValueError(f"blur must be a range (low, high) with 0 <= low <= high, got {blur}")

    rng = np.random.default_rng(seed)
    counts = rng.choice(np.asarray(lobes), size=n).astype(np.float64)
    sigmas = rng.uniform(*blur, size=n)
    n1, n2 = rng.uniform(2.0, 4.0, size=n), rng.uniform(5.0, 9.0, size=n)
    scale = rng.uniform(0.55, 0.8, size=n)
    centre = rng.uniform(-0.1, 0.1, size=(n, 2))
    peak = superformula(np.linspace(0, 2 * np.pi, 721)[None], counts, n1, n2).max(axis=1)

    # Correspondence points: the boundary at fixed directions from the centre.
    directions = 2 * np.pi * np.arange(points)[None] / points  # [1, points]
    radius = scale[:, None] * superformula(directions, counts, n1, n2) / peak[:, None]
    coords = centre[:, None] + radius[..., None] * np.stack([np.cos(directions), np.sin(directions)], -1)

    # Images: a soft inside test on the pixel centres, then blur and noise.
    grid = (np.arange(size) + 0.5) / size * 2 - 1
    dx = grid[None, None, :] - centre[:, 0, None, None]  # [n, 1, size]
    dy = grid[None, :, None] - centre[:, 1, None, None]  # [n, size, 1]
    rho, phi = np.hypot(dx, dy), np.arctan2(dy, dx)  # [n, size, size]
    edge = scale[:, None] * superformula(phi.reshape(n, -1), counts, n1, n2) / peak[:, None]
    margin = (edge.reshape(n, size, size) - rho) / (0.3 * 2.0 / size)
    inside = 0.5 * (1 + np.tanh(margin / 2))  # the logistic function, without overflow
    images = np.stack([gaussian_filter(image, sigma) for image, sigma in zip(inside, sigmas)])
    images += noise * rng.standard_normal(images.shape)

    return Supershapes(
        images=torch.as_tensor(images[:, None], dtype=torch.float32),
        points=torch.as_tensor(coords, dtype=torch.float32),
        lobes=torch.as_tensor(counts, dtype=torch.int64),
        blur=torch.as_tensor(sigmas, dtype=torch.float32),
    )
