"""A service's contract, and how a new model would break it
(`generator/_model/_contract.py`)."""

from __future__ import annotations

from typing import Any

import pytest

from generator._model._contract import contract_differences

SERVICE: dict[str, Any] = {
    "model_input": "frame",
    "task": "binary",
    "classes": [0, 1],
    "methods": ["predict", "predict_proba"],
    "features": [
        {"name": "age", "kind": "int", "nullable": True},
        {"name": "plan", "kind": "category", "categories": ["a", "b"]},
        {"name": "income", "kind": "float", "nullable": False},
    ],
}


def changed(**fields: Any) -> dict[str, Any]:
    return {**SERVICE, **fields}


def feature(name: str, **fields: Any) -> list[dict[str, Any]]:
    return [{**f, **fields} if f["name"] == name else f for f in SERVICE["features"]]


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (changed(), []),
        # Looser is kept: null now accepted, a category more, methods more.
        (changed(features=feature("income", nullable=True)), []),
        (changed(features=feature("plan", categories=["a", "b", "c"])), []),
        (changed(methods=["predict", "predict_proba", "decision_function"]), []),
        # For objects by name, the order does not matter.
        (changed(features=list(reversed(SERVICE["features"]))), []),
        (
            changed(features=[*SERVICE["features"], {"name": "x", "kind": "float"}]),
            ["feature 'x' added"],
        ),
        (changed(features=SERVICE["features"][:2]), ["feature 'income' removed"]),
        (
            changed(features=feature("age", kind="float")),
            ["feature 'age' was int, now float"],
        ),
        (
            changed(features=feature("age", nullable=False)),
            ["feature 'age' no longer accepts null"],
        ),
        (
            changed(features=feature("plan", categories=["a"])),
            ["feature 'plan' no longer accepts 'b'"],
        ),
        (changed(task="multiclass"), ["the task was binary, now multiclass"]),
        (changed(classes=[0, 1, 2]), ["the classes were [0, 1], now [0, 1, 2]"]),
        (
            changed(methods=["predict"]),
            ["the new model has no predict_proba: those routes would go"],
        ),
        (
            changed(model_input="array"),
            [
                "instances were objects by feature name and would be arrays in "
                "feature order"
            ],
        ),
    ],
)
def test_each_break_of_the_contract_is_named(
    new: dict[str, Any], expected: list[str]
) -> None:
    assert contract_differences(SERVICE, new) == expected


def test_arrays_are_positional() -> None:
    service = changed(model_input="array")
    swapped = changed(model_input="array", features=list(reversed(SERVICE["features"])))
    assert contract_differences(service, swapped) == [
        "features reordered: age, plan, income -> income, plan, age"
    ]
