"""Tests of the aspect-sentiment generator with a planted spurious phrase."""

import pytest
import torch

from ibnotes.data import OPINION_WORDS, SPURIOUS_PHRASE, aspect_vocabulary, make_aspect_sentiment


def test_shapes_and_types():
    data = make_aspect_sentiment(50, seed=0)
    assert data.tokens.shape[0] == 50
    assert data.aspect.shape == data.tokens.shape
    assert data.tokens.dtype == torch.long
    assert data.labels.shape == (50,)
    assert int(data.labels.min()) >= 0
    assert int(data.labels.max()) <= 2


def test_one_target_aspect():
    data = make_aspect_sentiment(200, seed=1)
    assert torch.all(data.aspect.sum(dim=1) == 1)
    assert torch.all(data.tokens[data.aspect] > 1), "the target must be a word, not padding"


def test_same_seed_same_data():
    first = make_aspect_sentiment(30, seed=3)
    second = make_aspect_sentiment(30, seed=3)
    assert torch.equal(first.tokens, second.tokens)
    assert torch.equal(first.labels, second.labels)


def test_vocabulary_fixed():
    assert make_aspect_sentiment(5, seed=0).vocabulary == aspect_vocabulary()
    assert make_aspect_sentiment(5, seed=9).vocabulary == aspect_vocabulary()
    assert aspect_vocabulary()[0] == "<pad>"


def test_phrase_rates_planted():
    data = make_aspect_sentiment(6000, 0.9, 0.05, seed=2)
    positive = data.labels == 2
    assert abs(data.spurious[positive].float().mean().item() - 0.9) < 0.03
    assert abs(data.spurious[~positive].float().mean().item() - 0.05) < 0.02
    assert abs(positive.float().mean().item() - 1 / 3) < 0.03


def test_anti_spurious_flips():
    data = make_aspect_sentiment(500, 0.0, 1.0, seed=4)
    positive = data.labels == 2
    assert not data.spurious[positive].any()
    assert data.spurious[~positive].all()


def test_phrase_tokens_present():
    data = make_aspect_sentiment(300, 0.5, 0.5, seed=5)
    never = aspect_vocabulary().index(SPURIOUS_PHRASE[0])
    has_token = (data.tokens == never).any(dim=1)
    assert torch.equal(has_token, data.spurious)


def test_decode_marks_target():
    data = make_aspect_sentiment(10, seed=6)
    text = data.decode(0)
    assert text.count("[") == 1
    assert "<pad>" not in text


def test_two_polarities_per_sentence():
    data = make_aspect_sentiment(300, seed=7)
    polarity = {word: label for label, words in enumerate(OPINION_WORDS) for word in words}
    for index in range(len(data)):
        words = data.decode(index).split()
        found = {polarity[word] for word in words if word in polarity}
        assert len(found) == 2, f"sentence {index} has polarities {found}"
        assert int(data.labels[index]) in found


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"n": 5, "phrase_given_positive": 1.5}, {"n": 5, "phrase_given_other": -0.1}])
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        make_aspect_sentiment(**kwargs)
