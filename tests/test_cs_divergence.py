import math

import pytest
import torch

from ibnotes import losses
from ibnotes.mi import cs_qmi
from ibnotes.mi.matrix import cs_qmi_from_grams, gram_matrix


def test_cs_divergence_zero_for_identical():
    torch.manual_seed(0)
    p = torch.randn(64, 3)
    assert abs(float(losses.cs_divergence(p, p.clone()))) < 1e-6


def test_cs_divergence_non_negative():
    torch.manual_seed(1)
    for shift in (0.0, 0.5, 2.0):
        p, q = torch.randn(50, 2), torch.randn(70, 2) + shift
        assert float(losses.cs_divergence(p, q)) >= -1e-6, f"negative at shift {shift}"


def test_cs_divergence_symmetric():
    torch.manual_seed(2)
    p, q = torch.randn(40, 2), 2 * torch.randn(30, 2) + 1
    forward, backward = losses.cs_divergence(p, q), losses.cs_divergence(q, p)
    assert torch.allclose(forward, backward, atol=1e-6)


def test_cs_divergence_grows_with_shift():
    torch.manual_seed(3)
    p, noise = torch.randn(100, 1), torch.randn(100, 1)
    values = [float(losses.cs_divergence(p, noise + shift)) for shift in (0.5, 1.0, 2.0)]
    assert values[0] < values[1] < values[2]


def test_cs_divergence_matches_gaussian_closed_form():
    # Two Gaussians N(0, s^2) and N(m, s^2) in 1-D, a kernel of width w:
    # every Gram mean is a Gaussian integral with variance 2 s^2 + w^2,
    # so D_CS = m^2 / (2 s^2 + w^2).
    torch.manual_seed(4)
    n, shift, width = 4000, 1.0, 1.0
    p = torch.randn(n, 1, dtype=torch.float64)
    q = torch.randn(n, 1, dtype=torch.float64) + shift
    expected = shift**2 / (2 + width**2)
    assert abs(float(losses.cs_divergence(p, q, width)) - expected) < 0.05


def test_cs_divergence_gradient_flows():
    torch.manual_seed(5)
    p = torch.randn(32, 2)
    q = (torch.randn(32, 2) + 1).requires_grad_()
    losses.cs_divergence(p, q).backward()
    assert q.grad is not None
    assert torch.isfinite(q.grad).all()
    assert q.grad.abs().sum() > 0


def test_cs_divergence_gradient_finite_at_identical():
    p = torch.randn(16, 2)
    q = p.clone().requires_grad_()
    losses.cs_divergence(p, q).backward()
    assert torch.isfinite(q.grad).all()


def test_cs_divergence_rejects_column_mismatch():
    with pytest.raises(ValueError, match="same number of columns"):
        losses.cs_divergence(torch.zeros(4, 2), torch.zeros(4, 3))


def test_cs_divergence_rejects_nonpositive_sigma():
    with pytest.raises(ValueError, match="positive kernel width"):
        losses.cs_divergence(torch.zeros(4, 2), torch.ones(4, 2), sigma=0.0)


def test_cs_divergence_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        losses.cs_divergence(torch.full((4, 1), float("nan")), torch.zeros(4, 1))


def test_conditional_zero_for_perfect_prediction():
    torch.manual_seed(6)
    x, y = torch.randn(50, 3), torch.randn(50)
    assert abs(float(losses.conditional_cs_divergence(x, y, y.clone()))) < 1e-6


def test_conditional_grows_with_error():
    torch.manual_seed(7)
    x, y = torch.randn(80, 3), torch.randn(80)
    values = [float(losses.conditional_cs_divergence(x, y, y + bias)) for bias in (0.2, 0.5, 1.0)]
    assert 0 < values[0] < values[1] < values[2]


def test_conditional_tends_to_correntropy():
    # A tiny sigma_x makes the x Gram the identity: D = -2 log mean k(y - y_pred).
    torch.manual_seed(8)
    x, y = torch.randn(30, 2), torch.randn(30)
    y_pred = y + 0.3 * torch.randn(30)
    correntropy = torch.exp(-(y - y_pred).square() / 2).mean()
    value = losses.conditional_cs_divergence(x, y, y_pred, sigma_x=1e-3)
    assert torch.allclose(value, -2 * correntropy.log(), atol=1e-5)


def test_conditional_gradient_flows():
    torch.manual_seed(9)
    x, y = torch.randn(40, 3), torch.randn(40)
    y_pred = torch.zeros(40, requires_grad=True)
    losses.conditional_cs_divergence(x, y, y_pred).backward()
    assert torch.isfinite(y_pred.grad).all()
    assert y_pred.grad.abs().sum() > 0


def test_conditional_rejects_length_mismatch():
    with pytest.raises(ValueError, match="same n"):
        losses.conditional_cs_divergence(torch.zeros(5, 2), torch.zeros(5), torch.zeros(4))


def test_conditional_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="one shape"):
        losses.conditional_cs_divergence(torch.zeros(5, 2), torch.zeros(5, 1), torch.zeros(5, 2))


def test_normalised_qmi_one_for_self():
    torch.manual_seed(10)
    x = torch.randn(60, 3)
    assert abs(float(losses.normalised_cs_qmi(x, x.clone())) - 1.0) < 1e-5


def test_normalised_qmi_dependent_above_independent():
    torch.manual_seed(11)
    x = torch.randn(200, 2)
    dependent = losses.normalised_cs_qmi(x, torch.tanh(x) + 0.1 * torch.randn(200, 2), sigma=None)
    independent = losses.normalised_cs_qmi(x, torch.randn(200, 2), sigma=None)
    assert float(dependent) > 0.3
    assert float(independent) < 0.1


def test_normalised_qmi_gradient_flows():
    torch.manual_seed(12)
    x = torch.randn(32, 3)
    t = torch.randn(32, 4, requires_grad=True)
    losses.normalised_cs_qmi(x, t, sigma=None).backward()
    assert torch.isfinite(t.grad).all()
    assert t.grad.abs().sum() > 0


def test_qmi_from_grams_matches_cs_qmi():
    torch.manual_seed(13)
    x, y = torch.randn(50, 2), torch.randn(50, 1)
    from_grams = cs_qmi_from_grams(gram_matrix(x, 1.0), gram_matrix(y, 1.0))
    assert math.isclose(float(from_grams), cs_qmi(x, y, sigma=1.0), rel_tol=1e-6)


def test_qmi_from_grams_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="square matrices"):
        cs_qmi_from_grams(torch.eye(3), torch.eye(4))
