"""The edges of every backend's service, over real sockets: malformed and
over-long requests, slow and stalled clients, a model that overruns, and
a SIGTERM under load. Every backend behaves alike, through the shared
edge guard (`edge.py`, `framing.py` in the service)."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from edge_clients import (
    address,
    exchange,
    shutdown_under_load,
    stalled_connections,
)
from raw_requests import SECRET, RawRequests, read_answer

import models
from conftest import BACKEND_PAIRS, Generate, ids
from servers import Server, every_worker_loaded, launched, serve

# Short timeouts, so that a stalled client is answered within the test.
QUICK = {
    "HEADER_TIMEOUT": "1",
    "BODY_CHUNK_TIMEOUT": "1",
    "BODY_TIMEOUT": "3",
    "KEEP_ALIVE_TIMEOUT": "2",
}
STALLED = 200
FUZZED = 150
# Each shutdown is a race between clients and the closing port: enough runs
# that a reset one run in a few would show.
SHUTDOWNS = 10
# A stop while the service starts is a race with its start-up: the moments to
# stop at, in seconds after the service first handles SIGTERM (it still
# imports its libraries then), after it logs its first line (its workers
# fork, import and load the model then), or once the first worker loaded its
# model. (Before the first, Python's interpreter itself is starting: a stop
# ends it by the signal, before anything is open.)
STOPS_WHILE_STARTING: tuple[tuple[str, float], ...] = (
    *(("handled", seconds) for seconds in (0, 0.1, 0.3, 0.6)),
    *(("logged", seconds) for seconds in (0, 0.005, 0.02, 0.08, 0.32)),
    *(("loaded", 0),) * 4,
)
HOST = b"Host: test\r\n"


@pytest.fixture(scope="module", params=BACKEND_PAIRS, ids=ids(BACKEND_PAIRS))
def project(request: pytest.FixtureRequest, generate: Generate) -> tuple[Path, str]:
    backend, case_name = request.param
    return generate(backend, case_name), case_name


@pytest.fixture(scope="module")
def edge_server(project: tuple[Path, str]) -> Iterator[Server]:
    path, name = project
    with serve(name, pythonpath=path / "src", env=QUICK) as server:
        yield server


def one_instance(case_name: str) -> bytes:
    case = models.case_named(case_name)
    return json.dumps({"instances": models.records(case.inputs[:1])}).encode()


def post(path: bytes, body: bytes, *headers: bytes) -> bytes:
    return (
        b"POST "
        + path
        + b" HTTP/1.1\r\n"
        + HOST
        + b"Content-Type: application/json\r\n"
        + b"".join(h + b"\r\n" for h in headers)
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


# Requests the server would refuse by itself: each gets the service's JSON
# error with its status, and the connection closed.
REFUSED = {
    "garbage request line": (b"GARBAGE<script>\r\n\r\n", 400, "bad_request"),
    "request line with no version": (
        b"GET /health\r\n" + HOST + b"\r\n",
        400,
        "bad_request",
    ),
    "HTTP/2 preface": (
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        505,
        "http_version_not_supported",
    ),
    "no Host in HTTP/1.1": (b"GET /health HTTP/1.1\r\n\r\n", 400, "bad_request"),
    "folded header": (
        b"GET /health HTTP/1.1\r\n" + HOST + b"X-A: a\r\n b\r\n\r\n",
        400,
        "bad_request",
    ),
    "control character in a header": (
        b"GET /health HTTP/1.1\r\n" + HOST + b"X-A: \x01\r\n\r\n",
        400,
        "bad_request",
    ),
    "long URL": (
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
        414,
        "uri_too_long",
    ),
    "long head": (
        b"GET /health HTTP/1.1\r\n" + HOST + b"X-A: " + b"a" * 20000 + b"\r\n\r\n",
        431,
        "headers_too_large",
    ),
    "Content-Length and Transfer-Encoding": (
        post(b"/predict", b"0\r\n\r\n", b"Transfer-Encoding: chunked"),
        400,
        "bad_request",
    ),
    "two Content-Lengths": (
        post(b"/predict", b"{}", b"Content-Length: 5"),
        400,
        "bad_request",
    ),
    "Content-Length not a number": (
        b"POST /predict HTTP/1.1\r\n" + HOST + b"Content-Length: 1e3\r\n\r\n",
        400,
        "bad_request",
    ),
    "Transfer-Encoding other than chunked": (
        b"POST /predict HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n",
        400,
        "bad_request",
    ),
    "bad chunk size": (
        b"POST /predict HTTP/1.1\r\n"
        + HOST
        + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        400,
        "bad_request",
    ),
    "declared body over the limit": (
        b"POST /predict HTTP/1.1\r\n" + HOST + b"Content-Length: 999999999999\r\n\r\n",
        413,
        "body_too_large",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_request_the_server_would_refuse_gets_the_services_json(
    edge_server: Server, case: str
) -> None:
    data, status, code = REFUSED[case]
    answer = exchange(edge_server, data)
    assert answer.error_code() == (status, code), answer.body
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["connection"] == "close" and answer.ended == "closed"
    # Nothing the client sent is echoed back.
    assert b"script" not in answer.body and b"aaaa" not in answer.body
    assert edge_server.call("GET", "/health").status == 200


def test_no_raw_request_gets_a_5xx_or_an_answer_not_the_services(
    edge_server: Server, project: tuple[Path, str]
) -> None:
    served = edge_server.call("GET", "/v2").json()
    paths = [
        path.replace("{name}", served["name"]).replace("{version}", served["version"])
        for path in edge_server.call("GET", "/openapi.json").json()["paths"]
        if path != "/"  # the model page, an HTML page
    ]
    requests = RawRequests(paths, one_instance(project[1]), seed=31)
    wrong = []
    for _ in range(FUZZED):
        data = requests.draw()
        answer = read_answer(address(edge_server), data)
        status = answer.status
        if (
            status is None
            or (
                status >= 500
                and answer.error_code() != (505, "http_version_not_supported")
            )
            or answer.headers.get("content-type") != "application/json"
            or "server" in answer.headers
            or SECRET.encode() in answer.body
            or answer.seconds > 3  # a stalled request, not an answer
        ):
            wrong.append((data[:300], status, answer.headers, answer.body[:300]))
    assert wrong == [], wrong[:3]
    assert edge_server.call("GET", "/health").status == 200


def test_method_and_path_errors_are_alike_everywhere(edge_server: Server) -> None:
    trace = edge_server.call("TRACE", "/predict")
    assert (trace.status, trace.headers["allow"]) == (405, "POST")
    wrong = edge_server.call("DELETE", "/health")
    assert (wrong.status, wrong.headers["allow"]) == (405, "GET, HEAD")
    for path in ("/predict/", "/health/", "/nowhere", "/docs/a/b"):
        assert edge_server.call("GET", path).status == 404, path


def test_a_stalled_head_or_body_gets_408_and_its_connection_closed(
    edge_server: Server,
) -> None:
    stalls = {
        "head": b"GET /health HTTP/1.1\r\n" + HOST,
        "body": b"POST /predict HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\n{",
    }
    for what, data in stalls.items():
        answer = exchange(edge_server, data, wait=10)
        assert answer.error_code() == (408, "request_timeout"), what
        assert answer.ended == "closed", what
        # Answered at the timeout (1 s), not at some server default.
        assert 0.5 < answer.seconds < 5, (what, answer.seconds)


def test_a_trickling_body_is_cut_at_the_body_timeout(edge_server: Server) -> None:
    # A byte every half second never trips the per-chunk timeout (1 s),
    # but the whole body must arrive within BODY_TIMEOUT (3 s).
    started = time.monotonic()
    with socket.create_connection(address(edge_server), timeout=10) as sock:
        sock.sendall(
            b"POST /predict HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\n"
        )
        reply = b""
        for _ in range(20):
            try:
                sock.sendall(b" ")
            except OSError:
                break
            sock.settimeout(0.5)
            try:
                reply += sock.recv(4096)
            except TimeoutError:
                continue
            if reply:
                break
    assert reply.startswith(b"HTTP/1.1 408"), reply
    assert 2.5 < time.monotonic() - started < 6


def test_idle_keep_alive_connections_are_closed_quietly(edge_server: Server) -> None:
    answer = exchange(edge_server, b"GET /health HTTP/1.1\r\n" + HOST + b"\r\n", wait=6)
    assert answer.status == 200
    assert answer.ended == "closed" and b"HTTP/1.1 408" not in answer.body
    assert 1.5 < answer.seconds < 5
    # A connection that never sends a byte is closed without an answer.
    silent = exchange(edge_server, b"", wait=6)
    assert (silent.status, silent.body, silent.ended) == (None, b"", "closed")


def test_stalled_connections_never_starve_the_others(
    edge_server: Server, project: tuple[Path, str]
) -> None:
    body = one_instance(project[1])
    with stalled_connections(edge_server, STALLED):
        for method, path, data in (
            ("GET", "/health", None),
            ("GET", "/ready", None),
            ("POST", "/predict", body),
        ):
            started = time.monotonic()
            answer = edge_server.call(
                method, path, data, {"Content-Type": "application/json"}
            )
            assert answer.status == 200, (path, answer.body)
            assert time.monotonic() - started < 1, path


def test_a_model_that_overruns_gets_504_and_the_service_goes_on(
    project: tuple[Path, str],
) -> None:
    path, name = project
    # A request timeout no model call of 20,000 rows meets; /health is
    # answered on the event loop, well within it.
    env = {"REQUEST_TIMEOUT": "0.005", "MAX_INSTANCES": "20000", "BATCHING": "off"}
    with serve(name, pythonpath=path / "src", env=env) as server:
        rows = models.records(models.case_named(name).inputs[:1]) * 20000
        answer = exchange(
            server, post(b"/predict", json.dumps({"instances": rows}).encode()), wait=30
        )
        assert answer.error_code() == (504, "timeout")
        # The late answer is dropped with the connection.
        assert answer.headers["connection"] == "close" and answer.ended == "closed"
        # The service goes on (once the model call ends, on Flask's threads,
        # which share the interpreter with it, /health fits in 5 ms again).
        statuses = []
        for _ in range(100):
            statuses.append(server.call("GET", "/health").status)
            if statuses[-1] == 200:
                break
            time.sleep(0.1)
        assert statuses[-1] == 200, statuses


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_under_load_resets_no_request(
    project: tuple[Path, str], workers: int, tmp_path: Path
) -> None:
    """Keep-alive and reconnecting clients through SIGTERM, SHUTDOWNS times:
    every request sent is answered, and the closed port refuses the rest;
    the log says nothing went wrong."""
    path, name = project
    env = {"WORKERS": str(workers)}
    log = tmp_path / "service.log"
    for run in range(SHUTDOWNS):
        with serve(name, pythonpath=path / "src", env=env, log=log) as server:
            # Every worker serving: /ready answers as soon as one does, and
            # a stop while another still starts is not what this measures.
            every_worker_loaded(log, workers)
            report = shutdown_under_load(server, one_instance(name))
        # Every request sent was answered, but one a client sent on a
        # connection it left idle past the drain's grace (1 s), which the
        # service closes as at any idle close: a stalled client's, on a
        # loaded machine.
        assert report.lost == [], (run, report)
        logged = log.read_text()
        assert not re.search(r"Traceback|ERROR|WARNING|Error", logged), logged
        # Answered until the end; each client was told to go, then refused.
        assert set(report.answers) <= {"200", "200 (close)",
                                       "503 shutting_down (close)"}, report  # fmt: skip
        assert report.answers["200"] > 0, report
        ended = len(report.lost) + len(report.lost_after_idle)
        assert report.refused + ended == 32, report
        assert report.ready_after_signal == 503
        assert report.exit_status == 0
        # Well within SHUTDOWN_TIMEOUT (20 s): nothing waits for it.
        assert report.seconds_to_exit < 10, report


def test_sigterm_while_a_worker_starts_stops_the_service_at_once(
    project: tuple[Path, str], tmp_path: Path
) -> None:
    """SIGTERM as the service imports its libraries, as two workers start,
    or once the first has loaded its model, the other maybe still starting
    (a pod stopped before it is ready): the service stops cleanly (exit 0,
    a quiet log), before the door gives its workers up (10 s) and resets
    what they hold."""
    path, name = project
    log = tmp_path / "service.log"
    wait_for = {
        "handled": sigterm_handled,
        "logged": lambda server: first_line_logged(log),
        "loaded": lambda server: every_worker_loaded(log, 1),
    }
    for moment in STOPS_WHILE_STARTING:
        anchor, seconds = moment
        with launched(
            name, pythonpath=path / "src", env={"WORKERS": "2"}, log=log
        ) as server:
            wait_for[anchor](server)
            time.sleep(seconds)
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.process.wait(timeout=30)
            seconds = time.monotonic() - signalled
        logged = log.read_text()
        assert server.process.returncode == 0, (moment, logged)
        assert seconds < 10, (moment, seconds, logged)
        assert not re.search(r"Traceback|ERROR|WARNING|Error", logged), logged


def sigterm_handled(server: Server, within: float = 60) -> None:
    """Wait until the service's process handles SIGTERM (the kernel's list
    of the signals it catches)."""
    status = Path(f"/proc/{server.process.pid}/status")
    deadline = time.monotonic() + within
    while True:
        caught = re.search(r"^SigCgt:\s*([0-9a-f]+)$", status.read_text(), re.M)
        assert caught is not None, status.read_text()
        if int(caught[1], 16) >> (signal.SIGTERM - 1) & 1:
            return
        assert time.monotonic() < deadline, "SIGTERM is never handled"
        time.sleep(0.001)


def first_line_logged(log: Path, within: float = 60) -> None:
    """Wait until the service has logged a whole line."""
    deadline = time.monotonic() + within
    while b"\n" not in log.read_bytes():
        assert time.monotonic() < deadline, "the service logged nothing"
        time.sleep(0.001)
