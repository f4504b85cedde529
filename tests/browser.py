"""A headless Chromium that reaches nothing but loopback: what a page looks
like once its own scripts have run, and a screenshot of it."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import websockets.sync.client

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


class Page:
    """A page in a headless Chromium, driven over the DevTools protocol:
    evaluated in, waited on, clicked, photographed, at a given width."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._ids = itertools.count(1)
        # What the browser reported meanwhile: console messages, CSP refusals.
        self.messages: list[str] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        self._connection.send(
            json.dumps({"id": number, "method": method, "params": params})
        )
        while True:
            message = json.loads(self._connection.recv(timeout=60))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self._note(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited)."""
        found = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True,
            awaitPromise=True,
        )  # fmt: skip
        if "exceptionDetails" in found:
            raise RuntimeError(f"{expression}: {found['exceptionDetails']}")
        return found["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """The expression's value once it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"never true: {expression}")
            time.sleep(0.1)

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def screenshot(self, path: Path) -> None:
        """A PNG of the whole page, as wide as the window."""
        height = self.evaluate("document.documentElement.scrollHeight")
        width = self.evaluate("window.innerWidth")
        shot = self.send(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )  # fmt: skip
        path.write_bytes(base64.b64decode(shot["data"]))

    def _note(self, message: dict[str, Any]) -> None:
        params = message.get("params", {})
        if message.get("method") == "Log.entryAdded":
            self.messages.append(params["entry"]["text"])
        elif message.get("method") == "Runtime.consoleAPICalled":
            self.messages.extend(str(a.get("value")) for a in params["args"])


@contextmanager
def opened(url: str, tmp_path: Path, width: int = 1280) -> Iterator[Page]:
    """`url` in a headless Chromium whose window is `width` pixels wide (a
    phone's below 600), reaching nothing but loopback."""
    assert BROWSER is not None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={tmp_path / f'profile-{width}'}",
            f"--remote-debugging-port={port}", f"--window-size={width},900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        target = _blank_target(port)
        with websockets.sync.client.connect(
            target["webSocketDebuggerUrl"], max_size=None
        ) as connection:
            page = Page(connection)
            page.send("Log.enable")
            page.send("Runtime.enable")
            page.send(
                "Emulation.setDeviceMetricsOverride", width=width, height=900,
                deviceScaleFactor=1, mobile=width < 600,
            )  # fmt: skip
            page.goto(url)
            yield page
            # Every page keeps to its own Content-Security-Policy.
            refused = [m for m in page.messages if "Content Security Policy" in m]
            assert not refused, refused
    finally:
        process.kill()
        process.wait()


def _blank_target(port: int) -> dict[str, Any]:
    """The browser's first page, once its DevTools endpoint answers."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
                pages = [t for t in json.load(answer) if t["type"] == "page"]
            if pages:
                return pages[0]
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("Chromium's DevTools endpoint did not answer")
        time.sleep(0.1)
