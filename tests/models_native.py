"""Native boosters, each given to the generator as its library's own file
(XGBoost JSON or UBJSON, LightGBM text, CatBoost .cbm), and what each must
answer like: its library's classifier or regressor."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification, make_regression

from models import Case, listed


class BoosterClassifier:
    """A native booster's class probabilities, as its library's classifier.

    `probabilities` is the booster's own prediction call; a binary booster
    gives the probability of the second class only.
    """

    def __init__(self, probabilities: Any, classes: list[Any]) -> None:
        self._probabilities = probabilities
        self.classes_ = np.asarray(classes)

    def predict_proba(self, inputs: Any) -> np.ndarray:
        scores = np.asarray(self._probabilities(inputs))
        return np.column_stack([1 - scores, scores]) if scores.ndim == 1 else scores

    def predict(self, inputs: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(inputs), axis=1)]


class BoosterRegressor:
    def __init__(self, values: Any) -> None:
        self.predict = values


def _xgboost_booster(name: str, objective: str, suffix: str, **extra: Any) -> Case:
    import xgboost

    x, y = make_classification(
        n_samples=300, n_features=4, n_informative=3, n_redundant=0,
        n_classes=extra.get("num_class", 2), random_state=13,
    )  # fmt: skip
    if objective.startswith("reg:"):
        x, y = make_regression(n_samples=300, n_features=4, random_state=13)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    named = suffix == ".json"
    data = xgboost.DMatrix(frame if named else x, label=y)
    booster = xgboost.train({"objective": objective, **extra}, data, 15)

    def outputs(inputs: Any) -> Any:
        return booster.predict(xgboost.DMatrix(inputs))

    classes = list(range(max(extra.get("num_class", 2), 2)))
    reference = (
        BoosterRegressor(outputs)
        if objective.startswith("reg:")
        else BoosterClassifier(outputs, classes)
    )
    inputs = frame.head(40) if named else x[:40]
    sample = frame.head(40) if named else None
    return Case(name, booster, sample, inputs, reference, suffix)


@listed("xgboost", "binary", native=True)
def xgboost_booster_binary() -> Case:
    """A native XGBoost Booster given as a JSON file, on named columns."""
    return _xgboost_booster("xgboost_booster_binary", "binary:logistic", ".json")


@listed("xgboost", "multiclass", native=True)
def xgboost_booster_multiclass() -> Case:
    """A native Booster given as UBJSON, fitted on an unnamed array."""
    return _xgboost_booster(
        "xgboost_booster_multiclass", "multi:softprob", ".ubj", num_class=3
    )


@listed("xgboost", "regression", native=True)
def xgboost_booster_regression() -> Case:
    return _xgboost_booster("xgboost_booster_regression", "reg:squarederror", ".json")


def _lightgbm_booster(name: str, objective: str, **extra: Any) -> Case:
    import lightgbm

    classes = max(extra.get("num_class", 2), 2)
    if objective == "regression":
        x, y = make_regression(n_samples=300, n_features=4, random_state=14)
    else:
        x, y = make_classification(
            n_samples=300, n_features=4, n_informative=3, n_redundant=0,
            n_classes=classes, random_state=14,
        )  # fmt: skip
    named = objective != "binary"
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    data = lightgbm.Dataset(frame if named else x, label=y)
    parameters = {"objective": objective, "verbose": -1, **extra}
    booster = lightgbm.train(parameters, data, num_boost_round=15)
    reference = (
        BoosterRegressor(booster.predict)
        if objective == "regression"
        else BoosterClassifier(booster.predict, list(range(classes)))
    )
    inputs = frame.head(40) if named else x[:40]
    return Case(name, booster, inputs if named else None, inputs, reference, ".txt")


@listed("lightgbm", "binary", native=True)
def lightgbm_booster_binary() -> Case:
    """A native LightGBM Booster given as a text file, on an unnamed array."""
    return _lightgbm_booster("lightgbm_booster_binary", "binary")


@listed("lightgbm", "multiclass", native=True)
def lightgbm_booster_multiclass() -> Case:
    return _lightgbm_booster("lightgbm_booster_multiclass", "multiclass", num_class=3)


@listed("lightgbm", "regression", native=True)
def lightgbm_booster_regression() -> Case:
    return _lightgbm_booster("lightgbm_booster_regression", "regression")


def _catboost_model(name: str, loss: str) -> Case:
    """A plain catboost.CatBoost model given as a .cbm file."""
    import catboost

    if loss == "RMSE":
        x, y = make_regression(n_samples=300, n_features=4, random_state=15)
    else:
        x, y = make_classification(
            n_samples=300, n_features=4, n_informative=3, n_redundant=0,
            n_classes=3 if loss == "MultiClass" else 2, random_state=15,
        )  # fmt: skip
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["plan"] = np.array(["basic", "gold"])[(x[:, 0] > 0).astype(int)]
    labels = np.array(["no", "yes", "maybe"])[y] if loss != "RMSE" else y
    model = catboost.CatBoost(
        {"loss_function": loss, "iterations": 20, "verbose": 0,
         "allow_writing_files": False},
    ).fit(frame, labels, cat_features=["plan"])  # fmt: skip

    def probabilities(inputs: Any) -> Any:
        return model.predict(inputs, prediction_type="Probability")

    reference = (
        BoosterRegressor(model.predict)
        if loss == "RMSE"
        else BoosterClassifier(probabilities, model.classes_.tolist())
    )
    sample = frame.head(40)
    return Case(name, model, sample, sample, reference, ".cbm")


@listed("catboost", "binary", native=True, onnx=False)
def catboost_model_binary() -> Case:
    return _catboost_model("catboost_model_binary", "Logloss")


@listed("catboost", "multiclass", native=True, onnx=False)
def catboost_model_multiclass() -> Case:
    return _catboost_model("catboost_model_multiclass", "MultiClass")


@listed("catboost", "regression", native=True, onnx=False)
def catboost_model_regression() -> Case:
    return _catboost_model("catboost_model_regression", "RMSE")
