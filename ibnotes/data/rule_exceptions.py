"""A toy language with one rule and memorised exceptions to it.

Each sequence has ``length`` tokens: content tokens ``0 .. content - 1`` and
one marker token, followed by a query token. The rule's answer is the content
token right after the marker. A small set of exceptions are fixed sequences
whose label is an arbitrary token other than the rule's answer. Repeated many
times in training, they can only be learned by memorising the whole sequence.
A near-duplicate of an exception changes the token after the marker, so its
rule answer differs from the memorised label.

Used by: 07-language-models/03-mode-steering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import check_count


@dataclass(frozen=True)
class RuleLanguage:
    """Token ids of the toy language: ``content`` content tokens, a marker and a query.

    Content tokens are ``0 .. content - 1``, the marker is ``content`` and the
    query is ``content + 1``, so the vocabulary has ``content + 2`` ids.
    Every sequence is ``length`` tokens plus the query, ``length + 1`` in all.
    """

    content: int = 32
    length: int = 10

    def __post_init__(self) -> None:
        if self.content < 4:
            raise ValueError(f"content={self.content} is too small: pass at least 4 content tokens")
        if self.length < 3:
            raise ValueError(f"length={self.length} is too short: pass at least 3 tokens")

    @property
    def marker(self) -> int:
        """Id of the marker token."""
        return self.content

    @property
    def query(self) -> int:
        """Id of the query token that ends every sequence."""
        return self.content + 1

    @property
    def vocab(self) -> int:
        """Number of token ids."""
        return self.content + 2

    @property
    def max_len(self) -> int:
        """Tokens per sequence, the query included."""
        return self.length + 1


@dataclass
class RuleItems:
    """Sequences of a :class:`RuleLanguage` with their labels.

    ``ids`` is ``[n, length + 1]`` (int64, ending in the query token);
    ``labels`` [n] is the target token, ``rule`` [n] the rule's answer (the
    token after the marker) and ``memorised`` [n] the memorised label of the
    exception an item comes from, or -1 for plain rule items. ``exception``
    [n] is the index of that exception, or -1.
    """

    ids: torch.Tensor
    labels: torch.Tensor
    rule: torch.Tensor
    memorised: torch.Tensor
    exception: torch.Tensor

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index) -> RuleItems:
        return RuleItems(*(t[index] for t in (self.ids, self.labels, self.rule, self.memorised, self.exception)))


def rule_answers(ids: torch.Tensor, language: RuleLanguage) -> torch.Tensor:
    """Return the rule's answer [n], the token after the marker, of sequences ``ids`` [n, length + 1]."""
    if ids.dim() != 2 or ids.shape[1] != language.max_len:
        raise ValueError(f"ids must have shape [n, {language.max_len}], got {tuple(ids.shape)}")
    position = (ids == language.marker).int().argmax(dim=1)
    return ids.gather(1, (position + 1)[:, None])[:, 0]


def rule_items(n: int, language: RuleLanguage, rng: np.random.Generator) -> RuleItems:
    """Draw ``n`` sequences whose label follows the rule.

    Content tokens are uniform, and the marker sits at a uniform position in
    ``0 .. length - 2`` so that a content token always follows it.
    """
    check_count("n", n)
    ids = rng.integers(0, language.content, size=(n, language.max_len))
    position = rng.integers(0, language.length - 1, size=n)
    ids[np.arange(n), position] = language.marker
    ids[:, -1] = language.query
    ids = torch.as_tensor(ids, dtype=torch.long)
    answers = rule_answers(ids, language)
    missing = torch.full((n,), -1, dtype=torch.long)
    return RuleItems(ids, answers.clone(), answers, missing, missing.clone())


def exceptions(count: int, language: RuleLanguage, rng: np.random.Generator) -> RuleItems:
    """Draw ``count`` exceptions: rule sequences relabelled with a random other content token."""
    items = rule_items(count, language, rng)
    shift = torch.as_tensor(rng.integers(1, language.content, size=count), dtype=torch.long)
    labels = (items.rule + shift) % language.content
    return RuleItems(items.ids, labels, items.rule, labels.clone(), torch.arange(count))


