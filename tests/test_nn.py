import pytest
import torch
from torch import nn

from ibnotes.nn import GaussianEncoder, VIBClassifier, mlp


def test_mlp_shapes_and_last_layer_linear():
    model = mlp(8, [16, 16], 3)
    assert model(torch.zeros(5, 8)).shape == (5, 3)
    assert isinstance(model[-1], nn.Linear)
    assert sum(isinstance(layer, nn.ReLU) for layer in model) == 2


def test_mlp_rejects_zero_width():
    with pytest.raises(ValueError, match="positive integers"):
        mlp(8, [0], 3)


def test_gaussian_encoder_std_positive():
    encoder = GaussianEncoder(6, [12], latent_dim=4)
    posterior = encoder(torch.randn(7, 6) * 100)
    assert posterior.mean.shape == (7, 4)
    assert (posterior.stddev > 0).all()


def test_vib_classifier_samples_axis():
    model = VIBClassifier(GaussianEncoder(6, [12], 4), nn.Linear(4, 3))
    logits, _ = model(torch.randn(5, 6), samples=7)
    assert logits.shape == (7, 5, 3)


def test_vib_classifier_mean_is_deterministic():
    model = VIBClassifier(GaussianEncoder(6, [12], 4), nn.Linear(4, 3))
    x = torch.randn(5, 6)
    first, _ = model(x, samples=0)
    second, _ = model(x, samples=0)
    assert torch.equal(first, second)
