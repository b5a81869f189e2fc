"""Information Bottleneck objectives.

Used by: 01-foundations/02-deep-vib (``gaussian_kl``, ``vib_loss``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def gaussian_kl(mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, diag(std^2)) || N(0, I)) in nats, in closed form.

    Args:
        mean: [batch, k] means.
        std: [batch, k] standard deviations, positive.

    Returns:
        [batch] KL divergence of each row, summed over the k dimensions.
    """
    if mean.shape != std.shape:
        raise ValueError(f"mean and std must have one shape, got {tuple(mean.shape)} and {tuple(std.shape)}")
    if (std <= 0).any():
        raise ValueError("std must be positive: pass softplus(raw) + a small constant")
    var = std.pow(2)
    return 0.5 * (var + mean.pow(2) - 1.0 - var.log()).sum(dim=-1)


def vib_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mean: torch.Tensor,
    std: torch.Tensor,
    beta: float,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Deep VIB objective: cross-entropy + beta * KL(p(z|x) || N(0, I)).

    Args:
        logits: [samples, batch, classes] decoder outputs for samples of z.
        targets: [batch] class indices.
        mean, std: [batch, k] parameters of p(z|x).
        beta: weight of the rate term, at least 0.

    Returns:
        The loss to minimise, and the batch means of ``cross_entropy`` and
        ``rate`` (both in nats) as floats.
    """
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got {beta}")
    samples = logits.shape[0]
    cross_entropy = F.cross_entropy(logits.flatten(0, 1), targets.repeat(samples))
    rate = gaussian_kl(mean, std).mean()
    loss = cross_entropy + beta * rate
    return loss, {"cross_entropy": cross_entropy.item(), "rate": rate.item()}
