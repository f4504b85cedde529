# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Turn a request body into validated columns, or say exactly what is wrong.

The fast path never builds an object per instance: instances are transposed
into one list per feature and each column is checked with set operations on
the types it holds. A model of numbers only goes faster still: its well-formed
instances become one float array in a single pass (`Batch.matrix`). Only a
column that fails is walked value by value, to name every offending
instance and field.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson

from .errors import ClientError, Problem, invalid_instances
from .float_rows import numbers_of_columns, numbers_of_rows
from .prescan import instances_over
from .spec import FeatureSpec, ServiceSpec

NoneType = type(None)
# Where an instance left a feature out, in the columns of a request that is
# refused for it: its other values are still checked.
ABSENT: Any = object()
# One list of values per feature (or input), each as long as the rows.
Columns = dict[str, list[Any]]
# Integers must fit the int64 columns models are fitted on.
INT_RANGE = (-(2**63), 2**63 - 1)
KIND_TYPES: dict[str, frozenset[type]] = {
    "float": frozenset({float, int}),
    "int": frozenset({int}),
    "bool": frozenset({bool}),
    "string": frozenset({str}),
}
KIND_NAMES = {
    "float": "a number",
    "int": "an integer",
    "bool": "true or false",
    "string": "a string",
    "category": "one of the known categories",
}


class Batch:
    """Validated instances as one list of values per feature, in model order.

    Columns are plain lists of JSON values (null as None): turning them into
    the model's input is the runtime's job. Keeping the batch columnar lets a
    micro-batcher concatenate the batches of concurrent requests cheaply.
    When every value is a number the batch also holds them as one float64
    array, a row per instance and a column per feature (`matrix`), which a
    model fed arrays takes as it is; its columns are then made only when
    something reads them, with every number a float.
    """

    __slots__ = ("_columns", "_names", "_nulls", "matrix", "size")

    def __init__(
        self,
        columns: Columns | None,
        size: int,
        matrix: np.ndarray[Any, np.dtype[np.float64]] | None = None,
        names: Sequence[str] = (),
        nulls: bool = True,
    ) -> None:
        """`columns`, or `matrix` and the `names` of its columns (whose NaN
        may be nulls only when `nulls`)."""
        if columns is None and matrix is None:
            raise ValueError("a batch needs its columns or its matrix")
        self._columns = columns
        self._names = tuple(names) if columns is None else tuple(columns)
        self._nulls = nulls
        self.size = size
        self.matrix = matrix

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Batch):
            return NotImplemented
        return self.size == other.size and self.columns == other.columns

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Batch({self.columns!r}, {self.size})"

    @property
    def names(self) -> tuple[str, ...]:
        """The features' names, in the columns' order."""
        return self._names

    @property
    def columns(self) -> Columns:
        if self._columns is None:
            assert self.matrix is not None
            columns = self.matrix.T.tolist()
            if self._nulls and np.isnan(self.matrix).any():
                # A NaN here was a null (JSON has no NaN): None again.
                columns = [[None if v != v else v for v in c] for c in columns]
            self._columns = dict(zip(self._names, columns, strict=True))
        return self._columns

    @classmethod
    def joined(cls, batches: Sequence[Batch]) -> Batch:
        """One batch of all the rows of `batches`, in their order."""
        size = sum(b.size for b in batches)
        matrices = [b.matrix for b in batches if b.matrix is not None]
        if len(matrices) == len(batches):
            nulls = any(b._nulls for b in batches)
            return cls(None, size, np.concatenate(matrices), batches[0].names, nulls)
        chain = itertools.chain.from_iterable
        return cls(
            {
                name: list(chain(b.columns[name] for b in batches))
                for name in batches[0].names
            },
            size,
        )

    @classmethod
    def of_matrix(
        cls,
        matrix: np.ndarray[Any, np.dtype[np.float64]],
        names: Sequence[str],
        nulls: bool,
    ) -> Batch:
        """The batch of a float array's rows, a column per name."""
        return cls(None, len(matrix), matrix, names, nulls)


def missing_as_nan(feature: FeatureSpec, values: list[Any]) -> list[Any]:
    """Nulls as NaN, the way pandas and scikit-learn mark a missing value."""
    if not feature.nullable:
        return values
    return [math.nan if v is None else v for v in values]


