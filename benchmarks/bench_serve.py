"""Serving speed of generated services against a hand-written one, side by side.

Run: python benchmarks/bench_serve.py [--seconds S] [--models forest,linear]
         [--backends fastapi,flask,sanic,aiohttp] [--runtimes native,onnx]
         [--chart docs/performance.png]

Needs `wrk` (Debian: apt-get install wrk). Everything runs on loopback, one
worker per server, in this run:
  models     forest: a RandomForest of 100 trees, depth 8, on 20 float
             features; linear: a logistic regression on the same data
  baseline   the usual hand-written FastAPI service on uvicorn: a pydantic
             model per instance, a DataFrame built from the validated objects
  generated  the service MLJET generates, per backend and runtime (native:
             the model's library; onnx: the model converted, ONNX Runtime),
             with BATCHING=on and BATCHING=off (on is the default only for a
             model that answers each row in a batch exactly as alone: the
             forest, not the logistic regression, for which on is forced)
Each server is started fresh and timed to its first 200 on /ready; then wrk
(one thread) sends POST /predict for S seconds per load: 1 and 32
connections, 1-row and 100-row requests. Every answer is checked: a status
other than 200 counts as bad, a body other than the model's own answer for
that request (computed in this process) as wrong. The model's in-process
predict time is printed beside.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

NAMES = [f"f{i}" for i in range(20)]
ALL_BACKENDS = ("fastapi", "flask", "sanic", "aiohttp")
LOADS = ((1, 1), (32, 1), (1, 100), (32, 100))  # (connections, rows)
MODELS = {
    "forest": lambda: RandomForestClassifier(
        n_estimators=100, max_depth=8, random_state=0
    ),
    "linear": lambda: LogisticRegression(max_iter=1000),
}

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

# wrk's script: POST the body, compare every answer with the expected one.
WRK_SCRIPT = textwrap.dedent("""
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    local function slurp(name)
      local file = io.open(os.getenv(name), "rb"); local text = file:read("*a")
      file:close(); return text
    end
    wrk.body = slurp("MLJET_BODY")
    local expected = slurp("MLJET_EXPECTED")
    local threads = {}
    function setup(thread) table.insert(threads, thread) end
    function init(args) bad = 0; wrong = 0 end
    function response(status, headers, body)
      if status ~= 200 then bad = bad + 1
      elseif body ~= expected then wrong = wrong + 1 end
    end
    function done(summary, latency, requests)
      local bad, wrong = 0, 0
      for _, thread in ipairs(threads) do
        bad = bad + thread:get("bad"); wrong = wrong + thread:get("wrong")
      end
      io.write(string.format("MLJET %d %.6f %.3f %.3f %d %d\\n",
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
        latency:percentile(99) / 1e3, bad + summary.errors.status, wrong))
    end
    """)


@dataclass(frozen=True)
class Figure:
    """One load against one server."""

    model: str
    server: str
    connections: int
    rows: int
    rate: float
    p50_ms: float
    p99_ms: float
    bad: int
    wrong: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(command: list[str], cwd: Path, env: dict[str, str]) -> Iterator[float]:
    """Start a server; yield the seconds it took to answer /ready with 200."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = int(env["PORT"])
        while get(port, "/ready") != 200:
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError(f"{' '.join(command)} did not become ready")
            time.sleep(0.01)
        yield time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def get(port: int, path: str) -> int | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None


def post(port: int, body: bytes) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/predict", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST /predict: {response.status} {answer[:200]!r}")
    return answer


def load(port: int, work: Path, connections: int, seconds: int) -> list[float]:
    """wrk's figures: requests, seconds, p50 ms, p99 ms, bad, wrong."""
    env = {
        **os.environ,
        "MLJET_BODY": str(work / "body.json"),
        "MLJET_EXPECTED": str(work / "expected.json"),
    }
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(work / "check.lua"),
            f"http://127.0.0.1:{port}/predict",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MLJET "))
    return [float(value) for value in line.split()[1:]]


def measure(
    model_name: str,
    server: str,
    port: int,
    work: Path,
    model: Any,
    frame: pd.DataFrame,
    seconds: int,
) -> Iterator[Figure]:
    for connections, rows in LOADS:
        body = json.dumps({"instances": frame.head(rows).to_dict("records")})
        (work / "body.json").write_text(body)
        answer = post(port, body.encode())
        # The expected bytes are the server's own, once they are proved to
        # be the model's answer for this request, computed here.
        expected = model.predict(frame.head(rows)).tolist()
        if json.loads(answer)["predictions"] != expected:
            raise RuntimeError(f"{server} answers {rows} rows unlike the model")
        (work / "expected.json").write_bytes(answer)
        requests, duration, p50, p99, bad, wrong = load(
            port, work, connections, seconds
        )
        yield Figure(
            model_name,
            server,
            connections,
            rows,
            requests / duration,
            p50,
            p99,
            int(bad),
            int(wrong),
        )


