import pytest
import torch

from ibnotes import data
from ibnotes.nn import DenseGCNConv, normalize_adjacency, propagate


def _homophily(adjacency: torch.Tensor, labels: torch.Tensor) -> float:
    same = (labels[:, None] == labels[None, :]).float()
    return float((adjacency * same).sum() / adjacency.sum())


def test_csbm_shapes_and_labels():
    graph = data.contextual_sbm(nodes=90, classes=3, features=12, seed=0)
    assert graph.x.shape == (90, 12)
    assert graph.x.dtype == torch.float32
    assert graph.labels.dtype == torch.int64
    assert graph.classes == 3
    assert graph.labels.bincount().tolist() == [30, 30, 30]
    assert len(graph.adjacencies) == 2


def test_csbm_adjacency_symmetric_binary():
    graph = data.contextual_sbm(nodes=120, seed=1)
    for adjacency in graph.adjacencies:
        assert torch.equal(adjacency, adjacency.T)
        assert set(adjacency.unique().tolist()) <= {0.0, 1.0}
        assert adjacency.diagonal().sum() == 0


def test_csbm_same_seed_same_graph():
    first = data.contextual_sbm(nodes=60, seed=3)
    second = data.contextual_sbm(nodes=60, seed=3)
    assert torch.equal(first.x, second.x)
    assert torch.equal(first.adjacencies[1], second.adjacencies[1])


def test_csbm_view_quality_orders_homophily():
    views = (data.GraphView(0.1, 0.01), data.GraphView(0.05, 0.05))
    graph = data.contextual_sbm(nodes=300, views=views, seed=0)
    good = _homophily(graph.adjacencies[0], graph.labels)
    random = _homophily(graph.adjacencies[1], graph.labels)
    assert good > 0.75
    assert abs(random - 1 / 3) < 0.05


def test_csbm_rewiring_lowers_homophily():
    views = (data.GraphView(0.1, 0.01), data.GraphView(0.1, 0.01, rewire=1.0))
    graph = data.contextual_sbm(nodes=300, views=views, seed=0)
    original = _homophily(graph.adjacencies[0], graph.labels)
    rewired = _homophily(graph.adjacencies[1], graph.labels)
    assert rewired < original - 0.2


def test_csbm_edge_density_matches_probabilities():
    views = (data.GraphView(0.2, 0.05),)
    graph = data.contextual_sbm(nodes=300, classes=3, views=views, seed=0)
    same = graph.labels[:, None] == graph.labels[None, :]
    off_diagonal = ~torch.eye(300, dtype=torch.bool)
    adjacency = graph.adjacencies[0]
    assert abs(adjacency[same & off_diagonal].mean() - 0.2) < 0.02
    assert abs(adjacency[~same].mean() - 0.05) < 0.01


def test_csbm_class_means_separation():
    graph = data.contextual_sbm(nodes=3000, classes=3, features=20, separation=4.0, seed=0)
    means = torch.stack([graph.x[graph.labels == c].mean(0) for c in range(3)])
    distance = torch.cdist(means, means)
    assert abs(distance[0, 1] - 4.0) < 0.3
    assert abs(distance[1, 2] - 4.0) < 0.3


def test_csbm_rejects_bad_input():
    with pytest.raises(ValueError, match="features"):
        data.contextual_sbm(classes=5, features=3)
    with pytest.raises(ValueError, match="views"):
        data.contextual_sbm(views=())
    with pytest.raises(ValueError, match="p_in"):
        data.GraphView(1.5, 0.1)


def test_normalize_adjacency_symmetric():
    adjacency = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    normalized = normalize_adjacency(adjacency)
    assert torch.allclose(normalized, torch.full((2, 2), 0.5))


def test_normalize_adjacency_row_sums():
    adjacency = (torch.rand(7, 7) > 0.5).float()
    normalized = normalize_adjacency(adjacency, "row")
    assert torch.allclose(normalized.sum(1), torch.ones(7))


def test_normalize_adjacency_rejects_nonsquare():
    with pytest.raises(ValueError, match="square"):
        normalize_adjacency(torch.zeros(3, 4))


def test_gcn_matches_formula():
    torch.manual_seed(0)
    layer = DenseGCNConv(4, 3, order=2)
    x, adjacency = torch.randn(5, 4), (torch.rand(5, 5) > 0.5).float()
    adjacency = ((adjacency + adjacency.T) > 0).float()
    matrix = normalize_adjacency(adjacency)
    expected = matrix @ matrix @ x @ layer.linear.weight.T + layer.bias
    assert torch.allclose(layer(x, adjacency), expected, atol=1e-5)


def test_gcn_permutation_equivariant():
    torch.manual_seed(0)
    layer = DenseGCNConv(4, 6)
    x, adjacency = torch.randn(8, 4), (torch.rand(8, 8) > 0.6).float()
    order = torch.randperm(8)
    permuted = layer(x[order], adjacency[order][:, order])
    assert torch.allclose(permuted, layer(x, adjacency)[order], atol=1e-5)


def test_gcn_gradient_reaches_adjacency():
    layer = DenseGCNConv(3, 2, normalization="row")
    adjacency = torch.rand(4, 4, requires_grad=True)
    layer(torch.randn(4, 3), adjacency).sum().backward()
    assert adjacency.grad is not None
    assert adjacency.grad.abs().sum() > 0


def test_gcn_rejects_wrong_width():
    with pytest.raises(ValueError, match="x must be"):
        DenseGCNConv(4, 2)(torch.zeros(3, 5), torch.zeros(3, 3))


def test_propagate_rejects_node_mismatch():
    with pytest.raises(ValueError, match="rows"):
        propagate(torch.zeros(3, 2), torch.eye(4))
