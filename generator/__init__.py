"""MLJET's generator: turn a trained model into a web-service project.

    from generator import cook
    cook(model, sample=X, backend="fastapi", output="svc")

or, from a shell, `python -m generator model.joblib --sample X.csv`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._cook import cook
from ._errors import HookError, MljetError

__all__ = ["HookError", "MljetError", "__version__", "cook"]
