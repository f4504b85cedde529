"""Swagger UI really renders, in a headless browser with no network but the
service's own: every route shows up, drawn by the JavaScript it serves."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import DEFAULT_BACKEND, Generate
from servers import serve

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.system
@pytest.mark.skipif(BROWSER is None, reason="needs Debian's chromium")
def test_swagger_ui_renders_every_route_offline(
    generate: Generate, tmp_path: Path
) -> None:
    project = generate(DEFAULT_BACKEND, "binary_forest")
    with serve("binary_forest", pythonpath=project / "src") as server:
        assert BROWSER is not None
        dom = subprocess.run(
            [
                BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                # Any request to another host fails instead of waiting.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=15000", "--dump-dom", f"{server.base}/docs",
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    paths = re.findall(r'opblock-summary-path" data-path="([^"]+)"', dom.stdout)
    assert paths == [
        "/predict", "/predict_proba", "/health", "/ready", "/metadata", "/metrics",
    ]  # fmt: skip
    assert "binary_forest" in dom.stdout
