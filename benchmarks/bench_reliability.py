"""How generated services hold up at the edges, beside a hand-written one.

Run: python benchmarks/bench_reliability.py [--soak-seconds 60]
         [--backends fastapi,flask,sanic,aiohttp]

For each backend's service of the suite's mixed pipeline (a
ColumnTransformer and HistGradientBoosting; float, int, bool and category
features with nulls), and for a hand-written FastAPI service of the same
model on uvicorn, it measures, in one run, on loopback:

- a stalled head and a stalled body: what comes back, and when;
- /health with 200 stalled connections open;
- 16 keep-alive and 16 reconnecting clients posting through a SIGTERM:
  answers, requests lost (reset or cut after sending), connections
  refused, exit status and time to exit;
- a soak: 16 connections, nine valid requests in ten (each compared with
  the model's own answer in this process), one invalid; requests/s,
  wrong answers, and resident memory before and after.

The figures of the latest run are in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import joblib

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from edge_clients import (
    Request,
    exchange,
    shutdown_under_load,
    soak,
    stalled_connections,
)

import models
from generator import cook
from generator._rendering._backends import BACKENDS
from servers import Server, free_port, serve, stop, wait_until_ready

CASE = "mixed_pipeline"
HANDWRITTEN = "hand-written"
TYPES = {"float": "float", "int": "int", "bool": "bool", "category": "str"}
STALLS = {
    "head": b"GET /health HTTP/1.1\r\nHost: x\r\n",
    "body": b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
}
STALL_WAIT = 15.0


def handwritten_app(features: list[dict[str, object]]) -> str:
    """The usual FastAPI service: a pydantic model per instance, a frame."""
    fields = {
        f["name"]: (
            f"{TYPES[str(f['type'])]} | None"
            if f["nullable"]
            else TYPES[str(f["type"])]
        )
        for f in features
    }
    declared = ", ".join(f"{n}=({t}, ...)" for n, t in fields.items())
    return textwrap.dedent(f"""
        import joblib
        import pandas as pd
        from fastapi import FastAPI
        from pydantic import BaseModel, create_model

        Instance = create_model("Instance", {declared})

        class Request(BaseModel):
            instances: list[Instance]

        model = joblib.load("model.joblib")
        app = FastAPI()

        @app.post("/predict")
        def predict(request: Request) -> dict[str, list]:
            frame = pd.DataFrame([i.model_dump() for i in request.instances])
            return {{"predictions": model.predict(frame).tolist()}}

        @app.get("/ready")
        def ready() -> dict[str, str]:
            return {{"status": "ready"}}

        @app.get("/health")
        def health() -> dict[str, str]:
            return {{"status": "ok"}}
        """)


@contextmanager
def handwritten(
    case: models.Case, features: list[dict[str, object]], work: Path
) -> Iterator[Server]:
    joblib.dump(case.model, work / "model.joblib")
    (work / "baseline_app.py").write_text(handwritten_app(features))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "baseline_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=work,
        start_new_session=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_ready(server, HANDWRITTEN)
        yield server
    finally:
        stop(process)


def requests_for(case: models.Case) -> list[Request]:
    inputs = case.inputs
    valid = []
    for start in range(0, 45):
        rows = inputs.iloc[start : start + 1 + start % 5]
        body = json.dumps({"instances": models.records(rows)}).encode()
        valid.append(
            Request(
                "/predict",
                body,
                200,
                models.expected_predictions(case, "predict", rows),
            )
        )
    invalid = [
        Request("/predict", b'{"instances": [', 400),
        Request("/predict", json.dumps({"instances": [{}]}).encode(), 422),
        Request("/predict", b'{"instances": []}', 422),
        Request("/predict", b'{"rows": 1}', 422),
        Request("/nowhere", b"{}", 404),
    ]
    return valid + invalid


def measure(
    name: str,
    start: Callable[[], AbstractContextManager[Server]],
    case: models.Case,
    seconds: float,
) -> dict[str, str]:
    row: dict[str, str] = {"server": name}
    with start() as server:
        for what, data in STALLS.items():
            answer = exchange(server, data, wait=STALL_WAIT)
            status = f"{answer.status}" if answer.status else answer.ended
            row[f"stalled {what}"] = f"{status} after {answer.seconds:.1f} s"
        with stalled_connections(server, 200):
            started = time.monotonic()
            try:
                health = server.call("GET", "/health").status
                row["/health, 200 stalled"] = (
                    f"{health} in {(time.monotonic() - started) * 1000:.0f} ms"
                )
            except OSError as error:
                row["/health, 200 stalled"] = f"{type(error).__name__}"
        report = soak(server, requests_for(case), seconds)
        row["soak req/s"] = f"{report.requests / seconds:.0f}"
        for kind in ("valid", "invalid"):
            total = sum(v for k, v in report.answered.items() if k.startswith(kind))
            right = total - report.mismatched[kind]
            row[f"soak: {kind} answered as they must be"] = f"{right} of {total}"
        row["soak RSS"] = (
            f"{report.rss_start_kib // 1024} → {report.rss_end_kib // 1024} MiB"
        )
        body = requests_for(case)[0].body
        shutdown = shutdown_under_load(server, body)
        answers = collections.Counter({k: v for k, v in shutdown.answers.items()})
        row["SIGTERM: lost"] = str(len(shutdown.lost))
        # Sent on a connection idle past the drain's grace, which may close.
        row["SIGTERM: lost after an idle close"] = str(len(shutdown.lost_after_idle))
        row["SIGTERM: refused"] = f"{shutdown.refused} of 32 clients"
        row["SIGTERM: answers"] = ", ".join(
            f"{k} x{v}" for k, v in sorted(answers.items())
        )
        row["SIGTERM: exit"] = (
            f"{shutdown.exit_status} after {shutdown.seconds_to_exit:.1f} s"
        )
        row["/ready after SIGTERM"] = str(shutdown.ready_after_signal)
    return row


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--soak-seconds", type=float, default=60.0)
    cli.add_argument("--backends", default=",".join(BACKENDS))
    args = cli.parse_args()
    case = models.case_named(CASE)
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        projects = {
            backend: cook(
                case.model,
                sample=case.sample,
                name=CASE,
                backend=backend,
                output=work / backend,
                quiet=True,
            )
            for backend in args.backends.split(",")
        }
        features = None
        for backend, project in projects.items():

            def start(project: Path = project) -> AbstractContextManager[Server]:
                return serve(CASE, pythonpath=project / "src")

            if features is None:
                with start() as server:
                    features = server.call("GET", "/metadata").json()["features"]
            rows.append(measure(backend, start, case, args.soak_seconds))
            print_row(rows[-1])
        (work / "baseline").mkdir()
        rows.insert(
            0,
            measure(
                HANDWRITTEN,
                lambda: handwritten(case, features, work / "baseline"),
                case,
                args.soak_seconds,
            ),
        )
        print_row(rows[0])
    print()
    print_table(rows)


def print_row(row: dict[str, str]) -> None:
    print(" | ".join(f"{k}: {v}" for k, v in row.items()), flush=True)


def print_table(rows: list[dict[str, str]]) -> None:
    """A Markdown table: one column per server."""
    print("| | " + " | ".join(r["server"] for r in rows) + " |")
    print("| --- |" + " --- |" * len(rows))
    for key in rows[0]:
        if key != "server":
            print(f"| {key} | " + " | ".join(r.get(key, "") for r in rows) + " |")


if __name__ == "__main__":
    main()