def parse_batch(body: bytes, spec: ServiceSpec, max_instances: int) -> Batch:
    """Parse and validate a `{"instances": [...]}` body."""
    counted = instances_over(body, max_instances)
    if counted is not None:
        raise too_many_instances(counted, max_instances)
    return validated_rows(_instances(_json(body), max_instances), spec)


def validated_rows(instances: list[Any], spec: ServiceSpec) -> Batch:
    """Instances (objects keyed by feature, or arrays in feature order),
    checked: a ClientError names each offending instance and feature."""
    if spec.numbers_only:
        matrix = numbers_of_rows(instances, spec)
        if matrix is not None:
            return Batch.of_matrix(matrix, spec.names, spec.nullable)
    columns, positions, problems = _columns(instances, spec.feature_names)
    return _checked(columns, len(instances), spec, positions, problems)


def validated_columns(
    columns: dict[str, list[Any]], size: int, spec: ServiceSpec
) -> Batch:
    """Columns another protocol sent (one list per feature, `size` rows),
    checked as instances are: a ClientError names each row and feature."""
    if spec.numbers_only and columns.keys() == set(spec.names):
        ordered = {name: columns[name] for name in spec.names}
        matrix = numbers_of_columns(list(ordered.values()), size, spec)
        if matrix is not None:
            return Batch(ordered, size, matrix)
    return _checked(columns, size, spec, None, [])


def _checked(
    columns: dict[str, list[Any]],
    size: int,
    spec: ServiceSpec,
    positions: list[int] | None,
    problems: list[Problem],
) -> Batch:
    """The batch of `columns`, once every value fits its feature; else a
    ClientError naming each offending instance and feature, in order, after
    the `problems` already found (at `positions` of the request, when only
    some of its instances made it into the columns)."""
    for feature in spec.features:
        problems.extend(_column_problems(feature, columns[feature.name], positions))
    if problems:
        problems.sort(key=lambda p: (p.instance or 0, p.field or ""))
        raise invalid_instances(problems, size)
    return Batch(columns, size)


def _json(body: bytes) -> Any:
    if not body.strip():
        raise ClientError(400, "invalid_json", "the request body is empty")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ClientError(
            400, "invalid_json", f"the request body is not valid JSON: {error}"
        ) from None


def _instances(payload: Any, max_instances: int) -> list[Any]:
    if not isinstance(payload, dict):
        raise ClientError(
            422,
            "invalid_body",
            'the body must be a JSON object of the form {"instances": [...]}',
        )
    unknown = sorted(set(payload) - {"instances"})
    if unknown:
        raise ClientError(
            422,
            "invalid_body",
            f"unknown top-level field(s): {', '.join(map(repr, unknown))}",
            [Problem("unknown field", field=name) for name in unknown],
        )
    if "instances" not in payload:
        raise ClientError(
            422,
            "invalid_body",
            "the field 'instances' is required",
            [Problem("required", field="instances")],
        )
    instances = payload["instances"]
    if not isinstance(instances, list):
        raise ClientError(
            422,
            "invalid_body",
            "'instances' must be an array of instances",
            [Problem("must be an array", field="instances")],
        )
    if not instances:
        raise ClientError(422, "empty_batch", "'instances' must not be empty")
    if len(instances) > max_instances:
        raise too_many_instances(len(instances), max_instances)
    return instances


def too_many_instances(
    count: int, max_instances: int, unit: str = "instances"
) -> ClientError:
    """The 422 for more instances (a protocol may call them rows) than
    allowed: the document's `maxItems`, refused as any other rule of the
    schema is (413 is for a body over the byte limit)."""
    return ClientError(
        422,
        "too_many_instances",
        f"{count} {unit} sent; at most {max_instances} are accepted per request",
    )


