"""Digit images with template questions, and shifted test sets (noise, blur, contrast, typos).

Used by: 05-representations/04-vittle (``answer_questions``,
``encode_questions``, ``add_typos``, ``shift_images``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

QUESTION_TEMPLATES = ("which digit?", "is it even?", "above five?", "below three?")
ANSWERS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "yes", "no")
QUESTION_CHARACTERS = " ?abcdefghijklmnopqrstuvwxyz"


def answer_questions(digits: torch.Tensor, templates: torch.Tensor) -> torch.Tensor:
    """Return the answer index into ``ANSWERS`` for each (digit, template) pair.

    Args:
        digits: int64 [n], the digit labels 0..9.
        templates: int64 [n], indices into ``QUESTION_TEMPLATES``.

    Returns:
        int64 [n]: the digit itself for "which digit?", else the index of
        "yes" (10) or "no" (11).
    """
    if digits.shape != templates.shape:
        raise ValueError(f"digits {tuple(digits.shape)} and templates {tuple(templates.shape)} must have one shape")
    if len(templates) and not 0 <= int(templates.min()) <= int(templates.max()) < len(QUESTION_TEMPLATES):
        raise ValueError(f"templates must lie in 0..{len(QUESTION_TEMPLATES) - 1}, got {templates.unique().tolist()}")

    yes = (templates == 1) & (digits % 2 == 0) | (templates == 2) & (digits > 5) | (templates == 3) & (digits < 3)
    yes_no = torch.where(yes, ANSWERS.index("yes"), ANSWERS.index("no"))
    return torch.where(templates == 0, digits, yes_no)


def encode_questions(questions: Sequence[str], length: int | None = None) -> torch.Tensor:
    """Encode questions as character tokens, padded with 0 on the right.

    Token ``i + 1`` is ``QUESTION_CHARACTERS[i]``; 0 is padding.

    Args:
        questions: lower-case strings over ``QUESTION_CHARACTERS``.
        length: tokens per question; default the longest template's length.
            Longer questions are cut to ``length``.

    Returns:
        int64 [n, length].
    """
    length = length or max(len(q) for q in QUESTION_TEMPLATES)
    tokens = torch.zeros(len(questions), length, dtype=torch.long)
    for row, question in enumerate(questions):
        unknown = set(question) - set(QUESTION_CHARACTERS)
        if unknown:
            raise ValueError(f"question {question!r} has characters {sorted(unknown)} outside QUESTION_CHARACTERS")
        for column, character in enumerate(question[:length]):
            tokens[row, column] = QUESTION_CHARACTERS.index(character) + 1
    return tokens


def add_typos(questions: Sequence[str], rate: float, seed: int = 0) -> list[str]:
    """Replace each letter by a random other letter with probability ``rate``.

    Spaces and question marks are kept, so the question keeps its length.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    rng = np.random.default_rng(seed)
    letters = QUESTION_CHARACTERS[2:]
    noisy = []
    for question in questions:
        characters = list(question)
        for i, character in enumerate(characters):
            if character in letters and rng.random() < rate:
                characters[i] = rng.choice([c for c in letters if c != character])
        noisy.append("".join(characters))
    return noisy


def shift_images(x: torch.Tensor, kind: str, severity: float, seed: int = 0) -> torch.Tensor:
    """Return a shifted copy of square images x [n, side * side] in [0, 1].

    Kinds:
        ``"noise"``: adds Gaussian noise of standard deviation ``severity``.
        ``"blur"``: a Gaussian blur of width ``severity`` pixels, with the
        edge pixels replicated.
        ``"contrast"``: scales each image's deviation from its mean by
        ``severity``, so values below 1 lower the contrast.

    Every result is clipped to [0, 1].
    """
    side = math.isqrt(x.shape[-1]) if x.ndim == 2 else 0
    if side * side != x.shape[-1] or x.ndim != 2:
        raise ValueError(f"x must be [n, side * side] square images, got shape {tuple(x.shape)}")
    if severity < 0:
        raise ValueError(f"severity must be non-negative, got {severity}")

    if kind == "noise":
        generator = torch.Generator(device=x.device).manual_seed(seed)
        shifted = x + severity * torch.randn(x.shape, generator=generator, device=x.device)
    elif kind == "blur":
        shifted = _gaussian_blur(x.view(-1, 1, side, side), severity).reshape(x.shape)
    elif kind == "contrast":
        mean = x.mean(dim=1, keepdim=True)
        shifted = mean + severity * (x - mean)
    else:
        raise ValueError(f"unknown shift kind {kind!r}: use 'noise', 'blur' or 'contrast'")
    return shifted.clamp(0, 1)


def _gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur images [n, 1, h, w] with a separable Gaussian of width sigma pixels."""
    if sigma == 0:
        return images.clone()
    radius = max(1, math.ceil(2 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-offsets**2 / (2 * sigma**2))
    kernel = (kernel / kernel.sum()).view(1, 1, 1, -1)
    rows = torch.nn.functional.conv2d(torch.nn.functional.pad(images, (radius, radius, 0, 0), mode="replicate"), kernel)
    padded = torch.nn.functional.pad(rows, (0, 0, radius, radius), mode="replicate")
    return torch.nn.functional.conv2d(padded, kernel.transpose(2, 3))
