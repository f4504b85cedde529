"""`--update DIR`: a retrained model into an existing, edited service.

swap = check -> load -> describe -> stage -> answer -> compare -> update ->
place the model -> quick checks.

The new model goes through the same steps as a generation, in a staging
directory, with the service's recorded options: that yields every answer
(schema, golden rows, pins) for it. Its contract is compared with the
service's; a difference is refused unless allowed. The changed answers
are then applied through Copier's update at the service's own template
version, so the owner's committed edits stay and collisions are listed;
the model file, which the template does not render, is put in last.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._artifacts._quality import EVALUATION_ROWS
from .._base._errors import MljetError, OptionError
from .._base._reporting import Steps
from .._base._worker import Worker
from .._model._contract import contract_differences
from .._rendering._answers import recorded_answers
from .._rendering._hooks import Project, hooks_named, run_hooks
from .._rendering._layout import model_dir
from .._rendering._options import Options, default_of, option_specs
from .._rendering._template import check_clean, template_source, update_project
from ._describe import describe_planned
from ._plan import plan
from ._report_folder import FOLDER as OWN_REPORT
from ._staging import stage
from ._update import Updated, changed_files, quick_checks

# What the new model's run decides; every other option is the service's.
PER_RUN = (
    "sample",
    "eval",
    "target",
    "code",
    "trust",
    "quiet",
    "artifact",
    "run",
    "offline",
)
# The hooks that answer for the model; rendering is Copier's update's.
ANSWERING_HOOKS = ("schema", "golden", "explain", "onnx", "requirements")


def swap_model(
    model: Any, options: Options, worker: Worker, report: Steps
) -> tuple[Updated, list[str]]:
    """Put `model` into the service `options.update`; what the update did,
    and the contract's differences (empty unless they were allowed)."""
    options.check()
    project = Path(str(options.update)).resolve()
    answers = recorded_answers(project)
    check_clean(project)
    source = template_source()
    current = str(answers.get("_commit", ""))
    if current != source.vcs_ref:
        raise MljetError(
            f"{project} is at template {current} and this MLJET renders "
            f"{source.vcs_ref}: bring the service up to date first (python -m "
            f"generator update {project}), commit, then put the model in."
        )
    recorded = _service_options(answers, options)
    with tempfile.TemporaryDirectory(prefix="mljet-swap-") as scratch:
        staging = Path(scratch)
        staged_options = replace(recorded, output=staging / project.name)
        planned = plan(model, staged_options, source, checked=True)
        described = describe_planned(model, planned, report)
        staged = stage(staging, planned, described, worker, report)
        fresh = Project(staging, staged.answers, planned.template, worker)
        run_hooks(fresh, report, hooks_named(*ANSWERING_HOOKS))
        differences = contract_differences(answers, fresh.answers)
        if differences and not options.allow_schema_change:
            raise MljetError(
                "The new model does not keep the service's contract:\n  "
                + "\n  ".join(differences)
                + "\nNothing was changed. Pass --allow-schema-change to put it "
                "in all the same (its clients must follow)."
            )
        changed = {
            key: value
            for key, value in fresh.answers.items()
            if not key.startswith("_") and answers.get(key) != value
        }
        report.step(f"updating {project.name}: {len(changed)} answers changed")
        conflicts = update_project(project, changed, source.vcs_ref, source)
        _place_model(staging, project, planned.package, answers, fresh.answers)
        for module in staged.code:
            module.ship(project / "src")
    stored = model_dir(project, planned.package) / str(fresh.answers["model_filename"])
    model_file = str(stored.relative_to(project))
    updated = Updated(project, current, current, conflicts=conflicts, model=model_file)
    updated.changed = changed_files(project)
    if not conflicts:
        report.step("checking the service: import, black, mypy --strict")
        updated.broken = quick_checks(project, planned.package)
    return updated, differences


def _service_options(answers: dict[str, Any], given: Options) -> Options:
    """The service's recorded options, with this run's own; an option given
    otherwise than the service records it is refused, naming it."""
    recorded = Options.from_answers(answers)
    for name, spec in option_specs():
        if spec.answer is None or name in PER_RUN:
            continue
        value, default = getattr(given, name), default_of(name)
        if value != default and value != getattr(recorded, name):
            raise OptionError(
                name,
                f"the service records {getattr(recorded, name)!r}; --update keeps "
                "a service's options",
            )
    return replace(recorded, **{name: getattr(given, name) for name in PER_RUN})


def _place_model(
    staging: Path,
    project: Path,
    package: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """The new model's file into the service; the old one goes if renamed."""
    models = model_dir(project, package)
    new_file = str(after["model_filename"])
    old_file = str(before.get("model_filename", ""))
    shutil.copy2(model_dir(staging, package) / new_file, models / new_file)
    if old_file and old_file != new_file:
        (models / old_file).unlink(missing_ok=True)
    # What generation made beside the model is the new model's, or goes:
    # the report card's evaluation rows, the library's own report.
    _replace(staging / EVALUATION_ROWS, project / EVALUATION_ROWS)
    _replace(model_dir(staging, package) / OWN_REPORT, models / OWN_REPORT)


def _replace(made: Path, kept: Path) -> None:
    """`kept` becomes a copy of `made`, or goes if nothing was made."""
    if kept.is_dir():
        shutil.rmtree(kept)
    else:
        kept.unlink(missing_ok=True)
    if made.is_dir():
        shutil.copytree(made, kept)
    elif made.is_file():
        shutil.copy2(made, kept)
