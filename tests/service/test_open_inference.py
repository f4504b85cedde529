"""Open Inference Protocol requests into the core's batches
(`src/PACKAGE/open_inference.py`), in process: JSON and binary tensors,
per feature and as one matrix, and the errors that name the input."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import pytest

from conftest import Core

GOOD = {"income": 50_000.5, "age": 40, "member": True, "plan": "gold"}
DATATYPES = {"income": "FP64", "age": "INT64", "member": "BOOL", "plan": "BYTES"}


def tensors(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": name, "datatype": datatype, "shape": [len(rows)],
         "data": [row[name] for row in rows]}
        for name, datatype in DATATYPES.items()
    ]  # fmt: skip


def parse(core: Core, document: dict[str, Any], body: bytes = b"") -> Any:
    module = core.module("open_inference")
    spec = core.module("spec").ServiceSpec.load()
    head = json.dumps(document).encode()
    length = str(len(head)) if body else None
    return module.parse_infer(head + body, length, spec, 100)


def as_instances(core: Core, rows: list[dict[str, Any]]) -> Any:
    spec = core.module("spec").ServiceSpec.load()
    body = json.dumps({"instances": rows}).encode()
    return core.module("validation").parse_batch(body, spec, 100)


def test_a_tensor_per_feature_is_the_batch_of_the_same_instances(core: Core) -> None:
    rows = [GOOD, {**GOOD, "age": 41, "plan": "silver"}]
    request = parse(core, {"id": "r1", "inputs": tensors(rows)})
    assert request.batch == as_instances(core, rows)
    assert request.request_id == "r1" and request.outputs == ()


def test_binary_tensors_are_read_as_the_client_sends_them(core: Core) -> None:
    rows = [GOOD, {**GOOD, "income": -1.25, "member": False}]
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
    request = parse(core, {"inputs": inputs}, data)
    assert request.batch == as_instances(core, rows)


def test_one_matrix_in_feature_order_is_read_by_position(core: Core) -> None:
    module = core.module("open_inference")
    # This model has a category: a matrix must name it in its columns too.
    rows = [[1.5, 2, True, "gold"]]
    with pytest.raises(module.ProtocolError, match="is not FP64"):
        parse(core, {"inputs": [{"name": "x", "datatype": "FP64", "shape": [1, 4],
                                 "data": rows}]})  # fmt: skip


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
    ],
)
def test_a_bad_tensor_is_refused_naming_it(
    core: Core, change: Any, message: str
) -> None:
    module = core.module("open_inference")
    given = tensors([GOOD])
    change(given)
    with pytest.raises(module.ProtocolError) as refused:
        parse(core, {"inputs": given})
    assert refused.value.status == 400
    assert message in refused.value.message
