# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The report card, `GET /report`: how the model did on labelled rows at
generation (`--eval FILE --target COLUMN`), on one HTML page.

A classifier's scores, its confusion matrix, and per class its ROC,
precision-recall and calibration curves; a regressor's scores and its
residuals against its predictions. The charts are SVG drawn here, on the
page itself: no script, no CDN, so it works offline and under the pages'
Content-Security-Policy. `templates/report.html` is the page; Jinja escapes
every value put in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .pages import TEMPLATES

# A chart's drawing area, in the SVG's own units, inside its margin.
WIDTH, HEIGHT, MARGIN = 240.0, 240.0, 34.0


def report_page(service: str, card: Mapping[str, Any], root_path: str) -> bytes:
    """The page of `card` (as the generator recorded it) for `service`."""
    base = f"{root_path}/" if root_path else ""
    classes = [str(label) for label in card.get("classes", ())]
    page = TEMPLATES.get_template("report.html").render(
        service=service,
        base=base,
        card=card,
        scores=_scores(card),
        classes=classes,
        matrix=_matrix(card, classes),
        curves=[_class_curves(curve) for curve in card.get("curves", ())],
        residuals=_residuals(card.get("residuals")),
    )
    return page.encode()


def _scores(card: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The card's scores, named as people read them."""
    names = [
        ("rows", "rows evaluated"), ("accuracy", "accuracy"),
        ("balanced_accuracy", "balanced accuracy"), ("f1", "F1"),
        ("roc_auc", "ROC AUC"), ("log_loss", "log loss"), ("rmse", "RMSE"),
        ("mae", "MAE"), ("r2", "R²"),
    ]  # fmt: skip
    shown = []
    for key, label in names:
        if key in card:
            value = card[key]
            shown.append((label, "n/a" if value is None else _number(value)))
    return shown


def _number(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4g}"


# Shades of a confusion matrix's cell, by its share of its true class.
SHADES = 5


def _matrix(card: Mapping[str, Any], classes: Sequence[str]) -> list[dict[str, Any]]:
    """The confusion matrix's rows (true classes), each cell with its count
    and shade (its share of the row, in SHADES steps)."""
    rows = []
    for truth, counts in zip(classes, card.get("confusion_matrix", ()), strict=True):
        total = sum(counts) or 1
        shades = [min(SHADES - 1, int(count / total * SHADES)) for count in counts]
        rows.append({"truth": truth, "cells": list(zip(counts, shades, strict=True))})
    return rows


def _class_curves(curve: Mapping[str, Any]) -> dict[str, Any]:
    roc, pr = curve["roc"], curve["precision_recall"]
    calibration = curve["calibration"]
    return {
        "label": str(curve["class"]),
        "roc_auc": _number(curve["roc_auc"]),
        "average_precision": _number(curve["average_precision"]),
        "roc": _polyline(roc["fpr"], roc["tpr"]),
        "pr": _polyline(pr["recall"], pr["precision"]),
        "calibration": _polyline(
            [b["predicted"] for b in calibration], [b["observed"] for b in calibration]
        ),
        "calibration_points": _points(
            [b["predicted"] for b in calibration], [b["observed"] for b in calibration]
        ),
    }


def _residuals(residuals: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The residuals' scatter, scaled to the chart, with its axes' ranges."""
    if not residuals or not residuals["predicted"]:
        return None
    xs, ys = residuals["predicted"], residuals["residual"]
    low_x, high_x = min(xs), max(xs)
    bound = max(abs(min(ys)), abs(max(ys))) or 1.0
    scaled_x = [_share(x, low_x, high_x) for x in xs]
    scaled_y = [(y + bound) / (2 * bound) for y in ys]
    return {
        "points": _points(scaled_x, scaled_y),
        "x_range": (_number(low_x), _number(high_x)),
        "y_bound": _number(bound),
        "zero": _y(0.5),
    }


def _share(value: float, low: float, high: float) -> float:
    return 0.5 if high == low else (value - low) / (high - low)


def _x(share: float) -> float:
    return round(MARGIN + share * WIDTH, 1)


def _y(share: float) -> float:
    return round(MARGIN + (1 - share) * HEIGHT, 1)


def _polyline(xs: Sequence[float], ys: Sequence[float]) -> str:
    """SVG polyline points for values in [0, 1] on both axes."""
    return " ".join(f"{_x(x)},{_y(y)}" for x, y in zip(xs, ys, strict=True))


def _points(xs: Sequence[float], ys: Sequence[float]) -> list[tuple[float, float]]:
    return [(_x(x), _y(y)) for x, y in zip(xs, ys, strict=True)]
