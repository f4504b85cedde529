"""The Open Inference Protocol (KServe's "V2" REST protocol), on the core.

Work in progress (#17): the request and response forms only; the routes
(`/v2`, `/v2/models/{name}[/versions/{version}]/...`) are not wired yet.

An infer request is turned into the core's validated `Batch`, so the same
checks, batching and metrics answer it as a `/predict` request:

- one tensor per feature, named after it, of shape `[n]` or `[n, 1]`; or
  one 2-D tensor `[n, features]` in feature order (for models fitted on
  arrays, or any client that sends a matrix);
- `FP64`, `FP32`, integer types, `BOOL` and `BYTES` (UTF-8 strings), as JSON
  (`data` flat in row-major order, or nested) or as the binary tensor
  extension (`Inference-Header-Content-Length`: a JSON header, then each
  input's raw little-endian bytes, `parameters.binary_data_size` long; a
  `BYTES` element is a 4-byte length and its bytes).

Errors are `ProtocolError`s, answered as the protocol's `{"error": "..."}`
with their status, naming the input.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from .errors import ClientError
from .spec import ServiceSpec
from .validation import Batch, validated_columns

BINARY_HEADER = "Inference-Header-Content-Length"
# Each datatype: the JSON values it holds, and its binary little-endian form.
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
# What each feature kind accepts.
KIND_DATATYPES: dict[str, frozenset[str]] = {
    "int": INTEGERS,
    "float": INTEGERS | {"FP16", "FP32", "FP64"},
    "bool": frozenset({"BOOL"}),
    "string": frozenset({"BYTES"}),
}


class ProtocolError(Exception):
    """A request the protocol refuses: its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"error": self.message}


@dataclass(frozen=True)
class InferRequest:
    """What an infer request asks: its rows, the outputs it wants (all when
    empty), its ID, and whether outputs go back as binary data."""

    batch: Batch
    outputs: tuple[str, ...] = ()
    binary_outputs: frozenset[str] = frozenset()
    request_id: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)


def parse_infer(
    body: bytes,
    header_length: str | None,
    spec: ServiceSpec,
    max_instances: int,
) -> InferRequest:
    """The request of an infer call's body; `header_length` is its
    `Inference-Header-Content-Length`, when it has binary data."""
    document, binary = _split(body, header_length)
    inputs = document.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ProtocolError(400, "'inputs' must be a non-empty array of tensors")
    tensors = _tensors(inputs, binary)
    columns, size = _columns(tensors, spec)
    if size > max_instances:
        raise ProtocolError(
            413, f"{size} rows sent; at most {max_instances} are accepted per request"
        )
    try:
        batch = validated_columns(columns, size, spec)
    except ClientError as error:
        details = "; ".join(
            f"input {p.field}, row {p.instance}: {p.message}"
            for p in error.problems[:10]
        )
        raise ProtocolError(400, f"{error.message}: {details}") from None
    outputs, binary_outputs = _requested(document)
    request_id = document.get("id")
    parameters = document.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ProtocolError(400, "'parameters' must be an object")
    return InferRequest(
        batch,
        outputs,
        binary_outputs,
        str(request_id) if request_id is not None else None,
        parameters,
    )


@dataclass(frozen=True)
class _Tensor:
    name: str
    datatype: str
    shape: tuple[int, ...]
    values: list[Any]


