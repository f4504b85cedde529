"""Generated services over a real socket: every route of docs/api.md, every
error, and predictions equal to the model's own, in this process."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openapi_spec_validator import validate

import models
from conftest import BACKEND_PAIRS, DEFAULT_BACKEND, SERVED, Generate, ids
from generator._model._families import family_named
from generator._rendering._backends import BACKENDS
from servers import Server, serve

Running = tuple[Server, models.Case, Path]
LIMITS = {"MAX_INSTANCES": "100", "MAX_BODY_BYTES": "200000"}
# The tests of a backend's HTTP glue: each backend with its richest case.
per_backend = pytest.mark.parametrize(
    "running", BACKEND_PAIRS, ids=ids(BACKEND_PAIRS), indirect=True
)


@pytest.fixture(scope="module", params=SERVED, ids=ids(SERVED))
def running(request: pytest.FixtureRequest, generate: Generate) -> Iterator[Running]:
    """A backend's service for a model case, as a real server."""
    backend, case_name = request.param
    case = models.case_named(case_name)
    project = generate(backend, case_name)
    with serve(case.name, pythonpath=project / "src", env=LIMITS) as server:
        yield server, case, project


def feature_names(server: Server) -> list[str]:
    return [f["name"] for f in server.call("GET", "/metadata").json()["features"]]


def good_instance(case: models.Case) -> Any:
    return models.records(case.inputs[:1])[0]


def test_predictions_equal_the_model_in_this_process(
    running: Running,
) -> None:
    server, case, _ = running
    instances = models.records(case.inputs)
    answer = server.post("/predict", {"instances": instances})
    assert answer.status == 200, answer.body
    expected = models.expected_predictions(case, "predict", case.inputs)
    assert answer.json()["predictions"] == expected


def test_probabilities_are_labelled_by_class_and_equal_the_model(
    running: Running,
) -> None:
    server, case, _ = running
    if not hasattr(case.expected, "predict_proba"):
        assert server.post("/predict_proba", {"instances": []}).status == 404
        return
    instances = models.records(case.inputs)
    answer = server.post("/predict_proba", {"instances": instances})
    assert answer.status == 200, answer.body
    expected = models.expected_predictions(case, "predict_proba", case.inputs)
    assert answer.json()["predictions"] == expected


def test_health_ready_metadata(running: Running) -> None:
    server, case, project = running
    assert server.call("GET", "/health").json() == {"status": "ok"}
    assert server.call("GET", "/ready").json() == {"status": "ready"}
    metadata = server.call("GET", "/metadata").json()
    model_file = next((project / "src" / case.name / "model_files").glob("model.*"))
    assert (
        metadata["model"]["sha256"]
        == hashlib.sha256(model_file.read_bytes()).hexdigest()
    )
    assert metadata["model"]["class"].endswith(type(case.model).__name__)
    family = models.CATALOG[case.name].family
    assert metadata["model"]["family"] == family
    assert metadata["libraries"][family_named(family).library]
    assert metadata["template_version"] not in ("", "unversioned")
    if case.sample is not None:
        assert feature_names(server) == list(case.sample.columns)


def test_openapi_is_valid_and_typed_per_feature(
    running: Running,
) -> None:
    server, case, _ = running
    document = server.call("GET", "/openapi.json").json()
    validate(document)
    properties = document["components"]["schemas"]["Instance"]["properties"]
    assert list(properties) == feature_names(server)
    if case.name == "mixed_pipeline":
        assert properties["income"] == {"type": ["number", "null"]}
        assert properties["age"] == {
            "type": ["integer", "null"],
            "format": "int64",
            "minimum": -(2**63),
            "maximum": 2**63 - 1,
        }
        assert properties["member"] == {"type": "boolean"}
        assert properties["plan"]["enum"] == ["basic", "gold", "silver"]
        # An array instance: each position typed as its feature.
        array = document["components"]["schemas"]["InstanceArray"]
        assert array["prefixItems"] == list(properties.values())
        assert (array["items"], array["minItems"]) == (False, len(properties))
    example = document["paths"]["/predict"]["post"]["requestBody"]["content"][
        "application/json"
    ]["example"]
    assert server.post("/predict", example).status == 200