def near_duplicates(memorised: RuleItems, language: RuleLanguage) -> RuleItems:
    """Return every near-duplicate of the exceptions in ``memorised``.

    A near-duplicate changes the token after the marker to each content token
    other than the original one and the memorised label, so ``content - 2``
    per exception. Its label is the rule's answer, the new token.
    """
    if len(memorised) == 0 or bool((memorised.exception < 0).any()):
        raise ValueError("memorised must contain at least one exception (exception index >= 0)")
    position = (memorised.ids == language.marker).int().argmax(dim=1)
    rows = []
    for i in range(len(memorised)):
        old, label = int(memorised.rule[i]), int(memorised.memorised[i])
        for token in range(language.content):
            if token not in (old, label):
                changed = memorised.ids[i].clone()
                changed[position[i] + 1] = token
                rows.append((changed, token, label, int(memorised.exception[i])))
    ids = torch.stack([r[0] for r in rows])
    answers = torch.tensor([r[1] for r in rows])
    return RuleItems(ids, answers, answers.clone(), torch.tensor([r[2] for r in rows]),
                     torch.tensor([r[3] for r in rows]))


def concatenate(*parts: RuleItems) -> RuleItems:
    """Join item sets in order."""
    return RuleItems(*(torch.cat(tensors) for tensors in zip(
        *((p.ids, p.labels, p.rule, p.memorised, p.exception) for p in parts))))


@dataclass
class RuleExceptionData:
    """Training and evaluation sets of the rule-with-exceptions task.

    ``train`` mixes ``rules`` fresh rule items with every exception repeated
    ``repeats`` times, shuffled. ``memorised`` contains each exception once. The
    clean sets are fresh rule items, drawn independently of the training ones.
    Near-duplicates of the first half of the exceptions form the validation
    set, those of the second half the test set.
    """

    language: RuleLanguage
    train: RuleItems
    memorised: RuleItems
    clean_validation: RuleItems
    clean_test: RuleItems
    near_validation: RuleItems
    near_test: RuleItems


def make_rule_exceptions(
    language: RuleLanguage = RuleLanguage(),
    rules: int = 3000,
    exception_count: int = 64,
    repeats: int = 30,
    clean: int = 1000,
    seed: int = 0,
) -> RuleExceptionData:
    """Generate the rule-with-exceptions data set.

    Args:
        language: the token layout.
        rules: fresh rule items in the training set.
        exception_count: memorised exceptions; at least 2, split in half
            between the validation and test near-duplicates.
        repeats: copies of each exception in the training set.
        clean: fresh rule items in each of the clean validation and test sets.
        seed: seed of the numpy generator.
    """
    for name, value in [("rules", rules), ("repeats", repeats), ("clean", clean)]:
        check_count(name, value)
    check_count("exception_count", exception_count)
    if exception_count < 2:
        raise ValueError(f"exception_count must be at least 2 to split validation and test, got {exception_count}")
    rng = np.random.default_rng(seed)
    memorised = exceptions(exception_count, language, rng)
    repeated = memorised[torch.arange(exception_count).repeat(repeats)]
    train = concatenate(rule_items(rules, language, rng), repeated)
    train = train[torch.as_tensor(rng.permutation(len(train)))]
    half = exception_count // 2
    data = RuleExceptionData(
        language=language,
        train=train,
        memorised=memorised,
        clean_validation=rule_items(clean, language, rng),
        clean_test=rule_items(clean, language, rng),
        near_validation=near_duplicates(memorised[:half], language),
        near_test=near_duplicates(memorised[half:], language),
    )
    _check_distinct(data)
    return data


def _check_distinct(data: RuleExceptionData) -> None:
    """Raise if two exceptions share a sequence or a clean item equals an exception."""
    memorised = data.memorised.ids
    clean = torch.cat([data.clean_validation.ids, data.clean_test.ids])
    repeats = len(memorised) - len(torch.unique(memorised, dim=0))
    collisions = int((clean[:, None, :] == memorised[None, :, :]).all(dim=-1).any(dim=1).sum())
    if repeats or collisions:
        raise ValueError(
            f"the language is too small for {len(memorised)} exceptions: {repeats} repeated exceptions and "
            f"{collisions} clean items equal to an exception; raise content ({data.language.content}) or "
            f"length ({data.language.length}), or draw fewer exceptions"
        )
