import numpy as np
import pytest
import torch

from ibnotes import data


def test_potential_minima_in_four_wells():
    grid = np.linspace(-1.0, 1.0, 20001)
    values = data.prinz_potential(grid)
    inner = values[1:-1]
    minima = grid[1:-1][(inner < values[:-2]) & (inner < values[2:])]
    assert len(minima) == 4
    assert np.allclose(minima, [-0.739, -0.224, 0.269, 0.673], atol=0.005)


def test_force_is_minus_gradient():
    x = np.linspace(-0.95, 0.95, 101)
    step = 1e-6
    numeric = -(data.prinz_potential(x + step) - data.prinz_potential(x - step)) / (2 * step)
    assert np.allclose(data.prinz_force(x), numeric, rtol=1e-5, atol=1e-4)


def test_states_number_wells_left_to_right():
    states = data.prinz_states(np.array([-0.74, -0.22, 0.27, 0.67]))
    assert states.tolist() == [0, 1, 2, 3]
    assert states.dtype == np.int64


def test_equilibrium_matches_boltzmann():
    grid = np.linspace(-1.1, 1.1, 4001)
    weights = np.exp(-data.prinz_potential(grid))
    expected = np.bincount(data.prinz_states(grid), weights=weights) / weights.sum()
    draws = data.prinz_equilibrium(40000, rng=np.random.default_rng(0))
    observed = np.bincount(data.prinz_states(draws), minlength=4) / len(draws)
    assert np.allclose(observed, expected, atol=0.01)


def test_equilibrium_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n must"):
        data.prinz_equilibrium(0)
    with pytest.raises(ValueError, match="kT must"):
        data.prinz_equilibrium(10, kT=0.0)


def test_langevin_keeps_equilibrium():
    rng = np.random.default_rng(1)
    start = data.prinz_equilibrium(2000, rng=rng)
    path = data.langevin(start, frames=50, substeps=20, dt=2e-3, rng=rng)
    assert path.shape == (50, 2000)
    before = np.bincount(data.prinz_states(start), minlength=4) / len(start)
    after = np.bincount(data.prinz_states(path[-1]), minlength=4) / len(start)
    assert np.allclose(before, after, atol=0.05)


def test_langevin_rejects_unstable_dt():
    with pytest.raises(ValueError, match="dt must"):
        data.langevin(np.zeros(3), frames=2, substeps=1, dt=0.01)
    with pytest.raises(ValueError, match="frames and substeps"):
        data.langevin(np.zeros(3), frames=0, substeps=1, dt=1e-3)


def test_slow_fast_shapes_and_types():
    trajectories = data.slow_fast_prinz(chains=4, frames=30, obs_dim=6, seed=0)
    assert trajectories.observations.shape == (4, 30, 6)
    assert trajectories.observations.dtype == torch.float32
    assert trajectories.slow.shape == (4, 30)
    assert trajectories.fast_states.dtype == torch.int64
    assert trajectories.observations.abs().max() < 1.0
    assert trajectories.frame_time == pytest.approx((0.002, 0.04))


def test_slow_fast_is_seeded():
    first = data.slow_fast_prinz(chains=3, frames=10, seed=5)
    again = data.slow_fast_prinz(chains=3, frames=10, seed=5)
    other = data.slow_fast_prinz(chains=3, frames=10, seed=6)
    assert torch.equal(first.observations, again.observations)
    assert not torch.equal(first.slow, other.slow)


def test_slow_process_remembers_longer():
    trajectories = data.slow_fast_prinz(chains=32, frames=120, seed=0)
    kept = {}
    for process in ("slow", "fast"):
        now, later = data.time_lagged_pairs(getattr(trajectories, f"{process}_states"), 50)
        kept[process] = float((now == later).float().mean())
    assert kept["slow"] > kept["fast"] + 0.2


def test_slow_fast_rejects_small_obs_dim():
    with pytest.raises(ValueError, match="obs_dim"):
        data.slow_fast_prinz(chains=2, frames=5, obs_dim=1)


def test_trajectories_select_chains():
    trajectories = data.slow_fast_prinz(chains=5, frames=8, seed=0)
    part = trajectories[1:3]
    assert part.observations.shape[0] == 2
    assert torch.equal(part.slow, trajectories.slow[1:3])


def test_time_lagged_pairs_align():
    values = torch.arange(2 * 5).reshape(2, 5)
    now, later = data.time_lagged_pairs(values, 2)
    assert now.tolist() == [0, 1, 2, 5, 6, 7]
    assert later.tolist() == [2, 3, 4, 7, 8, 9]


def test_time_lagged_pairs_rejects_bad_lag():
    with pytest.raises(ValueError, match="lag must"):
        data.time_lagged_pairs(torch.zeros(2, 5, 3), 5)
    with pytest.raises(ValueError, match="chains, frames"):
        data.time_lagged_pairs(torch.zeros(5), 1)
