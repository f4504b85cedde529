"""Converting models to ONNX (`generator/_model/_onnx.py`, each family's `to_onnx`)
and serving them (`--runtime onnx`, the onnx hook).

Every contract case of every family either converts, and the converted
graph answers its rows with the model's labels and with scores within a
hundred-thousandth, or is refused with a message naming the model and why.
A service of a converted model, one per family that converts, answers over
a socket with the model's labels and scores within the tolerance, pins no
library of the model's, and passes its own tools and tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_generated_code import run
from test_schema_fidelity import in_process, tried_rows

import models
import user_steps
from generator import cook
from generator._base._errors import MljetError
from generator._model._onnx import DEFAULT_ONNX_TOLERANCE, answers, session
from generator._steps._describe import describe
from servers import serve


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
    # The same model gives the same file.
    assert family.to_onnx(model, info, features).data == converted.data
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


# --- services that serve the converted model ---------------------------------

# Distributions a converted model's service must not need.
MODEL_LIBRARIES = ("scikit-learn", "scipy", "pandas", "xgboost", "lightgbm", "catboost")


def convertible(family: str) -> list[str]:
    return [c for c in models.cases(family=family) if models.CATALOG[c].onnx]


CONVERTING = [f.name for f in models.FAMILIES_HERE if convertible(f.name)]


@pytest.fixture(scope="module")
def onnx_service(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`onnx_service(case)`: the case's service under --runtime onnx, made once."""
    root = tmp_path_factory.mktemp("onnx")
    made: dict[str, Path] = {}

    def service(case_name: str) -> Path:
        if case_name not in made:
            case = models.case_named(case_name)
            source = case.model
            if case.native_suffix is not None:
                source = root / f"{case.name}{case.native_suffix}"
                case.model.save_model(str(source))
            made[case_name] = cook(
                source,
                sample=case.sample,
                name=case.name,
                runtime="onnx",
                output=root / case.name,
                quiet=True,
            )
        return made[case_name]

    return service


@pytest.mark.parametrize("family", CONVERTING)
def test_an_onnx_service_answers_like_the_model_without_its_library(
    family: str, onnx_service: Callable[[str], Path]
) -> None:
    case = models.case_named(convertible(family)[0])
    project = onnx_service(case.name)
    pinned = {
        line.split("==")[0]
        for line in (project / "requirements.txt").read_text().split()
    }
    assert "onnxruntime" in pinned and not pinned & set(MODEL_LIBRARIES)
    assert sorted(
        p.name for p in (project / "src" / case.name / "model_files").iterdir()
    ) == [
        "model.onnx",
        "spec.json",
    ]
    with serve(case.name, pythonpath=project / "src") as server:
        runtime = server.call("GET", "/metadata").json()["runtime"]
        assert runtime["name"] == "onnx"
        assert (
            0
            <= runtime["max_deviation"]
            <= runtime["tolerance"]
            == DEFAULT_ONNX_TOLERANCE
        )
        instances = models.records(case.inputs)
        answer = server.post("/predict", {"instances": instances})
        assert answer.status == 200, answer.body
        expected = models.expected_predictions(case, "predict", case.inputs)
        found = answer.json()["predictions"]
        if models.CATALOG[case.name].task == "regression":
            np.testing.assert_allclose(found, expected, rtol=DEFAULT_ONNX_TOLERANCE)
            return
        assert found == expected
        answer = server.post("/predict_proba", {"instances": instances})
        expected = models.expected_predictions(case, "predict_proba", case.inputs)
        for row, golden in zip(answer.json()["predictions"], expected, strict=True):
            assert row.keys() == golden.keys()
            for label, value in golden.items():
                assert abs(row[label] - value) <= DEFAULT_ONNX_TOLERANCE
        # A converted graph gives labels and probabilities, nothing else.
        methods = server.call("GET", "/metadata").json()["model"]["methods"]
        assert methods == ["predict", "predict_proba"]


def test_an_onnx_services_own_tools_and_tests_pass(
    onnx_service: Callable[[str], Path],
) -> None:
    project = onnx_service(models.representative("sklearn"))
    src = {"PYTHONPATH": str(project / "src")}  # as `pip install -e .` would
    for command in (
        ("black", "--check", "."),
        ("ruff", "check", "."),
        ("mypy",),
        ("pytest", "-q", "-p", "no:cacheprovider"),
    ):
        done = run(project, *command, env=src)
        assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-2000:])


