"""Benchmark distributions with known mutual information.

The families follow Czyz et al., "Beyond Normal: On the Evaluation of Mutual
Information Estimators", NeurIPS 2023: multivariate normal and Student-t
distributions with closed-form MI, additive uniform noise, and invertible
per-variable transforms of them (half-cube, asinh, normal CDF, wiggly,
spiral, bimodal, Swiss-roll embedding). An invertible map applied to X alone
and to Y alone leaves I(X;Y) unchanged, so the transformed tasks keep the
MI of their base distribution. Task names and dimensions follow the
paper's list; the constants of the wiggly, bimodal, spiral and Swiss-roll
maps are this module's own choices. Used by the estimator chapter, the
lossy-compression chapter (the image tasks) and the benchmarks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

Array = np.ndarray
Sampler = Callable[[int, np.random.Generator], tuple[Array, Array]]
Transform = Callable[[Array], Array]

__all__ = [
    "Task",
    "TASKS",
    "get_task",
    "gaussian_pair",
    "gaussian_mi",
    "student_t_mi",
    "additive_noise_mi",
    "dense_covariance",
    "sparse_covariance",
    "image_task",
    "render_gaussian_blobs",
    "rectangle_task",
    "render_rectangles",
]


@dataclass(frozen=True)
class Task:
    """A distribution of (X, Y) with known I(X;Y).

    Attributes:
        name: unique task name, e.g. ``"multinormal-sparse-5x5"``.
        dim_x: columns of X.
        dim_y: columns of Y.
        mutual_information: true I(X;Y) in nats.
        sampler: ``sampler(n, rng) -> (x [n, dim_x], y [n, dim_y])``.
    """

    name: str
    dim_x: int
    dim_y: int
    mutual_information: float
    sampler: Sampler

    def sample(self, n: int, seed: int = 0) -> tuple[Array, Array]:
        """Draw ``n`` samples: float64 arrays ``x`` [n, dim_x] and ``y`` [n, dim_y]."""
        if n < 1:
            raise ValueError(f"n must be a positive number of samples, got {n}.")
        x, y = self.sampler(n, np.random.default_rng(seed))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


# ---------------------------------------------------------------- closed forms


def gaussian_mi(covariance: Array, dim_x: int) -> float:
    """I(X;Y) in nats of a Gaussian with joint ``covariance`` (X first)."""
    _, joint = np.linalg.slogdet(covariance)
    _, marginal_x = np.linalg.slogdet(covariance[:dim_x, :dim_x])
    _, marginal_y = np.linalg.slogdet(covariance[dim_x:, dim_x:])
    return 0.5 * (marginal_x + marginal_y - joint)


def _student_term(z: float) -> float:
    """log Gamma(z/2) - (z/2) psi(z/2)."""
    return special.gammaln(z / 2) - z / 2 * special.digamma(z / 2)


def student_t_mi(dispersion: Array, dim_x: int, dof: float) -> float:
    """I(X;Y) in nats of a multivariate Student-t with ``dof`` degrees of freedom.

    It is the Gaussian MI of the dispersion matrix plus a term that only
    depends on the dimensions, because X and Y share the random scale:
    c = f(dof) + f(dof + dx + dy) - f(dof + dx) - f(dof + dy), with
    f(z) = log Gamma(z/2) - (z/2) psi(z/2).
    """
    dim_y = dispersion.shape[0] - dim_x
    correction = (
        _student_term(dof)
        + _student_term(dof + dim_x + dim_y)
        - _student_term(dof + dim_x)
        - _student_term(dof + dim_y)
    )
    return gaussian_mi(dispersion, dim_x) + float(correction)


def additive_noise_mi(epsilon: float) -> float:
    """I(X;Y) in nats for X ~ U(0, 1), Y = X + U(-epsilon, epsilon).

    h(Y|X) = log(2 epsilon) and Y has a trapezoidal density, which gives
    epsilon - log(2 epsilon) for epsilon <= 1/2 and 1 / (4 epsilon) above.
    """
    if epsilon <= 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}.")
    if epsilon <= 0.5:
        return epsilon - math.log(2 * epsilon)
    return 1 / (4 * epsilon)


# ------------------------------------------------------------ base samplers


def dense_covariance(dim_x: int, dim_y: int, correlation: float = 0.5) -> Array:
    """Correlation matrix with every off-diagonal entry equal to ``correlation``."""
    size = dim_x + dim_y
    return np.full((size, size), correlation) + (1 - correlation) * np.eye(size)


def sparse_covariance(
    dim_x: int, dim_y: int, interacting: int = 2, signal: float = 0.8, noise: float = 0.1
) -> Array:
    """Correlation matrix where only ``interacting`` pairs (X_i, Y_i) are correlated.

    X_i and Y_i have correlation ``signal`` for ``i < interacting``; columns
    within X and within Y have correlation ``noise``; all other X-Y entries are 0.
    """
    covariance = np.eye(dim_x + dim_y)
    covariance[:dim_x, :dim_x] += noise * (1 - np.eye(dim_x))
    covariance[dim_x:, dim_x:] += noise * (1 - np.eye(dim_y))
    for i in range(interacting):
        covariance[i, dim_x + i] = covariance[dim_x + i, i] = signal
    return covariance


def _normal_sampler(covariance: Array, dim_x: int) -> Sampler:
    """Sampler of a zero-mean Gaussian split into X and Y."""
    factor = np.linalg.cholesky(covariance)

    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        z = rng.standard_normal((n, covariance.shape[0])) @ factor.T
        return z[:, :dim_x], z[:, dim_x:]

    return sample


def _student_sampler(dispersion: Array, dim_x: int, dof: float) -> Sampler:
    """Sampler of a multivariate Student-t: Gaussian divided by sqrt(chi2 / dof)."""
    normal = _normal_sampler(dispersion, dim_x)

    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        x, y = normal(n, rng)
        scale = np.sqrt(rng.chisquare(dof, size=(n, 1)) / dof)
        return x / scale, y / scale

    return sample


def _additive_noise_sampler(epsilon: float) -> Sampler:
    """Sampler of X ~ U(0, 1), Y = X + U(-epsilon, epsilon)."""

    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        x = rng.uniform(0, 1, size=(n, 1))
        return x, x + rng.uniform(-epsilon, epsilon, size=(n, 1))

    return sample


# ------------------------------------------------------ invertible transforms


def half_cube(values: Array) -> Array:
    """x -> sign(x) |x|^(3/2), per coordinate."""
    return np.sign(values) * np.abs(values) ** 1.5


def normal_cdf(values: Array) -> Array:
    """Standard normal CDF per coordinate: Gaussian margins become uniform."""
    return special.ndtr(values)


def wiggly(values: Array) -> Array:
    """x -> x + 0.3 sin(x) + 0.2 sin(1.7x + 1) + 0.1 sin(3.2x + 2), per coordinate.

    The derivative is at least 1 - 0.3 - 0.34 - 0.32 = 0.04 > 0, so the map is
    strictly increasing and invertible.
    """
    return values + 0.3 * np.sin(values) + 0.2 * np.sin(1.7 * values + 1) + 0.1 * np.sin(3.2 * values + 2)


def spiral(values: Array, speed: float = 0.5) -> Array:
    """Rotate the first two coordinates by the angle ``speed * |x|^2``.

    Rotation keeps the norm, so the angle can be recomputed from the output
    and the map is inverted by rotating back.
    """
    angle = speed * np.square(values).sum(axis=1)
    cos, sin = np.cos(angle), np.sin(angle)
    rotated = values.copy()
    rotated[:, 0] = cos * values[:, 0] - sin * values[:, 1]
    rotated[:, 1] = sin * values[:, 0] + cos * values[:, 1]
    return rotated


def _bimodal_inverse_cdf() -> Transform:
    """Map standard normal values to a two-component Gaussian mixture, monotonically.

    x -> F^-1(Phi(x)), with F the CDF of 0.5 N(-1, 0.4^2) + 0.5 N(1, 0.4^2),
    inverted by interpolation on a grid.
    """
    grid = np.linspace(-4.0, 4.0, 8001)
    cdf = 0.5 * special.ndtr((grid + 1) / 0.4) + 0.5 * special.ndtr((grid - 1) / 0.4)

    def transform(values: Array) -> Array:
        return np.interp(special.ndtr(values), cdf, grid)

    return transform


def swiss_roll(values: Array) -> Array:
    """Embed 1-D Gaussian values ``[n, 1]`` on a 2-D Swiss roll ``[n, 2]``.

    t = Phi(x) in (0, 1), angle = 1.5 pi (1 + 2t), point = angle (cos, sin) / 10.
    The radius grows with the angle, so the embedding is injective.
    """
    angle = 1.5 * np.pi * (1 + 2 * special.ndtr(values[:, 0]))
    return np.stack([angle * np.cos(angle), angle * np.sin(angle)], axis=1) / 10


def _transformed(sampler: Sampler, transform_x: Transform, transform_y: Transform) -> Sampler:
    """Sampler that applies one transform to X and one to Y."""

    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        x, y = sampler(n, rng)
        return transform_x(x), transform_y(y)

    return sample


# ------------------------------------------------------------- task builders


def _normal_task(name: str, covariance: Array, dim_x: int) -> Task:
    """Task of a Gaussian with the given joint covariance."""
    dim_y = covariance.shape[0] - dim_x
    return Task(name, dim_x, dim_y, gaussian_mi(covariance, dim_x), _normal_sampler(covariance, dim_x))


def _student_task(name: str, dispersion: Array, dim_x: int, dof: float) -> Task:
    """Task of a multivariate Student-t."""
    dim_y = dispersion.shape[0] - dim_x
    return Task(name, dim_x, dim_y, student_t_mi(dispersion, dim_x, dof), _student_sampler(dispersion, dim_x, dof))


def _transform_task(prefix: str, base: Task, transform: Transform) -> Task:
    """Return ``base`` with ``transform`` applied to X and to Y, which keeps its MI."""
    sampler = _transformed(base.sampler, transform, transform)
    return Task(f"{prefix}@{base.name}", base.dim_x, base.dim_y, base.mutual_information, sampler)


def _swiss_roll_task() -> Task:
    """X is 1-D Gaussian embedded on a Swiss roll (2-D); Y is 1-D; correlation 0.9."""
    base = _normal_task("binormal-0.9", dense_covariance(1, 1, 0.9), 1)
    sampler = _transformed(base.sampler, swiss_roll, lambda values: values)
    return Task("swissroll-2x1", 2, 1, base.mutual_information, sampler)


def _one_dimensional_tasks() -> list[Task]:
    """Tasks with 1-D variables (the Swiss roll has a 2-D X)."""
    binormal = _normal_task("binormal-1x1", dense_covariance(1, 1, 0.75), 1)
    student = _student_task("student-dense-1x1-dof1", dense_covariance(1, 1, 0.5), 1, 1)
    return [
        binormal,
        _transform_task("uniform", binormal, normal_cdf),
        _transform_task("wiggly", binormal, wiggly),
        _transform_task("half-cube", binormal, half_cube),
        _transform_task("bimodal", binormal, _bimodal_inverse_cdf()),
        Task("additive-noise-0.1", 1, 1, additive_noise_mi(0.1), _additive_noise_sampler(0.1)),
        Task("additive-noise-0.75", 1, 1, additive_noise_mi(0.75), _additive_noise_sampler(0.75)),
        student,
        _transform_task("asinh", student, np.arcsinh),
        _swiss_roll_task(),
    ]


def _multivariate_tasks() -> list[Task]:
    """Multinormal and Student-t tasks and their transforms."""
    dense = [
        _normal_task(f"multinormal-dense-{a}x{b}", dense_covariance(a, b), a)
        for a, b in ((2, 2), (2, 5), (5, 5), (25, 25), (50, 50))
    ]
    sparse = {
        (a, b): _normal_task(f"multinormal-sparse-{a}x{b}", sparse_covariance(a, b), a)
        for a, b in ((3, 3), (2, 5), (5, 5), (25, 25))
    }
    no_noise = _normal_task("multinormal-sparse-5x5-no-noise", sparse_covariance(5, 5, noise=0.0), 5)
    student_dense = [
        _student_task(f"student-dense-{a}x{b}-dof{dof}", dense_covariance(a, b), a, dof)
        for a, b, dof in ((5, 5, 2), (5, 5, 3), (5, 5, 5), (5, 5, 10), (5, 5, 30), (2, 2, 5), (25, 25, 5))
    ]
    student_sparse = [
        _student_task(f"student-sparse-{a}x{b}-dof5", sparse_covariance(a, b), a, 5)
        for a, b in ((3, 3), (2, 5), (5, 5))
    ]
    asinh_bases = [
        _student_task(f"student-dense-{a}x{a}-dof{dof}", dense_covariance(a, a), a, dof)
        for a, dof in ((2, 1), (3, 2), (5, 2))
    ]
    asinh = [_transform_task("asinh", base, np.arcsinh) for base in asinh_bases]
    transforms = (("half-cube", half_cube), ("normal-cdf", normal_cdf), ("spiral", spiral), ("wiggly", wiggly))
    transformed = [
        _transform_task(prefix, sparse[(a, a)], transform) for prefix, transform in transforms for a in (3, 5, 25)
    ]
    return [*dense, *sparse.values(), no_noise, *student_dense, *student_sparse, *asinh, *transformed]


TASKS: dict[str, Task] = {task.name: task for task in (*_one_dimensional_tasks(), *_multivariate_tasks())}
"""All benchmark tasks by name."""


def get_task(name: str) -> Task:
    """Return the task called ``name``.

    Raises:
        ValueError: unknown name (the message lists the valid ones).
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; valid tasks are: {', '.join(TASKS)}.")
    return TASKS[name]


