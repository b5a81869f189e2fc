"""Neural variational bounds: InfoNCE, NWJ, MINE, SMILE and CLUB."""

import math

import numpy as np
import pytest
import torch

from ibnotes import mi
from ibnotes.mi.tasks import gaussian_pair

# Short training keeps the file fast; accuracy is checked loosely.
FAST = {"steps": 300, "batch_size": 128}


@pytest.fixture(scope="module")
def correlated():
    return gaussian_pair(2000, dim=2, mi=1.0, seed=0)


@pytest.mark.parametrize("method", ["infonce", "nwj", "mine", "smile"])
def test_lower_bounds_are_close_below_truth(correlated, method):
    x, y = correlated
    estimate = mi.mutual_information(x, y, method=method, **FAST)
    assert 0.5 < estimate < 1.15


def test_infonce_never_exceeds_log_batch():
    x, y = gaussian_pair(1000, dim=2, mi=6.0, seed=1)
    result = mi.infonce(x, y, return_result=True, steps=300, batch_size=16)
    assert result.ceiling == pytest.approx(math.log(16))
    assert result.value <= result.ceiling + 1e-6
    assert result.value > 0.8 * result.ceiling


def test_club_is_above_lower_bound(correlated):
    x, y = correlated
    upper = mi.club(x, y, **FAST)
    lower = mi.infonce(x, y, **FAST)
    assert upper > lower


def test_independent_gives_near_zero():
    rng = np.random.default_rng(2)
    estimate = mi.infonce(rng.standard_normal((1000, 2)), rng.standard_normal((1000, 2)), **FAST)
    assert abs(estimate) < 0.1


def test_result_carries_history_and_method(correlated):
    x, y = correlated
    result = mi.smile(x, y, return_result=True, **FAST)
    assert isinstance(result, mi.NeuralEstimate)
    assert result.method == "smile"
    assert len(result.history) == FAST["steps"]
    assert result.ceiling is None


def test_concat_critic_runs(correlated):
    x, y = correlated
    estimate = mi.infonce(x[:500], y[:500], critic="concat", steps=100, batch_size=64)
    assert 0.2 < estimate < 1.2


def test_same_seed_same_estimate(correlated):
    x, y = correlated
    assert mi.nwj(x, y, steps=50, seed=3) == mi.nwj(x, y, steps=50, seed=3)


def test_global_random_state_is_untouched(correlated):
    x, y = correlated
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    mi.infonce(x, y, steps=5)
    assert torch.equal(torch.rand(1), expected)


def test_unknown_option_raises(correlated):
    x, y = correlated
    with pytest.raises(ValueError, match="invalid option for infonce: .*epochs.*valid options are critic"):
        mi.infonce(x, y, epochs=3)


def test_unknown_critic_raises(correlated):
    x, y = correlated
    with pytest.raises(ValueError, match="critic must be 'separable' or 'concat'"):
        mi.infonce(x, y, critic="bilinear", steps=1)


def test_invalid_holdout_raises(correlated):
    x, y = correlated
    with pytest.raises(ValueError, match=r"holdout must be in \[0, 1\)"):
        mi.mine(x, y, holdout=1.0, steps=1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_infonce_on_gpu_matches_cpu_loosely(correlated):
    x, y = correlated
    cpu = mi.infonce(x, y, **FAST)
    gpu = mi.infonce(torch.tensor(x, device="cuda"), torch.tensor(y, device="cuda"), **FAST)
    assert gpu == pytest.approx(cpu, abs=0.1)
