"""The post-generation hooks, run on the rendered project in this process.

This process is the model's environment (it loaded the model), which is
what the hooks need: golden values come from the model, pins from the
versions installed beside it. Golden values and pins become answers, so the
project is rendered once more with them before it is formatted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from ._answers import installed_versions, plain
from ._backends import DEV_TOOLS, backend_named
from ._errors import HookError
from ._formatting import verbatim_digests
from ._golden import record_golden
from ._model_info import ModelInfo
from ._render import TemplateSource
from ._renderer import Renderer
from ._requirements import pin_requirements, project_modules, python_version
from ._system_packages import system_packages_for
from ._typecheck import typecheck_project

# Libraries reported by /metadata, when the service pins them, beside the
# model family's own library.
MODEL_LIBRARIES = frozenset({"scikit-learn", "numpy", "scipy", "joblib", "pandas"})


class Steps(Protocol):
    def step(self, message: str) -> None: ...


def run_hooks(
    project: Path,
    info: ModelInfo,
    answers: dict[str, Any],
    source: TemplateSource,
    renderer: Renderer,
    report: Steps,
) -> HookError | None:
    """Run every hook in order; return the first failure instead of raising."""
    hook = "golden"
    try:
        answers["golden"] = record_golden(
            project, answers["package_name"], info.methods, answers["examples"]
        )
        hook = "requirements"
        pins = pin_requirements(
            project_modules(project) | info.modules, exclude=("pip", "setuptools")
        )
        answers["requirements"] = pins.versions
        answers["direct_requirements"] = list(pins.direct)
        answers["requirement_markers"] = pins.markers
        answers["unused_dependencies"] = pins.unused
        answers["system_packages"] = system_packages_for(pins.versions)
        answers["libraries"] = {
            name: version
            for name, version in pins.versions.items()
            if name in MODEL_LIBRARIES | {info.library}
        }
        answers["dev_requirements"] = installed_versions(
            DEV_TOOLS, backend_named(answers["backend"]).test_requirements
        )
        hook = "render"
        renderer.render(project, plain(answers), source)
        report.step(
            f"requirements: {len(pins.versions)} pinned for Python {python_version()}"
        )
        hook = "format"
        verbatim = verbatim_digests(Path(source.path) / "template")
        changed = renderer.format(project, verbatim)
        report.step(f"formatted with isort and black ({changed} files changed)")
        hook = "mypy"
        typecheck_project(project)
        report.step("type-checked with mypy --strict")
    except HookError as error:
        return error
    except Exception as error:
        # The model's own code runs in the golden hook: anything may escape.
        return HookError(hook, f"{type(error).__name__}: {error}")
    return None
