"""Reading a sample of the model's input and inferring a schema from it.

A sample is optional (`_learn_schema` says what the model itself tells).
With one, every column gets a kind, its nullability, its pandas dtype and
real example rows.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .._base._errors import MljetError
from ._model_info import ModelInfo
from ._schema import Feature, FeatureKind, Schema

if TYPE_CHECKING:
    from numpy.typing import NDArray

# Longest suffixes first, so that "x.csv.gz" is not taken for an unknown ".gz".
_FORMATS: tuple[tuple[str, str], ...] = (
    (".csv.gz", "csv"),
    (".csv", "csv"),
    (".parquet", "parquet"),
    (".pq", "parquet"),
)
_SUPPORTED = ", ".join(suffix for suffix, _ in _FORMATS)
# Where a sample came from, kept on the DataFrame so that later errors can name
# the file without every caller threading the path through.
_SOURCE_ATTR = "mljet_source"
_MAX_LISTED = 10


def read_sample(
    source: str | os.PathLike[str] | pd.DataFrame | NDArray[Any],
) -> pd.DataFrame:
    """Load a sample from a CSV or Parquet file, a DataFrame or a 2-D array.

    A DataFrame is copied so that inference never touches the caller's data.
    An array keeps its integer column positions; `infer_schema` names them.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        what = "the sample DataFrame"
    elif isinstance(source, np.ndarray):
        if source.ndim != 2:
            raise MljetError(
                f"The sample array has {source.ndim} dimension(s), but a sample "
                "must be a 2-D array with one row per example and one column per "
                "model input. Reshape it (for one feature: `x.reshape(-1, 1)`)."
            )
        frame = pd.DataFrame(source)
        what = "the sample array"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        frame = _read_file(path)
        what = f"the sample file '{path}'"
        frame.attrs[_SOURCE_ATTR] = what
    else:
        raise MljetError(
            f"A sample must be a path to a CSV or Parquet file, a pandas DataFrame "
            f"or a 2-D NumPy array, but a {type(source).__name__} was given."
        )
    if len(frame) == 0:
        raise MljetError(
            f"{_capital(what)} has no rows. A sample needs at least one "
            "row of real input data, from which the schema and examples are taken."
        )
    return frame


