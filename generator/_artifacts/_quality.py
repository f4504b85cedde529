"""Verified quality: a built artifact earns the report card it ships with.

A service generated with `--eval` keeps its report card, the methods it
asked, and the evaluation rows the card was computed on with their true
answers, in `tests/evaluation.json` (`evaluation_rows` writes it). The
running artifact is asked for its answers to those rows, the card is
computed again from them with the same functions, and every figure must
be the recorded one: a figure of labels (accuracy, balanced accuracy, F1,
the confusion matrix) exactly; a figure of scores (log loss, ROC AUC,
average precision, RMSE, MAE, R²) within SCORE_ROUNDING of it, the
rounding between the model's own arrays (float32 for some libraries) and
the service's JSON, or, for a model converted to ONNX, within what its
tolerance allows each answer to move.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .._base._errors import MljetError
from .._model._report import classifier_card, regressor_card
from ._parity import posted

# Where the project keeps them.
EVALUATION_ROWS = "tests/evaluation.json"

# Relative to each figure: float32 arithmetic rounds at about 6e-8.
SCORE_ROUNDING = 1e-6
# Figures computed from labels, which no rounding moves.
LABEL_FIGURES = frozenset(
    {
        "task",
        "rows",
        "classes",
        "accuracy",
        "balanced_accuracy",
        "f1",
        "confusion_matrix",
    }
)
# What the page draws from the same answers the figures come from.
DRAWN = frozenset({"curves", "residuals"})
# Rows per request: within any service's MAX_INSTANCES.
CHUNK = 100


def evaluation_rows(
    card: dict[str, Any], methods: list[str], replay: dict[str, Any]
) -> str:
    """The text of `tests/evaluation.json`: the card, the methods, and the
    rows to replay (`replay`: `target`, `instances`, `truth`)."""
    return json.dumps({"card": card, "methods": methods, **replay}) + "\n"


def check_report_card(url: str, project: Path, tolerance: float, scale: float) -> int:
    """Replay the evaluation rows at `url`; return how many were replayed
    (0: the service has no report card, or its rows were not shipped).

    `tolerance` and `scale` are the golden answers': how far each score may
    move (relative to `scale`), 0 but for a converted model.
    """
    rows_file = project / EVALUATION_ROWS
    if not rows_file.is_file():
        return 0
    rows = json.loads(rows_file.read_text())
    recorded, instances, truth = rows["card"], rows["instances"], rows["truth"]
    predicted = _answers(url, "predict", instances)
    if recorded["task"] == "regression":
        replayed = regressor_card(truth, predicted)
    else:
        proba = None
        if "predict_proba" in rows["methods"]:
            keys = [str(label) for label in recorded["classes"]]
            scores = _answers(url, "predict_proba", instances)
            proba = np.array([[answer[k] for k in keys] for answer in scores])
        replayed = classifier_card(truth, predicted, proba, recorded["classes"])
    differences = card_differences(recorded, replayed, tolerance * scale)
    if differences:
        raise MljetError(
            f"its report card on the {len(instances)} evaluation rows is not the "
            f"one recorded at generation: {'; '.join(differences)}"
        )
    return len(instances)


def card_differences(
    recorded: dict[str, Any], replayed: dict[str, Any], moved: float
) -> list[str]:
    """Each figure of `replayed` that is not `recorded`'s, said for a person.

    `moved`: how far a converted model's answers may move (0: native).
    """
    differences = []
    for name, value in recorded.items():
        if name in DRAWN:
            continue
        found = replayed.get(name)
        if name in LABEL_FIGURES or not isinstance(value, float):
            same = found == value
        else:
            bound = max(SCORE_ROUNDING * max(1.0, abs(value)), moved)
            same = isinstance(found, float) and abs(found - value) <= bound
        if not same:
            differences.append(f"{name} {found!r} instead of {value!r}")
    return differences


def _answers(url: str, method: str, instances: list[Any]) -> list[Any]:
    return [
        answer
        for start in range(0, len(instances), CHUNK)
        for answer in posted(
            url, method, instances[start : start + CHUNK], "predictions"
        )
    ]
