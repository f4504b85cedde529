"""The Open Inference Protocol on the service core
(`src/PACKAGE/protocols/open_inference.py`), in process: JSON and binary
tensors, per feature and as one matrix, requested outputs, metadata, and
errors that name the input. tests/test_protocols_over_sockets.py runs the
protocol's own client against every backend."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import pandas as pd
import pytest

import models
from conftest import Core

GOOD = {"income": 50_000.5, "age": 40, "member": True, "plan": "gold"}
OTHER = {**GOOD, "income": -1.25, "age": 41, "member": False, "plan": "silver"}
DATATYPES = {"income": "FP64", "age": "INT64", "member": "BOOL", "plan": "BYTES"}
INFER = "/v2/models/{name}/infer"


def call(
    core: Core,
    service: Any,
    template: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    **params: str,
) -> Any:
    """The service's reply to a request on the route `template`."""
    method = "POST" if template.endswith("infer") else "GET"
    route = next(r for r in service.routes if r.path == template)
    params = {"name": core.package, **params}
    path = template.format(**params)
    asked = core.module("routes").Incoming(method, path, headers or {}, params=params)
    return service.answer(route, asked, lambda size: body, len(body))


def infer(core: Core, service: Any, document: dict[str, Any], **extra: Any) -> Any:
    return call(core, service, INFER, json.dumps(document).encode(), **extra)


def decoded(reply: Any) -> tuple[int, Any]:
    return reply.status, json.loads(reply.body)


def tensors(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": name, "datatype": datatype, "shape": [len(rows)],
         "data": [row[name] for row in rows]}
        for name, datatype in DATATYPES.items()
    ]  # fmt: skip


def model_answers(core: Core, method: str, rows: list[dict[str, Any]]) -> Any:
    model = models.case_named(core.package).model
    return getattr(model, method)(pd.DataFrame(rows))


def outputs_of(payload: dict[str, Any]) -> dict[str, Any]:
    return {o["name"]: o for o in payload["outputs"]}


def test_tensors_per_feature_get_every_output_as_the_model_answers(
    core: Core, service: Any
) -> None:
    rows = [GOOD, OTHER]
    status, payload = decoded(
        infer(core, service, {"id": "r1", "inputs": tensors(rows)})
    )
    assert status == 200
    assert (payload["model_name"], payload["id"]) == (core.package, "r1")
    found = outputs_of(payload)
    assert list(found) == list(service.methods)
    for method in service.methods:
        answers = model_answers(core, method, rows)
        assert found[method]["shape"] == list(answers.shape)
        assert found[method]["data"] == answers.ravel().tolist()


def test_requested_outputs_are_answered_as_json_unless_asked_as_binary(
    core: Core, service: Any
) -> None:
    document = {"inputs": tensors([GOOD]), "outputs": [{"name": "predict"}]}
    status, payload = decoded(infer(core, service, document))
    assert status == 200 and [o["name"] for o in payload["outputs"]] == ["predict"]
    assert payload["outputs"][0]["data"] == (
        model_answers(core, "predict", [GOOD]).tolist()
    )


def binary_inputs(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bytes]:
    inputs, data = [], b""
    for tensor in tensors(rows):
        values = tensor.pop("data")
        if tensor["datatype"] == "BYTES":
            raw = b"".join(struct.pack("<I", len(v)) + v.encode() for v in values)
        else:
            form = {"FP64": "<f8", "INT64": "<i8", "BOOL": "?"}[tensor["datatype"]]
            raw = np.asarray(values, dtype=form).tobytes()
        tensor["parameters"] = {"binary_data_size": len(raw)}
        inputs.append(tensor)
        data += raw
    return inputs, data


