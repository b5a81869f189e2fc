import numpy as np
import pytest
import torch

from ibnotes import data
from ibnotes.nn import MultiHeadVectorQuantizer


def test_quantizer_shapes():
    quantizer = MultiHeadVectorQuantizer(heads=3, codes=5, dim=4)
    quantized, indices, loss = quantizer(torch.randn(7, 12))
    assert quantized.shape == (7, 12)
    assert indices.shape == (7, 3)
    assert loss.shape == ()


def test_quantizer_outputs_codes():
    quantizer = MultiHeadVectorQuantizer(heads=2, codes=4, dim=3).eval()
    quantized, indices, _ = quantizer(torch.randn(6, 6))
    expected = quantizer.codebook[torch.arange(2), indices].reshape(6, 6)
    assert torch.allclose(quantized, expected)


def test_quantizer_nearest_code():
    quantizer = MultiHeadVectorQuantizer(heads=1, codes=3, dim=2).eval()
    quantizer.codebook.copy_(torch.tensor([[[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]]]))
    _, indices, _ = quantizer(torch.tensor([[4.0, 4.5], [-4.0, 6.0], [0.1, -0.2]]))
    assert indices[:, 0].tolist() == [1, 2, 0]


def test_straight_through_gradient():
    quantizer = MultiHeadVectorQuantizer(heads=2, codes=4, dim=3, commitment=0.0).eval()
    x = torch.randn(5, 6, requires_grad=True)
    quantized, _, _ = quantizer(x)
    weights = torch.randn(5, 6)
    (quantized * weights).sum().backward()
    assert torch.allclose(x.grad, weights)


def test_commitment_loss_value():
    quantizer = MultiHeadVectorQuantizer(heads=1, codes=1, dim=2, commitment=0.25).eval()
    quantizer.codebook.zero_()
    _, _, loss = quantizer(torch.tensor([[2.0, 0.0]]))
    assert loss.item() == pytest.approx(0.25 * 2.0)


def test_codebook_not_trained_by_gradient():
    quantizer = MultiHeadVectorQuantizer(heads=2, codes=4, dim=3)
    assert list(quantizer.parameters()) == []


def test_ema_moves_code_toward_inputs():
    torch.manual_seed(0)
    quantizer = MultiHeadVectorQuantizer(heads=1, codes=2, dim=2, decay=0.9)
    quantizer.codebook.copy_(torch.tensor([[[0.0, 0.0], [10.0, 10.0]]]))
    quantizer.ema_sum.copy_(quantizer.codebook * quantizer.ema_count.unsqueeze(-1))
    target = torch.tensor([1.0, -1.0])
    before = (quantizer.codebook[0, 0] - target).norm()
    for _ in range(20):
        quantizer(target + 0.01 * torch.randn(8, 2))
    after = (quantizer.codebook[0, 0] - target).norm()
    assert after < 0.2 * before
    assert torch.allclose(quantizer.codebook[0, 1], torch.tensor([10.0, 10.0]), atol=1.0)


def test_eval_mode_freezes_codebook():
    quantizer = MultiHeadVectorQuantizer(heads=2, codes=4, dim=3).eval()
    before = quantizer.codebook.clone()
    quantizer(torch.randn(10, 6))
    assert torch.equal(quantizer.codebook, before)


def test_dead_code_restarted_at_input():
    quantizer = MultiHeadVectorQuantizer(heads=1, codes=2, dim=2, dead_threshold=0.5)
    quantizer.codebook.copy_(torch.tensor([[[0.0, 0.0], [100.0, 100.0]]]))
    quantizer.ema_sum.copy_(quantizer.codebook.clone())
    quantizer.ema_count.copy_(torch.tensor([[1.0, 0.1]]))
    x = torch.tensor([[1.0, 1.0], [2.0, 2.0]])
    quantizer(x)
    restarted = quantizer.codebook[0, 1]
    assert any(torch.allclose(restarted, row) for row in x)


def test_quantizer_rejects_bad_shape():
    quantizer = MultiHeadVectorQuantizer(heads=2, codes=4, dim=3)
    with pytest.raises(ValueError, match="expected \\[batch, 6\\]"):
        quantizer(torch.randn(5, 5))


def test_quantizer_rejects_bad_decay():
    with pytest.raises(ValueError, match="decay"):
        MultiHeadVectorQuantizer(heads=2, codes=4, dim=3, decay=1.0)


def test_grammar_size():
    grammar = data.question_grammar()
    assert len(grammar.sentences) == 6 * 20 * 8
    assert grammar.tokens.shape[0] == 960


def test_grammar_parse_roundtrip():
    grammar = data.question_grammar()
    for row in range(0, 960, 7):
        parsed = grammar.parse(grammar.decode(grammar.tokens[row, 1:]))
        assert parsed == (grammar.template[row], grammar.intent[row], grammar.entity[row])


def test_grammar_parse_rejects_other():
    grammar = data.question_grammar()
    assert grammar.parse("what is the capital of atlantis ?") is None
    assert grammar.parse("capital france") is None


def test_grammar_meaning_form_independent():
    grammar = data.question_grammar()
    counts = np.zeros((120, 8), dtype=int)
    np.add.at(counts, (grammar.meaning, grammar.template), 1)
    assert (counts == 1).all()


def test_grammar_rejects_bad_template():
    with pytest.raises(ValueError, match="exactly one"):
        data.question_grammar(templates=("what is {intent} ?",))


def test_triples_relations():
    grammar = data.question_grammar()
    meanings = np.arange(40)
    x_sem, x_syn, y = data.paraphrase_triples(grammar, meanings, 200, np.random.default_rng(0))
    assert (grammar.meaning[x_sem] == grammar.meaning[y]).all()
    assert (grammar.template[x_sem] != grammar.template[y]).all()
    assert (grammar.template[x_syn] == grammar.template[y]).all()
    assert (grammar.meaning[x_syn] != grammar.meaning[y]).all()


def test_triples_stay_in_meanings():
    grammar = data.question_grammar()
    meanings = np.array([3, 17, 50])
    x_sem, x_syn, y = data.paraphrase_triples(grammar, meanings, 100, np.random.default_rng(1))
    for indices in (x_sem, x_syn, y):
        assert np.isin(grammar.meaning[indices], meanings).all()


def test_triples_reject_one_meaning():
    grammar = data.question_grammar()
    with pytest.raises(ValueError, match="at least 2"):
        data.paraphrase_triples(grammar, np.array([5]), 10, np.random.default_rng(0))
