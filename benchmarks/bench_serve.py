"""Serving speed of a generated service against a typical hand-written one.

Run: python benchmarks/bench_serve.py [--seconds S] [--model forest|linear]
                                      [--backends fastapi,flask,sanic,aiohttp]

Every server runs the same model (a 100-tree forest, or a logistic regression
whose predictions cost almost nothing, on 20 named features) with one worker,
on loopback, measured in the same run:
  baseline   the usual FastAPI service on uvicorn: a pydantic model per
             instance, a DataFrame built from the validated objects
  generated  the service MLJET generates for each backend asked for
             (columnar validation, orjson), on that backend's server
A client on one keep-alive connection sends requests back to back for S
seconds per payload size and reports requests/s and median latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import joblib
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

NAMES = [f"f{i}" for i in range(20)]
ALL_BACKENDS = "fastapi,flask,sanic,aiohttp"

BASELINE_APP = textwrap.dedent(f"""
    import joblib
    import pandas as pd
    from fastapi import FastAPI
    from pydantic import BaseModel, create_model

    Instance = create_model("Instance", **{{n: (float, ...) for n in {NAMES!r}}})

    class Request(BaseModel):
        instances: list[Instance]

    model = joblib.load("model.joblib")
    app = FastAPI()

    @app.post("/predict")
    def predict(request: Request) -> dict[str, list[int]]:
        frame = pd.DataFrame([i.model_dump() for i in request.instances])
        return {{"predictions": model.predict(frame).tolist()}}

    @app.get("/ready")
    def ready() -> dict[str, str]:
        return {{"status": "ready"}}
    """)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    command: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/ready")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} not ready")


def measure(port: int, body: bytes, seconds: float) -> tuple[float, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    latencies: list[float] = []
    ended = time.perf_counter() + seconds
    while time.perf_counter() < ended:
        started = time.perf_counter()
        connection.request("POST", "/predict", body, headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        latencies.append(time.perf_counter() - started)
    return len(latencies) / sum(latencies), statistics.median(latencies)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--seconds", type=float, default=3.0)
    cli.add_argument("--model", choices=["forest", "linear"], default="forest")
    cli.add_argument(
        "--backends", default="fastapi", help="comma-separated, of " + ALL_BACKENDS
    )
    args = cli.parse_args()
    seconds = args.seconds
    backends = args.backends.split(",")
    if not set(backends) <= set(ALL_BACKENDS.split(",")):
        cli.error(f"--backends takes names from {ALL_BACKENDS}")
    work = Path(tempfile.mkdtemp(prefix="mljet-serve-"))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        x, y = make_classification(n_samples=5000, n_features=20, random_state=0)
        frame = pd.DataFrame(x, columns=NAMES)
        if args.model == "forest":
            model = RandomForestClassifier(n_estimators=100, random_state=0)
        else:
            model = LogisticRegression()
        model.fit(frame, y)
        joblib.dump(model, work / "model.joblib")
        (work / "baseline.py").write_text(BASELINE_APP)

        from generator import cook

        ports = {"baseline": free_port()}
        uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log"]
        baseline = [*uvicorn, "baseline:app", "--port", str(ports["baseline"])]
        servers.append(start(baseline, work, {}))
        for backend in backends:
            project = work / backend
            cook(model, sample=frame.head(100), name="bench_service",
                 backend=backend, output=project, quiet=True)  # fmt: skip
            ports[backend] = free_port()
            servers.append(start([sys.executable, "-m", "bench_service"], work, {
                "PORT": str(ports[backend]), "HOST": "127.0.0.1",
                "LOG_LEVEL": "warning", "PYTHONPATH": str(project / "src"),
            }))  # fmt: skip
        for port in ports.values():
            wait_ready(port)

        rows = frame.to_dict(orient="records")
        print(f"{'instances':>9}  {'server':>9}  {'req/s':>8}  "
              f"{'vs baseline':>11}  {'p50':>9}")  # fmt: skip
        for size in (1, 100, 5000):
            body = json.dumps({"instances": rows[:size]}).encode()
            base_rate = 0.0
            for name, port in ports.items():
                rate, p50 = measure(port, body, seconds)
                base_rate = base_rate or rate
                print(f"{size:>9}  {name:>9}  {rate:>8.1f}  "
                      f"{rate / base_rate:>10.2f}x  {p50 * 1000:>7.1f}ms")  # fmt: skip
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
