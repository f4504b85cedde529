# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Tensors as the Open Inference Protocol writes them, to and from columns.

A tensor is a name, a datatype, a shape and its values, flat in row-major
order: in JSON (`data`, flat or nested), or as the binary tensor data
extension, raw little-endian bytes after the JSON part of the body
(`parameters.binary_data_size` long; a `BYTES` element is a 4-byte length
and its UTF-8 bytes).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ClientError
from ..spec import FeatureSpec

NoneType = type(None)
# Each datatype: the Python values it holds, and its binary form (None for
# BYTES, which is length-prefixed).
DATATYPES: dict[str, tuple[tuple[type, ...], str | None]] = {
    "BOOL": ((bool,), "?"),
    "INT8": ((int,), "<i1"),
    "INT16": ((int,), "<i2"),
    "INT32": ((int,), "<i4"),
    "INT64": ((int,), "<i8"),
    "UINT8": ((int,), "<u1"),
    "UINT16": ((int,), "<u2"),
    "UINT32": ((int,), "<u4"),
    "UINT64": ((int,), "<u8"),
    "FP16": ((float, int), "<f2"),
    "FP32": ((float, int), "<f4"),
    "FP64": ((float, int), "<f8"),
    "BYTES": ((str,), None),
}
INTEGERS = frozenset(
    {"INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"}
)
FLOATS = frozenset({"FP16", "FP32", "FP64"})
# The datatype each kind of feature is described with, and those it accepts.
KIND_DATATYPE = {"float": "FP64", "int": "INT64", "bool": "BOOL", "string": "BYTES"}
KIND_ACCEPTS: dict[str, frozenset[str]] = {
    "float": INTEGERS | FLOATS,
    "int": INTEGERS,
    "bool": frozenset({"BOOL"}),
    "string": frozenset({"BYTES"}),
}


def invalid(message: str) -> ClientError:
    return ClientError(400, "invalid_tensor", message)


@dataclass(frozen=True)
class Tensor:
    """An input tensor as sent: its values flat, in row-major order."""

    name: str
    datatype: str
    shape: tuple[int, ...]
    values: list[Any]

    @property
    def rows(self) -> int:
        return self.shape[0]


def read_inputs(inputs: Sequence[Any], binary: bytes) -> list[Tensor]:
    """The tensors of a request's `inputs`; `binary` is the data after its
    JSON part, which inputs with a `binary_data_size` take in turn."""
    tensors: list[Tensor] = []
    offset = 0
    for position, given in enumerate(inputs):
        if not isinstance(given, dict) or not isinstance(given.get("name"), str):
            raise invalid(f"input {position} must be an object with a name")
        name = given["name"]
        datatype = given.get("datatype")
        if not isinstance(datatype, str) or datatype not in DATATYPES:
            raise invalid(
                f"input {name}: datatype {datatype!r} is not one of "
                f"{', '.join(DATATYPES)}"
            )
        shape = _shape(name, given.get("shape"))
        parameters = given.get("parameters", {})
        if not isinstance(parameters, dict):
            raise invalid(f"input {name}: 'parameters' must be an object")
        size = parameters.get("binary_data_size")
        if size is not None:
            if type(size) is not int or size < 0 or offset + size > len(binary):
                raise invalid(f"input {name}: binary_data_size does not fit the body")
            values = _from_binary(name, datatype, binary[offset : offset + size])
            offset += size
        else:
            values = _flat(name, given.get("data"), shape)
        count = math.prod(shape)
        if len(values) != count:
            raise invalid(
                f"input {name}: shape {list(shape)} holds {count} values, "
                f"got {len(values)}"
            )
        kinds = DATATYPES[datatype][0]
        # null is the JSON form of a missing value; the features decide
        # where one is allowed. The types of the whole tensor at once.
        if not set(map(type, values)) <= {*kinds, NoneType}:
            wrong = next(v for v in values if v is not None and type(v) not in kinds)
            raise invalid(f"input {name}: {_short(wrong)} is not {datatype}")
        if size is None:
            # JSON numbers may be any size; binary ones fit their datatype.
            _check_range(name, datatype, values)
        tensors.append(Tensor(name, datatype, shape, values))
    if offset != len(binary):
        raise invalid("binary data is left over after the last input")
    return tensors


def _shape(name: str, shape: Any) -> tuple[int, ...]:
    if (
        not isinstance(shape, list)
        or not shape
        or not all(type(d) is int and d >= 0 for d in shape)
    ):
        raise invalid(f"input {name}: shape must be an array of sizes, such as [3]")
    if shape[0] == 0:
        raise invalid(f"input {name}: shape {shape} holds no rows")
    return tuple(shape)


