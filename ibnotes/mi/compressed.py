"""MI estimation on compressed representations (Butakov et al., ICLR 2024).

kNN estimators degrade quickly with dimension. Butakov et al., "Information
bottleneck analysis of deep neural networks via lossy compression", compress
each high-dimensional variable to a few dimensions first and estimate on the
codes. By the data-processing inequality I(f(X); g(Y)) <= I(X;Y), so the
estimate on codes is a lower bound up to the error of the estimator itself.
Used by the information-plane chapter on compression.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import torch
from torch import nn

from ibnotes.mi._validate import as_pair, as_samples, check_no_constant_columns, standardize_columns

Tensor = torch.Tensor
Compressor = Literal["pca", "autoencoder"]

logger = logging.getLogger(__name__)

__all__ = ["compressed", "compress", "pca_codes", "autoencoder_codes"]


def pca_codes(x: Tensor, dim: int) -> Tensor:
    """Project ``x`` [n, d] on its first ``dim`` principal components, returning ``[n, dim]``."""
    centred = x - x.mean(dim=0, keepdim=True)
    _, _, right = torch.linalg.svd(centred, full_matrices=False)
    return centred @ right[:dim].T


def autoencoder_codes(
    x: Tensor,
    dim: int,
    hidden: int = 128,
    steps: int = 2000,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> Tensor:
    """Train a small MLP autoencoder on ``x`` [n, d] and return its codes ``[n, dim]``.

    The encoder is ``d -> hidden -> hidden -> dim`` and the decoder mirrors
    it; the loss is the mean squared reconstruction error of standardised
    columns. The global torch random state is left unchanged.

    Raises:
        ValueError: ``steps < 1``, or a constant column in ``x`` (it cannot be
            standardised and would make every code NaN).
    """
    if steps < 1:
        raise ValueError(f"steps must be a positive number of training steps, got {steps}.")
    check_no_constant_columns(x, "x")
    data = standardize_columns(x).float()
    fork_devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(seed)
        encoder = _mlp(x.shape[1], hidden, dim).to(x.device)
        decoder = _mlp(dim, hidden, x.shape[1]).to(x.device)
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=learning_rate)
        size = min(batch_size, data.shape[0])
        for _ in range(steps):
            batch = data[torch.randint(data.shape[0], (size,), generator=generator).to(x.device)]
            loss = (decoder(encoder(batch)) - batch).square().mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    logger.debug("autoencoder reconstruction MSE %.4f after %d steps", float(loss.detach()), steps)
    with torch.no_grad():
        return encoder(data).to(x.dtype)


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    """Two-hidden-layer ReLU MLP."""
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, outputs)
    )


def compress(x: Any, dim: int, compressor: Compressor = "pca", seed: int = 0, **options: Any) -> Tensor:
    """Return codes ``[n, dim]`` of ``x`` [n, d], or ``x`` itself when ``d <= dim``.

    Raises:
        ValueError: invalid ``x``, ``dim < 1`` or unknown compressor.
    """
    x_tensor = as_samples(x, "x")
    if dim < 1:
        raise ValueError(f"dim must be a positive number of code dimensions, got {dim}.")
    if x_tensor.shape[1] <= dim:
        return x_tensor
    if compressor == "pca":
        return pca_codes(x_tensor, dim)
    if compressor == "autoencoder":
        return autoencoder_codes(x_tensor, dim, seed=seed, **options)
    raise ValueError(f"compressor must be 'pca' or 'autoencoder', got {compressor!r}.")


def compressed(
    x: Any,
    y: Any,
    dim: int = 4,
    compressor: Compressor = "pca",
    method: str = "ksg",
    y_discrete: bool = False,
    seed: int = 0,
    compressor_options: dict[str, Any] | None = None,
    **options: Any,
) -> float | Tensor:
    """Estimate I(X;Y) in nats on low-dimensional codes of X and Y.

    Each variable with more than ``dim`` columns is compressed to ``dim``;
    class labels (``y_discrete=True``) are passed through unchanged.

    Args:
        x: samples ``[n, dx]``.
        y: samples ``[n, dy]`` or labels ``[n]``.
        dim: code dimension per variable.
        compressor: ``"pca"`` or ``"autoencoder"``.
        method: any method of :func:`ibnotes.mi.mutual_information`.
        y_discrete: treat ``y`` as labels and leave it uncompressed.
        seed: seed of the autoencoder.
        compressor_options: keyword arguments of :func:`autoencoder_codes`.
        **options: passed to the estimator, e.g. ``k=5``.

    Raises:
        ValueError: invalid inputs, compressor or method.
    """
    from ibnotes.mi import mutual_information

    extra = compressor_options or {}
    if y_discrete:
        x_codes = compress(x, dim, compressor, seed, **extra)
        return mutual_information(x_codes, y, method=method, **options)

    x_tensor, y_tensor = as_pair(x, y)
    x_codes = compress(x_tensor, dim, compressor, seed, **extra)
    y_codes = compress(y_tensor, dim, compressor, seed + 1, **extra)
    return mutual_information(x_codes, y_codes, method=method, **options)
