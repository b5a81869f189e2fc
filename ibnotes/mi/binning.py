"""Plug-in (binning) estimators of entropy and mutual information.

The information-plane papers (Shwartz-Ziv and Tishby, 2017; Saxe et al.,
ICLR 2018) discretise each unit's activation into equal-width bins. The
pattern of bin indices of a whole layer is one discrete symbol, and the
symbol frequencies go into Shannon's formula. The plug-in entropy is biased
low by about ``(m - 1) / (2n)`` nats for ``m`` occupied cells, and the
Miller-Madow correction adds that term back. Used by the information-plane
chapters.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch

from ibnotes.mi._validate import as_labels, as_pair, as_samples, to_float

Tensor = torch.Tensor
BinRange = tuple[float, float] | Literal["data", "column"]

__all__ = ["binning", "binned_entropy", "discrete_entropy", "discretize", "entropy_from_counts"]


def discretize(x: Tensor, bins: int = 30, bin_range: BinRange = "data") -> Tensor:
    """Map each value of ``x`` [n, d] to its bin index in ``0..bins-1`` (int64 [n, d]).

    Args:
        x: samples ``[n, d]``.
        bins: number of equal-width bins per unit.
        bin_range: ``"data"`` uses one range for all units, from the min to
            the max of ``x``, as the information-plane papers do for a layer.
            ``"column"`` uses each column's own min and max. A tuple
            ``(low, high)`` fixes the range, e.g. ``(-1, 1)`` for tanh units.
            Values outside a fixed range fall into the first or last bin.

    Raises:
        ValueError: ``bins < 1`` or an empty fixed range.
    """
    if bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins}.")
    low, high = _range_bounds(x, bin_range)
    width = (high - low) / bins
    width = torch.where(width > 0, width, torch.ones_like(width))
    indices = torch.floor((x - low) / width).long()
    return indices.clamp_(0, bins - 1)


def _range_bounds(x: Tensor, bin_range: BinRange) -> tuple[Tensor, Tensor]:
    """Return the lower and upper bin edges, broadcastable to ``x`` [n, d]."""
    if bin_range == "data":
        return x.min(), x.max()
    if bin_range == "column":
        return x.amin(dim=0), x.amax(dim=0)
    if isinstance(bin_range, str):
        raise ValueError(f"bin_range must be 'data', 'column' or a (low, high) tuple, got {bin_range!r}.")
    low, high = bin_range
    if not high > low:
        raise ValueError(f"bin_range must have high > low, got {bin_range!r}.")
    return torch.tensor(low, dtype=x.dtype, device=x.device), torch.tensor(high, dtype=x.dtype, device=x.device)


def entropy_from_counts(counts: Tensor, bias_correction: bool = False) -> Tensor:
    """Return the plug-in entropy in nats (0-d tensor) of symbol ``counts`` [m].

    With ``bias_correction`` the Miller-Madow term ``(m - 1) / (2n)`` is
    added, where ``m`` is the number of non-zero counts.
    """
    counts = counts[counts > 0].double()
    total = counts.sum()
    probabilities = counts / total
    entropy = -(probabilities * probabilities.log()).sum()
    if bias_correction:
        entropy = entropy + (counts.numel() - 1) / (2 * total)
    return entropy


def _symbols(indices: Tensor) -> Tensor:
    """Return one integer symbol [n] per row of ``indices`` [n, d]."""
    return torch.unique(indices, dim=0, return_inverse=True)[1]


def discrete_entropy(symbols: Any, bias_correction: bool = False, return_tensor: bool = False) -> float | Tensor:
    """Estimate the Shannon entropy in nats of discrete samples.

    Args:
        symbols: ``[n]`` labels (integers, bools or strings) or ``[n, d]``
            integer rows, each row being one symbol.
        bias_correction: add the Miller-Madow term.
        return_tensor: return a 0-d tensor instead of a float.

    Raises:
        ValueError: empty input or non-integer float values.
    """
    codes = _as_symbols(symbols, "symbols")
    value = entropy_from_counts(torch.bincount(codes), bias_correction)
    return to_float(value, return_tensor)


def _as_symbols(values: Any, name: str) -> Tensor:
    """Convert discrete values [n] or integer rows [n, d] to symbols 0..m-1 [n]."""
    if isinstance(values, Tensor):
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"{name} is empty or a scalar; pass [n] labels or [n, d] integer rows.")
    if array.ndim == 2 and array.shape[1] > 1:
        if array.dtype.kind not in "biu":
            raise ValueError(
                f"{name} rows must be integers, got dtype {array.dtype}; discretise them first, e.g. with discretize()."
            )
        return _symbols(torch.from_numpy(array.astype(np.int64)))
    return as_labels(array, array.shape[0], name)[0]


def binned_entropy(
    x: Any,
    bins: int = 30,
    bin_range: BinRange = "data",
    bias_correction: bool = False,
    return_tensor: bool = False,
) -> float | Tensor:
    """Estimate H of the binned layer ``x`` [n, d] in nats.

    For a deterministic network fed with ``n`` distinct inputs, this is the
    binning estimate of I(X;T) of the information-plane papers. It cannot
    exceed ``log n``.

    Raises:
        ValueError: invalid ``x`` or binning arguments.
    """
    x_tensor = as_samples(x, "x")
    codes = _symbols(discretize(x_tensor, bins, bin_range))
    value = entropy_from_counts(torch.bincount(codes), bias_correction)
    return to_float(value, return_tensor)


def binning(
    x: Any,
    y: Any,
    bins: int = 30,
    bin_range: BinRange = "data",
    y_discrete: bool | None = None,
    bias_correction: bool = False,
    return_tensor: bool = False,
) -> float | Tensor:
    """Estimate I(X;Y) in nats by binning: H(X_b) + H(Y_b) - H(X_b, Y_b).

    ``x`` is always binned. ``y`` is used as class labels when it is
    discrete, else binned like ``x`` with its own range. The estimate
    depends strongly on ``bins`` and changes under nonlinear maps. With
    ``bin_range="data"`` it is invariant to one affine map applied to all
    columns of X.

    Args:
        x: continuous samples ``[n, dx]`` or ``[n]``.
        y: ``[n]`` labels or ``[n, dy]`` samples.
        bins: bins per unit.
        bin_range: see :func:`discretize`; applied to ``x`` and, if binned, ``y``.
        y_discrete: treat ``y`` as labels; ``None`` decides from its dtype
            (integer, bool or string means discrete).
        bias_correction: apply the Miller-Madow correction to each entropy.
        return_tensor: return a 0-d tensor instead of a float.

    Returns:
        The estimate in nats, between 0 and ``min(H(X_b), H(Y_b))`` without
        bias correction.

    Raises:
        ValueError: invalid inputs, different n, or invalid binning arguments.
    """
    if y_discrete is None:
        y_discrete = _is_discrete(y)
    if y_discrete:
        x_tensor = as_samples(x, "x")
        y_codes = as_labels(y, x_tensor.shape[0], "y")[0].to(x_tensor.device)
    else:
        x_tensor, y_tensor = as_pair(x, y)
        y_codes = _symbols(discretize(y_tensor, bins, bin_range))
    x_codes = _symbols(discretize(x_tensor, bins, bin_range))

    value = _mutual_information_of_codes(x_codes, y_codes, bias_correction)
    return to_float(value, return_tensor)


def _is_discrete(values: Any) -> bool:
    """Return whether ``values`` has an integer, bool or string dtype."""
    if isinstance(values, Tensor):
        return not (values.is_floating_point() or values.is_complex())
    return np.asarray(values).dtype.kind in "biuUSO"


def _mutual_information_of_codes(x_codes: Tensor, y_codes: Tensor, bias_correction: bool) -> Tensor:
    """Return H(X) + H(Y) - H(X, Y) in nats for symbol vectors [n]."""
    joint_codes = x_codes * (int(y_codes.max()) + 1) + y_codes
    entropies = [
        entropy_from_counts(torch.unique(codes, return_counts=True)[1], bias_correction)
        for codes in (x_codes, y_codes, joint_codes)
    ]
    return entropies[0] + entropies[1] - entropies[2]
