"""The servers bench_serve.py measures MLJET's services against, in the same run.

- `minimal`: each backend's framework at its own pace, a hello-world that
  parses the same body with orjson and answers a constant (no model, no
  validation): the floor a generated service of that backend can approach.
- `mlserver`: Seldon's MLServer with adaptive batching (at most 100 rows,
  5 ms), serving the same model file through `mlserver-sklearn`, in a
  virtualenv of its own made here (once; it is kept under the cache dir).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MLSERVER = ("mlserver==1.7.1", "mlserver-sklearn==1.7.1")
MLSERVER_MODEL = "forest"

MINIMAL_APPS = {
    "fastapi": """
        import orjson
        from fastapi import FastAPI, Request, Response

        app = FastAPI()

        @app.post("/predict")
        async def predict(request: Request) -> Response:
            rows = orjson.loads(await request.body())["instances"]
            body = orjson.dumps({"predictions": [0] * len(rows)})
            return Response(body, media_type="application/json")

        @app.get("/health")
        async def health() -> Response:
            return Response(b'{"status":"ok"}', media_type="application/json")
        """,
    "flask": """
        import orjson
        from flask import Flask, Response, request

        app = Flask(__name__)

        @app.post("/predict")
        def predict() -> Response:
            rows = orjson.loads(request.get_data())["instances"]
            body = orjson.dumps({"predictions": [0] * len(rows)})
            return Response(body, mimetype="application/json")

        @app.get("/health")
        def health() -> Response:
            return Response(b'{"status":"ok"}', mimetype="application/json")
        """,
    "sanic": """
        import os

        import orjson
        from sanic import Sanic
        from sanic.response import raw

        app = Sanic("minimal")

        @app.post("/predict")
        async def predict(request):
            rows = orjson.loads(request.body)["instances"]
            body = orjson.dumps({"predictions": [0] * len(rows)})
            return raw(body, content_type="application/json")

        @app.get("/health")
        async def health(request):
            return raw(b'{"status":"ok"}', content_type="application/json")

        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=int(os.environ["PORT"]),
                    single_process=True, access_log=False)
        """,
    "aiohttp": """
        import os

        import orjson
        import uvloop
        from aiohttp import web

        async def predict(request):
            rows = orjson.loads(await request.read())["instances"]
            body = orjson.dumps({"predictions": [0] * len(rows)})
            return web.Response(body=body, content_type="application/json")

        async def health(request):
            body = b'{"status":"ok"}'
            return web.Response(body=body, content_type="application/json")

        app = web.Application()
        app.add_routes([web.post("/predict", predict), web.get("/health", health)])

        if __name__ == "__main__":
            uvloop.install()
            web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]),
                        access_log=None, print=None)
        """,
}


@dataclass(frozen=True)
class Peer:
    """A server to start (`command` in `cwd`, with `env`; `{port}` in the
    command and `PORT` in the environment are its port), what it is asked
    (`predict` and `health` paths, and how rows become a body) and how an
    answer is checked: `exact` bytes, its `outputs` (all that follows
    them: the answer's ID differs each time), or `status` only (a floor
    answers no model)."""

    name: str
    command: list[str]
    cwd: Path
    env: Callable[[int], dict[str, str]] = lambda port: {}
    predict: str = "/predict"
    health: str = "/health"
    ready: str = "/health"
    protocol: str = "instances"
    check: str = "status"


def minimal(backend: str, folder: Path) -> Peer:
    """`backend`'s minimal app, written into `folder`, on its usual server."""
    module = f"minimal_{backend}"
    (folder / f"{module}.py").write_text(textwrap.dedent(MINIMAL_APPS[backend]))
    python = sys.executable
    commands = {
        "fastapi": [python, "-m", "uvicorn", f"{module}:app", "--no-access-log",
                    "--log-level", "warning", "--host", "127.0.0.1",
                    "--port", "{port}"],
        # Flask's usual production server: gunicorn's threads.
        "flask": [python, "-m", "gunicorn", f"{module}:app", "--worker-class",
                  "gthread", "--threads", "32", "--workers", "1",
                  "--bind", "127.0.0.1:{port}"],
        "sanic": [python, f"{module}.py"],
        "aiohttp": [python, f"{module}.py"],
    }  # fmt: skip
    return Peer(f"{backend} minimal", commands[backend], folder)


def mlserver(folder: Path, model_file: Path, cache: Path) -> Peer:
    """MLServer with adaptive batching serving `model_file` (a joblib dump)."""
    python = _mlserver_python(cache)
    repository = folder / "mlserver"
    model = repository / MLSERVER_MODEL
    model.mkdir(parents=True, exist_ok=True)
    (model / "model.joblib").write_bytes(model_file.read_bytes())
    settings = {
        "name": MLSERVER_MODEL,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "max_batch_size": 100,
        "max_batch_time": 0.005,
        "parameters": {"uri": "./model.joblib"},
    }
    (model / "model-settings.json").write_text(json.dumps(settings))
    # MLServer 1.7.1's inference-pool worker dies here ("There is no current
    # event loop"): the model is served in the server's own process.
    server = {"parallel_workers": 0, "metrics_endpoint": None, "host": "127.0.0.1"}
    (repository / "settings.json").write_text(json.dumps(server))
    return Peer(
        "mlserver batching",
        [str(python.with_name("mlserver")), "start", str(repository)],
        repository,
        predict=f"/v2/models/{MLSERVER_MODEL}/infer",
        health="/v2/health/live",
        ready=f"/v2/models/{MLSERVER_MODEL}/ready",
        env=mlserver_port_env,
        protocol="v2",
        check="outputs",
    )


def mlserver_port_env(port: int) -> dict[str, str]:
    """MLServer takes its ports from the environment; gRPC on the next one."""
    return {"MLSERVER_HTTP_PORT": str(port), "MLSERVER_GRPC_PORT": str(port + 1)}


def _mlserver_python(cache: Path) -> Path:
    """A virtualenv with MLServer and the scikit-learn the model was saved with."""
    import sklearn

    venv = cache / f"mlserver-1.7.1-sklearn-{sklearn.__version__}"
    python = venv / "bin" / "python"
    if not (venv / "ready").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *MLSERVER,
             f"scikit-learn=={sklearn.__version__}"],
            check=True,
        )  # fmt: skip
        (venv / "ready").touch()
    return python


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mljet"
