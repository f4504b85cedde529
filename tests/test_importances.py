"""What a model leans on, measured at generation (`_model/_importances.py`):
its own measure, a pipeline's last step's traced back to the input
columns, or permutation importance on the sample."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC

from generator._model import _importances
from generator._model._importances import Importances
from generator._steps._describe import describe

RNG = np.random.default_rng(0)
ROWS = 200
FRAME = pd.DataFrame(
    {
        "age": RNG.normal(40, 10, ROWS),
        "fare": RNG.exponential(30, ROWS),
        "sex": RNG.choice(["f", "m"], ROWS),
        "port": RNG.choice(["C", "Q", "S"], ROWS),
    }
)
TARGET = (FRAME["sex"] == "f").astype(int) * 10 + FRAME["age"] / 10


class Quiet:
    def step(self, line: str) -> None:
        del line


def measured(model: Any, sample: pd.DataFrame | None = FRAME) -> Importances | None:
    described = describe(model, sample, Quiet())
    return described.importances


def test_a_model_gives_its_own_measure_per_feature() -> None:
    numbers = FRAME[["age", "fare"]]
    forest = RandomForestRegressor(n_estimators=5, random_state=0)
    forest.fit(numbers, TARGET)
    found = measured(forest, numbers)
    assert found is not None and found.kind == "feature_importances_"
    assert list(found.values) == forest.feature_importances_.tolist()
    # Without a sample too: the model says it itself.
    assert measured(forest, None) == found


def test_a_pipelines_last_step_is_traced_back_to_the_inputs_it_was_made_of() -> None:
    # The ColumnTransformer puts the categories' columns first: matching its
    # output to the inputs by position would name the wrong features.
    encoder = ColumnTransformer(
        [
            ("categories", OneHotEncoder(), ["sex", "port"]),
            ("numbers", StandardScaler(), ["age", "fare"]),
        ]
    )
    linear = LinearRegression()
    pipeline = make_pipeline(encoder, linear).fit(FRAME, TARGET)
    found = measured(pipeline)
    assert found is not None and found.kind == "mean |coef_|"
    coef = np.abs(linear.coef_)
    # sex: f, m; port: C, Q, S; then age, fare.
    expected = [coef[5], coef[6], coef[0] + coef[1], coef[2] + coef[3] + coef[4]]
    assert found.values == pytest.approx(expected, rel=1e-12)
    assert "summed over the columns each input becomes" in found.how


def test_an_ordinal_encoding_of_as_many_columns_is_traced_too() -> None:
    encoder = ColumnTransformer(
        [
            ("categories", OrdinalEncoder(), ["sex", "port"]),
            ("numbers", "passthrough", ["age", "fare"]),
        ]
    )
    forest = RandomForestRegressor(n_estimators=5, random_state=0)
    pipeline = make_pipeline(encoder, forest).fit(FRAME, TARGET)
    found = measured(pipeline)
    assert found is not None
    own = forest.feature_importances_
    assert found.values == pytest.approx([own[2], own[3], own[0], own[1]])


def test_columns_made_of_several_inputs_are_measured_by_permutation() -> None:
    numbers = FRAME[["age", "fare"]]
    pipeline = make_pipeline(StandardScaler(), PCA(2), LinearRegression())
    pipeline.fit(numbers, TARGET)
    found = measured(pipeline, numbers)
    assert found is not None
    assert found.kind == "permutation: mean change of the prediction"
    assert "made from several inputs" in found.how
    # age drives the target; fare does not.
    assert found.values[0] > 5 * found.values[1]


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        (HistGradientBoostingClassifier(max_iter=20), "mean change of the class "
         "probabilities"),
        (SVC(), "share of the answers that change"),
    ],
    ids=["probabilities", "labels"],
)  # fmt: skip
def test_a_model_without_a_measure_is_measured_by_permutation_seeded(
    model: Any, kind: str
) -> None:
    numbers = FRAME[["age", "fare"]]
    model.fit(numbers, FRAME["age"] > 40)
    found = measured(model, numbers)
    assert found is not None and found.kind == f"permutation: {kind}"
    assert f"shuffled among {ROWS} sample rows" in found.how
    assert found.values[0] > found.values[1]
    # Seeded: the same every time.
    assert measured(model, numbers) == found


def test_without_a_sample_nothing_is_measured() -> None:
    numbers = FRAME[["age", "fare"]]
    model = SVC().fit(numbers, FRAME["age"] > 40)
    assert measured(model, None) is None


class Slow(BaseEstimator, RegressorMixin):  # type: ignore[misc]
    """A model that takes a millisecond a row."""

    def fit(self, x: Any, y: Any) -> Slow:
        self.n_features_in_ = np.asarray(x).shape[1]
        return self

    def predict(self, x: Any) -> Any:
        time.sleep(0.001 * len(x))
        return np.zeros(len(x))


def test_a_model_too_slow_to_permute_within_the_budget_gets_no_measure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers = FRAME[["age", "fare"]].to_numpy()
    slow = Slow().fit(numbers, TARGET)
    # 2 features, one shuffle of 50 rows at least: 0.1 s, over 0.05 s.
    monkeypatch.setattr(_importances, "BUDGET", 0.05)
    assert measured(slow, pd.DataFrame(numbers)) is None


def test_a_lightgbm_booster_gives_its_gain() -> None:
    import lightgbm

    numbers = FRAME[["age", "fare"]]
    booster = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1)
    booster.fit(numbers, TARGET)
    found = measured(booster, numbers)
    assert found is not None and found.kind == "gain"
    gain = booster.booster_.feature_importance(importance_type="gain")
    assert list(found.values) == gain.tolist()


def test_a_logistic_regression_gives_its_mean_coefficient_magnitude() -> None:
    numbers = FRAME[["age", "fare"]]
    three = np.array([0, 1, 2] * (ROWS // 3) + [0] * (ROWS % 3))
    logistic = LogisticRegression(max_iter=500).fit(numbers, three)
    found = measured(logistic, numbers)
    assert found is not None and found.kind == "mean |coef_|"
    assert list(found.values) == np.abs(logistic.coef_).mean(axis=0).tolist()
