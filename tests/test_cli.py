"""`python -m generator`: what it prints, what it writes, and how it fails."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.cluster import KMeans

from cli import run_generator

REPO = Path(__file__).resolve().parents[1]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".mljet-" in p.name)


def test_generates_a_project_step_by_step(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    model, sample = binary_files
    result = run_generator(model, "--sample", sample, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("mljet: ") for line in lines)
    assert any("RandomForestClassifier" in line for line in lines)
    assert "done in" in lines[-1]
    project = tmp_path / "forest_service"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["package_name"] == "forest_service"
    assert [f["name"] for f in answers["features"]] == [f"x{i}" for i in range(6)]
    assert answers["requirements"]["scikit-learn"]
    assert set(answers["golden"]) == {"predict", "predict_proba"}
    # A forest holds nothing but scikit-learn's own types: stored with skops.
    assert answers["model_filename"] == "model.skops"
    assert answers["trusted_types"] == ["sklearn.tree._tree.Tree"]
    assert answers["pickle_reason"] == ""
    assert leftovers(tmp_path) == []


def test_quiet_prints_nothing(tmp_path: Path, binary_files: tuple[Path, Path]) -> None:
    result = run_generator(binary_files[0], "--quiet", "--name", "q", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_missing_model_file_is_one_clear_error(tmp_path: Path) -> None:
    result = run_generator("absent.joblib", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "mljet: error: The model file absent.joblib does not exist."
    )
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def occupied(folder: Path) -> Path:
    """A directory already holding the user's work."""
    folder.mkdir()
    (folder / "notes.txt").write_text("my work")
    return folder


def test_a_non_empty_output_is_refused_and_left_untouched(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    output = occupied(tmp_path / "mine")
    result = run_generator(binary_files[0], "--output", output, cwd=tmp_path)
    assert result.returncode == 1
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert sorted(p.name for p in output.iterdir()) == ["notes.txt"]
    assert (output / "notes.txt").read_text() == "my work"
    assert leftovers(tmp_path) == []


def test_force_writes_the_project_and_keeps_other_files(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    output = occupied(tmp_path / "mine")
    result = run_generator(
        binary_files[0], "--output", output, "--name", "svc", "--force", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (output / "notes.txt").read_text() == "my work"
    assert (output / "src/svc/app.py").is_file()


def test_an_unsupported_estimator_is_named(tmp_path: Path) -> None:
    path = tmp_path / "clusters.pkl"
    x = np.random.default_rng(0).normal(size=(30, 2))
    path.write_bytes(pickle.dumps(KMeans(n_clusters=2, n_init=1).fit(x)))
    result = run_generator(path, cwd=tmp_path)
    assert result.returncode == 1
    assert "KMeans is neither a classifier nor a regressor" in result.stderr
    assert "Supported: scikit-learn classifiers and regressors" in result.stderr


def test_a_sample_that_does_not_fit_the_model_is_explained(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    sample = pd.read_csv(binary_files[1]).rename(columns={"x0": "age"})
    sample.to_csv(tmp_path / "wrong.csv", index=False)
    result = run_generator(
        binary_files[0], "--sample", tmp_path / "wrong.csv", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "x0" in result.stderr and "age" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wrong.csv"]


def template_appending(tmp_path: Path, module: str, code: str) -> dict[str, str]:
    """An environment whose template has `code` appended to one package module."""
    template = tmp_path / "altered-template"
    template.mkdir()
    for part in ("copier.yml", "template", "hooks"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copyfile
        copy(REPO / part, template / part)
    path = template / "template/src/{{package_name}}" / module
    path.write_text(path.read_text() + code)
    return {**os.environ, "MLJET_TEMPLATE": str(template)}


def test_a_failing_hook_says_which_and_leaves_the_project(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    env = template_appending(tmp_path, "validation.py", "\ndef broken(:\n")
    result = run_generator(binary_files[0], "--name", "svc", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert "post-generation hook 'golden' failed" in result.stderr
    assert "left in svc" in result.stderr
    assert (tmp_path / "svc/src/svc/app.py").is_file()
    assert leftovers(tmp_path) == []


def test_a_type_error_names_file_and_line_and_leaves_the_project(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    ill_typed = '\n\ndef count() -> int:\n    return "1"\n'
    env = template_appending(tmp_path, "errors.py", ill_typed)
    result = run_generator(binary_files[0], "--name", "svc", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert "post-generation hook 'typecheck' failed" in result.stderr
    line = len((tmp_path / "svc/src/svc/errors.py").read_text().splitlines())
    assert f"src/svc/errors.py:{line}: error: Incompatible return value" in (
        result.stderr
    )
    assert "left in svc" in result.stderr
    assert leftovers(tmp_path) == []


def test_the_model_file_is_copied_not_moved(tmp_path: Path, binary_case) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.pkl"
    joblib.dump(binary_case.model, path)
    before = path.read_bytes()
    assert run_generator(path, "--quiet", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == before
    stored = tmp_path / "m_service/src/m_service/model/model.skops"
    assert stored.read_bytes()[:2] == b"PK"  # skops' zip, not a pickle


def test_an_unwritable_output_is_one_clear_error(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_generator(binary_files[0], "--output", blocker / "svc", cwd=tmp_path)
    assert result.returncode == 1
    assert "mljet: error: Cannot write the project beside" in result.stderr
    assert "Traceback" not in result.stderr


def test_regenerating_with_force_replaces_the_model_file(
    tmp_path: Path, binary_files: tuple[Path, Path], binary_case
) -> None:  # type: ignore[no-untyped-def]
    pickled = tmp_path / "m.pkl"
    joblib.dump(binary_case.model, pickled)
    first = run_generator(pickled, "--name", "svc", "--output", "svc", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (tmp_path / "svc/NOTES.md").write_text("ours")
    again = run_generator(
        binary_files[0], "--name", "svc", "--output", "svc", "--force", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    model_dir = tmp_path / "svc/src/svc/model"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.skops", "spec.json"]
    assert (tmp_path / "svc/NOTES.md").read_text() == "ours"


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (("--name", "My-Service"), 2, "argument --name: 'My-Service' is not a valid"),
        (("--max-instances", "0"), 2, "--max-instances: must be at least 1, got 0"),
        (("--backend", "django"), 2, "invalid choice: 'django'"),
    ],
    ids=["invalid name", "zero limit", "unknown backend"],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    tmp_path: Path,
    binary_files: tuple[Path, Path],
    arguments: tuple[str, ...],
    status: int,
    message: str,
) -> None:
    result = run_generator(binary_files[0], *arguments, cwd=tmp_path)
    assert result.returncode == status
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []
