"""Closed-form mutual information of jointly Gaussian variables.

I(X;Y) = 0.5 * (log det S_xx + log det S_yy - log det S), where S is the
joint covariance. It equals -0.5 * sum_i log(1 - rho_i^2) over the canonical
correlations rho_i (CCA). It is exact for jointly Gaussian data. For other
data it measures only linear dependence, and it can lie far above or below
the true MI. Used by the estimator chapter and as the reference value of the
benchmark tasks.
"""

from __future__ import annotations

from typing import Any

import torch

from ibnotes.mi._validate import as_pair, check_no_constant_columns, standardize_columns, to_float

Tensor = torch.Tensor

__all__ = ["gaussian", "gaussian_mi_from_covariance"]


def gaussian(x: Any, y: Any, ridge: float = 0.0, return_tensor: bool = False) -> float | Tensor:
    """Estimate I(X;Y) in nats assuming (X, Y) is jointly Gaussian.

    The sample correlation matrix (covariance of standardised columns) is
    plugged into the log-determinant formula, so the estimate is invariant to
    per-column affine maps. Differentiable with respect to ``x`` and ``y``.

    Args:
        x: samples ``[n, dx]`` or ``[n]``.
        y: samples ``[n, dy]`` or ``[n]``.
        ridge: added to the diagonal of the correlation matrix before the
            log-determinants. Use about 1e-6 to 1e-3 when columns are
            (nearly) collinear or ``n`` is close to ``dx + dy``.
        return_tensor: return a 0-d tensor instead of a float.

    Returns:
        The estimate in nats.

    Raises:
        ValueError: invalid input, constant columns, ``n <= dx + dy``
            without a ridge, or a singular correlation matrix.
    """
    x_tensor, y_tensor = as_pair(x, y)
    check_no_constant_columns(x_tensor, "x")
    check_no_constant_columns(y_tensor, "y")
    n, dx = x_tensor.shape
    dy = y_tensor.shape[1]
    if n <= dx + dy and ridge <= 0:
        raise ValueError(
            f"n={n} samples cannot give a full-rank covariance in dx + dy = {dx + dy} dimensions; "
            f"use more samples or pass ridge > 0 (e.g. ridge=1e-3)."
        )

    joint = standardize_columns(torch.cat([x_tensor, y_tensor], dim=1))
    correlation = joint.T @ joint / (n - 1)
    value = gaussian_mi_from_covariance(correlation, dx, ridge)
    return to_float(value, return_tensor)


def gaussian_mi_from_covariance(covariance: Tensor, dx: int, ridge: float = 0.0) -> Tensor:
    """Return I(X;Y) in nats (0-d tensor) of a Gaussian with joint ``covariance``.

    Args:
        covariance: ``[dx + dy, dx + dy]`` symmetric positive definite matrix,
            X first.
        dx: number of X dimensions.
        ridge: added to the diagonal before the log-determinants.

    Raises:
        ValueError: the matrix (plus ridge) is not positive definite.
    """
    if ridge > 0:
        identity = torch.eye(covariance.shape[0], dtype=covariance.dtype, device=covariance.device)
        covariance = covariance + ridge * identity
    joint = _logdet(covariance, "joint covariance")
    marginal_x = _logdet(covariance[:dx, :dx], "covariance of x")
    marginal_y = _logdet(covariance[dx:, dx:], "covariance of y")
    return 0.5 * (marginal_x + marginal_y - joint)


def _logdet(matrix: Tensor, name: str) -> Tensor:
    """Log-determinant through a Cholesky factor, with a clear error if singular."""
    factor, info = torch.linalg.cholesky_ex(matrix)
    if int(info) != 0:
        raise ValueError(
            f"the {name} is singular or not positive definite (collinear columns?); "
            f"pass ridge > 0 (e.g. ridge=1e-3) or drop redundant columns."
        )
    return 2 * factor.diagonal().log().sum()
