"""Benchmark tasks with known MI."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ibnotes.mi import tasks


@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_sample_shapes_and_finite(name):
    task = tasks.get_task(name)
    x, y = task.sample(64, seed=1)
    assert x.shape == (64, task.dim_x)
    assert y.shape == (64, task.dim_y)
    assert np.isfinite(x).all()
    assert np.isfinite(y).all()
    assert task.mutual_information > 0


def test_task_count_covers_benchmark():
    assert len(tasks.TASKS) >= 40


def test_sampling_is_reproducible():
    task = tasks.get_task("spiral@multinormal-sparse-5x5")
    first, second = task.sample(10, seed=4), task.sample(10, seed=4)
    assert np.array_equal(first[0], second[0])


def test_binormal_closed_form():
    assert tasks.get_task("binormal-1x1").mutual_information == pytest.approx(-0.5 * math.log(1 - 0.75**2))


def test_sparse_no_noise_is_two_pairs():
    expected = -math.log(1 - 0.8**2)
    assert tasks.get_task("multinormal-sparse-5x5-no-noise").mutual_information == pytest.approx(expected)


def test_dense_covariance_mi_matches_canonical_correlations():
    covariance = tasks.dense_covariance(3, 2)
    sxx, syy, sxy = covariance[:3, :3], covariance[3:, 3:], covariance[:3, 3:]
    whitened = np.linalg.inv(np.linalg.cholesky(sxx)) @ sxy @ np.linalg.inv(np.linalg.cholesky(syy)).T
    rho = np.linalg.svd(whitened, compute_uv=False)
    assert tasks.gaussian_mi(covariance, 3) == pytest.approx(-0.5 * np.log(1 - rho**2).sum())


@pytest.mark.parametrize("dim_x, dim_y, dof", [(1, 1, 1), (2, 3, 5)])
def test_student_t_mi_matches_monte_carlo(dim_x, dim_y, dof):
    dispersion = tasks.dense_covariance(dim_x, dim_y, 0.5)
    x, y = tasks._student_sampler(dispersion, dim_x, dof)(200_000, np.random.default_rng(0))
    joint = stats.multivariate_t(shape=dispersion, df=dof).logpdf(np.hstack([x, y]))
    marginal_x = stats.multivariate_t(shape=dispersion[:dim_x, :dim_x], df=dof).logpdf(x)
    marginal_y = stats.multivariate_t(shape=dispersion[dim_x:, dim_x:], df=dof).logpdf(y)
    monte_carlo = np.mean(joint - marginal_x - marginal_y)
    assert tasks.student_t_mi(dispersion, dim_x, dof) == pytest.approx(monte_carlo, abs=0.01)


@pytest.mark.parametrize("epsilon", [0.1, 0.75])
def test_additive_noise_mi_matches_numerical_integral(epsilon):
    def density(value):
        # Density of Y = X + U(-eps, eps), X ~ U(0, 1): overlap length / (2 eps).
        return max(0.0, min(1.0, value + epsilon) - max(0.0, value - epsilon)) / (2 * epsilon)

    def integrand(value):
        p = density(value)
        return -p * math.log(p) if p > 0 else 0.0

    kinks = sorted([epsilon, 1 - epsilon])
    entropy_y, _ = integrate.quad(integrand, -epsilon, 1 + epsilon, points=kinks, limit=200)
    assert tasks.additive_noise_mi(epsilon) == pytest.approx(entropy_y - math.log(2 * epsilon), abs=1e-6)


@pytest.mark.parametrize("transform", [tasks.wiggly, tasks.half_cube, tasks.normal_cdf])
def test_per_coordinate_transforms_are_increasing(transform):
    grid = np.linspace(-6, 6, 10001)
    assert np.all(np.diff(transform(grid)) > 0)


def test_spiral_is_invertible():
    rng = np.random.default_rng(5)
    values = rng.standard_normal((100, 3))
    rotated = tasks.spiral(values)
    angle = 0.5 * np.square(rotated).sum(axis=1)
    recovered = rotated.copy()
    recovered[:, 0] = np.cos(angle) * rotated[:, 0] + np.sin(angle) * rotated[:, 1]
    recovered[:, 1] = -np.sin(angle) * rotated[:, 0] + np.cos(angle) * rotated[:, 1]
    assert np.allclose(recovered, values)


def test_gaussian_pair_has_requested_correlation():
    x, y = tasks.gaussian_pair(50_000, dim=2, mi=1.0, seed=6)
    rho = math.sqrt(1 - math.exp(-1.0))
    assert np.corrcoef(x[:, 0], y[:, 0])[0, 1] == pytest.approx(rho, abs=0.01)


def test_unknown_task_lists_valid_names():
    with pytest.raises(ValueError, match="unknown task 'nope'; valid tasks are: binormal-1x1"):
        tasks.get_task("nope")


TRANSFORMED_1D = ["uniform@binormal-1x1", "wiggly@binormal-1x1", "half-cube@binormal-1x1", "bimodal@binormal-1x1"]


@pytest.mark.parametrize("name", TRANSFORMED_1D)
def test_ksg_recovers_transformed_one_dimensional_tasks(name):
    from ibnotes import mi

    task = tasks.get_task(name)
    x, y = task.sample(3000, seed=7)
    assert mi.ksg(x, y) == pytest.approx(task.mutual_information, abs=0.06)


def test_image_task_shapes_and_mi():
    task = tasks.image_task(mi=1.5, size=12)
    x, y = task.sample(20, seed=0)
    assert x.shape == (20, 144)
    assert y.shape == (20, 144)
    assert task.mutual_information == 1.5


def test_compressed_ksg_on_image_task():
    from ibnotes import mi

    task = tasks.image_task(mi=1.0, size=16)
    x, y = task.sample(2000, seed=1)
    estimate = mi.compressed(x, y, dim=2, compressor="pca")
    assert 0.5 < estimate < 1.1
