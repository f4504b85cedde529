"""Plain `copier copy`: Copier asks, its task finishes the project through the
generator's own pipeline (`generator/_entry_points/_copier_task.py`)."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cli import run_copier, run_generator
from conftest import git
from generator._rendering._backends import BACKENDS

REPO = Path(__file__).resolve().parents[1]
# A backend other than the default: the answer must reach the generator.
BACKEND = list(BACKENDS)[-1]


def copier_copy(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_copier("copy", "--trust", "--vcs-ref=HEAD", *args, cwd=cwd)


def test_plain_copier_copy_gives_the_generators_project(
    tmp_path: Path, binary_files: tuple[Path, Path], template_repo: Path
) -> None:
    backend = BACKEND
    model, sample = binary_files
    result = copier_copy(
        "--defaults", "-d", f"model_file={model}", "-d", f"sample_file={sample}",
        "-d", "package_name=forest", "-d", f"backend={backend}",
        template_repo, "by_copier", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    env = {
        **os.environ,
        "MLJET_TEMPLATE": str(template_repo),
        "MLJET_TEMPLATE_REF": "HEAD",
    }
    generated = run_generator(
        model, "--sample", sample, "--name", "forest", "--output", "by_generator",
        "--backend", backend, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    left, right = tmp_path / "by_copier", tmp_path / "by_generator"
    files = project_files(left)
    assert files == project_files(right)
    _, mismatch, errors = filecmp.cmpfiles(left, right, files, shallow=False)
    assert (mismatch, errors) == ([], [])
    # Each is a repository holding the project as generated.
    for project in (left, right):
        assert git(project, "status", "--porcelain") == ""
        assert len(git(project, "log", "--oneline").splitlines()) == 1


def project_files(project: Path) -> list[Path]:
    """The project's files, without its repository's (made at other instants)."""
    return sorted(
        path.relative_to(project)
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    )


def test_copier_copy_resolves_a_relative_model_path(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    shutil.copy(binary_files[0], tmp_path / "model.joblib")
    result = copier_copy(
        "--defaults", "-d", "model_file=model.joblib", REPO, "nested/svc", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((tmp_path / "nested/svc/.copier-answers.yml").read_text())
    assert answers["package_name"] == "svc"
    assert answers["features"][0]["name"] == "x0"


def test_copier_copy_with_a_bad_model_file_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    result = copier_copy(
        "--defaults", "-d", "model_file=notes.txt", REPO, "svc", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "mljet: error:" in result.stderr and "not a model file" in result.stderr
    assert not (tmp_path / "svc").exists()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("package_name=My-Service", "lowercase Python identifier"),
        ("package_name=numpy", "would shadow"),
        ("max_instances=0", "at least 1"),
    ],
)
def test_bad_answers_are_refused_with_a_message(
    tmp_path: Path, answer: str, message: str
) -> None:
    result = copier_copy(
        "--defaults", "-d", "model_file=m.pkl", "-d", answer, REPO, "svc", cwd=tmp_path
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "svc").exists()
