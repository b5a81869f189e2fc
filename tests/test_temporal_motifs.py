import math

import numpy as np
import pytest
import torch
from torch.distributions import Bernoulli, kl_divergence

from ibnotes import data, losses


@pytest.fixture(scope="module")
def graph():
    return data.temporal_motif_graph(nodes=30, events=400, closures=50, window=0.05, seed=3)


def test_motif_graph_sizes(graph):
    assert graph.events == 400
    assert len(graph.closures) == 50
    assert graph.motif.shape == (400, 2)


def test_motif_graph_sorted_in_unit_time(graph):
    assert np.all(np.diff(graph.t) >= 0)
    assert graph.t.min() >= 0
    assert graph.t.max() < 1


def test_motif_graph_no_self_loops(graph):
    assert np.all(graph.src != graph.dst)
    assert graph.src.max() < graph.nodes
    assert graph.dst.max() < graph.nodes


def test_motif_closes_triangle(graph):
    closing = graph.closures
    first, second = graph.motif[closing].T
    assert np.array_equal(graph.src[first], graph.src[closing])
    assert np.array_equal(graph.dst[first], graph.src[second])
    assert np.array_equal(graph.dst[second], graph.dst[closing])
    assert np.all(graph.dst[first] != graph.dst[closing])


def test_motif_events_precede_closure_within_window(graph):
    closing = graph.closures
    first, second = graph.motif[closing].T
    assert np.all(graph.t[first] <= graph.t[second])
    assert np.all(graph.t[second] <= graph.t[closing])
    assert np.all(graph.t[closing] - graph.t[first] < 0.05)


def test_motif_graph_seed_repeats():
    a = data.temporal_motif_graph(nodes=10, events=60, closures=5, seed=1)
    b = data.temporal_motif_graph(nodes=10, events=60, closures=5, seed=1)
    assert np.array_equal(a.src, b.src)
    assert np.array_equal(a.t, b.t)


def test_motif_graph_without_closures():
    graph = data.temporal_motif_graph(nodes=5, events=20, closures=0)
    assert len(graph.closures) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(nodes=2), "nodes"),
        (dict(closures=-1), "closures"),
        (dict(events=10, closures=4), "events"),
        (dict(window=1.5), "window"),
    ],
)
def test_motif_graph_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.temporal_motif_graph(**kwargs)


def test_bernoulli_kl_matches_torch():
    p = torch.tensor([0.1, 0.5, 0.9])
    prior = torch.tensor([0.3, 0.3, 0.6])
    expected = kl_divergence(Bernoulli(p), Bernoulli(prior))
    assert torch.allclose(losses.bernoulli_kl(p, prior), expected, atol=1e-6)


def test_bernoulli_kl_zero_at_prior():
    p = torch.full((4,), 0.3)
    assert torch.allclose(losses.bernoulli_kl(p, 0.3), torch.zeros(4), atol=1e-7)


def test_bernoulli_kl_finite_at_hard_mask():
    kl = losses.bernoulli_kl(torch.tensor([0.0, 1.0]), 0.5)
    assert torch.isfinite(kl).all()
    assert torch.allclose(kl, torch.full((2,), math.log(2)), atol=1e-4)


def test_bernoulli_kl_rejects_logits():
    with pytest.raises(ValueError, match="sigmoid"):
        losses.bernoulli_kl(torch.tensor([1.5]), 0.3)


def test_bernoulli_kl_rejects_bad_prior():
    with pytest.raises(ValueError, match="prior"):
        losses.bernoulli_kl(torch.tensor([0.5]), 1.0)
