"""The service reproduces, exactly, the predictions recorded at generation."""

from __future__ import annotations

import pytest

from conftest import GOLDEN, Client, post_json

METHODS: list[str] = GOLDEN["methods"]


@pytest.mark.parametrize("method", METHODS)
def test_instances_as_objects_give_the_golden_predictions(
    client: Client, method: str
) -> None:
    answer = post_json(client, f"/{method}", {"instances": GOLDEN["instances"]})
    assert answer.status == 200, answer.body
    assert answer.json() == {"predictions": GOLDEN["predictions"][method]}


@pytest.mark.parametrize("method", METHODS)
def test_instances_as_arrays_give_the_golden_predictions(
    client: Client, method: str
) -> None:
    names = GOLDEN["feature_names"]
    rows = [[instance[name] for name in names] for instance in GOLDEN["instances"]]
    answer = post_json(client, f"/{method}", {"instances": rows})
    assert answer.status == 200, answer.body
    assert answer.json() == {"predictions": GOLDEN["predictions"][method]}


@pytest.mark.parametrize("method", METHODS)
def test_each_instance_alone_gets_the_models_answer_for_it_alone(
    client: Client, method: str
) -> None:
    """Each request is answered as the model answers that request alone.

    Not necessarily as the same row inside a batch: a linear model's BLAS
    sums a row alone in another order, which may change the last bits.
    """
    expected = GOLDEN["predictions_alone"][method]
    for instance, prediction in zip(GOLDEN["instances"], expected, strict=True):
        answer = post_json(client, f"/{method}", {"instances": [instance]})
        assert answer.status == 200, answer.body
        assert answer.json() == {"predictions": [prediction]}
