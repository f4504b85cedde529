"""The post-generation hooks (`generator/_rendering/_hooks/`): named, ordered, each
runnable on its own, and as commands (`hooks/*.py`) on an existing project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import models
from conftest import DEFAULT_BACKEND, Generate, Lines, git
from generator import cook
from generator._base._errors import HookError
from generator._rendering._answers import recorded_answers
from generator._rendering._hooks import HOOKS, Hook, Project, hooks_named, run_hooks
from generator._rendering._template import TemplateSource

REPO = Path(__file__).resolve().parents[1]


def copy_of(generate: Generate, case: str, tmp_path: Path) -> Path:
    """A copy of a generated project, free to be changed by a test."""
    copy = tmp_path / case
    shutil.copytree(generate(DEFAULT_BACKEND, case), copy)
    return copy


def test_the_hooks_run_in_order_and_the_readme_lists_them_so() -> None:
    names = [hook.name for hook in HOOKS]
    assert names == [
        "schema", "golden", "explain", "onnx", "requirements", "render", "format",
        "typecheck",
    ]  # fmt: skip
    readme = (REPO / "hooks/README.md").read_text()
    listed = [line.split("|")[1].strip(" `") for line in readme.splitlines()
              if line.startswith("| `")]  # fmt: skip
    assert listed[: len(names)] == names


def test_a_failing_hook_is_named_by_its_entry_and_stops_the_rest(
    tmp_path: Path,
) -> None:
    ran: list[str] = []

    def fine(project: Project) -> str:
        ran.append("fine")
        return "fine ran"

    def broken(project: Project) -> None:
        ran.append("broken")
        raise KeyError("no such answer")

    hooks = (
        Hook("first", "", fine),
        Hook("second", "", broken),
        Hook("third", "", fine),
    )
    report = Lines()
    with pytest.raises(HookError) as failed:
        run_hooks(Project(tmp_path, {}), report, hooks)
    assert (failed.value.hook, failed.value.reason) == (
        "second",
        "KeyError: 'no such answer'",
    )
    assert ran == ["fine", "broken"] and report.lines == ["fine ran"]


def test_golden_records_the_examples_together_and_each_alone(
    generate: Generate, tmp_path: Path
) -> None:
    project = Project.existing(copy_of(generate, "linear_frame", tmp_path))
    before = dict(project.answers)
    run_hooks(project, Lines(), hooks_named("golden"))
    assert project.pending.keys() == {"golden", "golden_alone", "batching"}
    # The case's rows differ alone and together in their last bits, so
    # concurrent requests must not share its calls by default.
    for key in ("golden", "golden_alone", "batching"):
        assert project.answers[key] == before[key], key
    assert project.answers["golden"] != project.answers["golden_alone"]
    assert project.answers["batching"]["exact"] is False


def test_requirements_pin_what_the_projects_code_imports(
    generate: Generate, tmp_path: Path
) -> None:
    path = copy_of(generate, "binary_forest", tmp_path)
    (path / "src/binary_forest/extra.py").write_text("import yaml\n")
    project = Project.existing(path)
    assert "pyyaml" not in project.answers["requirements"]
    run_hooks(project, Lines(), hooks_named("requirements"))
    assert project.answers["requirements"]["pyyaml"] == yaml.__version__
    assert "pyyaml" in project.answers["direct_requirements"]
    assert project.answers["libraries"]["scikit-learn"]


def test_render_writes_the_recorded_answers_into_a_staged_project(
    generate: Generate, tmp_path: Path, template_repo: Path
) -> None:
    path = copy_of(generate, "binary_forest", tmp_path)
    answers = recorded_answers(path)
    project = Project(path, answers, TemplateSource(str(template_repo), "v1.0.0"))
    project.record({"max_instances": 123})
    run_hooks(project, Lines(), hooks_named("render"))
    assert (
        '"MAX_INSTANCES": 123,' in (path / "src/binary_forest/settings.py").read_text()
    )
    assert not project.pending


def test_format_leaves_the_users_shipped_code_as_it_is(
    generate: Generate, tmp_path: Path
) -> None:
    path = copy_of(generate, "binary_forest", tmp_path)
    ours = path / "src/binary_forest/extra.py"
    ours.write_text("x = {'a':1}\n")
    theirs = path / "src/their_code/__init__.py"
    theirs.parent.mkdir()
    theirs.write_text("y = {'a':1}\n")
    project = Project.existing(path)
    project.answers["code_modules"] = ["their_code"]
    run_hooks(project, Lines(), hooks_named("format"))
    assert ours.read_text() == 'x = {"a": 1}\n'
    assert theirs.read_text() == "y = {'a':1}\n"


def run_hook(
    name: str, *args: str | Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`python hooks/NAME.py ARGS`, as a user runs it in their project."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        [sys.executable, str(REPO / "hooks" / f"{name}.py"), *map(str, args)],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


def test_the_typecheck_command_names_file_and_line(
    generate: Generate, tmp_path: Path
) -> None:
    path = copy_of(generate, "binary_forest", tmp_path)
    assert run_hook("typecheck", cwd=path).returncode == 0
    (path / "src/binary_forest/extra.py").write_text(
        'def f() -> int:\n    return "1"\n'
    )
    done = run_hook("typecheck", path, cwd=tmp_path)
    assert done.returncode == 3
    assert "hook 'typecheck' failed" in done.stderr
    assert (
        "src/binary_forest/extra.py:2: error: Incompatible return value" in done.stderr
    )


def test_the_format_command_formats_a_project(
    generate: Generate, tmp_path: Path
) -> None:
    path = copy_of(generate, "binary_forest", tmp_path)
    extra = path / "src/binary_forest/extra.py"
    extra.write_text("import os,sys\nx = {'a':1}\n")
    done = run_hook("format", "--quiet", cwd=path)
    assert (done.returncode, done.stderr) == (0, "")
    assert extra.read_text() == 'import os\nimport sys\n\nx = {"a": 1}\n'


def test_the_artifact_command_says_when_no_engine_answers(
    generate: Generate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    project = generate(DEFAULT_BACKEND, "binary_forest")
    done = run_hook("build_artifact", project, "--artifact", "docker", cwd=tmp_path)
    assert done.returncode == 1
    assert "No Docker engine is reachable" in done.stderr


@pytest.fixture
def owned(tmp_path: Path, template_repo: Path) -> Path:
    """A project its owner committed to git and then edited (and committed)."""
    case = models.case_named("binary_forest")
    project = cook(
        case.model, sample=case.sample, name="svc", output=tmp_path / "svc",
        quiet=True, template=TemplateSource(str(template_repo), "v1.0.0"),
    )  # fmt: skip
    # The generator committed the project as generated.
    with (project / "README.md").open("a") as readme:
        readme.write("\nOwned by the fraud team.\n")
    (project / "src/svc/team.py").write_text('"""Our own helpers."""\n\nimport yaml\n')
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "our changes")
    return project


def test_pinning_again_takes_a_new_import_and_keeps_the_owners_edits(
    owned: Path,
) -> None:
    done = run_hook("pin_requirements", cwd=owned)
    assert done.returncode == 0, done.stderr
    assert f"pyyaml=={yaml.__version__}\n" in (owned / "requirements.txt").read_text()
    assert '"pyyaml==' in (owned / "pyproject.toml").read_text()
    answers: dict[str, Any] = yaml.safe_load(
        (owned / ".copier-answers.yml").read_text()
    )
    assert answers["requirements"]["pyyaml"] == yaml.__version__
    assert answers["_commit"] == "v1.0.0"
    assert "Owned by the fraud team." in (owned / "README.md").read_text()
    assert (owned / "src/svc/team.py").is_file()


def test_pinning_again_needs_a_clean_git_work_tree(owned: Path) -> None:
    (owned / "README.md").write_text("uncommitted\n")
    done = run_hook("pin_requirements", owned, cwd=owned.parent)
    assert done.returncode == 3
    assert "has uncommitted changes: commit them first" in done.stderr
    assert (owned / "README.md").read_text() == "uncommitted\n"


def test_an_edit_that_collides_with_the_new_pins_is_named(owned: Path) -> None:
    requirements = owned / "requirements.txt"
    lines = requirements.read_text().splitlines()
    pins = [line for line in lines if "==" in line and not line.startswith("#")]
    # The owner's comment on the pin right before where pyyaml's will go.
    before = max(line for line in pins if line < "pyyaml")
    requirements.write_text(
        "\n".join(
            f"{line}  # checked by us" if line == before else line for line in lines
        )
        + "\n"
    )
    git(owned, "commit", "--quiet", "-am", "a note on a pin")
    done = run_hook("pin_requirements", cwd=owned)
    assert done.returncode == 3
    assert "collide in requirements.txt" in done.stderr
    assert "<<<<<<<" in requirements.read_text()


ADDED_BY_THIS_TEMPLATE = (
    "model_storage", "model_format", "model_modules", "golden_alone", "batching",
)  # fmt: skip


def test_answers_an_earlier_template_lacked_are_derived_as_generation_did(
    generate: Generate, tmp_path: Path
) -> None:
    """What Copier runs before an update of a project made before these
    answers existed (verified by hand from commit 466d589's template)."""
    path = copy_of(generate, "linear_frame", tmp_path)
    answers_file = path / ".copier-answers.yml"
    recorded = yaml.safe_load(answers_file.read_text())
    earlier = {k: v for k, v in recorded.items() if k not in ADDED_BY_THIS_TEMPLATE}
    answers_file.write_text(yaml.safe_dump(earlier))
    done = run_hook("complete_answers", cwd=path)
    assert done.returncode == 0, done.stderr
    completed = yaml.safe_load(answers_file.read_text())
    for key in set(ADDED_BY_THIS_TEMPLATE) - {"model_modules"}:
        assert completed[key] == recorded[key], key
    # A superset: every module behind a pinned distribution, the model's too.
    assert set(recorded["model_modules"]) <= set(completed["model_modules"])
    assert {k: completed[k] for k in earlier} == earlier


def test_with_every_answer_recorded_the_generator_is_not_even_started(
    generate: Generate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = copy_of(generate, "binary_forest", tmp_path)
    before = (path / ".copier-answers.yml").read_text()
    monkeypatch.setenv("MLJET_PYTHON", str(tmp_path / "no-such-python"))
    done = run_hook("complete_answers", path, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert (path / ".copier-answers.yml").read_text() == before
