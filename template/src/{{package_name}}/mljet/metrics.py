# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The service's Prometheus metrics, the same on every backend (`GET /metrics`).

- `http_requests_total` (counter): by `route` (its template; `unmatched`
  for none), `method` and `status`.
- `http_request_duration_seconds` (histogram): by `route` and `method`.
- `http_requests_in_flight` (gauge).
- `model_rejected_inputs_total` (counter): by `code`, the error body's, of
  each 4xx to a route that calls the model (a 404 for /favicon.ico is no
  input the model was refused).
- `model_call_duration_seconds` (histogram): by `method`; one model call,
  a whole batch when requests share it.
- `model_call_rows` (histogram): by `method`; rows in one model call.
- `model_predictions_total` (counter): by `class`, the labels `/predict`
  answered (classifiers).
- `service_start_time_seconds` (gauge): when the service's first process
  started.
- `model_info` (gauge, always 1): `model_sha256`, `model_class`, `runtime`,
  `template_version`, `service_version`.

Requests note their figures without taking the client's locks; the notes
are added up in bulk, at the latest when `/metrics` is read (`_record`).

With several worker processes every process writes its samples into
`PROMETHEUS_MULTIPROC_DIR` (`python -m` makes a fresh one when it is not
set) and `/metrics` adds them up, whichever worker answers. A worker that
died (killed, crashed) leaves its file behind: each scrape drops the live
gauges of processes that no longer run, so that their requests stop
counting as in flight.
"""

from __future__ import annotations

import os
import time
from collections import Counter as Tally
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

from .spec import ServiceSpec
from .validation import Batch

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# What `GET /metrics` answers: Prometheus' text format, as this client writes it.
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"
SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
ROWS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 10000)

# The service's own registry, not the client's global one: a process may
# import more than one service (MLJET's hooks run each it generates).
# The same series whether one process keeps them in memory or several in
# files: only the in-memory client adds `*_created` timestamps. (Untyped
# in some releases of the client, typed in others.)
_without_created: Any = disable_created_metrics
_without_created()
_REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "http_requests_total",
    "Requests answered, by route template, method and status",
    ["route", "method", "status"],
    registry=_REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival in the service to its answer",
    ["route", "method"],
    buckets=SECONDS,
    registry=_REGISTRY,
)
IN_FLIGHT = Gauge(
    "http_requests_in_flight",
    "Requests being answered now",
    multiprocess_mode="livesum",
    registry=_REGISTRY,
)
REJECTED = Counter(
    "model_rejected_inputs_total",
    "Requests refused with a client error, by the error's code",
    ["code"],
    registry=_REGISTRY,
)
MODEL_SECONDS = Histogram(
    "model_call_duration_seconds",
    "One call of the model: a whole batch when requests share it",
    ["method"],
    buckets=SECONDS,
    registry=_REGISTRY,
)
MODEL_ROWS = Histogram(
    "model_call_rows",
    "Rows in one call of the model",
    ["method"],
    buckets=ROWS,
    registry=_REGISTRY,
)
PREDICTIONS = Counter(
    "model_predictions_total",
    "Labels answered by /predict, by class",
    ["class"],
    registry=_REGISTRY,
)
# The first process of the service notes when it started; its workers, which
# inherit its environment, say the same.
_STARTED_AT = float(os.environ.setdefault("SERVICE_STARTED_AT", str(time.time())))
STARTED = Gauge(
    "service_start_time_seconds",
    "When the service started, in seconds since the epoch",
    # A process that has not set it yet counts 0.
    multiprocess_mode="max",
    registry=_REGISTRY,
)
INFO = Gauge(
    "model_info",
    "The model and template this service serves (always 1)",
    ["model_sha256", "model_class", "runtime", "template_version", "service_version"],
    multiprocess_mode="max",
    registry=_REGISTRY,
)


def describe(spec: ServiceSpec) -> None:
    STARTED.set(_STARTED_AT)
    INFO.labels(
        spec.model_sha256,
        spec.model_class,
        str(spec.runtime.get("name", "native")),
        spec.template_version,
        spec.version,
    ).set(1)


# The request path only appends to these deques (atomic, no lock): the
# client's metrics take a lock on every update, about ten a request. They
# are recorded in the client in bulk (`_record`): at every scrape, every
# RECORD_EVERY answers, and, with several workers, whenever a worker has no
# request left in flight, so that the worker a scrape reaches adds up the
# others' figures, never behind while they are idle. (One worker is always
# the one scraped.)
RECORD_EVERY = 256
Note = TypeVar("Note")
_FLIGHTS: deque[None] = deque()  # one item per request in flight
_ANSWERS: deque[tuple[str, str, int, float, str | None]] = deque()
_PREDICTED: deque[Sequence[Any]] = deque()
_MULTIPROCESS = bool(os.environ.get(MULTIPROCESS_DIR))
if not _MULTIPROCESS:
    # In one process the gauge reads the count itself when scraped.
    IN_FLIGHT.set_function(lambda: len(_FLIGHTS))


def started() -> None:
    _FLIGHTS.append(None)


def finished() -> None:
    """A request is no longer in flight: answered, failed or abandoned."""
    try:
        _FLIGHTS.pop()
    except IndexError:  # never started: nothing to undo
        return
    if _MULTIPROCESS and not _FLIGHTS:
        _record()


def answered(
    route: str, method: str, status: int, seconds: float, error: str | None
) -> None:
    _ANSWERS.append((route, method, status, seconds, error))
    if len(_ANSWERS) >= RECORD_EVERY:
        _record()


def predicted(labels: Sequence[Any]) -> None:
    """Count a classifier's answered labels by class."""
    _PREDICTED.append(labels)


