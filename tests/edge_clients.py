"""Clients that misbehave on purpose, for the edge and reliability tests:
raw bytes, stalls, keep-alive clients through a SIGTERM, and a soak.

The soak and the shutdown run are also what `benchmarks/bench_reliability.py`
measures; each returns its figures for a test to assert on or a script to
print.
"""

from __future__ import annotations

import collections
import http.client
import json
import random
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servers import Server

SHUTDOWN_MODULE = (
    Path(__file__).resolve().parents[1]
    / "template/src/{{package_name}}/mljet/shutdown.py"
)


def address(server: Server) -> tuple[str, int]:
    host, port = server.base.removeprefix("http://").split(":")
    return host, int(port)


@dataclass(frozen=True)
class RawAnswer:
    """What came back on a socket: the response (if any) and how it ended."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    ended: str  # "closed", "reset" or "open" (nothing more within the wait)
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    def error_code(self) -> tuple[int | None, str]:
        return self.status, self.json()["error"]["code"]


def exchange(server: Server, data: bytes, wait: float = 5.0) -> RawAnswer:
    """Send `data` as is; read until the server closes or `wait` passes."""
    started = time.monotonic()
    with socket.create_connection(address(server), timeout=wait) as sock:
        sock.sendall(data)
        received, ended = _read_all(sock, started + wait)
    return parsed(received, ended, time.monotonic() - started)


def _read_all(sock: socket.socket, deadline: float) -> tuple[bytes, str]:
    received = b""
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return received, "open"
        except ConnectionResetError:
            return received, "reset"
        if not chunk:
            return received, "closed"
        received += chunk


def parsed(received: bytes, ended: str, seconds: float) -> RawAnswer:
    head, _, body = received.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/"):
        return RawAnswer(None, {}, received, ended, seconds)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawAnswer(int(lines[0].split()[1]), headers, body, ended, seconds)


@contextmanager
def stalled_connections(server: Server, count: int) -> Iterator[None]:
    """`count` connections that stall: idle, mid-head, and mid-body in turn."""
    starts = [
        b"",
        b"P",
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{",
    ]
    sockets = []
    try:
        for index in range(count):
            sock = socket.create_connection(address(server), timeout=10)
            sock.sendall(starts[index % len(starts)])
            sockets.append(sock)
        yield
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class ShutdownReport:
    """How clients fared through a SIGTERM, and how it ended."""

    answers: collections.Counter[str] = field(default_factory=collections.Counter)
    # Requests that ended without an answer, each with whether it was sent
    # whole first (a reset then cannot be safely retried).
    lost: list[str] = field(default_factory=list)
    # Those sent on a kept-alive connection after it had been idle past the
    # drain's grace, which the service may close (as at any idle close).
    lost_after_idle: list[str] = field(default_factory=list)
    # Connections refused: the port was closed, a client may go elsewhere.
    refused: int = 0
    ready_after_signal: int | None = None
    exit_status: int | None = None
    seconds_to_exit: float = 0.0


def shutdown_under_load(
    server: Server, body: bytes, clients: int = 16, before: float = 1.0
) -> ShutdownReport:
    """`clients` keep-alive clients and `clients` that connect anew for each
    request, posting `body` through a SIGTERM to the server, until their
    connections are refused.

    A keep-alive client told `Connection: close` connects again, as a
    client behind a load balancer does; so every client meets the closing
    port. Anything that ends a request without its answer is lost.
    """
    report = ShutdownReport()
    lock = threading.Lock()
    host, port = address(server)
    deadline = time.monotonic() + 60

    signalled: list[float] = []

    def client(keep_alive: bool) -> None:
        headers = JSON if keep_alive else {**JSON, "Connection": "close"}
        connection: http.client.HTTPConnection | None = None
        answered_at: float | None = None  # on this connection, last
        while time.monotonic() < deadline:
            if connection is None:
                connection = http.client.HTTPConnection(host, port, timeout=60)
                answered_at = None
                try:
                    connection.connect()
                except ConnectionRefusedError:
                    with lock:
                        report.refused += 1
                    return
            sent = False
            sending_at = time.monotonic()
            try:
                connection.request("POST", "/predict", body, headers)
                sent = True
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                when = "after sending" if sent else "while sending"
                # When, and on what: a new connection, or one idle since
                # its last answer (a server may close an idle one).
                since = sending_at - signalled[0] if signalled else None
                on = "a new connection"
                if answered_at is not None:
                    on = f"a connection idle {sending_at - answered_at:.3f} s"
                said = (
                    f"{when}: {type(error).__name__}: {error} (on {on}, sent "
                    f"{since if since is None else round(since, 3)} s after SIGTERM)"
                )
                # The service counts a connection idle from its last answer,
                # or from the drain's start if it was idle then.
                idle_from = max([answered_at, *signalled]) if answered_at else None
                idle = idle_from is not None and sending_at - idle_from >= (
                    DRAIN_GRACE - CLOCKS_APART
                )
                with lock:
                    (report.lost_after_idle if idle else report.lost).append(said)
                connection.close()
                return
            answered_at = time.monotonic()
            closing = response.getheader("connection", "").lower() == "close"
            with lock:
                report.answers[_outcome(response.status, answer, closing)] += 1
            if closing or response.will_close:
                connection.close()
                connection = None
        with lock:
            report.lost.append("the port never closed")

    threads = [
        threading.Thread(target=client, args=(keep_alive,))
        for keep_alive in (True, False)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(before)
    ready = http.client.HTTPConnection(host, port, timeout=10)
    ready.connect()
    signalled_at = time.monotonic()
    signalled.append(signalled_at)
    server.process.send_signal(signal.SIGTERM)
    report.ready_after_signal = _ready_status(ready, within=READY_TURNS)
    report.exit_status = server.process.wait(90)
    report.seconds_to_exit = time.monotonic() - signalled_at
    for thread in threads:
        thread.join(90)
    return report


# How long the service keeps a connection idle at shutdown open for a
# request on its way (`shutdown.DRAIN_GRACE` in the service), and how much
# sooner than the service a client may count the idle time from.
DRAIN_GRACE = float(
    re.search(  # type: ignore[union-attr]
        r"^DRAIN_GRACE = ([\d.]+)$", SHUTDOWN_MODULE.read_text(), re.M
    ).group(1)
)
CLOCKS_APART = 0.05

# How soon after SIGTERM /ready must answer 503: at once in a worker; a
# supervisor of several (uvicorn's) looks at its signals twice a second.
READY_TURNS = 1.0


def _ready_status(connection: http.client.HTTPConnection, within: float) -> int | None:
    """503 once /ready says so (or says `Connection: close`, or closes the
    connection: the drain began, and a probe counts a connection the server
    closed as not ready), else its last status after `within` s."""
    deadline = time.monotonic() + within
    status = None
    try:
        while True:
            connection.request("GET", "/ready")
            response = connection.getresponse()
            response.read()
            status = response.status
            if status == 503 or response.will_close:
                return 503
            if time.monotonic() > deadline:
                return status
            time.sleep(0.05)
    except (OSError, http.client.HTTPException):
        return 503
    finally:
        connection.close()


def _outcome(status: int, answer: bytes, closing: bool) -> str:
    label = str(status)
    if status >= 400:
        label += " " + json.loads(answer)["error"]["code"]
    return label + (" (close)" if closing else "")


JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Request:
    """One request of the soak and what must come back."""

    path: str
    body: bytes
    status: int
    predictions: Any = None


@dataclass
class SoakReport:
    seconds: float
    answered: collections.Counter[str] = field(default_factory=collections.Counter)
    wrong: list[str] = field(default_factory=list)
    # Answers other than what they must be, by kind ("valid", "invalid").
    mismatched: collections.Counter[str] = field(default_factory=collections.Counter)
    rss_start_kib: int = 0
    rss_end_kib: int = 0

    @property
    def requests(self) -> int:
        return sum(self.answered.values())

    @property
    def rss_growth_kib(self) -> int:
        return self.rss_end_kib - self.rss_start_kib


def soak(
    server: Server,
    requests: Sequence[Request],
    seconds: float,
    connections: int = 16,
    seed: int = 0,
) -> SoakReport:
    """`connections` keep-alive clients sending `requests` at random for
    `seconds`; every answer is checked against what it must be."""
    report = SoakReport(seconds)
    lock = threading.Lock()
    host, port = address(server)
    pid = server.process.pid
    # A warm-up pass first, so that RSS is measured from a served state.
    for request in requests:
        warm = http.client.HTTPConnection(host, port, timeout=60)
        try:
            warm.request("POST", request.path, request.body, JSON)
            warm.getresponse().read()
        except (OSError, http.client.HTTPException) as error:
            report.wrong.append(f"warm-up: {type(error).__name__}: {error}")
        finally:
            warm.close()
    report.rss_start_kib = rss_kib(pid)
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        chooser = random.Random(seed + index)
        connection = http.client.HTTPConnection(host, port, timeout=60)
        answered: collections.Counter[str] = collections.Counter()
        mismatched: collections.Counter[str] = collections.Counter()
        wrong: list[str] = []
        while time.monotonic() < stop_at:
            request = chooser.choice(requests)
            kind = "valid" if request.status == 200 else "invalid"
            try:
                connection.request("POST", request.path, request.body, JSON)
                response = connection.getresponse()
                got = response.read()
            except (OSError, http.client.HTTPException) as error:
                answered[f"{kind} lost"] += 1
                mismatched[kind] += 1
                wrong.append(f"{type(error).__name__}: {error}")
                connection.close()
                continue
            answered[f"{kind} {response.status}"] += 1
            problem = _mismatch(request, response.status, got)
            if problem:
                mismatched[kind] += 1
                wrong.append(problem)
        connection.close()
        with lock:
            report.answered.update(answered)
            report.mismatched.update(mismatched)
            report.wrong.extend(wrong)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    report.rss_end_kib = rss_kib(pid)
    return report


def _mismatch(request: Request, status: int, got: bytes) -> str | None:
    if status != request.status:
        return f"{request.path}: {status} instead of {request.status}: {got[:200]!r}"
    if status == 200 and json.loads(got)["predictions"] != request.predictions:
        return f"{request.path}: predictions differ from the model's"
    return None


def rss_kib(pid: int) -> int:
    """The resident memory of a process and its children (workers), in KiB."""
    total = 0
    for each in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_children(child)]
    return found
