"""Synthetic reflections: photos seen through glass, mixed with a blurred reflected photo.

Used by: 06-vision/02-reflection-removal (``make_reflection_pairs``).

The synthesis follows the reflection-removal pipeline of Zhao et al. (RDNet,
CVPR 2025), which trains on pairs made from two photos: a transmission T (the
scene behind the glass) and a reflection R. R is blurred by a Gaussian with
a kernel of 5, 7, 9 or 11 pixels (probabilities 0.1, 0.2, 0.3, 0.4) and a
standard deviation drawn from [2, 5] pixels. T is scaled by the transmission
rate alpha in [0.8, 1], R by beta in [0.4, 1], and the two are mixed as
``I = aT + bR - aT * bR`` with probability 0.7, otherwise as the clipped sum
``min(aT + bR, 1)``. The photos are scikit-image's bundled samples, which
load offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ibnotes.data.loaders import move_to_device

REFLECTION_TRAIN_PHOTOS = ("astronaut", "coffee", "rocket", "stereo_motorcycle", "cat")
REFLECTION_TEST_PHOTOS = ("chelsea", "immunohistochemistry")
BLUR_KERNEL_SIZES = (5, 7, 9, 11)
BLUR_KERNEL_PROBABILITIES = (0.1, 0.2, 0.3, 0.4)


@dataclass
class ReflectionPairs:
    """Mixtures of a transmission and a reflection, with both layers.

    ``mixture``, ``transmission`` and ``reflection`` are float32
    [n, 3, size, size] in [0, 1]. ``transmission`` is the clean scene T
    (before the scaling by alpha), the target of reflection removal;
    ``reflection`` is the blurred, scaled layer ``beta * blur(R)``.
    ``alpha`` and ``beta`` are float32 [n], the transmission and reflection
    rates, and ``screen`` is bool [n]: True where the mixture is
    ``aT + bR - aT * bR``, False where it is the clipped sum.
    """

    mixture: torch.Tensor
    transmission: torch.Tensor
    reflection: torch.Tensor
    alpha: torch.Tensor
    beta: torch.Tensor
    screen: torch.Tensor

    def __len__(self) -> int:
        return len(self.mixture)

    def to(self, device: torch.device | str) -> "ReflectionPairs":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def load_photos(names: Sequence[str], scale: float = 0.25) -> list[np.ndarray]:
    """Load scikit-image sample photos as float32 [height, width, 3] in [0, 1].

    ``scale`` resizes each photo (with anti-aliasing), so that small crops
    hold whole objects rather than flat patches. For ``stereo_motorcycle``
    the left view is used. Raises ValueError for a name that is not a colour
    sample of ``skimage.data``.
    """
    import skimage.data
    from skimage.transform import rescale

    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    photos = []
    for name in names:
        loader = getattr(skimage.data, name, None)
        if loader is None:
            raise ValueError(f"{name!r} is not a skimage.data sample; use e.g. 'astronaut' or 'coffee'")
        photo = loader()
        if name == "stereo_motorcycle":
            photo = photo[0]
        if photo.ndim != 3 or photo.shape[2] < 3:
            raise ValueError(f"{name!r} is not a colour photo (shape {photo.shape}); pick an RGB sample")
        photo = photo[..., :3].astype(np.float32) / 255.0
        if scale < 1:
            photo = rescale(photo, scale, anti_aliasing=True, channel_axis=-1)
        photos.append(photo.astype(np.float32))
    return photos


def random_crops(photos: Sequence[np.ndarray], n: int, size: int, generator: np.random.Generator) -> torch.Tensor:
    """Cut n random size x size crops from randomly chosen photos.

    ``photos`` are [height, width, 3] arrays. Each crop is flipped left to
    right with probability 1/2. Returns float32 [n, 3, size, size].
    """
    too_small = [p.shape for p in photos if min(p.shape[:2]) < size]
    if too_small:
        raise ValueError(f"photos of shape {too_small} are smaller than the crop size {size}; lower size or raise scale")
    crops = np.empty((n, 3, size, size), dtype=np.float32)
    for i, photo_index in enumerate(generator.integers(len(photos), size=n)):
        photo = photos[photo_index]
        top = generator.integers(photo.shape[0] - size + 1)
        left = generator.integers(photo.shape[1] - size + 1)
        crop = photo[top : top + size, left : left + size].transpose(2, 0, 1)
        crops[i] = crop[:, :, ::-1] if generator.random() < 0.5 else crop
    return torch.from_numpy(crops)


def gaussian_blur(images: torch.Tensor, kernel_sizes: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """Blur each image with its own Gaussian kernel, with reflected borders.

    ``images`` is [n, c, h, w]; ``kernel_sizes`` (odd integers) and
    ``sigmas`` (pixels) are [n]. The kernel of image i is separable, has
    ``kernel_sizes[i]`` taps and sums to 1. Returns [n, c, h, w].
    """
    if images.ndim != 4:
        raise ValueError(f"images must be [n, c, h, w], got shape {tuple(images.shape)}")
    n, channels, height, width = images.shape
    if kernel_sizes.shape != (n,) or sigmas.shape != (n,):
        raise ValueError(f"kernel_sizes {tuple(kernel_sizes.shape)} and sigmas {tuple(sigmas.shape)} must both be [{n}]")
    if bool((kernel_sizes % 2 == 0).any()) or bool((sigmas <= 0).any()):
        raise ValueError(
            f"kernel sizes must be odd and sigmas positive, got {kernel_sizes.tolist()} and {sigmas.tolist()}"
        )
    radius = int(kernel_sizes.max()) // 2
    if radius >= min(height, width):
        raise ValueError(f"kernel of {2 * radius + 1} taps is too large for {height}x{width} images")

    # One 1-D kernel per image, zero outside its own size, shared by the rows and columns.
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    weights = torch.exp(-0.5 * (offsets / sigmas[:, None].to(images)) ** 2)
    weights = weights * (offsets.abs() <= kernel_sizes[:, None].to(images.device) // 2)
    weights = weights / weights.sum(dim=1, keepdim=True)  # [n, taps]
    weights = weights.repeat_interleave(channels, dim=0)  # [n * c, taps]

    flat = images.reshape(1, n * channels, height, width)
    flat = F.pad(flat, (radius, radius, radius, radius), mode="reflect")
    flat = F.conv2d(flat, weights[:, None, None, :], groups=n * channels)
    flat = F.conv2d(flat, weights[:, None, :, None], groups=n * channels)
    return flat.reshape(n, channels, height, width)


def mix_reflection(
    transmission: torch.Tensor, reflection: torch.Tensor, alpha: torch.Tensor, beta: torch.Tensor, screen: torch.Tensor
) -> torch.Tensor:
    """Mix ``alpha * T`` with ``beta * R`` into the image seen through glass.

    ``transmission`` and ``reflection`` are [n, c, h, w] in [0, 1]; ``alpha``,
    ``beta`` and ``screen`` (bool) are [n]. Where ``screen`` is True the
    mixture is ``aT + bR - aT * bR``, else ``min(aT + bR, 1)``. Returns
    [n, c, h, w] in [0, 1].
    """
    if transmission.shape != reflection.shape:
        raise ValueError(f"transmission {tuple(transmission.shape)} and reflection {tuple(reflection.shape)} differ in shape")
    scaled_t = alpha[:, None, None, None] * transmission
    scaled_r = beta[:, None, None, None] * reflection
    screened = scaled_t + scaled_r - scaled_t * scaled_r
    clipped = (scaled_t + scaled_r).clamp(max=1.0)
    return torch.where(screen[:, None, None, None], screened, clipped)


def make_reflection_pairs(
    photos: Sequence[np.ndarray],
    n: int,
    size: int = 32,
    seed: int = 0,
    alpha_range: tuple[float, float] = (0.8, 1.0),
    beta_range: tuple[float, float] = (0.4, 1.0),
    screen_probability: float = 0.7,
) -> ReflectionPairs:
    """Synthesise n reflection pairs from random crops of ``photos``.

    T and R are independent crops (they may come from the same photo). R is
    blurred with a kernel size from ``BLUR_KERNEL_SIZES`` (probabilities
    ``BLUR_KERNEL_PROBABILITIES``) and a sigma uniform in [2, 5] pixels, then
    mixed by :func:`mix_reflection` with alpha and beta uniform in their
    ranges. Pass held-out photos for a test set.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    for name, (low, high) in [("alpha_range", alpha_range), ("beta_range", beta_range)]:
        if not 0 <= low <= high <= 1:
            raise ValueError(f"{name} must satisfy 0 <= low <= high <= 1, got {(low, high)}")
    if not 0 <= screen_probability <= 1:
        raise ValueError(f"screen_probability must be in [0, 1], got {screen_probability}")

    generator = np.random.default_rng(seed)
    transmission = random_crops(photos, n, size, generator)
    reflection = random_crops(photos, n, size, generator)
    kernel_sizes = torch.from_numpy(generator.choice(BLUR_KERNEL_SIZES, size=n, p=BLUR_KERNEL_PROBABILITIES))
    sigmas = torch.from_numpy(generator.uniform(2.0, 5.0, size=n).astype(np.float32))
    alpha = torch.from_numpy(generator.uniform(*alpha_range, size=n).astype(np.float32))
    beta = torch.from_numpy(generator.uniform(*beta_range, size=n).astype(np.float32))
    screen = torch.from_numpy(generator.random(n) < screen_probability)

    blurred = gaussian_blur(reflection, kernel_sizes, sigmas)
    mixture = mix_reflection(transmission, blurred, alpha, beta, screen)
    return ReflectionPairs(mixture, transmission, beta[:, None, None, None] * blurred, alpha, beta, screen)
