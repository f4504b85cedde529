"""The model's report card: how it does on a labelled holdout, in figures.

`classifier_card` and `regressor_card` take the holdout's true values and
the model's answers for it and return the figures as plain JSON values: the
scores, the confusion matrix, and the curves (each at most `CURVE_POINTS`
points, enough to draw, small enough to ship in the service's answers).
They need numpy only, whichever library made the model; the suite checks
them against scikit-learn's own metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# Most points a curve keeps; the first and last are always kept.
CURVE_POINTS = 101
# Bins of the calibration curve, over [0, 1].
CALIBRATION_BINS = 10
# Most (prediction, residual) pairs a regressor's card keeps, evenly spread.
RESIDUAL_POINTS = 500
# Probabilities are clipped this far from 0 and 1 for the log loss, as
# scikit-learn clips them (the float64 machine epsilon).
_EPSILON = float(np.finfo(np.float64).eps)

Array = np.ndarray[Any, Any]


def classifier_card(
    truth: Sequence[Any], predicted: Sequence[Any], proba: Any, classes: Sequence[Any]
) -> dict[str, Any]:
    """A classifier's figures: `truth` and `predicted` are labels, `proba` a
    row of probabilities per instance in the order of `classes` (None: the
    model gives none, and the figures that need them are left out).

    Binary figures (F1, the curves) take `classes[1]` as the positive class;
    with more classes F1 and ROC AUC are the unweighted means over the
    classes (one against the rest), and the curves are per class.
    """
    # numpy's scalars (a model's classes_) as Python's, which JSON takes.
    labels = [c.item() if isinstance(c, np.generic) else c for c in classes]
    index = {label: position for position, label in enumerate(labels)}
    unknown = sorted({str(t) for t in truth if t not in index})
    if unknown:
        raise ValueError(
            f"the target holds values the model does not predict: {unknown[:5]}"
        )
    true = np.array([index[t] for t in truth])
    guess = np.array([index[p] for p in predicted])
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(confusion, (true, guess), 1)
    present = confusion.sum(axis=1) > 0
    recalls = np.diag(confusion)[present] / confusion.sum(axis=1)[present]
    card: dict[str, Any] = {
        "task": "classification",
        "rows": int(true.size),
        "classes": labels,
        "accuracy": float(np.mean(true == guess)),
        "balanced_accuracy": float(np.mean(recalls)),
        "f1": _f1(confusion),
        "confusion_matrix": confusion.tolist(),
    }
    if proba is None:
        return card
    scores = np.asarray(proba, dtype=np.float64).reshape(true.size, len(labels))
    chosen = np.clip(scores[np.arange(true.size), true], _EPSILON, 1 - _EPSILON)
    card["log_loss"] = float(-np.mean(np.log(chosen)))
    positives = [1] if len(labels) == 2 else range(len(labels))
    curves = {
        labels[k]: _curves(true == k, scores[:, k])
        for k in positives
        if 0 < np.sum(true == k) < true.size
    }
    aucs = [curve["roc_auc"] for curve in curves.values()]
    card["roc_auc"] = float(np.mean(aucs)) if len(aucs) == len(positives) else None
    card["curves"] = [{"class": label, **curve} for label, curve in curves.items()]
    return card


def regressor_card(truth: Sequence[Any], predicted: Sequence[Any]) -> dict[str, Any]:
    """A regressor's figures: RMSE, MAE, R² and residuals against
    predictions (truth minus prediction)."""
    true = np.asarray(truth, dtype=np.float64).reshape(-1)
    guess = np.asarray(predicted, dtype=np.float64).reshape(-1)
    residuals = true - guess
    spread = float(np.sum((true - true.mean()) ** 2))
    kept = _evenly(np.argsort(guess, kind="stable"), RESIDUAL_POINTS)
    return {
        "task": "regression",
        "rows": int(true.size),
        "rmse": float(np.sqrt(np.mean(residuals**2))),
        "mae": float(np.mean(np.abs(residuals))),
        # Undefined for a constant target, as scikit-learn's (which says 0
        # or 1 with a warning) is not a figure to show.
        "r2": 1 - float(np.sum(residuals**2)) / spread if spread else None,
        "residuals": {
            "predicted": guess[kept].tolist(),
            "residual": residuals[kept].tolist(),
        },
    }


def _f1(confusion: Array) -> float:
    """Binary: the positive class's (the second); else the macro mean over
    the classes that are true or predicted somewhere."""
    true_positives = np.diag(confusion).astype(np.float64)
    found = confusion.sum(axis=0) + confusion.sum(axis=1)
    per_class = np.divide(
        2 * true_positives, found, out=np.zeros_like(true_positives), where=found > 0
    )
    if len(confusion) == 2:
        return float(per_class[1])
    return float(np.mean(per_class[found > 0]))


def _curves(positive: Array, score: Array) -> dict[str, Any]:
    """ROC and precision-recall curves, ROC AUC, and calibration, of `score`
    for the instances where `positive` holds."""
    order = np.argsort(-score, kind="stable")
    ranked, hits = score[order], positive[order]
    # One point per distinct score, after all the instances that share it.
    last = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]
    true_positives = np.cumsum(hits)[last].astype(np.float64)
    false_positives = (last + 1) - true_positives
    tpr = np.r_[0.0, true_positives / true_positives[-1]]
    fpr = np.r_[0.0, false_positives / false_positives[-1]]
    precision = true_positives / (last + 1)
    recall = true_positives / true_positives[-1]
    keep_roc = _evenly(np.arange(tpr.size), CURVE_POINTS)
    keep_pr = _evenly(np.arange(recall.size), CURVE_POINTS)
    return {
        "roc_auc": float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)),
        "roc": {"fpr": fpr[keep_roc].tolist(), "tpr": tpr[keep_roc].tolist()},
        # Average precision: precision at each recall step, weighted by it.
        "average_precision": float(np.sum(np.diff(np.r_[0.0, recall]) * precision)),
        "precision_recall": {
            "recall": recall[keep_pr].tolist(),
            "precision": precision[keep_pr].tolist(),
        },
        "calibration": _calibration(positive, score),
    }


def _calibration(positive: Array, score: Array) -> list[dict[str, float]]:
    """Per non-empty bin of predicted probability: its mean prediction, the
    share of positives in it, and its count."""
    bins = np.minimum((score * CALIBRATION_BINS).astype(np.int64), CALIBRATION_BINS - 1)
    rows = []
    for position in range(CALIBRATION_BINS):
        inside = bins == position
        if inside.any():
            rows.append(
                {
                    "predicted": float(score[inside].mean()),
                    "observed": float(positive[inside].mean()),
                    "count": int(inside.sum()),
                }
            )
    return rows


def _evenly(positions: Array, most: int) -> Array:
    """At most `most` of `positions`, evenly spread, the first and last kept."""
    if positions.size <= most:
        return positions
    picked = np.unique(np.linspace(0, positions.size - 1, most).round().astype(int))
    kept: Array = positions[picked]
    return kept
