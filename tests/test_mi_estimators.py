"""Gaussian, binning, KDE, matrix-based, compressed and batched estimators."""

import math

import numpy as np
import pytest
import torch

from ibnotes import mi
from ibnotes.mi.tasks import gaussian_pair


# ------------------------------------------------------------------ gaussian


def test_gaussian_matches_closed_form():
    x, y = gaussian_pair(20000, dim=3, mi=1.5, seed=0)
    assert mi.gaussian(x, y) == pytest.approx(1.5, rel=0.03)


def test_gaussian_is_symmetric():
    x, y = gaussian_pair(500, dim=2, mi=1.0, seed=1)
    assert mi.gaussian(x, y[:, :1]) == pytest.approx(mi.gaussian(y[:, :1], x), abs=1e-10)


def test_gaussian_ridge_handles_collinear_columns():
    x, y = gaussian_pair(500, dim=1, mi=1.0, seed=2)
    value = mi.gaussian(np.column_stack([x, 2 * x]), y, ridge=1e-3)
    assert np.isfinite(value)


def test_gaussian_is_differentiable():
    x = torch.randn(200, 2, dtype=torch.float64, requires_grad=True)
    y = x.detach() + torch.randn(200, 2, dtype=torch.float64)
    mi.gaussian(x, y, return_tensor=True).backward()
    assert torch.isfinite(x.grad).all()


# ------------------------------------------------------------------- binning


def test_discrete_entropy_of_uniform_labels():
    assert mi.discrete_entropy(np.arange(1000) % 4) == pytest.approx(math.log(4))


def test_discrete_entropy_miller_madow_adds_bias_term():
    labels = np.arange(100) % 4
    corrected = mi.discrete_entropy(labels, bias_correction=True)
    assert corrected == pytest.approx(math.log(4) + 3 / 200)


def test_binning_deterministic_labels_give_label_entropy():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, size=(2000, 1))
    labels = (x[:, 0] > 0.5).astype(int)
    assert mi.binning(x, labels, bins=10) == pytest.approx(math.log(2), abs=0.01)


def test_binning_matches_gaussian_roughly():
    x, y = gaussian_pair(20000, dim=1, mi=0.5, seed=4)
    assert mi.binning(x, y, bins=20, bias_correction=True) == pytest.approx(0.5, abs=0.08)


def test_binning_independent_is_small_with_bias_correction():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((5000, 1)), rng.standard_normal((5000, 1))
    raw = mi.binning(x, y, bins=10)
    corrected = mi.binning(x, y, bins=10, bias_correction=True)
    assert abs(corrected) < raw


def test_binning_fixed_range_clips_outside_values():
    x = torch.tensor([[-2.0], [-0.5], [0.5], [2.0]])
    indices = mi.discretize(x, bins=2, bin_range=(-1.0, 1.0))
    assert indices.flatten().tolist() == [0, 0, 1, 1]


def test_binned_entropy_at_most_log_n():
    rng = np.random.default_rng(6)
    assert mi.binned_entropy(rng.standard_normal((300, 5)), bins=30) <= math.log(300) + 1e-12


# ----------------------------------------------------------------------- kde


def test_kde_upper_is_log_n_for_separated_points():
    h = 100.0 * np.arange(50.0)[:, None]
    assert mi.kde_upper(h, noise_var=1.0) == pytest.approx(math.log(50), abs=1e-9)


def test_kde_lower_below_upper():
    rng = np.random.default_rng(7)
    h = rng.standard_normal((400, 3))
    assert mi.kde_lower(h, 0.5) < mi.kde_upper(h, 0.5)


def test_kde_bounds_bracket_gaussian_channel_mi():
    # h ~ N(0, I) in d dims and noise N(0, s I): I(h; h + noise) = d/2 log(1 + 1/s),
    # and the bounds on the sample mixture approach it for large n.
    rng = np.random.default_rng(8)
    h = rng.standard_normal((3000, 2))
    true_mi = math.log(1 + 1 / 0.5)
    assert mi.kde_lower(h, 0.5) < true_mi + 0.05
    assert mi.kde_upper(h, 0.5) > true_mi - 0.05


def test_kde_labels_give_label_information():
    rng = np.random.default_rng(9)
    labels = rng.integers(0, 2, size=600)
    h = 50.0 * labels[:, None] + rng.standard_normal((600, 2))
    estimate = mi.kde_estimate(h, 0.1, labels)
    assert estimate.i_ty == pytest.approx(math.log(2), abs=0.01)
    assert estimate.h_t == pytest.approx(estimate.i_xt + estimate.h_t_given_x)


def test_kde_chunk_size_does_not_change_result():
    rng = np.random.default_rng(10)
    h = rng.standard_normal((300, 4))
    labels = rng.integers(0, 3, size=300)
    whole = mi.kde_upper(h, 0.3, labels, chunk_size=300)
    assert mi.kde_upper(h, 0.3, labels, chunk_size=11) == pytest.approx(whole, abs=1e-10)


def test_kde_rejects_non_positive_noise():
    with pytest.raises(ValueError, match="noise_var must be positive"):
        mi.kde_upper(np.ones((10, 2)) * np.arange(10)[:, None], 0.0)


# -------------------------------------------------------------- matrix-based


def test_renyi_mi_independent_below_dependent():
    x, y = gaussian_pair(300, dim=1, mi=1.0, seed=11)
    rng = np.random.default_rng(12)
    assert mi.renyi_mi(x, rng.standard_normal((300, 1))) < mi.renyi_mi(x, y)


