"""`cook()`: from a model to a placed, verified project, in named steps.

check options -> load -> describe -> stage -> hooks -> place -> artifact.
Each step is a function of its own module; this one only puts them in
order. A failure before the project is placed leaves nothing behind (the
staging directory goes; a destination given with --force is untouched);
only an artifact's failure, after the project is complete, leaves it, and
its HookError says where.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._artifacts import Artifact, artifact_named
from .._base._errors import HookError, MljetError
from .._base._reporting import Reporter, said_on_stdout
from .._base._worker import InProcess, Worker
from .._model._onnx import DEFAULT_ONNX_TOLERANCE, measured_gain, onnx_installed
from .._rendering._answers import recorded_answers
from .._rendering._hooks import Project, run_hooks
from .._rendering._options import Options, default_of, option_specs
from .._rendering._template import TemplateSource
from .._steps._deliver import Delivered, deliver_artifact
from .._steps._describe import Description, describe_planned
from .._steps._git import first_commit
from .._steps._plan import plan
from .._steps._staging import place, stage, staging_directory
from .._steps._swap import swap_model
from ._generated import Generated

# A fitted model object, or the path of a model file.
ModelSource = Any


def cook(
    model: ModelSource,
    *,
    template: TemplateSource | None = None,
    worker: Worker | None = None,
    **options: Any,
) -> Path:
    """Generate a web-service project for `model`; return its directory.

    Args:
        model: a fitted model, or the path of a model file (a pickle, or a
            boosting library's own format).
        template: where the Copier template is read from (default: the one
            this MLJET carries).
        worker: who runs Copier (default: this process).
        **options: the options of `generator.Options`, each a command-line
            flag in Python's spelling:

            {options}

    Returns:
        The project's directory.

    Raises:
        MljetError: with a message for the user (OptionError for an
            option's value; HookError, after the project is placed).
    """
    return generate(model, Options.from_keywords(options), template, worker).project


def _options_described() -> str:
    """Each option as `cook`'s docstring lists it: name, default, meaning."""
    entries = []
    for name, option in option_specs():
        meaning = option.help.replace(" (default: %(default)s)", "")
        entry = f"{name} (default {default_of(name)!r}; {option.flag}): {meaning}"
        # Placed at the docstring's indentation (12), continued 4 further.
        entries.append(textwrap.fill(entry, 64, subsequent_indent=" " * 16))
    return ("\n" + " " * 12).join(entries)


# help(cook) lists every option, from the one place they are defined.
cook.__doc__ = (cook.__doc__ or "").replace("{options}", _options_described())


def generate(
    model: ModelSource,
    options: Options,
    template: TemplateSource | None = None,
    worker: Worker | None = None,
    say: Callable[[str], None] | None = None,
) -> Generated:
    """`cook()` for options already gathered (by the CLI, or Copier's task);
    what it made. `say` prints what the user needs on stdout (a pushed
    image, where an artifact serves, an update's summary)."""
    report = Reporter(options.quiet)
    worker = worker or InProcess()
    say = say or said_on_stdout
    if options.update is not None:
        return _swap(model, options, worker, report, say)
    planned = plan(model, options, template)
    described = describe_planned(model, planned, report)
    with staging_directory(planned.destination) as staging:
        staged = stage(staging, planned, described, worker, report)
        project = Project(staging, staged.answers, planned.template, worker)
        try:
            run_hooks(project, report)
        except HookError as error:
            raise HookError(
                error.hook,
                f"{error.reason}\nNothing was written to {planned.destination}.",
            ) from None
        place(staging, planned, staged)
    if options.git:
        path = planned.model_path
        made_from = path.name if path else f"a {type(model).__name__} object"
        first_commit(planned.destination, made_from, report)
    if not options.quiet and options.runtime == "native":
        _onnx_gain(described, report)
    delivered = _artifact(
        planned.artifact, planned.destination, planned.package, options, report, say
    )
    return _done(planned.destination, planned.package, delivered, report)


def _swap(
    model: ModelSource,
    options: Options,
    worker: Worker,
    report: Reporter,
    say: Callable[[str], None],
) -> Generated:
    """`--update DIR`: the model into an existing service (`_swap`, whose
    plan checks the options, once)."""
    updated, differences = swap_model(model, options, worker, report)
    for difference in differences:
        report.step(f"contract changed, as allowed: {difference}")
    say(updated.summary())
    if not updated.ok:
        raise MljetError(
            f"the model is in {updated.project}, but "
            + ("conflicts remain" if updated.conflicts else "a check failed")
            + " (see above)"
        )
    package = str(recorded_answers(updated.project)["package_name"])
    delivered = None
    if options.artifact is not None:
        artifact = artifact_named(options.artifact, options.offline)
        delivered = _artifact(artifact, updated.project, package, options, report, say)
    return _done(updated.project, package, delivered, report)


def _done(
    project: Path, package: str, delivered: Delivered | None, report: Reporter
) -> Generated:
    """The last line, saying how to run what was made, and the record."""
    if delivered is not None:
        how_to_run = delivered.built.how_to_run
    else:
        how_to_run = f"cd {project} && python -m {package}"
    report.step(f"done in {report.elapsed:.1f} s: {project} (run it: {how_to_run})")
    return Generated(
        project, package, how_to_run, report.elapsed, report.steps, delivered
    )


def _onnx_gain(described: Description, report: Reporter) -> None:
    """One line on what --runtime onnx would gain here, if the model converts
    and ONNX Runtime is installed (measured on the sample's rows, now)."""
    if not onnx_installed():
        return
    features = [feature.to_answer() for feature in described.schema.features]
    try:
        converted = described.family.to_onnx(described.model, described.info, features)
    except MljetError:
        return
    gain = measured_gain(described.model, converted, described.rows, described.info)
    # Advised only where the gate would let it serve, at its default.
    if gain.parity.passes(DEFAULT_ONNX_TOLERANCE):
        report.step(
            f"--runtime onnx would answer {gain.method} {gain.speedup:.1f}x as fast "
            f"here ({gain.rows} rows at once), with the same labels and scores "
            f"within {gain.parity.max_deviation:.1g} of the model's"
        )


def _artifact(
    artifact: Artifact | None,
    destination: Path,
    package: str,
    options: Options,
    report: Reporter,
    say: Callable[[str], None],
) -> Delivered | None:
    """Build, verify and, when asked, push the artifact; keep it running
    when asked."""
    if artifact is None:
        return None
    try:
        return deliver_artifact(
            artifact, destination, package, report,
            run=options.run, push=options.push, say=say,
        )  # fmt: skip
    except MljetError as error:
        raise HookError(artifact.name, str(error), destination) from None
