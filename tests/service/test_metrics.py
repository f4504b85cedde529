"""The service's metrics in one process (`src/PACKAGE/metrics.py`)."""

from __future__ import annotations

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
