"""Model families beyond scikit-learn: detected, described, stored natively."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pytest

import models
from generator import cook
from generator._errors import MljetError
from generator._families import family_of


def test_an_xgboost_pickle_is_stored_in_xgboosts_own_format(tmp_path: Path) -> None:
    case = models.case_named("xgboost_multiclass")
    pickled = tmp_path / "xgb.joblib"
    joblib.dump(case.model, pickled)
    project = cook(
        pickled, sample=case.sample, name="xgb", output=tmp_path / "svc", quiet=True
    )
    stored = sorted(p.name for p in (project / "src" / "xgb" / "model").iterdir())
    assert stored == ["model.json", "spec.json"]
    json.loads((project / "src" / "xgb" / "model" / "model.json").read_text())
    sources = "".join(p.read_text() for p in (project / "src").rglob("*.py"))
    assert "import joblib" not in sources and "import pickle" not in sources
    requirements = (project / "requirements.txt").read_text()
    assert "\nxgboost==" in requirements and "\njoblib==" not in requirements
    metadata = json.loads((project / "src" / "xgb" / "model" / "spec.json").read_text())
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
    model_dir = project / "src" / "lgbm" / "model"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.txt", "spec.json"]
    assert (model_dir / "model.txt").read_text().startswith("tree\n")
    requirements = (project / "requirements.txt").read_text()
    assert "\nlightgbm==" in requirements and "\njoblib==" not in requirements


def test_catboost_takes_its_categorical_feature_as_strings(tmp_path: Path) -> None:
    case = models.case_named("catboost_multiclass")
    pickled = tmp_path / "cat.pkl"
    joblib.dump(case.model, pickled)
    project = cook(
        pickled, sample=case.sample, name="cat", output=tmp_path / "svc", quiet=True
    )
    model_dir = project / "src" / "cat" / "model"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.cbm", "spec.json"]
    spec = json.loads((model_dir / "spec.json").read_text())
    plan = next(f for f in spec["features"] if f["name"] == "plan")
    assert plan["categories"] == ["basic", "gold", "silver"]
