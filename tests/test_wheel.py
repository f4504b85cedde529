"""Wheels of generated services: built, installed in a fresh venv, verified."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import signal
import subprocess
import zipfile
from pathlib import Path

import pytest

import models
import user_steps
from generator import cook
from servers import Server

pytestmark = pytest.mark.system


def test_the_installed_wheel_serves_the_model_with_its_own_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A model that calls this test module's code, shipped with --code, and
    # XGBoost, installed as its CPU build.
    case = models.case_named("shipped_code_booster")
    project = cook(
        case.model, name="wheeled", output=tmp_path / "svc", code=[user_steps.__file__],
        artifact="wheel", run=True, quiet=True,
    )  # fmt: skip
    printed = capsys.readouterr().out
    found = re.search(r"serving at (http://\S+) .*stop it with: kill (\d+)", printed)
    assert found, printed
    url, pid = found.group(1), int(found.group(2))
    try:
        (wheel,) = (project / "dist").glob("wheeled-*.whl")
        names = zipfile.ZipFile(wheel).namelist()
        assert "wheeled/model_files/model.joblib" in names
        assert "user_steps/__init__.py" in names
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert (
            "wheeled = wheeled.__main__:main"
            in zipfile.ZipFile(wheel).read(entry_points).decode()
        )
        server = Server(url, None)  # type: ignore[arg-type]
        answer = server.post("/predict", {"instances": case.inputs.tolist()})
        assert answer.status == 200, answer.body
        assert answer.json()["predictions"] == case.model.predict(case.inputs).tolist()
        installed = _installed_beside(pid)
        assert installed["xgboost-cpu"] == importlib.metadata.version("xgboost")
        assert "xgboost" not in installed
        assert not [name for name in installed if name.startswith("nvidia-")]
    finally:
        os.killpg(pid, signal.SIGTERM)


def _installed_beside(pid: int) -> dict[str, str]:
    """The distributions in the venv whose Python runs process `pid`."""
    python = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {entry["name"]: entry["version"] for entry in json.loads(listed.stdout)}


def test_the_wheel_of_a_converted_model_needs_none_of_the_models_libraries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Built, installed in a fresh venv and verified within its tolerance by
    the generator, its report card too; its metadata requires ONNX Runtime,
    not scikit-learn."""
    case = models.case_named(models.representative("sklearn"))
    # True answers one off the model's own: a report card to earn.
    labelled = case.inputs.assign(truth=case.model.predict(case.inputs) + 1.0)
    project = cook(
        case.model, sample=case.sample, name="converted", runtime="onnx",
        eval=labelled, target="truth", output=tmp_path / "svc", artifact="wheel",
    )  # fmt: skip
    said = capsys.readouterr().err
    assert re.search(
        r"verified: .* within [\d.e-]+ of its own, and its report card on "
        rf"{len(labelled)} evaluation rows",
        said,
    )
    (wheel,) = (project / "dist").glob("converted-*.whl")
    # The last line says how to install and run the wheel.
    assert said.splitlines()[-1].endswith(
        f"(run it: pip install -r {project / 'requirements.txt'} {wheel} && converted)"
    )
    archive = zipfile.ZipFile(wheel)
    assert "converted/model_files/model.onnx" in archive.namelist()
    metadata = archive.read(
        next(n for n in archive.namelist() if n.endswith("METADATA"))
    ).decode()
    required = {line.split()[1].split("==")[0] for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")}  # fmt: skip
    assert "onnxruntime" in required
    assert not required & {"scikit-learn", "scipy", "pandas", "skops"}
