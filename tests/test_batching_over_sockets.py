"""Adaptive micro-batching over real sockets, real models and every backend:
concurrent requests of different sizes share model calls, and each gets
exactly what the model answers for that request alone; crashes stay with
their request, departed clients cost nothing, shutdown answers the queue."""

from __future__ import annotations

import http.client
import json
import random
import re
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import models
from conftest import DEFAULT_BACKEND, Generate, ids, paired_family
from generator._rendering._backends import BACKENDS
from servers import Server, serve, stop

# Every family's representative on the default backend, a forest (a batched
# scikit-learn model), and each other backend with its paired family.
BATCHED: list[tuple[str, str]] = list(
    dict.fromkeys(
        [(DEFAULT_BACKEND, models.representative(f.name)) for f in models.FAMILIES_HERE]
        + [(DEFAULT_BACKEND, "binary_forest")]
        + [(b, models.representative(paired_family(b))) for b in BACKENDS]
    )
)
CLIENTS, REQUESTS_EACH, MOST_ROWS = 16, 12, 8
BATCH_LINE = re.compile(rb": one call for (\d+) requests, (\d+) rows")
JSON = {"Content-Type": "application/json"}


class Connection:
    """One client's keep-alive connection, as a load generator keeps it."""

    def __init__(self, server: Server) -> None:
        host, port = server.base.removeprefix("http://").split(":")
        self._connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def send(self, path: str, payload: Any) -> None:
        self._connection.request("POST", path, json.dumps(payload), JSON)

    def receive(self) -> tuple[int, Any]:
        response = self._connection.getresponse()
        return response.status, json.loads(response.read())

    def post(self, path: str, payload: Any) -> tuple[int, Any]:
        self.send(path, payload)
        return self.receive()

    def close(self) -> None:
        self._connection.close()


