"""Tests of the word-problem generator and the GSM8K plan parser in ibnotes.data."""

import pytest
import torch

from ibnotes.data import (
    WORD_PROBLEM_OPERATIONS,
    WORD_PROBLEM_VOCABULARY,
    gsm8k_plan,
    make_word_problems,
)


def _words(problems, tensor, row):
    return problems.decode(tensor[row]).split()


def test_shapes_match():
    problems = make_word_problems(50, seed=1)
    assert len(problems) == 50
    assert problems.questions.shape[0] == 50
    assert problems.plans.shape[0] == 50
    assert problems.execution.shape[0] == 50
    assert problems.operations.shape == (50, 3)


def test_cot_at_most_32_tokens():
    problems = make_word_problems(500, seed=2)
    assert max(len(text.split()) for text in problems.texts) <= 32


def test_vocabulary_unique():
    assert len(set(WORD_PROBLEM_VOCABULARY)) == len(WORD_PROBLEM_VOCABULARY)
    assert WORD_PROBLEM_VOCABULARY[0] == "<pad>"


def test_questions_left_padded():
    problems = make_word_problems(100, seed=3)
    bos = problems.token_id("<bos>")
    question_mark = problems.token_id("?")
    for row in problems.questions.tolist():
        start = next(i for i, token in enumerate(row) if token != 0)
        assert row[start] == bos
        assert row[-1] == question_mark


def test_plan_names_operations():
    problems = make_word_problems(100, seed=4)
    for row in range(len(problems)):
        named = [WORD_PROBLEM_OPERATIONS[i] for i in problems.operations[row] if i >= 0]
        words = _words(problems, problems.plans, row)
        assert words[0] == "plan"
        assert words[-1] == "."
        assert [word for word in words[1:-1] if word != "then"] == named


def test_steps_follow_arithmetic():
    problems = make_word_problems(200, seed=5)
    verbs = {"finds": 1, "buys": 1, "gets": 1, "eats": -1, "loses": -1, "gives": -1}
    for row in range(len(problems)):
        question = _words(problems, problems.questions, row)
        value = int(question[3])
        for index in range(5, len(question) - 3, 3):
            verb, argument = question[index], question[index + 1]
            if verb in verbs:
                value += verbs[verb] * int(argument)
            elif verb == "doubles":
                value *= 2
            else:
                assert value % 2 == 0, f"halved an odd value in {question}"
                value //= 2
            assert 0 <= value <= 9
        execution = _words(problems, problems.execution, row)
        assert execution[-2] == str(value)
        assert problems.answers[row] == value


def test_seed_reproducible():
    first = make_word_problems(20, seed=7)
    second = make_word_problems(20, seed=7)
    assert torch.equal(first.questions, second.questions)
    assert first.texts == second.texts


def test_operation_counts_respected():
    problems = make_word_problems(100, min_operations=2, max_operations=2, seed=8)
    assert (problems.operations[:, :2] >= 0).all()
    assert (problems.operations[:, 2:] == -1).all()


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="n must be"):
        make_word_problems(0)
    with pytest.raises(ValueError, match="operation counts"):
        make_word_problems(5, min_operations=3, max_operations=2)
    with pytest.raises(ValueError, match="operation counts"):
        make_word_problems(5, max_operations=4)


def test_gsm8k_plan_reads_annotations():
    solution = "She sold 48/2 = <<48/2=24>>24 clips.\nIn all <<48+24=72>>72 clips."
    assert gsm8k_plan(solution) == ["div", "add"]


def test_gsm8k_plan_without_operator():
    assert gsm8k_plan("It costs <<5=5>>5.") == ["copy"]


def test_rejects_fractional_operations():
    with pytest.raises(ValueError, match="min_operations must be a whole number"):
        make_word_problems(5, min_operations=1.5)
