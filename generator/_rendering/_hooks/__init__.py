"""The post-generation hooks: named steps, run in order on a rendered project.

They run in the model's Python (the process that loaded the model): golden
values come from the model, pins from the versions installed beside it.
What they compute becomes answers (`Project.record`), so the project is
rendered again with them before it is formatted and type-checked.

Each hook reads what it needs from the project's answers, so each also
runs on its own on an existing project (`hooks/` at the template's root
holds one entry per hook). A failing hook is a HookError named after its
entry in `HOOKS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from ..._base._errors import HookError, MljetError
from ..._base._reporting import Steps
from ..._model._families import family_named
from ..._model._onnx import Parity
from .._answers import golden_answers, parity_answers, pinned_answers
from .._backends import backend_named
from .._requirements import (
    pin_requirements,
    project_distributions,
    project_modules,
    python_version,
)
from ._explain import check_explanations
from ._format import format_project, verbatim_digests
from ._golden import record_golden
from ._onnx_parity import drop_model_files, edge_answers, served_parity
from ._project import Project
from ._schema_probe import settle_schema
from ._typecheck import EarlyTypecheck, typecheck_project

__all__ = ["HOOKS", "Hook", "Project", "hooks_named", "run_hooks"]


class Begun(Protocol):
    def close(self) -> None:
        """Stop the early work, if it still runs, and free what it holds."""


@dataclass(frozen=True)
class Hook:
    """One named step; `run` returns a line for the progress report.

    A hook whose work can overlap the hooks ahead of it has `begin`: it
    starts before any hook runs, its result waits in `project.begun` for
    `run`, and it is closed once the hooks are done, whatever happened.
    """

    name: str
    does: str
    run: Callable[[Project], str | None]
    begin: Callable[[Project], Begun] | None = None


def _schema(project: Project) -> str:
    settled = settle_schema(project.path, project.answers)
    project.record(settled)
    features = settled["features"]
    nullable = sum(f["nullable"] for f in features)
    opened = sum("unseen" in f["learned"] and f["kind"] != "category" for f in features)
    closed = sum(f["kind"] == "category" for f in features)
    return (
        f"schema: asked the model; {nullable} of {len(features)} features take "
        f"a missing value, {opened} open and {closed} closed categories"
    )


def _golden(project: Project) -> str:
    answers = project.answers
    golden = record_golden(project.path, answers)
    project.record(
        golden_answers(golden.together, golden.alone, golden.batching.to_answer())
    )
    batched = "batched" if golden.batching.exact else "not batched by default"
    return f"golden: {len(answers['examples'])} examples predicted; {batched}"


def _explain(project: Project) -> str | None:
    answers = project.answers
    if not answers.get("explanation"):
        note = answers.get("explanation_note")
        return f"explain: no /explain: {note}" if note else None
    checked = check_explanations(project.path, answers)
    project.record(checked.answers)
    if checked.dropped:
        # The explainer's module goes, and with it what it imports.
        project.render()
    return checked.line


def _onnx(project: Project) -> str | None:
    answers = project.answers
    if answers.get("model_runtime", "native") != "onnx":
        return None
    edges, expected = edge_answers(project.path, answers)
    project.render()
    drop_model_files(project.path, project.package)
    parity = served_parity(project.path, answers, edges, expected)
    widest = max(parity.max_deviation, answers["onnx_parity"]["max_deviation"])
    rows = parity.rows + answers["onnx_parity"]["rows"]
    project.record(parity_answers(Parity(rows, True, widest)))
    return (
        f"onnx: the converted model serves; same labels and scores within "
        f"{widest:.2g} of the model's on {rows} rows (tolerance "
        f"{answers['onnx_tolerance']:g})"
    )


def _requirements(project: Project) -> str:
    answers = project.answers
    modules = project_modules(project.path) | set(answers["model_modules"])
    backend = backend_named(answers["backend"])
    speedups = backend.speedups_here()
    pins = pin_requirements(
        modules,
        extra=speedups,
        files_only=project_distributions(project.path),
        exclude=("pip", "setuptools"),
    )
    markers = {name: marker for name, marker in speedups.items() if marker}
    pins = replace(pins, markers={**pins.markers, **markers})
    library = (
        "onnxruntime"
        if answers.get("model_runtime", "native") == "onnx"
        else family_named(answers["model_family"]).library
    )
    project.record(pinned_answers(pins, library, backend))
    return f"requirements: {len(pins.versions)} pinned for Python {python_version()}"


def _render(project: Project) -> None:
    project.render()


def _format(project: Project) -> str:
    template = project.template_dir
    verbatim = verbatim_digests(template) if template else frozenset()
    skip = tuple(project.answers.get("code_modules", ()))
    changed = project.worker.run(format_project, project.path, verbatim, skip)
    return f"formatted with isort and black ({changed} files changed)"


def _typecheck(project: Project) -> str:
    typecheck_project(project.path, project.begun.get("typecheck"))
    return "type-checked with mypy --strict"


def _start_typecheck(project: Project) -> Begun:
    return EarlyTypecheck(project.path)


HOOKS: tuple[Hook, ...] = (
    Hook(
        "schema",
        "the rendered service's own code asks the model whether it answers rows "
        "with each feature missing, and with a category it never saw: that "
        "settles which features are nullable and which categories are open",
        _schema,
    ),
    Hook(
        "golden",
        "the rendered service's own code predicts the example rows, together "
        "and one by one; the values become the answers its tests replay. "
        "Probe rows alone and inside batches show whether requests may share "
        "a model call",
        _golden,
    ),
    Hook(
        "explain",
        "the rendered service's own explainer explains the example rows; each "
        "base value plus its contributions must give the output explained, "
        "within the method's tolerance, or the service has no /explain",
        _explain,
    ),
    Hook(
        "onnx",
        "with --runtime onnx: the service is rendered again to serve the converted "
        "model, and asked the golden rows and rows with missing and unseen values "
        "through its own code: same labels, scores within the tolerance",
        _onnx,
    ),
    Hook(
        "requirements",
        "imports in the AST of src/ plus the model's modules, mapped to "
        "distributions and pinned with their closure to the versions installed "
        "beside the model",
        _requirements,
    ),
    Hook(
        "render",
        "renders the project again with the answers the hooks recorded (on an "
        "existing project through Copier's update, keeping the owner's edits)",
        _render,
    ),
    Hook(
        "format",
        "isort and black over the rendered Python files",
        _format,
    ),
    Hook(
        "typecheck",
        "mypy --strict on src/, as the project configures it; started on a "
        "copy of the first render, beside the other hooks, and run again if "
        "they changed the code",
        _typecheck,
        _start_typecheck,
    ),
)


def hooks_named(*names: str) -> tuple[Hook, ...]:
    known = {hook.name: hook for hook in HOOKS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise MljetError(
            f"Unknown hook {', '.join(unknown)}; hooks: {', '.join(known)}."
        )
    return tuple(known[name] for name in names)


def run_hooks(project: Project, report: Steps, hooks: Sequence[Hook] = HOOKS) -> None:
    """Run `hooks` in order; the first failure is a HookError naming its hook."""
    try:
        for hook in hooks:
            if hook.begin is not None:
                project.begun[hook.name] = _named(hook, hook.begin, project)
        for hook in hooks:
            line = _named(hook, hook.run, project)
            if line:
                report.step(line)
    finally:
        for begun in project.begun.values():
            begun.close()
        project.begun.clear()


Result = TypeVar("Result")


def _named(hook: Hook, step: Callable[[Project], Result], project: Project) -> Result:
    """`step(project)`, any failure a HookError named after `hook`."""
    try:
        return step(project)
    except HookError as error:
        raise HookError(hook.name, error.reason) from None
    except MljetError as error:
        raise HookError(hook.name, str(error)) from None
    except Exception as error:
        # The model's own code runs in the golden hook: anything may escape.
        raise HookError(hook.name, f"{type(error).__name__}: {error}") from None
