"""Request IDs and the access log over real sockets, the same on every
backend (`src/PACKAGE/logs.py` and each backend's glue)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import models
from conftest import BACKEND_PAIRS, Generate, ids
from servers import lowercase, serve

# A value no log line may show: it is only ever inside a request's body.
SECRET = 987654.321123


@pytest.fixture(scope="module", params=BACKEND_PAIRS, ids=ids(BACKEND_PAIRS))
def project(request: pytest.FixtureRequest, generate: Generate) -> tuple[Path, str]:
    backend, case_name = request.param
    return generate(backend, case_name), case_name


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The service's JSON lines (the servers' own start-up lines are not)."""
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def access_lines(log: Path, request_id: str) -> list[dict[str, Any]]:
    # The line is written as the answer goes out: give it a moment.
    deadline = time.monotonic() + 5
    while True:
        found = [
            line
            for line in json_lines(log)
            if line.get("request_id") == request_id
            and line["logger"].endswith(".access")
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_each_request_is_identified_and_logged_once(
    project: tuple[Path, str], tmp_path: Path
) -> None:
    path, name = project
    log = tmp_path / "service.log"
    row = models.records(models.case_named(name).inputs[:1])[0]
    with serve(
        name, pythonpath=path / "src", env={"LOG_FORMAT": "json"}, log=log
    ) as server:
        body = json.dumps({"instances": [row, row]}).encode()
        json_type = {"Content-Type": "application/json"}
        answer = server.call(
            "POST", "/predict", body, {**json_type, "X-Request-ID": "abc-123"}
        )
        assert answer.status == 200
        assert lowercase(answer.headers)["x-request-id"] == "abc-123"
        # An unsafe ID is replaced; so is none.
        unsafe = server.call("GET", "/health", None, {"X-Request-ID": "<script>"})
        made = lowercase(unsafe.headers)["x-request-id"]
        assert made != "<script>" and len(made) == 32
        fresh = lowercase(server.call("GET", "/metadata").headers)["x-request-id"]
        assert len(fresh) == 32 and fresh != made
        # A refused request and a framework's 404 carry theirs too.
        bad = {"instances": [{**_as_object(row), "bogus": SECRET}]}
        refused = server.call(
            "POST",
            "/predict",
            json.dumps(bad).encode(),
            {**json_type, "X-Request-ID": "r-422"},
        )
        assert refused.status == 422
        missing = server.call("GET", "/nowhere", None, {"X-Request-ID": "r-404"})
        assert missing.status == 404
        assert lowercase(missing.headers)["x-request-id"] == "r-404"
        # Refused by the edge guard, before any framework sees it: an ID too.
        too_long = server.call("GET", "/" + "x" * 20_000)
        assert too_long.status == 414
        edge_id = lowercase(too_long.headers)["x-request-id"]

        [predicted] = access_lines(log, "abc-123")
        assert {k: predicted[k] for k in ("method", "path", "status", "rows")} == {
            "method": "POST", "path": "/predict", "status": 200, "rows": 2,
        }  # fmt: skip
        assert predicted["latency_ms"] >= 0
        assert [line["status"] for line in access_lines(log, "r-422")] == [422]
        assert [line["status"] for line in access_lines(log, "r-404")] == [404]
        assert [line["path"] for line in access_lines(log, made)] == ["/health"]
        [edge] = [line for line in json_lines(log) if line["request_id"] == edge_id]
        assert edge["message"].startswith("answered at the edge: 414 ")
    # No value a client sent is in the log, and every line is one JSON object.
    text = log.read_text()
    assert str(SECRET) not in text and "987654" not in text
    assert all(line["request_id"] for line in json_lines(log))


def _as_object(row: Any) -> dict[str, Any]:
    return row if isinstance(row, dict) else {f"x{i}": v for i, v in enumerate(row)}
