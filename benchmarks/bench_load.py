"""How long a service takes to read its model file, per storage format.

Run: python benchmarks/bench_load.py [--repeat N]

The service reads its model once per worker at start-up. For each model the
file is written the way MLJET stores it, and read back the way the service
reads it, timed against joblib's pickle (the baseline) in the same run:
  joblib   joblib.dump / joblib.load: a pickle
  skops    MLJET's skops file, loaded with the reviewed trusted types
  native   the boosting library's own format (XGBoost JSON, LightGBM text)
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import skops.io
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from generator._model._families._skops import dump_with_skops


def _median_seconds(action: Callable[[], Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _stored(model: Any, folder: Path) -> list[tuple[str, Path, Callable[[], Any]]]:
    """Each way MLJET could store `model`: the file and how the service reads it."""
    import lightgbm
    import xgboost

    pickled = folder / "model.joblib"
    joblib.dump(model, pickled)
    ways: list[tuple[str, Path, Callable[[], Any]]] = [
        ("joblib", pickled, functools.partial(joblib.load, pickled))
    ]
    dump = dump_with_skops(model)
    if dump.data is not None:
        path = folder / "model.skops"
        path.write_bytes(dump.data)
        trusted = list(dump.trusted_types)
        ways.append(("skops", path, functools.partial(skops.io.load, path, trusted)))
    if isinstance(model, xgboost.XGBClassifier):
        path = folder / "model.json"
        model.save_model(str(path))
        read = functools.partial(xgboost.XGBClassifier().load_model, str(path))
        ways.append(("native", path, read))
    if isinstance(model, lightgbm.LGBMClassifier):
        path = folder / "model.txt"
        model.booster_.save_model(str(path))
        ways.append(
            ("native", path, functools.partial(lightgbm.Booster, model_file=str(path)))
        )
    return ways


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import lightgbm
    import xgboost

    x, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    models: dict[str, Any] = {
        "logistic pipeline": make_pipeline(StandardScaler(), LogisticRegression()),
        "100-tree forest": RandomForestClassifier(n_estimators=100, random_state=0),
        "xgboost, 100 trees": xgboost.XGBClassifier(n_estimators=100),
        "lightgbm, 100 trees": lightgbm.LGBMClassifier(n_estimators=100, verbose=-1),
    }
    print(f"{'model':<22} {'format':<8} {'size':>9} {'load':>9}  vs joblib")
    with tempfile.TemporaryDirectory() as scratch:
        for name, model in models.items():
            model.fit(x, y)
            baseline = 0.0
            for kind, path, read in _stored(model, Path(scratch)):
                seconds = _median_seconds(read, args.repeat)
                baseline = baseline or seconds  # joblib comes first
                size = f"{path.stat().st_size / 1024:.0f}KB"
                print(
                    f"{name:<22} {kind:<8} {size:>9} {seconds * 1000:>7.1f}ms"
                    f"  {seconds / baseline:>5.2f}x"
                )


if __name__ == "__main__":
    main()
