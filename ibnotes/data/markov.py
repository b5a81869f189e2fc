"""Markov processes: Langevin dynamics in the Prinz potential, slow and fast.

Used by: 04-graphs-and-dynamics/05-time-lagged-ib (``slow_fast_prinz``,
``time_lagged_pairs``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# Positions of the three barriers of the Prinz potential. They split [-1, 1]
# into its four wells, numbered 0 to 3 from left to right.
PRINZ_BARRIERS = (-0.5016, 0.0, 0.5022)


def prinz_potential(x: np.ndarray) -> np.ndarray:
    """Return the Prinz potential V(x), in units of kT = 1, elementwise.

    V(x) = 4 (x^8 + 0.8 exp(-80 x^2) + 0.2 exp(-80 (x - 0.5)^2)
    + 0.5 exp(-40 (x + 0.5)^2)), the one-dimensional four-well benchmark of
    Prinz et al. (2011), J. Chem. Phys. 134, 174105. Its minima lie near
    -0.74, -0.22, 0.27 and 0.67.
    """
    x = np.asarray(x, dtype=np.float64)
    bumps = 0.8 * np.exp(-80 * x**2) + 0.2 * np.exp(-80 * (x - 0.5) ** 2) + 0.5 * np.exp(-40 * (x + 0.5) ** 2)
    return 4 * (x**8 + bumps)


def prinz_force(x: np.ndarray) -> np.ndarray:
    """Return the force -dV/dx of :func:`prinz_potential`, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    slope = (
        8 * x**7
        - 128 * x * np.exp(-80 * x**2)
        - 32 * (x - 0.5) * np.exp(-80 * (x - 0.5) ** 2)
        - 40 * (x + 0.5) * np.exp(-40 * (x + 0.5) ** 2)
    )
    return -4 * slope


def prinz_states(x: np.ndarray | torch.Tensor) -> np.ndarray:
    """Return the well index (0 to 3, left to right) of each Prinz position."""
    return np.digitize(np.asarray(x), PRINZ_BARRIERS).astype(np.int64)


