# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Which features the model leans on, when the fitted model says so itself.

Read from the loaded model, whatever its library: the gain of a booster
its estimator holds (`booster_.feature_importance`), `feature_importances_`
(trees, forests, the boosters' estimators, each in its library's own
measure) or the magnitude of `coef_` (linear models), of the model or of a
pipeline's last step, and only when there is one value per feature of the
service. A model that says nothing (or whose last step sees other columns,
after one-hot encoding, say) has none: nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Importances:
    """One value per feature, in feature order, and what they are."""

    kind: str
    values: tuple[float, ...]

    def to_json(self, names: list[str]) -> dict[str, Any]:
        return {"kind": self.kind, "values": dict(zip(names, self.values, strict=True))}


def importances(model: Any, count: int) -> Importances | None:
    """The model's own importances for its `count` features, or None."""
    steps = getattr(model, "steps", None)
    final = steps[-1][1] if isinstance(steps, list) and steps else model
    # Such a booster counts splits by default; its gain says more, and is
    # what other boosters' feature_importances_ already are.
    gain = getattr(getattr(final, "booster_", None), "feature_importance", None)
    if callable(gain):
        return _checked("gain", gain(importance_type="gain"), count)
    found = getattr(final, "feature_importances_", None)
    if found is not None:
        return _checked("feature_importances_", found, count)
    coef = getattr(final, "coef_", None)
    if coef is not None:
        try:
            magnitude = np.abs(np.asarray(coef, dtype=np.float64))
        except (TypeError, ValueError):
            return None
        # One coefficient per feature, or a row of them per class: their
        # mean magnitude. Any other shape is not the service's features.
        if magnitude.ndim == 2 and magnitude.shape[1] == count:
            magnitude = magnitude.mean(axis=0)
        return _checked("mean |coef_|", magnitude, count)
    return None


def _checked(kind: str, values: Any, count: int) -> Importances | None:
    try:
        array = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    if array.size != count or not np.isfinite(array).all():
        return None
    return Importances(kind, tuple(array.tolist()))
