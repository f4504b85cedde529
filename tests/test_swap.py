"""`--update DIR` (`generator/_steps/_swap.py`): a retrained model into a service
its owner has edited and committed, for real with git and Copier."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

import models
from cli import run_generator
from conftest import git
from generator import MljetError, OptionError, Options, cook
from owned import answers_of, commit_owner_edits, owner_edits_kept, run_own_tests


def retrained(
    columns: int = 6, seed: int = 1
) -> tuple[RandomForestClassifier, pd.DataFrame]:
    """The service's forest fitted again: other trees, or fewer features."""
    x, y = make_classification(n_samples=300, n_features=6, random_state=0)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)]).iloc[:, :columns]
    model = RandomForestClassifier(n_estimators=7, max_depth=2, random_state=seed)
    return model.fit(frame, y), frame.head(60)


@pytest.fixture
def service(tmp_path: Path, binary_case: models.Case) -> Path:
    """A generated service with its owner's edits committed."""
    path = cook(
        binary_case.model, sample=binary_case.sample, name="svc",
        output=tmp_path / "svc", quiet=True,
    )  # fmt: skip
    commit_owner_edits(path, "svc")
    return path


def test_a_retrained_model_goes_in_and_the_edits_stay(
    service: Path, tmp_path: Path
) -> None:
    before = answers_of(service)
    model, sample = retrained()
    joblib.dump(model, tmp_path / "forest-v2.joblib")
    sample.to_csv(tmp_path / "rows.csv", index=False)
    done = run_generator(
        tmp_path / "forest-v2.joblib", "--sample", tmp_path / "rows.csv",
        "--update", service, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    after = answers_of(service)
    assert after["model_file"] == "forest-v2.joblib"
    assert after["model_sha256"] != before["model_sha256"]
    assert after["golden"] != before["golden"]
    assert after["_commit"] == before["_commit"]
    assert after["features"] == before["features"]
    # The new model's golden answers are the model's own.
    examples = pd.DataFrame(after["examples"])  # type: ignore[arg-type]
    expected = model.predict(examples[sample.columns]).tolist()
    assert after["golden"]["predict"] == expected  # type: ignore[index]
    # The owner's edits, kept.
    assert owner_edits_kept(service, "svc")
    assert "model put in as src/svc/model_files/model.skops:" in done.stdout
    tests = run_own_tests(service)
    assert tests.returncode == 0, tests.stdout[-3000:]


def test_a_model_with_other_inputs_is_refused_then_allowed(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = []
    check = Options.check
    monkeypatch.setattr(Options, "check", lambda self: checks.append(check(self)))
    model, sample = retrained(columns=5)
    with pytest.raises(MljetError) as refused:
        cook(model, sample=sample, update=service, quiet=True)
    assert "feature 'x5' removed" in str(refused.value)
    assert len(checks) == 1  # the options are checked once on this path too
    assert "--allow-schema-change" in str(refused.value)
    assert git(service, "status", "--porcelain") == ""

    cook(model, sample=sample, update=service, allow_schema_change=True, quiet=True)
    spec = json.loads((service / "src/svc/model_files/spec.json").read_text())
    assert [f["name"] for f in spec["features"]] == [f"x{i}" for i in range(5)]
    assert owner_edits_kept(service, "svc")
    tests = run_own_tests(service)
    assert tests.returncode == 0, tests.stdout[-3000:]


def test_what_a_swap_refuses_before_touching_anything(
    service: Path, tmp_path: Path
) -> None:
    model, sample = retrained()
    with pytest.raises(OptionError, match="backend"):
        cook(model, sample=sample, update=service, backend="flask", quiet=True)
    with pytest.raises(OptionError, match="--output"):
        cook(model, update=service, output=tmp_path / "elsewhere", quiet=True)
    with pytest.raises(OptionError, match="only applies with --update"):
        cook(model, allow_schema_change=True, quiet=True)
    (service / "README.md").write_text("mine\n")
    with pytest.raises(MljetError, match="uncommitted changes"):
        cook(model, sample=sample, update=service, quiet=True)
    assert (service / "README.md").read_text() == "mine\n"
