"""The framework-free service core (`src/PACKAGE/service.py`), in process: its
routes, how it answers them on a thread or an event loop, and its replies."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from conftest import Core

GOOD = {"income": 50_000.5, "age": 40, "member": True, "plan": "gold"}
BODY = json.dumps({"instances": [GOOD]}).encode()
JSON_TYPE = {"Content-Type": "application/json"}


def route(service: Any, path: str) -> Any:
    return next(r for r in service.routes if r.path == path)


def incoming(core: Core, method: str, path: str, **extra: Any) -> Any:
    return core.module("routes").Incoming(method, path, **{"headers": {}, **extra})


def decoded(reply: Any) -> tuple[int, Any]:
    return reply.status, json.loads(reply.body)


def test_the_routes_are_the_fixed_ones_one_per_method_and_the_protocols(
    service: Any,
) -> None:
    listed = {(r.path, r.methods, r.calls_model) for r in service.routes}
    assert listed == {
        *((p, ("GET", "HEAD"), False) for p in
          ("/health", "/ready", "/metadata", "/openapi.json", "/metrics", "/docs",
           "/docs/", "/favicon.ico", "/", "/docs/{name}", "/v2", "/v2/health/live",
           "/v2/health/ready",
           "/v2/models/{name}", "/v2/models/{name}/ready",
           "/v2/models/{name}/versions/{version}",
           "/v2/models/{name}/versions/{version}/ready", "/ping")),
        *((p, ("POST",), True) for p in
          ("/predict", "/v2/models/{name}/infer",
           "/v2/models/{name}/versions/{version}/infer", "/invocations",
           "/explain")),
    }  # fmt: skip


def test_a_prediction_route_reads_the_body_and_answers_like_the_model(
    core: Core, service: Any
) -> None:
    predict = route(service, "/predict")
    asked = incoming(core, "POST", "/predict", headers=JSON_TYPE)
    reply = service.answer(predict, asked, lambda size: BODY, len(BODY))
    status, payload = decoded(reply)
    assert status == 200
    import pandas as pd

    import models

    model = models.case_named(core.package).model
    assert payload["predictions"] == model.predict(pd.DataFrame([GOOD])).tolist()


def test_on_an_event_loop_only_the_model_runs_off_the_loop(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = core.module("runtime").ModelRuntime
    threads: list[str] = []
    run = runtime.run

    def recorded_run(self: Any, method: str, batch: Any) -> Any:
        threads.append(threading.current_thread().name)
        return run(self, method, batch)

    monkeypatch.setattr(runtime, "run", recorded_run)
    fresh = core.module("service").PredictionService.from_env()
    health = fresh.health

    def recorded_health() -> Any:
        threads.append(threading.current_thread().name)
        return health()

    fresh.health = recorded_health

    async def chunks() -> AsyncIterator[bytes]:
        yield BODY[:5]
        yield BODY[5:]

    async def both() -> tuple[Any, Any]:
        await fresh.load_async()
        # Loading asks the model about the examples (for the model page).
        threads.clear()
        asked = incoming(core, "POST", "/predict", headers=JSON_TYPE)
        predicted = await fresh.answer_async(route(fresh, "/predict"), asked, chunks())
        checked = await fresh.answer_async(
            route(fresh, "/health"), incoming(core, "GET", "/health")
        )
        threads.append(threading.current_thread().name)
        await fresh.close_async()
        return predicted, checked

    predicted, checked = asyncio.run(both())
    assert (predicted.status, checked.status) == (200, 200)
    model_thread, health_thread, loop_thread = threads
    assert model_thread != loop_thread and health_thread == loop_thread


def test_a_body_over_the_limit_is_413_before_it_is_read(
    core: Core, service: Any
) -> None:
    predict = route(service, "/predict")
    limit = service.settings.max_body_bytes
    never = lambda size: pytest.fail("read")  # noqa: E731
    reply = service.answer(
        predict, incoming(core, "POST", "/predict"), never, limit + 1
    )
    assert decoded(reply) == (413, {"error": {
        "status": 413, "code": "body_too_large",
        "message": f"the body exceeds {limit} bytes"}})  # fmt: skip


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        (None, 200),
        ("application/json", 200),
        ("application/json; charset=utf-8", 200),
        ("application/vnd.api+json", 200),
        ("text/csv", 415),
    ],
)
def test_only_json_bodies_are_accepted(
    service: Any, content_type: str | None, status: int
) -> None:
    assert service.predict("predict", BODY, content_type).status == status


def test_a_form_body_is_told_which_header_to_send(service: Any) -> None:
    """`curl -d` alone declares a form: the 415 says what works instead."""
    form = "application/x-www-form-urlencoded"
    status, payload = decoded(service.predict("predict", BODY, form))
    assert (status, payload["error"]["code"]) == (415, "unsupported_media_type")
    message = payload["error"]["message"]
    assert f"got {form!r}" in message
    assert "send the header 'Content-Type: application/json'" in message
    assert "curl: -H 'Content-Type: application/json' -d BODY" in message


def test_until_the_model_is_loaded_predictions_and_readiness_are_503(
    core: Core,
) -> None:
    starting = core.module("service").PredictionService.from_env()
    assert decoded(starting.ready())[0] == 503
    status, payload = decoded(starting.predict("predict", BODY, None))
    assert (status, payload["error"]["code"]) == (503, "not_ready")
    assert decoded(starting.health()) == (200, {"status": "ok"})


@pytest.mark.parametrize("batching", ["on", "off"])
def test_input_the_model_refuses_is_422_naming_the_models_reason(
    core: Core, monkeypatch: pytest.MonkeyPatch, batching: str
) -> None:
    def refuse(self: Any, method: str, batch: Any) -> Any:
        raise ValueError("Input contains a value the model cannot take\nsecond line")

    monkeypatch.setattr(core.module("runtime").ModelRuntime, "run", refuse)
    monkeypatch.setenv("BATCHING", batching)
    refusing = core.module("service").PredictionService.from_env()
    refusing.load()
    status, payload = decoded(refusing.predict("predict", BODY, None))
    refusing.close()
    assert (status, payload["error"]["code"]) == (422, "model_rejected_input")
    assert payload["error"]["message"] == (
        "the model refused: Input contains a value the model cannot take"
    )


def test_the_docs_assets_are_served_by_name_and_nothing_else(
    core: Core, service: Any
) -> None:
    assets = route(service, "/docs/{name}")
    found = service.answer(
        assets, incoming(core, "GET", "/docs/x", params={"name": "swagger-ui.css"})
    )
    assert (found.status, found.content_type) == (200, "text/css; charset=utf-8")
    missing = service.answer(
        assets, incoming(core, "GET", "/docs/x", params={"name": "../spec.py"})
    )
    assert missing.status == 404


def test_metadata_describes_the_model_and_the_limits(service: Any) -> None:
    status, metadata = decoded(service.metadata())
    assert status == 200
    assert metadata["model"]["family"] == "sklearn"
    assert [f["name"] for f in metadata["features"]] == list(GOOD)
    assert metadata["limits"] == {
        "max_instances": service.settings.max_instances,
        "max_body_bytes": service.settings.max_body_bytes,
        "max_explain_rows": service.settings.max_explain_rows,
    }
    batching = service.settings.batching
    assert metadata["batching"] == {
        "enabled": batching.enabled, "max_rows": batching.max_rows,
        "max_wait_ms": 0.0, "exact": batching.exact, "evidence": batching.evidence,
        "deviation": batching.deviation,
    }  # fmt: skip
    assert metadata["model_threads"] == 1
    name = metadata["service"]
    assert metadata["protocols"] == [
        {"name": "instances", "routes": ["POST /predict"]},
        {"name": "open_inference_v2", "routes": [
            "GET HEAD /v2", "GET HEAD /v2/health/live", "GET HEAD /v2/health/ready",
            f"GET HEAD /v2/models/{name}", f"GET HEAD /v2/models/{name}/ready",
            f"POST /v2/models/{name}/infer",
            f"GET HEAD /v2/models/{name}/versions/0.1.0",
            f"GET HEAD /v2/models/{name}/versions/0.1.0/ready",
            f"POST /v2/models/{name}/versions/0.1.0/infer"]},
        {"name": "mlflow", "routes": ["GET HEAD /ping", "POST /invocations"]},
    ]  # fmt: skip


def test_own_routes_join_the_document_and_cannot_redefine_the_services(
    core: Core,
) -> None:
    fresh = core.module("service").PredictionService.from_env()
    team = {"get": {"summary": "Who runs this", "responses": {"200": {}}}}
    schema = {"type": "object"}
    fresh.document_routes({"/team": team}, {"Team": schema})
    fresh.document_routes({"/team": team}, {"Team": schema})  # again: no change
    document = json.loads(fresh.openapi().body)
    assert document["paths"]["/team"] == team
    assert document["components"]["schemas"]["Team"] == schema
    assert "/predict" in document["paths"]
    assert json.loads(fresh.docs_asset("openapi.json").body)["paths"]["/team"]
    with pytest.raises(ValueError, match="POST /predict is the service's own"):
        fresh.document_routes({"/predict": {"post": {"summary": "mine"}}})
    with pytest.raises(ValueError, match="schema 'Error' is the service's own"):
        fresh.document_routes({}, {"Error": {"type": "string"}})
