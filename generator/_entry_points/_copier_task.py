"""Finishing a project that plain `copier copy` started (the Copier task).

Copier asked for the model file and the backend and rendered a skeleton;
its task then runs this, in the model's Python, to introspect the model and
render the full project over the skeleton through the same pipeline as the
generator, from the same template at the same commit. Every option Copier
recorded is read back through `Options.from_answers`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .._base._errors import MljetError
from .._rendering._answers import recorded_answers
from .._rendering._history import recorded_as
from .._rendering._options import Options
from .._rendering._template import TemplateSource
from ._cook import generate


def finish_copier_copy(
    destination: Path, destination_argument: str, template_commit: str
) -> Path:
    answers = recorded_answers(destination)
    origins = _origins(destination, destination_argument)
    recorded = Options.from_answers(answers)
    recorded.check()  # before looking for files: a bad answer is the first news
    sample = recorded.sample and _locate(str(recorded.sample), origins, "sample file")
    # Over the skeleton Copier rendered: the same files, now complete.
    options = replace(recorded, sample=sample, output=destination, force=True)
    return generate(
        _locate(answers["model_file"], origins, "model file"),
        options,
        template=_template(str(answers["_src_path"]), template_commit),
    ).project


def _template(source: str, commit: str) -> TemplateSource:
    """The template Copier just rendered, at the very commit it used.

    Copier renders a dirty local checkout from a temporary commit that only
    exists in its own clone; then the working tree at HEAD is the same thing.
    A directory is this machine's: the answers record the public repository.
    """
    recorded = recorded_as(source)
    if commit and Path(source, ".git").exists():
        known = subprocess.run(
            ["git", "-C", source, "cat-file", "-e", f"{commit}^{{commit}}"],
            capture_output=True,
            check=False,
        )
        if known.returncode != 0:
            return TemplateSource(source, "HEAD", recorded=recorded)
    return TemplateSource(source, commit or None, recorded=recorded)


def _origins(destination: Path, destination_argument: str) -> list[Path]:
    """Where `copier copy` may have been started: relative paths start there.

    Copier runs its tasks inside the new project, so the directory the user
    typed the command in is recovered from the destination as typed, or
    from PWD, which the shell set when Copier started.
    """
    origins: list[Path] = []
    typed = Path(destination_argument)
    if destination_argument and not typed.is_absolute() and ".." not in typed.parts:
        origin = destination.resolve()
        for _ in typed.parts:
            origin = origin.parent
        origins.append(origin)
    pwd = os.environ.get("PWD")
    if pwd and Path(pwd).is_absolute():
        origins.append(Path(pwd))
    return origins


def _locate(given: str, origins: Sequence[Path], what: str) -> Path:
    path = Path(given).expanduser()
    if path.is_absolute():
        return path
    for origin in origins:
        if (origin / path).exists():
            return origin / path
    looked = ", ".join(str(o) for o in origins) or "nowhere"
    raise MljetError(
        f"The {what} '{given}' was not found relative to the directory copier was "
        f"started in (looked in: {looked}). Give its absolute path."
    )
