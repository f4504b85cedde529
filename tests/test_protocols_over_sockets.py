"""The other protocols over real sockets, spoken by their own clients:
Triton's `tritonclient.http` (the Open Inference Protocol, binary tensors by
default) and MLflow's `ScoringServerClient`, against every backend, a
classifier fitted on an array and one with categories. Every answer is the
in-process model's on the golden rows
(`src/PACKAGE/protocols/`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest
import tritonclient.http as triton
from mlflow.pyfunc.scoring_server.client import ScoringServerClient
from tritonclient.utils import InferenceServerException

import models
from conftest import BACKEND_PAIRS, DEFAULT_BACKEND, Generate, ids
from servers import Server, serve

# Each backend's pairing (a regressor with categories, nulls, ints and
# bools), a classifier fitted on an array, one with categories and bools.
SERVED = [
    *BACKEND_PAIRS,
    (DEFAULT_BACKEND, "multiclass_array"),
    (DEFAULT_BACKEND, "lightgbm_mixed_frame"),
]
ROWS = 12
NUMPY = {"FP64": np.float64, "INT64": np.int64, "BOOL": np.bool_, "BYTES": np.object_}


class Served(NamedTuple):
    server: Server
    case: models.Case
    name: str
    project: Path


@pytest.fixture(scope="module", params=SERVED, ids=ids(SERVED))
def served(request: pytest.FixtureRequest, generate: Generate) -> Iterator[Served]:
    backend, case_name = request.param
    project = generate(backend, case_name)
    with serve(case_name, pythonpath=project / "src") as running:
        yield Served(running, models.case_named(case_name), case_name, project)


def address(server: Server) -> str:
    return server.base.removeprefix("http://")


def golden(case: models.Case) -> Any:
    return case.inputs[:ROWS]


def expected(case: models.Case, method: str, rows: Any) -> list[Any]:
    """The model's answers as the protocol's tensors hold them: labels, or
    one row of scores per instance in the order of the classes."""
    answers = models.expected_predictions(case, method, rows)
    if method == "predict":
        return answers
    labels = [str(label) for label in case.expected.classes_]
    return [[row[label] for label in labels] for row in answers]


def inputs_for(
    metadata: dict[str, Any], rows: Any, binary: bool
) -> list[triton.InferInput]:
    """The rows as tritonclient sends them: a tensor per feature, named and
    typed as the model metadata says; an array's rows as one matrix."""
    if isinstance(rows, np.ndarray):
        matrix = triton.InferInput("input", list(rows.shape), "FP64")
        matrix.set_data_from_numpy(rows.astype(np.float64), binary_data=binary)
        return [matrix]
    tensors = []
    for described in metadata["inputs"]:
        name, datatype = described["name"], described["datatype"]
        column = rows[name]
        if datatype == "BYTES":
            values = np.array([str(v) for v in column], dtype=np.object_)
        else:
            values = column.to_numpy(dtype=NUMPY[datatype])
        tensor = triton.InferInput(name, [len(values)], datatype)
        tensor.set_data_from_numpy(values, binary_data=binary)
        tensors.append(tensor)
    return tensors


def answers_of(result: Any, name: str) -> list[Any]:
    array = result.as_numpy(name)
    if array.dtype == np.object_:
        return [v.decode() if isinstance(v, bytes) else v for v in array.tolist()]
    return array.tolist()  # type: ignore[no-any-return]


def labels_as_sent(case: models.Case, answers: list[Any]) -> list[Any]:
    """String labels come back as BYTES text: compare them as text."""
    return [str(v) if isinstance(v, str) else v for v in answers]


def test_tritonclient_sees_a_live_ready_server_and_its_model(
    served: Served,
) -> None:
    server, case, name, _ = served
    client = triton.InferenceServerClient(address(server))
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready(name)
    assert client.is_model_ready(name, "0.1.0")
    assert not client.is_model_ready("another")
    server_metadata = client.get_server_metadata()
    assert server_metadata["extensions"] == ["binary_tensor_data"]
    metadata = client.get_model_metadata(name)
    assert metadata == client.get_model_metadata(name, "0.1.0")
    methods = [o["name"] for o in metadata["outputs"]]
    assert methods[0] == "predict"
    if hasattr(case.expected, "classes_"):
        assert metadata["parameters"]["classes"] == case.expected.classes_.tolist()
        assert metadata["outputs"][methods.index("predict_proba")]["shape"] == [
            -1, len(case.expected.classes_)
        ]  # fmt: skip
    if isinstance(case.inputs, pd.DataFrame):
        assert [i["name"] for i in metadata["inputs"]] == list(case.inputs.columns)
    with pytest.raises(InferenceServerException, match="no model 'another'"):
        client.get_model_metadata("another")


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_tritonclient_infers_every_output_exactly(served: Served, binary: bool) -> None:
    server, case, name, _ = served
    client = triton.InferenceServerClient(address(server))
    metadata = client.get_model_metadata(name)
    rows = golden(case)
    if not binary and isinstance(rows, pd.DataFrame):
        # JSON has no NaN: the JSON form sends the complete rows.
        rows = rows.dropna()
    result = client.infer(
        name, inputs_for(metadata, rows, binary), request_id="golden-1"
    )
    response = result.get_response()
    assert response["id"] == "golden-1"
    assert response["model_name"] == name
    for output in metadata["outputs"]:
        method = output["name"]
        assert answers_of(result, method) == expected(case, method, rows), method


