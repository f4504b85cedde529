"""The schema a service starts from: the fitted model first, the sample second.

What the model itself keeps (its encoders' categories, which inputs are
categorical, which are numbers) is never narrowed by a sample: a category
the sample happens to lack is still one the model knows. The sample adds
what the model does not keep: the dtypes the model was fed, real example
rows, categories of libraries that hash them, and the kind of a column
that goes into a function of the user's own. Without a sample, the example
rows are built from the schema. Whether a missing value or an unseen
category is accepted is then settled by asking the model (the schema hook).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .._base._errors import MljetError
from ._model_info import ModelInfo
from ._sample import infer_schema, sorted_unique
from ._schema import Feature, FeatureKind, InputFact, Schema

# Example values per kind for rows built without a sample: fixed, so that a
# project is generated the same way every time.
SYNTHETIC_VALUES: dict[str, tuple[Any, ...]] = {
    "float": (0.0, 1.0, -1.0),
    "int": (0, 1, 2),
    "bool": (False, True, False),
    "string": ("text", "other text", "more text"),
}
SAMPLE = "the sample"
ARRAY_INPUT = InputFact("float", source="a number (the model was fitted on an array)")


def learn_schema(info: ModelInfo, sample: pd.DataFrame | None) -> Schema:
    """The draft schema: the model's facts merged with the sample's."""
    if sample is not None:
        drafted = infer_schema(info, sample)
        features = tuple(
            _merged(feature, fact)
            for feature, fact in zip(drafted.features, _facts(info), strict=True)
        )
        return Schema(features, drafted.examples, from_sample=True)
    named = list(zip(_names(info), _facts(info), strict=True))
    unknown = [f"'{n}' ({f.source})" for n, f in named if f and f.kind is None]
    if unknown:
        raise MljetError(
            "The model does not say what these inputs hold: "
            f"{', '.join(unknown[:10])}{' and more' if len(unknown) > 10 else ''}. "
            "Run again with --sample rows.csv (cook(..., sample=frame)): a few "
            "rows of real input show their types."
        )
    features = tuple(_from_model(name, fact) for name, fact in named)
    return Schema(features, synthetic_examples(features), from_sample=False)


def synthetic_examples(features: Sequence[Feature]) -> tuple[dict[str, Any], ...]:
    """Three rows built from the schema: known categories, plain numbers."""
    rows = []
    for row in range(3):
        rows.append(
            {
                f.name: (
                    f.categories[row % len(f.categories)]
                    if f.categories
                    else SYNTHETIC_VALUES[f.kind][row]
                )
                for f in features
            }
        )
    return tuple(rows)


def examples_frame(schema: Schema) -> pd.DataFrame:
    """The example rows as a DataFrame of the schema's dtypes."""
    return pd.DataFrame(
        {
            f.name: (
                pd.Categorical(
                    [row[f.name] for row in schema.examples], categories=f.categories
                )
                if f.dtype == "category"
                else pd.Series([row[f.name] for row in schema.examples], dtype=f.dtype)
            )
            for f in schema.features
        }
    )


def check_model_accepts_examples(model: object, frame: pd.DataFrame) -> None:
    """Fail before writing anything if the model refuses the built rows."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.predict(frame)  # type: ignore[attr-defined]
    # Whatever the model raises, only a sample can put it right.
    except Exception as error:
        raise MljetError(
            "The model refused rows built from what it says about its inputs "
            f"({type(error).__name__}: {error}). Run again with --sample rows.csv "
            "(cook(..., sample=frame)): a few rows of real input."
        ) from None


def _names(info: ModelInfo) -> list[str]:
    if info.feature_names is not None:
        return list(info.feature_names)
    return [f"f{i}" for i in range(info.n_features)]


def _facts(info: ModelInfo) -> list[InputFact | None]:
    """One fact per input; an array model's inputs are plain numbers."""
    if info.feature_names is None or not info.inputs:
        return [None] * info.n_features
    return list(info.inputs)


def _from_model(name: str, fact: InputFact | None) -> Feature:
    if fact is None or fact.kind is None:
        fact = ARRAY_INPUT
    kind: FeatureKind = fact.kind or "float"
    learned = {"kind": fact.source}
    if fact.categories:
        learned["categories"] = fact.source
    return Feature(
        name, kind, categories=fact.categories, dtype=fact.dtype, learned=learned
    )


def _merged(feature: Feature, fact: InputFact | None) -> Feature:
    """The sample's feature, widened by what the model knows about it."""
    learned = {"kind": SAMPLE}
    if feature.categories:
        learned["categories"] = SAMPLE
    if fact is None or fact.kind is None or not fact.categories:
        return Feature(
            feature.name,
            feature.kind,
            feature.nullable,
            feature.categories,
            feature.dtype,
            learned,
        )
    # In the model's order, which a category dtype's codes follow; values
    # only the sample shows after them.
    known = {(type(v), v) for v in fact.categories}
    more = [v for v in feature.categories if (type(v), v) not in known]
    categories = (*fact.categories, *sorted_unique(more))
    extra = len(more)
    learned["categories"] = fact.source + (
        f", and {extra} more in the sample" if extra else ""
    )
    learned["kind"] = fact.source
    kind: FeatureKind = "bool" if fact.kind == "bool" else "category"
    return Feature(
        feature.name, kind, feature.nullable, categories, feature.dtype, learned
    )
