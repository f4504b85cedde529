"""The generated package's layout: the owner's rooms in front, small; MLJET's
runtime fenced behind, each file the release's own and saying so; a short
README; an answers file that holds answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import generator
from conftest import BACKEND_PAIRS, Generate
from generator import cook
from generator._rendering._answers import recorded_answers
from generator._rendering._backends import BACKENDS
from generator._rendering._layout import FENCE, FENCE_HEADER, OWNER_MODULES
from generator._rendering._template import TemplateSource, render
from templates import copier_questions, recorded

REPO = Path(__file__).resolve().parents[1]
TEMPLATE_FENCE = REPO / "template/src/{{package_name}}" / FENCE
RUNTIMES = ("native", "onnx")
MOST_OWNER_MODULES, MOST_OWNER_LINES, MOST_README_LINES = 8, 600, 150
Render = Callable[[str, str], Path]


@pytest.fixture(scope="module")
def rendered(generate: Generate, tmp_path_factory: pytest.TempPathFactory) -> Render:
    """`rendered(backend, runtime)`: the project of a generated service's
    answers, rendered for that backend and runtime (the layout is the
    template's; the hooks add no file to it)."""
    base = tmp_path_factory.mktemp("layouts")
    native = recorded_answers(generate(*BACKEND_PAIRS[0]))
    model, sample = _onnx_case()
    converted = cook(
        model, sample=sample, name="converted", runtime="onnx",
        output=base / "onnx", quiet=True,
    )  # fmt: skip
    onnx = recorded_answers(converted)
    source = TemplateSource(str(REPO), None, working_tree=True)
    made: dict[tuple[str, str], Path] = {}

    def render_for(backend: str, runtime: str) -> Path:
        if (backend, runtime) not in made:
            answers = {**(onnx if runtime == "onnx" else native), "backend": backend}
            answers = {k: v for k, v in answers.items() if not k.startswith("_")}
            destination = base / f"{backend}-{runtime}"
            render(destination, answers, source, draft=True)
            made[backend, runtime] = destination
        return made[backend, runtime]

    return render_for


def _onnx_case() -> tuple[Any, Any]:
    import models

    case = models.case_named("multiclass_array")
    return case.model, case.sample


LAYOUTS = [(backend, runtime) for backend in BACKENDS for runtime in RUNTIMES]


@pytest.mark.parametrize(("backend", "runtime"), LAYOUTS)
def test_the_owner_sees_a_few_small_modules_in_front_of_the_fence(
    backend: str, runtime: str, rendered: Render
) -> None:
    project = rendered(backend, runtime)
    package = next((project / "src").iterdir())
    owners = sorted(p for p in package.rglob("*.py") if FENCE not in p.parts)
    assert {p.stem for p in owners} == set(OWNER_MODULES)
    assert len(owners) <= MOST_OWNER_MODULES
    lines = sum(len(p.read_text().splitlines()) for p in owners)
    assert lines <= MOST_OWNER_LINES, lines
    readme = (project / "README.md").read_text()
    assert len(readme.splitlines()) <= MOST_README_LINES
    assert "docs/reference.md" in readme and (project / "docs/reference.md").is_file()


@pytest.mark.parametrize(("backend", "runtime"), LAYOUTS)
def test_every_file_of_the_fence_is_the_releases_own_and_says_so(
    backend: str, runtime: str, rendered: Render
) -> None:
    package = next((rendered(backend, runtime) / "src").iterdir())
    releases = {p.read_bytes() for p in TEMPLATE_FENCE.rglob("*") if p.is_file()}
    fenced = [p for p in (package / FENCE).rglob("*") if p.is_file()]
    assert {p.name for p in fenced} >= {"__init__.py", "service.py", "glue.py"}
    for path in fenced:
        assert FENCE_HEADER in path.read_text().splitlines()[0], path
        assert "updates replace this file" in path.read_text().splitlines()[0]
        # Verbatim: the update's fence check compares it with the release's.
        assert path.read_bytes() in releases, path


def test_the_fence_carries_its_version() -> None:
    text = (TEMPLATE_FENCE / "__init__.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    assert found is not None and found.group(1) == generator.__version__


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_answers_file_holds_answers_only(runtime: str, rendered: Render) -> None:
    project = rendered("fastapi", runtime)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    questions = recorded(copier_questions())
    assert {k for k in answers if not k.startswith("_")} <= questions
    assert not {"backend_facts", "untyped_modules"} & set(answers)
    for value in _strings(answers):
        for code in ("def ", "@app.", "import ", "{%"):
            assert code not in value, value
    # The registry's facts are rendered all the same: read as it renders.
    reference = (project / "docs/reference.md").read_text()
    assert BACKENDS["fastapi"].server_label in reference


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []
