"""From a model to a rendered, formatted, pinned project: the whole pipeline."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ._answers import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_INSTANCES,
    check_base_image,
    check_package_name,
    model_answers,
    package_name_from,
    plain,
    recorded_answers,
)
from ._artifacts import artifact_named, make_artifact
from ._backends import backend_named
from ._errors import HookError, MljetError
from ._families import ModelFamily, family_of
from ._hooks import run_hooks
from ._loading import load_model_file
from ._model_info import ModelInfo, StoredModel
from ._render import (
    TemplateSource,
    check_output,
    place,
    staging_directory,
    template_source,
)
from ._renderer import InProcessRenderer, Renderer
from ._requirements import imported_modules, python_version
from ._sample import check_model_accepts, infer_schema, read_sample
from ._schema import Schema
from ._user_code import CodeModule, code_modules, settle_user_code, user_modules

ModelSource = Any  # a fitted model object, or the path of a model file


class Reporter:
    """One line per step on stderr, unless quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()

    def step(self, message: str) -> None:
        if not self.quiet:
            print(f"mljet: {message}", file=sys.stderr, flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def cook(
    model: ModelSource,
    *,
    sample: Any = None,
    backend: str = "fastapi",
    name: str | None = None,
    output: str | os.PathLike[str] | None = None,
    force: bool = False,
    quiet: bool = False,
    max_instances: int = DEFAULT_MAX_INSTANCES,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    trust: bool = False,
    code: Sequence[str | os.PathLike[str]] = (),
    base_image: str = "",
    artifact: str | None = None,
    run: bool = False,
    offline: bool = False,
    template: TemplateSource | None = None,
    renderer: Renderer | None = None,
) -> Path:
    """Generate a web-service project for `model`; return its directory.

    `model` is a fitted model or the path of a model file (a pickle, or a
    boosting library's own format); `sample` is a DataFrame, an array, or a
    CSV/Parquet path typing the API. A pickle that would import code able
    to run commands is refused unless `trust`; `code` lists the user's own
    modules (files or package directories) a pickle refers to, shipped in
    the service. `base_image` is the Dockerfile's base (default:
    python:X.Y-slim for this Python). `artifact` ("docker") is built from
    the project and verified to answer the golden rows exactly, then kept
    running if `run`; `offline` builds the image from wheels downloaded
    here. `template` overrides where the Copier template is read from, and
    `renderer` who runs Copier (this process by default). Raises
    MljetError (or its subclass HookError, after the project is placed)
    with a message for the user.
    """
    report = Reporter(quiet)
    renderer = renderer or InProcessRenderer()
    chosen_backend = backend_named(backend)
    chosen_backend.check_installed()
    shipped = code_modules(code)
    check_base_image(base_image)
    builder = artifact_named(artifact, offline) if artifact else None
    if run and builder is None:
        raise MljetError("--run starts a built artifact: add --artifact docker.")
    if builder is not None:
        builder.check_available()
    model_path = Path(model) if isinstance(model, (str, os.PathLike)) else None
    if model_path is not None:
        report.step(f"loading {model_path}")
        model = load_model_file(model_path, trust=trust, code=shipped).model
    family = family_of(model)
    info = family.introspect(model)
    model = family.servable(model)
    report.step(
        f"{info.estimator} from {info.library} {info.library_version}: {info.task}, "
        f"{info.n_features} features, methods {', '.join(info.methods)}"
    )
    schema = _schema(model, info, sample, report)
    package = name or package_name_from(model_path.stem if model_path else "model")
    check_package_name(package)
    destination = Path(output) if output is not None else Path(package)
    check_output(destination, force)
    source = template or template_source()

    with staging_directory(destination) as staging:
        model_dir = staging / "src" / package / "model"
        stored = _store_model(model_dir, model, model_path, family)
        needed: tuple[CodeModule, ...] = ()
        if stored.is_pickle:
            report.step(f"stored as a pickle, the last resort: {stored.pickle_reason}")
            # The service unpickles the file: it needs what unpickling imports.
            scan, needed = settle_user_code(model_dir / stored.filename, shipped)
            mine = set(user_modules(scan))
            imports = imported_modules(
                [f for c in needed for f in c.sources()], local=mine
            )
            modules = (info.modules | scan.modules | imports) - mine
            info = replace(info, modules=modules)
        for unused in set(shipped) - set(needed):
            report.step(f"not shipping {unused.path}: the stored model does not use it")
        digest = hashlib.sha256((model_dir / stored.filename).read_bytes()).hexdigest()
        answers: dict[str, Any] = {
            "model_file": str(model_path) if model_path else "(in memory)",
            "sample_file": (
                str(sample) if isinstance(sample, (str, os.PathLike)) else ""
            ),
            "backend": chosen_backend.name,
            "package_name": package,
            "base_image": base_image,
            "artifact": artifact or "none",
            "max_instances": max_instances,
            "max_body_bytes": max_body_bytes,
            "python_version": python_version(),
            **model_answers(info, schema, stored, model_sha256=digest),
            "code_modules": [module.name for module in needed],
        }
        answers = plain(answers)
        report.step(f"rendering the {chosen_backend.label} service '{package}'")
        renderer.render(staging, answers, source, draft=True)
        failure = run_hooks(staging, info, answers, source, renderer, report)
        # After formatting: the user's code is shipped as it is.
        for module in needed:
            module.ship(staging / "src")
        place(staging, destination, replaces=_earlier_model_file(destination))

    if failure is not None:
        raise HookError(failure.hook, failure.reason, destination)
    if builder is not None:
        try:
            _, running = make_artifact(builder, destination, package, report, run)
        except MljetError as error:
            raise HookError(builder.name, str(error), destination) from None
        if running is not None:
            print(
                f"{package} is serving at {running.url} (docs: {running.url}/docs); "
                f"stop it with: {running.how_to_stop}",
                flush=True,
            )
    report.step(
        f"done in {report.elapsed:.1f} s: {destination} "
        f"(start it with: cd {destination} && python -m {package})"
    )
    return destination


def _schema(model: object, info: ModelInfo, sample: Any, report: Reporter) -> Schema:
    if sample is None and info.categorical_features:
        raise MljetError(
            f"The model treats {', '.join(info.categorical_features)} as "
            "categorical, and only sample rows can say what those values look "
            "like (their categories, as strings or pandas categories). Run again "
            "with --sample rows.csv (cook(..., sample=frame))."
        )
    frame = None if sample is None else read_sample(sample)
    schema = infer_schema(info, frame)
    if frame is not None:
        check_model_accepts(model, frame, info)
        kinds = sorted({f.kind for f in schema.features})
        report.step(
            f"sample of {len(frame)} rows: features typed as {', '.join(kinds)}"
        )
    return schema


def _store_model(
    directory: Path, model: object, path: Path | None, family: ModelFamily
) -> StoredModel:
    directory.mkdir(parents=True)
    return family.save(model, directory, path)


def _earlier_model_file(destination: Path) -> tuple[str, ...]:
    """The model file an earlier generation put in `destination`, if any.

    Its answers say where it is; with --force the new project replaces it.
    """
    if not (destination / ".copier-answers.yml").is_file():
        return ()
    try:
        answers = recorded_answers(destination)
    except MljetError:
        return ()
    package, filename = answers.get("package_name"), answers.get("model_filename")
    if not (package and filename):
        return ()
    return (f"src/{package}/model/{filename}",)
