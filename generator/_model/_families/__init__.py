"""Model families: one module per library, all behind `ModelFamily`.

A family declares everything the generator, the template and the hooks
need to know about its library; the service reads its model through the
family's serving adapter, a file of the template's fence rendered as
`mljet/model_adapter.py` for that family only (its name starts with
`ADAPTER`, NAME being the family's name; one per way the family stores a
model), unless the service runs the model converted to ONNX (its own
adapter then). Adding a library means one module here with a `FAMILY`
object satisfying the protocol in `_family.py`, its serving adapter, and
an entry in `FAMILIES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..._base._errors import MljetError
from .._model_info import PICKLE_FORMAT, SKOPS_FORMAT, Storage, StoredModel
from . import catboost, lightautoml, lightgbm, python, sklearn, xgboost
from ._family import DistributionFacts, ModelFamily, OwnReport

__all__ = [
    "FAMILIES",
    "DistributionFacts",
    "ModelFamily",
    "OwnReport",
    "distribution_facts",
    "family_for_file",
    "family_named",
    "family_of",
    "stored_model_of",
]

# What the generator keeps a pickle as, whatever the family.
PICKLE_SUFFIXES = (".joblib", ".pkl")
ADAPTER = "template/src/{{package_name}}/mljet/{% if model_family == 'NAME' "

FAMILIES: tuple[ModelFamily, ...] = (
    sklearn.FAMILY,
    xgboost.FAMILY,
    lightgbm.FAMILY,
    catboost.FAMILY,
    lightautoml.FAMILY,
    # Last: any object with a predict, when no library claims it.
    python.FAMILY,
)


def family_of(model: object) -> ModelFamily:
    """The family that can serve `model`, or a MljetError listing the options."""
    for family in FAMILIES:
        if family.supports(model):
            return family
    kind = type(model)
    supported = "; ".join(f"{f.name}: {f.supported}" for f in FAMILIES)
    raise MljetError(
        f"MLJET cannot serve a {kind.__module__}.{kind.__qualname__}: it has no "
        "predict method, so no model family supports it. An object of your own "
        "class needs predict(X), taking a pandas DataFrame or a 2-D array and "
        "returning one value per row (and classes_ to be served as a "
        f"classifier). Supported: {supported}."
    )


def family_named(name: str) -> ModelFamily:
    for family in FAMILIES:
        if family.name == name:
            return family
    raise MljetError(
        f"Unknown model family '{name}'. Known: "
        f"{', '.join(f.name for f in FAMILIES)}."
    )


def family_for_file(path: Path) -> ModelFamily | None:
    """The family whose library writes files like `path`, if any does."""
    suffix = path.suffix.lower()
    return next((f for f in FAMILIES if suffix in f.file_suffixes), None)


def stored_model_of(family: ModelFamily, answers: Mapping[str, Any]) -> StoredModel:
    """The stored model a project's answers describe: its file tells how.

    For answers files older than `model_storage`, whose service was made
    before the storage was recorded.
    """
    filename = str(answers["model_filename"])
    if filename.endswith(".skops"):
        storage: Storage = "skops"
    elif family.native_format and not filename.endswith(PICKLE_SUFFIXES):
        storage = "native"
    else:
        storage = "pickle"
    formats = {"skops": SKOPS_FORMAT, "pickle": PICKLE_FORMAT}
    return StoredModel(
        filename,
        storage,
        formats.get(storage, family.native_format),
        trusted_types=tuple(answers.get("trusted_types", ())),
        pickle_reason=str(answers.get("pickle_reason", "")),
    )


def distribution_facts() -> DistributionFacts:
    """Every family's distribution facts, as one."""
    return DistributionFacts(
        system_packages={
            k: v for f in FAMILIES for k, v in f.distributions.system_packages.items()
        },
        unused_dependencies={
            k: v
            for f in FAMILIES
            for k, v in f.distributions.unused_dependencies.items()
        },
        cpu_builds={
            k: v for f in FAMILIES for k, v in f.distributions.cpu_builds.items()
        },
    )
