"""`GET /metrics` over real sockets, with two worker processes, the same on
every backend (`src/PACKAGE/metrics.py`)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

import models
from conftest import BACKEND_PAIRS, DEFAULT_BACKEND, Generate, ids
from generator._rendering._backends import BACKENDS
from servers import Server, every_worker_loaded, lowercase, serve

NAMES = {
    "http_requests", "http_request_duration_seconds", "http_requests_in_flight",
    "model_rejected_inputs", "model_call_duration_seconds", "model_call_rows",
    "model_predictions", "model_info", "service_start_time_seconds",
}  # fmt: skip
JSON = {"Content-Type": "application/json", "Connection": "close"}


# Each backend's pairing (a regressor) with two workers, adding up their
# files; and a classifier, whose predictions are counted by class, with one
# worker, which keeps its metrics in memory.
SERVED = [*BACKEND_PAIRS, (DEFAULT_BACKEND, "binary_forest")]
WORKERS = {pair: "2" for pair in BACKEND_PAIRS} | {SERVED[-1]: "1"}


@pytest.fixture(scope="module", params=SERVED, ids=ids(SERVED))
def served(
    request: pytest.FixtureRequest, generate: Generate
) -> Iterator[tuple[Server, str]]:
    backend, case_name = request.param
    project = generate(backend, case_name)
    env = {"WORKERS": WORKERS[request.param]}
    with serve(case_name, pythonpath=project / "src", env=env) as running:
        yield running, case_name


def scrape(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = server.call("GET", "/metrics")
    assert answer.status == 200
    assert lowercase(answer.headers)["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(answer.body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def families(server: Server) -> set[str]:
    text = server.call("GET", "/metrics").body.decode()
    return {family.name for family in text_string_to_metric_families(text)}


def test_the_counters_move_by_what_was_asked(served: tuple[Server, str]) -> None:
    server, case_name = served
    case = models.case_named(case_name)
    rows = models.records(case.inputs[:2])
    before = scrape(server)
    # Each request on its own connection, so that both workers answer some.
    for _ in range(10):
        ok = server.call(
            "POST", "/predict", json.dumps({"instances": rows}).encode(), JSON
        )
        assert ok.status == 200
    for _ in range(3):
        refused = server.call("POST", "/predict", b'{"instances": []}', JSON)
        assert refused.status == 422
    for _ in range(2):
        assert (
            server.call("GET", "/nowhere", None, {"Connection": "close"}).status == 404
        )
    after = scrape(server)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok_labels = {"route": "/predict", "method": "POST"}
    assert moved("http_requests_total", **ok_labels, status="200") == 10
    assert moved("http_requests_total", **ok_labels, status="422") == 3
    assert (
        moved("http_requests_total", route="unmatched", method="GET", status="404") == 2
    )
    assert moved("http_request_duration_seconds_count", **ok_labels) == 13
    code = json.loads(refused.body)["error"]["code"]
    assert moved("model_rejected_inputs_total", code=code) == 3
    # A route that does not exist is no input the model was refused.
    assert moved("model_rejected_inputs_total", code="not_found") == 0
    assert moved("model_call_rows_sum", method="predict") == 20
    assert moved("model_call_duration_seconds_count", method="predict") >= 1
    model = server.call("GET", "/metadata").json()["model"]
    if model["classes"]:
        predicted = sum(
            v - value(before, n, **dict(labels))
            for (n, labels), v in after.items()
            if n == "model_predictions_total"
        )
        assert predicted == 20
    sha = model["sha256"]
    info = [labels for (n, labels), v in after.items() if n == "model_info" and v == 1]
    assert info and dict(info[0])["model_sha256"] == sha
    assert value(after, "http_requests_in_flight") >= 0


def test_page_views_and_icons_are_no_rejected_model_inputs(
    served: tuple[Server, str],
) -> None:
    """A browser on the model page asks for it and for /favicon.ico."""
    server, _ = served
    before = scrape(server)
    for _ in range(20):
        assert server.call("GET", "/", None, {"Connection": "close"}).status == 200
    for _ in range(5):
        icon = server.call("GET", "/favicon.ico", None, {"Connection": "close"})
        assert icon.status == 200
        assert lowercase(icon.headers)["content-type"] == "image/svg+xml"
    after = scrape(server)
    rejected = {
        labels: count - value(before, name, **dict(labels))
        for (name, labels), count in after.items()
        if name == "model_rejected_inputs_total"
    }
    assert not any(rejected.values()), rejected
    moved = value(after, "http_requests_total", route="/favicon.ico", method="GET",
                  status="200") - value(before, "http_requests_total",
                                        route="/favicon.ico", method="GET",
                                        status="200")  # fmt: skip
    assert moved == 5
    # When the service started: before now, and not long ago.
    started = value(after, "service_start_time_seconds")
    assert 0 < time.time() - started < 3600


def test_the_same_metrics_on_every_backend(served: tuple[Server, str]) -> None:
    server, case_name = served
    # A prediction and a rejection: every metric then has a sample to show.
    rows = models.records(models.case_named(case_name).inputs[:1])
    body = json.dumps({"instances": rows}).encode()
    assert server.call("POST", "/predict", body, JSON).status == 200
    server.call("POST", "/predict", b"[", JSON)
    classifier = bool(server.call("GET", "/metadata").json()["model"]["classes"])
    # A regressor predicts no class: its counter has nothing to show.
    assert families(server) == (NAMES if classifier else NAMES - {"model_predictions"})


def workers_of(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.parametrize(
    "backend", [name for name, facts in BACKENDS.items() if facts.server == "gunicorn"]
)
def test_a_worker_that_stops_leaves_the_others_their_metrics(
    backend: str, generate: Generate, tmp_path: Path
) -> None:
    """A forked worker that exits (gunicorn restarts it) must not remove the
    metrics directory the master made: the other worker still writes to it."""
    case_name = models.representative("sklearn")
    project = generate(backend, case_name)
    log = tmp_path / "service.log"
    body = json.dumps(
        {"instances": models.records(models.case_named(case_name).inputs[:1])}
    )
    with serve(
        case_name, pythonpath=project / "src", env={"WORKERS": "2"}, log=log
    ) as server:
        every_worker_loaded(log, 2)
        before = workers_of(server.process.pid)
        assert len(before) == 2
        stopped = min(before)
        os.kill(stopped, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = workers_of(server.process.pid)
            if stopped not in now and len(now) == 2:
                break
            time.sleep(0.1)
        assert stopped not in now and len(now) == 2, now
        every_worker_loaded(log, 3)
        for _ in range(20):
            answer = server.call("POST", "/predict", body.encode(), JSON)
            assert answer.status == 200, answer.body
        assert server.call("GET", "/metrics").status == 200
    assert "Traceback" not in log.read_text()
