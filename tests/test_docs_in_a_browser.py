"""Swagger UI really renders, in a headless browser with no network but the
service's own: every route shows up, drawn by the JavaScript it serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import ARTIFACTS, BROWSER, render

from conftest import DEFAULT_BACKEND, Generate
from proxy import prefix_proxy
from servers import serve


@pytest.mark.system
@pytest.mark.skipif(BROWSER is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("prefix", ["", "/models/forest"], ids=["direct", "proxied"])
def test_swagger_ui_renders_every_route_offline(
    generate: Generate, tmp_path: Path, prefix: str
) -> None:
    """Served directly, and behind a proxy that adds a path prefix
    (`ROOT_PATH`): the page, its assets and the document all load."""
    project = generate(DEFAULT_BACKEND, "binary_forest")
    env = {"ROOT_PATH": prefix} if prefix else {}
    with (
        serve("binary_forest", pythonpath=project / "src", env=env) as server,
        prefix_proxy(server.base, prefix or "/unused") as proxy,
    ):
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"swagger-ui{'-proxied' if prefix else ''}.png"
        dom = render(
            f"{proxy}{prefix}/docs" if prefix else f"{server.base}/docs", tmp_path, shot
        )
        document = server.call("GET", "/openapi.json").json()
    paths = re.findall(r'opblock-summary-path" data-path="([^"]+)"', dom)
    # The service's own routes first, then each protocol's under its tag.
    assert paths[:7] == [
        "/predict", "/predict_proba", "/health", "/ready", "/metadata", "/metrics", "/",
    ]  # fmt: skip
    assert sorted(paths) == sorted(document["paths"])
    # Its own 7, Open Inference's 9, MLflow's 2, and /explain.
    assert len(document["paths"]) == 7 + 9 + 2 + 1
    assert "/explain" in paths
    assert shot.stat().st_size > 10_000
    assert "binary_forest" in dom
    if prefix:
        # "Try it out" sends requests through the proxy.
        assert f'<option value="{prefix}">{prefix}</option>' in dom
