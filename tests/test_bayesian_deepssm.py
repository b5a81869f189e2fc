import pytest
import torch
from torch import nn

from ibnotes.data import make_supershapes
from ibnotes.nn import BatchEnsembleConv2d, BatchEnsembleLinear, ConcreteDropout


def test_supershapes_shapes():
    shapes = make_supershapes(5, size=16, points=12, seed=0)
    assert shapes.images.shape == (5, 1, 16, 16)
    assert shapes.points.shape == (5, 12, 2)
    assert len(shapes) == 5
    assert shapes.images.dtype == torch.float32


def test_supershapes_seeded():
    first = make_supershapes(3, seed=4)
    second = make_supershapes(3, seed=4)
    assert torch.equal(first.images, second.images)
    assert torch.equal(first.points, second.points)


def test_supershapes_lobes_and_blur_ranges():
    shapes = make_supershapes(50, lobes=(6, 7), blur=(2.0, 3.0), seed=1)
    assert set(shapes.lobes.tolist()) <= {6, 7}
    assert shapes.blur.min() >= 2.0
    assert shapes.blur.max() <= 3.0


def test_supershapes_points_on_shape_edge():
    shapes = make_supershapes(4, blur=(0.0, 0.0), noise=0.0, size=64, seed=2)
    size = 64
    for image, points in zip(shapes.images[:, 0], shapes.points):
        # A point moved 10% towards the centre lies inside the shape.
        centre = points.mean(dim=0)
        inner = centre + 0.9 * (points - centre)
        columns = ((inner[:, 0] + 1) / 2 * size).long().clamp(0, size - 1)
        rows = ((inner[:, 1] + 1) / 2 * size).long().clamp(0, size - 1)
        assert image[rows, columns].mean() > 0.9


def test_supershapes_points_ordered_by_angle():
    shapes = make_supershapes(2, points=8, seed=3)
    offsets = shapes.points[0] - shapes.points[0].mean(dim=0)
    angles = torch.atan2(offsets[:, 1], offsets[:, 0])
    # Point 0 lies to the right of the centre, point 2 below it (y down).
    assert abs(float(angles[0])) < 0.5
    assert abs(float(angles[2]) - torch.pi / 2) < 0.5


def test_supershapes_reject_bad_blur():
    with pytest.raises(ValueError, match="blur"):
        make_supershapes(2, blur=(2.0, 1.0))


def test_supershapes_reject_empty_lobes():
    with pytest.raises(ValueError, match="lobes"):
        make_supershapes(2, lobes=())


def _dropout(layer, **kwargs):
    return ConcreteDropout(layer, weight_regularizer=1e-6, dropout_regularizer=1e-3, **kwargs)


def test_concrete_dropout_samples_in_eval():
    torch.manual_seed(0)
    layer = _dropout(nn.Linear(20, 5)).eval()
    x = torch.randn(8, 20)
    assert not torch.equal(layer(x), layer(x))


def test_concrete_dropout_inactive_is_layer():
    linear = nn.Linear(20, 5)
    layer = _dropout(linear)
    layer.active = False
    x = torch.randn(8, 20)
    assert torch.equal(layer(x), linear(x))


def test_concrete_dropout_initial_rate():
    layer = _dropout(nn.Linear(4, 2), init_rate=0.3)
    assert abs(layer.rate.item() - 0.3) < 1e-6


def test_concrete_dropout_keeps_mean():
    torch.manual_seed(0)
    layer = _dropout(nn.Linear(1, 1), init_rate=0.2)
    layer.layer = nn.Identity()
    out = layer(torch.ones(200_000))
    assert abs(float(out.detach().mean()) - 1.0) < 0.02


def test_concrete_dropout_rejects_identity():
    with pytest.raises(ValueError, match="in_features"):
        _dropout(nn.Identity())


def test_concrete_dropout_spatial_mask_per_channel():
    torch.manual_seed(0)
    layer = _dropout(nn.Conv2d(6, 6, 1, bias=False), spatial=True, init_rate=0.5)
    nn.init.eye_(layer.layer.weight.view(6, 6))
    out = layer(torch.ones(4, 6, 5, 5))
    per_channel = out.flatten(2)
    spread = per_channel.max(dim=2).values - per_channel.min(dim=2).values
    assert spread.max() < 1e-5


def test_concrete_dropout_rate_gets_gradient():
    layer = _dropout(nn.Linear(10, 3))
    loss = layer(torch.randn(16, 10)).square().mean() + layer.regularization()
    loss.backward()
    assert layer.rate_logit.grad is not None
    assert layer.rate_logit.grad != 0


def test_concrete_dropout_rejects_bad_rate():
    with pytest.raises(ValueError, match="init_rate"):
        _dropout(nn.Linear(4, 2), init_rate=1.0)


def test_batch_ensemble_linear_shape():
    layer = BatchEnsembleLinear(6, 3, members=4)
    assert layer(torch.randn(4 * 5, 6)).shape == (20, 3)


def test_batch_ensemble_linear_matches_members():
    torch.manual_seed(0)
    layer = BatchEnsembleLinear(6, 3, members=2)
    nn.init.normal_(layer.bias)
    x = torch.randn(5, 6)
    out = layer(x.repeat(2, 1)).view(2, 5, 3)
    for i in range(2):
        weight = layer.layer.weight * (layer.s[i][:, None] * layer.r[i][None])
        expected = x @ weight.T + layer.bias[i]
        assert torch.allclose(out[i], expected, atol=1e-5)


def test_batch_ensemble_members_differ():
    torch.manual_seed(1)
    layer = BatchEnsembleLinear(16, 8, members=4)
    out = layer(torch.randn(3, 16).repeat(4, 1)).view(4, 3, 8)
    assert not torch.allclose(out[0], out[1])


def test_batch_ensemble_rejects_ragged_batch():
    layer = BatchEnsembleLinear(6, 3, members=4)
    with pytest.raises(ValueError, match="multiple of members"):
        layer(torch.randn(5, 6))


def test_batch_ensemble_conv_matches_members():
    torch.manual_seed(0)
    layer = BatchEnsembleConv2d(3, 5, 3, members=2, padding=1)
    nn.init.normal_(layer.bias)
    x = torch.randn(4, 3, 7, 7)
    out = layer(x.repeat(2, 1, 1, 1)).view(2, 4, 5, 7, 7)
    assert out.shape == (2, 4, 5, 7, 7)
    for i in range(2):
        weight = layer.layer.weight * (layer.s[i][:, None, None, None] * layer.r[i][None, :, None, None])
        expected = nn.functional.conv2d(x, weight, layer.bias[i], padding=1)
        assert torch.allclose(out[i], expected, atol=1e-5)


def test_concrete_dropout_wraps_batch_ensemble():
    layer = _dropout(BatchEnsembleLinear(6, 3, members=2))
    assert layer.in_features == 6
    assert layer(torch.randn(4, 6)).shape == (4, 3)
