"""Chunked pairwise distances in torch, shared by the kNN and KDE estimators.

All functions work on a batch of point sets ``[B, n, d]`` so that
:mod:`ibnotes.mi.batched` can stack equal-shaped inputs; a single set is
``B = 1``. Blocks of rows are computed one at a time, so memory stays at
``O(B * chunk_size * n)`` instead of ``O(B * n^2)``.

Two norms are supported:

* ``"euclidean"``: blocks hold *squared* Euclidean distances, which order
  points the same way and avoid a square root. For ``d >= 3`` they come from
  one matrix product (fast, with a rounding error of about
  ``eps * (|a|^2 + |b|^2)``); for ``d <= 2`` from exact coordinate differences.
* ``"max"``: blocks hold max-norm (Chebyshev) distances from exact
  coordinate differences, one pass per dimension.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import torch

Tensor = torch.Tensor
Norm = Literal["euclidean", "max"]
NORMS: tuple[str, ...] = ("euclidean", "max")

# Elements per distance block when chunk_size is not given: 2**18 (1 MB of
# float32) on the CPU, where small blocks stay in cache, and 2**26 on a GPU,
# where large blocks keep the device busy. On a 2-core CPU, KSG at
# n = 10,000 ran fastest with blocks of 2**17 to 2**18 elements.
_CPU_BLOCK_ELEMENTS = 2**18
_GPU_BLOCK_ELEMENTS = 2**26

# Up to this dimension, squared Euclidean distances come from exact
# differences. Above it a matrix product is faster and precise enough,
# because neighbour distances grow with the dimension.
_EXACT_MAX_DIM = 2


def check_norm(norm: str) -> None:
    """Raise ValueError unless ``norm`` is one of :data:`NORMS`."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")


def default_chunk_size(batch: int, n: int, device: torch.device) -> int:
    """Return the number of rows per block for ``batch`` sets of ``n`` points."""
    elements = _GPU_BLOCK_ELEMENTS if device.type != "cpu" else _CPU_BLOCK_ELEMENTS
    return max(1, elements // max(1, batch * n))


def resolve_chunk_size(chunk_size: int | None, batch: int, n: int, device: torch.device) -> int:
    """Validate ``chunk_size`` or choose the default one."""
    if chunk_size is None:
        return default_chunk_size(batch, n, device)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive number of rows, got {chunk_size}.")
    return int(chunk_size)


class PairwiseDistances:
    """Blocks of pairwise distances between all points of ``points`` [B, n, d].

    ``block(start, end)`` returns distances ``[B, end - start, n]`` from rows
    ``start:end`` to every point, in the representation of the norm (squared
    for ``"euclidean"``). With ``exclude_self`` the distance of each point
    to itself is ``+inf``, so it is never its own neighbour.
    """

    def __init__(self, points: Tensor, norm: Norm = "euclidean", exclude_self: bool = True) -> None:
        check_norm(norm)
        self.points = points
        self.norm = norm
        self.exclude_self = exclude_self
        self.use_matmul = norm == "euclidean" and points.shape[-1] > _EXACT_MAX_DIM
        if self.use_matmul:
            self._left, self._right = _augment(points)

    def block(self, start: int, end: int) -> Tensor:
        """Return distances ``[B, end - start, n]`` of rows ``start:end``."""
        if self.use_matmul:
            distances = torch.bmm(self._left[:, start:end], self._right)
        elif self.norm == "euclidean":
            distances = _exact_squared(self.points[:, start:end], self.points)
        else:
            distances = _exact_max(self.points[:, start:end], self.points)

        if self.exclude_self:
            rows = torch.arange(end - start, device=distances.device)
            distances[:, rows, rows + start] = float("inf")
        return distances


def _augment(points: Tensor) -> tuple[Tensor, Tensor]:
    """Return ``left`` [B, n, d+2] and ``right`` [B, d+2, n] with left @ right = squared distances.

    Row ``i`` of ``left`` is ``[-2 a_i, |a_i|^2, 1]`` and column ``j`` of
    ``right`` is ``[a_j, 1, |a_j|^2]``, so one matrix product gives
    ``|a_i|^2 + |a_j|^2 - 2 a_i . a_j``.
    """
    centred = points - points.mean(dim=1, keepdim=True)
    squared_norms = centred.square().sum(dim=-1, keepdim=True)
    ones = torch.ones_like(squared_norms)
    left = torch.cat([-2 * centred, squared_norms, ones], dim=-1)
    right = torch.cat([centred, ones, squared_norms], dim=-1).transpose(1, 2).contiguous()
    return left, right


def _exact_squared(rows: Tensor, points: Tensor) -> Tensor:
    """Squared Euclidean distances [B, m, n] from coordinate differences."""
    total = torch.zeros(rows.shape[0], rows.shape[1], points.shape[1], dtype=rows.dtype, device=rows.device)
    for dim in range(rows.shape[-1]):
        difference = rows[:, :, None, dim] - points[:, None, :, dim]
        total.add_(difference.square_())
    return total


def _exact_max(rows: Tensor, points: Tensor) -> Tensor:
    """Max-norm distances [B, m, n] from coordinate differences."""
    total = (rows[:, :, None, 0] - points[:, None, :, 0]).abs_()
    for dim in range(1, rows.shape[-1]):
        difference = (rows[:, :, None, dim] - points[:, None, :, dim]).abs_()
        torch.maximum(total, difference, out=total)
    return total


def iter_blocks(distances: PairwiseDistances, chunk_size: int) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` row ranges covering all ``n`` points."""
    n = distances.points.shape[1]
    for start in range(0, n, chunk_size):
        yield start, min(start + chunk_size, n)


def to_distance(values: Tensor, norm: Norm) -> Tensor:
    """Convert block values to true distances (square root for ``"euclidean"``)."""
    if norm == "euclidean":
        return values.clamp_min(0).sqrt()
    return values


def pairwise_distances(points: Tensor, norm: Norm = "euclidean", chunk_size: int | None = None) -> Tensor:
    """Return the full distance matrix ``[n, n]`` of ``points`` [n, d], built in blocks.

    Meant for tests and small ``n``: the result itself takes ``n^2`` memory.
    The diagonal is zero.
    """
    batch = points[None]
    distances = PairwiseDistances(batch, norm=norm, exclude_self=False)
    size = resolve_chunk_size(chunk_size, 1, points.shape[0], points.device)
    blocks = [distances.block(start, end) for start, end in iter_blocks(distances, size)]
    matrix = to_distance(torch.cat(blocks, dim=1)[0], norm)
    return matrix.fill_diagonal_(0)
