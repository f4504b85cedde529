"""The service reproduces the predictions recorded at generation: exactly,
or, when it serves the model converted to ONNX, with the same labels and
scores within the tolerance recorded then."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import GOLDEN, Client, assert_predictions, post_json

METHODS: list[str] = GOLDEN["methods"]


@pytest.mark.parametrize("method", METHODS)
def test_instances_as_objects_give_the_golden_predictions(
    client: Client, method: str
) -> None:
    answer = post_json(client, f"/{method}", {"instances": GOLDEN["instances"]})
    assert answer.status == 200, answer.body
    assert_predictions(answer.json(), GOLDEN["predictions"][method])


@pytest.mark.parametrize("method", METHODS)
def test_instances_as_arrays_give_the_golden_predictions(
    client: Client, method: str
) -> None:
    names = GOLDEN["feature_names"]
    rows = [[instance[name] for name in names] for instance in GOLDEN["instances"]]
    answer = post_json(client, f"/{method}", {"instances": rows})
    assert answer.status == 200, answer.body
    assert_predictions(answer.json(), GOLDEN["predictions"][method])


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
        assert_predictions(answer.json(), [prediction])


@pytest.mark.parametrize("method", METHODS)
def test_concurrent_requests_each_get_their_own_answer(
    live_client: Client, method: str
) -> None:
    """Requests that arrive together may share a model call (batching.py);
    each still gets exactly the answer it gets alone."""
    instances = GOLDEN["instances"]
    requests = [[instance] for instance in instances] + [instances]
    expected = [[answer] for answer in GOLDEN["predictions_alone"][method]]
    expected.append(GOLDEN["predictions"][method])
    count = 8 * len(requests)

    def send(index: int) -> tuple[int, object]:
        payload = {"instances": requests[index % len(requests)]}
        answer = post_json(live_client, f"/{method}", payload)
        return answer.status, answer.json()

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(send, range(count)))
    for index, (status, body) in enumerate(answers):
        assert status == 200, body
        assert_predictions(body, expected[index % len(requests)])