def _split(body: bytes, header_length: str | None) -> tuple[dict[str, Any], bytes]:
    """The JSON part of the body, and the binary data after it."""
    if header_length is None:
        json_part, binary = body, b""
    else:
        if not header_length.isdigit() or int(header_length) > len(body):
            raise ProtocolError(
                400,
                f"{BINARY_HEADER} must be the length of the JSON part of the body, "
                f"at most {len(body)}",
            )
        json_part, binary = body[: int(header_length)], body[int(header_length) :]
    try:
        document = orjson.loads(json_part)
    except orjson.JSONDecodeError as error:
        raise ProtocolError(400, f"the request is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ProtocolError(400, "the request must be a JSON object with 'inputs'")
    return document, binary


def _tensors(inputs: list[Any], binary: bytes) -> list[_Tensor]:
    tensors: list[_Tensor] = []
    offset = 0
    for position, given in enumerate(inputs):
        if not isinstance(given, dict) or not isinstance(given.get("name"), str):
            raise ProtocolError(400, f"input {position} must be an object with a name")
        name = given["name"]
        datatype = given.get("datatype")
        if datatype not in DATATYPES:
            raise ProtocolError(
                400,
                f"input {name}: datatype {datatype!r} is not one of "
                f"{', '.join(DATATYPES)}",
            )
        shape = given.get("shape")
        if (
            not isinstance(shape, list)
            or not shape
            or not all(type(d) is int and d >= 0 for d in shape)
        ):
            raise ProtocolError(
                400, f"input {name}: shape must be an array of sizes, such as [3, 1]"
            )
        count = int(np.prod(shape))
        size = (given.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            if type(size) is not int or size < 0 or offset + size > len(binary):
                raise ProtocolError(
                    400, f"input {name}: binary_data_size does not fit the body"
                )
            values = _from_binary(name, datatype, binary[offset : offset + size])
            offset += size
        else:
            values = _flat(name, given.get("data"))
        if len(values) != count:
            raise ProtocolError(
                400,
                f"input {name}: shape {shape} holds {count} values, got {len(values)}",
            )
        kinds = DATATYPES[datatype][0]
        wrong = next((v for v in values if type(v) not in kinds), None)
        if wrong is not None:
            raise ProtocolError(
                400,
                f"input {name}: {orjson.dumps(wrong).decode()[:40]} is not {datatype}",
            )
        tensors.append(_Tensor(name, datatype, tuple(shape), values))
    if offset != len(binary):
        raise ProtocolError(400, "binary data left over after the last input")
    return tensors


def _flat(name: str, data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ProtocolError(400, f"input {name}: 'data' must be an array")
    flat: list[Any] = []
    stack: list[Any] = [iter(data)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            flat.append(item)
        else:
            stack.pop()
    return flat


def _from_binary(name: str, datatype: str, data: bytes) -> list[Any]:
    form = DATATYPES[datatype][1]
    if form is not None:
        width = np.dtype(form).itemsize
        if len(data) % width:
            raise ProtocolError(
                400, f"input {name}: {len(data)} bytes is no whole number of {datatype}"
            )
        values: list[Any] = np.frombuffer(data, dtype=form).tolist()
        return values
    strings: list[Any] = []
    offset = 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise ProtocolError(400, f"input {name}: a BYTES element is cut short")
        (length,) = struct.unpack_from("<I", data, offset)
        offset += 4
        if offset + length > len(data):
            raise ProtocolError(400, f"input {name}: a BYTES element is cut short")
        try:
            strings.append(data[offset : offset + length].decode("utf-8"))
        except UnicodeDecodeError:
            raise ProtocolError(400, f"input {name}: BYTES must be UTF-8") from None
        offset += length
    return strings


def _columns(
    tensors: list[_Tensor], spec: ServiceSpec
) -> tuple[dict[str, list[Any]], int]:
    """One column per feature: from a tensor per feature, or one matrix."""
    names = spec.feature_names
    features = {f.name: f for f in spec.features}
    if len(tensors) == 1 and tensors[0].name not in features:
        matrix = tensors[0]
        if len(matrix.shape) != 2 or matrix.shape[1] != len(names):
            raise ProtocolError(
                400,
                f"input {matrix.name}: a single tensor must be [rows, {len(names)}], "
                f"its columns in feature order ({', '.join(names)}); or send one "
                "tensor per feature, named after it",
            )
        width = len(names)
        columns = {n: matrix.values[k::width] for k, n in enumerate(names)}
        return columns, matrix.shape[0]
    unknown = [t.name for t in tensors if t.name not in features]
    if unknown:
        raise ProtocolError(
            400, f"unknown input(s): {', '.join(unknown)}; inputs: {', '.join(names)}"
        )
    given = {t.name: t for t in tensors}
    missing = [n for n in names if n not in given]
    if missing:
        raise ProtocolError(400, f"missing input(s): {', '.join(missing)}")
    rows = {t.name: t.shape[0] for t in tensors}
    for tensor in tensors:
        if len(tensor.shape) > 2 or (len(tensor.shape) == 2 and tensor.shape[1] != 1):
            raise ProtocolError(
                400, f"input {tensor.name}: shape must be [rows] or [rows, 1]"
            )
        kind = features[tensor.name].kind
        if kind != "category" and tensor.datatype not in KIND_DATATYPES[kind]:
            raise ProtocolError(
                400,
                f"input {tensor.name}: datatype {tensor.datatype} does not fit a "
                f"{kind} feature",
            )
    if len(set(rows.values())) > 1:
        counts = ", ".join(f"{n} {r}" for n, r in rows.items())
        raise ProtocolError(400, f"inputs differ in rows: {counts}")
    return {n: given[n].values for n in names}, rows[names[0]]


def _requested(document: Mapping[str, Any]) -> tuple[tuple[str, ...], frozenset[str]]:
    outputs = document.get("outputs") or []
    if not isinstance(outputs, list) or not all(
        isinstance(o, dict) and isinstance(o.get("name"), str) for o in outputs
    ):
        raise ProtocolError(400, "'outputs' must be an array of objects with a name")
    everything = bool((document.get("parameters") or {}).get("binary_data_output"))
    binary = frozenset(
        o["name"]
        for o in outputs
        if everything or (o.get("parameters") or {}).get("binary_data")
    )
    return tuple(o["name"] for o in outputs), binary


def output_tensor(
    name: str, values: Sequence[Any], classes: Sequence[Any]
) -> dict[str, Any]:
    """A response output tensor for one method's answers (work in progress)."""
    if values and isinstance(values[0], dict):
        labels = [str(c) for c in classes]
        data = [row[label] for row in values for label in labels]
        return {
            "name": name,
            "datatype": "FP64",
            "shape": [len(values), len(labels)],
            "data": data,
        }
    sample = values[0] if values else 0.0
    datatype = (
        "BYTES"
        if isinstance(sample, str)
        else (
            "BOOL"
            if isinstance(sample, bool)
            else "INT64" if isinstance(sample, int) else "FP64"
        )
    )
    return {
        "name": name,
        "datatype": datatype,
        "shape": [len(values)],
        "data": list(values),
    }