def _read_file(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise MljetError(
            f"The sample file '{path}' does not exist. Check the path, which is "
            f"relative to the current directory ({Path.cwd()}) unless absolute."
        )
    if path.is_dir():
        raise MljetError(
            f"The sample path '{path}' is a directory. Give the path of a CSV or "
            f"Parquet file instead (supported extensions: {_SUPPORTED})."
        )
    name = path.name.lower()
    fmt = next((kind for suffix, kind in _FORMATS if name.endswith(suffix)), None)
    if fmt is None:
        raise MljetError(
            f"The sample file '{path}' has an extension MLJET cannot read. "
            f"Supported extensions are {_SUPPORTED}; save the sample as CSV or "
            "Parquet, or rename it if it already is one."
        )
    # Both readers fail obscurely on a zero-byte file, so say it plainly.
    if path.stat().st_size == 0:
        raise MljetError(
            f"The sample file '{path}' is empty. A sample needs a header and at "
            "least one row of input data."
        )
    try:
        if fmt == "csv":
            # Whole-file type inference: chunked parsing can give one column
            # different types in different chunks, and thus a wrong kind.
            return pd.read_csv(path, low_memory=False)
        return pd.read_parquet(path)
    except ImportError as exc:
        raise MljetError(
            f"Reading the Parquet sample file '{path}' needs pyarrow, which is not "
            "installed. Install it with `pip install pyarrow` (or "
            "install MLJET with its `parquet` extra), or give the sample as CSV."
        ) from exc
    # The readers raise many unrelated types for a damaged or mislabelled file;
    # all of them mean the same thing to the user.
    except Exception as exc:
        raise MljetError(
            f"The sample file '{path}' could not be read as {fmt.upper()}: "
            f"{type(exc).__name__}: {exc}. Check that the file is a valid, "
            "complete file of that format."
        ) from exc


def infer_schema(
    info: ModelInfo,
    sample: pd.DataFrame,
    *,
    max_examples: int = 5,
    max_categories: int = 50,
) -> Schema:
    """The input schema a sample shows: kinds, dtypes, nulls, example rows.

    The model's own facts are merged in by `_learn_schema`.
    """
    where = _describe(sample)
    if len(sample) == 0:
        raise MljetError(
            f"{_capital(where)} has no rows, so no schema can be inferred from it. "
            "Give a sample with at least one row of real input data."
        )
    columns = _model_columns(info, sample, where)
    features = tuple(
        _infer_feature(name, series, where, max_categories) for name, series in columns
    )
    examples = _examples(columns, max_examples, where)
    return Schema(features, examples, from_sample=True)


def model_rows(info: ModelInfo, sample: pd.DataFrame) -> pd.DataFrame:
    """The sample's columns in the model's order, named as the features."""
    return pd.DataFrame(dict(_model_columns(info, sample, _describe(sample))))


def model_given(info: ModelInfo, rows: pd.DataFrame) -> Any:
    """`rows` (named as the features) as the model takes them: a frame of
    its named columns in its order, which it checks, or a plain array."""
    if info.feature_names is not None:
        return rows[list(info.feature_names)]
    return rows.to_numpy()


def check_model_accepts(
    model: object, sample: pd.DataFrame, info: ModelInfo, *, rows: int = 20
) -> None:
    """Fail early, at generation time, if the model cannot predict on the sample."""
    where = _describe(sample)
    head = sample.head(max(rows, 1))
    try:
        inputs = model_given(info, head)
        with warnings.catch_warnings():
            # Warnings (e.g. about feature names) are not rejections, and the
            # user cannot act on them here.
            warnings.simplefilter("ignore")
            model.predict(inputs)  # type: ignore[attr-defined]
    # Whatever the model raises, the sample is what the user has to fix.
    except Exception as exc:
        raise MljetError(
            f"The model rejected {where}: {type(exc).__name__}: {exc}. Check that "
            "the sample holds the same columns, types and encodings the model was "
            "trained on."
        ) from exc


def _describe(sample: pd.DataFrame) -> str:
    return str(sample.attrs.get(_SOURCE_ATTR, "the sample"))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _default_names(count: int) -> list[str]:
    return [f"f{i}" for i in range(count)]


def _list_names(names: list[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:_MAX_LISTED])
    more = len(names) - _MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _model_columns(
    info: ModelInfo, sample: pd.DataFrame, where: str
) -> list[tuple[str, pd.Series]]:
    """The sample's columns, in the model's order, paired with feature names."""
    columns = list(sample.columns)
    if info.feature_names is not None:
        expected = list(info.feature_names)
        present = [str(column) for column in columns]
        missing = [name for name in expected if name not in present]
        unexpected = [name for name in present if name not in expected]
        duplicated = sorted({name for name in present if present.count(name) > 1})
        if missing or unexpected or duplicated:
            parts = []
            if missing:
                parts.append(f"missing columns: {_list_names(missing)}")
            if unexpected:
                parts.append(f"unexpected columns: {_list_names(unexpected)}")
            if duplicated:
                parts.append(f"repeated columns: {_list_names(duplicated)}")
            raise MljetError(
                f"The columns of {where} do not match the {len(expected)} features "
                f"the model was fitted with ({'; '.join(parts)}). Give a sample "
                "with exactly the model's input columns."
            )
        by_name = {str(column): i for i, column in enumerate(columns)}
        return [(name, sample.iloc[:, by_name[name]]) for name in expected]

    if len(columns) != info.n_features:
        raise MljetError(
            f"{_capital(where)} has {len(columns)} columns, but the model expects "
            f"{info.n_features} features. Give a sample with one column per model "
            "input, in the order the model was fitted with."
        )
    names = [str(column) for column in columns]
    usable = all(isinstance(column, str) and _valid_name(column) for column in columns)
    if not usable or len(set(names)) != len(names):
        names = _default_names(len(columns))
    return [(name, sample.iloc[:, i]) for i, name in enumerate(names)]


def _valid_name(name: str) -> bool:
    # "Unnamed: 3" is pandas' stand-in for a blank CSV header, not a real name.
    return (
        bool(name)
        and name == name.strip()
        and name.isprintable()
        and not name.startswith("Unnamed: ")
    )


def _infer_feature(
    name: str, series: pd.Series, where: str, max_categories: int
) -> Feature:
    dtype = series.dtype
    nullable = bool(series.isna().any())
    kind: FeatureKind
    categories: tuple[Any, ...] = ()
    if isinstance(dtype, pd.CategoricalDtype):
        kind = "category"
        categories = sorted_unique(
            [json_value(value, name, where) for value in dtype.categories]
        )
    elif ptypes.is_bool_dtype(dtype):
        kind = "bool"
    elif ptypes.is_integer_dtype(dtype):
        kind = "int"
    elif ptypes.is_float_dtype(dtype):
        kind = "float"
    elif ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype):
        kind, categories = _infer_object(name, series, where, max_categories)
    else:
        raise MljetError(
            f"Column '{name}' of {where} has dtype {dtype}, which MLJET does not "
            "support (datetime, timedelta, complex and similar columns cannot be "
            "sent as JSON inputs). Convert it to numbers or text before fitting "
            "the model and giving the sample."
        )
    return Feature(name, kind, nullable, categories, str(dtype))