def gaussian_pair(n: int, dim: int = 1, mi: float = 1.0, seed: int = 0) -> tuple[Array, Array]:
    """Sample ``dim`` independent correlated Gaussian pairs with total I(X;Y) = ``mi`` nats.

    Each pair (X_i, Y_i) has correlation rho = sqrt(1 - exp(-2 mi / dim)),
    so each carries ``mi / dim`` nats.

    Returns:
        ``x`` [n, dim] and ``y`` [n, dim] float64 arrays.

    Raises:
        ValueError: ``n < 1``, ``dim < 1`` or ``mi < 0``.
    """
    if n < 1 or dim < 1:
        raise ValueError(f"n and dim must be positive, got n={n}, dim={dim}.")
    if mi < 0:
        raise ValueError(f"mi must be non-negative nats, got {mi}.")
    rho = math.sqrt(1 - math.exp(-2 * mi / dim))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, dim))
    return x, y


# ------------------------------------------------------------- image tasks


def render_gaussian_blobs(centres: Array, size: int = 16, width: float = 0.12) -> Array:
    """Render one Gaussian bump per row of ``centres`` [n, 2] as ``[n, size * size]`` images.

    Centres are in (0, 1)^2 and the bump has standard deviation ``width``
    in the same units. The image is a smooth, injective function of the
    centre, so it carries the same information as the centre.
    """
    grid = (np.arange(size) + 0.5) / size
    rows = np.exp(-np.square(grid[None, :] - centres[:, :1]) / (2 * width**2))
    columns = np.exp(-np.square(grid[None, :] - centres[:, 1:2]) / (2 * width**2))
    return (rows[:, :, None] * columns[:, None, :]).reshape(len(centres), size * size)


