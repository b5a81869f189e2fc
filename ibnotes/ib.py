"""The Information Bottleneck method on a discrete joint distribution p(x, y).

Tishby, Pereira and Bialek (1999) compress X into a cluster variable T that
keeps the information X carries about Y by minimising the Lagrangian
``I(X;T) - beta * I(T;Y)`` over stochastic encoders p(t|x). Its stationary
points satisfy three self-consistent equations::

    p(t|x) = p(t) exp(-beta * KL[p(y|x) || p(y|t)]) / Z(x, beta)
    p(t)   = sum_x p(x) p(t|x)
    p(y|t) = sum_x p(y|x) p(x|t)

Iterating them in turn (a Blahut-Arimoto-like algorithm) converges to a
local minimum of the Lagrangian. :func:`ib_curve` follows the solution over
a grid of beta with deterministic annealing, so that clusters split off one
at a time as beta grows.

Every joint is an array ``[n_x, n_y]`` (numpy or torch). It may hold counts
or unnormalised weights: it is divided by its sum, so only its proportions
matter. All work happens in torch on the joint's device, in float64 (float32
on Apple's MPS, which has no float64). Information is in nats.

Used by: 01-foundations/01-ib-method.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

logger = logging.getLogger(__name__)

Tensor = torch.Tensor

# Iterations between two convergence checks: each check copies a number from
# the device, which on a GPU waits for all queued work.
_CHECK_EVERY = 10

# A cluster whose p(t) is below this fraction of the heaviest cluster's is
# dead: it can never regain mass under the updates, since p(t|x) is
# proportional to p(t).
_DEAD_MASS = 1e-6

# Total variation distance below which two rows of p(y|t) count as one
# cluster when the annealing redistributes clusters between betas.
_MERGE_TOL = 1e-4


@dataclass
class IBSolution:
    """One solution of the self-consistent equations at one beta.

    Attributes:
        beta: the trade-off parameter.
        encoder: p(t|x), ``[n_x, n_clusters]``, rows sum to 1.
        marginal: p(t), ``[n_clusters]``.
        decoder: p(y|t), ``[n_clusters, n_y]``, rows sum to 1 (a cluster with
            p(t) = 0 gets the marginal p(y)).
        i_xt: I(X;T) in nats.
        i_ty: I(T;Y) in nats.
        iterations: updates run.
        converged: whether the largest change of p(t|x) in one update fell
            below the tolerance before ``max_iter`` updates.
    """

    beta: float
    encoder: Tensor
    marginal: Tensor
    decoder: Tensor
    i_xt: float
    i_ty: float
    iterations: int
    converged: bool

    @property
    def lagrangian(self) -> float:
        """The IB Lagrangian ``I(X;T) - beta * I(T;Y)`` in nats (lower is better)."""
        return self.i_xt - self.beta * self.i_ty


@dataclass
class IBCurve:
    """Solutions over a grid of beta: the IB curve and its cluster counts.

    Arrays have one entry per beta, in the order of ``betas``.

    Attributes:
        betas: ``[n_betas]``.
        i_xt: I(X;T) in nats, ``[n_betas]``.
        i_ty: I(T;Y) in nats, ``[n_betas]``.
        n_effective: effective clusters (:func:`effective_clusters`), ``[n_betas]``.
        iterations: updates run at each beta, ``[n_betas]``.
        converged: convergence flags, ``[n_betas]``.
        i_xy: I(X;Y) in nats, the upper limit of I(T;Y).
        h_x: H(X) in nats, the upper limit of I(X;T).
        solutions: the full solution at each beta.
    """

    betas: np.ndarray
    i_xt: np.ndarray
    i_ty: np.ndarray
    n_effective: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    i_xy: float
    h_x: float
    solutions: list[IBSolution] = field(repr=False)

    def transitions(self) -> list[tuple[float, float, int, int]]:
        """List where the effective cluster count changes along ``betas``.

        Returns:
            ``(beta_before, beta_after, count_before, count_after)`` for each
            pair of neighbouring betas whose counts differ.
        """
        return [
            (float(self.betas[i - 1]), float(self.betas[i]), int(self.n_effective[i - 1]), int(self.n_effective[i]))
            for i in range(1, len(self.betas))
            if self.n_effective[i] != self.n_effective[i - 1]
        ]


def as_joint(joint: Any, allow_empty_rows: bool = False) -> Tensor:
    """Validate a joint distribution and return it as a normalised tensor.

    Args:
        joint: numpy array, torch tensor or nested sequence ``[n_x, n_y]``
            of non-negative counts or probabilities. Rows are values of x.
        allow_empty_rows: accept rows that sum to zero (values of x that
            never occur). The IB functions reject them.

    Returns:
        Tensor ``[n_x, n_y]`` summing to 1, float64 on the input's device
        (float32 on MPS).

    Raises:
        ValueError: the joint is not 2-D, is empty, contains NaN, inf or
            negative entries, sums to zero, or (unless ``allow_empty_rows``)
            has a row that sums to zero, where p(y|x) is undefined.
    """
    tensor = torch.as_tensor(joint) if isinstance(joint, Tensor) else torch.as_tensor(np.asarray(joint))
    if tensor.dtype.is_complex or not (tensor.dtype.is_floating_point or tensor.dtype in _INTEGER_DTYPES):
        raise ValueError(f"joint must contain real numbers, got dtype {tensor.dtype}")
    tensor = tensor.to(_float_dtype(tensor.device))

    if tensor.ndim != 2:
        raise ValueError(
            f"joint must be 2-D [n_x, n_y], got shape {tuple(tensor.shape)}: "
            "reshape it so that rows are values of x and columns values of y"
        )
    if tensor.numel() == 0:
        raise ValueError(f"joint must not be empty, got shape {tuple(tensor.shape)}")
    if not torch.isfinite(tensor).all():
        raise ValueError("joint contains NaN or inf: pass finite counts or probabilities")
    if (tensor < 0).any():
        raise ValueError(f"joint contains negative entries (minimum {tensor.min().item():.3g}): "
                         "probabilities and counts must be non-negative")

    if tensor.sum() == 0:
        raise ValueError("joint sums to zero: pass counts or probabilities with at least one positive entry")
    row_sums = tensor.sum(dim=1)
    empty = torch.nonzero(row_sums == 0).flatten().tolist()
    if empty and not allow_empty_rows:
        raise ValueError(f"rows {empty[:10]} of the joint sum to zero, so p(y|x) is undefined there: "
                         "drop those values of x before calling")
    return tensor / tensor.sum()


def entropy_discrete(probabilities: Any) -> float:
    """Return the Shannon entropy of a discrete distribution, in nats.

    Args:
        probabilities: non-negative weights of any shape; they are divided
            by their sum, and zero entries contribute nothing.

    Raises:
        ValueError: NaN, inf or negative entries, or a zero sum.
    """
    p = torch.as_tensor(np.asarray(probabilities) if not isinstance(probabilities, Tensor) else probabilities)
    p = p.to(_float_dtype(p.device)).flatten()
    if not torch.isfinite(p).all() or (p < 0).any() or p.sum() <= 0:
        raise ValueError("probabilities must be finite, non-negative and sum to a positive number")
    p = p / p.sum()
    return float(-torch.special.xlogy(p, p).sum())


def mutual_information_discrete(joint: Any) -> float:
    """Return I(X;Y) of a discrete joint ``[n_x, n_y]``, in nats.

    The joint is normalised like in :func:`as_joint`, except that rows and
    columns of zeros are allowed here: they contribute nothing.

    Raises:
        ValueError: as :func:`as_joint` with ``allow_empty_rows=True``.
    """
    p_xy = as_joint(joint, allow_empty_rows=True)
    p_x = p_xy.sum(dim=1, keepdim=True)
    p_y = p_xy.sum(dim=0, keepdim=True)
    ratio = p_xy / (p_x * p_y).clamp_min(torch.finfo(p_xy.dtype).tiny)
    return float(torch.special.xlogy(p_xy, ratio).sum().clamp_min(0.0))


def ib_step(joint: Any, encoder: Tensor | np.ndarray, beta: float) -> Tensor:
    """Apply the three self-consistent equations once and return the new p(t|x).

    From the encoder p(t|x) this computes p(t) and p(y|t), then
    p(t|x) proportional to p(t) exp(-beta KL[p(y|x) || p(y|t)]).

    Args:
        joint: p(x, y) ``[n_x, n_y]``, validated by :func:`as_joint`.
        encoder: p(t|x) ``[n_x, n_clusters]``, rows summing to 1.
        beta: trade-off parameter, > 0.

    Returns:
        The updated encoder ``[n_x, n_clusters]``.
    """
    p_xy = as_joint(joint)
    _check_beta(beta)
    n_clusters = np.shape(encoder)[-1] if np.ndim(encoder) == 2 else 0
    encoder = _check_encoder(encoder, p_xy.shape[0], n_clusters, p_xy)
    p_x, p_y_given_x = _conditionals(p_xy)
    return _update(p_x, p_y_given_x, encoder, beta)


def iterative_ib(
    joint: Any,
    beta: float,
    n_clusters: int,
    init: Tensor | np.ndarray | None = None,
    max_iter: int = 2000,
    tol: float = 1e-7,
    seed: int = 0,
) -> IBSolution:
    """Solve the IB self-consistent equations at one beta by iteration.

    Args:
        joint: p(x, y) ``[n_x, n_y]``, counts or probabilities (normalised
            here, see :func:`as_joint`).
        beta: trade-off parameter, > 0. Small beta favours compression
            (low I(X;T)), large beta favours relevance (high I(T;Y)).
        n_clusters: cardinality of T, at least 1.
        init: starting encoder p(t|x) ``[n_x, n_clusters]``, rows summing to
            1. None draws a random one from ``seed``.
        max_iter: maximum number of updates.
        tol: stop when no entry of p(t|x) changes by more than this in one
            update.
        seed: seed of the random starting encoder.

    Returns:
        The :class:`IBSolution` reached. It is a local minimum of
        ``I(X;T) - beta * I(T;Y)``, not necessarily the global one.

    Raises:
        ValueError: invalid joint (see :func:`as_joint`), beta <= 0,
            n_clusters < 1, max_iter < 1, tol <= 0, or an ``init`` of the
            wrong shape or with rows that are not distributions.
    """
    p_xy = as_joint(joint)
    _check_beta(beta)
    _check_clusters(n_clusters)
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter}")
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol}")

    if init is None:
        encoder = random_encoder(p_xy.shape[0], n_clusters, seed, device=p_xy.device, dtype=p_xy.dtype)
    else:
        encoder = _check_encoder(init, p_xy.shape[0], n_clusters, p_xy)
    p_x, p_y_given_x = _conditionals(p_xy)

    converged, iterations = False, 0
    while iterations < max_iter and not converged:
        previous = encoder
        encoder = _update(p_x, p_y_given_x, encoder, beta)
        iterations += 1
        if iterations % _CHECK_EVERY == 0 or iterations == max_iter:
            converged = (encoder - previous).abs().max().item() < tol
    if not converged:
        logger.debug("iterative_ib: beta=%g not converged after %d updates", beta, max_iter)
    return _solution(p_x, p_y_given_x, encoder, beta, iterations, converged)


def ib_curve(
    joint: Any,
    betas: Any,
    n_clusters: int,
    anneal: bool = True,
    perturbation: float = 0.01,
    max_iter: int = 2000,
    tol: float = 1e-7,
    seed: int = 0,
    progress: bool = False,
) -> IBCurve:
    """Solve the IB over a grid of beta and return the curve I(T;Y) against I(X;T).

    With ``anneal=True`` (deterministic annealing) the betas are visited in
    increasing order. The first starts from an encoder whose clusters are
    nearly merged (every p(t|x) close to uniform), and each later beta
    starts from the previous solution mixed with a random encoder of weight
    ``perturbation``. The mixing breaks the symmetry between merged
    clusters, so a cluster can split off once beta passes the point where the
    merged solution becomes unstable. With ``anneal=False`` every beta starts
    from its own random encoder.

    Args:
        joint: p(x, y) ``[n_x, n_y]``, see :func:`as_joint`.
        betas: 1-D sequence of positive betas; with annealing they are
            solved in increasing order and returned in the order given.
        n_clusters: cardinality of T.
        anneal: follow the solution from small to large beta.
        perturbation: weight in [0, 1) of the random encoder mixed into each
            starting point.
        max_iter, tol: passed to :func:`iterative_ib` at each beta.
        seed: seed of the random encoders.
        progress: show a tqdm progress bar over the betas.

    Returns:
        An :class:`IBCurve`.

    Raises:
        ValueError: invalid joint, an empty, non-1-D or non-positive
            ``betas``, n_clusters < 1, or ``perturbation`` outside [0, 1).
    """
    p_xy = as_joint(joint)
    beta_values = np.asarray(betas, dtype=float)
    if beta_values.ndim != 1 or beta_values.size == 0:
        raise ValueError(f"betas must be a non-empty 1-D sequence, got shape {beta_values.shape}")
    for beta in beta_values:
        _check_beta(float(beta))
    _check_clusters(n_clusters)
    if not 0 <= perturbation < 1:
        raise ValueError(f"perturbation must lie in [0, 1), got {perturbation}")

    order = np.argsort(beta_values, kind="stable") if anneal else np.arange(len(beta_values))
    generator = torch.Generator().manual_seed(seed)
    n_x = p_xy.shape[0]
    p_x, p_y_given_x = _conditionals(p_xy)

    # Merged start: every cluster has the same p(t) and p(y|t) = p(y).
    marginal = torch.full((n_clusters,), 1.0 / n_clusters, dtype=p_xy.dtype, device=p_xy.device)
    decoder = (p_x @ p_y_given_x).expand(n_clusters, -1)

    solutions: list[IBSolution | None] = [None] * len(beta_values)
    for index in _progress(order, progress):
        beta = float(beta_values[index])
        if anneal:
            start = _perturbed_start(p_x, p_y_given_x, marginal, decoder, beta, perturbation, generator)
        else:
            start = _random_rows(n_x, n_clusters, generator).to(device=p_xy.device, dtype=p_xy.dtype)
        solution = iterative_ib(p_xy, beta, n_clusters, init=start, max_iter=max_iter, tol=tol)
        solutions[index] = solution
        marginal, decoder = solution.marginal, solution.decoder

    return _curve(p_xy, beta_values, solutions)


def effective_clusters(
    marginal: Any, decoder: Any, min_mass: float = 1e-3, tol: float = 1e-2
) -> int:
    """Count the distinct clusters of a solution.

    Clusters with p(t) < ``min_mass`` are ignored. The others are grouped
    when the total variation distance between their p(y|t) rows is below
    ``tol``, chaining through intermediate clusters (single linkage), and
    the number of groups is returned. Merged clusters share one p(y|t), so
    they act as one cluster.

    Args:
        marginal: p(t) ``[n_clusters]``.
        decoder: p(y|t) ``[n_clusters, n_y]``.
        min_mass: smallest p(t) that counts as a cluster.
        tol: total variation distance below which two clusters are one.

    Returns:
        The number of effective clusters, at least 1 when some p(t) reaches
        ``min_mass``.
    """
    p_t = torch.as_tensor(np.asarray(marginal) if not isinstance(marginal, Tensor) else marginal).double().cpu()
    p_y_t = torch.as_tensor(np.asarray(decoder) if not isinstance(decoder, Tensor) else decoder).double().cpu()
    if p_t.ndim != 1 or p_y_t.ndim != 2 or p_y_t.shape[0] != p_t.shape[0]:
        raise ValueError(f"expected marginal [n_clusters] and decoder [n_clusters, n_y], "
                         f"got shapes {tuple(p_t.shape)} and {tuple(p_y_t.shape)}")

    from scipy.sparse.csgraph import connected_components

    rows = p_y_t[p_t >= min_mass]
    if len(rows) == 0:
        return 0
    distance = 0.5 * (rows[:, None, :] - rows[None, :, :]).abs().sum(-1)
    n_groups, _ = connected_components((distance < tol).numpy(), directed=False)
    return int(n_groups)


def random_encoder(
    n_x: int, n_clusters: int, seed: int = 0, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float64
) -> Tensor:
    """Draw a random encoder p(t|x) ``[n_x, n_clusters]``, each row from a flat Dirichlet."""
    _check_clusters(n_clusters)
    generator = torch.Generator().manual_seed(seed)
    return _random_rows(n_x, n_clusters, generator).to(device=device, dtype=dtype)


def structured_joint(
    n_groups: int = 4, per_group: int = 4, n_y: int = 8, spread: float = 0.15, seed: int = 0
) -> np.ndarray:
    """Build a synthetic p(x, y) whose x values fall into latent groups, and groups into pairs.

    Each pair of groups owns a random profile over y (a flat-ish Dirichlet
    draw), each group mixes its pair's profile with its own (weight 0.5),
    and each x mixes its group's profile with its own random profile
    (weight ``spread``). Rows of p(y|x) thus differ a lot between pairs,
    less between the two groups of a pair, and little within a group, and
    the IB splits them in about that order as beta grows. p(x) is uniform.

    Args:
        n_groups: latent groups; with an odd count the last pair has one group.
        per_group: values of x in each group.
        n_y: values of y.
        spread: weight of each x's own profile, in [0, 1].
        seed: seed of the random profiles.

    Returns:
        numpy array ``[n_groups * per_group, n_y]`` summing to 1. Rows are
        ordered by group, so x belongs to group ``x // per_group``.
    """
    if n_groups < 1 or per_group < 1 or n_y < 2:
        raise ValueError(f"need n_groups >= 1, per_group >= 1 and n_y >= 2, got {n_groups}, {per_group}, {n_y}")
    if not 0 <= spread <= 1:
        raise ValueError(f"spread must lie in [0, 1], got {spread}")
    rng = np.random.default_rng(seed)

    def profiles(count: int, concentration: float) -> np.ndarray:
        return rng.dirichlet(np.full(n_y, concentration), size=count)

    pairs = profiles((n_groups + 1) // 2, 0.3)
    groups = 0.5 * pairs[np.arange(n_groups) // 2] + 0.5 * profiles(n_groups, 0.3)
    members = np.repeat(groups, per_group, axis=0)
    p_y_given_x = (1 - spread) * members + spread * profiles(n_groups * per_group, 1.0)
    return p_y_given_x / p_y_given_x.shape[0]


# --- helpers -----------------------------------------------------------------

_INTEGER_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)


def _float_dtype(device: torch.device) -> torch.dtype:
    # NOTE: MPS has no float64, so joints on MPS are solved in float32. That
    # path has not been run, and near a split float32 may stop the iteration
    # earlier than float64 would.
    return torch.float32 if device.type == "mps" else torch.float64


def _check_beta(beta: float) -> None:
    if not (isinstance(beta, (int, float, np.floating, np.integer)) and math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a finite number > 0, got {beta!r}: "
                         "beta weighs I(T;Y) against I(X;T), so use values such as 0.5 to 1000")


def _check_clusters(n_clusters: int) -> None:
    if not isinstance(n_clusters, (int, np.integer)) or isinstance(n_clusters, bool) or n_clusters < 1:
        raise ValueError(f"n_clusters must be an integer >= 1, got {n_clusters!r}: "
                         "use at least as many clusters as distinct rows of p(y|x) to reach I(X;Y)")


def _check_encoder(encoder: Any, n_x: int, n_clusters: int, like: Tensor) -> Tensor:
    tensor = torch.as_tensor(np.asarray(encoder) if not isinstance(encoder, Tensor) else encoder)
    tensor = tensor.to(device=like.device, dtype=like.dtype)
    if tuple(tensor.shape) != (n_x, n_clusters):
        raise ValueError(f"encoder must have shape [n_x, n_clusters] = [{n_x}, {n_clusters}], "
                         f"got {tuple(tensor.shape)}")
    if not torch.isfinite(tensor).all() or (tensor < 0).any():
        raise ValueError("encoder must contain finite, non-negative probabilities p(t|x)")
    if not torch.allclose(tensor.sum(dim=1), torch.ones_like(tensor[:, 0]), atol=1e-6):
        raise ValueError("each row of the encoder p(t|x) must sum to 1: divide it by its row sums")
    return tensor


def _perturbed_start(
    p_x: Tensor, p_y_given_x: Tensor, marginal: Tensor, decoder: Tensor, beta: float,
    perturbation: float, generator: torch.Generator,
) -> Tensor:
    """Build the encoder that a perturbed copy of a solution's p(t) and p(y|t) implies at ``beta``.

    The noise is drawn per cluster and per y, never per x, so the start (and
    the whole annealed curve) does not depend on the order of the x values.
    Duplicate and dead clusters first become twins of the heaviest live
    clusters (:func:`_redistribute_clusters`), so that those can split.
    """
    n_clusters, n_y = decoder.shape
    marginal, decoder = _redistribute_clusters(marginal, decoder)
    noise = torch.rand(n_clusters, n_y, generator=generator, dtype=torch.float64).to(decoder)
    decoder = decoder * (1 + perturbation * (2 * noise - 1))
    decoder = decoder / decoder.sum(dim=1, keepdim=True)
    logits = marginal.log()[None, :] - beta * _kl_rows(p_y_given_x, decoder)
    return torch.softmax(logits, dim=1)


def _redistribute_clusters(marginal: Tensor, decoder: Tensor) -> tuple[Tensor, Tensor]:
    """Merge duplicate clusters, then give every freed slot to a live cluster as a twin.

    Clusters whose p(y|t) rows lie within total variation ``_MERGE_TOL`` of
    a heavier cluster's are folded into it, and clusters with p(t) below
    ``_DEAD_MASS`` of the heaviest are dropped. The freed slots become
    copies of the remaining clusters, heaviest first, and each cluster's
    mass is shared equally with its copies. Without this step, copies of
    a cluster that contains a single x stay beside it for every later beta,
    while a cluster that contains several x values has no twin to split into.
    """
    mass = marginal.detach().double().cpu().numpy()
    rows = decoder.detach().double().cpu().numpy()
    distance = 0.5 * np.abs(rows[:, None, :] - rows[None, :, :]).sum(-1)

    kept: list[int] = []
    free: list[int] = []
    total = mass.copy()
    for t in np.argsort(-mass, kind="stable"):
        matches = [k for k in kept if distance[t, k] < _MERGE_TOL]
        if matches:
            total[matches[0]] += mass[t]
        if matches or mass[t] < _DEAD_MASS * mass.max():
            free.append(int(t))
        else:
            kept.append(int(t))

    # Freed slots become twins of the kept clusters, heaviest first.
    sources = [kept[i % len(kept)] for i in range(len(free))]
    copies = {k: 1 + sources.count(k) for k in kept}
    for k in kept:
        total[k] /= copies[k]
    for slot, source in zip(free, sources):
        total[slot] = total[source]
        rows[slot] = rows[source]
    new_marginal = torch.as_tensor(total / total.sum()).to(marginal)
    return new_marginal, torch.as_tensor(rows).to(decoder)


def _random_rows(n_rows: int, n_columns: int, generator: torch.Generator) -> Tensor:
    # Normalised exponentials are flat-Dirichlet rows.
    weights = -torch.rand(n_rows, n_columns, generator=generator, dtype=torch.float64).clamp_min(1e-12).log()
    return weights / weights.sum(dim=1, keepdim=True)


def _conditionals(p_xy: Tensor) -> tuple[Tensor, Tensor]:
    p_x = p_xy.sum(dim=1)  # [n_x]
    return p_x, p_xy / p_x[:, None]  # p(y|x): [n_x, n_y]


def _cluster_statistics(p_x: Tensor, p_y_given_x: Tensor, encoder: Tensor) -> tuple[Tensor, Tensor]:
    """p(t) [n_t] and p(y|t) [n_t, n_y] from p(t|x); empty clusters get p(y)."""
    weighted = encoder * p_x[:, None]  # p(x, t): [n_x, n_t]
    p_t = weighted.sum(dim=0)
    p_ty = weighted.T @ p_y_given_x  # p(t, y): [n_t, n_y]
    p_y = p_x @ p_y_given_x
    tiny = torch.finfo(p_t.dtype).tiny
    decoder = torch.where(p_t[:, None] > tiny, p_ty / p_t.clamp_min(tiny)[:, None], p_y)
    return p_t, decoder


def _kl_rows(p_y_given_x: Tensor, decoder: Tensor) -> Tensor:
    """KL[p(y|x) || p(y|t)] for every pair, ``[n_x, n_t]``, in nats."""
    tiny = torch.finfo(decoder.dtype).tiny
    neg_entropy = torch.special.xlogy(p_y_given_x, p_y_given_x).sum(dim=1, keepdim=True)  # [n_x, 1]
    # Where p(y|t) = 0 but p(y|x) > 0 the KL is infinite; log(tiny) keeps it
    # finite but huge (about 708 per unit of p(y|x)), so no row becomes NaN.
    cross = p_y_given_x @ decoder.clamp_min(tiny).log().T  # [n_x, n_t]
    return neg_entropy - cross


def _update(p_x: Tensor, p_y_given_x: Tensor, encoder: Tensor, beta: float) -> Tensor:
    p_t, decoder = _cluster_statistics(p_x, p_y_given_x, encoder)
    log_p_t = p_t.clamp_min(torch.finfo(p_t.dtype).tiny).log()
    logits = log_p_t[None, :] - beta * _kl_rows(p_y_given_x, decoder)
    return torch.softmax(logits, dim=1)


def _information(p_x: Tensor, p_y_given_x: Tensor, encoder: Tensor) -> tuple[float, float]:
    """I(X;T) and I(T;Y) in nats for the encoder and its consistent p(t), p(y|t)."""
    p_t, decoder = _cluster_statistics(p_x, p_y_given_x, encoder)
    tiny = torch.finfo(p_t.dtype).tiny
    p_y = p_x @ p_y_given_x
    i_xt = (p_x[:, None] * torch.special.xlogy(encoder, encoder / p_t.clamp_min(tiny)[None, :])).sum()
    i_ty = (p_t[:, None] * torch.special.xlogy(decoder, decoder / p_y.clamp_min(tiny)[None, :])).sum()
    return max(float(i_xt), 0.0), max(float(i_ty), 0.0)


def _solution(
    p_x: Tensor, p_y_given_x: Tensor, encoder: Tensor, beta: float, iterations: int, converged: bool
) -> IBSolution:
    p_t, decoder = _cluster_statistics(p_x, p_y_given_x, encoder)
    i_xt, i_ty = _information(p_x, p_y_given_x, encoder)

    return IBSolution(beta=beta, encoder=encoder, marginal=p_t, decoder=decoder, i_xt=i_xt, i_ty=i_ty,
                      iterations=iterations, converged=converged)


def _curve(p_xy: Tensor, betas: np.ndarray, solutions: list[IBSolution]) -> IBCurve:
    return IBCurve(
        betas=betas,
        i_xt=np.array([s.i_xt for s in solutions]),
        i_ty=np.array([s.i_ty for s in solutions]),
        n_effective=np.array([effective_clusters(s.marginal, s.decoder) for s in solutions]),
        iterations=np.array([s.iterations for s in solutions]),
        converged=np.array([s.converged for s in solutions]),
        i_xy=mutual_information_discrete(p_xy),
        h_x=entropy_discrete(p_xy.sum(dim=1)),
        solutions=solutions,
    )


def _progress(items: Any, enabled: bool) -> Any:
    if not enabled:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="beta")
