"""The service accepts exactly what the fitted model accepts, per family.

Each family's fidelity case is served from a sample that lacks a trained
plan and every missing value, and from no sample at all. Every value the
model was fitted with, a plan nobody sent before, and a missing value are
tried, one feature at a time, over a real socket: the service answers
exactly the rows the model answers in this process, with the same values,
and refuses the others with a 422 naming the field. Then random rows are
drawn from the service's own schema: inside it they are answered as the
model answers them, and a row with one value outside it is refused naming
that field.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import models
from conftest import DEFAULT_BACKEND, Generate
from generator import MljetError, cook
from servers import Server, serve

FAMILY_NAMES = [family.name for family in models.FAMILIES_HERE]
UNSEEN = "premium"


def frame_like(template: pd.DataFrame, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as the model was fitted on them: the training frame's dtypes,
    a missing value as pandas marks it."""
    frame = pd.DataFrame(rows, columns=template.columns)
    for name, dtype in template.dtypes.items():
        column = frame[name]
        if isinstance(dtype, pd.CategoricalDtype):
            known = column.where(column.isin(dtype.categories), None)
            frame[name] = pd.Categorical(known, categories=dtype.categories)
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            frame[name] = column.astype(object).where(column.notna(), np.nan)
        elif pd.api.types.is_integer_dtype(dtype) and column.isna().any():
            # As pandas reads an integer column with a gap.
            frame[name] = column.astype("float64")
        else:
            frame[name] = column.astype(dtype)
    return frame


def in_process(case: models.Case, row: dict[str, Any]) -> dict[str, Any] | None:
    """The model's answers to the row alone, or None where it refuses it
    (an error, or a score that is not a finite number)."""
    methods = ["predict"] + (
        ["predict_proba"] if hasattr(case.expected, "predict_proba") else []
    )
    try:
        frame = frame_like(case.inputs, [row])
        answers = {m: models.expected_predictions(case, m, frame) for m in methods}
    # Whatever the model raises is its refusal.
    except Exception:
        return None
    scores = answers.get("predict_proba", [{}])[0].values()
    if any(not math.isfinite(v) for v in scores):
        return None
    return answers


def tried_rows(case: models.Case) -> Iterator[tuple[str, dict[str, Any]]]:
    """A complete row, then one feature at a time: every value the model was
    fitted with, a plan nobody sent before, and a missing value."""
    frame = case.inputs
    assert isinstance(frame, pd.DataFrame)
    base = models.records(frame.dropna().head(1))[0]
    for name in frame.columns:
        column = frame[name].dropna()
        values = list(pd.unique(column.astype(object)))[:6]
        if not pd.api.types.is_numeric_dtype(column.dtype):
            values.append(UNSEEN)
        for value in [*values, None]:
            plain = value.item() if hasattr(value, "item") else value
            yield name, {**base, name: plain}


def assert_answers_as_the_model(server: Server, case: models.Case) -> None:
    refused = answered = 0
    for name, row in tried_rows(case):
        expected = in_process(case, row)
        for method in ["predict"] + (
            ["predict_proba"] if expected and len(expected) > 1 else []
        ):
            reply = server.post(f"/{method}", {"instances": [row]})
            if expected is None:
                assert reply.status == 422, (row, reply.body)
                fields = {d.get("field") for d in reply.json()["error"]["details"]}
                assert fields == {name}, (row, reply.body)
                refused += 1
                break
            assert reply.status == 200, (row, reply.body)
            assert reply.json()["predictions"] == expected[method], row
            answered += 1
    # The cases are built so that the model answers unseen plans.
    assert answered > refused


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_sample_lacking_a_category_and_nulls_narrows_nothing(
    family: str, generate: Generate
) -> None:
    case = models.case_named(models.fidelity_case(family))
    project = generate(DEFAULT_BACKEND, case.name)
    with serve(case.name, pythonpath=project / "src") as server:
        assert_answers_as_the_model(server, case)
        assert_random_rows_follow_the_schema(server, case)


def test_an_estimators_own_categories_are_not_narrowed_by_the_sample(
    generate: Generate,
) -> None:
    case = models.case_named("fidelity_histgradientboosting")
    project = generate(DEFAULT_BACKEND, case.name)
    with serve(case.name, pythonpath=project / "src") as server:
        (plan,) = [
            f for f in server.call("GET", "/metadata").json()["features"]
            if f["name"] == "plan"
        ]  # fmt: skip
        assert plan["known_values"] == ["basic", "enterprise", "pro"]
        assert_answers_as_the_model(server, case)


def valid_value(feature: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Any value the schema takes for the feature."""
    kind, known = feature["type"], feature.get("categories") or feature.get(
        "known_values", []
    )
    values: st.SearchStrategy[Any] = {
        "float": st.floats(-1e6, 1e6, allow_nan=False),
        "int": st.integers(-(2**31), 2**31),
        "bool": st.booleans(),
        "category": st.sampled_from(known or [None]),
        "string": st.text(max_size=12),
    }[kind]
    if kind == "string" and known:
        values = st.sampled_from(known) | values
    return values | st.none() if feature["nullable"] else values


def invalid_value(feature: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A value the schema refuses for the feature."""
    kind = feature["type"]
    wrong: st.SearchStrategy[Any] = {
        "float": st.text(max_size=5) | st.booleans(),
        "int": st.text(max_size=5) | st.floats(0.1, 0.9),
        "bool": st.integers() | st.text(max_size=5),
        "category": st.text(max_size=8).filter(
            lambda v: v not in feature["categories"]
        ),
        "string": st.integers() | st.booleans(),
    }[kind]
    return wrong if feature["nullable"] else wrong | st.none()


def assert_random_rows_follow_the_schema(server: Server, case: models.Case) -> None:
    features = server.call("GET", "/metadata").json()["features"]
    row = st.fixed_dictionaries({f["name"]: valid_value(f) for f in features})

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(valid=row, data=st.data())
    def check(valid: dict[str, Any], data: st.DataObject) -> None:
        expected = in_process(case, valid)
        reply = server.post("/predict", {"instances": [valid]})
        assert expected is not None, valid
        assert reply.status == 200, (valid, reply.body)
        assert reply.json()["predictions"] == expected["predict"], valid
        feature = data.draw(st.sampled_from(features))
        invalid = {**valid, feature["name"]: data.draw(invalid_value(feature))}
        reply = server.post("/predict", {"instances": [invalid]})
        assert reply.status == 422, (invalid, reply.body)
        fields = {d.get("field") for d in reply.json()["error"]["details"]}
        assert fields == {feature["name"]}, (invalid, reply.body)

    check()


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_without_a_sample_the_model_says_what_it_takes(
    family: str, tmp_path: Path
) -> None:
    case = models.case_named(models.fidelity_case(family))
    name = f"{case.name}_alone"
    options: dict[str, Any] = {"name": name, "output": tmp_path / name, "quiet": True}
    if case.uses_user_steps:
        import user_steps

        options["code"] = [user_steps.__file__]
    if family == "python":
        # An object of one's own says nothing of its inputs: the sample must.
        with pytest.raises(MljetError, match="--sample"):
            cook(case.model, **options)
        assert not (tmp_path / name).exists()
        return
    project = cook(case.model, **options)
    with serve(name, pythonpath=project / "src") as server:
        assert_answers_as_the_model(server, case)
