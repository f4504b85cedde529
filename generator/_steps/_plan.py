"""The first step: check the options and settle what the generation will do.

Everything that can be refused without loading the model is refused here:
an option's value, a backend whose server is not installed, `--code` that
is not a module, an occupied output directory, an artifact that cannot be
built on this machine. Nothing is written before it passes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._artifacts import Artifact, artifact_named
from .._base._errors import MljetError
from .._model._onnx import check_onnx_installed
from .._rendering._backends import Backend, backend_named
from .._rendering._names import package_name_from, package_name_of_folder
from .._rendering._options import Options, output_of
from .._rendering._template import TemplateSource, template_source
from .._safety._user_code import CodeModule, code_modules


@dataclass(frozen=True)
class Plan:
    """What one generation will do, settled before the model is loaded.

    `options.name` is the package's name, derived from the model file's
    name when the user gave none.
    """

    options: Options
    model_path: Path | None
    backend: Backend
    code: tuple[CodeModule, ...]
    artifact: Artifact | None
    destination: Path
    template: TemplateSource

    @property
    def package(self) -> str:
        return str(self.options.name)


def plan(
    model: Any,
    options: Options,
    template: TemplateSource | None = None,
    *,
    checked: bool = False,
) -> Plan:
    """Check `options` for a model (an object, or the path of its file);
    `checked`: their values were checked already (a swap checks the
    owner's, then plans with the service's recorded ones)."""
    if not checked:
        options.check()
    backend = backend_named(options.backend)
    backend.check_installed()
    if options.runtime == "onnx":
        check_onnx_installed()
    code = code_modules(options.code)
    artifact = (
        artifact_named(options.artifact, options.offline) if options.artifact else None
    )
    model_path = Path(model) if isinstance(model, (str, os.PathLike)) else None
    if options.name:
        package = options.name
    elif options.output is not None:
        package = package_name_of_folder(Path(options.output))
    else:
        package = package_name_from(model_path.stem if model_path else "model")
    destination = output_of(options, package)
    check_output(destination, options.force)
    if artifact is not None:
        artifact.check_available()
    return Plan(
        options=options.with_name(package),
        model_path=model_path,
        backend=backend,
        code=code,
        artifact=artifact,
        destination=destination,
        template=template or template_source(),
    )


def check_output(output: Path, force: bool) -> None:
    """Refuse to write into a non-empty directory unless forced."""
    if output.exists() and not output.is_dir():
        raise MljetError(
            f"{output} exists and is not a directory; choose another --output."
        )
    if output.is_dir() and any(output.iterdir()) and not force:
        raise MljetError(
            f"{output} is not empty; MLJET will not write into it. Choose another "
            "--output, or pass --force to overwrite the files the template renders "
            "there (other files are left alone). To put a retrained model into an "
            "existing service, keeping your edits, pass --update DIR instead; for a "
            "newer template, run `python -m generator update DIR`."
        )
