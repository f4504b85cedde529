"""Model families beyond scikit-learn: detected, described, stored natively."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import tomllib
from packaging.requirements import Requirement

import models
from generator import cook
from generator._base._errors import MljetError
from generator._model._families import ADAPTER, FAMILIES, ModelFamily, family_of
from generator._model._onnx import ADAPTER as ONNX_ADAPTER

REPO = Path(__file__).resolve().parents[1]
FENCE = REPO / "template" / "src" / "{{package_name}}" / "mljet"


def test_each_family_has_its_serving_adapters_and_nothing_else_does() -> None:
    adapters = {p.name for p in FENCE.iterdir() if "model_adapter" in p.name}
    for family in FAMILIES:
        prefix = Path(ADAPTER.replace("NAME", family.name)).name
        owned = {name for name in adapters if name.startswith(prefix)}
        assert owned, family.name
        adapters -= owned
    assert adapters == {Path(ONNX_ADAPTER).name}


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_each_family_is_an_extra_of_mljet_with_its_library(
    family: ModelFamily,
) -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert family.library in {Requirement(spec).name for spec in extras[family.name]}


@pytest.mark.parametrize("family", [f.name for f in models.FAMILIES_HERE])
def test_each_family_has_a_case_per_task_and_one_representative(family: str) -> None:
    listed = [models.CATALOG[name] for name in models.cases(family=family)]
    assert {case.task for case in listed} == {"binary", "multiclass", "regression"}
    assert models.representative(family) in [case.name for case in listed]


@pytest.mark.parametrize(
    "family",
    [f for f in FAMILIES if f not in models.FAMILIES_HERE],
    ids=lambda f: f.name,
)
def test_each_family_fitted_elsewhere_has_its_own_environments_tests(
    family: ModelFamily,
) -> None:
    """Its test module installs MLJET with the family's extra in a venv of
    its own, and serves the family's models from there."""
    module = Path(__file__).with_name(f"test_{family.name}.py").read_text()
    assert f"{{REPO}}[{family.name}," in module


@pytest.mark.parametrize("case_name", models.cases())
def test_each_case_is_served_by_the_family_it_is_listed_under(case_name: str) -> None:
    assert family_of(models.case_named(case_name).model).name == (
        models.CATALOG[case_name].family
    )


def test_an_xgboost_pickle_is_stored_in_xgboosts_own_format(tmp_path: Path) -> None:
    case = models.case_named("xgboost_multiclass")
    pickled = tmp_path / "xgb.joblib"
    joblib.dump(case.model, pickled)
    project = cook(
        pickled, sample=case.sample, name="xgb", output=tmp_path / "svc", quiet=True
    )
    stored = sorted(p.name for p in (project / "src" / "xgb" / "model_files").iterdir())
    assert stored == ["model.json", "spec.json"]
    json.loads((project / "src" / "xgb" / "model_files" / "model.json").read_text())
    sources = "".join(p.read_text() for p in (project / "src").rglob("*.py"))
    assert "import joblib" not in sources and "import pickle" not in sources
    version = importlib.metadata.version("xgboost")
    requirements = (project / "requirements.txt").read_text().splitlines()
    assert f"xgboost-cpu=={version} ; sys_platform == 'linux'" in requirements
    assert f"xgboost=={version} ; sys_platform != 'linux'" in requirements
    assert not [line for line in requirements if line.startswith("nvidia")]
    # The service loads the model into XGBoost's scikit-learn estimators.
    assert any(line.startswith("scikit-learn==") for line in requirements)
    assert "apt-get" not in (project / "Dockerfile").read_text()
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert f"xgboost-cpu=={version}; sys_platform == 'linux'" in (
        dependencies["dependencies"]
    )
    spec_file = project / "src" / "xgb" / "model_files" / "spec.json"
    metadata = json.loads(spec_file.read_text())
    assert metadata["model_family"] == "xgboost"


def test_an_unfitted_xgboost_model_is_refused_with_how_to_fix() -> None:
    import xgboost

    model = xgboost.XGBClassifier()
    with pytest.raises(MljetError, match=r"not fitted\. Call \.fit"):
        family_of(model).introspect(model)


def test_a_model_no_family_supports_is_named_with_the_supported_ones() -> None:
    with pytest.raises(MljetError) as refused:
        family_of({"weights": [1, 2]})
    message = str(refused.value)
    assert "cannot serve a builtins.dict" in message
    assert "sklearn:" in message and "xgboost:" in message


def test_a_lightgbm_pickle_is_stored_in_lightgbms_own_format(tmp_path: Path) -> None:
    case = models.case_named("lightgbm_multiclass")
    pickled = tmp_path / "lgbm.pkl"
    joblib.dump(case.model, pickled)
    project = cook(
        pickled, sample=case.sample, name="lgbm", output=tmp_path / "svc", quiet=True
    )
    model_dir = project / "src" / "lgbm" / "model_files"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.txt", "spec.json"]
    assert (model_dir / "model.txt").read_text().startswith("tree\n")
    requirements = (project / "requirements.txt").read_text()
    assert "\nlightgbm==" in requirements and "\njoblib==" not in requirements
    # LightGBM's wheel loads GNU OpenMP from the system, which slim images lack.
    dockerfile = (project / "Dockerfile").read_text()
    assert "apt-get install --yes --no-install-recommends libgomp1" in dockerfile