_CHILDREN: dict[tuple[Any, ...], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, looked up once (the client's own lookup
    takes its lock on every call)."""
    key = (metric, *labels)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = metric.labels(*labels)
    return found


def _record() -> None:
    """Everything the request path and the model's thread noted, into the
    client's metrics: counts added up, each duration observed."""
    _record_calls()
    requests: Tally[tuple[str, str, str]] = Tally()
    rejected: Tally[str] = Tally()
    for route, method, status, seconds, error in _drained(_ANSWERS):
        requests[route, method, str(status)] += 1
        _child(REQUEST_SECONDS, route, method).observe(seconds)
        if error is not None and 400 <= status < 500:
            rejected[error] += 1
    for answered_as, count in requests.items():
        _child(REQUESTS, *answered_as).inc(count)
    for code, count in rejected.items():
        _child(REJECTED, code).inc(count)
    classes: Tally[Any] = Tally()
    for predicted_labels in _drained(_PREDICTED):
        classes.update(predicted_labels)
    # Counted as they are, then named: one str() per class, not per label.
    named: Tally[str] = Tally()
    for label, count in classes.items():
        named[str(label)] += count
    for label, count in named.items():
        _child(PREDICTIONS, label).inc(count)
    if _MULTIPROCESS:
        IN_FLIGHT.set(len(_FLIGHTS))


def timed(run: Callable[[str, Batch], list[Any]]) -> Callable[[str, Batch], list[Any]]:
    """`run`, each model call's time and rows noted for the metrics.

    The model's thread only appends to a deque (atomic, no lock): the
    client's metrics share one lock, and a model thread preempted while
    holding it would stall the event loop for a whole GIL switch interval.
    The next answer or scrape records the calls (`_record_calls`).
    """

    def observed(method: str, batch: Batch) -> list[Any]:
        began = time.perf_counter()
        try:
            return run(method, batch)
        finally:
            _CALLS.append((method, time.perf_counter() - began, batch.size))

    return observed


_CALLS: deque[tuple[str, float, int]] = deque()


def _record_calls() -> None:
    for method, seconds, rows in _drained(_CALLS):
        _child(MODEL_SECONDS, method).observe(seconds)
        _child(MODEL_ROWS, method).observe(rows)


def _drained(notes: deque[Note]) -> Iterator[Note]:
    """Every note queued, each taken once though other threads take some
    meanwhile."""
    while notes:
        try:
            yield notes.popleft()
        except IndexError:  # taken by another thread meanwhile
            return


def exposition() -> tuple[bytes, str]:
    """Every process's metrics in Prometheus' text format, and its type."""
    _record()
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        _forget_dead_processes(directory)
        registry = CollectorRegistry()
        # Untyped in some releases of the client, typed in others.
        collector: Any = multiprocess.MultiProcessCollector
        collector(registry)
        return generate_latest(registry), CONTENT_TYPE
    return generate_latest(_REGISTRY), CONTENT_TYPE


def _forget_dead_processes(directory: str) -> None:
    """The live gauges of the processes that wrote into `directory` and no
    longer run, dropped (the client's own `mark_process_dead`)."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[1]
        if pid.isdigit() and not _running(int(pid)):
            # Untyped in some releases of the client, typed in others.
            forget: Any = multiprocess.mark_process_dead
            forget(int(pid), directory)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: running
    return True
