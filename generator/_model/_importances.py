"""Which input features a model leans on, measured once, at generation.

The first way that applies, per model:

1. The model's own measure, one value per input feature: the gain of a
   booster its estimator holds, `feature_importances_` (trees, forests,
   the boosters' estimators), or the mean magnitude of `coef_`.
2. For a pipeline, its last step's own measure, traced back to the input
   columns: each column the earlier steps make is matched to the one input
   column it changes with (each input shuffled among the sample's rows in
   turn), and an input's importance is the sum over the columns it makes
   (a one-hot group, say). Columns made of several inputs (a PCA) cannot be
   traced, and the third way is taken.
3. Permutation importance on the sample, without labels: how much the
   model's answers change when one input's values are shuffled among the
   rows (seeded; the mean of `REPEATS` shuffles), in a bounded time.

An input the model treats as absent from the sample (constant in it) gets
no share in 2 and 0 in 3: the sample is all there is to look at.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ._model_info import ModelInfo
from ._sample import model_given

REPEATS = 3
# At most this many sample rows are shuffled; fewer when the model is slow.
ROWS = 500
FEWEST_ROWS = 50
# How long the permutations may take in all, at most, in seconds.
BUDGET = 20.0
SEED = 0

Given: TypeAlias = "pd.DataFrame | np.ndarray[Any, Any]"


@dataclass(frozen=True)
class Importances:
    """One value per feature, in feature order; `kind` names the measure
    and `how` says in a sentence how it was found."""

    kind: str
    values: tuple[float, ...]
    how: str

    @classmethod
    def owned(cls, kind: str, values: Any) -> Importances:
        """The model's own measure, as it gives it."""
        return cls(kind, _floats(values), f"The model's own {kind}.")

    def to_answer(self, names: list[str]) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "how": self.how,
            "values": dict(zip(names, self.values, strict=True)),
        }


def measure_importances(
    model: Any, info: ModelInfo, rows: pd.DataFrame, from_sample: bool
) -> Importances | None:
    """The importances of `model`'s inputs, or None when it has no measure
    of its own and it cannot be measured (no sample, or too slow a model).

    `rows` are the sample's, in the model's order and named as the features
    (or rows built from the schema: `from_sample` False).
    """
    count = info.n_features
    given: Given = model_given(info, rows.head(ROWS).reset_index(drop=True))
    final = _final_step(model)
    own = _own_measure(final)
    if own is not None and final is model and own[1].size == count:
        kind, values = own
        return Importances.owned(kind, values)
    if not from_sample:
        return None
    with warnings.catch_warnings():
        # The model's warnings about shuffled rows are not the user's to act on.
        warnings.simplefilter("ignore")
        if own is not None and final is not model:
            traced = _traced(model, given, own[1], count)
            if traced is not None:
                return Importances(
                    own[0],
                    _floats(traced),
                    f"The last step's own {own[0]}, summed over the columns "
                    "each input becomes in the pipeline.",
                )
        why = (
            "its last step's own measure is of columns made from several inputs"
            if own is not None
            else "the model has no measure of its own"
        )
        return _permutation(model, info, given, why)


def _final_step(model: Any) -> Any:
    steps = getattr(model, "steps", None)
    return steps[-1][1] if isinstance(steps, list) and steps else model


def _own_measure(final: Any) -> tuple[str, np.ndarray] | None:
    # Such a booster counts splits by default; its gain says more, and is
    # what other boosters' feature_importances_ already are.
    gain = getattr(getattr(final, "booster_", None), "feature_importance", None)
    if callable(gain):
        return _finite("gain", gain(importance_type="gain"))
    found = getattr(final, "feature_importances_", None)
    if found is not None:
        return _finite("feature_importances_", found)
    coef = getattr(final, "coef_", None)
    if coef is None:
        return None
    # One coefficient per column, or a row of them per class: their mean
    # magnitude.
    magnitude = _finite("mean |coef_|", coef)
    if magnitude is None:
        return None
    values = np.abs(magnitude[1])
    if values.ndim == 2:
        values = values.mean(axis=0)
    return magnitude[0], values.ravel()


def _finite(kind: str, values: Any) -> tuple[str, np.ndarray] | None:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if array.ndim > 2 or not np.isfinite(array).all():
        return None
    return kind, array if array.ndim == 2 else array.ravel()


