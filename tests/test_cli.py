"""`python -m generator` (`generator/_entry_points/_cli.py`): what it prints, its exit
statuses, and its flags; the pipeline behind it is tested in process
(test_cook, test_plan, test_staging)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from cli import run_generator
from templates import template_appending

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


def test_a_failing_hook_says_which_and_leaves_nothing(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    template = template_appending(tmp_path, "mljet/validation.py", "\ndef broken(:\n")
    env = {**os.environ, "MLJET_TEMPLATE": str(template)}
    result = run_generator(binary_files[0], "--name", "svc", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert "post-generation hook 'schema' failed" in result.stderr
    assert "Nothing was written to svc." in result.stderr
    assert not (tmp_path / "svc").exists()
    assert leftovers(tmp_path) == []


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


def test_json_prints_one_object_and_defaults_come_from_env_and_file(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    """`MLJET_BACKEND` and `[tool.mljet]` each set an option; `--json` says
    what was made, as one object on stdout."""
    model, sample = binary_files
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "team"\n\n[tool.mljet]\nmax-instances = 500\n'
    )
    env = {**os.environ, "MLJET_BACKEND": "sanic"}
    result = run_generator(model, "--sample", sample, "--name", "svc", "--json",
                           cwd=tmp_path, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    project = tmp_path / "svc"
    assert made["project"] == str(project.resolve())
    assert made["package"] == "svc" and made["artifact"] is None
    assert made["how_to_run"] == f"cd {project.name} && python -m svc"
    assert made["steps"] and all(isinstance(s["at"], float) for s in made["steps"])
    assert made["seconds"] >= made["steps"][-1]["at"]
    # Progress went to stderr, the last line saying how to run it.
    assert result.stderr.splitlines()[-1].endswith(f"(run it: {made['how_to_run']})")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["backend"], answers["max_instances"]) == ("sanic", 500)


def test_help_shows_the_update_command_and_where_defaults_come_from(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "MLJET_BACKEND": "flask"}
    shown = run_generator("--help", cwd=tmp_path, env=env).stdout
    assert "mljet update [DIR]" in shown
    assert "MLJET_<OPTION>" in shown and "[tool.mljet]" in shown
    assert "[now flask, from MLJET_BACKEND]" in " ".join(shown.split())
