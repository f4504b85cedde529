"""The report card's figures (`generator/_model/_report.py`), each against
scikit-learn's own metric on the same answers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sklearn import metrics
from sklearn.calibration import calibration_curve
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression

from generator._model._report import (
    CALIBRATION_BINS,
    CURVE_POINTS,
    RESIDUAL_POINTS,
    classifier_card,
    regressor_card,
)

CLOSE = {"rel": 1e-9, "abs": 1e-12}


def holdout(classes: int, labels: list[Any]) -> tuple[Any, Any, Any, Any]:
    """A fitted classifier's answers on a holdout: truth, labels, proba, classes."""
    x, y = make_classification(
        n_samples=900, n_features=8, n_informative=5, n_classes=classes,
        random_state=classes,
    )  # fmt: skip
    named = np.asarray(labels)[y]
    model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)
    model.fit(x[:600], named[:600])
    truth = named[600:]
    return truth, model.predict(x[600:]), model.predict_proba(x[600:]), model.classes_


@pytest.mark.parametrize("labels", [[False, True], ["no", "yes"], [0, 1]])
def test_a_binary_card_agrees_with_scikit_learn(labels: list[Any]) -> None:
    truth, predicted, proba, classes = holdout(2, labels)
    card = classifier_card(list(truth), list(predicted), proba, list(classes))
    positive = classes[1]
    assert card["rows"] == 300 and card["classes"] == list(classes)
    assert card["accuracy"] == pytest.approx(
        metrics.accuracy_score(truth, predicted), **CLOSE
    )
    assert card["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(truth, predicted), **CLOSE
    )
    assert card["f1"] == pytest.approx(
        metrics.f1_score(truth, predicted, pos_label=positive), **CLOSE
    )
    assert card["log_loss"] == pytest.approx(
        metrics.log_loss(truth, proba, labels=classes), **CLOSE
    )
    hits = truth == positive
    assert card["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(hits, proba[:, 1]), **CLOSE
    )
    assert (
        card["confusion_matrix"]
        == metrics.confusion_matrix(truth, predicted, labels=classes).tolist()
    )
    [curve] = card["curves"]
    assert curve["class"] == positive
    assert curve["average_precision"] == pytest.approx(
        metrics.average_precision_score(hits, proba[:, 1]), **CLOSE
    )
    # A forest's scores repeat: the curve has a point per distinct score,
    # as scikit-learn's (which also drops collinear points) passes through.
    fpr, tpr, _ = metrics.roc_curve(hits, proba[:, 1], drop_intermediate=False)
    ours = set(zip(curve["roc"]["fpr"], curve["roc"]["tpr"], strict=True))
    assert len(curve["roc"]["fpr"]) <= CURVE_POINTS
    theirs = {(round(f, 12), round(t, 12)) for f, t in zip(fpr, tpr, strict=True)}
    assert {(round(f, 12), round(t, 12)) for f, t in ours} <= theirs
    assert (0.0, 0.0) in ours and (1.0, 1.0) in ours
    observed, predicted_mean = calibration_curve(
        hits, proba[:, 1], n_bins=CALIBRATION_BINS, strategy="uniform"
    )
    assert [b["observed"] for b in curve["calibration"]] == pytest.approx(observed)
    assert [b["predicted"] for b in curve["calibration"]] == pytest.approx(
        predicted_mean
    )
    assert sum(b["count"] for b in curve["calibration"]) == 300


def test_a_multiclass_card_averages_over_its_classes() -> None:
    truth, predicted, proba, classes = holdout(3, ["setosa", "versicolor", "virginica"])
    card = classifier_card(list(truth), list(predicted), proba, list(classes))
    assert card["f1"] == pytest.approx(
        metrics.f1_score(truth, predicted, average="macro"), **CLOSE
    )
    assert card["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(truth, proba, multi_class="ovr", labels=classes),
        **CLOSE,
    )
    assert [curve["class"] for curve in card["curves"]] == list(classes)


def test_a_class_missing_from_the_holdout_leaves_its_curve_and_the_auc_out() -> None:
    truth, predicted, proba, classes = holdout(3, ["a", "b", "c"])
    keep = truth != "c"
    card = classifier_card(
        list(truth[keep]), list(predicted[keep]), proba[keep], list(classes)
    )
    assert card["roc_auc"] is None
    assert [curve["class"] for curve in card["curves"]] == ["a", "b"]
    assert card["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(truth[keep], predicted[keep]), **CLOSE
    )


def test_a_classifier_without_probabilities_gets_the_label_figures_only() -> None:
    card = classifier_card(["a", "b", "b"], ["a", "b", "a"], None, ["a", "b"])
    assert card["accuracy"] == pytest.approx(2 / 3)
    assert card["confusion_matrix"] == [[1, 0], [1, 1]]
    assert "roc_auc" not in card and "curves" not in card


def test_a_target_value_the_model_never_predicts_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="maybe"):
        classifier_card(["yes", "maybe"], ["yes", "yes"], None, ["no", "yes"])


def test_a_regressor_card_agrees_with_scikit_learn() -> None:
    x, y = make_regression(n_samples=1600, n_features=5, noise=10.0, random_state=0)
    model = LinearRegression().fit(x[:400], y[:400])
    truth, predicted = y[400:], model.predict(x[400:])
    card = regressor_card(list(truth), list(predicted))
    assert card["rows"] == 1200
    assert card["rmse"] == pytest.approx(
        np.sqrt(metrics.mean_squared_error(truth, predicted)), **CLOSE
    )
    assert card["mae"] == pytest.approx(
        metrics.mean_absolute_error(truth, predicted), **CLOSE
    )
    assert card["r2"] == pytest.approx(metrics.r2_score(truth, predicted), **CLOSE)
    residuals = card["residuals"]
    assert len(residuals["predicted"]) == RESIDUAL_POINTS
    assert residuals["predicted"] == sorted(residuals["predicted"])
    pairs = dict(zip(predicted.tolist(), (truth - predicted).tolist(), strict=True))
    for guess, residual in zip(
        residuals["predicted"], residuals["residual"], strict=True
    ):
        assert pairs[guess] == residual
    assert residuals["predicted"][0] == min(predicted)
    assert residuals["predicted"][-1] == max(predicted)


def test_a_constant_target_has_no_r2() -> None:
    assert regressor_card([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])["r2"] is None


@pytest.mark.parametrize("labels", [[False, True], [3, 7], ["no", "yes"]])
def test_a_card_is_plain_json(labels: list[Any]) -> None:
    """numpy's labels (a model's `classes_`) come out as Python's."""
    truth, predicted, proba, classes = holdout(2, labels)
    card = classifier_card(list(truth), list(predicted), proba, list(classes))
    assert json.loads(json.dumps(card)) == card
    assert card["classes"] == labels
