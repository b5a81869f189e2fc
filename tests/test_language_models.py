"""Tests of the language-model blocks in ibnotes.nn."""

import pytest
import torch

from ibnotes.nn import CausalTransformer, VIBMask, causal_attention_mask, straight_through_bernoulli


def _model(**kwargs):
    torch.manual_seed(0)
    return CausalTransformer(vocab=11, dim=16, heads=4, layers=2, max_len=8, **kwargs).eval()


def test_logits_shape():
    ids = torch.randint(0, 11, (3, 5))
    assert _model()(ids).shape == (3, 5, 11)


def test_causal():
    model = _model()
    ids = torch.randint(0, 11, (1, 6))
    changed = ids.clone()
    changed[0, 4] = (ids[0, 4] + 1) % 11
    assert torch.allclose(model(ids)[0, :4], model(changed)[0, :4], atol=1e-6)


def test_embeds_match_ids():
    model = _model()
    ids = torch.randint(0, 11, (2, 5))
    assert torch.allclose(model(ids), model(embeds=model.embed(ids)), atol=1e-6)


def test_hidden_count():
    _, hidden = _model()(torch.zeros(2, 3, dtype=torch.long), return_hidden=True)
    assert len(hidden) == 3
    assert hidden[-1].shape == (2, 3, 16)


def test_zero_layer_mask_skips_blocks():
    model = _model()
    ids = torch.randint(0, 11, (2, 5))
    _, hidden = model(ids, layer_mask=torch.zeros(2), return_hidden=True)
    assert torch.allclose(hidden[0], hidden[-1])


def test_ones_masks_change_nothing():
    model = _model()
    ids = torch.randint(0, 11, (2, 5))
    masked = model(ids, head_mask=torch.ones(2, 4), layer_mask=torch.ones(2), dim_mask=torch.ones(16))
    assert torch.allclose(model(ids), masked, atol=1e-6)


def test_head_mask_changes_output():
    model = _model()
    ids = torch.randint(0, 11, (2, 5))
    mask = torch.ones(2, 4)
    mask[0, 1] = 0
    assert not torch.allclose(model(ids), model(ids, head_mask=mask))


def test_hook_steers_output():
    model = _model()
    ids = torch.randint(0, 11, (2, 5))
    before = model(ids)
    direction = torch.randn(16)
    handle = model.blocks[0].register_forward_hook(lambda module, args, out: out + direction)
    after = model(ids)
    handle.remove()
    assert not torch.allclose(before, after)


def test_padding_hides_keys():
    model = _model()
    ids = torch.randint(0, 11, (1, 5))
    changed = ids.clone()
    changed[0, 1] = (ids[0, 1] + 1) % 11
    padding = torch.zeros(1, 5, dtype=torch.bool)
    padding[0, 1] = True
    assert torch.allclose(model(ids, padding=padding)[0, 2:], model(changed, padding=padding)[0, 2:], atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"ids": torch.full((1, 3), 11)}, "ids must lie"),
        ({"ids": torch.zeros(1, 9, dtype=torch.long)}, "max_len"),
        ({"ids": torch.zeros(1, 3)}, "int64"),
        ({"ids": torch.zeros(1, 3, dtype=torch.long), "head_mask": torch.ones(4)}, "head_mask"),
        ({}, "exactly one"),
        ({"ids": torch.zeros(5, dtype=torch.long)}, "batch, length"),
        ({"ids": torch.zeros(1, 3, dtype=torch.uint8)}, "int64 or int32"),
        ({"embeds": torch.zeros(1, 3, 16, dtype=torch.float64)}, "float64"),
        ({"ids": torch.zeros(1, 3, dtype=torch.long), "padding": torch.zeros(1, 4, dtype=torch.bool)}, "padding"),
        ({"ids": torch.zeros(1, 3, dtype=torch.long), "padding": torch.zeros(1, 3)}, "padding"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _model()(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"vocab": 10.5}, "vocab"), ({"vocab": 5, "dim": 16.0}, "dim"), ({"vocab": True}, "vocab"),
     ({"vocab": 5, "mlp_ratio": 0}, "mlp_ratio"), ({"vocab": 5, "dropout": 2.0}, "dropout")],
)
def test_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CausalTransformer(**kwargs)


def test_dim_not_divisible():
    with pytest.raises(ValueError, match="divisible"):
        CausalTransformer(vocab=5, dim=10, heads=4)


def test_gate_is_binary_with_gradient():
    logits = torch.zeros(1000, requires_grad=True)
    gates = straight_through_bernoulli(logits)
    assert torch.all((gates.detach() == 0) | (gates.detach() == 1))
    gates.sum().backward()
    assert logits.grad.abs().sum() > 0


def test_gate_rate_follows_logits():
    torch.manual_seed(0)
    gates = straight_through_bernoulli(torch.full((20000,), 1.0))
    assert abs(gates.mean().item() - torch.sigmoid(torch.tensor(1.0)).item()) < 0.02


@pytest.mark.parametrize("temperature", [0, float("nan"), float("inf")])
def test_gate_bad_temperature(temperature):
    with pytest.raises(ValueError, match="temperature"):
        straight_through_bernoulli(torch.zeros(3), temperature=temperature)


def test_vib_mask_eval_prunes_noisy():
    mask = VIBMask(3)
    with torch.no_grad():
        mask.logvar[1] = 5.0
    mask.eval()
    assert mask().tolist() == [1.0, 0.0, 1.0]
    assert mask.kept().tolist() == [True, False, True]


def test_vib_mask_kl_falls_with_noise():
    quiet, noisy = VIBMask(4, init_logvar=-6.0), VIBMask(4, init_logvar=2.0)
    assert noisy.kl() < quiet.kl()


@pytest.mark.parametrize("size", [0, 2.5, True])
def test_vib_mask_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        VIBMask(size)


def test_vib_mask_nan_threshold():
    with pytest.raises(ValueError, match="threshold"):
        VIBMask(3, threshold=float("nan"))


def test_vib_mask_kl_finite_at_high_snr():
    mask = VIBMask(2, init_logvar=-200.0)
    assert torch.isfinite(mask.kl())


def test_block_defaults_to_causal_mask():
    model = _model()
    x = torch.randn(1, 5, 16)
    block = model.blocks[0]
    assert torch.allclose(block(x), block(x, allowed=causal_attention_mask(5)))