def in_process_ms(model: Any, frame: pd.DataFrame, rows: int) -> float:
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        model.predict(frame.head(rows))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def bench_model(
    name: str, backends: list[str], runtimes: list[str], seconds: int, work: Path
) -> tuple[list[Figure], dict[str, float]]:
    from generator import cook

    x, y = make_classification(n_samples=5000, n_features=20, random_state=0)
    frame = pd.DataFrame(x, columns=NAMES)
    model = MODELS[name]().fit(frame, y)
    folder = work / name
    folder.mkdir()
    joblib.dump(model, folder / "model.joblib")
    (folder / "baseline.py").write_text(BASELINE_APP)
    (folder / "check.lua").write_text(WRK_SCRIPT)
    print(
        f"\n{name}: in-process predict {in_process_ms(model, frame, 1):.2f} ms "
        f"for 1 row, {in_process_ms(model, frame, 100):.2f} ms for 100 rows"
    )
    servers: list[tuple[str, list[str], dict[str, str]]] = [
        (
            "hand-written",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "baseline:app",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            {},
        )
    ]
    for backend, runtime in [(b, r) for b in backends for r in runtimes]:
        package = f"bench_{name}_{backend}_{runtime}"
        project = folder / package
        cook(
            model,
            sample=frame.head(100),
            name=package,
            backend=backend,
            runtime=runtime,
            output=project,
            quiet=True,
        )
        for batching in ("on", "off"):
            servers.append(
                (
                    f"{backend} {runtime} {batching}",
                    [sys.executable, "-m", package],
                    {
                        "PYTHONPATH": str(project / "src"),
                        "BATCHING": batching,
                        "LOG_LEVEL": "warning",
                    },
                )
            )
    figures: list[Figure] = []
    ready: dict[str, float] = {}
    for server, command, env in servers:
        port = free_port()
        env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
        if server == "hand-written":
            command = [*command, "--port", str(port)]
        with running(command, folder, env) as ready_after:
            ready[server] = ready_after
            for figure in measure(name, server, port, folder, model, frame, seconds):
                figures.append(figure)
                report(figure, figures)
    return figures, ready


def report(figure: Figure, figures: list[Figure]) -> None:
    baseline = next(
        f
        for f in figures
        if f.server == "hand-written"
        and f.model == figure.model
        and (f.connections, f.rows) == (figure.connections, figure.rows)
    )
    print(
        f"{figure.server:>20} {figure.connections:>5} {figure.rows:>5}"
        f" {figure.rate:>9.1f} {figure.rate / baseline.rate:>7.1f}x"
        f" {figure.p50_ms:>8.1f} {figure.p99_ms:>8.1f}"
        f" {figure.bad:>5} {figure.wrong:>5}",
        flush=True,
    )


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--seconds", type=int, default=5, help="per load (5)")
    cli.add_argument("--models", default="forest,linear")
    cli.add_argument("--backends", default=",".join(ALL_BACKENDS))
    cli.add_argument("--runtimes", default="native,onnx")
    cli.add_argument("--chart", type=Path, help="draw the figures into this PNG")
    args = cli.parse_args()
    backends, names = args.backends.split(","), args.models.split(",")
    runtimes = args.runtimes.split(",")
    if not set(backends) <= set(ALL_BACKENDS) or not set(names) <= set(MODELS):
        cli.error(f"backends: {', '.join(ALL_BACKENDS)}; models: {', '.join(MODELS)}")
    if shutil.which("wrk") is None:
        cli.error("wrk is needed (Debian: apt-get install wrk)")
    print(
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{args.seconds:g} s per load, wrk -t1 on loopback, one worker per server"
    )
    print(
        f"{'server':>20} {'conns':>5} {'rows':>5} {'req/s':>9} {'vs hand':>8}"
        f" {'p50 ms':>8} {'p99 ms':>8} {'bad':>5} {'wrong':>5}"
    )
    work = Path(tempfile.mkdtemp(prefix="mljet-serve-"))
    all_figures: list[Figure] = []
    try:
        for name in names:
            figures, ready = bench_model(name, backends, runtimes, args.seconds, work)
            all_figures.extend(figures)
            print(
                "time to /ready: "
                + ", ".join(
                    f"{server} {seconds:.2f} s" for server, seconds in ready.items()
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.chart:
        from bench_chart import draw

        draw(all_figures, args.chart)
        print(f"chart: {args.chart}")


if __name__ == "__main__":
    main()