def test_catboost_takes_its_categorical_feature_as_strings(tmp_path: Path) -> None:
    case = models.case_named("catboost_multiclass")
    pickled = tmp_path / "cat.pkl"
    joblib.dump(case.model, pickled)
    project = cook(
        pickled, sample=case.sample, name="cat", output=tmp_path / "svc", quiet=True
    )
    model_dir = project / "src" / "cat" / "model_files"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.cbm", "spec.json"]
    spec = json.loads((model_dir / "spec.json").read_text())
    plan = next(f for f in spec["features"] if f["name"] == "plan")
    assert plan["categories"] == ["basic", "gold", "silver"]


@pytest.mark.parametrize(
    ("case_name", "served_as"),
    [
        ("xgboost_booster_multiclass", "XGBClassifier"),
        ("lightgbm_booster_regression", "Booster"),
        ("catboost_model_binary", "CatBoostClassifier"),
    ],
)
def test_an_in_memory_booster_is_served_as_its_librarys_estimator(
    case_name: str, served_as: str, tmp_path: Path
) -> None:
    case = models.case_named(case_name)
    project = cook(
        case.model, sample=case.sample, name="b", output=tmp_path / "svc", quiet=True
    )
    spec = json.loads((project / "src" / "b" / "model_files" / "spec.json").read_text())
    assert spec["model_class"].endswith("." + type(case.model).__name__)
    assert spec["classes"] == [*getattr(case.expected, "classes_", [])]
    reader = (project / "src" / "b" / "mljet" / "model_adapter.py").read_text()
    assert f".{served_as}(" in reader


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        ("rank:pairwise", "objective 'rank:pairwise'"),
        ("binary:hinge", "'binary:hinge'"),
    ],
)
def test_an_xgboost_objective_without_predictions_to_serve_is_named(
    objective: str, message: str
) -> None:
    import numpy as np
    import xgboost

    data = xgboost.DMatrix(np.eye(4), label=[0, 1, 0, 1], group=[4])
    booster = xgboost.train({"objective": objective}, data, 2)
    with pytest.raises(MljetError, match=message) as refused:
        family_of(booster).introspect(booster)
    assert "reg:*" in str(refused.value)


@pytest.mark.parametrize(
    ("suffix", "content", "library"),
    [
        (".json", b'{"learner": {}, "version": [9, 1, 0]}', "xgboost"),
        (".ubj", b"{not ubjson", "xgboost"),
        (".txt", b"tree\nversion=v9\nnum_class=1\n", "lightgbm"),
        (".cbm", bytes(range(200)), "catboost"),
    ],
)
def test_a_native_file_the_installed_library_cannot_read_names_its_version(
    suffix: str, content: bytes, library: str, tmp_path: Path
) -> None:
    import importlib.metadata

    path = tmp_path / f"model{suffix}"
    path.write_bytes(content)
    with pytest.raises(MljetError) as refused:
        cook(path, output=tmp_path / "svc", quiet=True)
    message = str(refused.value)
    version = importlib.metadata.version(library)
    assert message.startswith(f"{path} is not a model file {library} {version} can")
    if suffix == ".json":
        assert "says xgboost 9.1.0 wrote it" in message
        assert "pip install xgboost==9.1.0" in message
    assert not (tmp_path / "svc").exists()


def test_a_native_file_of_a_library_not_installed_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.cbm"
    models.case_named("catboost_model_binary").model.save_model(str(path))
    # As if catboost were not installed: importing it fails.
    monkeypatch.setitem(sys.modules, "catboost", None)
    with pytest.raises(MljetError, match=r"pip install catboost\)") as refused:
        cook(path, output=tmp_path / "svc", quiet=True)
    assert "--code" not in str(refused.value)


def test_a_frame_model_that_does_not_say_what_it_takes_needs_a_sample(
    tmp_path: Path,
) -> None:
    """A frame read by a function of the user's own: only a sample can say
    what its columns hold. Generation stops naming them, writing nothing."""
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    frame = pd.DataFrame({"size": [1.0, 2.0, 3.0], "rooms": [1.0, 1.0, 2.0]})
    model = make_pipeline(FunctionTransformer(np.log1p), Ridge())
    model.fit(frame, [1.0, 2.0, 3.0])
    with pytest.raises(MljetError) as refused:
        cook(model, output=tmp_path / "svc", quiet=True)
    message = str(refused.value)
    assert "'size' (read by FunctionTransformer)" in message and "--sample" in message
    assert not (tmp_path / "svc").exists()
