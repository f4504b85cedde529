# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The model file: refused unless it is the one the service was made for.

Apart from `runtime.py`, so that a process that checks the file and loads
no model (a supervisor of worker processes) does not import the model's
library to do so.
"""

from __future__ import annotations

import hashlib

from .spec import ServiceSpec


class ModelLoadError(RuntimeError):
    """The model file is missing, altered, or cannot be loaded."""


def verify_model_file(spec: ServiceSpec) -> None:
    """Refuse a model file other than the one the service was made for."""
    path = spec.model_path
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ModelLoadError(f"cannot read the model file {path}: {error}") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != spec.model_sha256:
        raise ModelLoadError(
            f"the model file {path} is not the one this service was generated "
            f"for (SHA-256 {digest}, expected {spec.model_sha256}); regenerate "
            "the service for a new model"
        )
