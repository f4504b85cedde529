"""Choosing an artifact: the registry, the Copier question, the CLI's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli import run_copier, run_generator
from generator._artifacts import ARTIFACTS

REPO = Path(__file__).resolve().parents[1]


def test_copier_offers_exactly_the_registered_artifacts() -> None:
    questions = yaml.safe_load((REPO / "copier.yml").read_text())
    assert list(questions["artifact"]["choices"].values()) == ["none", *ARTIFACTS]


def test_the_copier_answer_reaches_the_generator(
    tmp_path: Path, binary_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An engine that is not there: the answer is acted on, and the failed copy
    # leaves nothing behind.
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    result = run_copier(
        "copy", "--trust", "--vcs-ref=HEAD", "--defaults",
        "-d", f"model_file={binary_files[0]}", "-d", "artifact=docker",
        REPO, "svc", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode != 0
    assert "No Docker engine is reachable" in result.stderr
    assert not (tmp_path / "svc").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--run"], "--run starts a built artifact: add --artifact docker"),
        (["--base-image", "Python 3"], "'Python 3' is not a Docker image reference"),
        (["--artifact", "zip"], "invalid choice: 'zip'"),
    ],
)
def test_artifact_options_are_checked_before_generating(
    arguments: list[str], message: str, tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    result = run_generator(binary_files[0], *arguments, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
