"""Fit small LightAutoML presets, run by the LightAutoML venv's Python.

`python lightautoml_models.py DIR` writes into DIR, per model: the pickle
(`NAME.joblib`), a sample of its training rows (`NAME-sample.csv`), 200
rows it never saw (`NAME-holdout.csv`, and with their true answers
`NAME-eval.csv`), and `automl.predict` for them (`NAME-scores.json`, one
list of float32 scores per row). The binary preset is fitted through
LightAutoML's ReportDeco, whose report folder is `churn-report/`. Short
timeouts: the models are small, and only their serving is under test.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

HOLDOUT = 200
TRAINING = 600


def frame(rows: int, seed: int) -> pd.DataFrame:
    """Numbers (one with gaps), a category and a date, and two targets."""
    draw = np.random.default_rng(seed)
    numbers = draw.normal(size=(rows, 4))
    data = pd.DataFrame(numbers, columns=["income", "age", "debt", "score"])
    data.loc[draw.random(rows) < 0.1, "debt"] = np.nan
    data["city"] = draw.choice(["Oslo", "Lima", "Pune", "Kyiv"], rows)
    data["joined"] = (
        pd.Timestamp("2021-01-01") + pd.to_timedelta(draw.integers(0, 900, rows), "D")
    ).strftime("%Y-%m-%d")
    signal = numbers[:, 0] - numbers[:, 1] + (data["city"] == "Oslo") * 1.5
    data["churned"] = np.where(signal + draw.normal(size=rows) > 0, "yes", "no")
    data["spend"] = 100 + 20 * signal + draw.normal(size=rows)
    data["plan"] = np.select([signal < -0.7, signal < 0.7], ["basic", "plus"], "pro")
    return data


def fit(kind: str, task: str, target: str, report: Path | None) -> Any:
    from lightautoml.automl.presets.tabular_presets import (
        TabularAutoML,
        TabularUtilizedAutoML,
    )
    from lightautoml.report.report_deco import ReportDeco
    from lightautoml.tasks import Task

    preset = {"plain": TabularAutoML, "utilized": TabularUtilizedAutoML}[kind]
    automl = preset(
        task=Task(task),
        timeout=20,
        cpu_limit=1,
        general_params={"use_algos": [["linear_l2", "lgb"]]},
        reader_params={"n_jobs": 1, "cv": 3},
    )
    training = labelled(frame(TRAINING, seed=1), target)
    # ReportDeco wraps the preset, and writes its report as it fits.
    fitting = automl if report is None else ReportDeco(output_path=str(report))(automl)
    fitting.fit_predict(
        training, roles={"target": target, "datetime": "joined"}, verbose=0
    )
    return automl


def labelled(data: pd.DataFrame, target: str) -> pd.DataFrame:
    """`data` with the one target, the binary one as 0 and 1 (ReportDeco's
    binary report takes no other labels)."""
    data = data.drop(columns=[c for c in TARGETS if c != target])
    if target == "churned":
        data[target] = (data[target] == "yes").astype(int)
    return data


TARGETS = ("churned", "spend", "plan")
MODELS = {
    # name: (preset, LightAutoML task, target)
    "churn": ("plain", "binary", "churned"),
    "spend": ("plain", "reg", "spend"),
    "plan": ("utilized", "multiclass", "plan"),
}


def main(directory: Path) -> None:
    warnings.simplefilter("ignore")
    directory.mkdir(parents=True, exist_ok=True)
    unseen = frame(HOLDOUT, seed=2)
    holdout = unseen.drop(columns=list(TARGETS))
    for name, (kind, task, target) in MODELS.items():
        report = directory / f"{name}-report" if task == "binary" else None
        automl = fit(kind, task, target, report)
        joblib.dump(automl, directory / f"{name}.joblib")
        sample = frame(100, seed=1).drop(columns=list(TARGETS))
        sample.to_csv(directory / f"{name}-sample.csv", index=False)
        holdout.to_csv(directory / f"{name}-holdout.csv", index=False)
        labelled(unseen, target).to_csv(directory / f"{name}-eval.csv", index=False)
        scores = np.asarray(automl.predict(holdout).data)
        facts = {
            "scores": scores.tolist(),
            "used_features": [str(f) for f in automl_reader(automl).used_features],
            "classes": classes(automl_reader(automl), task),
        }
        (directory / f"{name}-scores.json").write_text(json.dumps(facts))


def classes(reader: Any, task: str) -> list[Any]:
    """The labels in the order of the scores' columns."""
    if task == "reg":
        return []
    mapping = reader.class_mapping
    if mapping is None:  # the labels were 0..k-1 already
        return list(range(2 if task == "binary" else reader._n_classes))
    return [label for label, _ in sorted(mapping.items(), key=lambda item: item[1])]


def automl_reader(automl: Any) -> Any:
    if hasattr(automl, "reader"):
        return automl.reader
    return automl.outer_pipes[0].ml_algos[0].models[0][0].reader


if __name__ == "__main__":
    main(Path(sys.argv[1]))
