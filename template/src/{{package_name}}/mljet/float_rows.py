# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""A model of numbers only: its requests read straight into one float array.

The general validation (`validation.py`) checks each feature's column on
its own and names every offending value. When every feature is a number,
a well-formed request is read in one pass instead: one look at the types of
all its values, one float array (`Batch.matrix`), which array, frame and
ONNX inputs take as it is. Anything else (a missing or unknown feature, a
string, a boolean, an infinite number, a null where a feature takes none)
returns None, and the general path says what is wrong.
"""

from __future__ import annotations

import itertools
from operator import itemgetter
from typing import Any

import numpy as np

from .spec import ServiceSpec

NoneType = type(None)
_NUMBERS = frozenset({float, int})
_NULLABLE_NUMBERS = _NUMBERS | {NoneType}


def numbers_of_rows(
    instances: list[Any], spec: ServiceSpec
) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """A model of numbers' instances as one float array, when every one is
    well-formed and holds only numbers (and nulls where every feature takes
    them); else None, and the general path says what is wrong."""
    names = spec.names
    width = len(names)
    forms = set(map(type, instances))
    if not (forms == {dict} or forms == {list}):
        return None
    if set(map(len, instances)) != {width}:
        return None
    if forms == {dict}:
        try:
            rows: list[Any] = list(map(itemgetter(*names), instances))
        except KeyError:
            return None
        if width == 1:
            rows = [[value] for value in rows]
    else:
        rows = instances
    return _float_array(rows, spec)


def numbers_of_columns(
    columns: list[Any], size: int, spec: ServiceSpec
) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """The same for columns (one list per feature, in order): one float
    array, a row per instance, or None."""
    if not all(type(c) is list and len(c) == size for c in columns):
        return None
    transposed = _float_array(columns, spec)
    return None if transposed is None else np.ascontiguousarray(transposed.T)


def _float_array(
    lists: list[Any], spec: ServiceSpec
) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """`lists` (of equal length) as one float array, when every value is a
    number (or a null, where every feature takes one); else None."""
    allowed = _NULLABLE_NUMBERS if spec.nullable else _NUMBERS
    if not set(map(type, itertools.chain.from_iterable(lists))) <= allowed:
        return None
    try:
        # Nulls become NaN, as pandas and scikit-learn mark a missing value.
        matrix = np.array(lists, dtype=np.float64)
    except OverflowError:  # an integer beyond any float
        return None
    if np.isinf(matrix).any():
        return None
    return matrix
