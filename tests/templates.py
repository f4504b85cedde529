"""The template's questions as Copier reads them, and a copy of the template
with one module altered, for tests of what a broken template does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jinja2
import yaml

REPO = Path(__file__).resolve().parents[1]


def template_appending(tmp_path: Path, module: str, code: str) -> Path:
    """A copy of the template with `code` appended to one package module."""
    template = tmp_path / "altered-template"
    template.mkdir()
    for part in ("copier.yml", "template", "hooks"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copyfile
        copy(REPO / part, template / part)
    path = template / "template/src/{{package_name}}" / module
    path.write_text(path.read_text() + code)
    return template


def copier_questions() -> dict[str, Any]:
    """copier.yml's questions (settings left out), their choices as Copier
    renders them where they are computed from the template's own data."""
    loaded: dict[str, Any] = yaml.safe_load((REPO / "copier.yml").read_text())
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO))
    environment.filters["from_yaml"] = yaml.safe_load
    environment.filters["to_json"] = json.dumps
    questions = {}
    for name, question in loaded.items():
        if name.startswith("_"):
            continue
        computed = {
            key: yaml.safe_load(environment.from_string(question[key]).render())
            for key in ("choices", "default")
            if isinstance(question.get(key), str)
            and "{% include" in question[key]
            and question.get("when") is not False
        }
        questions[name] = {**question, **computed}
    return questions


def recorded(questions: dict[str, Any]) -> set[str]:
    """The questions whose answers Copier records (not the computed ones)."""
    return {name for name, q in questions.items() if q.get("when") is not False}
