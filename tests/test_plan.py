"""The first step (`generator/_steps/_plan.py`): options checked, and everything that
can be refused without loading the model refused, before anything is written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from generator._base._errors import MljetError, OptionError
from generator._rendering._backends import BACKENDS
from generator._rendering._options import Options
from generator._steps._plan import plan


def occupied(folder: Path) -> Path:
    """A directory already holding the user's work."""
    folder.mkdir()
    (folder / "notes.txt").write_text("my work")
    return folder


def test_the_package_is_named_after_the_model_file_and_placed_beside(
    tmp_path: Path,
) -> None:
    planned = plan(tmp_path / "Churn Model-v2.joblib", Options())
    assert planned.package == "churn_model_v2_service"
    assert planned.destination == Path("churn_model_v2_service")
    assert planned.options.name == planned.package
    in_memory = plan(object(), Options())
    assert (in_memory.package, in_memory.destination) == (
        "model_service",
        Path("model_service"),
    )
    assert in_memory.model_path is None


@pytest.mark.parametrize(
    ("folder", "package"),
    [
        ("churn_nb", "churn_nb"),
        ("Churn API-v2", "churn_api_v2"),
        ("2024 churn", "model_2024_churn"),
        ("json", "json_service"),  # the standard library's
        ("fastapi", "fastapi_service"),  # the service's own dependency
        ("class", "class_service"),  # a keyword
    ],
)
def test_without_a_name_the_package_is_named_after_the_output_folder(
    tmp_path: Path, folder: str, package: str
) -> None:
    for model in (object(), tmp_path / "forest.joblib"):
        planned = plan(model, Options(output=tmp_path / folder))
        assert (planned.package, planned.destination) == (package, tmp_path / folder)


def test_options_are_checked_before_the_model_file_is_looked_at(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="would shadow"):
        plan(tmp_path / "absent.joblib", Options(name="numpy"))


def test_a_non_empty_output_is_refused_and_left_untouched(tmp_path: Path) -> None:
    output = occupied(tmp_path / "mine")
    with pytest.raises(MljetError) as refused:
        plan(object(), Options(output=output))
    assert "not empty" in str(refused.value) and "--force" in str(refused.value)
    assert [p.name for p in output.iterdir()] == ["notes.txt"]
    assert plan(object(), Options(output=output, force=True)).destination == output


def test_an_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(MljetError, match="exists and is not a directory"):
        plan(object(), Options(output=tmp_path / "file"))


def test_a_backend_whose_server_is_missing_is_refused_before_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = replace(BACKENDS["flask"], runtime_requirements=("no-such-server",))
    monkeypatch.setitem(BACKENDS, "flask", absent)
    with pytest.raises(MljetError, match="needs no-such-server installed"):
        plan(tmp_path / "absent.joblib", Options(backend="flask"))


def test_code_that_is_not_a_module_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(MljetError, match="give a Python file"):
        plan(object(), Options(code=(tmp_path / "notes.txt",), output=tmp_path / "o"))


def test_an_artifact_that_cannot_be_built_here_is_refused_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(MljetError, match="No Docker engine is reachable"):
        plan(object(), Options(artifact="docker", output=tmp_path / "o"))
    assert list(tmp_path.iterdir()) == []
