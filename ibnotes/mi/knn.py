"""k-nearest-neighbour estimators: KSG, Kozachenko-Leonenko entropy, Ross.

* :func:`ksg`: I(X;Y) of Kraskov, Stoegbauer and Grassberger, "Estimating
  mutual information", Phys. Rev. E 69, 066138 (2004), both of its
  estimators.
* :func:`kl_entropy`: differential entropy of Kozachenko and Leonenko (1987).
* :func:`ross`: I(T;Y) for continuous T and discrete Y of Ross, "Mutual
  information between discrete and continuous data sets", PLoS ONE 9,
  e87357 (2014).

Distances are brute force in torch, in blocks of rows (see
:mod:`ibnotes.mi._distances`), on the device of the input, in float32 unless
``compute_dtype`` sets another dtype. Neighbour counts and digamma sums are
float64. Used by the information-plane and estimator chapters.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch

from ibnotes.mi._distances import Norm, PairwiseDistances, check_norm, iter_blocks, resolve_chunk_size, to_distance
from ibnotes.mi._validate import (
    as_labels,
    as_pair,
    as_samples,
    check_enough_samples,
    check_no_constant_columns,
    jitter_ties,
    standardize_columns,
    to_float,
)

Tensor = torch.Tensor

__all__ = ["ksg", "kl_entropy", "ross", "mixed_ksg", "ksg_batch"]


def ksg(
    x: Any,
    y: Any,
    k: int = 3,
    estimator: Literal[1, 2] = 1,
    norm: Norm = "euclidean",
    standardize: bool = True,
    chunk_size: int | None = None,
    seed: int = 0,
    compute_dtype: torch.dtype | None = torch.float32,
    return_tensor: bool = False,
) -> float | Tensor:
    """Estimate I(X;Y) in nats with the KSG k-nearest-neighbour estimator.

    The joint space uses the max of the two marginal distances,
    ``||z - z'|| = max(||x - x'||, ||y - y'||)``. Kraskov et al. (2004,
    Sec. II) allow any norm inside X and inside Y; ``norm="euclidean"``
    (default) is the fast path, ``norm="max"`` is the max-norm everywhere of
    most implementations (scikit-learn, NPEET). In 1-D both are the same.

    * ``estimator=1``: eps_i is the distance to the k-th joint neighbour;
      n_x counts points strictly closer than eps_i in X.
      I = psi(k) + psi(n) - <psi(n_x + 1) + psi(n_y + 1)>.
    * ``estimator=2``: eps_x, eps_y are the largest X and Y distances among
      the k joint neighbours; n_x counts points within eps_x (inclusive).
      I = psi(k) - 1/k + psi(n) - <psi(n_x) + psi(n_y)>.

    Invariance: with ``standardize=True`` each column is scaled to unit
    variance first, so the estimate is invariant to per-column affine maps.
    The true MI is invariant to any invertible per-variable map, but the
    estimate changes under nonlinear ones. The estimate can be slightly
    negative for independent variables.

    Args:
        x: samples ``[n, dx]`` (or ``[n]``), tensor or numpy.
        y: samples ``[n, dy]`` (or ``[n]``), paired with ``x``.
        k: number of neighbours (3 to 10 is usual; larger lowers variance
            and raises bias).
        estimator: 1 or 2, the two estimators of the paper.
        norm: ``"euclidean"`` or ``"max"``, the norm inside X and inside Y.
        standardize: scale each column to zero mean and unit variance.
        chunk_size: rows per distance block; ``None`` picks 2**18 elements
            per block on the CPU and 2**26 on a GPU.
        seed: seed of the jitter added when samples repeat.
        compute_dtype: dtype of the distance computations. float32 (default)
            is about twice as fast as float64 on a CPU and changes estimates
            by about 1e-4 nats; None uses the input's dtype.
        return_tensor: return a 0-d tensor, in the input's dtype, instead of a float.

    Returns:
        The estimate in nats.

    Raises:
        ValueError: invalid shapes, NaN/inf, ``n <= k``, constant columns,
            non-numeric input, or an invalid ``estimator``/``norm``.
    """
    x_tensor, y_tensor = _prepare_pair(x, y, k, standardize, seed, compute_dtype)
    value = ksg_batch(x_tensor[None], y_tensor[None], k, estimator, norm, chunk_size)[0]
    return to_float(value.to(_result_dtype(x, y)), return_tensor)


def _result_dtype(*values: Any) -> torch.dtype:
    """Return float32 if every input is a float32 tensor, else float64."""
    if all(isinstance(value, Tensor) and value.dtype == torch.float32 for value in values):
        return torch.float32
    return torch.float64


def _prepare_pair(
    x: Any, y: Any, k: int, standardize: bool, seed: int, compute_dtype: torch.dtype | None = None
) -> tuple[Tensor, Tensor]:
    """Validate, jitter ties, standardize and cast a pair of continuous samples."""
    x_tensor, y_tensor = as_pair(x, y)
    check_enough_samples(x_tensor.shape[0], k, "x")
    check_no_constant_columns(x_tensor, "x")
    check_no_constant_columns(y_tensor, "y")

    x_tensor = jitter_ties(x_tensor, "x", seed, stacklevel=4, compute_dtype=compute_dtype)
    y_tensor = jitter_ties(y_tensor, "y", seed + 1, stacklevel=4, compute_dtype=compute_dtype)
    if standardize:
        x_tensor, y_tensor = standardize_columns(x_tensor), standardize_columns(y_tensor)
    if compute_dtype is not None:
        x_tensor, y_tensor = x_tensor.to(compute_dtype), y_tensor.to(compute_dtype)
    return x_tensor, y_tensor


def ksg_batch(
    x: Tensor,
    y: Tensor,
    k: int = 3,
    estimator: Literal[1, 2] = 1,
    norm: Norm = "euclidean",
    chunk_size: int | None = None,
) -> Tensor:
    """Compute KSG estimates for ``B`` validated pairs at once.

    Args:
        x: ``[B, n, dx]`` samples, already validated and standardised.
        y: ``[B, n, dy]`` samples on the same device.

    Returns:
        Tensor ``[B]`` of estimates in nats, in float64.
    """
    if estimator not in (1, 2):
        raise ValueError(f"estimator must be 1 or 2 (the two KSG estimators), got {estimator!r}.")
    check_norm(norm)
    batch, n, _ = x.shape
    size = resolve_chunk_size(chunk_size, 2 * batch, n, x.device)

    x_distances = PairwiseDistances(x, norm)
    y_distances = PairwiseDistances(y, norm)
    count_x = torch.empty(batch, n, dtype=torch.float64, device=x.device)
    count_y = torch.empty_like(count_x)
    for start, end in iter_blocks(x_distances, size):
        block_x = x_distances.block(start, end)
        block_y = y_distances.block(start, end)
        count_x[:, start:end], count_y[:, start:end] = _count_block(block_x, block_y, k, estimator)

    digamma = torch.special.digamma
    base = _digamma(k) + _digamma(n)
    if estimator == 1:
        return base - (digamma(count_x + 1) + digamma(count_y + 1)).mean(dim=1)
    return base - 1.0 / k - (digamma(count_x) + digamma(count_y)).mean(dim=1)


def _count_block(block_x: Tensor, block_y: Tensor, k: int, estimator: int) -> tuple[Tensor, Tensor]:
    """Return the marginal neighbour counts ``n_x``, ``n_y`` [B, m] of one block."""
    joint = torch.maximum(block_x, block_y)
    nearest = joint.topk(k, dim=-1, largest=False, sorted=False)

    if estimator == 1:
        radius = nearest.values.amax(dim=-1, keepdim=True)
        count_x = torch.lt(block_x, radius).sum(dim=-1, dtype=torch.int32)
        count_y = torch.lt(block_y, radius).sum(dim=-1, dtype=torch.int32)
    else:
        radius_x = block_x.gather(-1, nearest.indices).amax(dim=-1, keepdim=True)
        radius_y = block_y.gather(-1, nearest.indices).amax(dim=-1, keepdim=True)
        count_x = torch.le(block_x, radius_x).sum(dim=-1, dtype=torch.int32)
        count_y = torch.le(block_y, radius_y).sum(dim=-1, dtype=torch.int32)
    return count_x, count_y


def kl_entropy(
    x: Any,
    k: int = 3,
    norm: Norm = "euclidean",
    chunk_size: int | None = None,
    seed: int = 0,
    compute_dtype: torch.dtype | None = torch.float32,
    return_tensor: bool = False,
) -> float | Tensor:
    """Estimate the differential entropy h(X) in nats (Kozachenko-Leonenko).

    h = psi(n) - psi(k) + log V_d + (d / n) * sum_i log r_i, where r_i is the
    distance from x_i to its k-th neighbour and V_d the volume of the unit
    ball of the norm (pi^(d/2) / Gamma(d/2 + 1) for Euclidean, 2^d for max).

    Not scale-invariant: scaling X by ``a`` adds ``d * log|a|``, as the true
    differential entropy does, so the data is not standardised.

    Args:
        x: samples ``[n, d]`` or ``[n]``.
        k: neighbour order.
        norm: ``"euclidean"`` or ``"max"``.
        chunk_size: rows per distance block (``None``: automatic).
        seed: seed of the jitter added when samples repeat.
        compute_dtype: dtype of the distance computations, as in :func:`ksg`.
        return_tensor: return a 0-d tensor, in the input's dtype, instead of a float.

    Returns:
        The entropy estimate in nats.

    Raises:
        ValueError: invalid shape, NaN/inf, ``n <= k``, constant columns,
            non-numeric input.
    """
    x_tensor = as_samples(x, "x")
    check_enough_samples(x_tensor.shape[0], k, "x")
    check_no_constant_columns(x_tensor, "x")
    x_tensor = jitter_ties(x_tensor, "x", seed, compute_dtype=compute_dtype)
    if compute_dtype is not None:
        x_tensor = x_tensor.to(compute_dtype)

    value = kl_entropy_batch(x_tensor[None], k, norm, chunk_size)[0]
    return to_float(value.to(_result_dtype(x)), return_tensor)


def kl_entropy_batch(x: Tensor, k: int = 3, norm: Norm = "euclidean", chunk_size: int | None = None) -> Tensor:
    """Compute Kozachenko-Leonenko entropies [B] in nats (float64) of validated ``x`` [B, n, d]."""
    check_norm(norm)
    batch, n, dim = x.shape
    size = resolve_chunk_size(chunk_size, batch, n, x.device)
    distances = PairwiseDistances(x, norm)

    log_radius = torch.empty(batch, n, dtype=torch.float64, device=x.device)
    tiny = torch.finfo(x.dtype).tiny
    for start, end in iter_blocks(distances, size):
        kth = distances.block(start, end).topk(k, dim=-1, largest=False).values[..., -1]
        log_radius[:, start:end] = to_distance(kth, norm).clamp_min(tiny).double().log()

    constant = _digamma(n) - _digamma(k)
    return constant + _log_unit_ball_volume(dim, norm) + dim * log_radius.mean(dim=1)


def _log_unit_ball_volume(dim: int, norm: Norm) -> float:
    """Log-volume of the unit ball in ``dim`` dimensions under ``norm``."""
    if norm == "max":
        return dim * math.log(2.0)
    return 0.5 * dim * math.log(math.pi) - math.lgamma(0.5 * dim + 1)


def ross(
    t: Any,
    labels: Any,
    k: int = 3,
    norm: Norm = "euclidean",
    standardize: bool = True,
    chunk_size: int | None = None,
    seed: int = 0,
    compute_dtype: torch.dtype | None = torch.float32,
    return_tensor: bool = False,
) -> float | Tensor:
    """Estimate I(T;Y) in nats for continuous T and discrete class labels Y (Ross 2014).

    For each sample i of class y_i (N_{y_i} samples in that class), d_i is the
    distance to its k-th neighbour *within the class*, and m_i counts all
    samples of any class within d_i (the k-th neighbour included). Then
    I = psi(n) - <psi(N_y)> + psi(k) - <psi(m)>.

    Invariance: with ``standardize=True`` the estimate is invariant to
    per-column affine maps of T; it does not depend on how labels are coded.

    Args:
        t: continuous samples ``[n, d]`` or ``[n]``.
        labels: class labels ``[n]`` (integers, bools or strings).
        k: neighbour order; every class needs more than ``k`` samples.
        norm: ``"euclidean"`` or ``"max"``.
        standardize: scale each column of ``t`` to unit variance first.
        chunk_size: rows per distance block (``None``: automatic).
        seed: seed of the jitter added when samples repeat.
        compute_dtype: dtype of the distance computations, as in :func:`ksg`.
        return_tensor: return a 0-d tensor, in the input's dtype, instead of a float.

    Returns:
        The estimate in nats, at most about ``log(number of classes)``.

    Raises:
        ValueError: invalid ``t``, labels of the wrong length or continuous
            labels, or a class with ``k`` samples or fewer.
    """
    t_tensor = as_samples(t, "t")
    check_enough_samples(t_tensor.shape[0], k, "t")
    check_no_constant_columns(t_tensor, "t")
    classes, num_classes = as_labels(labels, t_tensor.shape[0])
    class_sizes = torch.bincount(classes, minlength=num_classes)
    _check_class_sizes(class_sizes, k)

    t_tensor = jitter_ties(t_tensor, "t", seed, compute_dtype=compute_dtype)
    if standardize:
        t_tensor = standardize_columns(t_tensor)
    if compute_dtype is not None:
        t_tensor = t_tensor.to(compute_dtype)
    classes = classes.to(t_tensor.device)
    class_sizes = class_sizes.to(t_tensor.device)

    value = _ross_counts(t_tensor, classes, class_sizes, k, norm, chunk_size)
    return to_float(value.to(_result_dtype(t)), return_tensor)


def _check_class_sizes(class_sizes: Tensor, k: int) -> None:
    """Raise ValueError if a class has ``k`` samples or fewer."""
    small = torch.nonzero(class_sizes <= k).flatten().tolist()
    if small:
        raise ValueError(
            f"classes (in sorted label order) {small[:10]} have at most k={k} samples "
            f"({class_sizes[small[:10]].tolist()}); the Ross estimator needs more than k per class, "
            f"so use a smaller k, more samples, or merge rare classes."
        )


def _ross_counts(
    t: Tensor, classes: Tensor, class_sizes: Tensor, k: int, norm: Norm, chunk_size: int | None
) -> Tensor:
    """Return the Ross estimate (0-d tensor) for validated ``t`` [n, d]."""
    n = t.shape[0]
    size = resolve_chunk_size(chunk_size, 1, n, t.device)
    distances = PairwiseDistances(t[None], norm)

    counts = torch.empty(n, dtype=torch.float64, device=t.device)
    for start, end in iter_blocks(distances, size):
        block = distances.block(start, end)[0]
        same_class = classes[start:end, None] == classes[None, :]
        within = torch.where(same_class, block, torch.full_like(block, float("inf")))
        radius = within.topk(k, dim=-1, largest=False).values[:, -1:]
        counts[start:end] = torch.le(block, radius).sum(dim=-1)

    digamma = torch.special.digamma
    sizes_per_sample = class_sizes[classes].double()
    constant = _digamma(n) + _digamma(k)
    return constant - digamma(sizes_per_sample).mean() - digamma(counts).mean()


def _digamma(value: int) -> float:
    """Digamma of a positive integer, in float64."""
    return float(torch.special.digamma(torch.tensor(float(value), dtype=torch.float64)))


mixed_ksg = ross
"""Alias of :func:`ross`: kNN I(T;Y) between continuous T and discrete labels Y."""