def test_binary_bools_are_bytes_of_0_or_1(core: Core, service: Any) -> None:
    inputs, data = binary_inputs([GOOD])
    member = next(i for i in inputs if i["datatype"] == "BOOL")
    at = sum(
        i["parameters"]["binary_data_size"] for i in inputs[: inputs.index(member)]
    )
    head = json.dumps({"inputs": inputs}).encode()
    header = {"Inference-Header-Content-Length": str(len(head))}
    for byte, status in ((b"\x01", 200), (b"\x02", 400), (b"\xff", 400)):
        sent = data[:at] + byte + data[at + 1 :]
        reply = call(core, service, INFER, head + sent, header)
        assert reply.status == status, (byte, reply.body)
    assert b"BOOL bytes must be 0 or 1" in reply.body


def test_binary_tensors_in_and_out_carry_the_models_exact_answers(
    core: Core, service: Any
) -> None:
    rows = [GOOD, OTHER]
    inputs, data = binary_inputs(rows)
    head = json.dumps(
        {"inputs": inputs, "parameters": {"binary_data_output": True}}
    ).encode()
    header = {"Inference-Header-Content-Length": str(len(head))}
    reply = call(core, service, INFER, head + data, header)
    assert reply.status == 200
    assert reply.content_type == "application/octet-stream"
    length = int(reply.headers["Inference-Header-Content-Length"])
    payload, raw = json.loads(reply.body[:length]), reply.body[length:]
    offset, decoded_outputs = 0, {}
    for output in payload["outputs"]:
        size = output["parameters"]["binary_data_size"]
        assert "data" not in output
        decoded_outputs[output["name"]] = (raw[offset : offset + size], output)
        offset += size
    assert offset == len(raw)
    for method in service.methods:
        raw_answers, tensor = decoded_outputs[method]
        expected = model_answers(core, method, rows)
        assert tensor["datatype"] == "FP64"
        assert np.frombuffer(raw_answers, "<f8").reshape(tensor["shape"]).tolist() == (
            expected.tolist()
        )


def test_one_matrix_in_feature_order_is_read_by_position(
    core: Core, service: Any
) -> None:
    # A matrix holds one datatype: this model's strings cannot be FP64.
    document = {"inputs": [{"name": "x", "datatype": "FP64", "shape": [1, 4],
                            "data": [[1.5, 2, 1, 0]]}]}  # fmt: skip
    status, payload = decoded(infer(core, service, document))
    assert (status, payload) == (400, {"error": "input x: datatype FP64 does not fit "
        "the int feature age; a matrix needs one datatype every feature takes, "
        "or send one tensor per feature"})  # fmt: skip
    flat = {**document["inputs"][0], "data": [1.5, 2, 1, 0]}
    wrong_width = {"inputs": [{**flat, "shape": [2, 2]}]}
    assert "must be [rows, 4]" in decoded(infer(core, service, wrong_width))[1]["error"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t[1].update(datatype="FP64", data=[40.5]), "age: datatype FP64"),
        (lambda t: t[0].update(shape=[2], data=[1.0, 2.0]), "inputs differ in rows"),
        (lambda t: t.pop(3), "missing input(s): plan"),
        (lambda t: t[3].update(name="tier"), "unknown input(s): tier"),
        (lambda t: t[0].update(datatype="FP128"), "income: datatype 'FP128'"),
        (lambda t: t[0].update(shape=[3]), "income: shape [3] holds 3 values, got 1"),
        (lambda t: t[3].update(data=["platinum"]), "input plan, row 0: unknown"),
        (lambda t: t[2].update(data=["yes"]), "input member: 'yes' is not BOOL"),
        (
            lambda t: t[1].update(datatype="INT8", data=[1000]),
            "input age: 1000 is out of INT8's range",
        ),
        (
            lambda t: t[0].update(data=[[t[0]["data"][0]]]),
            "input income: 'data' must be flat, or nested as its shape [1] is",
        ),
        (
            lambda t: t[0].update(shape=[1, 1], data=[t[0]["data"]]),
            None,  # nested as its shape: taken
        ),
    ],
)
def test_a_bad_tensor_is_400_naming_the_input(
    core: Core, service: Any, change: Any, message: str | None
) -> None:
    given = tensors([GOOD])
    change(given)
    status, payload = decoded(infer(core, service, {"inputs": given}))
    if message is None:
        assert status == 200, payload
        return
    assert status == 400
    assert message in payload["error"], payload
    assert list(payload) == ["error"]


