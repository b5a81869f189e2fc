"""Tests of the rule-with-exceptions toy language in ibnotes.data.rule_exceptions."""

import numpy as np
import pytest
import torch

from ibnotes.data import (
    RuleLanguage,
    make_rule_exceptions,
    near_duplicates,
    rule_answers,
    rule_items,
)

LANGUAGE = RuleLanguage(content=8, length=6)


def test_rule_items_layout():
    items = rule_items(50, LANGUAGE, np.random.default_rng(0))
    assert items.ids.shape == (50, LANGUAGE.max_len)
    assert bool((items.ids[:, -1] == LANGUAGE.query).all())
    assert bool(((items.ids == LANGUAGE.marker).sum(dim=1) == 1).all())
    assert bool((items.ids[:, -2] != LANGUAGE.marker).all()), "a content token must follow the marker"


def test_rule_items_labels_follow_rule():
    items = rule_items(50, LANGUAGE, np.random.default_rng(1))
    position = (items.ids == LANGUAGE.marker).int().argmax(dim=1)
    after = items.ids[torch.arange(50), position + 1]
    assert torch.equal(items.labels, after)
    assert torch.equal(items.rule, after)
    assert bool((items.exception == -1).all())


def test_exceptions_break_rule():
    data = make_rule_exceptions(LANGUAGE, rules=20, exception_count=6, repeats=3, clean=10)
    memorised = data.memorised
    assert bool((memorised.labels != memorised.rule).all())
    assert bool((memorised.labels < LANGUAGE.content).all())
    assert torch.equal(memorised.exception, torch.arange(6))


def test_train_repeats_exceptions():
    data = make_rule_exceptions(LANGUAGE, rules=20, exception_count=6, repeats=3, clean=10)
    assert len(data.train) == 20 + 6 * 3
    counts = torch.bincount(data.train.exception[data.train.exception >= 0], minlength=6)
    assert bool((counts == 3).all())


def test_near_duplicates_change_answer():
    data = make_rule_exceptions(LANGUAGE, rules=20, exception_count=6, repeats=3, clean=10)
    near = near_duplicates(data.memorised, LANGUAGE)
    assert len(near) == 6 * (LANGUAGE.content - 2)
    assert torch.equal(rule_answers(near.ids, LANGUAGE), near.labels)
    assert bool((near.labels != near.memorised).all())
    original = data.memorised.ids[near.exception]
    assert bool(((near.ids != original).sum(dim=1) == 1).all()), "exactly one token changes"


def test_validation_and_test_split_exceptions():
    data = make_rule_exceptions(LANGUAGE, rules=20, exception_count=6, repeats=3, clean=10)
    assert set(data.near_validation.exception.tolist()) == {0, 1, 2}
    assert set(data.near_test.exception.tolist()) == {3, 4, 5}


def test_generator_is_seeded():
    first = make_rule_exceptions(LANGUAGE, rules=20, exception_count=4, repeats=2, clean=5, seed=3)
    second = make_rule_exceptions(LANGUAGE, rules=20, exception_count=4, repeats=2, clean=5, seed=3)
    assert torch.equal(first.train.ids, second.train.ids)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="content"):
        RuleLanguage(content=2)
    with pytest.raises(ValueError, match="exception_count"):
        make_rule_exceptions(LANGUAGE, exception_count=1)
    with pytest.raises(ValueError, match="shape"):
        rule_answers(torch.zeros(3, 2, dtype=torch.long), LANGUAGE)
    plain = rule_items(4, LANGUAGE, np.random.default_rng(0))
    with pytest.raises(ValueError, match="exception"):
        near_duplicates(plain, LANGUAGE)


def test_rejects_language_too_small():
    with pytest.raises(ValueError, match="too small"):
        make_rule_exceptions(RuleLanguage(content=4, length=3), exception_count=1000)


@pytest.mark.parametrize("repeats", [2.5, "3", True])
def test_rejects_non_whole_counts(repeats):
    with pytest.raises(ValueError, match="repeats must be a whole number"):
        make_rule_exceptions(LANGUAGE, repeats=repeats)
