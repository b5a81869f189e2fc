"""Model building blocks shared by chapters.

Used by: 01-foundations/02-deep-vib (``mlp``, ``GaussianEncoder``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.distributions import Normal


def mlp(
    in_dim: int,
    hidden: Sequence[int],
    out_dim: int,
    activation: type[nn.Module] = nn.ReLU,
) -> nn.Sequential:
    """Build a multilayer perceptron ``in_dim -> hidden... -> out_dim``.

    The last layer is linear, with no activation after it.
    """
    sizes = [in_dim, *hidden, out_dim]
    if any(int(s) < 1 for s in sizes):
        raise ValueError(f"layer sizes must be positive integers, got {sizes}")

    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class GaussianEncoder(nn.Module):
    """Stochastic encoder p(z|x) = N(mean(x), diag(std(x)^2)).

    An MLP maps x [batch, in_dim] to 2 * latent_dim numbers: the mean and a
    pre-activation of the standard deviation. As in Alemi et al. (2017), the
    standard deviation is ``softplus(s - 5)``, which starts small so that
    training begins close to a deterministic network.

    Args:
        in_dim: input features.
        hidden: hidden layer widths of the MLP.
        latent_dim: dimension K of the code z.
        std_shift: subtracted before the softplus.
    """

    def __init__(self, in_dim: int, hidden: Sequence[int], latent_dim: int, std_shift: float = 5.0):
        super().__init__()
        self.latent_dim = latent_dim
        self.std_shift = std_shift
        self.net = mlp(in_dim, hidden, 2 * latent_dim)

    def forward(self, x: torch.Tensor) -> Normal:
        """Return p(z|x) as a batch of diagonal Gaussians, shape [batch, latent_dim]."""
        mean, pre_std = self.net(x).chunk(2, dim=-1)
        std = nn.functional.softplus(pre_std - self.std_shift) + 1e-6
        return Normal(mean, std)


class VIBClassifier(nn.Module):
    """Gaussian encoder followed by a decoder q(y|z), as in deep VIB.

    ``forward`` returns the class logits [samples, batch, classes] for
    ``samples`` draws of z (reparameterised), and the encoder distribution.
    With ``samples=0`` the decoder reads the mean of z, which makes the model
    deterministic at test time.
    """

    def __init__(self, encoder: GaussianEncoder, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x: torch.Tensor, samples: int = 1) -> tuple[torch.Tensor, Normal]:
        posterior = self.encoder(x)
        if samples == 0:
            z = posterior.mean.unsqueeze(0)
        else:
            z = posterior.rsample((samples,))  # [samples, batch, latent_dim]
        return self.decoder(z), posterior
