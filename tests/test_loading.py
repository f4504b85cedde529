"""Reading model files, and the message for each way that goes wrong."""

from __future__ import annotations

import pickle
from pathlib import Path

import joblib
import pytest

import models
from generator import MljetError
from generator._model._loading import load_model_file


def test_joblib_and_pickle_files_load(tmp_path: Path, binary_case: models.Case) -> None:
    joblib.dump(binary_case.model, tmp_path / "m.joblib")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(binary_case.model))
    assert load_model_file(tmp_path / "m.joblib").serializer == "joblib"
    loaded = load_model_file(tmp_path / "m.pkl")
    assert loaded.serializer == "pickle"
    assert (
        loaded.model.predict(binary_case.inputs)
        == binary_case.model.predict(binary_case.inputs)
    ).all()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MljetError, match="does not exist"):
        load_model_file(tmp_path / "nope.pkl")


def test_a_directory_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(MljetError, match="not a file"):
        load_model_file(tmp_path)


def test_a_text_file_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "notes.pkl"
    path.write_text("these are not the bytes of a pickle\n")
    with pytest.raises(MljetError, match="not a model file"):
        load_model_file(path)


def test_an_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"")
    with pytest.raises(MljetError, match=r"is empty \(0 bytes\): it holds no model"):
        load_model_file(path)


@pytest.mark.parametrize("suffix", [".pkl", ".joblib"])
def test_a_truncated_file_says_it_is_truncated(
    tmp_path: Path, binary_case: models.Case, suffix: str
) -> None:
    whole = tmp_path / f"whole{suffix}"
    if suffix == ".joblib":
        joblib.dump(binary_case.model, whole)
    else:
        whole.write_bytes(pickle.dumps(binary_case.model))
    cut = tmp_path / f"model{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MljetError, match="it ends before the pickle does, so it is "
                       "truncated"):  # fmt: skip
        load_model_file(cut)


def test_a_model_needing_an_uninstalled_library_names_the_pip_package(
    tmp_path: Path,
) -> None:
    # A protocol-0 pickle whose only global lives in a module nobody has.
    path = tmp_path / "model.pkl"
    path.write_bytes(b"cno_such_ml_library.models\nBooster\n.")
    with pytest.raises(MljetError, match=r"pip install no_such_ml_library"):
        load_model_file(path)


def test_a_class_from_the_training_script_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(b"c__main__\nMyPrivateModel\n.")
    with pytest.raises(MljetError, match="__main__"):
        load_model_file(path)
