import pytest
import torch
from torch.distributions import Normal, kl_divergence

from ibnotes import losses


def test_gaussian_kl_matches_torch():
    torch.manual_seed(0)
    mean, std = torch.randn(5, 4), torch.rand(5, 4) + 0.1
    expected = kl_divergence(Normal(mean, std), Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(losses.gaussian_kl(mean, std), expected, atol=1e-6)


def test_gaussian_kl_matches_monte_carlo():
    torch.manual_seed(1)
    mean, std = torch.randn(3, 2), torch.rand(3, 2) + 0.3
    posterior = Normal(mean, std)
    z = posterior.sample((200_000,))
    monte_carlo = (posterior.log_prob(z) - Normal(0.0, 1.0).log_prob(z)).sum(-1).mean(0)
    assert torch.allclose(losses.gaussian_kl(mean, std), monte_carlo, rtol=0.02, atol=0.01)


def test_gaussian_kl_zero_at_prior():
    kl = losses.gaussian_kl(torch.zeros(2, 3), torch.ones(2, 3))
    assert torch.allclose(kl, torch.zeros(2))


def test_gaussian_kl_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="one shape"):
        losses.gaussian_kl(torch.zeros(2, 3), torch.ones(2, 4))


def test_gaussian_kl_rejects_nonpositive_std():
    with pytest.raises(ValueError, match="std must be positive"):
        losses.gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3))


def test_vib_loss_combines_terms():
    torch.manual_seed(2)
    logits = torch.randn(3, 4, 10)
    targets = torch.tensor([0, 1, 2, 3])
    mean, std = torch.randn(4, 2), torch.rand(4, 2) + 0.5
    loss, parts = losses.vib_loss(logits, targets, mean, std, beta=0.5)
    assert loss.item() == pytest.approx(parts["cross_entropy"] + 0.5 * parts["rate"], rel=1e-5)


def test_vib_loss_rejects_negative_beta():
    with pytest.raises(ValueError, match="beta must be non-negative"):
        losses.vib_loss(torch.zeros(1, 2, 3), torch.zeros(2, dtype=torch.long), torch.zeros(2, 1), torch.ones(2, 1), -1.0)
