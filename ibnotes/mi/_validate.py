"""Input validation and conversion shared by the MI estimators.

Every estimator converts its inputs here, so the rules are the same everywhere:

* Samples are ``[n, d]``; a 1-D input of length ``n`` is one column ``[n, 1]``.
* numpy arrays and Python sequences become float64 tensors on the CPU.
* A floating tensor keeps its dtype (float64 or float32) and its device.
  float16 and bfloat16 are upcast to float32, because sums of ``n`` terms in
  half precision lose most of their digits. Integer and bool tensors become
  float64 on the CPU and float32 on other devices.
* Strings, objects and complex numbers are rejected with a ValueError.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch

Tensor = torch.Tensor

# Jitter for ties, in units of each column's standard deviation. Above two
# columns, squared Euclidean distances come from a matrix product, which
# resolves differences only down to about sqrt(eps) times the data scale, so
# the jitter is 10 * sqrt(eps). Up to two columns, distances come from exact
# coordinate differences, and 100 * eps separates repeated points.
_JITTER_SQRT_FACTOR = 10.0
_JITTER_EPS_FACTOR = 100.0
_EXACT_DISTANCE_MAX_COLUMNS = 2


def as_samples(value: Any, name: str) -> Tensor:
    """Convert ``value`` to a floating tensor of shape ``[n, d]``.

    Args:
        value: torch tensor, numpy array or nested sequence, 1-D or 2-D.
        name: argument name used in error messages.

    Returns:
        Tensor ``[n, d]`` with the dtype and device rule of this module.

    Raises:
        ValueError: non-numeric dtype, wrong number of dimensions, no
            samples, or NaN/inf values.
    """
    tensor = _to_tensor(value, name)
    if tensor.ndim == 1:
        tensor = tensor[:, None]
    if tensor.ndim != 2:
        raise ValueError(
            f"{name} must be 1-D [n] or 2-D [n, d], got shape {tuple(tensor.shape)}; "
            f"flatten the feature dimensions, e.g. {name}.reshape(len({name}), -1)."
        )
    if tensor.shape[0] == 0 or tensor.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(tensor.shape)}); pass at least one sample and one column.")
    check_finite(tensor, name)
    return tensor


def _to_tensor(value: Any, name: str) -> Tensor:
    """Convert to a floating tensor, keeping a tensor's device."""
    if isinstance(value, Tensor):
        return _float_tensor(value, name)

    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} has non-numeric dtype {array.dtype}; MI estimators need real numbers, "
            f"so encode strings or categories as integers first (e.g. with numpy.unique(..., return_inverse=True))."
        )
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def _float_tensor(tensor: Tensor, name: str) -> Tensor:
    """Apply the dtype rule of this module to a tensor."""
    if tensor.is_complex():
        raise ValueError(f"{name} is complex ({tensor.dtype}); pass the real and imaginary parts as separate columns.")
    if tensor.dtype in (torch.float64, torch.float32):
        return tensor
    if tensor.dtype in (torch.float16, torch.bfloat16):
        return tensor.float()
    if tensor.device.type == "cpu":
        return tensor.double()
    return tensor.float()


def check_finite(tensor: Tensor, name: str) -> None:
    """Raise ValueError if ``tensor`` contains NaN or inf."""
    bad = ~torch.isfinite(tensor)
    if bool(bad.any()):
        rows = torch.nonzero(bad.any(dim=-1)).flatten()[:5].tolist()
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or inf values (first rows: {rows}); "
            f"drop or impute those rows before estimating."
        )


