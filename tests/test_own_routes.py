"""Routes an owner adds, as the example in each backend's `app.py` shows
them, answer and join the service's OpenAPI document and /docs, over
sockets."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import models
from conftest import BACKEND_PAIRS, Generate, ids
from owned import add_example_route
from servers import Server, serve


@pytest.fixture(scope="module", params=BACKEND_PAIRS, ids=ids(BACKEND_PAIRS))
def served(
    request: pytest.FixtureRequest,
    generate: Generate,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, Path]]:
    backend, case_name = request.param
    project = tmp_path_factory.mktemp("own") / case_name
    shutil.copytree(generate(backend, case_name), project)
    add_example_route(project / "src" / case_name / "app.py")
    with serve(case_name, pythonpath=project / "src") as server:
        yield server, project


def test_an_own_route_answers_and_is_documented(
    served: tuple[Server, Path],
) -> None:
    server, _ = served
    answer = server.call("GET", "/team")
    assert (answer.status, answer.json()) == (200, {"team": "fraud"})
    for document_path in ("/openapi.json", "/docs/openapi.json"):
        document = server.call("GET", document_path).json()
        assert document["paths"]["/team"]["get"]["summary"] == "Who runs this service"
        # The service's own routes are still its own description.
        assert document["paths"]["/predict"]["post"]["operationId"] == "predict"
        assert "/health" in document["paths"]


def test_the_own_route_leaves_the_services_errors_alone(
    served: tuple[Server, Path],
) -> None:
    server, _ = served
    missing = server.call("GET", "/team/nobody")
    assert missing.status == 404
    assert json.loads(missing.body)["error"]["code"] == "not_found"


# A middleware an owner adds to the FastAPI app: it stamps every answer.
STAMPING_MIDDLEWARE = """

@app.middleware("http")
async def stamp(request, call_next):  # type: ignore[no-untyped-def]
    answer = await call_next(request)
    answer.headers["X-Owner"] = "seen"
    return answer
"""


def test_a_middleware_the_owner_adds_sees_the_services_routes(
    generate: Generate, tmp_path: Path
) -> None:
    """FastAPI's glue answers the service's routes ahead of FastAPI's own
    routing, unless the owner adds a middleware: then every request goes
    through it, the service's too, and answers as before."""
    backend, case_name = "fastapi", models.representative("sklearn")
    project = tmp_path / case_name
    shutil.copytree(generate(backend, case_name), project)
    with (project / "src" / case_name / "app.py").open("a") as app:
        app.write(STAMPING_MIDDLEWARE)
    example = json.loads((project / "tests" / "golden.json").read_text())
    with serve(case_name, pythonpath=project / "src") as server:
        health = server.call("GET", "/health")
        assert (health.status, health.headers.get("x-owner")) == (200, "seen")
        body = {"instances": example["instances"]}
        predicted = server.post("/predict", body)
        assert predicted.status == 200 and predicted.headers.get("x-owner") == "seen"
        assert json.loads(predicted.body)["predictions"] == (
            example["predictions"]["predict"]
        )
