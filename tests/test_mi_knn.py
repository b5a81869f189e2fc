"""kNN estimators: KSG, Kozachenko-Leonenko entropy and Ross."""

import math

import numpy as np
import pytest
import torch

from ibnotes import mi
from ibnotes.mi._distances import pairwise_distances
from ibnotes.mi.tasks import gaussian_pair


@pytest.mark.parametrize("dim, true_mi", [(1, 0.5), (2, 1.0), (4, 1.0)])
@pytest.mark.parametrize("estimator", [1, 2])
def test_ksg_matches_gaussian_closed_form(dim, true_mi, estimator):
    # KSG is biased low as the dimension grows, but stays within 15% at d <= 4, n = 3000.
    x, y = gaussian_pair(3000, dim=dim, mi=true_mi, seed=dim)
    estimate = mi.ksg(x, y, estimator=estimator)
    assert estimate == pytest.approx(true_mi, rel=0.15)


def test_ksg_max_norm_matches_gaussian():
    x, y = gaussian_pair(3000, dim=2, mi=1.0, seed=3)
    assert mi.ksg(x, y, norm="max") == pytest.approx(1.0, rel=0.15)


def test_ksg_is_symmetric():
    x, y = gaussian_pair(1500, dim=2, mi=0.8, seed=4)
    y = y[:, :1]
    assert mi.ksg(x, y) == pytest.approx(mi.ksg(y, x), abs=1e-9)


def test_ksg_independent_is_near_zero():
    rng = np.random.default_rng(5)
    estimate = mi.ksg(rng.standard_normal((2000, 2)), rng.standard_normal((2000, 3)))
    assert abs(estimate) < 0.03


@pytest.mark.parametrize("transform", [lambda v: v**3, np.exp, np.arcsinh])
def test_ksg_nearly_invariant_to_monotone_maps(transform):
    x, y = gaussian_pair(2000, dim=1, mi=0.7, seed=6)
    baseline = mi.ksg(x, y)
    assert mi.ksg(transform(x), y) == pytest.approx(baseline, abs=0.06)


def test_ksg_invariant_to_column_scaling():
    x, y = gaussian_pair(1000, dim=2, mi=0.7, seed=7)
    scaled = x * np.array([1000.0, 0.001]) + 5.0
    assert mi.ksg(scaled, y) == pytest.approx(mi.ksg(x, y), abs=1e-6)


def test_ksg_matches_scikit_learn_in_one_dimension():
    feature_selection = pytest.importorskip("sklearn.feature_selection")
    x, y = gaussian_pair(1000, dim=1, mi=0.5, seed=8)
    reference = feature_selection.mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0]
    assert mi.ksg(x, y) == pytest.approx(reference, abs=2e-3)


def test_ksg_chunk_size_does_not_change_result():
    x, y = gaussian_pair(700, dim=3, mi=1.0, seed=9)
    whole = mi.ksg(x, y, chunk_size=700)
    assert mi.ksg(x, y, chunk_size=13) == pytest.approx(whole, abs=1e-12)


@pytest.mark.parametrize("norm", ["euclidean", "max"])
@pytest.mark.parametrize("dim", [2, 5])
def test_chunked_distances_match_direct(norm, dim):
    points = torch.randn(300, dim, dtype=torch.float64)
    direct = torch.cdist(points, points, p=2.0 if norm == "euclidean" else float("inf"))
    chunked = pairwise_distances(points, norm=norm, chunk_size=7)
    assert torch.allclose(chunked, direct, atol=1e-6)


def test_ksg_float32_compute_matches_float64():
    x, y = gaussian_pair(1500, dim=3, mi=1.0, seed=10)
    assert mi.ksg(x, y) == pytest.approx(mi.ksg(x, y, compute_dtype=torch.float64), abs=1e-3)


def test_ksg_float32_tensor_matches_numpy():
    x, y = gaussian_pair(1500, dim=3, mi=1.0, seed=10)
    single = mi.ksg(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))
    assert single == pytest.approx(mi.ksg(x, y), abs=1e-3)


def test_kl_entropy_matches_gaussian_entropy():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3000, 3)) * np.array([1.0, 2.0, 0.5])
    true_entropy = 0.5 * 3 * math.log(2 * math.pi * math.e) + math.log(1.0 * 2.0 * 0.5)
    assert mi.kl_entropy(x) == pytest.approx(true_entropy, abs=0.08)


def test_kl_entropy_shifts_with_scale():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((1000, 2))
    assert mi.kl_entropy(10 * x) == pytest.approx(mi.kl_entropy(x) + 2 * math.log(10), abs=1e-6)


def test_kl_entropy_max_norm_matches_gaussian_entropy():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3000, 2))
    assert mi.kl_entropy(x, norm="max") == pytest.approx(math.log(2 * math.pi * math.e), abs=0.08)


def test_ross_matches_scikit_learn():
    feature_selection = pytest.importorskip("sklearn.feature_selection")
    rng = np.random.default_rng(14)
    labels = rng.integers(0, 3, size=1500)
    t = labels + rng.standard_normal(1500)
    reference = feature_selection.mutual_info_classif(t[:, None], labels, n_neighbors=3, random_state=0)[0]
    assert mi.ross(t, labels) == pytest.approx(reference, abs=3e-3)


def test_ross_matches_known_mixture_mi():
    # Two well separated classes: I(T;Y) = H(Y) = log 2.
    rng = np.random.default_rng(15)
    labels = rng.integers(0, 2, size=2000)
    t = 20.0 * labels[:, None] + rng.standard_normal((2000, 2))
    assert mi.ross(t, labels) == pytest.approx(math.log(2), abs=0.02)


def test_ross_accepts_string_labels():
    rng = np.random.default_rng(16)
    labels = rng.integers(0, 2, size=600)
    t = labels + rng.standard_normal(600)
    names = np.array(["cat", "dog"])[labels]
    assert mi.ross(t, names) == pytest.approx(mi.ross(t, labels), abs=1e-12)


def test_mixed_ksg_is_ross():
    assert mi.mixed_ksg is mi.ross


def test_mutual_information_dispatches_to_ksg():
    x, y = gaussian_pair(500, dim=1, mi=0.5, seed=17)
    assert mi.mutual_information(x, y, method="ksg", k=4) == mi.ksg(x, y, k=4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_ksg_gpu_matches_cpu():
    x, y = gaussian_pair(3000, dim=3, mi=1.0, seed=18)
    cpu = mi.ksg(torch.tensor(x), torch.tensor(y))
    gpu = mi.ksg(torch.tensor(x, device="cuda"), torch.tensor(y, device="cuda"))
    assert gpu == pytest.approx(cpu, abs=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_kde_and_ross_gpu_match_cpu():
    rng = np.random.default_rng(19)
    labels = rng.integers(0, 3, size=1000)
    h = labels[:, None] + rng.standard_normal((1000, 4))
    for function in (lambda t: mi.ross(t, labels), lambda t: mi.kde_upper(t, 0.5, labels)):
        cpu = function(torch.tensor(h))
        gpu = function(torch.tensor(h, device="cuda"))
        assert gpu == pytest.approx(cpu, abs=1e-6)
