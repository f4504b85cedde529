"""The sample's inputs at a glance, for the model page: per feature, the
range and a histogram of a number, or the most frequent values of any
other kind, and how many rows miss it.

A profile is of the sample only: without one (rows built from the schema)
there is none, rather than one of made-up rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._schema import Feature, FeatureKind

BINS = 12
TOP_VALUES = 12


def sample_profile(
    features: Sequence[Feature], rows: pd.DataFrame, predictions: Any
) -> dict[str, Any]:
    """Each feature's profile in `rows` (named as the features), and the
    profile of the model's `predictions` for them (None: not known)."""
    profile: dict[str, Any] = {
        "features": {
            feature.name: _profile(feature.kind, rows[feature.name])
            for feature in features
            if feature.name in rows
        }
    }
    if predictions is not None:
        answers = pd.Series(np.asarray(predictions).reshape(len(predictions), -1)[:, 0])
        kind: FeatureKind = "float" if answers.dtype.kind == "f" else "category"
        profile["predictions"] = _profile(kind, answers)
    return profile


def _profile(kind: FeatureKind, column: pd.Series) -> dict[str, Any]:
    missing = int(column.isna().sum())
    if kind in ("float", "int"):
        numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
        finite = numbers[np.isfinite(numbers)]
        if finite.size:
            return {"missing": missing, **_histogram(finite, kind == "int")}
    counts = column.dropna().map(_plain).value_counts()
    return {
        "missing": missing,
        "top": [
            [value, int(count)] for value, count in counts.head(TOP_VALUES).items()
        ],
        "distinct": int(counts.size),
    }


def _histogram(values: np.ndarray[Any, Any], integers: bool) -> dict[str, Any]:
    low, high = float(values.min()), float(values.max())
    bins = BINS if high > low else 1
    if integers:
        # A bin per value when there are few: no bin that no integer falls in.
        bins = min(bins, int(high - low) + 1)
    counts, _ = np.histogram(values, bins=bins, range=(low, high))
    return {
        "min": int(low) if integers else low,
        "max": int(high) if integers else high,
        "counts": [int(count) for count in counts],
    }


def _plain(value: Any) -> Any:
    """A JSON value for a cell: numpy's scalars as Python's."""
    return value.item() if isinstance(value, np.generic) else value
