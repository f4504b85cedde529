"""Running a generated service as a real server, and calling it over HTTP."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
                return Answer(
                    response.status, response.read(), lowercase(response.headers)
                )
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), lowercase(error.headers))

    def post_chunked(self, path: str, chunks: list[bytes]) -> Answer:
        """POST with `Transfer-Encoding: chunked`: no Content-Length up front."""
        host, port = self.base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            connection.request(
                "POST",
                path,
                body=iter(chunks),
                headers={"Content-Type": "application/json"},
                encode_chunked=True,
            )
            response = connection.getresponse()
            return Answer(response.status, response.read(), lowercase(response.headers))
        finally:
            connection.close()

    def post(self, path: str, payload: Any) -> Answer:
        body = json.dumps(payload).encode()
        return self.call("POST", path, body, {"Content-Type": "application/json"})


def lowercase(headers: Any) -> dict[str, str]:
    """Header names as every backend's answers can be compared: lowercase."""
    return {name.lower(): value for name, value in headers.items()}


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
    log: Path | None = None,
) -> Iterator[Server]:
    """`python -m package` on a free port, until it answers /ready.

    Its stderr goes to `log` when given, for a test to read.
    """
    with launched(
        package, python=python, pythonpath=pythonpath, env=env, log=log
    ) as server:
        wait_until_ready(server, package, timeout)
        yield server


@contextmanager
def launched(
    package: str,
    *,
    python: str = sys.executable,
    pythonpath: Path | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[Server]:
    """`python -m package` on a free port, from the moment it is started;
    stopped (and its session killed) when the block ends."""
    port = free_port()
    full_env = {**os.environ, **(env or {}), "PORT": str(port), "HOST": "127.0.0.1"}
    if pythonpath is not None:
        full_env["PYTHONPATH"] = str(pythonpath)
    # A session of its own, so that no worker outlives the test.
    stderr = log.open("wb") if log is not None else None
    process = subprocess.Popen(
        [python, "-m", package], env=full_env, start_new_session=True, stderr=stderr
    )
    try:
        yield Server(f"http://127.0.0.1:{port}", process)
    finally:
        stop(process)
        if stderr is not None:
            stderr.close()


def wait_until_ready(server: Server, name: str, timeout: float = 90) -> None:
    """Poll /ready until it answers 200; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{name} exited with status {server.process.returncode}")
        try:
            if server.call("GET", "/ready").status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} was not ready within {timeout} s")
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], grace: float = 40) -> None:
    """SIGTERM, as an orchestrator would; SIGKILL to every process if ignored."""
    process.terminate()
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def every_worker_loaded(log: Path, workers: int, within: float = 60) -> None:
    """Wait until `workers` processes have logged their model loaded."""
    deadline = time.monotonic() + within
    while log.read_text().count(" loaded; ") < workers:
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.05)
