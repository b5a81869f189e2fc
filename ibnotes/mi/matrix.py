"""Kernel estimators: matrix-based Renyi entropy and Cauchy-Schwarz QMI.

* Matrix-based Renyi alpha-entropy of Giraldo, Rao and Principe,
  "Measures of entropy from data using infinitely divisible kernels",
  IEEE Trans. Inf. Theory 61 (2015): with a Gram matrix ``K`` normalised to
  unit trace, ``A = K / tr(K)``, S_alpha(A) = log(sum_i lambda_i(A)^alpha) / (1 - alpha).
  The joint entropy uses the Hadamard product ``A_x * A_y`` renormalised to
  unit trace, and I_alpha = S(A_x) + S(A_y) - S(A_xy).
* Cauchy-Schwarz quadratic MI (Principe, "Information Theoretic Learning",
  2010) with Gaussian Parzen kernels:
  I_CS = log(V_joint) + log(V_marginals) - 2 log(V_cross) >= 0.

All values are in nats (natural logarithm; Giraldo et al. use log2, so divide
by log 2 for bits). Everything is differentiable in torch, so these serve as
losses (Cauchy-Schwarz IB chapter). The whole ``n x n`` Gram matrix is
built, because the eigenvalues need it: use ``n`` up to a few thousand.
"""

from __future__ import annotations

from typing import Any

import torch

from ibnotes.mi._validate import as_pair, as_samples, to_float

Tensor = torch.Tensor
Sigma = float | Tensor | None

__all__ = ["gram_matrix", "median_sigma", "renyi_entropy", "renyi_mi", "cs_qmi", "cs_qmi_from_grams"]

# Eigenvalues of a unit-trace Gram matrix are clamped to this floor, because
# rounding makes tiny ones negative and lambda^alpha has an infinite
# gradient at zero for alpha < 1.
_EIGENVALUE_FLOOR = 1e-12


def _squared_distances(x: Tensor) -> Tensor:
    """Squared Euclidean distances [n, n], with a gradient that is finite everywhere.

    Built from inner products instead of ``torch.cdist``, whose square root
    has no finite gradient at the zero diagonal.
    """
    centred = x - x.mean(dim=0, keepdim=True)
    squared_norms = centred.square().sum(dim=1)
    distances = squared_norms[:, None] + squared_norms[None, :] - 2 * centred @ centred.T
    return distances.clamp_min(0)


def median_sigma(x: Tensor) -> Tensor:
    """Median heuristic: the median pairwise distance of ``x`` [n, d], detached (0-d)."""
    with torch.no_grad():
        distances = torch.cdist(x, x)
        upper = torch.triu_indices(x.shape[0], x.shape[0], offset=1, device=x.device)
        median = distances[upper[0], upper[1]].median()
    return median.clamp_min(torch.finfo(x.dtype).eps)


def gram_matrix(x: Tensor, sigma: Sigma = None) -> Tensor:
    """Gaussian Gram matrix ``exp(-|x_i - x_j|^2 / (2 sigma^2))`` [n, n] of ``x`` [n, d].

    ``sigma`` None uses :func:`median_sigma`.
    """
    if sigma is None:
        sigma = median_sigma(x)
    _check_sigma(sigma)
    return torch.exp(-_squared_distances(x) / (2 * torch.as_tensor(sigma, dtype=x.dtype, device=x.device) ** 2))


def _check_sigma(sigma: float | Tensor) -> None:
    """Raise ValueError unless the kernel width is positive."""
    if not float(sigma) > 0:
        raise ValueError(f"sigma must be a positive kernel width, got {float(sigma)}.")


def _renyi_of_matrix(normalised: Tensor, alpha: float) -> Tensor:
    """S_alpha in nats (0-d) of a unit-trace positive semi-definite matrix."""
    eigenvalues = torch.linalg.eigvalsh(normalised).clamp_min(_EIGENVALUE_FLOOR)
    if abs(alpha - 1.0) < 1e-9:
        return -(eigenvalues * eigenvalues.log()).sum()
    return torch.log(eigenvalues.pow(alpha).sum()) / (1.0 - alpha)


def _check_alpha(alpha: float) -> None:
    """Raise ValueError unless alpha > 0."""
    if not alpha > 0:
        raise ValueError(f"alpha must be positive (alpha = 1 is the Shannon limit), got {alpha}.")


