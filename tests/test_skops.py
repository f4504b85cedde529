"""scikit-learn models stored with skops, where every type in them is trusted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import skops.io
import yaml
from sklearn.preprocessing import FunctionTransformer, normalize

import models
from generator import cook
from generator._model._families._skops import dump_with_skops


def test_the_dump_is_reproducible_and_loads_with_the_recorded_types() -> None:
    case = models.case_named("binary_forest")
    first, second = dump_with_skops(case.model), dump_with_skops(case.model)
    assert first.data is not None and first.data == second.data
    assert first.trusted_types == ("sklearn.tree._tree.Tree",)
    loaded = skops.io.loads(first.data, trusted=list(first.trusted_types))
    expected = case.model.predict_proba(case.inputs)
    assert np.array_equal(loaded.predict_proba(case.inputs), expected)
    # Without the reviewed types skops refuses the file.
    with pytest.raises(Exception, match="Untrusted types"):
        skops.io.loads(first.data)


def test_a_function_is_never_trusted_even_from_scikit_learn() -> None:
    step = FunctionTransformer(normalize).fit(np.eye(3))
    dump = dump_with_skops(step)
    assert dump.data is None
    assert "sklearn.preprocessing._data.normalize" in dump.refusal


def test_the_reviewed_types_are_recorded_in_the_answers(tmp_path: Path) -> None:
    case = models.case_named("mixed_pipeline")
    project = cook(
        case.model, sample=case.sample, name="s", output=tmp_path / "s", quiet=True
    )
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["model_filename"] == "model.skops"
    assert answers["trusted_types"] == ["numpy.dtype"]
    package = project / "src" / "s"
    reader = (package / "mljet" / "model_adapter.py").read_text()
    assert "skops.io.load" in reader and "import joblib" not in reader
    spec = json.loads((package / "model_files" / "spec.json").read_text())
    assert spec["trusted_types"] == ["numpy.dtype"]
    assert "`numpy.dtype`" in (project / "docs/reference.md").read_text()


def test_without_skops_the_model_is_a_pickle_and_the_readme_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    case = models.case_named("multiclass_array")
    project = cook(case.model, name="s", output=tmp_path / "s", quiet=True)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["model_filename"] == "model.joblib"
    assert answers["pickle_reason"] == "skops is not installed beside the model"
    for page in ("README.md", "docs/reference.md"):
        text = " ".join((project / page).read_text().split())
        assert "pickle, the last resort**, used because skops is not installed" in text
