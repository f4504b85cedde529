"""The Copier answers: everything learned about a model, as plain data.

This is the one place answers are named and assembled. Every value here is
recorded in the project's `.copier-answers.yml` (each is a question in
`copier.yml`), so a later `copier update` re-renders from exactly what was
learned today. The hooks add what they compute through the functions
below: golden predictions and pinned requirements.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import yaml

from .._artifacts import PUSHED_IMAGE
from .._base._errors import MljetError
from .._model._explanations import NOT_PLANNED, ExplanationPlan
from .._model._importances import Importances
from .._model._model_info import ModelInfo, StoredModel
from .._model._onnx import OnnxModel, Parity
from .._model._schema import Schema
from ._backends import DEV_TOOLS, Backend
from ._options import Options
from ._requirements import PinnedRequirements, python_version, system_packages_for

# Libraries reported by /metadata, when the service pins them, beside the
# model family's own library.
MODEL_LIBRARIES = frozenset({"scikit-learn", "numpy", "scipy", "joblib", "pandas"})
IN_MEMORY = "(in memory)"
# The converted model's file.
ONNX_FILE = "model.onnx"
# The runtime answers of a service the model's own library serves.
NATIVE_RUNTIME_ANSWERS: dict[str, Any] = {
    "onnx": {},
    "onnx_parity": {"rows": 0, "max_deviation": 0.0},
}
# What a converted graph answers: labels or values, and probabilities.
ONNX_METHODS = ("predict", "predict_proba")


def generation_answers(
    *,
    options: Options,
    model_file: Path | None,
    info: ModelInfo,
    schema: Schema,
    stored: StoredModel,
    model_sha256: str,
    code_modules: Iterable[str],
    profile: dict[str, Any],
    importances: Importances | None,
    report_card: dict[str, Any] | None = None,
    own_report: dict[str, Any] | None = None,
    explanation: ExplanationPlan = NOT_PLANNED,
) -> dict[str, Any]:
    """What generation knows before the hooks run: options and the model."""
    return json_native(
        {
            **options.answers(),
            # The file's name only: its path is the generating machine's.
            "model_file": model_file.name if model_file else IN_MEMORY,
            "python_version": python_version(),
            **storage_answers(stored),
            "model_sha256": model_sha256,
            "model_family": info.family,
            "model_class": info.model_class,
            "estimator": info.estimator,
            "task": info.task,
            "methods": list(info.methods),
            "features": [feature.to_answer() for feature in schema.features],
            "model_input": "frame" if info.feature_names is not None else "array",
            "classes": list(info.classes),
            "examples": [dict(example) for example in schema.examples],
            "examples_from_sample": schema.from_sample,
            "sample_profile": profile,
            "importances": (
                importances.to_answer([f.name for f in schema.features])
                if importances
                else None
            ),
            # How the model did on labelled rows at generation (--eval).
            "report_card": report_card,
            # The library's own report about the model (--report DIR).
            "own_report": own_report,
            # How /explain explains the model (checked by the explain hook).
            **explanation.to_answers(),
            # Under the native runtime; the onnx step records its own.
            **NATIVE_RUNTIME_ANSWERS,
            "libraries": {info.library: info.library_version},
            "model_modules": sorted(info.modules),
            "code_modules": sorted(code_modules),
            # Set by --push to the verified image's repository@digest; a
            # new model is a new image, pushed again.
            PUSHED_IMAGE: "",
        }
    )


def storage_answers(stored: StoredModel) -> dict[str, Any]:
    """How the model file is kept, and how the service reads it."""
    return {
        "model_filename": stored.filename,
        "model_storage": stored.storage,
        "model_format": stored.format_name,
        "trusted_types": list(stored.trusted_types),
        "pickle_reason": stored.pickle_reason,
    }


def onnx_answers(
    converted: OnnxModel, model_sha256: str, methods: Iterable[str]
) -> dict[str, Any]:
    """The service serving the converted model: its file, its graph's inputs
    and outputs, its methods (labels or values, and probabilities), and the
    modules it needs instead of the model's library's."""
    import onnxruntime

    return json_native(
        {
            "methods": [m for m in methods if m in ONNX_METHODS],
            "model_filename": ONNX_FILE,
            "model_storage": "onnx",
            "model_format": f"ONNX, converted by {converted.converter}",
            "model_sha256": model_sha256,
            "trusted_types": [],
            "pickle_reason": "",
            "onnx": {
                "inputs": [
                    {
                        "name": i.name,
                        "features": list(i.features),
                        "element": i.element,
                        "codes": {k: list(v) for k, v in i.codes.items()},
                    }
                    for i in converted.inputs
                ],
                "labels": converted.labels,
                "scores": converted.scores,
                "converter": converted.converter,
            },
            "libraries": {"onnxruntime": onnxruntime.__version__},
            "model_modules": ["numpy", "onnxruntime"],
            "code_modules": [],
        }
    )


def parity_answers(parity: Parity) -> dict[str, Any]:
    """How closely the converted model answered like the model itself."""
    return json_native(
        {"onnx_parity": {"rows": parity.rows, "max_deviation": parity.max_deviation}}
    )


def golden_answers(
    together: dict[str, Any], alone: dict[str, Any], batching: dict[str, Any]
) -> dict[str, Any]:
    """The golden hook's predictions (the examples at once, and each alone),
    and whether the model answers a row in a batch as alone."""
    return json_native(
        {"golden": together, "golden_alone": alone, "batching": batching}
    )


def pinned_answers(
    pins: PinnedRequirements, library: str, backend: Backend
) -> dict[str, Any]:
    """The requirements hook's pins, and what follows from them."""
    return json_native(
        {
            "requirements": pins.versions,
            "direct_requirements": list(pins.direct),
            "requirement_markers": pins.markers,
            "unused_dependencies": pins.unused,
            "system_packages": system_packages_for(pins.versions),
            "libraries": {
                name: version
                for name, version in pins.versions.items()
                if name in MODEL_LIBRARIES | {library}
            },
            "dev_requirements": installed_versions(
                DEV_TOOLS, backend.test_requirements
            ),
        }
    )


def recorded_answers(project: Path) -> dict[str, Any]:
    """The answers Copier recorded in `project`'s `.copier-answers.yml`."""
    path = project / ".copier-answers.yml"
    try:
        answers = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise MljetError(f"cannot read Copier's answers in {path}: {error}") from None
    if not isinstance(answers, dict) or "model_file" not in answers:
        raise MljetError(f"{path} does not hold the answers of an MLJET template.")
    return answers


def write_answers(project: Path, answers: dict[str, Any]) -> None:
    """Record `answers` in the project's answers file, beside Copier's own."""
    path = project / ".copier-answers.yml"
    header = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
    recorded = {**recorded_answers(project), **json_native(answers)}
    path.write_text(header + yaml.safe_dump(recorded, sort_keys=False, width=88))


def json_native(answers: dict[str, Any]) -> dict[str, Any]:
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