@pytest.mark.parametrize(
    ("document", "status", "message"),
    [
        ({"inputs": []}, 400, "'inputs' must be a non-empty array"),
        ({"inputs": tensors([GOOD]), "outputs": [{"name": "score"}]}, 400,
         "unknown output 'score'; the outputs are predict"),
        ({"inputs": tensors([GOOD]), "outputs": [{"name": "predict",
          "parameters": {"classification": 2}}]}, 400, "classification extension"),
        ({"inputs": tensors([GOOD]), "parameters": {"binary_data_output": "yes"}},
         400, "binary_data_output must be true or false, got 'yes'"),
        ({"inputs": tensors([GOOD]), "outputs": [{"name": "predict",
          "parameters": {"binary_data": 1}}]}, 400,
         "output predict: binary_data must be true or false, got 1"),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_in_the_protocols_shape(
    core: Core, service: Any, document: Any, status: int, message: str
) -> None:
    refused = decoded(infer(core, service, document))
    assert refused[0] == status and message in refused[1]["error"], refused


def test_null_is_refused_where_a_feature_may_not_be_missing_and_too_many_rows(
    core: Core, service: Any
) -> None:
    given = tensors([GOOD])
    required = next(f.name for f in service.spec.features if not f.nullable)
    next(t for t in given if t["name"] == required)["data"] = [None]
    refused = decoded(infer(core, service, {"inputs": given}))
    assert refused == (
        400,
        {
            "error": "1 problem(s) in 1 of 1 instance(s): input "
            f"{required}, row 0: null is not allowed for this feature"
        },
    )
    limit = service.settings.max_instances
    many = decoded(infer(core, service, {"inputs": tensors([GOOD] * (limit + 1))}))
    assert many == (400, {"error": f"{limit + 1} rows sent; at most {limit} are "
                                   "accepted per request"})  # fmt: skip


def test_another_model_or_version_is_404_and_the_metadata_describes_this_one(
    core: Core, service: Any
) -> None:
    other = decoded(call(core, service, "/v2/models/{name}", name="resnet"))
    assert other == (404, {"error": f"no model 'resnet'; this service serves "
                                    f"'{core.package}'"})  # fmt: skip
    status, _ = decoded(
        call(core, service, "/v2/models/{name}/versions/{version}", version="2")
    )
    assert status == 404
    status, metadata = decoded(call(core, service, "/v2/models/{name}"))
    assert status == 200
    assert metadata["inputs"] == [
        {"name": n, "datatype": d, "shape": [-1]} for n, d in DATATYPES.items()
    ]
    # A regressor: one output, its values.
    assert metadata["outputs"] == [{"name": "predict", "datatype": "FP64",
                                    "shape": [-1]}]  # fmt: skip
    assert metadata["parameters"] == {"classes": []}
    versioned = call(core, service, "/v2/models/{name}/versions/{version}",
                     version="0.1.0")  # fmt: skip
    assert decoded(versioned) == (200, metadata)


def test_health_and_readiness_follow_the_model(core: Core, service: Any) -> None:
    assert decoded(call(core, service, "/v2/health/ready")) == (200, {"ready": True})
    assert decoded(call(core, service, "/v2/health/live")) == (200, {"live": True})
    starting = core.module("service").PredictionService.from_env()
    refused = decoded(call(core, starting, "/v2/models/{name}/ready"))
    assert refused == (503, {"error": "the service is starting"})
    assert decoded(call(core, starting, INFER, json.dumps(
        {"inputs": tensors([GOOD])}).encode()))[0] == 503  # fmt: skip
