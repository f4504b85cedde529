# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The Open Inference Protocol ("V2", KServe's and Triton's REST protocol).

Routes, under `/v2`: the server's metadata, its liveness and readiness, the
model's metadata and readiness (also under `/versions/{version}`), and
`infer`. The model's name is the package's; its one version the service's.

An infer request becomes the core's validated `Batch`, so the same checks,
batching and metrics answer it as a `/predict` request:

- one tensor per feature, named after it, of shape `[n]` or `[n, 1]`; or
  one 2-D tensor `[n, features]` in feature order (for models fitted on
  arrays, or any client that sends a matrix);
- as JSON, or as the binary tensor data extension
  (`Inference-Header-Content-Length`), which tritonclient sends by default.

Its outputs are the model's methods, named after them: `predict`, and for
a classifier `predict_proba` as `[n, classes]` in the order of the classes
the model metadata lists. Errors are `{"error": "..."}`, naming the input.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import orjson

from ..errors import ClientError
from ..routes import (
    GET,
    JSON,
    POST,
    Asked,
    Incoming,
    Reply,
    Route,
    json_reply,
    not_json,
    whole_number,
)
from ..spec import FeatureSpec
from ..validation import too_many_instances, validated_columns
from . import documents
from .base import ExampleCall, SpokenProtocol, protocol_error
from .tensors import (
    KIND_ACCEPTS,
    Tensor,
    feature_datatype,
    invalid,
    output_tensor,
    read_inputs,
    value_datatype,
)

NAME = "open_inference_v2"
BINARY_HEADER = "Inference-Header-Content-Length"
BINARY = "application/octet-stream"
MODEL = "/v2/models/{name}"
VERSION = "/v2/models/{name}/versions/{version}"


