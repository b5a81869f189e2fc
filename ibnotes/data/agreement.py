"""Generated language: subject-verb agreement across attractor nouns.

Each sentence starts with ``<s>``, mixes attractor nouns of either number,
fillers and one time word, marks its subject as the one noun after ``the``,
and ends with the query token ``?``. The token after ``?`` is the verb
that agrees with the subject and the time word: ``was``, ``were``, ``is`` or
``are``. A model reads the label at the last position, so it must find the noun
after ``the`` among the attractors (a two-step lookup) and the time word.

Used by: 07-language-models/01-vtrans (``make_agreement``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import check_count, move_to_device

AGREEMENT_SINGULAR = ("dog", "cat", "bird", "fox", "horse", "wolf")
AGREEMENT_PLURAL = ("dogs", "cats", "birds", "foxes", "horses", "wolves")
AGREEMENT_FILLERS = ("a", "big", "small", "red", "old", "that", "near", "with")
AGREEMENT_TIMES = ("yesterday", "now")
AGREEMENT_VERBS = ("was", "were", "is", "are")
AGREEMENT_SPECIALS = ("<s>", "?")
MIN_AGREEMENT_LENGTH = 5


def agreement_vocabulary() -> list[str]:
    """Return the vocabulary: specials, ``the``, fillers, nouns, time words, then the four verbs."""
    return [
        *AGREEMENT_SPECIALS,
        "the",
        *AGREEMENT_FILLERS,
        *AGREEMENT_SINGULAR,
        *AGREEMENT_PLURAL,
        *AGREEMENT_TIMES,
        *AGREEMENT_VERBS,
    ]


@dataclass
class AgreementSentences:
    """Sentences of the agreement grammar with their verb labels.

    ``ids`` is ``[n, length]`` (int64) and ends with ``?``; ``labels`` is
    ``[n]`` in ``0..3``, an index into ``AGREEMENT_VERBS``, and equals
    ``2 * present + plural``. ``plural`` and ``present`` are ``[n]`` bool, and
    ``subject_position`` ``[n]`` is the index of the subject noun in ``ids``.
    ``verb_ids`` ``[4]`` are the vocabulary ids of the verbs, so
    ``logits[:, -1, verb_ids]`` are a language model's class logits.
    """

    ids: torch.Tensor
    labels: torch.Tensor
    plural: torch.Tensor
    present: torch.Tensor
    subject_position: torch.Tensor
    vocabulary: list[str]

    @property
    def verb_ids(self) -> torch.Tensor:
        """Vocabulary ids [4] of ``was``, ``were``, ``is``, ``are``."""
        return torch.tensor([self.vocabulary.index(verb) for verb in AGREEMENT_VERBS])

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: torch.Tensor | slice) -> AgreementSentences:
        """Return the sentences at ``index`` (a slice, index tensor or boolean mask)."""
        return AgreementSentences(
            ids=self.ids[index],
            labels=self.labels[index],
            plural=self.plural[index],
            present=self.present[index],
            subject_position=self.subject_position[index],
            vocabulary=self.vocabulary,
        )

    def to(self, device: torch.device | str) -> AgreementSentences:
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)

    def decode(self, row: int) -> str:
        """Return sentence ``row`` as words, followed by its verb."""
        words = [self.vocabulary[i] for i in self.ids[row].tolist()]
        return " ".join(words) + " " + AGREEMENT_VERBS[int(self.labels[row])]


def make_agreement(n: int, length: int = 12, seed: int = 0) -> AgreementSentences:
    """Draw ``n`` agreement sentences of ``length`` tokens each.

    The subject is the one noun that follows ``the``, placed at a uniform
    position from 2 to ``length - 3``. Every other slot before the final
    ``?`` contains an attractor noun of random number with probability 0.5,
    otherwise a filler, and one of them is replaced by the time word. Subject number
    and time word are uniform and independent, so the four labels are
    balanced.

    Raises:
        ValueError: ``n`` is below 1 or ``length`` is below ``MIN_AGREEMENT_LENGTH``.
    """
    check_count("n", n)
    check_count("length", length)
    if length < MIN_AGREEMENT_LENGTH:
        raise ValueError(
            f"length must be at least {MIN_AGREEMENT_LENGTH} (room for <s>, the subject "
            f"after 'the', one other slot for the time word and the query), got {length}"
        )
    vocabulary = agreement_vocabulary()
    rng = np.random.default_rng(seed)

    plural = rng.random(n) < 0.5
    present = rng.random(n) < 0.5
    subject_position = rng.integers(2, length - 2, size=n)

    # Attractors and fillers everywhere between <s> and "?", then the subject.
    singular = np.array([vocabulary.index(w) for w in AGREEMENT_SINGULAR])
    plural_ids = np.array([vocabulary.index(w) for w in AGREEMENT_PLURAL])
    fillers = np.array([vocabulary.index(w) for w in AGREEMENT_FILLERS])
    slots = (n, length)
    attractor = rng.random(slots) < 0.5
    attractor_plural = rng.random(slots) < 0.5
    ids = np.where(
        attractor,
        np.where(attractor_plural, rng.choice(plural_ids, slots), rng.choice(singular, slots)),
        rng.choice(fillers, slots),
    )
    rows = np.arange(n)
    ids[:, 0] = vocabulary.index("<s>")
    ids[:, -1] = vocabulary.index("?")
    ids[rows, subject_position - 1] = vocabulary.index("the")
    ids[rows, subject_position] = np.where(
        plural, rng.choice(plural_ids, n), rng.choice(singular, n)
    )

    # The time word takes one slot that is not <s>, "the", the subject or "?".
    free = np.ones(slots, dtype=bool)
    free[:, [0, -1]] = False
    free[rows, subject_position - 1] = False
    free[rows, subject_position] = False
    time_slot = np.argmax(rng.random(slots) * free, axis=1)
    times = np.array([vocabulary.index(w) for w in AGREEMENT_TIMES])
    ids[rows, time_slot] = times[present.astype(np.int64)]

    labels = 2 * present.astype(np.int64) + plural.astype(np.int64)
    return AgreementSentences(
        ids=torch.from_numpy(ids.astype(np.int64)),
        labels=torch.from_numpy(labels),
        plural=torch.from_numpy(plural),
        present=torch.from_numpy(present),
        subject_position=torch.from_numpy(subject_position),
        vocabulary=vocabulary,
    )
