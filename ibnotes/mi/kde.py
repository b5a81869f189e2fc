"""Pairwise-distance bounds on the MI of a noisy layer (Kolchinsky and Tracey).

For a layer ``T = h(X) + N(0, noise_var * I)`` fed with ``n`` equally likely
inputs, T is a mixture of ``n`` Gaussians centred on the rows ``h_i``.
Kolchinsky and Tracey, "Estimating mixture entropy with pairwise
distances", Entropy 19, 361 (2017), bound the entropy of such a mixture by

    H(T) ~ H(T|X) - (1/n) sum_i log (1/n) sum_j exp(-D(p_i || p_j)),

an upper bound when D is the KL divergence, ``|h_i - h_j|^2 / (2 noise_var)``,
and a lower bound when D is the Bhattacharyya distance,
``|h_i - h_j|^2 / (8 noise_var)``. Because ``H(T|X)`` is known exactly,
the same sums bound I(X;T) = H(T) - H(T|X). Saxe et al. (ICLR 2018) used the
upper bound for information planes. Used by the information-plane chapters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import torch

from ibnotes.mi._distances import PairwiseDistances, iter_blocks, resolve_chunk_size
from ibnotes.mi._validate import as_labels, as_samples, to_float

Tensor = torch.Tensor
Bound = Literal["upper", "lower"]

__all__ = ["KDEEstimate", "kde_estimate", "kde_upper", "kde_lower", "kde_batch"]

# Divisor of |h_i - h_j|^2 / noise_var for each bound: KL divergence (2) and
# Bhattacharyya distance (8) between two Gaussians with covariance noise_var * I.
_DIVISORS = {"upper": 2.0, "lower": 8.0}


@dataclass(frozen=True)
class KDEEstimate:
    """Pairwise-distance estimates of one noisy layer, all in nats.

    Attributes:
        i_xt: bound on I(X;T).
        h_t: bound on H(T), that is ``i_xt + h_t_given_x``.
        h_t_given_x: exact H(T|X) = d/2 log(2 pi e noise_var).
        i_ty: H(T) - H(T|Y) from the same bound applied to the whole mixture
            and to each class's mixture, or None without labels. It is a
            difference of two bounds, so it is an estimate, not a bound.
        bound: ``"upper"`` (KL divergence) or ``"lower"`` (Bhattacharyya).
    """

    i_xt: float
    h_t: float
    h_t_given_x: float
    i_ty: float | None
    bound: str


def kde_estimate(
    h: Any,
    noise_var: float,
    labels: Any = None,
    bound: Bound = "upper",
    chunk_size: int | None = None,
) -> KDEEstimate:
    """Compute the pairwise-distance bounds of ``T = h + N(0, noise_var I)``.

    Args:
        h: noise-free layer activations ``[n, d]``, one row per input.
        noise_var: variance of the added Gaussian noise (> 0), in squared
            units of ``h``.
        labels: optional class labels ``[n]`` for I(T;Y).
        bound: ``"upper"`` or ``"lower"``.
        chunk_size: rows per distance block (``None``: automatic).

    Returns:
        A :class:`KDEEstimate`.

    Raises:
        ValueError: invalid ``h`` or labels, ``noise_var <= 0``, unknown bound.
    """
    h_tensor = as_samples(h, "h")
    classes = None
    if labels is not None:
        classes = as_labels(labels, h_tensor.shape[0])[0].to(h_tensor.device)[None]
    i_xt, i_ty = kde_batch(h_tensor[None], noise_var, classes, bound, chunk_size)

    dim = h_tensor.shape[1]
    h_t_given_x = 0.5 * dim * math.log(2 * math.pi * math.e * noise_var)
    return KDEEstimate(
        i_xt=float(i_xt[0]),
        h_t=float(i_xt[0]) + h_t_given_x,
        h_t_given_x=h_t_given_x,
        i_ty=None if i_ty is None else float(i_ty[0]),
        bound=bound,
    )


def kde_upper(
    h: Any,
    noise_var: float,
    labels: Any = None,
    chunk_size: int | None = None,
    return_tensor: bool = False,
) -> float | Tensor:
    """Return the KL (upper) bound in nats: on I(X;T) without labels, else H(T) - H(T|Y).

    See :func:`kde_estimate` for the arguments and for both values at once.
    The bound on I(X;T) is at most ``log n``.
    """
    return _kde_single(h, noise_var, labels, "upper", chunk_size, return_tensor)


def kde_lower(
    h: Any,
    noise_var: float,
    labels: Any = None,
    chunk_size: int | None = None,
    return_tensor: bool = False,
) -> float | Tensor:
    """Return the Bhattacharyya (lower) bound in nats, like :func:`kde_upper`."""
    return _kde_single(h, noise_var, labels, "lower", chunk_size, return_tensor)


def _kde_single(
    h: Any, noise_var: float, labels: Any, bound: Bound, chunk_size: int | None, return_tensor: bool
) -> float | Tensor:
    """Return I(X;T), or I(T;Y) when labels are given, as one value."""
    h_tensor = as_samples(h, "h")
    classes = None
    if labels is not None:
        classes = as_labels(labels, h_tensor.shape[0])[0].to(h_tensor.device)[None]
    i_xt, i_ty = kde_batch(h_tensor[None], noise_var, classes, bound, chunk_size)
    value = i_xt[0] if i_ty is None else i_ty[0]
    return to_float(value, return_tensor)


def kde_batch(
    h: Tensor,
    noise_var: float,
    classes: Tensor | None = None,
    bound: Bound = "upper",
    chunk_size: int | None = None,
) -> tuple[Tensor, Tensor | None]:
    """Compute the bounds for ``B`` validated layers ``h`` [B, n, d] at once.

    Args:
        classes: class indices ``[B, n]`` (0..C-1) or None.

    Returns:
        ``(i_xt, i_ty)``: tensors ``[B]`` in nats; ``i_ty`` is None without classes.
    """
    if bound not in _DIVISORS:
        raise ValueError(f"bound must be 'upper' or 'lower', got {bound!r}.")
    if not noise_var > 0:
        raise ValueError(
            f"noise_var must be positive, got {noise_var}; pass the variance of the added Gaussian noise."
        )

    batch, n, _ = h.shape
    scale = 1.0 / (_DIVISORS[bound] * noise_var)
    size = resolve_chunk_size(chunk_size, batch, n, h.device)
    distances = PairwiseDistances(h, "euclidean", exclude_self=False)

    log_mean_all = torch.empty(batch, n, dtype=h.dtype, device=h.device)
    log_mean_class = torch.empty_like(log_mean_all) if classes is not None else None
    for start, end in iter_blocks(distances, size):
        logits = distances.block(start, end).clamp_min_(0).mul_(-scale)
        log_mean_all[:, start:end] = logits.logsumexp(dim=-1) - math.log(n)
        if classes is not None:
            log_mean_class[:, start:end] = _class_log_mean(logits, classes, start, end)

    i_xt = -log_mean_all.mean(dim=1)
    if classes is None:
        return i_xt, None
    return i_xt, i_xt + log_mean_class.mean(dim=1)


def _class_log_mean(logits: Tensor, classes: Tensor, start: int, end: int) -> Tensor:
    """Return log of the mean of exp(logits) over each row's own class [B, m].

    The mean over all i of these values, weighted by class, equals
    sum_c p_c * (1/n_c) sum_{i in c} log mean_{j in c} exp(-D_ij).
    """
    same_class = classes[:, start:end, None] == classes[:, None, :]
    masked = logits.masked_fill(~same_class, float("-inf"))
    class_sizes = same_class.sum(dim=-1).to(logits.dtype)
    return masked.logsumexp(dim=-1) - class_sizes.log()
