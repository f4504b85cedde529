"""scikit-learn's forests asked tree by tree (`src/PACKAGE/mljet/forests.py`):
the same answers, bit for bit, as the forests' own methods, on real models."""

from __future__ import annotations

import copy
import functools
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import Core

X, Y = make_classification(
    n_samples=600, n_features=8, n_informative=5, n_classes=3, random_state=3
)
WITH_MISSING = X.copy()
WITH_MISSING[::5, 2] = np.nan
NAMED = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])


class OwnForest(RandomForestClassifier):
    """A subclass: it may answer in its own way, so it is left alone."""


def voting() -> VotingClassifier:
    members = [(f"m{i}", RandomForestClassifier(10, random_state=i)) for i in (1, 2)]
    return VotingClassifier(members, voting="soft").fit(X, Y)


# Each model, the rows it is asked, and how many forests answer faster.
MODELS: dict[str, tuple[Any, Any, int]] = {
    "forest": (RandomForestClassifier(40, random_state=0).fit(X, Y), X, 1),
    "forest with missing values": (
        RandomForestClassifier(20, random_state=0).fit(WITH_MISSING, Y),
        WITH_MISSING,
        1,
    ),
    "regressor on named columns": (
        RandomForestRegressor(20, random_state=0).fit(NAMED, X[:, 0] + Y),
        NAMED,
        1,
    ),
    "extra trees in a pipeline": (
        make_pipeline(StandardScaler(), ExtraTreesRegressor(20, random_state=0)).fit(
            X, Y * 1.5
        ),
        X,
        1,
    ),
    "a vote of forests": (voting(), X, 2),
    "two jobs": (RandomForestClassifier(10, n_jobs=2, random_state=0).fit(X, Y), X, 0),
    "a subclass": (OwnForest(10, random_state=0).fit(X, Y), X, 0),
    "boosting": (GradientBoostingClassifier(n_estimators=5).fit(X, Y), X, 0),
}


@pytest.fixture(scope="module")
def forests(core: Core) -> ModuleType:
    return core.module("forests")


def sped_up(model: Any) -> int:
    """How many of `model`'s estimators answer with a method of their own."""
    found = [model, *getattr(model, "estimators_", []), *getattr(model, "steps", [])]
    estimators = [e[1] if isinstance(e, tuple) else e for e in found]
    return sum(
        isinstance(vars(e).get(name), functools.partial)
        for e in estimators
        if hasattr(e, "__dict__")
        for name in ("predict", "predict_proba")
    )


@pytest.mark.parametrize("name", MODELS)
def test_forests_answer_as_their_own_methods_bit_for_bit(
    forests: ModuleType, name: str
) -> None:
    model, rows, faster = MODELS[name]
    own = copy.deepcopy(model)
    assert forests.speed_up_forests(model) is model
    assert sped_up(model) == faster
    methods = [m for m in ("predict", "predict_proba") if hasattr(own, m)]
    for method in methods:
        for asked in (rows, rows[:1], rows[:100]):
            expected = np.asarray(getattr(own, method)(asked))
            answer = np.asarray(getattr(model, method)(asked))
            assert answer.dtype == expected.dtype
            assert answer.tobytes() == expected.tobytes(), method


def test_each_way_to_ask_the_trees_is_checked_to_the_last_bit(
    forests: ModuleType,
) -> None:
    """Both ways pass the check at load; the same trees added from the last
    (as another layout of jobs could) differ in the last bits, and fail."""
    # Shallow: leaves hold fractions, whose sums depend on their order.
    forest = RandomForestClassifier(60, max_depth=3, random_state=0).fit(X, Y)

    def reversed_proba(rows: Any) -> Any:
        rows = forest._validate_X_predict(rows)
        proba = np.zeros((rows.shape[0], forest.n_classes_))
        for tree in reversed(forest.estimators_):
            proba += tree.predict_proba(rows, check_input=False)
        return proba / len(forest.estimators_)

    for tree_answer in forests.TREE_ANSWERS["predict_proba"]:
        own = functools.partial(forests._mean_of_trees, forest, tree_answer)
        assert forests._same_answers(forest, forest.predict_proba, own)
    assert not forests._same_answers(forest, forest.predict_proba, reversed_proba)
