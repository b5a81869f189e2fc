import numpy as np
import pytest
import torch

from ibnotes import data, losses

GENERATORS = {
    "lowvar": (lambda seed: data.make_lowvar(40, seed=seed), (40, 100, 2)),
    "seqcomb_uv": (lambda seed: data.make_seqcomb(40, seed=seed), (40, 200, 1)),
    "seqcomb_mv": (lambda seed: data.make_seqcomb(40, sensors=4, seed=seed), (40, 200, 4)),
    "freqshapes": (lambda seed: data.make_freqshapes(40, seed=seed), (40, 50, 1)),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_shapes(name):
    make, shape = GENERATORS[name]
    dataset = make(0)
    assert dataset.x.shape == shape
    assert dataset.mask.shape == shape
    assert dataset.y.shape == (shape[0],)
    assert dataset.x.dtype == torch.float32
    assert dataset.mask.dtype == torch.bool
    assert dataset.y.min() >= 0
    assert dataset.y.max() <= 3


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_seeds(name):
    make, _ = GENERATORS[name]
    first, again, other = make(3), make(3), make(4)
    assert torch.equal(first.x, again.x)
    assert torch.equal(first.mask, again.mask)
    assert not torch.equal(first.x, other.x)


def test_lowvar_mask_is_one_segment():
    dataset = data.make_lowvar(50, seed=1)
    for x, y, mask in zip(dataset.x, dataset.y, dataset.mask):
        sensor = int(y) // 2
        assert not mask[:, 1 - sensor].any()
        steps = torch.nonzero(mask[:, sensor]).flatten()
        assert 10 <= len(steps) <= 20
        assert steps[-1] - steps[0] == len(steps) - 1
        segment = x[steps, sensor]
        assert segment.std() < 0.3
        assert torch.sign(segment.mean()) == (1 if int(y) % 2 else -1)


def test_seqcomb_null_class_has_empty_mask():
    dataset = data.make_seqcomb(80, seed=2)
    null = dataset.y == 0
    assert null.any()
    assert not dataset.mask[null].any()
    counts = dataset.mask[~null].flatten(1).sum(dim=1)
    assert counts.min() >= 20
    assert counts.max() <= 40


def test_seqcomb_ramps_follow_class():
    dataset = data.make_seqcomb(80, seed=3)
    for x, y, mask in zip(dataset.x[:, :, 0], dataset.y, dataset.mask[:, :, 0]):
        if int(y) not in (1, 2):
            continue
        slope = np.polyfit(np.flatnonzero(mask.numpy()), x[mask].numpy(), 1)[0]
        assert (slope > 0) == (int(y) == 1)


def test_seqcomb_mv_uses_several_sensors():
    dataset = data.make_seqcomb(200, sensors=4, seed=4)
    used = dataset.mask.any(dim=1).any(dim=0)
    assert used.all()


def test_freqshapes_period_follows_class():
    dataset = data.make_freqshapes(60, seed=5)
    for y, mask in zip(dataset.y, dataset.mask[:, :, 0]):
        starts = np.flatnonzero(np.diff(np.concatenate([[0], mask.numpy().astype(int)])) == 1)
        assert len(starts) >= 2
        assert set(np.diff(starts)) == {17 if int(y) >= 2 else 10}


def test_freqshapes_spike_sign_follows_class():
    dataset = data.make_freqshapes(60, seed=6)
    for x, y, mask in zip(dataset.x[:, :, 0], dataset.y, dataset.mask[:, :, 0]):
        assert (x[mask].mean() < 0) == (int(y) % 2 == 1)


def test_narma_finite_and_seeded():
    series = data.narma(5, 200, seed=0)
    assert series.shape == (5, 200)
    assert np.isfinite(series).all()
    assert np.array_equal(series, data.narma(5, 200, seed=0))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.make_lowvar(0), "n must be at least 1"),
        (lambda: data.make_lowvar(5, length=10), "length must be at least 20"),
        (lambda: data.make_seqcomb(5, sensors=0), "sensors must be at least 1"),
        (lambda: data.narma(5, 10, order=10), "order must lie in"),
    ],
)
def test_generators_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_explanation_set_to_keeps_fields():
    dataset = data.make_freqshapes(4, seed=0).to("cpu")
    assert dataset.name == "FreqShapes"
    assert dataset.classes <= 4
    assert len(dataset) == 4


def test_bernoulli_kl_mean_is_least_at_prior():
    probabilities = torch.linspace(0.05, 0.95, 19)
    kl = losses.bernoulli_kl(probabilities, 0.5)
    assert int(kl.argmin()) == 9
    assert kl.min() < 1e-6
