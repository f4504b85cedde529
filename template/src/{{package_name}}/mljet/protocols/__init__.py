# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The protocols the service speaks: its own (`/predict`), the Open
Inference Protocol's and MLflow's.

Each module is one protocol: its routes (the core registers them with the
others, so every backend serves them), how it reads a prediction request
into the core's validated `Batch` and shapes the model's outputs, its error
shape, and its part of the OpenAPI document. Predictions go through the
core's one path: access control, validation, batching, the runtime and the
metrics are the same whichever protocol asked.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ClientError
from ..settings import Settings
from ..spec import ServiceSpec
from .base import SpokenProtocol
from .instances import Instances
from .mlflow import MlflowScoring
from .open_inference import OpenInference


def protocols(
    spec: ServiceSpec,
    settings: Settings,
    readiness: Callable[[], ClientError | None],
) -> list[SpokenProtocol]:
    """Every protocol, for this service; `readiness()` is why the service
    cannot predict yet, or None."""
    return [
        Instances(spec, settings, readiness),
        OpenInference(spec, settings, readiness),
        MlflowScoring(spec, settings, readiness),
    ]