def renyi_entropy(x: Any, alpha: float = 1.01, sigma: Sigma = None, return_tensor: bool = False) -> float | Tensor:
    """Matrix-based Renyi alpha-entropy of ``x`` [n, d] in nats.

    It lies between 0 and ``log n``. ``alpha = 1`` gives the von Neumann
    (Shannon-like) limit. Values depend on ``sigma``, so compare only
    estimates made with the same kernel width.

    Raises:
        ValueError: invalid ``x``, ``alpha <= 0`` or ``sigma <= 0``.
    """
    _check_alpha(alpha)
    x_tensor = as_samples(x, "x")
    gram = gram_matrix(x_tensor, sigma)
    value = _renyi_of_matrix(gram / gram.trace(), alpha)
    return to_float(value, return_tensor)


def renyi_mi(
    x: Any,
    y: Any,
    alpha: float = 1.01,
    sigma: Sigma | tuple[Sigma, Sigma] = None,
    return_tensor: bool = False,
) -> float | Tensor:
    """Matrix-based Renyi alpha-order MI in nats: S(A_x) + S(A_y) - S(A_xy).

    Args:
        x: samples ``[n, dx]`` (a tensor with ``requires_grad`` keeps the graph).
        y: samples ``[n, dy]``.
        alpha: Renyi order (> 0); 1.01 is a common choice near Shannon.
        sigma: kernel width, or a ``(sigma_x, sigma_y)`` pair; None is the
            median heuristic per variable.
        return_tensor: return a differentiable 0-d tensor instead of a float.

    Raises:
        ValueError: invalid inputs, ``alpha <= 0`` or ``sigma <= 0``.
    """
    _check_alpha(alpha)
    x_tensor, y_tensor = as_pair(x, y)
    sigma_x, sigma_y = sigma if isinstance(sigma, tuple) else (sigma, sigma)
    gram_x = gram_matrix(x_tensor, sigma_x)
    gram_y = gram_matrix(y_tensor, sigma_y)
    joint = gram_x * gram_y

    value = (
        _renyi_of_matrix(gram_x / gram_x.trace(), alpha)
        + _renyi_of_matrix(gram_y / gram_y.trace(), alpha)
        - _renyi_of_matrix(joint / joint.trace(), alpha)
    )
    return to_float(value, return_tensor)


def cs_qmi(x: Any, y: Any, sigma: Sigma | tuple[Sigma, Sigma] = None, return_tensor: bool = False) -> float | Tensor:
    """Cauchy-Schwarz quadratic MI in nats with Gaussian kernels.

    With Gram matrices ``Kx``, ``Ky`` [n, n]:
    V_joint = mean(Kx * Ky), V_marginals = mean(Kx) * mean(Ky),
    V_cross = mean_i(mean_j Kx_ij * mean_j Ky_ij), and
    I_CS = log V_joint + log V_marginals - 2 log V_cross, which is >= 0 and
    zero when the kernel-smoothed joint density factorises.

    Args:
        x: samples ``[n, dx]``.
        y: samples ``[n, dy]``.
        sigma: kernel width, a ``(sigma_x, sigma_y)`` pair, or None for the
            median heuristic per variable.
        return_tensor: return a differentiable 0-d tensor instead of a float.

    Raises:
        ValueError: invalid inputs or ``sigma <= 0``.
    """
    x_tensor, y_tensor = as_pair(x, y)
    sigma_x, sigma_y = sigma if isinstance(sigma, tuple) else (sigma, sigma)
    gram_x = gram_matrix(x_tensor, sigma_x)
    gram_y = gram_matrix(y_tensor, sigma_y)

    return to_float(cs_qmi_from_grams(gram_x, gram_y), return_tensor)


def cs_qmi_from_grams(gram_x: Tensor, gram_y: Tensor) -> Tensor:
    """Cauchy-Schwarz quadratic MI in nats (0-d tensor) from two Gram matrices [n, n].

    The formula of :func:`cs_qmi`, for callers that reuse Gram matrices, such
    as the normalised CS-QMI loss that needs I(x;t), I(x;x) and I(t;t) of one
    batch (``ibnotes.losses.normalised_cs_qmi``).
    """
    if gram_x.shape != gram_y.shape or gram_x.ndim != 2 or gram_x.shape[0] != gram_x.shape[1]:
        raise ValueError(
            f"gram_x and gram_y must be square matrices of one shape, got {tuple(gram_x.shape)} "
            f"and {tuple(gram_y.shape)}"
        )
    joint = (gram_x * gram_y).mean()
    marginals = gram_x.mean() * gram_y.mean()
    cross = (gram_x.mean(dim=1) * gram_y.mean(dim=1)).mean()
    return joint.log() + marginals.log() - 2 * cross.log()