def test_tritonclient_gets_the_outputs_it_asks_for(
    served: Served,
) -> None:
    server, case, name, _ = served
    client = triton.InferenceServerClient(address(server))
    metadata = client.get_model_metadata(name)
    rows = golden(case)[:3]
    last = metadata["outputs"][-1]["name"]
    asked = [triton.InferRequestedOutput(last, binary_data=False)]
    result = client.infer(name, inputs_for(metadata, rows, True), outputs=asked)
    response = result.get_response()
    assert [o["name"] for o in response["outputs"]] == [last]
    assert answers_of(result, last) == expected(case, last, rows)


def test_tritonclient_is_told_which_input_is_wrong(
    served: Served,
) -> None:
    server, case, name, _ = served
    client = triton.InferenceServerClient(address(server))
    metadata = client.get_model_metadata(name)
    rows = golden(case)[:2]
    inputs = inputs_for(metadata, rows, True)
    first = inputs[0]
    wrong = triton.InferInput(first.name(), [2, *first.shape()[1:]], "BOOL")
    wrong.set_data_from_numpy(np.ones([2, *first.shape()[1:]], dtype=np.bool_))
    with pytest.raises(InferenceServerException, match=f"input {first.name()}"):
        client.infer(name, [wrong, *inputs[1:]])
    if len(inputs) > 1:
        with pytest.raises(InferenceServerException) as missing:
            client.infer(name, inputs[1:])
        assert f"missing input(s): {first.name()}" in missing.value.message()
        assert missing.value.status() == "400"
        short = inputs_for(metadata, rows[:1], True)[-1]
        with pytest.raises(InferenceServerException, match="inputs differ in rows"):
            client.infer(name, [*inputs[:-1], short])
    # And it keeps serving.
    assert client.is_server_ready()


def frame_of(case: models.Case, rows: Any) -> Any:
    return rows if isinstance(rows, pd.DataFrame) else np.asarray(rows, np.float64)


def test_mlflows_scoring_client_gets_the_models_predictions(
    served: Served,
) -> None:
    server, case, _, _ = served
    host, port = address(server).split(":")
    client = ScoringServerClient(host, int(port))
    client.ping()
    rows = golden(case)
    response = client.invoke(frame_of(case, rows))
    assert response["predictions"] == expected(case, "predict", rows)


def bodies(rows: Any) -> dict[str, dict[str, Any]]:
    """Each body MLflow's server reads, built with pandas as MLflow's docs
    show (`to_dict(orient="split")`) or by hand."""
    if isinstance(rows, np.ndarray):
        matrix = rows.tolist()
        return {"inputs": {"inputs": matrix}, "instances": {"instances": matrix}}
    records = models.records(rows)
    return {
        "dataframe_split": {"dataframe_split": rows.to_dict(orient="split")},
        "dataframe_records": {"dataframe_records": records},
        "instances": {"instances": records},
        "inputs": {"inputs": {c: [r[c] for r in records] for c in rows.columns}},
    }


def test_every_mlflow_body_form_gets_the_same_predictions(
    served: Served,
) -> None:
    server, case, _, _ = served
    rows = golden(case)
    want = {"predictions": expected(case, "predict", rows)}
    for form, body in bodies(rows).items():
        text = pd.io.json.ujson_dumps(body) if form == "dataframe_split" else None
        payload = (text or json.dumps(body)).encode()
        answer = server.call(
            "POST", "/invocations", payload, {"Content-Type": "application/json"}
        )
        assert (answer.status, answer.json()) == (200, want), form


def test_mlflow_errors_are_mlflows_shape_naming_the_feature(
    served: Served,
) -> None:
    server, case, _, _ = served
    json_type = {"Content-Type": "application/json"}
    if isinstance(case.inputs, pd.DataFrame):
        rows = golden(case)[:2]
        dropped = rows.columns[-1]
        body = {"dataframe_split": rows.drop(columns=[dropped]).to_dict(orient="split")}
        answer = server.call(
            "POST", "/invocations", json.dumps(body).encode(), json_type
        )
        assert answer.status == 400
        assert answer.json()["error_code"] == "BAD_REQUEST"
        assert f"missing {dropped}" in answer.json()["message"]
    wrong = {"inputs": [["text"] * len(models.records(golden(case)[:1])[0])]}
    answer = server.call("POST", "/invocations", json.dumps(wrong).encode(), json_type)
    assert answer.status == 400
    assert "row 0" in answer.json()["message"]
    csv = server.call(
        "POST", "/invocations", b"a,b\n1,2\n", {"Content-Type": "text/csv"}
    )
    assert (csv.status, csv.json()["error_code"]) == (415, "BAD_REQUEST")
    assert server.call("GET", "/ping").status == 200


def test_the_references_protocol_examples_answer_like_the_model(served: Served) -> None:
    """The generated reference's curl commands for both protocols, sent as is."""
    server, case, name, project = served
    reference = (project / "docs/reference.md").read_text()
    section = reference.split("## Clients of other model servers")[1].split("\n## ")[0]
    bodies = re.findall(r"-d '(.+)'", section)
    paths = re.findall(r"http://localhost:8000(/\S+)", section)
    assert paths == [f"/v2/models/{name}/infer", "/invocations"]
    records = json.loads(bodies[1])["dataframe_records"]
    if isinstance(case.inputs, pd.DataFrame):
        rows: Any = pd.DataFrame(records).astype(case.inputs.dtypes.to_dict())
    else:
        rows = np.asarray([list(r.values()) for r in records], np.float64)
    want = expected(case, "predict", rows)
    for path, body in zip(paths, bodies, strict=True):
        answer = server.call(
            "POST", path, body.encode(), {"Content-Type": "application/json"}
        )
        assert answer.status == 200, answer.body
        found = answer.json()
        if path == "/invocations":
            assert found["predictions"] == want
        else:
            assert {o["name"]: o["data"] for o in found["outputs"]}["predict"] == want
