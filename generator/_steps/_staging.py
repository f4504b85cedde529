"""Staging a project beside its destination, and placing it there at the end.

Everything is written into a fresh directory next to the output first:
the model file, the answers, the rendered template. Only a project whose
rendering finished is moved into place, in one rename where possible, so
a failure never leaves half a project where the user asked for one.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .._artifacts._quality import EVALUATION_ROWS, evaluation_rows
from .._base._errors import MljetError
from .._base._reporting import Steps
from .._base._worker import Worker
from .._model._explanations import ONNX_RUNTIME
from .._model._onnx import check_parity, compare
from .._rendering._answers import (
    ONNX_FILE,
    generation_answers,
    onnx_answers,
    parity_answers,
    recorded_answers,
)
from .._rendering._layout import model_dir as model_files
from .._rendering._requirements import imported_modules
from .._rendering._template import render
from .._safety._user_code import CodeModule, settle_user_code, user_modules
from ._describe import Description
from ._plan import Plan
from ._report_folder import copy_report_folder


@dataclass(frozen=True)
class Staged:
    """A rendered draft: its answers, and the user's modules to ship with it."""

    answers: dict[str, Any]
    code: tuple[CodeModule, ...]


@contextmanager
def staging_directory(output: Path) -> Iterator[Path]:
    """A fresh directory beside `output`, removed unless it was placed."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{output.name}.mljet-"
        staging = Path(tempfile.mkdtemp(prefix=prefix, dir=output.parent))
    except OSError as error:
        raise MljetError(f"Cannot write the project beside {output}: {error}") from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def stage(
    staging: Path,
    plan: Plan,
    described: Description,
    worker: Worker,
    report: Steps,
) -> Staged:
    """Store the model in `staging`, answer every question, render a draft."""
    model_dir = model_files(staging, plan.package)
    model_dir.mkdir(parents=True)
    stored = described.family.save(described.model, model_dir, plan.model_path)
    info = described.info
    needed: tuple[CodeModule, ...] = ()
    if stored.is_pickle:
        report.step(f"stored as a pickle, the last resort: {stored.pickle_reason}")
        # The service unpickles the file: it needs what unpickling imports.
        scan, needed = settle_user_code(model_dir / stored.filename, plan.code)
        mine = set(user_modules(scan))
        imports = imported_modules([f for c in needed for f in c.sources()], local=mine)
        info = replace(info, modules=(info.modules | scan.modules | imports) - mine)
    own_report = None
    if plan.options.report is not None:
        own_report = copy_report_folder(
            Path(plan.options.report), described.family, model_dir
        )
        report.step(
            f"the report {own_report['writer']} wrote: "
            f"{len(own_report['files'])} files, served at {own_report['path']}"
        )
    for unused in set(plan.code) - set(needed):
        report.step(f"not shipping {unused.path}: the stored model does not use it")
    answers = generation_answers(
        options=plan.options,
        model_file=plan.model_path,
        info=info,
        schema=described.schema,
        stored=stored,
        model_sha256=_sha256(model_dir / stored.filename),
        code_modules=[module.name for module in needed],
        profile=described.profile,
        importances=described.importances,
        report_card=described.report_card,
        own_report=own_report,
        explanation=described.explanation,
    )
    if plan.options.runtime == "onnx":
        # The converted graph is not explained: neither is its draft.
        answers.update(ONNX_RUNTIME.to_answers())
    # The draft serves the model itself: the hooks ask it for the schema and
    # the golden values; the onnx hook then renders the converted model.
    draft = {**answers, "model_runtime": "native"}
    if plan.options.runtime == "onnx":
        tolerance = plan.options.onnx_tolerance
        answers = {**answers, **_converted(described, model_dir, tolerance, report)}
        needed = ()
    report.step(f"rendering the {plan.backend.label} service '{plan.package}'")
    worker.run(render, staging, draft, plan.template, True)
    evaluation = described.evaluation
    if evaluation is not None and evaluation.replay is not None:
        (staging / EVALUATION_ROWS).write_text(
            evaluation_rows(
                evaluation.card, list(described.info.methods), evaluation.replay
            )
        )
    return Staged(answers, needed)


def _converted(
    described: Description, model_dir: Path, tolerance: float, report: Steps
) -> dict[str, Any]:
    """The model converted to ONNX beside its own file, and its answers.

    The parity gate's first half: on every row of the sample (or the rows
    built without one), the same labels and scores within `tolerance`.
    """
    features = [feature.to_answer() for feature in described.schema.features]
    converted = described.family.to_onnx(described.model, described.info, features)
    parity = compare(described.model, converted, described.rows, described.info)
    check_parity(parity, tolerance, "the sample's rows")
    path = model_dir / ONNX_FILE
    path.write_bytes(converted.data)
    report.step(f"converted to ONNX with {converted.converter}: {parity.describe()}")
    answers = onnx_answers(converted, _sha256(path), described.info.methods)
    return {**answers, **parity_answers(parity)}


def place(staging: Path, plan: Plan, staged: Staged) -> None:
    """Ship the user's code into the project, then move it into place.

    The user's code is shipped last, after the hooks formatted the rest, so
    it stays exactly as given. With --force, the model file an earlier
    generation wrote into the destination goes when the new one differs.
    """
    for module in staged.code:
        module.ship(staging / "src")
    move(staging, plan.destination, replaces=earlier_model_file(plan.destination))


def move(staging: Path, output: Path, replaces: tuple[str, ...] = ()) -> None:
    """Move the rendered project to `output` in one step where possible.

    An absent or empty `output` is replaced by a rename. A non-empty one
    (only with --force) gets each rendered file copied over it, so files the
    template does not render, such as `.git`, survive; `replaces` are paths
    of files the generator itself wrote there before (an older model file),
    removed when the new project does not have them.
    """
    if not output.exists() or (output.is_dir() and not any(output.iterdir())):
        if output.exists():
            output.rmdir()
        staging.rename(output)
        return
    for relative in replaces:
        if not (staging / relative).exists():
            (output / relative).unlink(missing_ok=True)
    for source in sorted(staging.rglob("*")):
        target = output / source.relative_to(staging)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def earlier_model_file(destination: Path) -> tuple[str, ...]:
    """The model file an earlier generation put in `destination`, if any."""
    if not (destination / ".copier-answers.yml").is_file():
        return ()
    try:
        answers = recorded_answers(destination)
    except MljetError:
        return ()
    package, filename = answers.get("package_name"), answers.get("model_filename")
    if not (package and filename):
        return ()
    stored = model_files(destination, str(package)) / str(filename)
    return (str(stored.relative_to(destination)),)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
