"""The golden predictions through the other protocols the service speaks:
the Open Inference Protocol (KServe's "V2") and MLflow's scoring protocol,
each answering in its own shape, through the same validation."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import GOLDEN, PACKAGE, Client, assert_predictions, post_json

METHODS: list[str] = GOLDEN["methods"]
INFER = f"/v2/models/{PACKAGE}/infer"


def model_metadata(client: Client) -> Any:
    answer = client.request("GET", f"/v2/models/{PACKAGE}")
    assert answer.status == 200, answer.body
    return answer.json()


def tensors(client: Client, instances: list[dict[str, Any]]) -> list[Any]:
    """The instances as one tensor per feature, typed as the metadata says."""
    return [
        {
            "name": described["name"],
            "datatype": described["datatype"],
            "shape": [len(instances)],
            "data": [instance[described["name"]] for instance in instances],
        }
        for described in model_metadata(client)["inputs"]
    ]


def as_predictions(output: dict[str, Any], classes: list[Any]) -> list[Any]:
    """A tensor's rows as `/predict` answers them: scores labelled by class."""
    data, shape = output["data"], output["shape"]
    if len(shape) == 1:
        return list(data)
    rows = [data[row * shape[1] : (row + 1) * shape[1]] for row in range(shape[0])]
    if output["name"] == "predict":
        return rows
    labels = [str(label) for label in classes]
    return [dict(zip(labels, row, strict=True)) for row in rows]


@pytest.mark.parametrize("method", METHODS)
def test_open_inference_gives_the_golden_predictions(
    client: Client, method: str
) -> None:
    payload = {
        "id": "golden",
        "inputs": tensors(client, GOLDEN["instances"]),
        "outputs": [{"name": method}],
    }
    answer = post_json(client, INFER, payload)
    assert answer.status == 200, answer.body
    body = answer.json()
    assert (body["model_name"], body["id"]) == (PACKAGE, "golden")
    (output,) = body["outputs"]
    classes = model_metadata(client)["parameters"]["classes"]
    found = as_predictions(output, classes)
    assert_predictions({"predictions": found}, GOLDEN["predictions"][method])


def test_mlflow_invocations_give_the_golden_predictions(client: Client) -> None:
    names = GOLDEN["feature_names"]
    rows = [[instance[name] for name in names] for instance in GOLDEN["instances"]]
    for body in (
        {"dataframe_records": GOLDEN["instances"]},
        {"dataframe_split": {"columns": names, "data": rows}},
    ):
        answer = post_json(client, "/invocations", body)
        assert answer.status == 200, answer.body
        assert_predictions(answer.json(), GOLDEN["predictions"]["predict"])


def test_each_protocol_names_what_is_wrong_in_its_own_shape(client: Client) -> None:
    inputs = tensors(client, GOLDEN["instances"][:1])
    missing = post_json(client, INFER, {"inputs": inputs[1:]})
    assert missing.status == 400
    assert missing.json() == {"error": f"missing input(s): {inputs[0]['name']}"}
    instance = dict(GOLDEN["instances"][0])
    dropped = GOLDEN["feature_names"][0]
    del instance[dropped]
    refused = post_json(client, "/invocations", {"dataframe_records": [instance]})
    assert refused.status == 400
    # MLflow's code for values that do not fit the model's schema.
    assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "missing feature" in refused.json()["message"]
    assert dropped in refused.json()["message"]
    assert client.request("GET", "/ping").status == 200
