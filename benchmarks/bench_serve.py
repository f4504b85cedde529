"""Serving speed of generated services against their peers, side by side.

Run: python benchmarks/bench_serve.py [--seconds S] [--models forest,linear]
         [--backends fastapi,flask,sanic,aiohttp] [--runtimes native,onnx]
         [--rounds N] [--no-mlserver] [--chart docs/performance.png]

Needs `wrk` (Debian: apt-get install wrk). Everything runs on loopback, one
worker per server, in this run:
  models     forest: a RandomForest of 100 trees, depth 8, on 20 float
             features; linear: a logistic regression on the same data
  baseline   the usual hand-written FastAPI service on uvicorn: a pydantic
             model per instance, a DataFrame built from the validated objects
  minimal    each backend's framework alone: a hello-world parsing the same
             body and answering a constant, the floor of that backend
  mlserver   MLServer 1.7.1 with adaptive batching (100 rows, 5 ms) serving
             the same model file (a virtualenv made once, see peers.py)
  generated  the service MLJET generates, per backend and runtime (native:
             the model's library; onnx: the model converted, ONNX Runtime),
             as its README starts it, with BATCHING=on and BATCHING=off (on
             is the default only for a model that answers each row in a
             batch exactly as alone: the forest, not the logistic
             regression, for which on is forced)
Every server is started (each alone, timed to its first 200 on its
readiness route) and kept running; then wrk (one thread) sends each load
to every server in turn, S seconds each, so that the figures compared are
taken seconds apart: POST /predict (MLServer: its V2 infer route) on 1 and
32 connections with 1-row and 100-row requests, and GET /health on 32
connections (rows 0 in the table). Every answer is checked: a status other
than 200 counts as bad, a body other than the model's own answer for that
request (computed in this process) as wrong (a minimal app answers no
model: only its status counts). Each row shows its rate against the hand-
written service, the same backend's minimal app and MLServer. The model's
in-process predict time is printed beside. With --rounds N every load is
sent N times, each round the servers in another order; the table by server
gives the medians (see serve_summary.py). Last come the goals of issue 27,
as measured.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from peers import Peer, default_cache, minimal, mlserver
from serve_summary import HAND_WRITTEN, MLSERVER, goal_lines, medians, versus
from serving import WRK_SCRIPT, Figure, free_port, load, post, running
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

NAMES = [f"f{i}" for i in range(20)]
ALL_BACKENDS = ("fastapi", "flask", "sanic", "aiohttp")
# (connections, rows); 0 rows: GET the health route.
LOADS = ((1, 1), (32, 1), (1, 100), (32, 100), (32, 0))
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

    @app.get("/health")
    def health() -> dict[str, str]:
        return {{"status": "ok"}}
    """)


def training_data() -> tuple[pd.DataFrame, Any]:
    """The serving benchmarks' rows (5,000, the 20 features of NAMES) and
    their labels: the forest's and the linear model's training set."""
    x, y = make_classification(n_samples=5000, n_features=20, random_state=0)
    return pd.DataFrame(x, columns=NAMES), y


def generate(
    model: Any, frame: pd.DataFrame, package: str, backend: str, runtime: str, at: Path
) -> Path:
    """`model`'s service, as the serving benchmarks make it (`frame`'s first
    100 rows its sample), generated at `at`."""
    from generator import cook

    cook(
        model,
        sample=frame.head(100),
        name=package,
        backend=backend,
        runtime=runtime,
        output=at,
        quiet=True,
    )
    return at


def request_body(peer: Peer, frame: pd.DataFrame) -> bytes:
    """The rows of `frame` as `peer`'s protocol sends them."""
    if peer.protocol == "v2":
        tensor = {
            "name": "input-0",
            "shape": list(frame.shape),
            "datatype": "FP64",
            "data": frame.to_numpy().ravel().tolist(),
        }
        return json.dumps({"inputs": [tensor]}).encode()
    return json.dumps({"instances": frame.to_dict("records")}).encode()


def answered_labels(peer: Peer, answer: bytes) -> list[Any]:
    if peer.protocol == "v2":
        return list(json.loads(answer)["outputs"][0]["data"])
    return list(json.loads(answer)["predictions"])


