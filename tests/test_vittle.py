"""Tests of the Vittle chapter's data (questions, shifts) and bottleneck."""

import math

import pytest
import torch

from ibnotes import data
from ibnotes.nn import TokenBottleneck, interpolation_schedule


def test_answers_per_template():
    digits = torch.tensor([4, 7, 6, 5, 2, 3])
    templates = torch.tensor([0, 1, 2, 2, 3, 3])
    yes, no = data.ANSWERS.index("yes"), data.ANSWERS.index("no")
    assert data.answer_questions(digits, templates).tolist() == [4, no, yes, no, yes, no]


def test_answers_reject_bad_template():
    with pytest.raises(ValueError, match="templates"):
        data.answer_questions(torch.tensor([1]), torch.tensor([4]))


def test_encode_questions_pads():
    tokens = data.encode_questions(["ab?"], length=5)
    assert tokens.tolist() == [[3, 4, 2, 0, 0]]


def test_encode_questions_rejects_characters():
    with pytest.raises(ValueError, match="outside"):
        data.encode_questions(["Which digit?"])


def test_typos_keep_length_and_rate():
    questions = list(data.QUESTION_TEMPLATES) * 200
    noisy = data.add_typos(questions, rate=0.2, seed=1)
    assert [len(q) for q in noisy] == [len(q) for q in questions]
    letters = [(a, b) for q, n in zip(questions, noisy) for a, b in zip(q, n) if a.isalpha()]
    changed = sum(a != b for a, b in letters) / len(letters)
    assert abs(changed - 0.2) < 0.02


def test_typos_zero_rate_is_identity():
    assert data.add_typos(list(data.QUESTION_TEMPLATES), rate=0.0) == list(data.QUESTION_TEMPLATES)


@pytest.mark.parametrize("kind, identity", [("noise", 0.0), ("blur", 0.0), ("contrast", 1.0)])
def test_shift_identity_severity(kind, identity):
    x = torch.rand(5, 64)
    assert torch.allclose(data.shift_images(x, kind, identity), x)


def test_blur_keeps_constant_image():
    x = torch.full((2, 64), 0.3)
    assert torch.allclose(data.shift_images(x, "blur", 1.5), x)


def test_contrast_keeps_mean():
    x = torch.rand(4, 64) * 0.5 + 0.25
    shifted = data.shift_images(x, "contrast", 0.5)
    assert torch.allclose(shifted.mean(dim=1), x.mean(dim=1), atol=1e-6)


def test_shift_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        data.shift_images(torch.rand(3, 10), "noise", 0.1)
    with pytest.raises(ValueError, match="unknown shift"):
        data.shift_images(torch.rand(3, 16), "rotate", 0.1)


def test_schedule_ramps_to_max():
    assert interpolation_schedule(0.0) < 0.01
    assert interpolation_schedule(0.5) == pytest.approx(0.25)
    assert interpolation_schedule(1.0) > 0.49


def test_schedule_rejects_progress():
    with pytest.raises(ValueError, match="progress"):
        interpolation_schedule(1.5)


def test_bottleneck_alpha_zero_is_identity():
    layer = TokenBottleneck(8)
    h = torch.randn(3, 5, 8)
    out, kl = layer(h, alpha=0.0)
    assert torch.equal(out, h)
    assert kl.ndim == 0


def test_bottleneck_eval_is_deterministic():
    layer = TokenBottleneck(8).eval()
    h = torch.randn(3, 5, 8)
    assert torch.equal(layer(h, 0.5)[0], layer(h, 0.5)[0])


def test_bottleneck_kl_matches_torch():
    layer = TokenBottleneck(4, learnable_prior=True)
    with torch.no_grad():
        layer.prior_mean.fill_(0.3)
        layer.prior_logvar.fill_(-0.5)
    h = torch.randn(6, 4)
    mean, logvar = layer.heads(h).chunk(2, dim=-1)
    logvar = logvar.clamp(-2.3, 2.3)
    posterior = torch.distributions.Normal(mean, (0.5 * logvar).exp())
    prior = torch.distributions.Normal(torch.full((4,), 0.3), torch.full((4,), math.exp(-0.25)))
    expected = torch.distributions.kl_divergence(posterior, prior).mean()
    assert layer(h, 0.5)[1].item() == pytest.approx(expected.item(), rel=1e-5)


def test_bottleneck_prior_trainable_only_if_learnable():
    assert not TokenBottleneck(4).prior_mean.requires_grad
    assert TokenBottleneck(4, learnable_prior=True).prior_logvar.requires_grad


def test_bottleneck_rejects_width():
    with pytest.raises(ValueError, match="width"):
        TokenBottleneck(4)(torch.randn(2, 5), 0.5)
