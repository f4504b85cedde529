"""A module of the user's own that pickled models refer to: the tests ship
it with `--code`, as a user ships the module their training script used."""

from __future__ import annotations

import numpy as np
import pandas as pd


def fail_on_thirteen(x: np.ndarray) -> np.ndarray:
    """A transform with a bug: it crashes on one input, as real code can."""
    if np.any(np.asarray(x, dtype=float)[:, 0] == 13):
        raise RuntimeError("a bug in the model's own code")
    return x


class ChurnRules:
    """A classifier of the user's own class, no library's: churn when usage is
    low, less so on a paid plan. It reads its columns by name."""

    classes_ = np.array(["stay", "churn"])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        usage = frame["usage"].to_numpy(dtype=float)
        risk = 1.0 / (1.0 + np.exp(usage - 5.0))
        paid = frame["plan"].isin(["pro", "enterprise"]).to_numpy()
        risk = np.where(paid, risk / 2.0, risk)
        return np.column_stack([1.0 - risk, risk])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(frame)[:, 1] > 0.5).astype(int)]