def image_task(mi: float = 1.0, size: int = 16) -> Task:
    """Task whose X and Y are ``size x size`` images of Gaussian bumps, with I(X;Y) = ``mi``.

    Each image draws its bump's centre from a 2-D Gaussian latent, mapped
    into (0.2, 0.8)^2 with the normal CDF. The latents of X and Y are two
    correlated pairs (see :func:`gaussian_pair`), and rendering is injective,
    so I(X;Y) equals the latents' MI. This follows the synthetic image tasks
    of Butakov et al. (ICLR 2024) in spirit; the renderer and its constants
    are this module's own.
    """

    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        latent_x, latent_y = gaussian_pair(n, dim=2, mi=mi, seed=int(rng.integers(2**31)))
        centres_x = 0.2 + 0.6 * normal_cdf(latent_x)
        centres_y = 0.2 + 0.6 * normal_cdf(latent_y)
        return render_gaussian_blobs(centres_x, size), render_gaussian_blobs(centres_y, size)

    return Task(f"gaussian-images-{size}x{size}-mi{mi:g}", size * size, size * size, mi, sample)


def render_rectangles(corners: Array, size: int = 16) -> Array:
    """Render one axis-aligned rectangle per row of ``corners`` [n, 4] as ``[n, size * size]`` images.

    A row is (left, right, top, bottom) in units of the image side, inside
    [0, 1]. Each pixel contains the fraction of its area that the rectangle
    covers, so the image changes continuously with the corners. While every
    edge lies inside the image and the rectangle is more than two pixels wide
    and tall, so that it fully covers some pixel in each direction, the image
    determines the corners and rendering is injective.

    Raises:
        ValueError: ``corners`` not of shape [n, 4], a corner outside
            [0, 1], or left >= right or top >= bottom.
    """
    corners = np.asarray(corners, dtype=np.float64)
    if corners.ndim != 2 or corners.shape[1] != 4:
        raise ValueError(f"corners must have shape [n, 4] (left, right, top, bottom), got {corners.shape}.")
    if np.any(corners < 0) or np.any(corners > 1):
        raise ValueError(
            f"corners must lie in [0, 1], in units of the image side, got values from {corners.min():g} "
            f"to {corners.max():g}. Divide pixel coordinates by the image size."
        )
    if np.any(corners[:, 0] >= corners[:, 1]) or np.any(corners[:, 2] >= corners[:, 3]):
        bad = np.flatnonzero((corners[:, 0] >= corners[:, 1]) | (corners[:, 2] >= corners[:, 3]))
        raise ValueError(
            f"every rectangle needs left < right and top < bottom, but rows {bad[:10].tolist()} do not. "
            "Swap their corners."
        )

    pixel_start = np.arange(size) / size
    pixel_end = pixel_start + 1 / size

    def coverage(low: Array, high: Array) -> Array:
        """Covered fraction [n, size] of each pixel along one axis."""
        overlap = np.minimum(high[:, None], pixel_end) - np.maximum(low[:, None], pixel_start)
        return np.clip(overlap * size, 0.0, 1.0)

    columns = coverage(corners[:, 0], corners[:, 1])
    rows = coverage(corners[:, 2], corners[:, 3])
    return (rows[:, :, None] * columns[:, None, :]).reshape(len(corners), size * size)