def concurrently(count: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(i)` for each i on a thread of its own, started together."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def batches(log: Path) -> list[tuple[int, int]]:
    """(requests, rows) of each model call the service logged at debug."""
    return [(int(r), int(n)) for r, n in BATCH_LINE.findall(log.read_bytes())]


@pytest.fixture
def served(
    request: pytest.FixtureRequest, generate: Generate, tmp_path: Path
) -> Iterator[tuple[Server, models.Case, Path]]:
    backend, case_name = request.param
    project = generate(backend, case_name)
    log = tmp_path / "server.log"
    env = {"LOG_LEVEL": "debug"}
    with serve(case_name, pythonpath=project / "src", env=env, log=log) as server:
        yield server, models.case_named(case_name), log


@pytest.mark.parametrize("served", BATCHED, ids=ids(BATCHED), indirect=True)
def test_concurrent_requests_get_exactly_their_answers_alone(
    served: tuple[Server, models.Case, Path],
) -> None:
    server, case, log = served
    metadata = server.call("GET", "/metadata").json()
    methods = metadata["model"]["methods"]
    inputs = case.inputs
    pick = inputs.iloc if hasattr(inputs, "iloc") else inputs
    chooser = random.Random(7)
    asked = [
        [
            (chooser.choice(methods), sorted(chooser.sample(range(len(inputs)), k)))
            for k in (chooser.randint(1, MOST_ROWS) for _ in range(REQUESTS_EACH))
        ]
        for _ in range(CLIENTS)
    ]

    def client(index: int) -> list[tuple[int, Any]]:
        connection = Connection(server)
        try:
            return [
                connection.post(f"/{method}", {"instances": models.records(pick[rows])})
                for method, rows in asked[index]
            ]
        finally:
            connection.close()

    answers = concurrently(CLIENTS, client)
    for requests, got in zip(asked, answers, strict=True):
        assert not isinstance(got, Exception), got
        for (method, rows), (status, body) in zip(requests, got, strict=True):
            assert status == 200, body
            expected = models.expected_predictions(case, method, pick[rows])
            assert body["predictions"] == expected, (method, rows)
    # Batched exactly when the model answers a row in a batch as alone.
    batching = metadata["batching"]
    assert batching["enabled"] is batching["exact"]
    calls = batches(log)
    assert sum(n for _, n in calls) == sum(
        len(rows) for requests in asked for _, rows in requests
    )
    if batching["exact"]:
        assert max(requests for requests, _ in calls) > 1, calls
    else:
        assert {requests for requests, _ in calls} == {1}


@pytest.mark.parametrize(
    ("case_name", "exact"),
    [("linear_frame", False), *((models.representative(f.name), True)
                               for f in models.FAMILIES_HERE if f.name != "sklearn")],
)  # fmt: skip
def test_only_a_model_that_answers_rows_alike_in_any_batch_is_batched(
    case_name: str, exact: bool, generate: Generate
) -> None:
    spec = json.loads(
        (generate(DEFAULT_BACKEND, case_name) / "src" / case_name / "model_files" /
         "spec.json").read_text()
    )  # fmt: skip
    assert spec["batching"]["exact"] is exact
    if not exact:
        # The evidence names the row's two answers, alone and in a batch.
        assert "alone with" in spec["batching"]["evidence"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crash_fails_its_own_request_only_its_batch_mates_are_answered(
    backend: str, generate: Generate, tmp_path: Path
) -> None:
    project = generate(backend, "failing_regressor")
    case = models.case_named("failing_regressor")
    # A linear model, so batched only when asked; held open so that the
    # requests surely share a call.
    env = {"BATCHING": "on", "MAX_BATCH_WAIT_MS": "300", "LOG_LEVEL": "debug"}
    log = tmp_path / "server.log"
    rows = [[13.0, 1.0, 1.0, 1.0], *case.inputs[1:4].tolist()]
    with serve(case.name, pythonpath=project / "src", env=env, log=log) as server:
        answers = concurrently(
            len(rows),
            lambda i: Connection(server).post("/predict", {"instances": [rows[i]]}),
        )
        assert answers[0][0] == 500
        for row, (status, body) in zip(rows[1:], answers[1:], strict=True):
            assert status == 200, body
            # Forced on for a linear model, batching may change last bits.
            expected = case.model.predict([row]).tolist()
            assert body["predictions"] == pytest.approx(expected, rel=1e-12)
        assert server.call("GET", "/health").status == 200
    assert any(requests > 1 for requests, _ in batches(log))


@pytest.mark.parametrize("backend", BACKENDS)
def test_shutdown_answers_the_requests_still_waiting_for_the_model(
    backend: str, generate: Generate
) -> None:
    case_name = models.representative(paired_family(backend))
    case = models.case_named(case_name)
    project = generate(backend, case_name)
    # Each batch is held open a second: the requests are queued at SIGTERM.
    env = {"BATCHING": "on", "MAX_BATCH_WAIT_MS": "1000"}
    with serve(case_name, pythonpath=project / "src", env=env) as server:
        rows = models.records(case.inputs[:6])
        sent = threading.Barrier(len(rows) + 1)

        def client(index: int) -> tuple[int, Any]:
            connection = Connection(server)
            connection.send("/predict", {"instances": [rows[index]]})
            sent.wait()
            return connection.receive()

        waiting = threading.Thread(
            target=lambda: answers.extend(concurrently(len(rows), client))
        )
        answers: list[Any] = []
        waiting.start()
        sent.wait()
        time.sleep(0.3)  # for the server to read them: well within the hold
        stop(server.process)
        waiting.join(60)
        # Exited on the signal, not killed after the grace period.
        assert server.process.returncode in (0, -signal.SIGTERM)
    expected = models.expected_predictions(case, "predict", case.inputs[:6])
    assert [status for status, _ in answers] == [200] * len(rows)
    assert [body["predictions"][0] for _, body in answers] == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_client_that_leaves_costs_its_batch_mates_nothing(
    backend: str, generate: Generate, tmp_path: Path
) -> None:
    case_name = models.representative(paired_family(backend))
    case = models.case_named(case_name)
    project = generate(backend, case_name)
    env = {"BATCHING": "on", "MAX_BATCH_WAIT_MS": "300", "LOG_LEVEL": "debug"}
    log = tmp_path / "server.log"
    with serve(case_name, pythonpath=project / "src", env=env, log=log) as server:
        body = json.dumps({"instances": models.records(case.inputs[:2])})
        host, port = server.base.removeprefix("http://").split(":")
        for _ in range(3):
            with socket.create_connection((host, int(port))) as leaving:
                leaving.sendall(
                    b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    b"application/json\r\nContent-Length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body.encode()
                )  # fmt: skip
        status, answer = Connection(server).post(
            "/predict", {"instances": models.records(case.inputs[2:5])}
        )
        assert status == 200
        assert answer["predictions"] == models.expected_predictions(
            case, "predict", case.inputs[2:5]
        )
        assert server.call("GET", "/health").status == 200
    assert b"Traceback" not in log.read_bytes()
