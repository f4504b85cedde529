"""What the serving benchmarks share: starting a server, and loading it with wrk."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# wrk's script: send the request, check every answer against the expected
# one (MLJET_CHECK: "exact" bytes, the "outputs" onwards, or "status" only).
WRK_SCRIPT = textwrap.dedent("""
    wrk.method = os.getenv("MLJET_METHOD") or "POST"
    wrk.headers["Content-Type"] = "application/json"
    local function slurp(name)
      local file = io.open(os.getenv(name), "rb"); local text = file:read("*a")
      file:close(); return text
    end
    local check = os.getenv("MLJET_CHECK") or "exact"
    local function part(body)
      if check == "outputs" then return string.match(body, '"outputs":.*$') end
      return body
    end
    if wrk.method == "POST" then wrk.body = slurp("MLJET_BODY") end
    local expected = part(slurp("MLJET_EXPECTED"))
    local threads = {}
    function setup(thread) table.insert(threads, thread) end
    function init(args) bad = 0; wrong = 0 end
    function response(status, headers, body)
      if status ~= 200 then bad = bad + 1
      elseif check ~= "status" and part(body) ~= expected then
        wrong = wrong + 1
      end
    end
    function done(summary, latency, requests)
      local bad, wrong = 0, 0
      for _, thread in ipairs(threads) do
        bad = bad + thread:get("bad"); wrong = wrong + thread:get("wrong")
      end
      io.write(string.format("MLJET %d %.6f %.3f %.3f %d %d\\n",
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
        latency:percentile(99) / 1e3, bad + summary.errors.status, wrong))
    end
    """)


@dataclass(frozen=True)
class Figure:
    """One load against one server."""

    model: str
    server: str
    connections: int
    rows: int
    rate: float
    p50_ms: float
    p99_ms: float
    bad: int
    wrong: int
    # Which round of the benchmark loaded it (-1: the median of the rounds).
    round: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(
    command: list[str], cwd: Path, env: dict[str, str], ready: str = "/ready"
) -> Iterator[float]:
    """Start a server; yield the seconds it took to answer `ready` with 200."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = int(env["PORT"])
        while get(port, ready) != 200:
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError(f"{' '.join(command)} did not become ready")
            time.sleep(0.01)
        yield time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def get(port: int, path: str) -> int | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None


def post(port: int, path: str, body: bytes) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST {path}: {response.status} {answer[:200]!r}")
    return answer


def load(
    port: int,
    path: str,
    work: Path,
    connections: int,
    seconds: int,
    env: dict[str, str],
) -> list[float]:
    """wrk's figures: requests, seconds, p50 ms, p99 ms, bad, wrong."""
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s",
         str(work / "check.lua"), f"http://127.0.0.1:{port}{path}"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    line = next(x for x in done.stdout.splitlines() if x.startswith("MLJET "))
    return [float(value) for value in line.split()[1:]]
