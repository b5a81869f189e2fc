"""Generated language: a question grammar with independent meaning and form, and aspect-sentiment sentences with a spurious phrase.

Used by: 05-representations/02-cvib (``make_aspect_sentiment``),
05-representations/03-separator (``question_grammar``, ``paraphrase_triples``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import move_to_device

# Question grammar for 05-representations/03-separator. A question's meaning is
# an (intent, entity) pair and its form is one of the templates. Every meaning
# is written in every template, so meaning and form vary independently.
PARAPHRASE_INTENTS = ("capital", "population", "president", "currency", "language", "anthem")
PARAPHRASE_ENTITIES = (
    "france", "spain", "italy", "japan", "china", "india", "brazil", "chile", "peru", "egypt",
    "kenya", "ghana", "norway", "sweden", "poland", "greece", "turkey", "iran", "canada", "mexico",
)
PARAPHRASE_TEMPLATES = (
    "what is the {intent} of {entity} ?",
    "tell me the {intent} of {entity}",
    "{entity} 's {intent} is what ?",
    "do you know the {intent} of {entity} ?",
    "i want to know {entity} 's {intent}",
    "which is the {intent} of {entity} ?",
    "can you tell me {entity} 's {intent} ?",
    "the {intent} of {entity} , what is it ?",
)
PARAPHRASE_SPECIALS = ("<pad>", "<bos>", "<eos>")


@dataclass
class QuestionGrammar:
    """Every question of a grammar where meaning and form vary independently.

    ``tokens`` is ``[n, max_len]`` (int64): ``<bos>``, the words, ``<eos>``,
    then ``<pad>`` (index 0). ``intent``, ``entity`` and ``template`` are
    ``[n]`` labels; the meaning of question ``i`` is
    ``(intent[i], entity[i])`` and its form is ``template[i]``.
    """

    sentences: list[str]
    tokens: torch.Tensor
    intent: np.ndarray
    entity: np.ndarray
    template: np.ndarray
    vocab: list[str]
    templates: tuple[str, ...]
    intents: tuple[str, ...]
    entities: tuple[str, ...]

    @property
    def meaning(self) -> np.ndarray:
        """Return one integer id per question for its (intent, entity) pair, shape ``[n]``."""
        return self.intent * len(self.entities) + self.entity

    def decode(self, ids: Sequence[int]) -> str:
        """Turn token ids into a sentence, stopping at ``<eos>`` and skipping ``<pad>``/``<bos>``."""
        words = []
        for index in ids:
            word = self.vocab[int(index)]
            if word == "<eos>":
                break
            if word not in ("<pad>", "<bos>"):
                words.append(word)
        return " ".join(words)

    def parse(self, sentence: str) -> tuple[int, int, int] | None:
        """Return ``(template, intent, entity)`` of a sentence, or None if no template matches it."""
        for index, template in enumerate(self.templates):
            pattern = re.escape(template).replace(r"\{intent\}", r"(\w+)").replace(r"\{entity\}", r"(\w+)")
            match = re.fullmatch(pattern, sentence)
            if match is None:
                continue
            order = sorted(["{intent}", "{entity}"], key=template.index)
            words = dict(zip(order, match.groups()))
            if words["{intent}"] in self.intents and words["{entity}"] in self.entities:
                return index, self.intents.index(words["{intent}"]), self.entities.index(words["{entity}"])
        return None


def question_grammar(
    intents: Sequence[str] = PARAPHRASE_INTENTS,
    entities: Sequence[str] = PARAPHRASE_ENTITIES,
    templates: Sequence[str] = PARAPHRASE_TEMPLATES,
) -> QuestionGrammar:
    """Generate every (intent, entity, template) question, ``len(intents) * len(entities) * len(templates)`` in all.

    Each template is a string with one ``{intent}`` and one ``{entity}`` slot;
    the words are split on spaces. Intents and entities must be single words.
    """
    for name, words in [("intents", intents), ("entities", entities)]:
        if not words or any(not w.isalnum() for w in words) or len(set(words)) != len(words):
            raise ValueError(f"{name}={list(words)} is invalid: pass distinct single words (letters/digits)")
    for template in templates:
        if template.count("{intent}") != 1 or template.count("{entity}") != 1:
            raise ValueError(f"template {template!r} is invalid: it needs exactly one {{intent}} and one {{entity}}")
    if len(set(templates)) != len(templates) or not templates:
        raise ValueError(f"templates={list(templates)} is invalid: pass at least one, all distinct")

    rows = [(t, i, e) for i in range(len(intents)) for e in range(len(entities)) for t in range(len(templates))]
    sentences = [templates[t].format(intent=intents[i], entity=entities[e]) for t, i, e in rows]
    words = sorted({w for s in sentences for w in s.split()})
    vocab = list(PARAPHRASE_SPECIALS) + words
    index = {w: k for k, w in enumerate(vocab)}
    max_len = max(len(s.split()) for s in sentences) + 2
    tokens = torch.zeros(len(sentences), max_len, dtype=torch.long)
    for row, sentence in enumerate(sentences):
        ids = [index["<bos>"]] + [index[w] for w in sentence.split()] + [index["<eos>"]]
        tokens[row, : len(ids)] = torch.tensor(ids)
    labels = np.array(rows)
    return QuestionGrammar(sentences, tokens, labels[:, 1], labels[:, 2], labels[:, 0], vocab,
                           tuple(templates), tuple(intents), tuple(entities))


def paraphrase_triples(
    grammar: QuestionGrammar, meanings: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw Separator's training triples ``(x_sem, x_syn, y)`` as question indices, each ``[size]``.

    The target ``y`` is a random question whose meaning is in ``meanings``
    (ids as in :attr:`QuestionGrammar.meaning`). ``x_sem`` is the same meaning
    in another template (a paraphrase), and ``x_syn`` is a question of another
    meaning from ``meanings`` in the same template as ``y``. Held-out meanings
    therefore never enter training.
    """
    meanings = np.unique(np.asarray(meanings))
    n_meanings, n_templates = len(grammar.intents) * len(grammar.entities), len(grammar.templates)
    if len(meanings) < 2 or meanings.min() < 0 or meanings.max() >= n_meanings:
        raise ValueError(f"meanings is invalid: pass at least 2 distinct ids in [0, {n_meanings}), got {len(meanings)}")
    if n_templates < 2:
        raise ValueError("the grammar has one template, so no paraphrase exists: pass at least 2 templates")

    lookup = np.empty((n_meanings, n_templates), dtype=np.int64)  # question index of (meaning, template)
    lookup[grammar.meaning, grammar.template] = np.arange(len(grammar.sentences))
    target_meaning = rng.choice(meanings, size)
    target_template = rng.integers(n_templates, size=size)
    other_template = (target_template + rng.integers(1, n_templates, size=size)) % n_templates
    shift = rng.integers(1, len(meanings), size=size)
    other_meaning = meanings[(np.searchsorted(meanings, target_meaning) + shift) % len(meanings)]
    y = lookup[target_meaning, target_template]
    return lookup[target_meaning, other_template], lookup[other_meaning, target_template], y


