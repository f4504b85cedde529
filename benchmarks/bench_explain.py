"""What `/explain` costs, and what it leaves `/predict`.

Run: python benchmarks/bench_explain.py [--seconds N]

For a 100-tree forest (depth 8, 20 features; `tree_shap`) and an XGBoost
model of the same data (`native_contribs`), one FastAPI worker each:
  /predict alone         wrk, 8 connections, one row a request: the baseline
  /predict beside explain  the same, while one client asks /explain for 10
                         rows again and again (its own thread, one at a time)
  /explain, 1 and 10 rows  wrk, one connection: an explanation's own cost
Needs wrk (apt-get install wrk). Figures are printed side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from serving import WRK_SCRIPT, free_port, load, post, running
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

from generator import cook

FEATURES = 20


def models() -> dict[str, tuple[Any, np.ndarray]]:
    import xgboost

    x, y = make_classification(
        n_samples=2000, n_features=FEATURES, n_informative=10, random_state=0
    )
    forest = RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0)
    booster = xgboost.XGBClassifier(n_estimators=100, max_depth=6)
    return {
        "forest (tree_shap)": (forest.fit(x, y), x),
        "xgboost": (booster.fit(x, y), x),
    }


def explaining(port: int, body: bytes, stop: threading.Event, done: list[int]) -> None:
    """Ask /explain again and again until `stop`, counting the answers."""
    while not stop.is_set():
        post(port, "/explain", body)
        done[0] += 1


def measure(name: str, model: Any, rows: np.ndarray, work: Path, seconds: int) -> None:
    project = work / name.split()[0]
    cook(model, sample=rows[:200], name="bench", output=project, quiet=True, git=False)
    port = free_port()
    env = {
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        "PYTHONPATH": str(project / "src"),
    }
    one = json.dumps({"instances": rows[:1].tolist()}).encode()
    ten = json.dumps({"instances": rows[:10].tolist()}).encode()
    figures: list[tuple[str, str]] = []
    with running([sys.executable, "-m", "bench"], project, env):
        (work / "one.json").write_bytes(one)
        (work / "ten.json").write_bytes(ten)
        answers = {path: post(port, path, one) for path in ("/predict", "/explain")}
        answers["/explain10"] = post(port, "/explain", ten)
        for path, answer in answers.items():
            (work / f"{path.strip('/')}.expected").write_bytes(answer)

        def wrk(path: str, body: str, expected: str, connections: int) -> list[float]:
            wrk_env = {
                "MLJET_BODY": str(work / body),
                "MLJET_EXPECTED": str(work / expected),
            }
            return load(port, path, work, connections, seconds, wrk_env)

        alone = wrk("/predict", "one.json", "predict.expected", 8)
        stop, done = threading.Event(), [0]
        beside = threading.Thread(target=explaining, args=(port, ten, stop, done))
        started = time.perf_counter()
        beside.start()
        try:
            loaded = wrk("/predict", "one.json", "predict.expected", 8)
        finally:
            stop.set()
            beside.join()
        explained = done[0] / (time.perf_counter() - started)
        single = wrk("/explain", "one.json", "explain.expected", 1)
        tens = wrk("/explain", "ten.json", "explain10.expected", 1)
    for label, figures_of in (
        ("/predict alone", alone),
        ("/predict beside /explain", loaded),
        ("/explain, 1 row", single),
        ("/explain, 10 rows", tens),
    ):
        requests, took, p50, p99, bad, wrong = figures_of
        rate = requests / took
        latency = f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
        checked = f"bad {bad:.0f} wrong {wrong:.0f}"
        figures.append((label, f"{rate:9,.0f} req/s  {latency}  {checked}"))
    figures.append(("/explain beside /predict", f"{explained:9,.1f} req/s of 10 rows"))
    print(f"\n{name}, one FastAPI worker, {seconds} s per load")
    for label, text in figures:
        print(f"  {label:26} {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mljet-bench-explain-") as scratch:
        work = Path(scratch)
        (work / "check.lua").write_text(WRK_SCRIPT)
        for name, (model, rows) in models().items():
            measure(name, model, rows, work, args.seconds)


if __name__ == "__main__":
    main()