class OpenInference(SpokenProtocol):
    """The protocol's routes, and how each is read and answered."""

    name = NAME

    @functools.cached_property
    def labels(self) -> list[str]:
        """The classes as the columns of scores are labelled."""
        return [str(label) for label in self.spec.classes]

    def document(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return documents.open_inference(self.spec, MODEL, VERSION)

    def routes(self) -> list[Route]:
        found = [
            Route(GET, "/v2", lambda _: json_reply(200, self.server_metadata())),
            Route(GET, "/v2/health/live", lambda _: json_reply(200, {"live": True})),
            Route(GET, "/v2/health/ready", self._server_ready, refuse=refuse),
        ]
        for base in (MODEL, VERSION):
            found += [
                Route(GET, base, self._model_metadata, refuse=refuse),
                Route(GET, f"{base}/ready", self._model_ready, refuse=refuse),
                Route(POST, f"{base}/infer", predicts=self.parse, refuse=refuse),
            ]
        return found

    def example_call(self) -> ExampleCall:
        return ExampleCall(
            "Open Inference Protocol v2",
            MODEL.replace("{name}", self.spec.service) + "/infer",
            documents.infer_body(self.spec, self.spec.examples[:1]),
        )

    def server_metadata(self) -> dict[str, Any]:
        return {
            "name": self.spec.service,
            "version": self.spec.version,
            "extensions": ["binary_tensor_data"],
        }

    def model_metadata(self) -> dict[str, Any]:
        spec = self.spec
        inputs = [
            {"name": f.name, "datatype": feature_datatype(f), "shape": [-1]}
            for f in spec.features
        ]
        return {
            "name": spec.service,
            "versions": [spec.version],
            "platform": f"{spec.model_family}_{spec.runtime['name']}",
            "inputs": inputs,
            "outputs": [self._output_metadata(m) for m in spec.methods],
            "parameters": {"classes": list(spec.classes)},
        }

    def _output_metadata(self, method: str) -> dict[str, Any]:
        if method == "predict":
            datatype = value_datatype(self.spec.classes)
            return {"name": method, "datatype": datatype, "shape": [-1]}
        if method == "decision_function" and self.spec.task == "binary":
            return {"name": method, "datatype": "FP64", "shape": [-1]}
        return {"name": method, "datatype": "FP64", "shape": [-1, len(self.labels)]}

    def _server_ready(self, incoming: Incoming) -> Reply:
        return self.when_ready({"ready": True}, refuse)

    def _model_metadata(self, incoming: Incoming) -> Reply:
        self._check_model(incoming)
        return json_reply(200, self.model_metadata())

    def _model_ready(self, incoming: Incoming) -> Reply:
        self._check_model(incoming)
        return self.when_ready({"name": self.spec.service, "ready": True}, refuse)

    def _check_model(self, incoming: Incoming) -> None:
        """Refuse (404) a model name or version other than this service's."""
        name = incoming.params.get("name")
        if name != self.spec.service:
            raise ClientError(
                404,
                "unknown_model",
                f"no model {name!r}; this service serves {self.spec.service!r}",
            )
        version = incoming.params.get("version", self.spec.version)
        if version != self.spec.version:
            raise ClientError(
                404,
                "unknown_version",
                f"model {name} has no version {version!r}; its version is "
                f"{self.spec.version!r}",
            )

    def parse(self, incoming: Incoming) -> Asked:
        """An infer request, read into the model methods its outputs need."""
        self._check_model(incoming)
        document, binary = _split(incoming)
        inputs = document.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            raise invalid("'inputs' must be a non-empty array of tensors")
        columns, size = self._columns(read_inputs(inputs, binary))
        if size > self.max_instances:
            raise too_many_instances(size, self.max_instances, "rows")
        batch = validated_columns(columns, size, self.spec)
        names, binary_outputs = self._requested(document)
        request_id = document.get("id")
        if "id" in document and not isinstance(request_id, str):
            raise invalid("'id' must be a string")

        def reply(outputs: Mapping[str, list[Any]]) -> Reply:
            return self._reply(outputs, request_id, binary_outputs)

        return Asked(batch, names, reply)

    def _columns(self, tensors: list[Tensor]) -> tuple[dict[str, list[Any]], int]:
        """One column per feature: from a tensor per feature, or one matrix."""
        spec = self.spec
        names = spec.feature_names
        features = {f.name: f for f in spec.features}
        if len(tensors) == 1 and tensors[0].name not in features:
            return _matrix_columns(tensors[0], spec.features)
        unknown = [t.name for t in tensors if t.name not in features]
        if unknown:
            raise invalid(
                f"unknown input(s): {', '.join(unknown)}; the inputs are "
                f"{', '.join(names)}, or one [rows, {len(names)}] tensor"
            )
        given = {t.name: t for t in tensors}
        if len(given) < len(tensors):
            raise invalid("an input is sent twice")
        missing = [n for n in names if n not in given]
        if missing:
            raise invalid(f"missing input(s): {', '.join(missing)}")
        for tensor in tensors:
            shape = tensor.shape
            if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
                raise invalid(
                    f"input {tensor.name}: shape must be [rows] or [rows, 1], "
                    f"got {list(shape)}"
                )
            _check_datatype(tensor, features[tensor.name])
        rows = {t.name: t.rows for t in tensors}
        if len(set(rows.values())) > 1:
            counts = ", ".join(f"{n} {r}" for n, r in rows.items())
            raise invalid(f"the inputs differ in rows: {counts}")
        columns = {n: _missing_as_null(features[n], given[n].values) for n in names}
        return columns, rows[names[0]]

    def _requested(
        self, document: Mapping[str, Any]
    ) -> tuple[tuple[str, ...], set[str]]:
        """The outputs asked for (every method's when none is), and those to
        send as binary data."""
        parameters = document.get("parameters", {})
        if not isinstance(parameters, dict):
            raise invalid("'parameters' must be an object")
        every_binary = _switch(parameters, "binary_data_output", "")
        if "outputs" not in document:
            names = self.spec.methods
            return names, set(names) if every_binary else set()
        asked = document["outputs"]
        if not isinstance(asked, list) or not all(
            isinstance(o, dict) and isinstance(o.get("name"), str) for o in asked
        ):
            raise invalid("'outputs' must be an array of objects with a name")
        binary: set[str] = set()
        for output in asked:
            name = output["name"]
            if name not in self.spec.methods:
                raise invalid(
                    f"unknown output {name!r}; the outputs are "
                    f"{', '.join(self.spec.methods)}"
                )
            options = output.get("parameters", {})
            if not isinstance(options, dict):
                raise invalid(f"output {name}: 'parameters' must be an object")
            if options.get("classification"):
                raise invalid(
                    f"output {name}: the classification extension is not "
                    "supported; ask for predict_proba"
                )
            if _switch(options, "binary_data", f"output {name}: ") or every_binary:
                binary.add(name)
        names = tuple(dict.fromkeys(o["name"] for o in asked))
        return names, binary

    def _reply(
        self,
        outputs: Mapping[str, list[Any]],
        request_id: str | None,
        binary_outputs: set[str],
    ) -> Reply:
        tensors, data = [], []
        for name, values in outputs.items():
            tensor, raw = output_tensor(
                name, values, self.labels, name in binary_outputs
            )
            tensors.append(tensor)
            data.append(raw)
        response: dict[str, Any] = {
            "model_name": self.spec.service,
            "model_version": self.spec.version,
        }
        if request_id is not None:
            response["id"] = request_id
        response["outputs"] = tensors
        head = orjson.dumps(response)
        if not binary_outputs:
            return Reply(200, head)
        headers = {BINARY_HEADER: str(len(head))}
        return Reply(200, head + b"".join(data), BINARY, headers)


def refuse(error: ClientError) -> Reply:
    """The protocol's error: `{"error": "..."}`, each problem named by its
    input and row. A value that does not fit the model is a 400 here."""
    return protocol_error(error, {"error": error.as_text("input")})


def _split(incoming: Incoming) -> tuple[dict[str, Any], bytes]:
    """The JSON part of an infer body, and the binary data after it."""
    body = incoming.body
    length = incoming.headers.get(BINARY_HEADER)
    if length is None:
        json_part, binary = body, b""
        content_type = (incoming.content_type or JSON).split(";")[0].strip().lower()
        if content_type != JSON and not content_type.endswith("+json"):
            raise not_json(
                content_type,
                f"{JSON}, or the binary data extension's {BINARY} with "
                f"{BINARY_HEADER}",
            )
    else:
        size = whole_number(length)
        if size is None or size > len(body):
            raise invalid(
                f"{BINARY_HEADER} must be the length of the JSON part of the "
                f"body, at most {len(body)}; got {length!r}"
            )
        json_part, binary = body[:size], body[size:]
    try:
        document = orjson.loads(json_part)
    except orjson.JSONDecodeError as error:
        raise invalid(f"the request is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise invalid("the request must be a JSON object with 'inputs'")
    return document, binary


def _switch(parameters: Mapping[str, Any], key: str, where: str) -> bool:
    """A parameter that is true or false (false when absent)."""
    value = parameters.get(key, False)
    if type(value) is not bool:
        raise invalid(f"{where}{key} must be true or false, got {value!r}")
    return value


def _accepted(feature: FeatureSpec) -> frozenset[str]:
    """The datatypes a feature's values may come in."""
    if feature.kind == "category":
        return frozenset({feature_datatype(feature)})
    return KIND_ACCEPTS[feature.kind]


def _check_datatype(tensor: Tensor, feature: FeatureSpec) -> None:
    if tensor.datatype not in _accepted(feature):
        raise invalid(
            f"input {tensor.name}: datatype {tensor.datatype} does not fit this "
            f"{feature.kind} feature; send {feature_datatype(feature)}"
        )


def _matrix_columns(
    matrix: Tensor, features: tuple[FeatureSpec, ...]
) -> tuple[dict[str, list[Any]], int]:
    width = len(features)
    if len(matrix.shape) != 2 or matrix.shape[1] != width:
        names = ", ".join(f.name for f in features)
        raise invalid(
            f"input {matrix.name}: a single tensor must be [rows, {width}], its "
            f"columns in feature order ({names}); or send one tensor per "
            "feature, named after it"
        )
    unfit = [f for f in features if matrix.datatype not in _accepted(f)]
    if unfit:
        raise invalid(
            f"input {matrix.name}: datatype {matrix.datatype} does not fit the "
            f"{unfit[0].kind} feature {unfit[0].name}; a matrix needs one datatype "
            "every feature takes, or send one tensor per feature"
        )
    columns = {
        f.name: _missing_as_null(f, matrix.values[k::width])
        for k, f in enumerate(features)
    }
    return columns, matrix.rows


def _missing_as_null(feature: FeatureSpec, values: list[Any]) -> list[Any]:
    """NaN, the binary form of a missing number, is null to a feature that
    may be missing (and refused by any other, as a JSON NaN is)."""
    if not feature.nullable:
        return values
    return [None if type(v) is float and math.isnan(v) else v for v in values]