@pytest.mark.parametrize(
    ("case_name", "options", "said"),
    [
        (models.representative("python"), {}, "cannot be converted to ONNX"),
        ("xgboost_regression", {"onnx_tolerance": 1e-12}, "beyond the tolerance"),
    ],
    ids=["unconvertible", "gate"],
)
def test_a_model_that_does_not_convert_or_pass_the_gate_writes_nothing(
    case_name: str, options: dict[str, Any], said: str, tmp_path: Path
) -> None:
    case = models.case_named(case_name)
    code = [user_steps.__file__] if case.uses_user_steps else []
    with pytest.raises(MljetError, match=said):
        cook(
            case.model,
            sample=case.sample,
            runtime="onnx",
            code=code,
            output=tmp_path / "svc",
            quiet=True,
            **options,
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "case_name", ["binary_forest", models.representative("python")]
)
def test_a_native_generation_says_what_onnx_would_gain_when_the_model_converts(
    case_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = models.case_named(case_name)
    code = [user_steps.__file__] if case.uses_user_steps else []
    cook(case.model, sample=case.sample, code=code, output=tmp_path / "svc")
    said = [
        line
        for line in capsys.readouterr().err.splitlines()
        if "--runtime onnx" in line
    ]
    if models.CATALOG[case_name].onnx:
        (line,) = said
        assert re.search(r"would answer predict_proba [\d.]+x as fast here", line)
        assert "with the same labels and scores within" in line
    else:
        assert said == []


FIDELITY_CONVERTING = [
    f.name
    for f in models.FAMILIES_HERE
    if models.CATALOG[models.fidelity_case(f.name)].onnx
]


@pytest.mark.parametrize("family", FIDELITY_CONVERTING)
def test_missing_and_unseen_values_are_answered_as_the_model_answers_them(
    family: str, tmp_path: Path
) -> None:
    """A family's fidelity case (scikit-learn's: an imputer, an encoder
    ignoring unknown plans, one refusing unknown regions; LightGBM's: pandas
    categories, fed to the graph as codes) under --runtime onnx: the same
    4xx as the model's refusals, the same labels and probabilities within
    the tolerance for every row it answers."""
    case = models.case_named(models.fidelity_case(family))
    project = cook(
        case.model,
        sample=case.sample,
        runtime="onnx",
        name="fidelity_onnx",
        output=tmp_path / "svc",
        quiet=True,
    )
    answered = 0
    with serve("fidelity_onnx", pythonpath=project / "src") as server:
        for name, row in tried_rows(case):
            expected = in_process(case, row)
            reply = server.post("/predict_proba", {"instances": [row]})
            if expected is None:
                assert reply.status == 422, (row, reply.body)
                fields = {d.get("field") for d in reply.json()["error"]["details"]}
                assert fields == {name}
                continue
            assert reply.status == 200, (row, reply.body)
            (found,) = reply.json()["predictions"]
            for label, value in expected["predict_proba"][0].items():
                assert abs(found[label] - value) <= DEFAULT_ONNX_TOLERANCE, row
            labels = server.post("/predict", {"instances": [row]}).json()
            assert labels["predictions"] == expected["predict"]
            answered += 1
    assert answered > 5


def test_a_sample_in_another_column_order_is_compared_column_for_column(
    tmp_path: Path,
) -> None:
    """The gate compares by feature, whatever order the sample's columns
    come in (mislabelled columns would make other answers)."""
    case = models.case_named(models.representative("sklearn"))
    assert case.sample is not None
    reordered = case.sample[list(reversed(case.sample.columns))]
    project = cook(
        case.model, sample=reordered, runtime="onnx", output=tmp_path / "svc",
        quiet=True,
    )  # fmt: skip
    assert (project / "src" / "svc" / "model_files" / "model.onnx").is_file()


def test_a_classifier_of_booleans_answers_them_through_onnx(tmp_path: Path) -> None:
    """ONNX has no boolean labels (skl2onnx's are 0 and 1): the gate compares
    them by value, and the service answers the model's booleans."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    inputs = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(inputs, (inputs.a + inputs.b > 0).to_numpy())
    project = cook(
        model,
        sample=inputs.head(60),
        runtime="onnx",
        name="flags",
        output=tmp_path / "flags",
        quiet=True,
    )
    with serve("flags", pythonpath=project / "src") as server:
        rows = inputs.head(20)
        answer = server.post("/predict", {"instances": rows.to_dict("records")})
    assert answer.status == 200, answer.body
    assert answer.json()["predictions"] == model.predict(rows).tolist()
    assert {type(label) for label in answer.json()["predictions"]} == {bool}


def test_a_forest_splits_as_fitted_on_values_float32_rounds() -> None:
    """A 50-tree forest on features near 1e5, where float32 thresholds flip
    one tree's vote on some rows (0.02): converted with the model's own
    float64 thresholds, it is within a millionth, well inside the gate."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    from generator._model._onnx import compare

    x, y = make_classification(n_samples=2000, n_features=10, random_state=1)
    inputs = pd.DataFrame(x * 1000 + 100_000, columns=[f"f{i}" for i in range(10)])
    model = RandomForestClassifier(n_estimators=50, max_depth=6, random_state=1)
    model.fit(inputs, y)
    described = describe(model, inputs.head(300), Lines())
    features = [feature.to_answer() for feature in described.schema.features]
    converted = described.family.to_onnx(described.model, described.info, features)
    assert converted.converter.endswith("in double precision")
    parity = compare(model, converted, inputs.head(300), described.info)
    assert parity.labels_equal and parity.max_deviation < 1e-6, parity
    assert parity.passes(DEFAULT_ONNX_TOLERANCE)


def test_a_converter_failure_is_told_in_one_paragraph_with_its_reason() -> None:
    """onnx's "Unable to create node" error lists the node's whole
    attributes and hides the reason in the error it wraps."""
    from generator._model._onnx import converting

    def convert() -> Any:
        try:
            raise TypeError(
                "Field onnx.AttributeProto.ints: Expected an int, got a bool."
            )
        except TypeError as cause:
            raise ValueError(
                "Unable to create node 'TreeEnsembleClassifier' with name='T' and "
                "attributes={'base_values': array([ 0.07,\n -0.14]),\n"
                + "  'nodes_values': array([-3.11, 0.21])}" * 200
            ) from cause

    with pytest.raises(MljetError) as refused:
        converting("the HistGradientBoostingClassifier", convert)
    message = str(refused.value)
    assert message == (
        "the HistGradientBoostingClassifier cannot be converted to ONNX: making its "
        "TreeEnsembleClassifier node, TypeError: Field onnx.AttributeProto.ints: "
        "Expected an int, got a bool. Serve it with --runtime native."
    )
