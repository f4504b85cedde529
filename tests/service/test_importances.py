"""A model's own importances (`src/PACKAGE/importances.py`): read from the
fitted model, whatever its library, and only one value per feature."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from conftest import Core

X = np.random.default_rng(0).normal(size=(60, 3))
Y = (X[:, 0] > 0).astype(int)


def read(core: Core, model: Any, count: int = 3) -> Any:
    return core.module("importances").importances(model, count)


def test_a_forest_gives_its_feature_importances(core: Core) -> None:
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, Y)
    found = read(core, forest)
    assert found.kind == "feature_importances_"
    assert list(found.values) == forest.feature_importances_.tolist()


def test_a_linear_model_gives_its_mean_coefficient_magnitude(core: Core) -> None:
    three = np.array([0, 1, 2] * 20)
    logistic = LogisticRegression(max_iter=500).fit(X, three)
    found = read(core, make_pipeline(StandardScaler(), logistic))
    assert found.kind == "mean |coef_|"
    assert list(found.values) == np.abs(logistic.coef_).mean(axis=0).tolist()


def test_nothing_is_guessed_when_the_last_step_sees_other_columns(
    core: Core,
) -> None:
    categories = np.array([["a"], ["b"], ["c"]] * 20)
    encoded = make_pipeline(OneHotEncoder(), Ridge()).fit(categories, X[:, 0])
    assert read(core, encoded, count=1) is None
    assert read(core, object()) is None
    assert read(core, Ridge().fit(X, X[:, 0]), count=4) is None


def test_a_lightgbm_booster_gives_its_gain(core: Core) -> None:
    import lightgbm

    booster = lightgbm.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, Y)
    found = read(core, booster)
    assert found.kind == "gain"
    gain = booster.booster_.feature_importance(importance_type="gain")
    assert list(found.values) == gain.tolist()