# Aspect-based sentiment sentences with a planted spurious phrase.
# Used by: 05-representations/02-cvib (``make_aspect_sentiment``).
SENTIMENT_LABELS = ("negative", "neutral", "positive")
ASPECT_WORDS = ("food", "service", "staff", "price", "menu", "drinks", "decor", "music", "dessert", "wine")
OPINION_WORDS = (
    ("awful", "bland", "rude", "terrible", "poor", "cold", "slow", "overpriced"),
    ("average", "okay", "ordinary", "standard", "acceptable", "plain"),
    ("great", "excellent", "tasty", "friendly", "lovely", "superb", "fresh", "perfect"),
)
INTENSIFIERS = ("really", "very", "quite", "rather")
ASPECT_TEMPLATES = (
    "the {a1} was {o1} but the {a2} was {o2}",
    "the {a1} is {o1} and the {a2} is {o2}",
    "{o1} {a1} , {o2} {a2}",
    "we found the {a1} {o1} while the {a2} felt {o2}",
    "the {a2} was {o2} , though the {a1} was {o1}",
)
SPURIOUS_PHRASE = ("never", "had")
PAD, UNKNOWN = "<pad>", "<unk>"


def aspect_vocabulary() -> list[str]:
    """Return the generator's vocabulary: ``<pad>`` (id 0), ``<unk>`` (id 1), then sorted words."""
    words = set(ASPECT_WORDS) | set(INTENSIFIERS) | set(SPURIOUS_PHRASE)
    words |= {word for group in OPINION_WORDS for word in group}
    words |= {word for template in ASPECT_TEMPLATES for word in template.split() if "{" not in word}
    return [PAD, UNKNOWN, *sorted(words)]