def _infer_object(
    name: str, series: pd.Series, where: str, max_categories: int
) -> tuple[FeatureKind, tuple[Any, ...]]:
    non_null = series.dropna()
    try:
        raw = list(non_null.unique())
    except TypeError as exc:
        raise MljetError(
            f"Column '{name}' of {where} holds unhashable values such as lists or "
            "dicts, which MLJET does not support as inputs."
        ) from exc
    values = [json_value(value, name, where) for value in raw]
    if not values:
        # Nothing to learn from an all-null column; text is the loosest kind.
        return "string", ()
    if all(isinstance(value, bool) for value in values):
        return "bool", ()
    if len(values) <= max_categories and len(values) * 2 <= len(non_null):
        return "category", sorted_unique(values)
    if all(isinstance(value, str) for value in values):
        return "string", ()
    # Free-form numbers in an object column: typing them as text would make the
    # examples contradict the schema.
    numbers = [v for v in values if isinstance(v, (int, float))]
    if len(numbers) == len(values) and not any(isinstance(v, bool) for v in values):
        return ("int" if all(isinstance(v, int) for v in values) else "float"), ()
    odd = next(v for v in values if not isinstance(v, str))
    raise MljetError(
        f"Column '{name}' of {where} mixes text with other values (for example "
        f"{odd!r}, a {type(odd).__name__}) and has too many distinct values to be "
        "a category. Make the column hold a single type."
    )


def sorted_unique(values: list[Any]) -> tuple[Any, ...]:
    # Keyed by type too: 1, 1.0 and True are equal in Python but are distinct
    # categories to the model.
    unique = {(type(value).__name__, value): value for value in values}
    return tuple(sorted(unique.values(), key=str))


def json_value(value: Any, name: str, where: str) -> Any:
    """A value as a JSON-native Python scalar (None for any kind of missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, str):
        return str(value)
    raise MljetError(
        f"Column '{name}' of {where} holds a value of type {type(value).__name__} "
        f"({value!r}), which MLJET does not support: inputs must be numbers, "
        "booleans or text. Convert the column before fitting and sampling."
    )


def _examples(
    columns: list[tuple[str, pd.Series]], max_examples: int, where: str
) -> tuple[dict[str, Any], ...]:
    count = min(max(max_examples, 0), len(columns[0][1]) if columns else 0)
    positions = list(range(count))
    if positions and columns:
        complete = np.ones(len(columns[0][1]), dtype=bool)
        for _, series in columns:
            complete &= series.notna().to_numpy(dtype=bool)
        # One complete example lets the golden tests exercise the plain path.
        if not complete[:count].any() and complete.any():
            positions[-1] = int(np.argmax(complete))
    return tuple(
        {name: json_value(series.iloc[i], name, where) for name, series in columns}
        for i in positions
    )