def measure(
    model_name: str,
    peer: Peer,
    port: int,
    work: Path,
    model: Any,
    frame: pd.DataFrame,
    seconds: int,
    connections: int,
    rows: int,
) -> Figure:
    """`peer` under one load: `connections` sending `rows` rows each."""
    env = {"MLJET_EXPECTED": str(work / "expected.json"), "MLJET_CHECK": "status"}
    if rows:
        body = request_body(peer, frame.head(rows))
        (work / "body.json").write_bytes(body)
        answer = post(port, peer.predict, body)
        # The expected bytes are the server's own, once they are proved
        # to be the model's answer for this request, computed here.
        expected = model.predict(frame.head(rows)).tolist()
        if peer.check != "status" and answered_labels(peer, answer) != expected:
            raise RuntimeError(f"{peer.name} answers {rows} rows unlike the model")
        env.update(MLJET_BODY=str(work / "body.json"), MLJET_CHECK=peer.check)
        path = peer.predict
    else:
        answer, path = b"", peer.health
        env["MLJET_METHOD"] = "GET"
    (work / "expected.json").write_bytes(answer)
    requests, duration, p50, p99, bad, wrong = load(
        port, path, work, connections, seconds, env
    )
    return Figure(
        model_name,
        peer.name,
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


def bench_model(name: str, args: argparse.Namespace, work: Path) -> list[Figure]:
    frame, y = training_data()
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
    uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log"]
    peers = [
        Peer(
            "hand-written",
            [*uvicorn, "baseline:app", "--log-level", "warning", "--port", "{port}"],
            folder,
            check="exact",
        )
    ]
    backends, runtimes = args.backends.split(","), args.runtimes.split(",")
    peers.extend(minimal(backend, folder) for backend in backends)
    if args.mlserver:
        peers.append(mlserver(folder, folder / "model.joblib", default_cache()))
    for backend, runtime in [(b, r) for b in backends for r in runtimes]:
        package = f"bench_{name}_{backend}_{runtime}"
        project = generate(model, frame, package, backend, runtime, folder / package)
        for batching in ("on", "off"):
            # As its README starts it: default settings but BATCHING, and
            # its access lines written (to nowhere).
            settings = {"PYTHONPATH": str(project / "src"), "BATCHING": batching}
            peers.append(
                Peer(
                    f"{backend} {runtime} {batching}",
                    [sys.executable, "-m", package],
                    folder,
                    env=functools.partial(_settings, settings),
                    ready="/ready",
                    check="exact",
                )
            )
    figures: list[Figure] = []
    with contextlib.ExitStack() as servers:
        ports, ready = {}, {}
        for peer in peers:
            # Each started alone, timed to its readiness; then idle until
            # its turn.
            port = ports[peer.name] = free_port()
            env = {**peer.env(port), "PORT": str(port), "HOST": "127.0.0.1"}
            command = [part.replace("{port}", str(port)) for part in peer.command]
            ready[peer.name] = servers.enter_context(
                running(command, peer.cwd, env, peer.ready)
            )
        # Every server under one load, then every server under the next:
        # this machine's speed drifts over minutes, so the figures compared
        # are taken seconds apart. Each round another server goes first.
        for round_ in range(args.rounds):
            turn = peers[round_:] + peers[:round_]
            for connections, rows in LOADS:
                for peer in turn:
                    figure = measure(
                        name, peer, ports[peer.name], folder, model, frame,
                        args.seconds, connections, rows,
                    )  # fmt: skip
                    figures.append(replace(figure, round=round_))
                    report(figures[-1], figures)
    print(
        f"\n{name}: "
        + (f"the median of {args.rounds} rounds" if args.rounds > 1 else "by server")
    )
    order = {peer.name: index for index, peer in enumerate(peers)}
    for figure in sorted(
        medians(figures),
        key=lambda f: (order[f.server], LOADS.index((f.connections, f.rows))),
    ):
        report(figure, figures)
    print(
        "time to ready: "
        + ", ".join(f"{server} {seconds:.2f} s" for server, seconds in ready.items())
    )
    print(f"\n{name}: the goals of issue 27, batching on")
    print("\n".join(goal_lines(figures, backends)))
    return figures


def _settings(settings: dict[str, str], port: int) -> dict[str, str]:
    """A generated service's environment: the same whatever its port."""
    return settings


def report(figure: Figure, figures: list[Figure]) -> None:
    """One figure, and its rate against the hand-written service, its
    backend's minimal app and MLServer, when they ran."""

    def versus_text(server: str) -> str:
        ratio = versus(figure, server, figures)
        return f"{'':>8}" if ratio is None else f"{ratio:>7.2f}x"

    backend = figure.server.split()[0]
    print(
        f"{figure.server:>20} {figure.connections:>5} {figure.rows:>5}"
        f" {figure.rate:>9.1f} {versus_text(HAND_WRITTEN)}"
        f" {versus_text(f'{backend} minimal')} {versus_text(MLSERVER)}"
        f" {figure.p50_ms:>8.2f} {figure.p99_ms:>8.2f}"
        f" {figure.bad:>5} {figure.wrong:>5}",
        flush=True,
    )


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--seconds", type=int, default=5, help="per load (5)")
    cli.add_argument("--models", default="forest,linear")
    cli.add_argument("--backends", default=",".join(ALL_BACKENDS))
    cli.add_argument("--runtimes", default="native,onnx")
    cli.add_argument(
        "--no-mlserver", dest="mlserver", action="store_false",
        help="leave MLServer out (its virtualenv takes a minute to make once)",
    )  # fmt: skip
    cli.add_argument(
        "--rounds", type=int, default=1,
        help="load every server this many times, each round in another order,"
        " and report the medians (1)",
    )  # fmt: skip
    cli.add_argument("--chart", type=Path, help="draw the figures into this PNG")
    args = cli.parse_args()
    backends, names = args.backends.split(","), args.models.split(",")
    if args.rounds < 1:
        cli.error("--rounds: at least 1")
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
        f" {'vs min':>8} {'vs mlsv':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'bad':>5} {'wrong':>5}"
    )
    work = Path(tempfile.mkdtemp(prefix="mljet-serve-"))
    all_figures: list[Figure] = []
    try:
        for name in names:
            all_figures.extend(bench_model(name, args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.chart:
        from bench_chart import draw

        draw(medians(all_figures), args.chart)
        print(f"chart: {args.chart}")


if __name__ == "__main__":
    main()