def _columns(
    instances: list[Any], names: list[str]
) -> tuple[Columns, list[int] | None, list[Problem]]:
    """Transpose instances into columns, reporting malformed instances.

    Returns the columns of the well-formed instances, their positions in the
    request (None when all are well-formed, in order) and the problems.
    """
    expected = frozenset(names)
    if all(type(i) is dict and i.keys() == expected for i in instances):
        return {name: [i[name] for i in instances] for name in names}, None, []
    if all(type(i) is list and len(i) == len(names) for i in instances):
        transposed = map(list, zip(*instances, strict=True))
        return dict(zip(names, transposed, strict=True)), None, []
    # The rare slow path: a mix of forms, or malformed instances. An object
    # missing a feature still has the values it holds checked: every
    # problem is told at once.
    problems: list[Problem] = []
    positions: list[int] = []
    for position, instance in enumerate(instances):
        found = _shape(position, instance, names)
        problems.extend(found)
        if not found or type(instance) is dict:
            positions.append(position)
    kept = [instances[p] for p in positions]
    columns = {
        name: [i.get(name, ABSENT) if type(i) is dict else i[k] for i in kept]
        for k, name in enumerate(names)
    }
    return columns, positions, problems


def _shape(position: int, instance: Any, names: list[str]) -> list[Problem]:
    if type(instance) is dict:
        missing = [n for n in names if n not in instance]
        unknown = sorted(set(instance) - set(names))
        return [Problem("missing feature", position, n) for n in missing] + [
            Problem("unknown feature", position, n) for n in unknown
        ]
    if type(instance) is list:
        if len(instance) == len(names):
            return []
        return [
            Problem(
                f"expected an array of {len(names)} values in feature order, "
                f"got {len(instance)}",
                position,
            )
        ]
    return [
        Problem(
            "an instance must be an object keyed by feature name or an array "
            f"of {len(names)} values in feature order",
            position,
        )
    ]


def _column_problems(
    feature: FeatureSpec, values: Sequence[Any], positions: list[int] | None
) -> list[Problem]:
    allowed = _allowed_types(feature)
    types = set(map(type, values))
    if types <= allowed and _values_ok(feature, types, values):
        return []
    return [
        Problem(message, index if positions is None else positions[index], feature.name)
        for index, value in enumerate(values)
        if value is not ABSENT
        and (message := _value_problem(feature, allowed, value)) is not None
    ]


def _allowed_types(feature: FeatureSpec) -> frozenset[type]:
    if feature.kind == "category":
        allowed = frozenset(map(type, feature.categories))
    else:
        allowed = KIND_TYPES[feature.kind]
    return allowed | {NoneType} if feature.nullable else allowed


def _values_ok(feature: FeatureSpec, types: set[type], values: Sequence[Any]) -> bool:
    """Checks that the types alone cannot settle, done for the whole column."""
    if feature.kind == "float" and float in types:
        return all(math.isfinite(v) for v in values if type(v) is float)
    if feature.kind == "int":
        present = [v for v in values if v is not None]
        # Strictly inside: a bound itself is settled value by value.
        return not present or (
            min(present) > INT_RANGE[0] and max(present) < INT_RANGE[1]
        )
    if feature.kind == "category":
        return set(values) <= feature.known | {None}
    return True


def _value_problem(
    feature: FeatureSpec, allowed: frozenset[type], value: Any
) -> str | None:
    if value is None:
        if feature.nullable:
            return None
        return "null is not allowed for this feature"
    kind = feature.kind
    if kind == "int" and type(value) in (int, float):
        # A float at a bound may be an integer beyond 64 bits that the JSON
        # parser rounded to it: only an integer may sit on a bound.
        inclusive = type(value) is int
        low, high = INT_RANGE
        if not (low <= value <= high if inclusive else low < value < high):
            return "the integer is out of range (64-bit)"
        if type(value) is float and value.is_integer():
            return None
    if type(value) not in allowed:
        return f"expected {KIND_NAMES[kind]}, got {_describe(value)}"
    if type(value) is float and not math.isfinite(value):
        return "the number must be finite"
    if kind == "category" and value not in feature.known:
        known = ", ".join(map(_short, feature.categories[:10]))
        more = ", ..." if len(feature.categories) > 10 else ""
        return f"unknown category {_short(value)}; expected one of {known}{more}"
    return None


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    if type(value) in names:
        return f"{names[type(value)]} ({_short(value)})"
    return "an array" if isinstance(value, list) else "an object"


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 40 else text[:37] + "..."
