"""The model page (`src/PACKAGE/model_page.py`), in process: what it shows,
escaped, and that it links only to the service's own routes.
tests/test_model_page_in_a_browser.py renders it in a real browser."""

from __future__ import annotations

import json
from typing import Any

from conftest import Core


def test_the_page_is_served_at_the_root_with_the_models_facts(
    core: Core, service: Any
) -> None:
    route = next(r for r in service.routes if r.path == "/")
    asked = core.module("routes").Incoming("GET", "/", {})
    reply = service.answer(route, asked)
    assert (reply.status, reply.content_type) == (200, "text/html; charset=utf-8")
    page = reply.body.decode()
    metadata = json.loads(service.metadata().body)
    assert metadata["model"]["sha256"] in page
    for feature in metadata["features"]:
        assert f'name="{feature["name"]}"' in page
    assert '<a href="docs">' in page and '<a href="metrics">' in page
    assert 'data-route="predict"' in page


def test_values_are_escaped_and_the_prefix_is_honoured(core: Core) -> None:
    page_of = core.module("model_page").model_page
    service = core.module("service").PredictionService.from_env()
    described = json.loads(service.metadata().body)
    described["service"] = "<script>alert(1)</script>"
    described["features"][0]["name"] = '"><img src=x>'
    page = page_of(described, [], None, "/models/churn", needs_key=True).decode()
    assert "<script>alert(1)" not in page and "<img src=x>" not in page
    assert 'data-route="/models/churn/predict"' in page
    assert '<a href="/models/churn/docs">' in page
    assert 'name="key" type="password"' in page
    assert "(loading)" not in page and "No examples were recorded" in page
