import math

import numpy as np
import pytest
import torch
from sklearn.metrics import mutual_info_score

from ibnotes import ib

BETAS = np.geomspace(0.5, 3000, 36)


@pytest.fixture(scope="module")
def joint() -> np.ndarray:
    return ib.structured_joint(n_groups=4, per_group=3, n_y=6, seed=3)


@pytest.fixture(scope="module")
def curve(joint) -> ib.IBCurve:
    return ib.ib_curve(joint, BETAS, n_clusters=joint.shape[0], seed=0)


def sorted_by_compression(curve: ib.IBCurve) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(curve.i_xt, kind="stable")
    return curve.i_xt[order], curve.i_ty[order]


def concavity_violation(i_xt: np.ndarray, i_ty: np.ndarray) -> float:
    """Largest distance of a point below the chord of its two neighbours, in nats."""
    worst = 0.0
    for i in range(1, len(i_xt) - 1):
        left, right = i_xt[i] - i_xt[i - 1], i_xt[i + 1] - i_xt[i]
        if left < 1e-6 or right < 1e-6:
            continue
        chord = i_ty[i - 1] + (i_ty[i + 1] - i_ty[i - 1]) * left / (left + right)
        worst = max(worst, chord - i_ty[i])
    return worst


def test_mutual_information_independent_is_zero():
    joint = np.outer([0.2, 0.3, 0.5], [0.6, 0.4])
    assert ib.mutual_information_discrete(joint) == pytest.approx(0.0, abs=1e-12)


def test_mutual_information_diagonal_is_log_n():
    assert ib.mutual_information_discrete(np.eye(5)) == pytest.approx(math.log(5))


def test_mutual_information_matches_sklearn(joint):
    counts = np.round(joint * 10_000).astype(np.int64)
    expected = mutual_info_score(None, None, contingency=counts)
    assert ib.mutual_information_discrete(counts) == pytest.approx(expected, rel=1e-9)


def test_mutual_information_allows_empty_rows():
    joint = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    assert ib.mutual_information_discrete(joint) == pytest.approx(math.log(2))


def test_mutual_information_rejects_nan_row():
    with pytest.raises(ValueError, match="NaN or inf"):
        ib.mutual_information_discrete([[0.5, 0.5], [float("nan"), 0.0]])


def test_mutual_information_rejects_zero_joint():
    with pytest.raises(ValueError, match="joint sums to zero"):
        ib.mutual_information_discrete(np.zeros((2, 2)))


def test_entropy_uniform_is_log_n():
    assert ib.entropy_discrete(np.ones(8)) == pytest.approx(math.log(8))


def test_as_joint_normalises_counts():
    p_xy = ib.as_joint([[1, 3], [2, 2]])
    assert p_xy.dtype == torch.float64
    assert torch.allclose(p_xy, torch.tensor([[0.125, 0.375], [0.25, 0.25]], dtype=torch.float64))


def test_step_keeps_rows_normalised(joint):
    encoder = ib.random_encoder(joint.shape[0], 5, seed=1)
    updated = ib.ib_step(joint, encoder, beta=3.0)
    assert updated.shape == (joint.shape[0], 5)
    assert torch.allclose(updated.sum(dim=1), torch.ones(joint.shape[0], dtype=torch.float64))


def test_solution_is_fixed_point(joint):
    solution = ib.iterative_ib(joint, beta=20.0, n_clusters=6, seed=2, tol=1e-10, max_iter=20_000)
    assert solution.converged
    updated = ib.ib_step(joint, solution.encoder, beta=20.0)
    assert torch.allclose(updated, solution.encoder, atol=1e-8)


def test_solution_marginal_and_decoder_consistent(joint):
    solution = ib.iterative_ib(joint, beta=10.0, n_clusters=4, seed=0)
    p_x = torch.as_tensor(joint.sum(axis=1))
    p_xt = solution.encoder * p_x[:, None]
    assert torch.allclose(solution.marginal, p_xt.sum(dim=0))
    p_ty = p_xt.T @ torch.as_tensor(joint / joint.sum(axis=1, keepdims=True))
    assert torch.allclose(solution.decoder * solution.marginal[:, None], p_ty, atol=1e-12)


def test_solution_lagrangian(joint):
    solution = ib.iterative_ib(joint, beta=5.0, n_clusters=3, seed=0)
    assert solution.lagrangian == pytest.approx(solution.i_xt - 5.0 * solution.i_ty)


def test_beta_below_one_gives_trivial_solution(joint):
    # I(T;Y) <= I(X;T) by data processing, so for beta <= 1 the Lagrangian
    # is minimised by I(X;T) = 0.
    solution = ib.iterative_ib(joint, beta=0.9, n_clusters=6, seed=0, max_iter=5000)
    assert solution.i_xt < 1e-6


def test_numpy_and_torch_inputs_agree(joint):
    from_numpy = ib.iterative_ib(joint, beta=8.0, n_clusters=4, seed=5)
    from_torch = ib.iterative_ib(torch.as_tensor(joint), beta=8.0, n_clusters=4, seed=5)
    assert from_numpy.i_xt == pytest.approx(from_torch.i_xt, abs=1e-12)
    assert from_numpy.i_ty == pytest.approx(from_torch.i_ty, abs=1e-12)


