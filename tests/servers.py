"""Running a generated service as a real server, and calling it over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Server:
    base: str
    process: subprocess.Popen[bytes]

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        request = urllib.request.Request(
            self.base + path, data=body, headers=headers or {}, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), dict(error.headers))

    def post(self, path: str, payload: Any) -> Answer:
        body = json.dumps(payload).encode()
        return self.call("POST", path, body, {"Content-Type": "application/json"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(
    package: str,
    *,
    python: str = sys.executable,
    pythonpath: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 90,
) -> Iterator[Server]:
    """`python -m package` on a free port, until it answers /ready."""
    port = free_port()
    full_env = {**os.environ, **(env or {}), "PORT": str(port), "HOST": "127.0.0.1"}
    if pythonpath is not None:
        full_env["PYTHONPATH"] = str(pythonpath)
    process = subprocess.Popen([python, "-m", package], env=full_env)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{package} exited with status {process.returncode}")
            try:
                if server.call("GET", "/ready").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{package} was not ready within {timeout} s")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