@per_backend
def test_docs_render_from_the_service_itself(
    running: Running,
) -> None:
    server, _, _ = running
    page = server.call("GET", "/docs")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        # Relative to the page, so that a path prefix keeps them (ROOT_PATH).
        assert f'"docs/{asset}"'.encode() in page.body
        assert server.call("GET", f"/docs/{asset}").status == 200
    assert server.call("GET", "/docs/../../etc/passwd").status == 404
    # As people type it: sent to the page, relative to where it was asked.
    connection = http.client.HTTPConnection(server.base.removeprefix("http://"))
    connection.request("GET", "/docs/")
    moved = connection.getresponse()
    assert (moved.status, moved.getheader("location")) == (308, "../docs")
    connection.close()
    assert server.call("GET", "/docs/").body == page.body  # a browser follows
    # Swagger UI 5 reads the OpenAPI 3.1 document as it is; it is also
    # served beside the assets, where earlier releases served it.
    assert b'url: "openapi.json"' in page.body
    beside = server.call("GET", "/docs/openapi.json")
    assert beside.body == server.call("GET", "/openapi.json").body
    assert beside.json()["openapi"].startswith("3.1.")


JSON = {"Content-Type": "application/json"}


def error_of(answer: Any) -> tuple[int, str]:
    return answer.status, answer.json()["error"]["code"]


def details(answer: Any) -> list[tuple[int | None, str | None]]:
    return [
        (d.get("instance"), d.get("field")) for d in answer.json()["error"]["details"]
    ]


@per_backend
def test_every_client_mistake_is_a_4xx_and_the_server_keeps_serving(
    running: Running,
) -> None:
    server, case, _ = running
    good = {"instances": [good_instance(case)]}
    json_type = {"Content-Type": "application/json"}
    cases: list[tuple[bytes, dict[str, str], tuple[int, str]]] = [
        (b"{not json", json_type, (400, "invalid_json")),
        (b"", json_type, (400, "invalid_json")),
        (b"[]", json_type, (422, "invalid_body")),
        (b'{"instances": {}}', json_type, (422, "invalid_body")),
        (b'{"instances": [], "extra": 1}', json_type, (422, "invalid_body")),
        (b'{"instances": []}', json_type, (422, "empty_batch")),
        (b'{"instances": [1, "x", null]}', json_type, (422, "invalid_instances")),
        (
            json.dumps(good).encode(),
            {"Content-Type": "text/plain"},
            (415, "unsupported_media_type"),
        ),
        (
            json.dumps({"instances": good["instances"] * 101}).encode(),
            json_type,
            (422, "too_many_instances"),
        ),
        (b" " * 200_001, json_type, (413, "body_too_large")),
    ]
    for body, headers, expected in cases:
        assert (
            error_of(server.call("POST", "/predict", body, headers)) == expected
        ), body[:40]
        assert server.post("/predict", good).status == 200
    assert error_of(server.call("GET", "/nowhere")) == (404, "not_found")
    assert error_of(server.call("DELETE", "/predict")) == (405, "method_not_allowed")
    assert server.process.poll() is None


def test_field_problems_name_instance_and_field(
    running: Running,
) -> None:
    server, case, _ = running
    names = feature_names(server)
    good = models.records(case.inputs[:1])[0]
    as_object = dict(zip(names, good, strict=True)) if isinstance(good, list) else good
    missing = {k: v for k, v in as_object.items() if k != names[0]}
    unknown = {**as_object, "bogus": 1}
    second = server.call("GET", "/metadata").json()["features"][1]
    wrong = 12345 if second["type"] == "string" else "not a number"
    wrong_type = {**as_object, names[1]: wrong}
    null = {**as_object, names[1]: None}
    short_array = list(as_object.values())[:-1]
    answer = server.post(
        "/predict",
        {"instances": [as_object, missing, unknown, wrong_type, null, short_array]},
    )
    assert answer.status == 422
    # null is refused exactly where the model refuses a missing value.
    expected = [(1, names[0]), (2, "bogus"), (3, names[1])]
    expected += [] if second["nullable"] else [(4, names[1])]
    assert details(answer) == [*expected, (5, None)]
    assert server.post("/predict", {"instances": [as_object]}).status == 200


