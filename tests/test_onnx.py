"""Converting models to ONNX (`generator/_onnx.py`, each family's `to_onnx`).

Every contract case of every family either converts, and the converted
graph answers its rows with the model's labels and with scores within a
hundred-thousandth, or is refused with a message naming the model and why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import models
from generator._describe import describe
from generator._errors import MljetError
from generator._onnx import answers, session


class Lines:
    def step(self, line: str) -> None:
        pass


def frame_of(case: models.Case, names: list[str]) -> pd.DataFrame:
    inputs = case.inputs
    return (
        inputs
        if isinstance(inputs, pd.DataFrame)
        else pd.DataFrame(inputs, columns=names)
    )


@pytest.mark.parametrize("case_name", models.cases())
def test_a_model_converts_and_answers_alike_or_is_refused_saying_why(
    case_name: str,
) -> None:
    case = models.case_named(case_name)
    described = describe(case.model, case.sample, Lines())
    features: list[dict[str, Any]] = [f.to_answer() for f in described.schema.features]
    family, model, info = described.family, described.model, described.info
    if not models.CATALOG[case_name].onnx:
        with pytest.raises(MljetError, match=r"cannot be converted to ONNX: .+"):
            family.to_onnx(model, info, features)
        return
    converted = family.to_onnx(model, info, features)
    frame = frame_of(case, [f["name"] for f in features])
    labels, scores = answers(converted, session(converted), frame, info.classes)
    if labels is None:
        expected = np.asarray(models.expected_predictions(case, "predict", case.inputs))
        np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-5)
        return
    expected_labels = models.expected_predictions(case, "predict", case.inputs)
    assert [str(v) for v in labels] == [str(v) for v in expected_labels]
    probabilities = models.expected_predictions(case, "predict_proba", case.inputs)
    by_class = np.array([list(row.values()) for row in probabilities])
    np.testing.assert_allclose(scores, by_class, rtol=0, atol=1e-5)