def _flat(name: str, data: Any, shape: tuple[int, ...]) -> list[Any]:
    """`data` flattened: the protocol lets it be flat, or nested exactly as
    the shape is (no deeper, no shallower, each level as long as its size)."""
    if not isinstance(data, list):
        raise invalid(f"input {name}: 'data' must be an array")
    if list not in set(map(type, data)):
        return data
    arrays: list[Any] = [data]  # the arrays at one depth, in order
    for size in shape:
        if not all(type(a) is list and len(a) == size for a in arrays):
            break
        arrays = [value for a in arrays for value in a]
    else:
        if list not in set(map(type, arrays)):
            return arrays
    raise invalid(
        f"input {name}: 'data' must be flat, or nested as its shape "
        f"{list(shape)} is"
    )


def _check_range(name: str, datatype: str, values: list[Any]) -> None:
    """Refuse a value its datatype cannot hold (an INT8 of 1000, an FP16
    of 1e6), as the binary form could not carry it either."""
    form = DATATYPES[datatype][1]
    if form is None or datatype == "BOOL":
        return
    present = [v for v in values if v is not None]
    if not present:
        return
    limits = np.iinfo(form) if datatype in INTEGERS else np.finfo(form)
    low, high = min(present), max(present)
    if low < limits.min or high > limits.max:
        wrong = low if low < limits.min else high
        raise invalid(f"input {name}: {_short(wrong)} is out of {datatype}'s range")


def _from_binary(name: str, datatype: str, data: bytes) -> list[Any]:
    form = DATATYPES[datatype][1]
    if datatype == "BOOL" and data.translate(None, b"\x00\x01"):
        raise invalid(f"input {name}: BOOL bytes must be 0 or 1")
    if form is not None:
        width = np.dtype(form).itemsize
        if len(data) % width:
            raise invalid(
                f"input {name}: {len(data)} bytes is no whole number of {datatype}"
            )
        values: list[Any] = np.frombuffer(data, dtype=form).tolist()
        return values
    strings: list[Any] = []
    offset = 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise invalid(f"input {name}: a BYTES element is cut short")
        (length,) = struct.unpack_from("<I", data, offset)
        offset += 4
        if offset + length > len(data):
            raise invalid(f"input {name}: a BYTES element is cut short")
        try:
            strings.append(data[offset : offset + length].decode("utf-8"))
        except UnicodeDecodeError:
            raise invalid(f"input {name}: BYTES must be UTF-8 text") from None
        offset += length
    return strings


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def output_tensor(
    name: str, outputs: list[Any], labels: Sequence[str], binary: bool
) -> tuple[dict[str, Any], bytes]:
    """A method's outputs (one per row) as a response tensor, and its binary
    data (empty unless `binary`). Scores labelled by class become columns
    in the order of `labels`."""
    if outputs and isinstance(outputs[0], Mapping):
        outputs = [[row[label] for label in labels] for row in outputs]
    array = np.asarray(outputs)
    datatype = _datatype(array)
    tensor: dict[str, Any] = {
        "name": name,
        "datatype": datatype,
        "shape": list(array.shape),
    }
    if not binary:
        tensor["data"] = array.ravel().tolist()
        return tensor, b""
    form = DATATYPES[datatype][1]
    if form is None:
        encoded = [str(v).encode("utf-8") for v in array.ravel().tolist()]
        raw = b"".join(struct.pack("<I", len(e)) + e for e in encoded)
    else:
        raw = np.ascontiguousarray(array, dtype=form).tobytes()
    tensor["parameters"] = {"binary_data_size": len(raw)}
    return tensor, raw


def _datatype(array: np.ndarray[Any, Any]) -> str:
    kind = array.dtype.kind
    if kind == "b":
        return "BOOL"
    if kind in "iu":
        return "INT64"
    if kind == "f":
        return "FP64"
    return "BYTES"


def value_datatype(values: Sequence[Any]) -> str:
    """The datatype that holds `values` (a feature's categories, a model's
    class labels)."""
    return _datatype(np.asarray(list(values))) if values else "FP64"


def feature_datatype(feature: FeatureSpec) -> str:
    """The datatype a feature's tensor is described with."""
    if feature.kind == "category":
        return value_datatype(feature.categories)
    return KIND_DATATYPE[feature.kind]
