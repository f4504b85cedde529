"""What a fitted scikit-learn model says about each of its input columns.

A pipeline's first step sees the raw columns. A `ColumnTransformer` there
routes each column to a branch, and the branch's first step that decides
what the column holds tells its kind: an encoder (with the categories it
was fitted on), a text vectorizer, or a numeric step. Imputers are looked
through: they fill missing values but do not decide the kind. Anything
else (a function of the user's own) leaves the kind unknown, and only a
sample can tell. Whether a column may be missing, and whether a value the
encoder never saw is accepted, is settled later by asking the model (the
schema hook), so nothing here guesses it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._schema import InputFact

# Steps that encode a column as categories, each with `categories_`.
ENCODERS = ("OneHotEncoder", "OrdinalEncoder", "TargetEncoder")
# Steps that take a column of free text.
VECTORIZERS = ("TfidfVectorizer", "CountVectorizer", "HashingVectorizer")
# Steps that fill missing values and pass the kind through.
IMPUTERS = ("SimpleImputer", "MissingIndicator")
NUMBERS = InputFact("float", "float64", source="a numeric input of the estimator")


def sklearn_input_facts(model: Any, count: int) -> tuple[InputFact, ...]:
    """One fact per input column, from the model's first step."""
    first = first_step(model)
    if type(first).__name__ == "ColumnTransformer":
        return _column_transformer(first, count)
    categorical = getattr(first, "is_categorical_", None)
    if categorical is not None:
        return _native_categories(first, categorical, count)
    facts = _branch(first, count, "the model's first step")
    if facts is not None:
        return facts
    return (InputFact(None, source=f"read by {type(first).__name__}"),) * count


def _native_categories(
    estimator: Any, categorical: Any, count: int
) -> tuple[InputFact, ...]:
    """HistGradientBoosting's categorical features, with the categories its
    own encoder was fitted on, where it keeps them (`_preprocessor`, a
    ColumnTransformer, in scikit-learn 1.4 and later); else a sample has to
    show them."""
    encoder = getattr(estimator, "_preprocessor", None)
    known = _column_transformer(encoder, count) if encoder is not None else None
    facts = []
    for position, flag in enumerate(categorical):
        fact = known[position] if known is not None else None
        if not flag:
            facts.append(NUMBERS)
        elif fact is None or not fact.categories:
            facts.append(InputFact(None, "category", source="a categorical feature"))
        else:
            # Text categories come from a pandas category column.
            dtype = "category" if fact.dtype == "object" else fact.dtype
            source = f"{type(estimator).__name__}'s categories"
            facts.append(InputFact("category", dtype, fact.categories, source))
    return tuple(facts)


def first_step(model: Any) -> Any:
    """The step of a (nested) pipeline that sees the raw columns."""
    steps = getattr(model, "steps", None)
    while isinstance(steps, list) and steps:
        model = steps[0][1]
        steps = getattr(model, "steps", None)
    return model


def _is_sklearn(step: Any) -> bool:
    return type(step).__module__.startswith("sklearn.")


def _column_transformer(transformer: Any, count: int) -> tuple[InputFact, ...]:
    facts: list[InputFact] = [
        InputFact(None, source="not routed by the ColumnTransformer")
    ] * count
    positions: dict[str, Any] = getattr(
        transformer, "_transformer_to_input_indices", {}
    )
    for name, step, _ in transformer.transformers_:
        columns = [int(i) for i in positions.get(name, ())]
        where = f"branch '{name}' of the ColumnTransformer"
        if isinstance(step, str):
            # Dropped columns are unused; passed-through ones reach the
            # estimator as numbers.
            fact = InputFact("float", source=f"{step} ({where})")
            for position in columns:
                facts[position] = fact
            continue
        found = _branch(step, len(columns), where)
        for k, position in enumerate(columns):
            facts[position] = (
                found[k]
                if found is not None
                else InputFact(None, source=f"read by {type(step).__name__} ({where})")
            )
    return tuple(facts)


def _branch(step: Any, count: int, where: str) -> tuple[InputFact, ...] | None:
    """The facts a branch's steps give its `count` columns, or None."""
    steps = [s for _, s in step.steps] if hasattr(step, "steps") else [step]
    for part in steps:
        name = type(part).__name__
        if name in IMPUTERS:
            continue
        if name in ENCODERS and hasattr(part, "categories_"):
            return tuple(
                _encoded(values, f"{name}.categories_ ({where})")
                for values in part.categories_[:count]
            )
        if name in VECTORIZERS:
            return (InputFact("string", "object", source=f"text for {name}"),) * count
        if name == "FunctionTransformer" and getattr(part, "func", None) is None:
            # What a fitted ColumnTransformer keeps for "passthrough".
            return (_numbers(f"passed through ({where})"),) * count
        if _is_sklearn(part) and name != "FunctionTransformer":
            return (_numbers(f"numbers for {name} ({where})"),) * count
        return None
    # Imputers only: what they fill in says what the columns hold.
    statistics = getattr(steps[-1], "statistics_", None)
    if statistics is not None and np.asarray(statistics).dtype.kind in "iuf":
        return (_numbers(f"numbers for {type(steps[-1]).__name__} ({where})"),) * count
    return None


def _numbers(source: str) -> InputFact:
    return InputFact("float", "float64", source=source)


def _encoded(values: Any, source: str) -> InputFact:
    """A column an encoder was fitted on: its categories, missing left out."""
    array = np.asarray(values)
    known = tuple(
        _scalar(v)
        for v in array.tolist()
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    )
    if array.dtype.kind in "iu":
        return InputFact("category", "int64", known, source)
    if array.dtype.kind == "f":
        return InputFact("category", "float64", known, source)
    if array.dtype.kind == "b":
        return InputFact("bool", "bool", known, source)
    return InputFact("category", "object", known, source)


def _scalar(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
