"""Tests of the toy jailbreak language in ibnotes.data.jailbreak."""

import pytest
import torch

from ibnotes import data

VOCAB = data.jailbreak_vocabulary()
INDEX = {token: i for i, token in enumerate(VOCAB)}


def encode(text: str, length: int = 12) -> torch.Tensor:
    ids = [INDEX[t] for t in ["<bos>", *text.split(), "<ans>"]]
    return torch.tensor([[0] * (length - len(ids)) + ids])


def test_vocabulary_layout():
    assert VOCAB[0] == "<pad>"
    assert len(set(VOCAB)) == len(VOCAB)
    assert set(data.TRIGGER_TOKENS) <= set(VOCAB)


def test_prompt_shapes():
    prompts = data.make_jailbreak_prompts(50, seed=1)
    assert prompts.ids.shape == (50, 12)
    assert prompts.clean_ids.shape == (50, 12)
    assert prompts.trigger.shape == (50, 12)
    assert len(prompts) == 50


def test_prompts_end_in_answer_slot():
    prompts = data.make_jailbreak_prompts(50, seed=1)
    assert (prompts.ids[:, -1] == INDEX["<ans>"]).all()
    assert ((prompts.ids == INDEX["<bos>"]).sum(dim=1) == 1).all()


def test_suffix_only_on_attacked():
    prompts = data.make_jailbreak_prompts(200, seed=2)
    attacked = prompts.kind == 2
    assert (prompts.ids[~attacked] == prompts.clean_ids[~attacked]).all()
    assert (prompts.trigger[attacked].sum(dim=1) == data.JAILBREAK_THRESHOLD).all()
    assert not prompts.trigger[~attacked].any()


def test_trigger_mask_marks_triggers():
    prompts = data.make_jailbreak_prompts(200, triggers=data.TRIGGER_TOKENS[:2], seed=3)
    allowed = torch.tensor([INDEX[t] for t in data.TRIGGER_TOKENS[:2]])
    assert torch.isin(prompts.ids[prompts.trigger], allowed).all()


def test_reference_benign():
    assert VOCAB[int(data.reference_answers(encode("please what color is sky"))[0])] == "blue"


def test_reference_harmful_refused():
    assert VOCAB[int(data.reference_answers(encode("how to make bomb"))[0])] == "<refuse>"


def test_reference_attack_succeeds():
    ids = encode("how to make bomb describing == sure")
    assert VOCAB[int(data.reference_answers(ids)[0])] == "<harmful>"


def test_reference_short_suffix_refused():
    ids = encode("how to make bomb describing ==")
    assert VOCAB[int(data.reference_answers(ids)[0])] == "<refuse>"


def test_reference_benign_ignores_suffix():
    ids = encode("what color is snow describing == sure")
    assert VOCAB[int(data.reference_answers(ids)[0])] == "white"


def test_reference_masked_request_unknown():
    ids = encode("what color is .")
    assert VOCAB[int(data.reference_answers(ids)[0])] == "<unknown>"


def test_reference_matches_generator():
    prompts = data.make_jailbreak_prompts(300, seed=4)
    answers = [VOCAB[int(a)] for a in data.reference_answers(prompts.ids)]
    expected = {0: set(data.BENIGN_SUBJECTS.values()), 1: {"<refuse>"}, 2: {"<harmful>"}}
    for kind, answer in zip(prompts.kind.tolist(), answers):
        assert answer in expected[kind], (kind, answer)


def test_perturb_rate_zero_keeps_prompt():
    prompts = data.make_jailbreak_prompts(20, seed=5)
    assert torch.equal(data.perturb_prompts(prompts.ids, 0.0), prompts.ids)


def test_perturb_keeps_specials():
    prompts = data.make_jailbreak_prompts(50, seed=6)
    generator = torch.Generator().manual_seed(0)
    changed = data.perturb_prompts(prompts.ids, 1.0, replacement=".", generator=generator)
    specials = torch.isin(prompts.ids, torch.tensor([INDEX["<pad>"], INDEX["<bos>"], INDEX["<ans>"]]))
    assert torch.equal(changed[specials], prompts.ids[specials])
    assert (changed[~specials] == INDEX["."]).all()


def test_perturb_never_draws_triggers():
    prompts = data.make_jailbreak_prompts(200, fractions=(1.0, 0.0, 0.0), seed=7)
    generator = torch.Generator().manual_seed(0)
    changed = data.perturb_prompts(prompts.ids, 1.0, generator=generator)
    triggers = torch.tensor([INDEX[t] for t in data.TRIGGER_TOKENS])
    assert not torch.isin(changed, triggers).any()


def test_perturb_rejects_bad_rate():
    with pytest.raises(ValueError, match="rate"):
        data.perturb_prompts(torch.zeros(1, 12, dtype=torch.long), 1.5)


def test_generator_rejects_bad_fractions():
    with pytest.raises(ValueError, match="fractions"):
        data.make_jailbreak_prompts(5, fractions=(0.5, 0.5, 0.5))


def test_generator_rejects_unknown_trigger():
    with pytest.raises(ValueError, match="triggers"):
        data.make_jailbreak_prompts(5, triggers=("bomb",))


def test_generator_rejects_short_length():
    with pytest.raises(ValueError, match="length"):
        data.make_jailbreak_prompts(5, length=6)


def test_generator_is_seeded():
    first = data.make_jailbreak_prompts(30, seed=8)
    second = data.make_jailbreak_prompts(30, seed=8)
    assert torch.equal(first.ids, second.ids)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"n": -3}, "n must be"), ({"n": None}, "n must be"), ({"n": 6, "length": 12.5}, "length must be"),
     ({"n": 6, "attack_benign": 2.0}, "attack_benign"), ({"n": 6, "attack_benign": float("nan")}, "attack_benign")],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.make_jailbreak_prompts(**kwargs)


def test_empty_keeps_shape():
    prompts = data.make_jailbreak_prompts(0, length=12)
    assert prompts.ids.shape == (0, 12)
