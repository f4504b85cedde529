"""Model families: one module per library, all behind `ModelFamily`.

Adding a library means writing one module with a `FAMILY` object that
satisfies the protocol below and listing it in `FAMILIES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .._errors import MljetError
from .._model_info import ModelInfo
from . import catboost, lightgbm, sklearn, xgboost


class ModelFamily(Protocol):
    """How the generator recognises, describes and stores one library's models."""

    name: str
    supported: str
    # Whether `save` writes the library's own format: then a model file the
    # user gives is stored that way too, instead of copied as it is.
    native_format: bool

    def supports(self, model: object) -> bool:
        """Whether the object comes from this family's library."""

    def introspect(self, model: object) -> ModelInfo:
        """Describe a fitted model; raise MljetError for one it cannot serve."""

    def save(self, model: object, directory: Path) -> str:
        """Write an in-memory model into `directory`; return the file name."""


FAMILIES: tuple[ModelFamily, ...] = (
    sklearn.FAMILY,
    xgboost.FAMILY,
    lightgbm.FAMILY,
    catboost.FAMILY,
)


def family_of(model: object) -> ModelFamily:
    """The family that can serve `model`, or a MljetError listing the options."""
    for family in FAMILIES:
        if family.supports(model):
            return family
    kind = type(model)
    supported = "; ".join(f"{f.name}: {f.supported}" for f in FAMILIES)
    raise MljetError(
        f"MLJET cannot serve a {kind.__module__}.{kind.__qualname__}: no model "
        f"family supports it. Supported: {supported}."
    )