def test_curve_within_limits(curve):
    assert np.all(curve.i_ty <= curve.i_xy + 1e-9)
    assert np.all(curve.i_xt <= curve.h_x + 1e-9)
    assert np.all(curve.i_ty <= curve.i_xt + 1e-9), "data processing: I(T;Y) <= I(X;T)"


def test_curve_is_monotone(curve):
    i_xt, i_ty = sorted_by_compression(curve)
    assert np.diff(i_ty).min() >= -1e-9


def test_curve_grows_with_beta(curve):
    assert np.diff(curve.i_xt).min() >= -1e-6
    assert np.diff(curve.i_ty).min() >= -1e-9


def test_curve_is_concave(curve):
    assert concavity_violation(*sorted_by_compression(curve)) < 1e-4


def test_curve_reaches_mutual_information(curve):
    assert curve.i_ty[-1] >= 0.99 * curve.i_xy


def test_curve_compresses_fully_at_small_beta(curve):
    assert curve.i_xt[0] < 1e-6
    assert curve.n_effective[0] == 1


def test_curve_clusters_split_with_beta(curve):
    assert np.diff(curve.n_effective).min() >= 0
    assert curve.n_effective[-1] == curve.solutions[0].encoder.shape[0]
    assert len(curve.transitions()) >= 3


def test_curve_ignores_row_order(joint, curve):
    permutation = np.random.default_rng(0).permutation(joint.shape[0])
    permuted = ib.ib_curve(joint[permutation], BETAS, n_clusters=joint.shape[0], seed=0)
    np.testing.assert_allclose(permuted.i_xt, curve.i_xt, atol=1e-9)
    np.testing.assert_allclose(permuted.i_ty, curve.i_ty, atol=1e-9)


def test_curve_keeps_beta_order(joint):
    betas = [50.0, 2.0, 10.0]
    forward = ib.ib_curve(joint, sorted(betas), n_clusters=6, seed=0)
    shuffled = ib.ib_curve(joint, betas, n_clusters=6, seed=0)
    np.testing.assert_allclose(shuffled.i_ty, forward.i_ty[[2, 0, 1]])


def test_effective_clusters_merges_duplicates():
    marginal = torch.tensor([0.3, 0.3, 0.3999, 0.0001])
    decoder = torch.tensor([[0.5, 0.5], [0.5, 0.5], [0.9, 0.1], [0.0, 1.0]])
    assert ib.effective_clusters(marginal, decoder) == 2


def test_structured_joint_shape_and_sum():
    joint = ib.structured_joint(n_groups=3, per_group=2, n_y=4, seed=0)
    assert joint.shape == (6, 4)
    assert joint.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("joint", "match"),
    [
        ([[0.5, -0.1], [0.3, 0.3]], "negative entries"),
        ([[0.5, float("nan")], [0.3, 0.2]], "NaN or inf"),
        ([[0.5, 0.5], [0.0, 0.0]], r"rows \[1\] of the joint sum to zero"),
        ([0.5, 0.5], "must be 2-D"),
        (np.ones((2, 2, 2)), "must be 2-D"),
        (np.zeros((0, 3)), "must not be empty"),
    ],
)
def test_iterative_ib_rejects_bad_joint(joint, match):
    with pytest.raises(ValueError, match=match):
        ib.iterative_ib(joint, beta=1.0, n_clusters=2)


@pytest.mark.parametrize("beta", [0.0, -1.0, float("inf"), float("nan")])
def test_iterative_ib_rejects_bad_beta(beta):
    with pytest.raises(ValueError, match="beta must be a finite number > 0"):
        ib.iterative_ib(np.eye(2), beta=beta, n_clusters=2)


@pytest.mark.parametrize("n_clusters", [0, -2, 1.5])
def test_iterative_ib_rejects_bad_cluster_count(n_clusters):
    with pytest.raises(ValueError, match="n_clusters must be an integer >= 1"):
        ib.iterative_ib(np.eye(2), beta=1.0, n_clusters=n_clusters)


def test_iterative_ib_rejects_bad_init():
    with pytest.raises(ValueError, match=r"shape \[n_x, n_clusters\] = \[2, 3\]"):
        ib.iterative_ib(np.eye(2), beta=1.0, n_clusters=3, init=np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="must sum to 1"):
        ib.iterative_ib(np.eye(2), beta=1.0, n_clusters=2, init=np.ones((2, 2)))


def test_ib_curve_rejects_bad_betas():
    with pytest.raises(ValueError, match="non-empty 1-D"):
        ib.ib_curve(np.eye(2), [], n_clusters=2)
    with pytest.raises(ValueError, match="beta must be a finite number > 0"):
        ib.ib_curve(np.eye(2), [1.0, 0.0], n_clusters=2)


def test_ib_curve_rejects_bad_perturbation():
    with pytest.raises(ValueError, match=r"perturbation must lie in \[0, 1\)"):
        ib.ib_curve(np.eye(2), [1.0], n_clusters=2, perturbation=1.0)
