"""The report card at generation: the model's answers for a labelled
holdout (`--eval FILE --target COLUMN`), against the true ones."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._base._errors import MljetError
from .._base._reporting import Steps
from .._model._model_info import ModelInfo
from .._model._report import classifier_card, regressor_card
from .._model._sample import (
    check_model_accepts,
    json_value,
    model_given,
    model_rows,
    read_sample,
)

# Most evaluation rows shipped with the service for its artifact to replay
# (tests/evaluation.json); a larger holdout is scored at generation only.
REPLAYED_ROWS = 10_000


@dataclass(frozen=True)
class Evaluation:
    """The report card, and the rows a built artifact replays to check it
    (`replay`: the instances in feature order and their true answers, as
    JSON; None past REPLAYED_ROWS)."""

    card: dict[str, Any]
    replay: dict[str, Any] | None


def evaluate(
    model: Any, info: ModelInfo, holdout: Any, target: str, report: Steps
) -> Evaluation:
    """The report card of `model` on `holdout` (a file, a DataFrame), whose
    `target` column holds the true answers."""
    frame = read_sample(holdout)
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns[:20]))
        raise MljetError(
            f"--target {target!r} is not a column of the evaluation rows; their "
            f"columns are: {columns}"
        )
    truth = frame.pop(target)
    if truth.isna().any():
        raise MljetError(
            f"--target {target!r} is missing in {int(truth.isna().sum())} of the "
            "evaluation rows: every row needs its true answer"
        )
    check_model_accepts(model, frame, info)
    rows = model_rows(info, frame)
    given = model_given(info, rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = np.asarray(model.predict(given)).reshape(len(frame), -1)[:, 0]
        proba = model.predict_proba(given) if "predict_proba" in info.methods else None
    try:
        if info.task == "regression":
            card = regressor_card(truth.tolist(), predicted.tolist())
            summary = f"RMSE {card['rmse']:.4g}, R² {_figure(card['r2'])}"
        else:
            card = classifier_card(
                truth.tolist(), predicted.tolist(), proba, info.classes
            )
            summary = (
                f"accuracy {card['accuracy']:.4g}, ROC AUC "
                f"{_figure(card.get('roc_auc'))}"
            )
    except ValueError as error:
        raise MljetError(f"--target {target!r}: {error}") from error
    report.step(f"report card: {summary} on {card['rows']} evaluation rows")
    replay = None
    if len(rows) <= REPLAYED_ROWS:
        replay = {
            "target": target,
            "instances": [
                [json_value(v, str(name), "--eval") for name, v in row.items()]
                for row in rows.to_dict("records")
            ],
            "truth": [json_value(v, target, "--eval") for v in truth.tolist()],
        }
    return Evaluation(card, replay)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"
