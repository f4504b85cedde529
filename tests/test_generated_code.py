"""Generated code is formatted, lint-clean, typed, and independent of MLJET."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CASES = ["binary_forest", "multiclass_array", "mixed_pipeline"]


def run(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "tool",
    [
        ("black", "--check", "."),
        ("isort", "--check-only", "."),
        ("ruff", "check", "."),
        ("mypy", "--no-incremental"),
    ],
    ids=["black", "isort", "ruff", "mypy"],
)
def test_generated_project_passes(
    case: str, tool: tuple[str, ...], services: dict[str, Path]
) -> None:
    result = run(services[case], *tool)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", CASES)
def test_generated_code_never_imports_mljet_or_copier(
    case: str, services: dict[str, Path]
) -> None:
    for path in services[case].rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"generator", "copier", "mljet"}, path


@pytest.mark.parametrize("case", CASES)
def test_no_template_leftovers(case: str, services: dict[str, Path]) -> None:
    for path in services[case].rglob("*"):
        assert not path.name.endswith(".jinja"), path
        if path.is_file() and path.suffix in {".py", ".md", ".toml", ".txt", ".json"}:
            text = path.read_text()
            assert "{{" not in text and "{%" not in text, path


def test_array_models_do_not_pull_in_pandas(services: dict[str, Path]) -> None:
    requirements = (services["multiclass_array"] / "requirements.txt").read_text()
    assert "scikit-learn==" in requirements
    assert "\npandas==" not in requirements
    assert "\npandas==" in (services["binary_forest"] / "requirements.txt").read_text()
