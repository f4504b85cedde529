"""The service accepts exactly what the fitted model accepts, per family.

Each family's fidelity case is served from a sample that lacks a trained
plan and every missing value, and from no sample at all. Every value the
model was fitted with, a plan nobody sent before, and a missing value are
tried, one feature at a time, over a real socket: the service answers
exactly the rows the model answers in this process, with the same values,
and refuses the others with a 422 naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import models
from conftest import DEFAULT_BACKEND, Generate
from generator import MljetError, cook
from generator._families import FAMILIES
from servers import Server, serve

FAMILY_NAMES = [family.name for family in FAMILIES]
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
    base = models.records(frame.dropna().head(1), list(frame.columns))[0]
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
