"""A model stored as a pickle: the last resort, for families that need it."""

from __future__ import annotations

import shutil
from pathlib import Path

from .._model_info import PICKLE_FORMAT, StoredModel


def stored_as_pickle(
    model: object, directory: Path, source: Path | None, reason: str
) -> StoredModel:
    """The user's own pickle byte for byte, else joblib's of `model`;
    `reason` says why no other format holds it."""
    if source is not None:
        filename = "model.joblib" if source.suffix == ".joblib" else "model.pkl"
        shutil.copyfile(source, directory / filename)
    else:
        import joblib

        filename = "model.joblib"
        joblib.dump(model, directory / filename)
    return StoredModel(filename, "pickle", PICKLE_FORMAT, pickle_reason=reason)
