"""Generated videos of a moving sprite, with anomalies and clip descriptions.

Used by: 06-vision/05-memoryout (``make_sprite_videos``), in place of the
video anomaly detection benchmarks (UCSD Ped2, CUHK Avenue, ShanghaiTech).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

SPRITE_SHAPES = ("square", "plus", "triangle")
NORMAL_SHAPES = ("square", "plus")
SPRITE_COLOURS = ("red", "blue", "cyan", "yellow")
NORMAL_COLOURS = ("red", "blue")
ANOMALY_KINDS = ("normal", "speed", "shape", "colour")
SPRITE_SIZE = 5

# Cyan and yellow are the RGB complements (1 - rgb) of red and blue.
_RGB = {
    "red": (1.0, 0.15, 0.1),
    "blue": (0.1, 0.2, 1.0),
    "cyan": (0.0, 0.85, 0.9),
    "yellow": (0.9, 0.8, 0.0),
}
_FLIPPED = {"red": "cyan", "blue": "yellow"}


def _sprite_masks() -> dict[str, np.ndarray]:
    """Return the 5 x 5 boolean mask of each shape in ``SPRITE_SHAPES``."""
    rows, columns = np.mgrid[:SPRITE_SIZE, :SPRITE_SIZE]
    middle = SPRITE_SIZE // 2
    return {
        "square": np.ones((SPRITE_SIZE, SPRITE_SIZE), dtype=bool),
        "plus": (rows == middle) | (columns == middle),
        "triangle": columns <= rows,
    }


_MASKS = _sprite_masks()


@dataclass
class SpriteVideos:
    """Videos of one coloured sprite moving on a black canvas.

    ``frames`` are float32 [n, length, 3, size, size] (RGB in [0, 1] before
    the noise). ``labels`` are bool [n, length]: True on anomalous frames.
    ``kinds`` are int64 [n], indices into ``ANOMALY_KINDS`` (0 is a normal
    video). ``descriptions`` holds, for each video, one sentence per clip of
    ``clip_length`` frames (``length // clip_length`` clips), as a captioning
    model might describe the clip.
    """

    frames: torch.Tensor
    labels: torch.Tensor
    kinds: torch.Tensor
    descriptions: list[list[str]]
    clip_length: int

    def __len__(self) -> int:
        return len(self.frames)

    def frame_descriptions(self) -> list[list[str]]:
        """Return, per video, the description of the clip that contains each frame."""
        return [
            [clips[t // self.clip_length] for t in range(self.frames.shape[1])]
            for clips in self.descriptions
        ]


def describe_clip(colour: str, shape: str, fast: bool, velocity: tuple[int, int]) -> str:
    """Return a sentence describing one clip, for example "a red square moves slowly towards the top left"."""
    vertical = "top" if velocity[0] < 0 else "bottom"
    horizontal = "left" if velocity[1] < 0 else "right"
    pace = "fast" if fast else "slowly"
    return f"a {colour} {shape} moves {pace} towards the {vertical} {horizontal}"


def _bounce(position: np.ndarray, velocity: np.ndarray, limit: int) -> None:
    """Move ``position`` by ``velocity`` in place, reflecting off 0 and ``limit``."""
    position += velocity
    for axis in range(2):
        if position[axis] < 0:
            position[axis] = -position[axis]
            velocity[axis] = -velocity[axis]
        elif position[axis] > limit:
            position[axis] = 2 * limit - position[axis]
            velocity[axis] = -velocity[axis]


def _check_arguments(n: int, kinds: Sequence[str], length: int, size: int, clip_length: int,
                     speed: int, anomalous_speed: int, noise: float) -> None:
    """Raise ValueError for arguments that ``make_sprite_videos`` cannot use."""
    if n < 1:
        raise ValueError(f"n={n} is below 1: pass at least one video")
    unknown = [kind for kind in kinds if kind not in ANOMALY_KINDS]
    if not kinds or unknown:
        raise ValueError(f"kinds={tuple(kinds)} must be a non-empty subset of {ANOMALY_KINDS}")
    if clip_length < 1 or length < 2 * clip_length or length % clip_length:
        raise ValueError(
            f"length={length} must be a multiple of clip_length={clip_length} with at least two "
            "clips, so that an anomaly can start after a normal clip"
        )
    if anomalous_speed > size - SPRITE_SIZE:
        raise ValueError(
            f"anomalous_speed={anomalous_speed} exceeds the free range {size - SPRITE_SIZE} "
            f"of a {size}-pixel canvas: pass a larger size"
        )
    if not 1 <= speed < anomalous_speed:
        raise ValueError(f"speed={speed} and anomalous_speed={anomalous_speed} are invalid: need 1 <= speed < anomalous_speed")
    if noise < 0:
        raise ValueError(f"noise={noise} is negative: pass a standard deviation >= 0")


def make_sprite_videos(
    n: int,
    kinds: Sequence[str] = ("normal",),
    length: int = 16,
    size: int = 16,
    clip_length: int = 4,
    speed: int = 1,
    anomalous_speed: int = 3,
    noise: float = 0.03,
    seed: int = 0,
) -> SpriteVideos:
    """Generate ``n`` videos of a 5 x 5 sprite bouncing diagonally around a canvas.

    A normal sprite is a red or blue square or plus that moves ``speed``
    pixels per frame along each axis. Video ``i`` is of kind
    ``kinds[i % len(kinds)]``. In an anomalous video the anomaly starts at a
    random clip after the first and lasts to the end. ``"speed"`` moves the
    sprite ``anomalous_speed`` pixels per frame, ``"shape"`` turns it into a
    triangle (a shape never seen in normal videos), and ``"colour"`` flips
    its colour to the RGB complement (red to cyan, blue to yellow).

    Args:
        n: number of videos.
        kinds: anomaly kinds to cycle through, from ``ANOMALY_KINDS``.
        length: frames per video, a multiple of ``clip_length`` (at least two clips).
        size: canvas side in pixels.
        clip_length: frames per described clip.
        speed, anomalous_speed: sprite speed in pixels per frame per axis.
        noise: standard deviation of Gaussian pixel noise.
        seed: seed of the generator.

    Returns:
        A :class:`SpriteVideos` with frames [n, length, 3, size, size].

    Raises:
        ValueError: ``n`` below 1, an unknown kind, ``length`` not a multiple
            of ``clip_length`` with two clips or more, speeds out of order or
            too large for the canvas, or negative ``noise``.
    """
    _check_arguments(n, kinds, length, size, clip_length, speed, anomalous_speed, noise)
    rng = np.random.default_rng(seed)
    limit = size - SPRITE_SIZE
    clips = length // clip_length
    frames = np.zeros((n, length, 3, size, size), dtype=np.float32)
    labels = np.zeros((n, length), dtype=bool)
    kind_index = np.array([ANOMALY_KINDS.index(kinds[i % len(kinds)]) for i in range(n)])
    descriptions = []

    for i in range(n):
        kind = ANOMALY_KINDS[kind_index[i]]
        colour = NORMAL_COLOURS[rng.integers(len(NORMAL_COLOURS))]
        shape = NORMAL_SHAPES[rng.integers(len(NORMAL_SHAPES))]
        position = rng.integers(0, limit + 1, size=2)
        direction = rng.choice([-1, 1], size=2)
        onset = clip_length * int(rng.integers(1, clips)) if kind != "normal" else length
        labels[i, onset:] = True
        video_descriptions = []

        for t in range(length):
            anomalous = t >= onset
            now_shape = "triangle" if anomalous and kind == "shape" else shape
            now_colour = _FLIPPED[colour] if anomalous and kind == "colour" else colour
            if t % clip_length == 0:
                video_descriptions.append(
                    describe_clip(now_colour, now_shape, anomalous and kind == "speed", tuple(direction))
                )

            r, c = position
            mask = _MASKS[now_shape]
            for channel, value in enumerate(_RGB[now_colour]):
                frames[i, t, channel, r:r + SPRITE_SIZE, c:c + SPRITE_SIZE][mask] = value
            # Fast steps start into the onset frame, so that frame is the first one displaced.
            fast = kind == "speed" and t + 1 >= onset
            velocity = direction * (anomalous_speed if fast else speed)
            _bounce(position, velocity, limit)
            direction = np.sign(velocity)
        descriptions.append(video_descriptions)

    frames += noise * rng.standard_normal(frames.shape).astype(np.float32)
    return SpriteVideos(
        frames=torch.from_numpy(frames),
        labels=torch.from_numpy(labels),
        kinds=torch.from_numpy(kind_index.astype(np.int64)),
        descriptions=descriptions,
        clip_length=clip_length,
    )
