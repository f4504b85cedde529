"""API keys, CORS and ROOT_PATH over real sockets, on every backend, behind
a real path-prefixing reverse proxy (`src/PACKAGE/access_control.py`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest

import models
from conftest import BACKEND_PAIRS, Generate, ids
from proxy import prefix_proxy
from servers import Server, serve

KEY = "operations-team-key-0123456789"
SITE = "https://dashboard.example.com"
PREFIX = "/models/churn"
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Proxied:
    direct: Server
    proxied: Server
    case_name: str


@pytest.fixture(scope="module", params=BACKEND_PAIRS, ids=ids(BACKEND_PAIRS))
def served(request: pytest.FixtureRequest, generate: Generate) -> Iterator[Proxied]:
    backend, case_name = request.param
    project = generate(backend, case_name)
    env = {"API_KEYS": KEY, "CORS_ORIGINS": SITE, "ROOT_PATH": PREFIX}
    with (
        serve(case_name, pythonpath=project / "src", env=env) as direct,
        prefix_proxy(direct.base, PREFIX) as proxy,
    ):
        yield Proxied(direct, Server(proxy + PREFIX, direct.process), case_name)


def body_of(case_name: str) -> tuple[bytes, list[object]]:
    case = models.case_named(case_name)
    inputs = case.inputs[:3]
    expected = models.expected_predictions(case, "predict", inputs)
    return json.dumps({"instances": models.records(inputs)}).encode(), expected


def test_predictions_need_the_key_and_probes_do_not(served: Proxied) -> None:
    server = served.proxied
    body, expected = body_of(served.case_name)
    refused = server.call("POST", "/predict", body, JSON)
    assert refused.status == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    assert refused.headers["www-authenticate"] == "Bearer"
    assert "x-request-id" in refused.headers
    wrong = server.call("POST", "/predict", body, {**JSON, "Authorization": "Bearer x"})
    assert (wrong.status, wrong.json()["error"]["message"]) == (
        401, "the API key is not valid"
    )  # fmt: skip
    granted = {**JSON, "Authorization": f"Bearer {KEY}"}
    answered = server.call("POST", "/predict", body, granted)
    assert answered.status == 200
    assert answered.json() == {"predictions": expected}
    for path in ("/health", "/ready", "/metrics"):
        assert server.call("GET", path).status == 200, path


def test_a_browser_page_of_the_allowed_origin_may_call(served: Proxied) -> None:
    server = served.direct
    preflight = server.call(
        "OPTIONS",
        "/predict",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == SITE
    assert preflight.headers["access-control-allow-methods"] == "POST"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    body, _ = body_of(served.case_name)
    headers = {**JSON, "Origin": SITE, "Authorization": f"Bearer {KEY}"}
    answered = server.call("POST", "/predict", body, headers)
    assert answered.status == 200
    assert answered.headers["access-control-allow-origin"] == SITE
    assert answered.headers["access-control-expose-headers"] == "X-Request-ID"
    other = {"Origin": "https://else.example", "Access-Control-Request-Method": "POST"}
    assert server.call("OPTIONS", "/predict", headers=other).status == 403


def test_the_docs_work_behind_the_prefix(served: Proxied) -> None:
    server = served.proxied
    page = server.call("GET", "/docs")
    assert page.status == 200
    page_url = server.base + "/docs"
    linked = re.findall(r'(?:href|src)="([^"]+)"', page.body.decode())
    linked += re.findall(r'url: "([^"]+)"', page.body.decode())
    # The stylesheet, the icon, the script and the document.
    assert len(linked) == 4
    for link in linked:
        # Resolved as the browser resolves it, then fetched through the proxy.
        url = urljoin(page_url, link)
        assert url.startswith(server.base + "/"), url
        assert server.call("GET", url.removeprefix(server.base)).status == 200, url
    document = server.call("GET", "/openapi.json").json()
    assert document["servers"] == [{"url": PREFIX}]
    # Where a client of the document sends a prediction: through the proxy.
    proxy_root = server.base.removesuffix(PREFIX)
    target = Server(proxy_root + document["servers"][0]["url"], server.process)
    body, expected = body_of(served.case_name)
    granted = {**JSON, "Authorization": f"Bearer {KEY}"}
    assert target.call("POST", "/predict", body, granted).json() == {
        "predictions": expected
    }