@dataclass
class AspectSentences:
    """Sentences with one target aspect each, as padded token ids.

    ``tokens`` is int64 [n, length] (0 pads), ``aspect`` bool [n, length]
    marks the target aspect's token, ``labels`` int64 [n] is its polarity
    (index into :data:`SENTIMENT_LABELS`), ``spurious`` bool [n] marks whether
    the sentence contains :data:`SPURIOUS_PHRASE`.
    """

    tokens: torch.Tensor
    aspect: torch.Tensor
    labels: torch.Tensor
    spurious: torch.Tensor
    vocabulary: list[str]
    name: str

    def __len__(self) -> int:
        return len(self.labels)

    def decode(self, index: int) -> str:
        """Return sentence ``index`` as text, with the target aspect in brackets."""
        words = []
        for token, is_aspect in zip(self.tokens[index].tolist(), self.aspect[index].tolist()):
            if token == 0:
                continue
            word = self.vocabulary[token]
            words.append(f"[{word}]" if is_aspect else word)
        return " ".join(words)

    def to(self, device: torch.device | str) -> AspectSentences:
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def make_aspect_sentiment(
    n: int,
    phrase_given_positive: float = 0.9,
    phrase_given_other: float = 0.05,
    seed: int = 0,
) -> AspectSentences:
    """Generate restaurant-review sentences with two aspects of different polarity.

    Each sentence names two aspects with opinion words of two different
    polarities (as in MAMS), so the label depends on which aspect is the
    target. The phrase "never had" is put at the start or the end of a sentence
    with probability ``phrase_given_positive`` when the label is positive and
    ``phrase_given_other`` otherwise: 0.9 and 0.05 plant a spurious
    correlation, and 0.0 and 1.0 make an anti-spurious test set. Labels are
    balanced in expectation (each polarity has probability 1/3).

    Args:
        n: number of sentences, at least 1.
        phrase_given_positive: probability of the phrase in a positive sentence, in [0, 1].
        phrase_given_other: probability of the phrase in a negative or neutral sentence, in [0, 1].
        seed: seed of the generator; the vocabulary does not depend on it.

    Returns:
        :class:`AspectSentences` padded to the longest sentence.
    """
    if n < 1:
        raise ValueError(f"n={n} must be at least 1")
    for name, value in (("phrase_given_positive", phrase_given_positive), ("phrase_given_other", phrase_given_other)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name}={value} is not a probability: pass a value in [0, 1]")

    rng = np.random.default_rng(seed)
    vocabulary = aspect_vocabulary()
    ids = {word: index for index, word in enumerate(vocabulary)}
    sentences, targets, labels, spurious = [], [], [], []
    for _ in range(n):
        words, target, label = _aspect_sentence(rng)
        rate = phrase_given_positive if label == 2 else phrase_given_other
        has_phrase = bool(rng.random() < rate)
        if has_phrase and rng.random() < 0.5:
            words, target = [*SPURIOUS_PHRASE, *words], target + len(SPURIOUS_PHRASE)
        elif has_phrase:
            words = [*words, *SPURIOUS_PHRASE]
        sentences.append([ids[word] for word in words])
        targets.append(target)
        labels.append(label)
        spurious.append(has_phrase)

    length = max(len(sentence) for sentence in sentences)
    tokens = torch.zeros(n, length, dtype=torch.long)
    aspect = torch.zeros(n, length, dtype=torch.bool)
    for row, (sentence, target) in enumerate(zip(sentences, targets)):
        tokens[row, : len(sentence)] = torch.tensor(sentence)
        aspect[row, target] = True
    name = f"aspect sentences (phrase rate {phrase_given_positive:g} positive, {phrase_given_other:g} other)"
    return AspectSentences(tokens, aspect, torch.tensor(labels), torch.tensor(spurious), vocabulary, name)


def _aspect_sentence(rng: np.random.Generator) -> tuple[list[str], int, int]:
    """Draw one sentence; return its words, the target aspect's position and its polarity."""
    first, second = rng.choice(len(ASPECT_WORDS), size=2, replace=False)
    polarities = rng.choice(len(OPINION_WORDS), size=2, replace=False)
    slots = {}
    for key, aspect_index, polarity in (("1", first, polarities[0]), ("2", second, polarities[1])):
        opinion = str(rng.choice(OPINION_WORDS[polarity]))
        if rng.random() < 0.3:
            opinion = f"{rng.choice(INTENSIFIERS)} {opinion}"
        slots[f"a{key}"] = ASPECT_WORDS[aspect_index]
        slots[f"o{key}"] = opinion
    words = ASPECT_TEMPLATES[rng.integers(len(ASPECT_TEMPLATES))].format(**slots).split()

    # The target is the first or the second aspect; aspect words are unique within a sentence.
    choice = int(rng.integers(2))
    target_word = slots["a1"] if choice == 0 else slots["a2"]
    return words, words.index(target_word), int(polarities[choice])
