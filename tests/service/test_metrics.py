"""The service's metrics in one process, and a dead worker's left behind
(`src/PACKAGE/metrics.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from conftest import Core


def samples(core: Core) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, content_type = core.module("metrics").exposition()
    assert content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_labels_are_counted_by_class(core: Core) -> None:
    metrics = core.module("metrics")
    before = samples(core)
    metrics.predicted(["yes", "no", "yes", 3])
    after = samples(core)

    def moved(label: str) -> float:
        key = ("model_predictions_total", (("class", label),))
        return after.get(key, 0) - before.get(key, 0)

    assert (moved("yes"), moved("no"), moved("3")) == (2, 1, 1)


def test_a_model_call_is_timed_with_its_rows(core: Core) -> None:
    metrics, validation = core.module("metrics"), core.module("validation")
    calls: list[Any] = []
    run = metrics.timed(
        lambda method, batch: calls.append(batch.size) or [0] * batch.size
    )
    before = samples(core)
    run("predict", validation.Batch({"x": [1, 2, 3]}, 3))
    after = samples(core)
    key = ("model_call_rows_sum", (("method", "predict"),))
    assert calls == [3] and after[key] - before.get(key, 0) == 3


def test_only_client_errors_count_as_rejected_inputs(core: Core) -> None:
    metrics = core.module("metrics")
    before = samples(core)
    metrics.started()
    metrics.answered("/predict", "POST", 422, 0.01, "invalid_instances")
    metrics.finished()
    metrics.started()
    metrics.answered("/predict", "POST", 500, 0.01, "internal_error")
    metrics.finished()
    after = samples(core)
    rejected = ("model_rejected_inputs_total", (("code", "invalid_instances"),))
    crashed = ("model_rejected_inputs_total", (("code", "internal_error"),))
    assert after[rejected] - before.get(rejected, 0) == 1
    assert crashed not in after
    assert after[("http_requests_in_flight", ())] == 0


def test_only_requests_to_the_model_count_as_rejected_inputs(core: Core) -> None:
    """A 404 for /favicon.ico is no input the model was refused: it counts
    by route and status only."""
    logs, routes = core.module("logs"), core.module("routes")
    before = samples(core)
    with logs.answering("unmatched", "GET", "/favicon.ico", None) as access:
        access.answered(routes.Reply(404, b"{}", error="not_found"))
    with logs.answering("/predict", "POST", "/predict", None, True) as access:
        access.answered(routes.Reply(422, b"{}", error="invalid_instances"))
    after = samples(core)

    def moved(key: tuple[str, tuple[tuple[str, str], ...]]) -> float:
        return after.get(key, 0) - before.get(key, 0)

    assert moved(("model_rejected_inputs_total", (("code", "not_found"),))) == 0
    assert moved(("model_rejected_inputs_total", (("code", "invalid_instances"),))) == 1
    favicon = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert moved(("http_requests_total", favicon)) == 1


def test_a_dead_workers_requests_stop_counting_as_in_flight(
    core: Core, tmp_path: Path
) -> None:
    """A worker killed mid-request leaves its gauge file; the next scrape by
    another worker drops it. Real processes: the client's multiprocess mode
    is chosen when it is first imported."""
    env = {**os.environ, "PYTHONPATH": str(core.project / "src"),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}  # fmt: skip
    metrics = f"{core.package}.mljet.metrics"
    killed = (
        f"import os; from {metrics} import started; "
        "started(); started(); os._exit(9)"  # no finished(): killed mid-request
    )
    subprocess.run([sys.executable, "-c", killed], env=env, check=False)
    assert list(tmp_path.glob("gauge_livesum_*.db"))
    scrape = (
        f"from {metrics} import exposition, started; started(); "
        "print(exposition()[0].decode())"
    )
    text = subprocess.run(
        [sys.executable, "-c", scrape], env=env, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    in_flight = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_in_flight"
    ]
    assert in_flight == [1.0]  # the scraping worker's own request, alone


def test_answers_are_noted_without_the_clients_lock_and_all_counted(
    core: Core,
) -> None:
    """The request path appends notes; they are added up in bulk, never
    more than RECORD_EVERY at a time, and a scrape counts every one."""
    metrics = core.module("metrics")
    before = samples(core)
    answers = 3 * metrics.RECORD_EVERY + 7
    for _ in range(answers):
        metrics.started()
        metrics.answered("/health", "GET", 200, 0.002, None)
        metrics.finished()
        assert len(metrics._ANSWERS) < metrics.RECORD_EVERY
    after = samples(core)
    key = (
        "http_requests_total",
        (("method", "GET"), ("route", "/health"), ("status", "200")),
    )
    assert after[key] - before.get(key, 0) == answers
    timed = (
        "http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/health")),
    )
    assert after[timed] - before.get(timed, 0) == answers
    assert after[("http_requests_in_flight", ())] == 0
