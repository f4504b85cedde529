"""Staging a project beside its output and placing it there
(`generator/_steps/_staging.py`): nothing half-made is ever left where the user
asked for a project, and a forced regeneration keeps the user's other files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import joblib
import pytest

import models
from generator import cook
from generator._base._errors import MljetError
from generator._base._reporting import Reporter
from generator._base._worker import InProcess
from generator._rendering._options import Options
from generator._steps._describe import describe
from generator._steps._plan import plan
from generator._steps._staging import earlier_model_file, move, stage, staging_directory


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".mljet-" in p.name)


def test_a_staging_directory_is_removed_unless_placed(tmp_path: Path) -> None:
    with staging_directory(tmp_path / "svc") as staging:
        assert staging.parent == tmp_path and staging.name.startswith(".svc.mljet-")
        (staging / "file").write_text("x")
    assert leftovers(tmp_path) == []


def test_a_staging_directory_that_cannot_be_made_is_one_clear_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_text("")
    with (
        pytest.raises(MljetError, match="Cannot write the project beside"),
        staging_directory(tmp_path / "file" / "svc"),
    ):
        pass


def test_moving_into_an_absent_or_empty_output_is_one_rename(tmp_path: Path) -> None:
    for output in (tmp_path / "absent", tmp_path / "empty"):
        staging = tmp_path / f"staged-{output.name}"
        (staging / "src").mkdir(parents=True)
        if output.name == "empty":
            output.mkdir()
        move(staging, output)
        assert (output / "src").is_dir() and not staging.exists()


def test_moving_over_a_project_keeps_other_files_and_drops_the_old_model(
    tmp_path: Path,
) -> None:
    output = tmp_path / "svc"
    (output / "src/svc/model_files").mkdir(parents=True)
    (output / "src/svc/model_files/model.joblib").write_text("old model")
    (output / "NOTES.md").write_text("ours")
    staging = tmp_path / "staged"
    (staging / "src/svc/model_files").mkdir(parents=True)
    (staging / "src/svc/model_files/model.skops").write_text("new model")
    move(staging, output, replaces=("src/svc/model_files/model.joblib",))
    assert sorted(p.name for p in (output / "src/svc/model_files").iterdir()) == [
        "model.skops"
    ]
    assert (output / "NOTES.md").read_text() == "ours"


def test_the_earlier_model_file_is_read_from_the_answers(tmp_path: Path) -> None:
    assert earlier_model_file(tmp_path) == ()
    (tmp_path / ".copier-answers.yml").write_text(
        "model_file: m.pkl\npackage_name: svc\nmodel_filename: model.joblib\n"
    )
    assert earlier_model_file(tmp_path) == ("src/svc/model_files/model.joblib",)
    (tmp_path / ".copier-answers.yml").write_text(": not yaml :\n  - [")
    assert earlier_model_file(tmp_path) == ()


def test_the_model_file_is_copied_not_moved(
    tmp_path: Path, binary_case: models.Case
) -> None:
    path = tmp_path / "m.pkl"
    joblib.dump(binary_case.model, path)
    before = path.read_bytes()
    project = cook(path, output=tmp_path / "svc", name="svc", quiet=True)
    assert path.read_bytes() == before
    stored = project / "src/svc/model_files/model.skops"
    assert stored.read_bytes()[:2] == b"PK"  # skops' zip, not a pickle
    assert leftovers(tmp_path) == []


def test_regenerating_with_force_keeps_other_files_and_replaces_the_model_file(
    tmp_path: Path, binary_case: models.Case
) -> None:
    pickled = tmp_path / "m.pkl"
    joblib.dump(binary_case.model, pickled)
    # skops is not installed for the first one: the model becomes a pickle.
    first = cook(pickled, name="svc", output=tmp_path / "svc", quiet=True)
    (first / "src/svc/model_files/model.pkl").write_bytes(b"stale")
    (first / ".copier-answers.yml").write_text(
        (first / ".copier-answers.yml")
        .read_text()
        .replace("model_filename: model.skops", "model_filename: model.pkl")
    )
    (first / "NOTES.md").write_text("ours")
    again = cook(binary_case.model, name="svc", output=first, force=True, quiet=True)
    model_dir = again / "src/svc/model_files"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.skops", "spec.json"]
    assert (again / "NOTES.md").read_text() == "ours"
    assert leftovers(tmp_path) == []


def test_stage_stores_the_model_answers_and_renders_a_draft(tmp_path: Path) -> None:
    case = models.case_named("binary_forest")
    planned = plan(case.model, Options(name="svc", output=tmp_path / "svc"))
    described = describe(case.model, case.sample, Reporter(quiet=True))
    with staging_directory(planned.destination) as staging:
        staged = stage(staging, planned, described, InProcess(), Reporter(quiet=True))
        stored = staging / "src/svc/model_files/model.skops"
        digest = hashlib.sha256(stored.read_bytes()).hexdigest()
        answers = staged.answers
        assert (answers["model_storage"], answers["model_sha256"]) == ("skops", digest)
        assert answers["package_name"] == "svc" and answers["backend"] == "fastapi"
        assert "golden" not in answers and "requirements" not in answers  # the hooks'
        spec = json.loads((staging / "src/svc/model_files/spec.json").read_text())
        assert spec["model_sha256"] == digest
        assert staged.code == ()
    assert list(tmp_path.iterdir()) == []  # staged, never placed
