"""The model page (`src/PACKAGE/model_page.py`), in process: what it shows,
escaped, and that it links only to the service's own routes.
tests/test_model_page_in_a_browser.py renders it in a real browser."""

from __future__ import annotations

import html
import json
import shlex
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
    assert '<link rel="icon" href="favicon.ico"' in page
    # How to call it: the service's own route first, then each protocol's.
    assert "curl -X POST BASE/predict" in page
    assert f"curl -X POST BASE/v2/models/{metadata['service']}/infer" in page
    assert "curl -X POST BASE/invocations" in page


def test_values_are_escaped_and_the_prefix_is_honoured(core: Core) -> None:
    page_of = core.module("model_page").model_page
    service = core.module("service").PredictionService.from_env()
    described = json.loads(service.metadata().body)
    described["service"] = "<script>alert(1)</script>"
    described["features"][0]["name"] = '"><img src=x></script>'
    call = core.module("protocols.base").ExampleCall(
        "REST", "/predict", {"instances": [{"plan": "it's"}]}
    )
    page = page_of(
        described, [], None, "/models/churn", needs_key=True, calls=[call]
    ).decode()
    assert "<script>alert(1)" not in page and "<img src=x>" not in page
    # The page's data block cannot be ended early by a value.
    data = page.split('<script type="application/json" id="page-data">')[1]
    assert "</script>" not in data.split("</script>")[0] + "x"
    assert json.loads(data.split("</script>")[0])["base"] == "/models/churn/"
    assert '<a href="/models/churn/docs">' in page
    assert 'name="key" type="password"' in page
    assert "(loading)" not in page and "No examples were recorded" in page


def test_the_call_it_block_quotes_for_the_shell_and_sends_the_key(core: Core) -> None:
    page_of = core.module("model_page").model_page
    service = core.module("service").PredictionService.from_env()
    described = json.loads(service.metadata().body)
    body = {"instances": [{"plan": "it's"}]}
    call = core.module("protocols.base").ExampleCall("REST", "/predict", body)
    page = page_of(described, [], None, "", needs_key=True, calls=[call]).decode()
    curl = html.unescape(page.split('<pre class="call" data-tab="1">')[1])
    curl = curl.split("</pre>")[0].removeprefix("<code>").removesuffix("</code>")
    # The shell reads back the JSON body exactly, the quote within included.
    # Lines continued with a backslash, as a shell reads them.
    words = shlex.split(curl.replace("BASE", "http://x").replace("\\\n", " "))
    assert words[:3] == ["curl", "-X", "POST"]
    assert json.loads(words[words.index("-d") + 1]) == body
    assert "Authorization: Bearer $API_KEY" in words


def test_sizes_and_numbers_read_as_people_read_them(core: Core) -> None:
    page = core.module("model_page")
    assert page.human_bytes(16777216) == "16 MiB"
    assert page.human_bytes(1536) == "1.5 KiB"
    assert page.human_bytes(900) == "900 bytes"
    assert page.number(1234567) == "1,234,567"
    assert page.number(0.123456) == "0.1235"
    assert page.number(52345.678) == "52,346"
    assert page.number(-12.3456) == "-12.35"
    assert page.number(1e-7) == "1.000e-07"
    assert page.number("gold") == '"gold"'
