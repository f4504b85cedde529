"""What the scikit-learn family learns from a model, and what it refuses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import models
from generator import MljetError
from generator._model._families import family_of

X = np.random.default_rng(0).normal(size=(60, 3))
Y_BINARY = (X[:, 0] > 0).astype(int)
Y_THREE = np.digitize(X[:, 1], [-0.5, 0.5])


def introspect(model: object):  # type: ignore[no-untyped-def]
    return family_of(model).introspect(model)


def test_binary_forest_on_a_named_frame(binary_case: models.Case) -> None:
    info = introspect(binary_case.model)
    assert info.family == "sklearn"
    assert info.task == "binary"
    assert info.methods == ("predict", "predict_proba")
    assert info.feature_names == tuple(f"x{i}" for i in range(6))
    assert info.n_features == 6
    assert info.classes == (0, 1)
    assert info.model_class == "sklearn.ensemble._forest.RandomForestClassifier"
    assert {"sklearn", "numpy", "scipy", "joblib"} <= info.modules


def test_multiclass_pipeline_on_an_array(multiclass_case: models.Case) -> None:
    info = introspect(multiclass_case.model)
    assert info.task == "multiclass"
    assert info.feature_names is None
    assert info.n_features == 4
    assert info.methods == ("predict", "predict_proba", "decision_function")
    assert info.estimator == "Pipeline(StandardScaler, LogisticRegression)"


def test_regression_has_only_predict() -> None:
    info = introspect(LinearRegression().fit(X, X[:, 0]))
    assert (info.task, info.methods, info.classes) == ("regression", ("predict",), ())


def test_string_classes_are_kept() -> None:
    labels = np.array(["no", "yes"])[Y_BINARY]
    info = introspect(LogisticRegression().fit(X, labels))
    assert info.classes == ("no", "yes")


def test_svc_without_probabilities_has_no_predict_proba() -> None:
    info = introspect(SVC().fit(X, Y_THREE))
    assert info.methods == ("predict", "decision_function")


def test_unfitted_model_is_refused() -> None:
    with pytest.raises(MljetError, match="not fitted"):
        introspect(make_pipeline(StandardScaler(), LogisticRegression()))


def test_a_clusterer_is_refused_naming_what_is_supported() -> None:
    with pytest.raises(
        MljetError, match=r"neither a classifier nor a regressor.*Pipeline"
    ):
        introspect(KMeans(n_clusters=2, n_init=1).fit(X))


def test_a_multi_output_classifier_is_refused() -> None:
    y = np.column_stack([Y_BINARY, 1 - Y_BINARY])
    model = MultiOutputClassifier(RandomForestClassifier(n_estimators=3)).fit(X, y)
    with pytest.raises(MljetError, match="multi-output"):
        introspect(model)


def test_an_object_of_another_library_is_refused_by_name() -> None:
    with pytest.raises(
        MljetError, match=r"pandas(\.core\.frame)?\.DataFrame.*Supported"
    ):
        family_of(pd.DataFrame())
