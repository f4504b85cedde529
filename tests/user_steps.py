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
        risk = 1.0 / (1.0 + np.exp(np.clip(usage - 5.0, -500.0, 500.0)))
        paid = frame["plan"].isin(["pro", "enterprise"]).to_numpy()
        risk = np.where(paid, risk / 2.0, risk)
        return np.column_stack([1.0 - risk, risk])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(frame)[:, 1] > 0.5).astype(int)]


class UsageRegressor:
    """A regressor of the user's own class: no classes_, numbers out."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        usage = frame["usage"].to_numpy(dtype=float)
        return usage * 2.0 + frame["plan"].eq("pro").to_numpy() * 3.0


class Bands:
    """A classifier of the user's own class that takes a plain 2-D array."""

    classes_ = np.array(["low", "mid", "high"])

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        total = x[:, 0] + x[:, 1] - x[:, 2]
        logits = np.column_stack([-total, np.zeros_like(total), total])
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(x), axis=1)]
