"""Many MI estimates in one call, sharing the distance work.

An information plane needs I(X;T) and I(T;Y) for every layer at every
epoch: hundreds of estimates on inputs of a few shapes. :func:`batched`
validates each pair, groups pairs of equal shape, stacks each group into
``[B, n, d]`` tensors and computes its distances with batched matrix
products, so one group costs about one pass over blocks instead of ``B``.
Methods without a batched kernel run one by one. Used by the
information-plane chapters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import torch

from ibnotes.mi._validate import as_labels, as_samples
from ibnotes.mi.kde import kde_batch
from ibnotes.mi.knn import _prepare_pair, ksg_batch

Tensor = torch.Tensor

__all__ = ["batched"]


def batched(pairs: Sequence[tuple[Any, Any]], method: str = "ksg", **options: Any) -> list[float]:
    """Estimate I(X;Y) in nats for each ``(x, y)`` pair, in input order.

    Args:
        pairs: ``(x, y)`` tuples as the single-pair function takes them.
            For ``method="kde"`` each pair is ``(h, labels)``, where labels may
            be None; the value is then the KL upper bound on I(X;T) without
            labels and H(T) - H(T|Y) with labels, as :func:`ibnotes.mi.kde_upper`.
        method: ``"ksg"`` and ``"kde"`` are stacked by shape; any other
            method of :func:`ibnotes.mi.mutual_information` runs pair by pair.
        **options: the method's keyword options, shared by all pairs
            (e.g. ``k=5`` or ``noise_var=0.1``).

    Returns:
        A list of floats, one per pair.

    Raises:
        ValueError: an invalid pair (the message names its index) or option.
    """
    if method == "ksg":
        return _batched_ksg(pairs, **options)
    if method == "kde":
        return _batched_kde(pairs, **options)

    from ibnotes.mi import mutual_information

    return [float(mutual_information(x, y, method=method, **options)) for x, y in pairs]


def _group(keys: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    """Map each distinct key to the indices that have it, in order."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        groups[key].append(index)
    return groups


def _batched_ksg(
    pairs: Sequence[tuple[Any, Any]],
    k: int = 3,
    estimator: int = 1,
    norm: str = "euclidean",
    standardize: bool = True,
    chunk_size: int | None = None,
    seed: int = 0,
    compute_dtype: torch.dtype | None = torch.float32,
) -> list[float]:
    """KSG for all pairs, stacked by shape, device and dtype."""
    prepared = []
    for index, (x, y) in enumerate(pairs):
        try:
            prepared.append(_prepare_pair(x, y, k, standardize, seed, compute_dtype))
        except ValueError as error:
            raise ValueError(f"pair {index}: {error}") from None

    keys = [(x.shape, y.shape, x.device, x.dtype) for x, y in prepared]
    results: list[float] = [0.0] * len(prepared)
    for indices in _group(keys).values():
        x_stack = torch.stack([prepared[i][0] for i in indices])
        y_stack = torch.stack([prepared[i][1] for i in indices])
        values = ksg_batch(x_stack, y_stack, k, estimator, norm, chunk_size)
        for i, value in zip(indices, values.tolist()):
            results[i] = value
    return results


def _batched_kde(
    pairs: Sequence[tuple[Any, Any]],
    noise_var: float = 0.1,
    bound: str = "upper",
    chunk_size: int | None = None,
) -> list[float]:
    """Pairwise-distance KDE bounds for all layers, stacked by shape."""
    layers, classes = [], []
    for index, (h, labels) in enumerate(pairs):
        try:
            layer = as_samples(h, f"pairs[{index}][0]")
            labelled = None if labels is None else as_labels(labels, layer.shape[0], f"pairs[{index}][1]")[0]
        except ValueError as error:
            raise ValueError(f"pair {index}: {error}") from None
        layers.append(layer)
        classes.append(labelled)

    keys = [(h.shape, h.device, h.dtype, c is None) for h, c in zip(layers, classes)]
    results: list[float] = [0.0] * len(layers)
    for indices in _group(keys).values():
        stack = torch.stack([layers[i] for i in indices])
        class_stack = None
        if classes[indices[0]] is not None:
            class_stack = torch.stack([classes[i] for i in indices]).to(stack.device)
        i_xt, i_ty = kde_batch(stack, noise_var, class_stack, bound, chunk_size)
        values = i_xt if i_ty is None else i_ty
        for i, value in zip(indices, values.tolist()):
            results[i] = value
    return results
