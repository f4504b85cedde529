"""Whether a model may be batched (`generator/_rendering/_hooks/_batch_check.py`)."""

from __future__ import annotations

from typing import Any

import pytest

from generator._rendering._hooks._batch_check import check_batching, probe_rows

FEATURES = [
    {"name": "amount", "kind": "float"},
    {"name": "visits", "kind": "int"},
    {"name": "active", "kind": "bool"},
    {"name": "plan", "kind": "category"},
]
EXAMPLES = [
    {"amount": 1.0, "visits": 3, "active": True, "plan": "gold"},
    {"amount": 1.0, "visits": 4, "active": False, "plan": "basic"},
    {"amount": None, "visits": 5, "active": True, "plan": "gold"},
]


def test_probe_rows_are_the_examples_then_copies_with_inexact_distinct_floats() -> None:
    rows = probe_rows(EXAMPLES, FEATURES)
    assert rows[: len(EXAMPLES)] == EXAMPLES
    copies = rows[len(EXAMPLES) :]
    # Two of each example but the last, whose only float is null.
    assert len(copies) == 4
    floats = [row["amount"] for row in copies if row["amount"] is not None]
    assert len(set(floats)) == len(floats) == 4
    assert all(value != round(value, 6) and 0.9 < value < 1.1 for value in floats)
    for copy in copies:
        original = next(e for e in EXAMPLES if e["visits"] == copy["visits"])
        assert {k: copy[k] for k in ("visits", "active", "plan")} == {
            k: original[k] for k in ("visits", "active", "plan")
        }
    assert probe_rows(EXAMPLES, FEATURES) == rows  # the same at every generation


def rowwise(method: str, instances: list[Any]) -> list[Any]:
    return [row["amount"] * 3.0 for row in instances]


def batchwise(method: str, instances: list[Any]) -> list[Any]:
    # The row's answer depends on how many rows share the call.
    return [row["amount"] * 3.0 + 1e-12 * (len(instances) > 1) for row in instances]


def test_a_model_answering_each_row_by_itself_is_exact() -> None:
    rows = probe_rows(EXAMPLES[:2], FEATURES)
    alone = {"predict": [rowwise("predict", [row])[0] for row in rows]}
    verdict = check_batching(rowwise, ["predict"], rows, alone)
    assert verdict.exact
    assert verdict.evidence == (
        "6 rows asked alone and inside batches of 2, 7, 64 and 1024 rows got "
        "identical answers, bit for bit, from every method"
    )


def test_a_model_whose_rows_depend_on_the_batch_is_not_and_the_values_named() -> None:
    rows = probe_rows(EXAMPLES[:2], FEATURES)
    alone = {"predict": [batchwise("predict", [row])[0] for row in rows]}
    verdict = check_batching(batchwise, ["predict"], rows, alone)
    assert not verdict.exact
    # The first row it met, and its two answers.
    row = rows[2]
    assert verdict.evidence.startswith(
        f"`predict` answered a row alone with {row['amount'] * 3.0!r} and the same "
        f"row in a batch of 2 with {row['amount'] * 3.0 + 1e-12!r};"
    )


def test_without_rows_nothing_is_batched() -> None:
    assert not check_batching(rowwise, ["predict"], [], {"predict": []}).exact


def test_answers_that_differ_only_in_their_numbers_state_the_largest_gap() -> None:
    def scores(method: str, instances: list[Any]) -> list[Any]:
        # Both classes' scores move with the batch's size, by up to 4e-9.
        nudge = 1e-9 * min(len(instances) - 1, 4)
        return [{"no": 0.25 - nudge, "yes": 0.75 + nudge} for _ in instances]

    rows = probe_rows(EXAMPLES[:2], FEATURES)
    alone = {"predict_proba": [scores("", [row])[0] for row in rows]}
    verdict = check_batching(scores, ["predict_proba"], rows, alone)
    assert not verdict.exact
    assert verdict.deviation == pytest.approx(4e-9, rel=1e-6)
    assert verdict.evidence.endswith(
        "Over 6 rows asked alone and inside batches of 2, 7, 64 and 1024 rows, "
        "answers differed only in their numbers, by at most 4e-09"
    )
    assert verdict.to_answer()["deviation"] == verdict.deviation


def test_a_batch_that_changes_a_label_or_a_key_has_no_deviation_to_state() -> None:
    def labels(method: str, instances: list[Any]) -> list[Any]:
        return ["yes" if len(instances) > 1 else "no" for _ in instances]

    def keys(method: str, instances: list[Any]) -> list[Any]:
        return [{"a" if len(instances) > 1 else "b": 1.0} for _ in instances]

    rows = probe_rows(EXAMPLES[:2], FEATURES)
    for ask in (labels, keys):
        alone = {"predict": [ask("", [row])[0] for row in rows]}
        verdict = check_batching(ask, ["predict"], rows, alone)
        assert not verdict.exact and verdict.deviation is None
        assert "differed only" not in verdict.evidence
        assert "deviation" not in verdict.to_answer()
