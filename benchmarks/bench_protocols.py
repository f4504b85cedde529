"""What each protocol costs: the same model through every protocol a
generated service speaks, side by side with its own `/predict` and a
hand-written FastAPI service.

Run: python benchmarks/bench_protocols.py [--seconds S] [--backends fastapi]

Needs `wrk`. On loopback, one worker per server, a RandomForest of 100
trees on 20 float features (bench_serve.py's forest), BATCHING as its
default (on: the forest answers a row in a batch exactly as alone). For
each load (1 and 32 connections, 1-row and 100-row requests) wrk sends the
same rows as:
  instances     POST /predict, {"instances": [...]} (the service's own)
  v2 json       POST /v2/models/NAME/infer, a tensor per feature, as JSON
  v2 binary     the same with binary tensor data in and out, as tritonclient
                sends by default
  mlflow        POST /invocations, {"dataframe_split": ...} as pandas writes it
  hand-written  the baseline of bench_serve.py, POST /predict
Every answer is checked: the first is decoded and compared with the model's
own predictions in this process, and every later one must be those bytes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from bench_serve import ALL_BACKENDS, BASELINE_APP, MODELS, NAMES, training_data
from serving import WRK_SCRIPT, free_port, running

LOADS = ((1, 1), (32, 1), (32, 100))  # (connections, rows)
BINARY_HEADER = "Inference-Header-Content-Length"
JSON_TYPE = {"Content-Type": "application/json"}
# bench_serve's script, with the request's headers from the environment.
HEADERS_SCRIPT = WRK_SCRIPT.replace(
    'wrk.headers["Content-Type"] = "application/json"',
    'wrk.headers["Content-Type"] = os.getenv("MLJET_CONTENT_TYPE")\n'
    'local length = os.getenv("MLJET_HEADER_LENGTH")\n'
    f'if length ~= "" then wrk.headers["{BINARY_HEADER}"] = length end',
)


@dataclass(frozen=True)
class Request:
    """One protocol's form of a request: where, what, and how to read back
    the predicted labels from an answer."""

    name: str
    path: str
    body: bytes
    headers: dict[str, str]

    def labels(self, answer: bytes, answer_headers: dict[str, str]) -> list[Any]:
        if self.name in ("instances", "mlflow", "hand-written"):
            return list(json.loads(answer)["predictions"])
        length = int(answer_headers.get(BINARY_HEADER.lower(), len(answer)))
        head = json.loads(answer[:length])
        (output,) = head["outputs"]
        if "data" in output:
            return list(output["data"])
        return np.frombuffer(answer[length:], "<i8").tolist()  # type: ignore[no-any-return]


def requests(package: str, frame: pd.DataFrame) -> list[Request]:
    """The rows of `frame` in each protocol's form."""
    json_type = JSON_TYPE
    rows = len(frame)
    tensors = [
        {"name": n, "datatype": "FP64", "shape": [rows], "data": frame[n].tolist()}
        for n in NAMES
    ]
    infer = f"/v2/models/{package}/infer"
    v2_json = {"inputs": tensors, "outputs": [{"name": "predict"}]}
    binary_inputs = [
        {**{k: v for k, v in t.items() if k != "data"},
         "parameters": {"binary_data_size": 8 * rows}}
        for t in tensors
    ]  # fmt: skip
    head = json.dumps(
        {
            "inputs": binary_inputs,
            "outputs": [{"name": "predict", "parameters": {"binary_data": True}}],
        }
    ).encode()
    data = b"".join(frame[n].to_numpy(np.float64).tobytes() for n in NAMES)
    split = {"dataframe_split": frame.to_dict(orient="split")}
    instances = json.dumps({"instances": frame.to_dict("records")}).encode()
    return [
        Request("instances", "/predict", instances, json_type),
        Request("v2 json", infer, json.dumps(v2_json).encode(), json_type),
        Request(
            "v2 binary",
            infer,
            head + data,
            {"Content-Type": "application/octet-stream", BINARY_HEADER: str(len(head))},
        ),
        Request("mlflow", "/invocations", json.dumps(split).encode(), json_type),
    ]


def send(port: int, request: Request) -> tuple[bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", request.path, request.body, request.headers)
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"{request.name}: {response.status} {answer[:300]!r}")
    return answer, {k.lower(): v for k, v in response.getheaders()}


