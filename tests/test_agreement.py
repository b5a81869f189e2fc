"""Tests of the agreement grammar in ibnotes.data.agreement."""

import pytest
import torch

from ibnotes.data import (
    AGREEMENT_PLURAL,
    AGREEMENT_SINGULAR,
    AGREEMENT_TIMES,
    AGREEMENT_VERBS,
    agreement_vocabulary,
    make_agreement,
)


def _words(sentences, row):
    return [sentences.vocabulary[i] for i in sentences.ids[row].tolist()]


def test_shapes_and_dtypes():
    sentences = make_agreement(50, length=12, seed=0)
    assert sentences.ids.shape == (50, 12)
    assert sentences.ids.dtype == torch.int64
    assert sentences.labels.shape == (50,)
    assert len(sentences) == 50


def test_same_seed_same_sentences():
    assert torch.equal(make_agreement(20, seed=3).ids, make_agreement(20, seed=3).ids)


def test_start_and_query_tokens():
    sentences = make_agreement(30, seed=1)
    for row in range(30):
        words = _words(sentences, row)
        assert words[0] == "<s>"
        assert words[-1] == "?"


def test_subject_follows_the():
    sentences = make_agreement(200, seed=2)
    for row in range(200):
        words = _words(sentences, row)
        position = int(sentences.subject_position[row])
        assert words.count("the") == 1
        assert words[position - 1] == "the"
        nouns = AGREEMENT_PLURAL if sentences.plural[row] else AGREEMENT_SINGULAR
        assert words[position] in nouns


def test_one_time_word_sets_tense():
    sentences = make_agreement(200, seed=4)
    for row in range(200):
        words = _words(sentences, row)
        times = [w for w in words if w in AGREEMENT_TIMES]
        assert len(times) == 1
        assert (times[0] == "now") == bool(sentences.present[row])


def test_label_matches_verb():
    sentences = make_agreement(200, seed=5)
    expected = 2 * sentences.present.long() + sentences.plural.long()
    assert torch.equal(sentences.labels, expected)
    verb = AGREEMENT_VERBS[int(sentences.labels[0])]
    assert sentences.decode(0).endswith(" " + verb)


def test_labels_balanced():
    counts = torch.bincount(make_agreement(4000, seed=6).labels, minlength=4)
    assert counts.min() > 900


def test_attractors_of_both_numbers():
    sentences = make_agreement(500, seed=7)
    singular = {agreement_vocabulary().index(w) for w in AGREEMENT_SINGULAR}
    plural = {agreement_vocabulary().index(w) for w in AGREEMENT_PLURAL}
    nouns_per_row = [
        (sum(i in singular for i in row), sum(i in plural for i in row))
        for row in sentences.ids.tolist()
    ]
    assert any(s > 0 and p > 0 for s, p in nouns_per_row)


def test_verb_ids_are_verbs():
    sentences = make_agreement(5)
    words = [sentences.vocabulary[i] for i in sentences.verb_ids.tolist()]
    assert words == list(AGREEMENT_VERBS)


def test_subset_and_to():
    sentences = make_agreement(10)
    part = sentences.subset(slice(2, 5)).to("cpu")
    assert torch.equal(part.ids, sentences.ids[2:5])
    assert torch.equal(part.labels, sentences.labels[2:5])


def test_shortest_length_works():
    sentences = make_agreement(20, length=5, seed=8)
    assert sentences.ids.shape == (20, 5)


def test_rejects_short_length():
    with pytest.raises(ValueError, match="length must be at least"):
        make_agreement(10, length=4)


def test_rejects_empty():
    with pytest.raises(ValueError, match="n must be a whole number"):
        make_agreement(0)
