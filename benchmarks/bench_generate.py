"""How long generation takes, against what loading the model alone costs.

Run: python benchmarks/bench_generate.py [--runs N]

Trains a small model (a 20-tree forest on 6 features), then times, each as
the median of N fresh processes:
  baseline   python -c "import joblib; joblib.load(model)"  (the floor: any
             tool that reads the model pays for importing its library)
  generate   python -m generator model --sample sample.csv  (rendered,
             golden values recorded, requirements pinned, formatted)
and, in one process with the model already in memory (a notebook):
  cook()     generator.cook(model, sample=frame)
with each step's share of cook(): storing the model and the first render
(staging), then each hook (the typecheck hook starts mypy beside the others
and only waits for it at the end).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier


def timing(steps: dict[str, list[float]], name: str, step: Callable[..., Any]) -> Any:
    @functools.wraps(step)
    def run(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return step(*args)
        finally:
            steps.setdefault(name, []).append(time.perf_counter() - started)

    return run


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--runs", type=int, default=5)
    runs = cli.parse_args().runs
    work = Path(tempfile.mkdtemp(prefix="mljet-bench-"))
    try:
        x, y = make_classification(n_samples=500, n_features=6, random_state=0)
        frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
        model = RandomForestClassifier(n_estimators=20, random_state=0).fit(frame, y)
        joblib.dump(model, work / "model.joblib")
        frame.head(100).to_csv(work / "sample.csv", index=False)

        load = [sys.executable, "-c", "import joblib; joblib.load('model.joblib')"]
        baseline, generate = [], []
        for run in range(runs):
            baseline.append(timed(load, work))
            command = [sys.executable, "-m", "generator", "model.joblib", "--sample",
                       "sample.csv", "--output", f"svc{run}", "--quiet"]  # fmt: skip
            generate.append(timed(command, work))

        import generator._entry_points._cook
        import generator._rendering._hooks
        from generator import cook

        steps: dict[str, list[float]] = {}
        generator._entry_points._cook.stage = timing(
            steps, "staging", generator._entry_points._cook.stage
        )
        hooks = tuple(
            replace(hook, run=timing(steps, hook.name, hook.run))
            for hook in generator._rendering._hooks.HOOKS
        )
        generator._entry_points._cook.run_hooks = functools.partial(
            generator._rendering._hooks.run_hooks, hooks=hooks
        )
        in_memory = []
        for run in range(runs):
            started = time.perf_counter()
            cook(model, sample=frame.head(100), output=work / f"nb{run}", quiet=True)
            in_memory.append(time.perf_counter() - started)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = statistics.median(baseline)
    cli_time = statistics.median(generate)
    cook_time = statistics.median(in_memory)
    print(f"runs per figure: {runs} (medians)")
    ratio = cli_time / base
    over = cli_time - base
    print(f"baseline  load the model in a fresh python : {base:6.2f} s")
    print(f"generate  python -m generator (CLI)        : {cli_time:6.2f} s "
          f"= {ratio:.2f} x baseline, {over:+.2f} s over it")  # fmt: skip
    print(f"cook()    model already in memory          : {cook_time:6.2f} s "
          f"= {cook_time / base:.2f} x baseline")  # fmt: skip
    for name, durations in steps.items():
        share = statistics.median(durations)
        print(f"  {name:<12} {share:5.2f} s  {share / cook_time:4.0%} of cook()")


if __name__ == "__main__":
    main()
