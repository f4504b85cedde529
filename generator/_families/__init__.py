"""Model families: one module per library, all behind `ModelFamily`.

Adding a library means writing one module with a `FAMILY` object that
satisfies the protocol below and listing it in `FAMILIES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .._errors import MljetError
from .._model_info import ModelInfo, StoredModel
from . import catboost, lightgbm, sklearn, xgboost


class ModelFamily(Protocol):
    """How the generator recognises, describes and stores one library's models."""

    name: str
    supported: str
    # Suffixes of the library's own model files, which `load_file` reads.
    file_suffixes: tuple[str, ...]

    def supports(self, model: object) -> bool:
        """Whether the object comes from this family's library."""

    def introspect(self, model: object) -> ModelInfo:
        """Describe a fitted model; raise MljetError for one it cannot serve."""

    def load_file(self, path: Path) -> object:
        """Read one of the library's own model files; MljetError if it cannot."""

    def servable(self, model: object) -> object:
        """The model as the service runs it.

        A native booster becomes the library's scikit-learn-style estimator
        where the service loads it into one, so that the sample is checked
        against what will really serve.
        """

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """Store the model in `directory` in the safest format that fits.

        `source` is the file the user gave, if any; a family may keep it
        byte for byte rather than write the model again.
        """


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


def family_for_file(path: Path) -> ModelFamily | None:
    """The family whose library writes files like `path`, if any does."""
    suffix = path.suffix.lower()
    return next((f for f in FAMILIES if suffix in f.file_suffixes), None)
