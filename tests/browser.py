"""A headless Chromium that reaches nothing but loopback: what a page looks
like once its own scripts have run, and a screenshot of it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
# Screenshots the browser tests take; `scripts/screenshots` puts some of
# them in the documentation site.
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def render(url: str, tmp_path: Path, screenshot: Path | None = None) -> str:
    """The page's DOM once its scripts have run, none of them or its styles
    refused by its Content-Security-Policy; with `screenshot`, also a PNG of
    the page, 1280 pixels wide."""
    assert BROWSER is not None
    flags = [
        BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        # Any request to another host fails instead of waiting.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=15000",
    ]  # fmt: skip
    dom = subprocess.run(
        [*flags, "--enable-logging=stderr", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # Every page keeps to its own Content-Security-Policy.
    assert "Content Security Policy" not in dom.stderr, dom.stderr[-3000:]
    if screenshot is not None:
        subprocess.run(
            [*flags, "--window-size=1280,2400", f"--screenshot={screenshot}", url],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
    return dom.stdout