def prinz_equilibrium(n: int, kT: float = 1.0, rng: np.random.Generator | None = None) -> np.ndarray:
    """Draw n positions from the Boltzmann density exp(-V(x) / kT) of the Prinz potential.

    The density is tabulated on 4,001 points of [-1.1, 1.1], which contain
    almost all of its mass for kT <= 2.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if kT <= 0:
        raise ValueError(f"kT must be positive, got {kT}")
    rng = rng if rng is not None else np.random.default_rng()
    grid = np.linspace(-1.1, 1.1, 4001)
    weights = np.exp(-(prinz_potential(grid) - prinz_potential(grid).min()) / kT)
    return rng.choice(grid, size=n, p=weights / weights.sum())


@dataclass
class MarkovTrajectories:
    """Parallel trajectories of a slow and a fast Prinz process, and their observations.

    Attributes:
        observations: float32 [chains, frames, obs_dim], the mixed observation x_t.
        slow: float32 [chains, frames], position of the slow process.
        fast: float32 [chains, frames], position of the fast process.
        frame_time: (slow, fast) time between two frames, in the potential's
            time units, for each process.
        name: a short description for tables.
    """

    observations: torch.Tensor
    slow: torch.Tensor
    fast: torch.Tensor
    frame_time: tuple[float, float]
    name: str

    @property
    def slow_states(self) -> torch.Tensor:
        """int64 [chains, frames]: the well (0 to 3) of the slow process."""
        return torch.from_numpy(prinz_states(self.slow.numpy()))

    @property
    def fast_states(self) -> torch.Tensor:
        """int64 [chains, frames]: the well (0 to 3) of the fast process."""
        return torch.from_numpy(prinz_states(self.fast.numpy()))

    def __getitem__(self, chains: slice | torch.Tensor) -> "MarkovTrajectories":
        """Return the selected chains (first axis) as new trajectories."""
        return MarkovTrajectories(self.observations[chains], self.slow[chains], self.fast[chains],
                                  self.frame_time, self.name)


def langevin(start: np.ndarray, frames: int, substeps: int, dt: np.ndarray | float, kT: float = 1.0,
             rng: np.random.Generator | None = None) -> np.ndarray:
    """Integrate overdamped Langevin dynamics in the Prinz potential (Euler-Maruyama).

    Each step is x <- x + F(x) dt + sqrt(2 kT dt) N(0, 1), with unit
    friction. ``dt`` broadcasts against ``start``, so processes with
    different time steps run side by side.

    Args:
        start: positions at time 0, any shape S.
        frames: number of frames to return.
        substeps: integration steps between two frames.
        dt: integration time step, at most 2e-3. The curvature of the
            potential reaches about 300, so Euler-Maruyama is stable up to
            dt of about 6e-3 and loses accuracy well before that.
        kT: temperature.
        rng: numpy generator for the noise.

    Returns:
        float64 [frames, *S]; frame 0 is one frame after ``start``.
    """
    if frames < 1 or substeps < 1:
        raise ValueError(f"frames and substeps must be at least 1, got {frames} and {substeps}")
    if np.any(np.asarray(dt) <= 0) or np.any(np.asarray(dt) > 2e-3):
        raise ValueError(f"dt must lie in (0, 2e-3] for a stable integration, got {dt}")
    rng = rng if rng is not None else np.random.default_rng()
    x = np.array(start, dtype=np.float64)
    dt = np.broadcast_to(np.asarray(dt, dtype=np.float64), x.shape)
    noise_scale = np.sqrt(2 * kT * dt)
    out = np.empty((frames, *x.shape))
    for frame in range(frames):
        for _ in range(substeps):
            x = x + prinz_force(x) * dt + noise_scale * rng.standard_normal(x.shape)
        out[frame] = x
    return out


def slow_fast_prinz(
    chains: int = 64,
    frames: int = 400,
    obs_dim: int = 8,
    substeps: int = 20,
    slow_dt: float = 1e-4,
    fast_dt: float = 2e-3,
    seed: int = 0,
    mixing_seed: int = 0,
) -> MarkovTrajectories:
    """Simulate a slow and a fast Prinz process and observe them through a random nonlinear map.

    Both processes follow :func:`langevin` at kT = 1 and start from their
    equilibrium distribution, so every frame is a draw from equilibrium.
    They differ only in the time step, so the fast one runs
    ``fast_dt / slow_dt`` times faster (20 by default). The observation is
    x_t = tanh(W [slow_t, fast_t]), with W [obs_dim, 2] drawn from N(0, 1.5^2)
    by ``mixing_seed``, so that both processes are spread over every feature
    of x_t. This mirrors the slow and fast Prinz mixtures of Federici et al.
    (ICLR 2024) in more dimensions.

    Args:
        chains: independent trajectories, simulated in parallel.
        frames: frames per trajectory.
        obs_dim: features of the observation, at least 2.
        substeps: integration steps per frame, shared by both processes.
        slow_dt, fast_dt: integration time steps, at most 2e-3.
        seed: seed of the starting points and the noise.
        mixing_seed: seed of W; keep it fixed to compare data sets.

    Returns:
        The trajectories; ``frame_time`` is (substeps * slow_dt, substeps * fast_dt).
    """
    if chains < 1 or frames < 1:
        raise ValueError(f"chains and frames must be at least 1, got {chains} and {frames}")
    if obs_dim < 2:
        raise ValueError(f"obs_dim must be at least 2 so that x can hold both processes, got {obs_dim}")
    rng = np.random.default_rng(seed)
    start = prinz_equilibrium(2 * chains, rng=rng).reshape(2, chains)
    dt = np.array([[slow_dt], [fast_dt]])
    positions = langevin(start, frames, substeps, dt, rng=rng)  # [frames, 2, chains]
    positions = positions.transpose(2, 0, 1)  # [chains, frames, 2]

    mixing = 1.5 * np.random.default_rng(mixing_seed).standard_normal((2, obs_dim))
    observations = np.tanh(positions @ mixing)
    as_float = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)
    return MarkovTrajectories(
        observations=as_float(observations),
        slow=as_float(positions[..., 0]),
        fast=as_float(positions[..., 1]),
        frame_time=(substeps * slow_dt, substeps * fast_dt),
        name=f"slow and fast Prinz processes, {chains} x {frames} frames, x in R^{obs_dim}",
    )


def time_lagged_pairs(values: torch.Tensor, lag: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return every pair (v_t, v_{t+lag}) within each chain.

    Args:
        values: [chains, frames, ...] trajectories.
        lag: time lag in frames, between 1 and frames - 1.

    Returns:
        Two tensors [chains * (frames - lag), ...]: the values at t and at t + lag.
    """
    if values.dim() < 2:
        raise ValueError(f"values must be [chains, frames, ...], got shape {tuple(values.shape)}")
    frames = values.shape[1]
    if not 1 <= lag < frames:
        raise ValueError(f"lag must lie in [1, {frames - 1}] for {frames} frames, got {lag}")
    now = values[:, :-lag].reshape(-1, *values.shape[2:])
    later = values[:, lag:].reshape(-1, *values.shape[2:])
    return now, later