@per_backend
def test_categories_and_nulls_follow_the_model(running: Running) -> None:
    server, mixed_case, _ = running
    base = models.records(mixed_case.inputs[:1])[0]
    ok = server.post("/predict", {"instances": [{**base, "income": None}]})
    assert ok.status == 200
    bad = server.post(
        "/predict",
        {
            "instances": [
                {**base, "plan": "platinum"},
                {**base, "member": 1},
                {**base, "age": 2.5},
                {**base, "age": 2**63},
                {**base, "age": 40.0},
            ]
        },
    )
    assert bad.status == 422
    assert details(bad) == [(0, "plan"), (1, "member"), (2, "age"), (3, "age")]
    assert "out of range" in bad.json()["error"]["details"][3]["message"]
    assert "unknown category" in bad.json()["error"]["details"][0]["message"]
    expected = mixed_case.model.predict(mixed_case.inputs.head(1).assign(income=np.nan))
    assert ok.json()["predictions"] == expected.tolist()


@per_backend
def test_documents_are_the_shared_cores_byte_for_byte(
    running: Running, generate: Generate
) -> None:
    """/openapi.json is the bytes the FastAPI project's core makes, whichever
    backend serves it; /metadata says the same."""
    server, case, _ = running
    reference = generate(DEFAULT_BACKEND, case.name)
    env = {**os.environ, **LIMITS, "PYTHONPATH": str(reference / "src")}
    made = subprocess.run(
        [sys.executable, "-c", CORE_DOCUMENTS, case.name],
        env=env,
        capture_output=True,
        check=True,
    )
    openapi, metadata = json.loads(made.stdout)
    assert server.call("GET", "/openapi.json").body == openapi.encode()
    served = server.call("GET", "/metadata").json()
    # A dirty checkout gets a fresh Copier commit for every render.
    assert {**served, "template_version": ""} == {
        **json.loads(metadata),
        "template_version": "",
    }


CORE_DOCUMENTS = """
import importlib, json, sys
service = importlib.import_module(sys.argv[1] + ".mljet.service")
core = service.PredictionService.from_env()
print(json.dumps([core.openapi().body.decode(), core.metadata().body.decode()]))
"""


@per_backend
def test_http_semantics_are_the_same_on_every_backend(running: Running) -> None:
    server, case, _ = running
    head = server.call("HEAD", "/health")
    assert (head.status, head.body) == (200, b"")
    assert error_of(server.call("GET", "/health/")) == (404, "not_found")
    assert error_of(server.call("OPTIONS", "/predict")) == (
        405,
        "method_not_allowed",
    )
    good = json.dumps({"instances": [good_instance(case)]}).encode()
    chunked = server.post_chunked("/predict", [good[:5], good[5:]])
    assert chunked.status == 200, chunked.body
    assert chunked.json() == server.call("POST", "/predict", good, JSON).json()
    too_large = server.post_chunked("/predict", [b" " * 100_000] * 3)
    assert error_of(too_large) == (413, "body_too_large")
    assert server.call("POST", "/predict", good, JSON).status == 200


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crash_in_the_model_is_a_500_without_a_trace(
    backend: str, generate: Generate
) -> None:
    # The model calls a function of the tests' `user_steps` module, which the
    # service ships: nothing else is on its path.
    project = generate(backend, "failing_regressor")
    assert (project / "src" / "user_steps" / "__init__.py").is_file()
    with serve("failing_regressor", pythonpath=project / "src") as server:
        crash = server.post("/predict", {"instances": [[13, 1, 1, 1]]})
        assert crash.status == 500
        assert crash.json() == {
            "error": {
                "status": 500,
                "code": "internal_error",
                "message": "the service failed; the details are in its log",
            }
        }
        fine = server.post("/predict", {"instances": [[12, 1, 1, 1]]})
        assert fine.status == 200
        assert server.process.poll() is None
