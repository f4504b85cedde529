"""API keys, CORS and the root path (`src/PACKAGE/access_control.py`), in
process: what the core answers before and after a route's own answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Core

KEYS = ("k" * 16 + "-first", "second.key_0123456789")
GOOD = {"income": 50_000.5, "age": 40, "member": True, "plan": "gold"}
BODY = json.dumps({"instances": [GOOD]}).encode()
SITE = "https://app.example.com"


def service_with(core: Core, env: dict[str, str]) -> Any:
    spec = core.module("spec").ServiceSpec.load()
    settings = core.module("settings").Settings.from_env(spec, env)
    return core.module("service").PredictionService(spec, settings)


@pytest.fixture(scope="module")
def keyed(core: Core) -> Iterator[Any]:
    """Keys on the prediction routes, and one site allowed to call."""
    service = service_with(core, {"API_KEYS": ",".join(KEYS), "CORS_ORIGINS": SITE})
    service.load()
    yield service
    service.close()


@pytest.fixture(scope="module")
def locked(core: Core) -> Iterator[Any]:
    service = service_with(core, {"API_KEYS": KEYS[0], "PROTECT_ALL": "1"})
    service.load()
    yield service
    service.close()


def ask(
    core: Core, service: Any, method: str, path: str, headers: dict[str, str]
) -> Any:
    route = next(r for r in service.routes if r.path == path)
    incoming = core.module("routes").Incoming(method, path, headers)
    return service.answer(route, incoming, lambda size: BODY, len(BODY))


def error_of(reply: Any) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(reply.body)["error"]
    return error


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer not-a-key-at-all-really", 401),
        (f"Basic {KEYS[0]}", 401),
        (f"Bearer {KEYS[0][:-1]}", 401),
        (f"Bearer {KEYS[0]}", 200),
        (f"bearer {KEYS[1]}", 200),
    ],
)
def test_a_prediction_needs_one_of_the_keys(
    core: Core, keyed: Any, authorization: str | None, status: int
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    reply = ask(core, keyed, "POST", "/predict", headers)
    assert reply.status == status
    if status == 401:
        assert error_of(reply)["code"] == "unauthorized"
        assert reply.headers["WWW-Authenticate"] == "Bearer"
        # The answer never repeats what was sent.
        assert KEYS[0][:-1] not in reply.body.decode()


def test_probes_scrapes_and_documents_stay_open_unless_all_is_protected(
    core: Core, keyed: Any, locked: Any
) -> None:
    for path in ("/health", "/ready", "/metrics", "/metadata", "/openapi.json"):
        assert ask(core, keyed, "GET", path, {}).status == 200, path
        assert ask(core, locked, "GET", path, {}).status == 401, path
        with_key = {"Authorization": f"Bearer {KEYS[0]}"}
        assert ask(core, locked, "GET", path, with_key).status == 200, path


def test_every_key_is_compared_by_digest_whichever_matches(
    core: Core, keyed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[int, int]] = []
    hmac = core.module("access_control").hmac
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", recording)
    for sent in (KEYS[0], KEYS[1], "x", "y" * 5000):
        compared.clear()
        ask(core, keyed, "POST", "/predict", {"Authorization": f"Bearer {sent}"})
        # As many comparisons as keys, of equal-length digests: how long
        # it takes tells neither which key matched nor how much of one.
        assert compared == [(32, 32)] * len(KEYS), sent


def test_a_preflight_from_an_allowed_origin_needs_no_key(
    core: Core, keyed: Any
) -> None:
    asked = {
        "Origin": SITE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    reply = ask(core, keyed, "OPTIONS", "/predict", asked)
    assert (reply.status, reply.body) == (204, b"")
    assert reply.headers["Access-Control-Allow-Origin"] == SITE
    assert reply.headers["Access-Control-Allow-Methods"] == "POST"
    allowed = reply.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type"} <= set(allowed.split(", "))
    assert reply.headers["Vary"] == "Origin"


def test_another_origin_is_refused_and_gets_no_cors_headers(
    core: Core, keyed: Any
) -> None:
    elsewhere = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
    }
    refused = ask(core, keyed, "OPTIONS", "/predict", elsewhere)
    assert (refused.status, error_of(refused)["code"]) == (403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in refused.headers
    answered = ask(core, keyed, "GET", "/health", {"Origin": "https://evil.example"})
    assert answered.status == 200
    assert "Access-Control-Allow-Origin" not in answered.headers


def test_an_allowed_page_may_read_the_answer_and_its_request_id(
    core: Core, keyed: Any
) -> None:
    headers = {"Origin": SITE, "Authorization": f"Bearer {KEYS[1]}"}
    reply = ask(core, keyed, "POST", "/predict", headers)
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == SITE
    assert reply.headers["Access-Control-Expose-Headers"] == "X-Request-ID"
    # A refusal too: the page can show why.
    refused = ask(core, keyed, "POST", "/predict", {"Origin": SITE})
    assert refused.status == 401
    assert refused.headers["Access-Control-Allow-Origin"] == SITE


def test_routes_take_options_only_with_cors(core: Core, keyed: Any) -> None:
    assert all("OPTIONS" in route.methods for route in keyed.routes)
    plain = service_with(core, {})
    assert not any("OPTIONS" in route.methods for route in plain.routes)
    plain_options = ask(core, keyed, "OPTIONS", "/health", {})
    assert plain_options.status == 204
    assert plain_options.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_the_document_says_which_routes_need_a_key_and_where_they_are(
    core: Core, keyed: Any, locked: Any
) -> None:
    document = json.loads(keyed.openapi().body)
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    secured = {
        (path, verb)
        for path, item in document["paths"].items()
        for verb, operation in item.items()
        if operation.get("security") == [{"bearer": []}]
    }
    predicting = {(r.path, "post") for r in keyed.routes if r.calls_model}
    assert {(f"/{m}", "post") for m in keyed.methods} < predicting
    assert secured == predicting
    assert "401" in document["paths"]["/predict"]["post"]["responses"]
    assert "servers" not in document
    everything = json.loads(locked.openapi().body)
    assert all(
        operation["security"] == [{"bearer": []}]
        for item in everything["paths"].values()
        for operation in item.values()
    )
    behind = service_with(core, {"ROOT_PATH": "/models/churn"})
    assert json.loads(behind.openapi().body)["servers"] == [{"url": "/models/churn"}]


def test_without_settings_nothing_changes(core: Core) -> None:
    plain = service_with(core, {})
    plain.load()
    try:
        reply = ask(core, plain, "POST", "/predict", {"Origin": SITE})
    finally:
        plain.close()
    assert reply.status == 200
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert "securitySchemes" not in json.loads(plain.openapi().body)["components"]


def test_the_docs_page_finds_its_assets_under_any_prefix(keyed: Any) -> None:
    page = keyed.docs().body.decode()
    assert 'href="docs/swagger-ui.css"' in page and 'url: "openapi.json"' in page
    assert '"/docs' not in page
