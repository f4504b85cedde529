"""The describe step (`generator/_steps/_describe.py`): the family that serves a model,
what it is, and the schema of its inputs, checked against the model."""

from __future__ import annotations

import pandas as pd
import pytest

import models
from conftest import Lines
from generator._base._errors import MljetError
from generator._steps._describe import describe


def test_a_model_with_a_sample_is_described_and_typed() -> None:
    case = models.case_named(models.representative("sklearn"))
    report = Lines()
    described = describe(case.model, case.sample, report)
    assert described.family.name == "sklearn"
    assert described.info.task == "regression"
    kinds = {f.name: f.kind for f in described.schema.features}
    assert kinds == {
        "income": "float",
        "age": "int",
        "member": "bool",
        "plan": "category",
    }
    assert report.lines[0].startswith(
        "Pipeline(ColumnTransformer, Ridge) from scikit-learn"
    )
    assert (
        report.lines[1]
        == "sample of 80 rows: features typed as bool, category, float, int"
    )


def test_a_sample_of_one_row_is_warned_about() -> None:
    case = models.case_named(models.representative("sklearn"))
    report = Lines()
    describe(case.model, case.sample.head(1), report)
    assert report.lines[2].startswith("warning: 1 sample row(s) is too few")
    many = Lines()
    describe(case.model, case.sample, many)
    assert not any(line.startswith("warning:") for line in many.lines)


def test_a_native_booster_is_described_as_served() -> None:
    case = models.case_named("catboost_model_binary")
    described = describe(case.model, case.sample, Lines())
    assert type(described.model).__name__ == "CatBoostClassifier"
    assert described.info.model_class == "catboost.CatBoost"


def test_a_sample_that_does_not_fit_the_model_names_the_columns() -> None:
    case = models.case_named("binary_forest")
    assert case.sample is not None
    wrong = case.sample.rename(columns={"x0": "age"})
    with pytest.raises(MljetError) as refused:
        describe(case.model, wrong, Lines())
    assert "missing columns: 'x0'" in str(refused.value)
    assert "unexpected columns: 'age'" in str(refused.value)


def test_a_sample_the_model_rejects_is_explained() -> None:
    case = models.case_named("binary_forest")
    assert case.sample is not None
    text = case.sample.astype(object).assign(x0="lots")
    with pytest.raises(MljetError, match="The model rejected the sample"):
        describe(case.model, pd.DataFrame(text), Lines())


@pytest.mark.parametrize("family", ["lightgbm", "xgboost", "catboost"])
def test_without_a_sample_categorical_features_are_typed_by_the_model(
    family: str,
) -> None:
    case = models.case_named(models.representative(family))
    schema = describe(case.model, None, Lines()).schema
    (plan,) = [f for f in schema.features if f.name == "plan"]
    if family == "catboost":
        # CatBoost hashes its categories: any text, none listed.
        assert (plan.kind, plan.dtype, plan.categories) == ("string", "object", ())
    else:
        assert (plan.kind, plan.dtype) == ("category", "category")
        assert plan.categories == ("basic", "gold", "silver")
    assert not schema.from_sample and len(schema.examples) == 3