def _traced(model: Any, given: Given, own: np.ndarray, count: int) -> np.ndarray | None:
    """The last step's values summed per input column, or None when a
    column the earlier steps make cannot be traced to one input."""
    try:
        front = model[:-1]
        base = _dense(front.transform(given))
    except Exception:  # any failure: the pipeline is not traceable
        return None
    if base.ndim != 2 or base.shape[1] != own.size:
        return None
    source = np.full(own.size, -1)
    generator = np.random.default_rng(SEED)
    for column in range(count):
        changed = np.zeros(own.size, dtype=bool)
        for order in (
            np.roll(np.arange(len(base)), 1),
            generator.permutation(len(base)),
        ):
            try:
                moved = _dense(front.transform(_shuffled(given, column, order)))
            except Exception:
                return None
            changed |= _differs(moved, base).any(axis=0)
        if ((source[changed] != -1) & (source[changed] != column)).any():
            return None  # a column made of several inputs
        source[changed] = column
    if (own[source == -1] != 0).any():
        return None  # a column that counts, traced to no input
    traced = np.zeros(count)
    np.add.at(traced, source[source != -1], own[source != -1])
    return traced


def _permutation(
    model: Any, info: ModelInfo, given: Given, why: str
) -> Importances | None:
    answers, measure = _answers_of(model, info)
    try:
        started = time.perf_counter()
        base = answers(given)
        seconds = time.perf_counter() - started
    except Exception:  # a model that cannot answer has no measure
        return None
    rows, repeats = _within_budget(len(base), seconds, info.n_features)
    if rows == 0:
        return None
    given, base = _head(given, rows), base[:rows]
    generator = np.random.default_rng(SEED)
    values = []
    try:
        for column in range(info.n_features):
            changes = [
                _change(
                    answers(_shuffled(given, column, generator.permutation(rows))), base
                )
                for _ in range(repeats)
            ]
            values.append(float(np.mean(changes)))
    except Exception:
        return None
    return Importances(
        f"permutation: {measure}",
        tuple(values),
        f"Measured at generation: the {measure} when one input's values are "
        f"shuffled among {rows} sample rows (seed {SEED}, mean of {repeats} "
        f"shuffles); {why}.",
    )


def _answers_of(
    model: Any, info: ModelInfo
) -> tuple[Callable[[Given], np.ndarray], str]:
    if info.task != "regression" and hasattr(model, "predict_proba"):
        return (
            lambda given: np.asarray(model.predict_proba(given), dtype=np.float64),
            "mean change of the class probabilities",
        )
    if info.task != "regression":
        return (
            lambda given: np.asarray(model.predict(given)).reshape(len(given), -1),
            "share of the answers that change",
        )
    return (
        lambda given: np.asarray(model.predict(given), dtype=np.float64).reshape(
            len(given), -1
        ),
        "mean change of the prediction",
    )


def _change(answers: np.ndarray, base: np.ndarray) -> float:
    if answers.dtype.kind == "f":
        # Probabilities: half the summed change of a row is how much of it
        # moved to other classes; values: the mean absolute change.
        moved = np.abs(answers - base).sum(axis=1)
        return float(np.mean(moved / 2 if answers.shape[1] > 1 else moved))
    return float(np.mean(_differs(answers, base).any(axis=1)))


def _within_budget(rows: int, seconds: float, count: int) -> tuple[int, int]:
    """How many rows and shuffles fit in the budget (0 rows: none do)."""
    per_row = max(seconds, 1e-6) / max(rows, 1)
    for repeats in (REPEATS, 1):
        fitting = int(BUDGET / (per_row * count * repeats))
        if fitting >= min(rows, FEWEST_ROWS):
            return min(rows, fitting), repeats
    return 0, 0


def _shuffled(given: Given, column: int, order: np.ndarray) -> Given:
    if isinstance(given, pd.DataFrame):
        moved = given.copy()
        name = given.columns[column]
        # A Series keeps the column's dtype (a category stays one).
        moved[name] = given[name].iloc[order].reset_index(drop=True)
        return moved
    moved_array: np.ndarray[Any, Any] = given.copy()
    moved_array[:, column] = given[order, column]
    return moved_array


def _head(given: Given, rows: int) -> Given:
    if isinstance(given, pd.DataFrame):
        return given.head(rows)
    head: np.ndarray[Any, Any] = given[:rows]
    return head


def _dense(values: Any) -> np.ndarray:
    dense = values.toarray() if hasattr(values, "toarray") else values
    array: np.ndarray[Any, Any] = np.asarray(dense)
    return array


def _differs(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Where two arrays differ, NaN equal to NaN."""
    if left.dtype.kind in "fc" and right.dtype.kind in "fc":
        same: np.ndarray[Any, Any] = (left == right) | (
            np.isnan(left) & np.isnan(right)
        )
        return ~same
    differs: np.ndarray[Any, Any] = np.asarray(left != right)
    return differs


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