def rectangle_task(mi: float = 1.0, size: int = 16) -> Task:
    """Task whose X and Y are ``size x size`` images of rectangles, with I(X;Y) = ``mi``.

    Each image draws its rectangle from a 4-D Gaussian latent: through the
    normal CDF, two coordinates set the centre in (0.3, 0.7) and two set the
    half-width and half-height in (0.1, 0.2) of the image side. The latents of
    X and Y are four correlated pairs (see :func:`gaussian_pair`). Every
    rectangle lies inside the image and is more than 0.2 sides wide and
    tall, so rendering is injective for ``size >= 10`` and I(X;Y) equals the latents'
    MI. Butakov et al. (ICLR 2024) test their estimator on rectangles; these
    constants are this module's own.

    Raises:
        ValueError: ``size < 10``.
    """
    if size < 10:
        raise ValueError(
            f"size must be at least 10 pixels so that every rectangle spans more than two pixels, got {size}."
        )

    def corners(latent: Array) -> Array:
        unit = normal_cdf(latent)
        centre_x, centre_y = 0.3 + 0.4 * unit[:, 0], 0.3 + 0.4 * unit[:, 1]
        half_width, half_height = 0.1 + 0.1 * unit[:, 2], 0.1 + 0.1 * unit[:, 3]
        return np.stack(
            [centre_x - half_width, centre_x + half_width, centre_y - half_height, centre_y + half_height], axis=1
        )

    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        latent_x, latent_y = gaussian_pair(n, dim=4, mi=mi, seed=int(rng.integers(2**31)))
        return render_rectangles(corners(latent_x), size), render_rectangles(corners(latent_y), size)

    return Task(f"rectangle-images-{size}x{size}-mi{mi:g}", size * size, size * size, mi, sample)
