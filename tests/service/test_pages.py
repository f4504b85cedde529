"""The headers pages and assets are sent with (`src/PACKAGE/mljet/pages.py`):
a page runs only its own scripts and styles."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from conftest import Core

SCRIPT = b"document.title = 'x';"
STYLE = b"body { margin: 0 }"
DATA = b'{"a": 1}'
PAGE = (
    b"<html><head><style>" + STYLE + b"</style></head><body>"
    b'<script type="application/json" id="d">' + DATA + b"</script>"
    b"<script>" + SCRIPT + b"</script></body></html>"
)


def digest(content: bytes) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode() + "'"
    )


def policy_of(headers: Any) -> dict[str, list[str]]:
    directives = [d.split() for d in headers["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives}


def test_a_page_runs_only_its_own_inline_scripts_and_styles(core: Core) -> None:
    reply = core.module("pages").page_reply(PAGE)
    assert (reply.status, reply.body) == (200, PAGE)
    assert reply.content_type == "text/html; charset=utf-8"
    policy = policy_of(reply.headers)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'", digest(SCRIPT)]
    assert policy["style-src"] == ["'self'", digest(STYLE)]
    # A data block never runs: it needs no digest.
    assert digest(DATA) not in reply.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in reply.headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"


def test_the_model_page_the_docs_and_their_assets_carry_them(
    core: Core, service: Any
) -> None:
    incoming = core.module("routes").Incoming
    answers = {}
    for path in ("/", "/docs", "/docs/swagger-ui.css"):
        route = next(r for r in service.routes if r.matches(path))
        answers[path] = service.answer(
            route, incoming("GET", path, {}, params={"name": "swagger-ui.css"})
        )
    for path in ("/", "/docs"):
        reply = answers[path]
        assert reply.status == 200, path
        assert "script-src 'self' 'sha256-" in reply.headers["Content-Security-Policy"]
        assert reply.headers["Referrer-Policy"] == "no-referrer"
    for reply in answers.values():
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
