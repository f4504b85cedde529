"""Finishing a project that plain `copier copy` started.

Copier asked for the model file and the backend and rendered a skeleton;
its task then runs this, in the model's Python, to introspect the model and
render the full project over the skeleton through the same `cook` as the
generator, from the same template at the same commit.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._answers import recorded_answers
from ._cook import cook
from ._errors import MljetError
from ._render import TemplateSource


def complete(
    destination: Path, destination_argument: str, template_commit: str
) -> Path:
    answers = _answers(destination)
    origins = _origins(destination, destination_argument)
    model_file = _locate(answers["model_file"], origins, "model file")
    sample = answers.get("sample_file") or None
    return cook(
        model_file,
        sample=None if sample is None else _locate(sample, origins, "sample file"),
        backend=answers.get("backend", "fastapi"),
        name=answers.get("package_name"),
        base_image=answers.get("base_image") or "",
        artifact=(
            None if answers.get("artifact", "none") == "none" else answers["artifact"]
        ),
        output=destination,
        force=True,
        template=_template(str(answers["_src_path"]), template_commit),
    )


def _template(source: str, commit: str) -> TemplateSource:
    """The template Copier just rendered, at the very commit it used.

    Copier renders a dirty local checkout from a temporary commit that only
    exists in its own clone; then the working tree at HEAD is the same thing.
    """
    if commit and Path(source, ".git").exists():
        known = subprocess.run(
            ["git", "-C", source, "cat-file", "-e", f"{commit}^{{commit}}"],
            capture_output=True,
            check=False,
        )
        if known.returncode != 0:
            return TemplateSource(source, "HEAD")
    return TemplateSource(source, commit or None)


def _answers(destination: Path) -> dict[str, Any]:
    answers = recorded_answers(destination)
    if "model_file" not in answers:
        raise MljetError(
            f"{destination / '.copier-answers.yml'} does not hold the answers of "
            "an MLJET template."
        )
    return answers


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
