"""The Copier template itself: clean renders, plain `copier copy`, validators."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import black
import isort
import pytest
import yaml

from cli import run_copier, run_generator
from conftest import PROJECT_IDS, PROJECTS, Generate
from generator._backends import BACKENDS

REPO = Path(__file__).resolve().parents[1]


def copier_copy(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_copier("copy", "--trust", "--vcs-ref=HEAD", *args, cwd=cwd)


@pytest.mark.parametrize("project", PROJECTS, ids=PROJECT_IDS)
def test_the_raw_render_is_already_formatted(
    project: tuple[str, str], generate: Generate, tmp_path: Path
) -> None:
    """Without the formatting hook too, so `copier update` replays agree."""
    import copier

    answers_file = generate(*project) / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text())
    data = {k: v for k, v in answers.items() if not k.startswith("_")}
    copier.run_copy(
        str(REPO), tmp_path, data=data, defaults=True, skip_tasks=True, quiet=True,
        vcs_ref="HEAD",
    )  # fmt: skip
    isort_config = isort.Config(settings_path=str(tmp_path))
    files = sorted(tmp_path.rglob("*.py"))
    assert len(files) >= 12
    for path in files:
        text = path.read_text()
        assert black.format_str(text, mode=black.Mode()) == text, path
        assert isort.code(text, config=isort_config) == text, path


@pytest.mark.parametrize("backend", BACKENDS)
def test_plain_copier_copy_gives_the_generators_project(
    backend: str, tmp_path: Path, binary_files: tuple[Path, Path], template_repo: Path
) -> None:
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
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(right) for p in right.rglob("*") if p.is_file()
    )
    _, mismatch, errors = filecmp.cmpfiles(left, right, files, shallow=False)
    assert (mismatch, errors) == ([], [])


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
