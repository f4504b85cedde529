"""`POST /explain` over sockets: each family's representative model on the
backend it is paired with, and the scikit-learn tree models (a forest, a
boosted pipeline with one-hot categories), 50 rows each.

The explanations add up within the tolerance the service records, name
only the features clients send, and equal `shap`'s own values computed
here, apart from the service, for the same model; bad input is refused as
on `/predict`; a model no method explains has no `/explain`, and says why.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shap

import models
from conftest import DEFAULT_BACKEND, Generate, ids, paired_family
from generator._rendering._backends import BACKENDS
from servers import serve

ROWS = 50
# Each family's representative on the backend paired with it (so every
# backend serves /explain here), and the scikit-learn tree models.
EXPLAINED: list[tuple[str, str]] = [
    *((backend, models.representative(paired_family(backend))) for backend in BACKENDS),
    *(
        (DEFAULT_BACKEND, models.representative(family.name))
        for family in models.FAMILIES_HERE
        if family.name not in {paired_family(b) for b in BACKENDS}
    ),
    (DEFAULT_BACKEND, "binary_forest"),
    (DEFAULT_BACKEND, "boosted_pipeline"),
]
BAD_BODIES = [
    b'{"instances": [',
    b'{"instances": []}',
    b'{"rows": [1]}',
    b'{"instances": [{"no such feature": 1}]}',
]


@pytest.fixture(scope="module", params=EXPLAINED, ids=ids(EXPLAINED))
def explained(
    request: pytest.FixtureRequest, generate: Generate
) -> tuple[Path, models.Case]:
    backend, case_name = request.param
    return generate(backend, case_name), models.case_named(case_name)


def test_explanations_add_up_name_the_inputs_and_equal_shaps(
    explained: tuple[Path, models.Case],
) -> None:
    path, case = explained
    rows = models.records(case.inputs[:ROWS])
    with serve(case.name, pythonpath=path / "src") as server:
        metadata = server.call("GET", "/metadata").json()
        document = server.call("GET", "/openapi.json").json()
        explanation = metadata["explanation"]
        if explanation is None:
            assert "/explain" not in document["paths"]
            assert server.post("/explain", {"instances": rows}).status == 404
            note = re.search(
                r"has no `/explain`: (.+)\.", (path / "README.md").read_text()
            )
            assert note and "explainer" in note[1], note
            return
        assert "/explain" in document["paths"]
        names = [feature["name"] for feature in metadata["features"]]
        classes = [str(label) for label in metadata["model"]["classes"]]
        # The last class, asked for by name; or the one value of a regressor.
        query = f"?class={classes[-1]}" if classes else ""
        answer = server.post(f"/explain{query}", {"instances": rows})
        assert answer.status == 200, answer.body
        found = answer.json()["explanations"]
        defaulted = server.post("/explain", {"instances": rows[:5]}).json()
        predicted = server.post("/predict", {"instances": rows[:5]}).json()
        for body in BAD_BODIES:
            on_explain = server.call("POST", "/explain", body, JSON_HEADERS)
            on_predict = server.call("POST", "/predict", body, JSON_HEADERS)
            assert on_explain.status == on_predict.status >= 400, body
            codes = [
                on_explain.json()["error"]["code"],
                on_predict.json()["error"]["code"],
            ]
            assert codes[0] == codes[1], (body, codes)
    tolerance = explanation["tolerance"]
    assert explanation["largest_error"] <= tolerance
    assert len(found) == ROWS
    for one in found:
        assert list(one) == [
            "output",
            "base_value",
            "contributions",
            "explained",
            "method",
        ]
        assert sorted(one["contributions"]) == sorted(names), one
        sizes = [abs(value) for value in one["contributions"].values()]
        assert sizes == sorted(sizes, reverse=True), one
        total = one["base_value"] + sum(one["contributions"].values())
        assert abs(total - one["output"]) <= tolerance * max(1, abs(one["output"]))
        assert one["method"] == explanation["method"]
    if classes:
        assert all(repr(classes[-1]) in one["explained"] for one in found)
        # By default, the class the model answers.
        answered = zip(defaulted["explanations"], predicted["predictions"], strict=True)
        for one, label in answered:
            assert repr(str(label)) in one["explained"], (one, label)
    spec = json.loads((path / "src" / case.name / "model_files/spec.json").read_text())
    at = len(classes) - 1 if classes else 0
    reference = shap_values(case, case.inputs[:ROWS], at, spec["examples"], names)
    mine = np.array([[one["contributions"][n] for n in names] for one in found])
    scale = np.maximum(1.0, np.abs(reference).max())
    assert np.abs(mine - reference).max() <= 1e-4 * scale, explanation["method"]


JSON_HEADERS = {"Content-Type": "application/json"}


def shap_values(
    case: models.Case,
    inputs: Any,
    at: int,
    examples: list[dict[str, Any]],
    names: list[str],
) -> np.ndarray:
    """Per row and input feature, `shap`'s contributions to output `at`: its
    TreeExplainer for trees, its LinearExplainer (the examples' mean as the
    background, as the service's) for linear models; a pipeline's made
    columns added up per input (`names`, the service's order) by the
    ColumnTransformer's own slices."""
    model = case.expected
    steps = getattr(model, "steps", None)
    estimator = steps[-1][1] if steps else model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = _made(model, inputs)
        if hasattr(estimator, "coef_"):
            if isinstance(inputs, pd.DataFrame):
                given: Any = pd.DataFrame(examples)[names].astype(inputs.dtypes)
            else:
                given = np.array([[e[n] for n in names] for e in examples], dtype=float)
            background = _made(model, given).mean(axis=0, keepdims=True)
            explainer = shap.LinearExplainer(estimator, background)
        else:
            explainer = shap.TreeExplainer(estimator)
        values = np.asarray(explainer.shap_values(made))
    if values.ndim == 3:
        values = values[:, :, at]
    elif at == 0 and getattr(estimator, "classes_", None) is not None:
        values = -values  # one margin, the second class's
    return values @ _groups(model, names, values.shape[1])


def _made(model: Any, inputs: Any) -> Any:
    """`inputs` as a pipeline's last step sees them (dense)."""
    steps = getattr(model, "steps", None)
    made = model[:-1].transform(inputs) if steps and len(steps) > 1 else inputs
    return made.toarray() if hasattr(made, "toarray") else made


def _groups(model: Any, features: list[str], made: int) -> np.ndarray:
    """A made-column-by-input matrix from a ColumnTransformer's slices: a
    transformer making one column per input maps them in order; one making
    more from a single input (one-hot) gives them all to it."""
    steps = getattr(model, "steps", None)
    if not steps or len(steps) == 1:
        return np.eye(made)
    transformer = steps[0][1]
    groups = np.zeros((made, len(features)))
    for name, _, columns in transformer.transformers_:
        if name == "remainder" and not columns:
            continue
        taken = transformer.output_indices_[name]
        width = taken.stop - taken.start
        inputs = [features.index(c) for c in columns]
        for offset in range(width):
            source = inputs[offset] if width == len(inputs) else inputs[0]
            groups[taken.start + offset, source] = 1.0
    return groups