def test_renyi_entropy_at_most_log_n():
    rng = np.random.default_rng(13)
    value = mi.renyi_entropy(rng.standard_normal((200, 3)), alpha=2.0)
    assert 0 < value <= math.log(200) + 1e-9


def test_renyi_alpha_one_is_shannon_limit():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((150, 2))
    assert mi.renyi_entropy(x, alpha=1.0) == pytest.approx(mi.renyi_entropy(x, alpha=1.0 + 1e-6), abs=1e-4)


@pytest.mark.parametrize("function", [mi.renyi_mi, mi.cs_qmi])
def test_kernel_mi_is_differentiable(function):
    x = torch.randn(100, 3, dtype=torch.float64, requires_grad=True)
    y = torch.randn(100, 2, dtype=torch.float64, requires_grad=True)
    value = function(x, y + x[:, :2], return_tensor=True)
    value.backward()
    assert torch.isfinite(value)
    assert torch.isfinite(x.grad).all()
    assert torch.isfinite(y.grad).all()
    assert x.grad.abs().sum() > 0


def test_renyi_gradient_finite_with_duplicate_rows():
    x = torch.randn(50, 2, dtype=torch.float64)
    x = torch.cat([x, x]).requires_grad_(True)
    mi.renyi_mi(x, x.detach() ** 2, sigma=1.0, return_tensor=True).backward()
    assert torch.isfinite(x.grad).all()


def test_cs_qmi_non_negative_and_grows_with_dependence():
    rng = np.random.default_rng(15)
    x = rng.standard_normal((300, 1))
    independent = mi.cs_qmi(x, rng.standard_normal((300, 1)), sigma=1.0)
    dependent = mi.cs_qmi(x, x + 0.1 * rng.standard_normal((300, 1)), sigma=1.0)
    assert independent >= -1e-12
    assert dependent > independent + 0.1


def test_kernel_sigma_must_be_positive():
    with pytest.raises(ValueError, match="sigma must be a positive kernel width"):
        mi.cs_qmi(np.arange(5.0), np.arange(5.0), sigma=0.0)


# ---------------------------------------------------------------- compressed


def test_compressed_pca_recovers_low_dimensional_signal():
    x, y = gaussian_pair(2000, dim=2, mi=1.0, seed=16)
    rng = np.random.default_rng(17)
    mixing = rng.standard_normal((2, 40))
    x_high = x @ mixing + 0.01 * rng.standard_normal((2000, 40))
    estimate = mi.compressed(x_high, y, dim=2, compressor="pca")
    assert estimate == pytest.approx(mi.ksg(x, y), abs=0.1)


def test_compressed_autoencoder_runs_and_is_positive():
    x, y = gaussian_pair(800, dim=2, mi=1.0, seed=18)
    x_high = np.tanh(x @ np.random.default_rng(19).standard_normal((2, 16)))
    estimate = mi.compressed(x_high, y, dim=2, compressor="autoencoder", compressor_options={"steps": 200})
    assert 0.3 < estimate < 1.3


def test_compressed_keeps_labels():
    rng = np.random.default_rng(20)
    labels = rng.integers(0, 2, size=500)
    x = labels[:, None] + rng.standard_normal((500, 10))
    value = mi.compressed(x, labels, dim=3, method="ross", y_discrete=True)
    assert 0 < value < math.log(2)


def test_compress_rejects_unknown_compressor():
    with pytest.raises(ValueError, match="compressor must be 'pca' or 'autoencoder'"):
        mi.compress(np.random.default_rng(0).standard_normal((50, 5)), 2, compressor="umap")


# ------------------------------------------------------------------- batched


def test_batched_ksg_equals_one_by_one():
    pairs = [gaussian_pair(400, dim=2, mi=m, seed=i) for i, m in enumerate((0.2, 0.5, 1.0))]
    pairs.append(gaussian_pair(300, dim=1, mi=0.5, seed=9))
    expected = [mi.ksg(x, y) for x, y in pairs]
    assert mi.batched(pairs, method="ksg") == pytest.approx(expected, abs=1e-10)


def test_batched_kde_equals_one_by_one():
    rng = np.random.default_rng(21)
    labels = rng.integers(0, 3, size=200)
    pairs = [(rng.standard_normal((200, 3)), labels) for _ in range(3)] + [(rng.standard_normal((200, 3)), None)]
    expected = [mi.kde_upper(h, 0.2, y) for h, y in pairs]
    assert mi.batched(pairs, method="kde", noise_var=0.2) == pytest.approx(expected, abs=1e-10)


def test_batched_binning_equals_one_by_one():
    rng = np.random.default_rng(22)
    labels = rng.integers(0, 2, size=300)
    pairs = [(rng.standard_normal((300, 2)), labels) for _ in range(3)]
    expected = [mi.binning(h, y, bins=8) for h, y in pairs]
    assert mi.batched(pairs, method="binning", bins=8) == pytest.approx(expected, abs=1e-12)


def test_batched_error_names_the_pair():
    good = gaussian_pair(100, dim=1, mi=0.5, seed=0)
    bad = (np.full(100, np.nan), good[1])
    with pytest.raises(ValueError, match="pair 1: x contains 100 NaN"):
        mi.batched([good, bad], method="ksg")
