"""Generated graphs: contextual stochastic block models and temporal graphs with planted motifs.

Used by: 04-graphs-and-dynamics/01-temporal-motifs (``temporal_motif_graph``),
04-graphs-and-dynamics/02-multi-view-clustering (``contextual_sbm``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import move_to_device


@dataclass(frozen=True)
class GraphView:
    """Edge probabilities and rewiring of one graph view of a stochastic block model.

    Each pair of nodes in the same class is joined with probability
    ``p_in``, each pair in different classes with ``p_out``. Then a fraction
    ``rewire`` of the edges has one end moved to a node drawn uniformly at
    random, which keeps the number of edges but not the class structure.
    """

    p_in: float
    p_out: float
    rewire: float = 0.0

    def __post_init__(self) -> None:
        for name in ("p_in", "p_out", "rewire"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"GraphView.{name} must lie in [0, 1], got {value}")


@dataclass
class MultiViewGraph:
    """Node features shared by several graphs over the same nodes.

    ``x`` is float32 [n, features]; each of ``adjacencies`` is a float32
    [n, n] symmetric 0/1 matrix with a zero diagonal; ``labels`` is int64 [n].
    """

    x: torch.Tensor
    adjacencies: list[torch.Tensor]
    labels: torch.Tensor
    name: str

    @property
    def nodes(self) -> int:
        return self.x.shape[0]

    @property
    def classes(self) -> int:
        return int(self.labels.max()) + 1

    def to(self, device: torch.device | str) -> "MultiViewGraph":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def contextual_sbm(
    nodes: int = 600,
    classes: int = 3,
    features: int = 100,
    separation: float = 1.0,
    views: Sequence[GraphView] = (GraphView(0.05, 0.01), GraphView(0.03, 0.02, rewire=0.3)),
    seed: int = 0,
) -> MultiViewGraph:
    """Draw a contextual stochastic block model with several graph views.

    Nodes get balanced class labels (sizes differ by at most one). The
    features of a node in class c are ``mean_c + noise`` with standard
    normal noise in ``features`` dimensions. The class means are orthogonal,
    and every two of them lie ``separation`` noise standard deviations apart.
    Each view is an independent stochastic block model over the same labels
    (see :class:`GraphView`), so views can differ in quality: a view with
    ``p_in`` well above ``p_out`` and no rewiring is informative, a view with
    ``p_in`` close to ``p_out`` or much rewiring is mostly noise.

    Args:
        nodes: number of nodes n.
        classes: number of classes, at most ``features``.
        features: feature dimensions d.
        separation: distance between class means, in noise standard deviations.
        views: one :class:`GraphView` per graph.
        seed: seed of the numpy generator; the same seed gives the same graph.

    Returns:
        a :class:`MultiViewGraph` with x [n, d], one [n, n] adjacency per view
        and labels [n].

    Raises:
        ValueError: on too few nodes or classes, more classes than feature
            dimensions, a negative separation or an empty list of views.

    Used by: 04-graphs-and-dynamics/02-multi-view-clustering.
    """
    if classes < 2 or nodes < classes:
        raise ValueError(f"need at least 2 classes and one node per class, got nodes={nodes}, classes={classes}")
    if features < classes:
        raise ValueError(f"features={features} is below classes={classes}: orthogonal means need features >= classes")
    if not math.isfinite(separation) or separation < 0:
        raise ValueError(f"separation must be a finite non-negative number, got {separation}")
    if not views:
        raise ValueError("views is empty: pass at least one GraphView")

    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(nodes) % classes)
    basis, _ = np.linalg.qr(rng.standard_normal((features, classes)))
    means = separation / math.sqrt(2) * basis.T  # [classes, features], orthonormal rows scaled
    x = means[labels] + rng.standard_normal((nodes, features))
    adjacencies = [torch.as_tensor(_sbm_view(labels, view, rng), dtype=torch.float32) for view in views]
    name = f"contextual SBM ({nodes} nodes, {classes} classes, {len(views)} views)"
    return MultiViewGraph(torch.as_tensor(x, dtype=torch.float32), adjacencies,
                          torch.as_tensor(labels, dtype=torch.int64), name)


def _sbm_view(labels: np.ndarray, view: GraphView, rng: np.random.Generator) -> np.ndarray:
    """Draw one symmetric 0/1 adjacency [n, n] with a zero diagonal."""
    n = len(labels)
    rows, cols = np.triu_indices(n, k=1)
    same = labels[rows] == labels[cols]
    keep = rng.random(len(rows)) < np.where(same, view.p_in, view.p_out)
    rows, cols = rows[keep], cols[keep]

    # Rewire: move one end of the chosen edges to a uniformly drawn node.
    moved = rng.random(len(rows)) < view.rewire
    cols = cols.copy()
    cols[moved] = rng.integers(0, n, size=int(moved.sum()))
    loops = rows == cols
    rows, cols = rows[~loops], cols[~loops]

    adjacency = np.zeros((n, n), dtype=np.float32)
    adjacency[rows, cols] = 1.0
    adjacency[cols, rows] = 1.0
    return adjacency


@dataclass(frozen=True)
class TemporalGraph:
    """A stream of timestamped interactions (events) between nodes.

    Attributes:
        src: [events] int64 id of each event's first node.
        dst: [events] int64 id of each event's second node.
        t: [events] float64 event times, non-decreasing, in [0, 1).
        nodes: number of nodes; ids run from 0 to nodes - 1.
        motif: [events, 2] int64. For an event that closes a planted triad,
            the ids (row indices) of the two earlier events of its motif;
            -1 in both columns for every other event.
    """

    src: np.ndarray
    dst: np.ndarray
    t: np.ndarray
    nodes: int
    motif: np.ndarray

    @property
    def events(self) -> int:
        """Number of events."""
        return len(self.t)

    @property
    def closures(self) -> np.ndarray:
        """[closures] ids of the events that close a planted triad."""
        return np.flatnonzero(self.motif[:, 0] >= 0)


def temporal_motif_graph(
    nodes: int = 100, events: int = 3000, closures: int = 600, window: float = 0.02, seed: int = 0
) -> TemporalGraph:
    """Generate a temporal graph with planted triadic closures.

    Each planted motif picks three distinct nodes u, w, v and a start time
    t0. It adds the events u-w at t0, w-v at t0 + d1 and u-v at
    t0 + d1 + d2, where the gaps d1, d2 are uniform in [0, window / 2).
    The last event closes the triangle, and the first two are the ground
    truth that explains it. The remaining ``events - 3 * closures`` events
    join uniformly random pairs of distinct nodes at uniform times in
    [0, 1), so they carry no pattern.

    Used by: 04-graphs-and-dynamics/01-temporal-motifs.

    Args:
        nodes: number of nodes, at least 3.
        events: total number of events, at least ``3 * closures``.
        closures: number of planted triads, at least 0.
        window: maximum time from a motif's first event to its closing
            event, in (0, 1).
        seed: seed of the numpy generator.

    Returns:
        The graph, with events sorted by time.
    """
    if nodes < 3:
        raise ValueError(f"nodes must be at least 3 for a triad, got {nodes}")
    if closures < 0:
        raise ValueError(f"closures must be at least 0, got {closures}")
    if events < 3 * closures:
        raise ValueError(f"events must be at least 3 * closures = {3 * closures}, got {events}")
    if not 0 < window < 1:
        raise ValueError(f"window must lie in (0, 1), got {window}")
    rng = np.random.default_rng(seed)

    background = events - 3 * closures
    src = rng.integers(0, nodes, size=background)
    dst = (src + rng.integers(1, nodes, size=background)) % nodes
    t = rng.uniform(0.0, 1.0, size=background)

    # Three distinct nodes per triad: v is drawn from the nodes - 2 ids
    # left after u and w, then shifted past the smaller and the larger one.
    u = rng.integers(0, nodes, size=closures)
    w = (u + rng.integers(1, nodes, size=closures)) % nodes
    v = rng.integers(0, nodes - 2, size=closures)
    v = v + (v >= np.minimum(u, w))
    v = v + (v >= np.maximum(u, w))
    start = rng.uniform(0.0, 1.0 - window, size=closures)
    gaps = rng.uniform(0.0, window / 2, size=(closures, 2))
    times = start[:, None] + np.concatenate([np.zeros((closures, 1)), gaps.cumsum(axis=1)], axis=1)

    src = np.concatenate([src, u, w, u])
    dst = np.concatenate([dst, w, v, v])
    t = np.concatenate([t, times[:, 0], times[:, 1], times[:, 2]])
    motif = np.full((events, 2), -1, dtype=np.int64)
    first = background + np.arange(closures)
    motif[first + 2 * closures] = np.stack([first, first + closures], axis=1)

    # Sort by time and renumber the motif references to the new order.
    order = np.argsort(t, kind="stable")
    position = np.empty(events, dtype=np.int64)
    position[order] = np.arange(events)
    motif = motif[order]
    motif = np.where(motif >= 0, position[np.maximum(motif, 0)], -1)
    return TemporalGraph(src[order].astype(np.int64), dst[order].astype(np.int64), t[order], nodes, motif)
