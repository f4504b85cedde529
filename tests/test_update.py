"""`copier update` on a generated service: template changes come in, the
user's edits stay, and the introspected answers are reused as they were."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

import models
from cli import run_copier
from conftest import git
from generator import cook
from generator._rendering._template import TemplateSource


def copier_update(project: Path) -> subprocess.CompletedProcess[str]:
    return run_copier("update", "--trust", "--defaults", cwd=project)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_update_merges_template_changes_with_user_edits(
    tmp_path: Path, template_repo: Path, binary_case: models.Case
) -> None:
    project = cook(
        binary_case.model,
        sample=binary_case.sample,
        name="svc",
        output=tmp_path / "svc",
        quiet=True,
        template=TemplateSource(str(template_repo), "v1.0.0"),
    )
    before = yaml.safe_load((project / ".copier-answers.yml").read_text())
    model_file = project / "src/svc/model_files/model.skops"
    model_bytes = model_file.read_bytes()

    # The user's own changes: a template-managed file, the README, a new module.
    edit(project / "src/svc/settings.py", '"PORT": 8000', '"PORT": 9000')
    with (project / "README.md").open("a") as readme:
        readme.write("\nOwned by the fraud team.\n")
    (project / "src/svc/extra.py").write_text('"""Our own helpers."""\n')
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "our changes")

    # A new template version changes two other places.
    edit(
        template_repo / "template/src/{{package_name}}/mljet/errors.py",
        "MAX_REPORTED_PROBLEMS = 100\n",
        "MAX_REPORTED_PROBLEMS = 100\nTEMPLATE_UPDATE_MARKER = True\n",
    )
    edit(
        template_repo / "template/README.md.jinja",
        "## Run it\n",
        "## Run it\n\nUpdated by the template.\n",
    )
    git(template_repo, "commit", "--quiet", "-am", "template v1.1")
    git(template_repo, "tag", "v1.1.0")

    result = copier_update(project)
    assert result.returncode == 0, result.stderr
    # The copy's task does not run; the migration finds no answer missing.
    printed = result.stdout + result.stderr
    assert "finish_copier_copy" not in printed
    assert "complete_answers.py" in printed and "recorded the answers" not in printed

    assert (
        "TEMPLATE_UPDATE_MARKER = True"
        in (project / "src/svc/mljet/errors.py").read_text()
    )
    readme = (project / "README.md").read_text()
    assert "Updated by the template." in readme
    assert "Owned by the fraud team." in readme
    assert '"PORT": 9000' in (project / "src/svc/settings.py").read_text()
    assert (project / "src/svc/extra.py").is_file()
    assert model_file.read_bytes() == model_bytes
    after = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert after["_commit"] == "v1.1.0"
    assert {k: v for k, v in after.items() if k != "_commit"} == {
        k: v for k, v in before.items() if k != "_commit"
    }
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts and path != model_file:
            assert "<<<<<<<" not in path.read_text(), path
    assert not list(project.rglob("*.rej"))

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
