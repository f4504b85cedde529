"""What the connection guard costs: a service beside itself without it.

Run: python benchmarks/bench_guard.py [--pairs N] [--seconds S]
         [--backends fastapi,flask,sanic]

Needs `wrk` (Debian: apt-get install wrk). For each backend, the forest's
service on the onnx runtime (as `bench_serve.py` makes it) and a copy of it
whose server is handed its own protocol instead of the guarded one: the
only line that differs (aiohttp's glue guards its runner, not a protocol
factory, and is left out). Both are loaded with wrk, one worker each, 1 row
and 32 connections, in N pairs: each pair on fresh ports, which one goes
first alternating, every answer checked against the model's own. Printed:
each pair's rates and ratio (guarded / unguarded), then the median ratio.
Loopback figures on a shared machine move by tens of percent from one load
to the next: hence pairs, alternation and the median.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from bench_serve import MODELS, generate, training_data
from serving import WRK_SCRIPT, free_port, load, post, running

BACKENDS = ("fastapi", "flask", "sanic")
# The server given the guard's protocol factory, in the fence's server module.
GUARDED_FACTORY = re.compile(r"Guarded\((\w+), EdgeLimits\.of\(settings\)\)")


def unguarded_copy(project: Path, copy: Path) -> None:
    """`project` copied to `copy`, whose server gets its protocol unguarded."""
    shutil.copytree(project, copy)
    changed = 0
    for module in (copy / "src").glob("*/mljet/*.py"):
        text, count = GUARDED_FACTORY.subn(r"\1", module.read_text())
        if count:
            module.write_text(text)
            changed += count
    if changed != 1:
        raise SystemExit(f"{project.name}: found {changed} guarded servers, not 1")


def bench_backend(
    backend: str, args: argparse.Namespace, work: Path, model: Any, frame: pd.DataFrame
) -> list[float]:
    """The pairs' ratios, guarded to unguarded, for `backend`'s service."""
    package = f"guard_{backend}"
    project = generate(model, frame, package, backend, "onnx", work / package)
    unguarded_copy(project, work / f"{package}_unguarded")
    body = json.dumps({"instances": frame.head(1).to_dict("records")}).encode()
    labels = model.predict(frame.head(1)).tolist()
    (work / "body.json").write_bytes(body)
    sources = {
        "guarded": project / "src",
        "unguarded": work / f"{package}_unguarded" / "src",
    }
    ratios = []
    for pair in range(args.pairs):
        order = list(sources) if pair % 2 == 0 else list(reversed(sources))
        rates = {}
        for variant in order:
            port = free_port()
            env = {"PYTHONPATH": str(sources[variant]), "PORT": str(port),
                   "HOST": "127.0.0.1", "BATCHING": "on"}  # fmt: skip
            with running([sys.executable, "-m", package], work, env):
                answer = post(port, "/predict", body)
                if json.loads(answer)["predictions"] != labels:
                    raise RuntimeError(f"{backend} {variant} answers unlike the model")
                (work / "expected.json").write_bytes(answer)
                checks = {"MLJET_BODY": str(work / "body.json"),
                          "MLJET_EXPECTED": str(work / "expected.json"),
                          "MLJET_CHECK": "exact"}  # fmt: skip
                requests, seconds, _, _, bad, wrong = load(
                    port, "/predict", work, 32, args.seconds, checks
                )
            if bad or wrong:
                raise RuntimeError(f"{backend} {variant}: {bad} bad, {wrong} wrong")
            rates[variant] = requests / seconds
        ratios.append(rates["guarded"] / rates["unguarded"])
        print(
            f"{backend:>8} pair {pair + 1:>2} ({order[0]} first):"
            f" guarded {rates['guarded']:>7.0f} req/s,"
            f" unguarded {rates['unguarded']:>7.0f} req/s,"
            f" ratio {ratios[-1]:.3f}",
            flush=True,
        )
    return ratios


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--pairs", type=int, default=12, help="per backend (12)")
    cli.add_argument("--seconds", type=int, default=4, help="per load (4)")
    cli.add_argument("--backends", default="fastapi,sanic")
    args = cli.parse_args()
    backends = args.backends.split(",")
    if not set(backends) <= set(BACKENDS):
        cli.error(f"backends: {', '.join(BACKENDS)}")
    if shutil.which("wrk") is None:
        cli.error("wrk is needed (Debian: apt-get install wrk)")
    frame, y = training_data()
    model = MODELS["forest"]().fit(frame, y)
    work = Path(tempfile.mkdtemp(prefix="mljet-guard-"))
    (work / "check.lua").write_text(WRK_SCRIPT)
    summary = []
    try:
        for backend in backends:
            ratios = bench_backend(backend, args, work, model, frame)
            summary.append(
                f"{backend}: median guarded/unguarded {statistics.median(ratios):.3f}"
                f" (the guard costs {1 - statistics.median(ratios):.0%}),"
                f" spread {min(ratios):.2f} to {max(ratios):.2f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(summary))


if __name__ == "__main__":
    main()
