"""The Copier answers: everything introspected, as plain data.

Every value here is recorded in the project's `.copier-answers.yml`, so a
later `copier update` re-renders from exactly what was learned today.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path
from typing import Any

import orjson
import yaml

from ._errors import MljetError
from ._model_info import ModelInfo, StoredModel
from ._schema import Schema

PACKAGE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Names that would shadow a package the service imports, or its own layout.
RESERVED_NAMES = frozenset(
    {
        "test", "tests", "src", "app", "model", "generator", "copier", "sklearn",
        "numpy", "pandas", "fastapi", "uvicorn", "starlette", "flask", "werkzeug",
        "gunicorn", "sanic", "aiohttp", "orjson", "conftest", "app_client",
    }
)  # fmt: skip
DEFAULT_MAX_INSTANCES = 10_000
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


def package_name_from(stem: str) -> str:
    """A valid package name derived from a model file's name."""
    slug = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_") or "model"
    if slug[0].isdigit():
        slug = f"model_{slug}"
    return f"{slug}_service"


def check_package_name(name: str) -> None:
    if not PACKAGE_NAME.match(name):
        raise MljetError(
            f"'{name}' is not a valid package name: use lowercase letters, digits "
            "and underscores, not starting with a digit (for example "
            "'churn_service')."
        )
    if name in RESERVED_NAMES:
        raise MljetError(
            f"'{name}' would shadow a package the service needs; choose another --name."
        )


def check_base_image(image: str) -> None:
    """Refuse what Docker would not take as an image reference."""
    if image and not re.fullmatch(r"[a-z0-9][a-z0-9._/:@-]*", image):
        raise MljetError(
            f"'{image}' is not a Docker image reference such as python:3.11-slim."
        )


def model_answers(
    info: ModelInfo, schema: Schema, stored: StoredModel, *, model_sha256: str
) -> dict[str, Any]:
    return {
        "model_filename": stored.filename,
        "model_sha256": model_sha256,
        "trusted_types": list(stored.trusted_types),
        "pickle_reason": stored.pickle_reason,
        "model_family": info.family,
        "model_class": info.model_class,
        "estimator": info.estimator,
        "task": info.task,
        "methods": list(info.methods),
        "features": [feature.to_answer() for feature in schema.features],
        "model_input": "frame" if info.feature_names is not None else "array",
        "classes": list(info.classes),
        "examples": [dict(example) for example in schema.examples],
        "libraries": {info.library: info.library_version},
    }


def recorded_answers(project: Path) -> dict[str, Any]:
    """The answers Copier recorded in `project`'s `.copier-answers.yml`."""
    path = project / ".copier-answers.yml"
    try:
        answers = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise MljetError(f"cannot read Copier's answers in {path}: {error}") from None
    if not isinstance(answers, dict):
        raise MljetError(f"{path} does not hold Copier's answers.")
    return answers


def plain(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as plain JSON types, as Copier's YAML answers file needs.

    Models hand out numpy scalars (a class label may be a numpy.str_), which
    YAML would record as Python objects that no loader accepts back.
    """
    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    native: dict[str, Any] = orjson.loads(orjson.dumps(answers, option=options))
    return native


def installed_versions(
    names: tuple[str, ...], alternatives: tuple[tuple[str, ...], ...] = ()
) -> dict[str, str]:
    """Versions of the tools installed here; empty for those that are not.

    Of each group of alternatives, the first installed one is taken, or the
    first of the group when none is.
    """
    versions = {name: _version(name) for name in names}
    for group in alternatives:
        found = [name for name in group if _version(name)]
        chosen = found[0] if found else group[0]
        versions[chosen] = _version(chosen)
    return versions


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""
