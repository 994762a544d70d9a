from __future__ import annotations

from classifier.datasets import Example, decontaminate, overlap_key
from classifier.features import DENSE_NAMES, dense_features


def test_overlap_key_ignores_prefix_case_and_punctuation() -> None:
    assert overlap_key("Q: How many eggs?") == overlap_key("how  many EGGS") == "how many eggs"


def test_training_rows_repeating_another_sets_held_out_prompt_are_dropped() -> None:
    question = "Janet has 16 eggs and eats 3. How many are left?"
    suffix = "After careful thought, put you final answer in \\boxed{...}."
    examples = [
        Example("gsm8k", question, 1.0, True),
        Example("dcrouter", f"{question}\n{suffix}", 0.0, False),
        Example("dcrouter", "Q: " + question.lower(), 0.0, False),
        Example("gsm8k", question, 1.0, False),  # repeats the held-out dcrouter row below
        Example("dcrouter", "Janet has 16 eggs and eats 4. How many are left?", 0.0, False),
        Example("dcrouter", "Q: " + question, 0.0, True),  # held-out rows always stay
    ]
    kept = decontaminate(examples)
    assert [(e.dataset, e.test) for e in kept] == [
        ("gsm8k", True),
        ("dcrouter", False),
        ("dcrouter", True),
    ]
    assert "eats 4" in kept[1].text


def test_numbers_sentences_commas_and_dollars_are_counted() -> None:
    values = dict(zip(DENSE_NAMES, dense_features("It costs $3.50. Buy 2, then 10. Why?", 1),
                      strict=True))  # fmt: skip
    counts = {name: round(float(2.718281828459045 ** (values[name] * scale) - 1))
              for name, scale in (("log_numbers", 4), ("log_sentences", 4), ("log_commas", 4),
                                  ("log_dollars", 3))}  # fmt: skip
    assert counts == {"log_numbers": 4, "log_sentences": 2, "log_commas": 1, "log_dollars": 1}
