"""The Copier template, rendered through Copier's API
(`generator/_rendering/_template.py`)."""

from __future__ import annotations

from pathlib import Path

import black
import isort
import pytest
import yaml

from conftest import CHECKED, Generate, ids
from generator._base._errors import MljetError
from generator._rendering._template import (
    TemplateSource,
    template_source,
    update_answers,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
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


def test_the_template_comes_from_the_environment_when_it_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLJET_TEMPLATE", "https://example.org/t.git")
    monkeypatch.setenv("MLJET_TEMPLATE_REF", "v9")
    assert template_source() == TemplateSource("https://example.org/t.git", "v9")
    assert template_source().template_dir is None


def test_changed_answers_need_a_clean_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / ".copier-answers.yml").write_text("model_file: m.pkl\n")
    with pytest.raises(MljetError, match="not a git work tree"):
        update_answers(tmp_path, {"max_instances": 3})
    with pytest.raises(MljetError, match="not a project MLJET generated"):
        update_answers(tmp_path / "absent", {})


@pytest.mark.parametrize("project", CHECKED[:1], ids=ids(CHECKED[:1]))
def test_the_dockerfile_copies_every_module_of_the_service(
    project: tuple[str, str], generate: Generate
) -> None:
    """The package is copied into the image whole, whatever folders it holds
    (a new subpackage once was not copied, and the image could not start);
    .dockerignore leaves out only caches."""
    rendered = generate(*project)
    dockerfile = (rendered / "Dockerfile").read_text()
    copies = [line for line in dockerfile.splitlines() if line.startswith("COPY src")]
    assert copies == ["COPY src/ /app/src/"]
    ignored = (rendered / ".dockerignore").read_text().splitlines()
    assert "!src/" in ignored
    assert {p for p in ignored if "src" in p} <= {"!src/", "src/*.egg-info"}
