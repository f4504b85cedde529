"""The whole journey in a fresh virtualenv: generate, install the service from
its own requirements, run its own tests and linters there, serve, call.

One backend makes the journey: the others differ only in their glue, their
runtime pins are proved by their Docker images (installed from
requirements.txt alone), and their test requirements land in
requirements-dev.txt from the same registry entry (test_generated_code)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import models
from cli import run_generator
from generator._rendering._backends import DEFAULT_BACKEND, DEV_TOOLS
from servers import serve


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


pytestmark = pytest.mark.system


def test_generated_service_lives_on_its_own(
    tmp_path: Path,
    binary_files: tuple[Path, Path],
    binary_case: models.Case,
) -> None:
    model, sample = binary_files
    generated = run_generator(
        model, "--sample", sample, "--name", "forest", "--backend", DEFAULT_BACKEND,
        cwd=tmp_path,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    project = tmp_path / "forest"

    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    installed = run(
        python, "-m", "pip", "install", "-q", "-r", "requirements-dev.txt", cwd=project
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    editable = run(
        python, "-m", "pip", "install", "-q", "--no-deps", "-e", ".", cwd=project
    )
    assert editable.returncode == 0, editable.stderr[-3000:]
    assert run(python, "-c", "import generator", cwd=tmp_path).returncode != 0

    own_tests = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:]
    assert " passed" in own_tests.stdout
    for tool in (("black", "--check", "."), ("isort", "--check-only", "."),
                 ("ruff", "check", "."), ("mypy",)):  # fmt: skip
        checked = run(python, "-m", *tool, cwd=project)
        assert checked.returncode == 0, checked.stdout + checked.stderr

    with serve("forest", python=str(python), env={"WORKERS": "2"}) as server:
        instances = models.records(binary_case.inputs)
        answer = server.post("/predict", {"instances": instances})
        assert answer.status == 200
        expected = np.asarray(binary_case.model.predict(binary_case.inputs)).tolist()
        assert answer.json() == {"predictions": expected}
        proba = server.post("/predict_proba", {"instances": instances}).json()
        assert [row["1"] for row in proba["predictions"]] == (
            binary_case.model.predict_proba(binary_case.inputs)[:, 1].tolist()
        )
        for path in ("/health", "/ready", "/metadata", "/openapi.json", "/docs"):
            assert server.call("GET", path).status == 200, path
        bad = server.post("/predict", {"instances": [{"x0": "oops"}]})
        assert bad.status == 422
        assert server.post("/predict", {"instances": instances[:1]}).status == 200


def test_a_fresh_install_pins_the_servers_speedups(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    """`pip install 'mljet[sklearn]'`, as the README says, then a generation:
    the service pins its server's speedups, whatever else is installed, and
    every tool its requirements-dev.txt names."""
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    repo = Path(__file__).resolve().parents[1]
    installed = run(python, "-m", "pip", "install", "-q", f"{repo}[sklearn]",
                    cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    model, sample = binary_files
    generated = run(python, "-m", "generator", model, "--sample", sample,
                    "--name", "fast", "-q", cwd=tmp_path)  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    pins = (tmp_path / "fast/requirements.txt").read_text()
    assert "\nhttptools==" in pins
    assert "\nuvloop==" in pins and "sys_platform != 'win32'" in pins
    dev = (tmp_path / "fast/requirements-dev.txt").read_text().splitlines()
    tools = [line for line in dev if line and not line.startswith(("#", "-r"))]
    assert len(tools) >= len(DEV_TOOLS) and all("==" in line for line in tools), dev