def load(
    port: int, work: Path, request: Request, connections: int, seconds: int
) -> list[float]:
    """wrk's figures: requests, seconds, p50 ms, p99 ms, bad, wrong."""
    (work / "body").write_bytes(request.body)
    env = {
        **os.environ,
        "MLJET_BODY": str(work / "body"),
        "MLJET_EXPECTED": str(work / "expected"),
        "MLJET_CONTENT_TYPE": request.headers["Content-Type"],
        "MLJET_HEADER_LENGTH": request.headers.get(BINARY_HEADER, ""),
    }
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
         "-s", str(work / "check.lua"), f"http://127.0.0.1:{port}{request.path}"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(x for x in done.stdout.splitlines() if x.startswith("MLJET "))
    return [float(value) for value in line.split()[1:]]


def bench_load(
    servers: list[tuple[str, str, list[str], dict[str, str]]],
    head: pd.DataFrame,
    model: Any,
    work: Path,
    connections: int,
    args: argparse.Namespace,
) -> None:
    """Every server and protocol under one load, each answer checked."""
    expected = model.predict(head).tolist()
    own_rate = 0.0
    for server, package, command, env in servers:
        port = free_port()
        env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
        if server == "hand":
            command = [*command, "--port", str(port)]
            body = requests("x", head)[0].body
            kinds = [Request("hand-written", "/predict", body, JSON_TYPE)]
        else:
            kinds = requests(package, head)
        with running(command, work, env, "/health"):
            for request in kinds:
                answer, answer_headers = send(port, request)
                if request.labels(answer, answer_headers) != expected:
                    raise RuntimeError(f"{server} {request.name}: not the model's")
                (work / "expected").write_bytes(answer)
                count, seconds, p50, p99, bad, wrong = load(
                    port, work, request, connections, args.seconds
                )
                rate = count / seconds
                if request.name == "instances":
                    own_rate = rate
                versus = f"{rate / own_rate:.2f}x" if own_rate else "-"
                print(
                    f"{server:>10} {request.name:>12} {connections:>5} {len(head):>5}"
                    f" {rate:>9.1f} {versus:>11} {p50:>8.1f} {p99:>8.1f}"
                    f" {int(bad):>5} {int(wrong):>5}",
                    flush=True,
                )


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--seconds", type=int, default=5, help="per load (5)")
    cli.add_argument("--backends", default="fastapi")
    args = cli.parse_args()
    backends = args.backends.split(",")
    if not set(backends) <= set(ALL_BACKENDS):
        cli.error(f"backends: {', '.join(ALL_BACKENDS)}")
    if shutil.which("wrk") is None:
        cli.error("wrk is needed (Debian: apt-get install wrk)")
    from generator import cook

    frame, y = training_data()
    model = MODELS["forest"]().fit(frame, y)
    work = Path(tempfile.mkdtemp(prefix="mljet-protocols-"))
    joblib.dump(model, work / "model.joblib")
    (work / "baseline.py").write_text(BASELINE_APP)
    (work / "check.lua").write_text(HEADERS_SCRIPT)
    print(
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.seconds} s "
        "per load, wrk -t1 on loopback, one worker per server, the forest"
    )
    print(
        f"{'server':>10} {'protocol':>12} {'conns':>5} {'rows':>5} {'req/s':>9}"
        f" {'vs /predict':>11} {'p50 ms':>8} {'p99 ms':>8} {'bad':>5} {'wrong':>5}"
    )
    try:
        servers: list[tuple[str, str, list[str], dict[str, str]]] = [
            ("hand", "", [sys.executable, "-m", "uvicorn", "baseline:app",
                          "--no-access-log", "--log-level", "warning"], {}),
        ]  # fmt: skip
        for backend in backends:
            package = f"bench_protocols_{backend}"
            cook(model, sample=frame.head(100), name=package, backend=backend,
                 output=work / package, quiet=True)  # fmt: skip
            env = {"PYTHONPATH": str(work / package / "src"), "LOG_LEVEL": "warning"}
            servers.append((backend, package, [sys.executable, "-m", package], env))
        for connections, rows in LOADS:
            bench_load(servers, frame.head(rows), model, work, connections, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