def check_same_length(x: Tensor, y: Tensor, names: tuple[str, str] = ("x", "y")) -> None:
    """Raise ValueError unless ``x`` and ``y`` have the same number of samples."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"{names[0]} has {x.shape[0]} samples but {names[1]} has {y.shape[0]}; "
            f"both must be paired samples with the same first dimension n."
        )


def check_enough_samples(n: int, k: int, name: str = "x") -> None:
    """Raise ValueError unless ``n > k`` and ``k >= 1``, as kNN estimators need."""
    if k < 1:
        raise ValueError(f"k must be a positive integer, got k={k}.")
    if n <= k:
        raise ValueError(
            f"{name} has n={n} samples, but k={k} nearest neighbours need n > k; "
            f"use more samples or a smaller k."
        )


def check_no_constant_columns(tensor: Tensor, name: str) -> None:
    """Raise ValueError if a column of ``tensor`` [n, d] has a single value."""
    spread = tensor.amax(dim=0) - tensor.amin(dim=0)
    constant = torch.nonzero(spread == 0).flatten().tolist()
    if constant:
        raise ValueError(
            f"{name} has constant columns {constant[:10]}; a constant carries no information and "
            f"breaks standardisation, so drop it, e.g. {name}[:, {name}.std(0) > 0]."
        )


def as_pair(x: Any, y: Any, names: tuple[str, str] = ("x", "y")) -> tuple[Tensor, Tensor]:
    """Validate paired samples and return them as ``[n, dx]`` and ``[n, dy]`` tensors.

    When only one argument is a torch tensor, the other (numpy) moves to its
    device and dtype. Two tensors must share a device and get the promoted
    dtype of the two.

    Raises:
        ValueError: the checks of :func:`as_samples`, different n, or two
            tensors on different devices.
    """
    x_tensor = as_samples(x, names[0])
    y_tensor = as_samples(y, names[1])
    check_same_length(x_tensor, y_tensor, names)

    if isinstance(x, Tensor) and isinstance(y, Tensor):
        if x_tensor.device != y_tensor.device:
            raise ValueError(
                f"{names[0]} is on {x_tensor.device} but {names[1]} is on {y_tensor.device}; "
                f"move both to one device."
            )
        dtype = torch.promote_types(x_tensor.dtype, y_tensor.dtype)
        return x_tensor.to(dtype), y_tensor.to(dtype)
    if isinstance(y, Tensor):
        return x_tensor.to(y_tensor.device, y_tensor.dtype), y_tensor
    return x_tensor, y_tensor.to(x_tensor.device, x_tensor.dtype)


def as_labels(labels: Any, n: int, name: str = "labels") -> tuple[Tensor, int]:
    """Convert discrete labels to class indices ``0..C-1``.

    Args:
        labels: ``[n]`` integers, bools or strings (any values numpy can
            compare), or a ``[n, 1]`` column.
        n: expected number of samples.

    Returns:
        ``(indices, num_classes)``: an int64 CPU tensor ``[n]`` and C.

    Raises:
        ValueError: wrong length or shape, or floating values that are not
            whole numbers (continuous data passed as labels).
    """
    if isinstance(labels, Tensor):
        labels = labels.detach().cpu().numpy()
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D [n] class labels, got shape {array.shape}.")
    if array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} entries but the samples have n={n}; pass one label per sample.")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array) & (array == np.round(array))):
        raise ValueError(
            f"{name} has non-integer float values, so it looks continuous; pass class labels "
            f"as integers, or use a continuous estimator such as method='ksg'."
        )
    _, inverse = np.unique(array, return_inverse=True)
    indices = torch.from_numpy(inverse.reshape(-1).astype(np.int64))
    return indices, int(indices.max()) + 1


def standardize_columns(tensor: Tensor) -> Tensor:
    """Return ``tensor`` [..., n, d] with each column at zero mean and unit std."""
    mean = tensor.mean(dim=-2, keepdim=True)
    std = tensor.std(dim=-2, keepdim=True)
    return (tensor - mean) / std


def count_repeated_rows(tensor: Tensor) -> int:
    """Return how many rows of ``tensor`` [n, d] repeat an earlier row."""
    unique_rows = torch.unique(tensor, dim=0)
    return tensor.shape[0] - unique_rows.shape[0]


def jitter_ties(
    tensor: Tensor, name: str, seed: int = 0, stacklevel: int = 3, compute_dtype: torch.dtype | None = None
) -> Tensor:
    """Break repeated samples by adding tiny Gaussian noise, with a warning.

    kNN estimators assume no two samples are at distance zero, which fails
    when a row repeats (discrete or quantised data). Following Kraskov et al.
    (2004), such data gets a low-amplitude noise per column, where ``eps``
    is the machine epsilon of ``compute_dtype`` (default: the tensor's dtype),
    the precision the distances are computed in. Up to two columns it is
    ``100 * eps * std`` (1.2e-5 std for float32), since distances there come
    from exact differences; above two it is ``10 * sqrt(eps) * std`` (3.5e-3
    std for float32, 1.5e-7 for float64), since a matrix product resolves no
    finer. The noise comes from a fixed ``seed``, so results are reproducible.

    Returns:
        ``tensor`` unchanged when no row repeats, else a jittered copy.
    """
    repeated = count_repeated_rows(tensor)
    if repeated == 0:
        return tensor

    eps = torch.finfo(compute_dtype or tensor.dtype).eps
    if tensor.shape[-1] <= _EXACT_DISTANCE_MAX_COLUMNS:
        scale = _JITTER_EPS_FACTOR * eps
    else:
        scale = _JITTER_SQRT_FACTOR * math.sqrt(eps)
    std = tensor.std(dim=0, keepdim=True)
    std = torch.where(std > 0, std, torch.ones_like(std))
    generator = torch.Generator(device="cpu").manual_seed(seed)
    noise = torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype).to(tensor.device)
    warnings.warn(
        f"{name} has {repeated} repeated samples (rows); added Gaussian jitter of {scale:.1e} x column std "
        f"(seed {seed}) so that kNN distances are not tied. Discrete data is better "
        f"estimated with method='binning' or, for class labels, method='ross'.",
        stacklevel=stacklevel,
    )
    return tensor + noise * (scale * std)


def to_float(value: Tensor, return_tensor: bool) -> float | Tensor:
    """Return a 0-d tensor as a Python float unless ``return_tensor`` is set."""
    return value if return_tensor else float(value)
