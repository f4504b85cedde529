"""How closely, and how much faster, converted models answer, per family.

Run: python benchmarks/bench_onnx.py [--rows N]

For models of every family that converts (fitted on N rows of 20 features),
each is converted as `--runtime onnx` converts it and both are asked the
same N rows in this process: printed are whether every label matched, the
largest difference of a score (relative to a value above 1 in size, the
measure `--onnx-tolerance` bounds), and the time of one call for 1 and for
100 rows, the model's own beside ONNX Runtime's (one thread each).
These figures chose the default tolerance (docs/runtimes.md).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
from sklearn.datasets import make_classification, make_regression

from generator._base._errors import MljetError
from generator._model._onnx import OnnxModel, answers, compare, session
from generator._steps._describe import describe


class Quiet:
    def step(self, line: str) -> None:
        pass


def models() -> dict[str, tuple[Callable[[], Any], bool]]:
    """Name: (a maker of the unfitted model, whether it is a classifier)."""
    import catboost
    import lightgbm
    import xgboost
    from sklearn.ensemble import (
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "RandomForestClassifier(100, depth 8)": (
            lambda: RandomForestClassifier(100, max_depth=8, random_state=0),
            True,
        ),
        "RandomForestRegressor(100, depth 8)": (
            lambda: RandomForestRegressor(100, max_depth=8, random_state=0),
            False,
        ),
        "HistGradientBoostingRegressor": (
            lambda: HistGradientBoostingRegressor(random_state=0),
            False,
        ),
        "StandardScaler + LogisticRegression": (
            lambda: make_pipeline(StandardScaler(), LogisticRegression()),
            True,
        ),
        "StandardScaler + Ridge": (
            lambda: make_pipeline(StandardScaler(), Ridge()),
            False,
        ),
        "XGBClassifier(100)": (lambda: xgboost.XGBClassifier(n_estimators=100), True),
        "XGBRegressor(100)": (lambda: xgboost.XGBRegressor(n_estimators=100), False),
        "LGBMClassifier(100)": (
            lambda: lightgbm.LGBMClassifier(n_estimators=100, verbose=-1),
            True,
        ),
        "LGBMRegressor(100)": (
            lambda: lightgbm.LGBMRegressor(n_estimators=100, verbose=-1),
            False,
        ),
        "CatBoostClassifier(100)": (
            lambda: catboost.CatBoostClassifier(
                iterations=100, verbose=0, allow_writing_files=False, thread_count=1
            ),
            True,
        ),
        "CatBoostRegressor(100)": (
            lambda: catboost.CatBoostRegressor(
                iterations=100, verbose=0, allow_writing_files=False, thread_count=1
            ),
            False,
        ),
    }


def timed(call: Callable[[], Any]) -> float:
    """The median of 30 calls, in milliseconds."""
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def speed(
    model: Any,
    converted: OnnxModel,
    rows: pd.DataFrame,
    classifier: bool,
    classes: tuple[Any, ...],
) -> str:
    """The model's time for `rows` and ONNX Runtime's (feeding included)."""
    method = model.predict_proba if classifier else model.predict
    run = session(converted)
    native = timed(lambda: method(rows))
    onnx = timed(lambda: answers(converted, run, rows, classes))
    return f"{native:6.2f} /{onnx:6.3f}"


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--rows", type=int, default=5000)
    rows = cli.parse_args().rows
    warnings.simplefilter("ignore")
    names = [f"f{i}" for i in range(20)]
    x, labels = make_classification(n_samples=rows, n_features=20, random_state=0)
    xr, values = make_regression(n_samples=rows, n_features=20, random_state=0)
    print(f"{rows} rows of 20 features; one thread; times of one call, median of 30")
    print(
        f"{'model':<38} {'labels':>7} {'max dev':>9} {'1 row ms':>14} "
        f"{'100 rows ms':>15}"
    )
    for name, (make, classifier) in models().items():
        frame = pd.DataFrame(x if classifier else xr, columns=names)
        model = make().fit(frame, labels if classifier else values * 1000)
        described = describe(model, frame, Quiet())
        features = [f.to_answer() for f in described.schema.features]
        try:
            converted = described.family.to_onnx(model, described.info, features)
        except MljetError as refused:
            print(f"{name:<38} refused: {str(refused)[:90]}")
            continue
        parity = compare(model, converted, frame, described.info)
        speeds = [
            speed(
                model, converted, frame.head(count), classifier, described.info.classes
            )
            for count in (1, 100)
        ]
        print(
            f"{name:<38} {'same' if parity.labels_equal else 'DIFFER':>7} "
            f"{parity.max_deviation:>9.2g} {speeds[0]:>14} {speeds[1]:>15}",
            flush=True,
        )
    print("times: the model's own / ONNX Runtime's (with the feeding of its inputs)")


if __name__ == "__main__":
    main()
