"""Multi-step word problems in a small word-level language, with plans, steps and answers.

A problem starts from a count and applies two or three operations (add,
subtract, double, halve), each written with one of several verbs:
``ann has 3 . finds 4 . eats 2 . doubles them . how many ?``. Its *plan* is the
sequence of operation types (``plan add then sub then double .``), its
*execution* is the running value after each operation and the answer
(``steps 7 5 10 . answer 10 <eos>``). Every value stays in 0..9, so every
number is one token.

The ``full`` profile's loader of GSM8K (Cobbe et al., 2021) through the
Hugging Face ``datasets`` package is here too; it derives a plan from the
calculator annotations of each solution.

Used by: 07-language-models/04-r-capsule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import DatasetUnavailable, check_count, move_to_device

WORD_PROBLEM_OPERATIONS = ("add", "sub", "double", "halve")
WORD_PROBLEM_VERBS = {
    "add": ("finds", "buys", "gets"),
    "sub": ("eats", "loses", "gives"),
    "double": ("doubles",),
    "halve": ("halves",),
}
WORD_PROBLEM_NAMES = ("ann", "bob", "eve", "tom")
WORD_PROBLEM_SPECIALS = ("<pad>", "<bos>", "<eos>", "<capsule>")
_MAX_VALUE = 9
_MAX_ARGUMENT = 3
_WORDS = (
    "has", "them", ".", "how", "many", "?", "plan", "then", "steps", "answer",
    *WORD_PROBLEM_OPERATIONS,
)
WORD_PROBLEM_VOCABULARY = (
    *WORD_PROBLEM_SPECIALS,
    *[str(value) for value in range(_MAX_VALUE + 1)],
    *WORD_PROBLEM_NAMES,
    *[verb for verbs in WORD_PROBLEM_VERBS.values() for verb in verbs],
    *dict.fromkeys(_WORDS),
)
GSM8K_ID = "openai/gsm8k"
_GSM8K_CALCULATION = re.compile(r"<<([^=<>]+)=([^<>]+)>>")


@dataclass
class WordProblems:
    """A set of generated word problems as padded token tensors.

    ``questions`` [n, question_len] is left-padded with ``<pad>`` (index 0)
    and starts with ``<bos>``, so every question ends at the same position.
    ``plans`` [n, plan_len] contains the plan segment
    (``plan add then sub .``) and ``execution`` [n, execution_len] the
    steps and answer segment, ending in ``<eos>``; both are right-padded.
    ``operations`` [n, max_operations] contains operation indices into
    ``WORD_PROBLEM_OPERATIONS`` (-1 after the last one), ``answers`` [n]
    the final values and ``texts`` the full chain-of-thought strings.
    """

    questions: torch.Tensor
    plans: torch.Tensor
    execution: torch.Tensor
    operations: np.ndarray
    answers: np.ndarray
    texts: list[str]
    vocab: tuple[str, ...] = WORD_PROBLEM_VOCABULARY

    def __len__(self) -> int:
        return len(self.texts)

    def token_id(self, word: str) -> int:
        """Index of ``word`` in ``vocab``."""
        return self.vocab.index(word)

    def decode(self, ids: torch.Tensor | list[int]) -> str:
        """Words of a 1-D id sequence, without ``<pad>``."""
        values = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        return " ".join(self.vocab[i] for i in values if i != 0)

    def to(self, device: torch.device | str) -> "WordProblems":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def _apply(operation: str, value: int, argument: int) -> int:
    if operation == "add":
        return value + argument
    if operation == "sub":
        return value - argument
    if operation == "double":
        return 2 * value
    return value // 2


def _feasible(value: int) -> list[str]:
    """Operations whose result stays in 0..9 for some argument."""
    allowed = []
    if value < _MAX_VALUE:
        allowed.append("add")
    if value > 0:
        allowed.append("sub")
    if 0 < 2 * value <= _MAX_VALUE:
        allowed.append("double")
    if value > 0 and value % 2 == 0:
        allowed.append("halve")
    return allowed


def _sample_problem(rng: np.random.Generator, count: int) -> tuple[list[str], list[str], list[str], list[str], int]:
    """Question, plan and execution words, operations and answer of one problem."""
    value = int(rng.integers(1, _MAX_VALUE + 1))
    question = ["<bos>", str(rng.choice(WORD_PROBLEM_NAMES)), "has", str(value), "."]
    operations, values = [], []
    for _ in range(count):
        operation = str(rng.choice(_feasible(value)))
        verb = str(rng.choice(WORD_PROBLEM_VERBS[operation]))
        argument = 0
        if operation == "add":
            argument = int(rng.integers(1, min(_MAX_ARGUMENT, _MAX_VALUE - value) + 1))
        elif operation == "sub":
            argument = int(rng.integers(1, min(_MAX_ARGUMENT, value) + 1))
        question += [verb, str(argument) if argument else "them", "."]
        value = _apply(operation, value, argument)
        operations.append(operation)
        values.append(str(value))
    question += ["how", "many", "?"]
    plan = ["plan", *" then ".join(operations).split(), "."]
    execution = ["steps", *values, ".", "answer", str(value), "<eos>"]
    return question, plan, execution, operations, value


def _pad(rows: list[list[int]], left: bool) -> torch.Tensor:
    width = max(len(row) for row in rows)
    padded = [([0] * (width - len(row)) + row) if left else (row + [0] * (width - len(row))) for row in rows]
    return torch.tensor(padded, dtype=torch.long)


def make_word_problems(
    n: int,
    *,
    min_operations: int = 2,
    max_operations: int = 3,
    seed: int = 0,
) -> WordProblems:
    """Generate ``n`` word problems with ``min_operations`` to ``max_operations`` steps.

    Each operation is drawn uniformly from those that keep the value in
    0..9 (add and subtract 1 to 3, double, halve an even value), and its
    verb uniformly from ``WORD_PROBLEM_VERBS``. With 3 operations the full
    chain-of-thought sequence (question, plan, execution) has 32 tokens.

    Raises:
        ValueError: ``n`` < 1, or the operation counts are not
            1 <= min_operations <= max_operations <= 3.
    """
    check_count("n", n)
    check_count("min_operations", min_operations)
    check_count("max_operations", max_operations)
    if not 1 <= min_operations <= max_operations <= 3:
        raise ValueError(
            f"invalid operation counts {min_operations} and {max_operations}: "
            "need 1 <= min_operations <= max_operations <= 3"
        )
    rng = np.random.default_rng(seed)
    index = {word: i for i, word in enumerate(WORD_PROBLEM_VOCABULARY)}
    questions, plans, executions, texts = [], [], [], []
    operations = np.full((n, max_operations), -1, dtype=np.int64)
    answers = np.zeros(n, dtype=np.int64)
    for row in range(n):
        count = int(rng.integers(min_operations, max_operations + 1))
        question, plan, execution, names, answer = _sample_problem(rng, count)
        questions.append([index[word] for word in question])
        plans.append([index[word] for word in plan])
        executions.append([index[word] for word in execution])
        operations[row, :count] = [WORD_PROBLEM_OPERATIONS.index(name) for name in names]
        answers[row] = answer
        texts.append(" ".join(question + plan + execution))
    return WordProblems(
        questions=_pad(questions, left=True),
        plans=_pad(plans, left=False),
        execution=_pad(executions, left=False),
        operations=operations,
        answers=answers,
        texts=texts,
    )


@dataclass
class GSM8KProblem:
    """One GSM8K problem split into question, plan, execution steps and answer.

    ``plan`` is the sequence of operation types (``add``, ``sub``, ``mul``,
    ``div``) of the solution's calculator annotations, in order.
    """

    question: str
    plan: list[str]
    steps: list[str]
    answer: str


def gsm8k_plan(solution: str) -> list[str]:
    """Operation types of the ``<<a*b=c>>`` calculator annotations of a GSM8K solution."""
    names = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
    plan = []
    for expression, _ in _GSM8K_CALCULATION.findall(solution):
        symbols = [names[char] for char in expression if char in names]
        plan.extend(symbols or ["copy"])
    return plan


def load_gsm8k(split: str = "train") -> list[GSM8KProblem]:
    """GSM8K (``openai/gsm8k``, config ``main``) as question, plan, steps and answer.

    The steps are the solution's lines before ``####`` with the calculator
    annotations removed; the answer is the text after ``####``.

    Raises:
        ImportError: the ``datasets`` package is not installed.
        DatasetUnavailable: the download from the Hugging Face hub failed.
    """
    if split not in ("train", "test"):
        raise ValueError(f"invalid split {split!r}: use 'train' or 'test'")
    try:
        import datasets
    except ImportError as error:
        raise ImportError("load_gsm8k needs the 'datasets' package: pip install datasets") from error
    try:
        # NOTE: no revision is pinned and no checksum is checked, because the
        # hub's dataset revisions could not be looked up offline.
        rows = datasets.load_dataset(GSM8K_ID, "main", split=split)
    except Exception as error:  # the hub raises several error types
        raise DatasetUnavailable(
            f"could not load {GSM8K_ID} from the Hugging Face hub ({error}); "
            "connect to the internet or set HF_DATASETS_CACHE to a folder holding it"
        ) from error
    problems = []
    for row in rows:
        solution, answer = row["answer"].split("####")
        steps = [_GSM8K_CALCULATION.sub("", line).strip() for line in solution.strip().splitlines()]
        problems.append(GSM8KProblem(row["question"], gsm8k_plan(solution), steps, answer.strip()))
    return problems
