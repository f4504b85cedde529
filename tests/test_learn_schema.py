"""The draft schema: what the fitted model says first, the sample second."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder

from generator._base._errors import MljetError
from generator._model._families import family_of
from generator._model._learn_schema import learn_schema

PLANS = ["basic", "pro", "enterprise"]


def pipeline() -> tuple[object, pd.DataFrame]:
    """Usage imputed, plans one-hot encoded, regions ordinally encoded, and
    a count read by a function of the user's own."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "usage": rng.uniform(0, 10, 100),
            "plan": rng.choice(PLANS, 100),
            "region": rng.choice([3, 7], 100),
            "visits": rng.integers(0, 5, 100).astype(float),
        }
    )
    preprocess = ColumnTransformer(
        [
            ("usage", make_pipeline(SimpleImputer()), ["usage"]),
            ("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"]),
            ("region", OrdinalEncoder(), ["region"]),
            ("visits", FunctionTransformer(np.log1p), ["visits"]),
        ]
    )
    label = (frame["usage"] > 5).astype(int)
    return make_pipeline(preprocess, LogisticRegression()).fit(frame, label), frame


def test_the_sample_narrows_no_category_the_model_knows() -> None:
    model, frame = pipeline()
    info = family_of(model).introspect(model)
    sample = frame[frame["plan"] != "enterprise"].head(10)
    features = {f.name: f for f in learn_schema(info, sample).features}
    assert features["plan"].kind == "category"
    assert features["plan"].categories == ("basic", "enterprise", "pro")
    assert "OneHotEncoder.categories_" in features["plan"].learned["categories"]
    # Numeric categories stay numbers; the sample's dtype is kept.
    assert features["region"].categories == (3, 7)
    assert features["region"].dtype == "int64"
    assert features["usage"].learned["kind"] == "the sample"


def test_without_a_sample_a_column_the_model_cannot_type_is_named() -> None:
    model, _ = pipeline()
    info = family_of(model).introspect(model)
    with pytest.raises(MljetError) as refused:
        learn_schema(info, None)
    message = str(refused.value)
    assert "'visits' (read by FunctionTransformer" in message
    assert "'usage'" not in message and "--sample" in message


def test_without_a_sample_the_schema_and_examples_come_from_the_model() -> None:
    model, frame = pipeline()
    model.fit(frame.drop(columns="visits").assign(visits=0.0), frame["usage"] > 5)
    info = family_of(model).introspect(model)
    # The function's column still has no kind the model can tell.
    with pytest.raises(MljetError, match="visits"):
        learn_schema(info, None)
    known = make_pipeline(
        ColumnTransformer(
            [
                ("usage", SimpleImputer(), ["usage"]),
                ("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"]),
            ]
        ),
        LogisticRegression(),
    ).fit(frame[["usage", "plan"]], frame["usage"] > 5)
    schema = learn_schema(family_of(known).introspect(known), None)
    usage, plan = schema.features
    assert (usage.kind, usage.dtype) == ("float", "float64")
    assert (plan.kind, plan.dtype, plan.categories) == (
        "category",
        "object",
        ("basic", "enterprise", "pro"),
    )
    assert [row["plan"] for row in schema.examples] == ["basic", "enterprise", "pro"]
    assert [row["usage"] for row in schema.examples] == [0.0, 1.0, -1.0]
    assert not schema.from_sample


def test_an_array_model_takes_numbers_named_by_position() -> None:
    x = np.random.default_rng(1).normal(size=(50, 3))
    model = LogisticRegression().fit(x, x[:, 0] > 0)
    schema = learn_schema(family_of(model).introspect(model), None)
    assert [f.name for f in schema.features] == ["f0", "f1", "f2"]
    assert {(f.kind, f.dtype) for f in schema.features} == {("float", "float64")}
    assert schema.examples[2] == {"f0": -1.0, "f1": -1.0, "f2": -1.0}
