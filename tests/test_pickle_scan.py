"""Model files are scanned before they are unpickled; dangerous ones refused."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest

import models
from cli import run_generator
from generator._base._errors import MljetError
from generator._safety._pickle_scan import scan_model_file
from generator._safety._user_code import user_modules

FORMATS = {
    "joblib": lambda model, path: joblib.dump(model, path),
    "joblib-zlib": lambda model, path: joblib.dump(model, path, compress=3),
    "joblib-gzip": lambda model, path: joblib.dump(model, path, compress=("gzip", 3)),
    "joblib-bz2": lambda model, path: joblib.dump(model, path, compress=("bz2", 3)),
    "joblib-xz": lambda model, path: joblib.dump(model, path, compress=("xz", 3)),
    "joblib-lzma": lambda model, path: joblib.dump(model, path, compress=("lzma", 3)),
    "pickle-2": lambda model, path: path.write_bytes(pickle.dumps(model, protocol=2)),
    "pickle-5": lambda model, path: path.write_bytes(pickle.dumps(model, protocol=5)),
}


def imported_when_loaded(path: Path) -> set[tuple[str, str]]:
    """What joblib's unpickler really imports for `path` (the reference)."""
    from joblib import numpy_pickle

    seen: set[tuple[str, str]] = set()
    original = numpy_pickle.NumpyUnpickler.find_class

    def recording(self: Any, module: str, name: str) -> Any:
        seen.add((module, name))
        return original(self, module, name)

    numpy_pickle.NumpyUnpickler.find_class = recording  # type: ignore[method-assign]
    try:
        joblib.load(path)
    finally:
        numpy_pickle.NumpyUnpickler.find_class = original  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("case", models.cases(family="sklearn"))
def test_the_scan_names_exactly_what_unpickling_imports(
    case: str, form: str, tmp_path: Path
) -> None:
    path = tmp_path / "model.bin"
    FORMATS[form](models.case_named(case).model, path)
    scan = scan_model_file(path)
    assert scan.globals == imported_when_loaded(path)
    assert scan.dangerous == []
    assert not [module for module, _ in scan.globals if module == "__main__"]
    assert {"sklearn", "numpy"} <= scan.modules


class RunsCommand:
    """Unpickling this runs a shell command: what an attacker would ship."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (self.command,))


class EvaluatesCode:
    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (eval, (self.code,))


def hostile_files(folder: Path, marker: Path) -> dict[str, Path]:
    command = f"touch {marker}"
    hidden = {
        "weights": np.arange(1000.0),
        "labels": np.array(["a", "b"], dtype=object),
    }
    files = {
        "pickle": (folder / "model.pkl", RunsCommand(command)),
        "joblib inside arrays": (
            folder / "model.joblib",
            {**hidden, "payload": RunsCommand(command)},
        ),
        "in an object array": (
            folder / "objects.joblib",
            np.array([1, RunsCommand(command)], dtype=object),
        ),
        "eval": (
            folder / "eval.pkl",
            EvaluatesCode(f"__import__('os').system('{command}')"),
        ),
    }
    for path, payload in files.values():
        if path.suffix == ".pkl":
            path.write_bytes(pickle.dumps(payload))
        else:
            joblib.dump(payload, path, compress=3)
    return {name: path for name, (path, _) in files.items()}


@pytest.mark.parametrize(
    "kind", ["pickle", "joblib inside arrays", "in an object array", "eval"]
)
def test_a_model_file_that_would_run_a_command_is_refused_and_never_runs(
    kind: str, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    path = hostile_files(tmp_path, marker)[kind]
    result = run_generator(path, "--output", "svc", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Refusing to load" in result.stderr
    assert "system" in result.stderr or "builtins.eval" in result.stderr
    assert "--trust" in result.stderr
    assert not marker.exists()
    assert not (tmp_path / "svc").exists()


def test_trust_is_the_users_own_decision(tmp_path: Path) -> None:
    """With --trust the file is unpickled as it is: here, the command runs."""
    marker = tmp_path / "ran"
    path = hostile_files(tmp_path, marker)["pickle"]
    result = run_generator(path, "--trust", "--output", "svc", cwd=tmp_path)
    assert marker.exists()
    assert result.returncode == 1
    assert "cannot serve a builtins.int" in result.stderr


def test_classes_from_the_training_script_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(b"c__main__\nChurnModel\n)\x81.")
    assert user_modules(scan_model_file(path)) == {"__main__": ["__main__.ChurnModel"]}


def test_joblibs_oldest_compressed_format_says_how_to_convert(tmp_path: Path) -> None:
    path = tmp_path / "old.pkl"
    path.write_bytes(b"ZF0x00000010" + b"\0" * 20)
    with pytest.raises(MljetError, match=r"pre-0\.10 compressed format"):
        scan_model_file(path)
