# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The OpenAPI paths and schemas of the other protocols.

Their operations sit in the service's one document, beside its own: the
edge answers a malformed request in the service's error shape before any
protocol sees it, so each error body may be either shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..openapi import (
    ANY_REQUEST_ERRORS,
    JSON,
    error_responses,
    get_operation,
    schema_ref,
)
from ..spec import ServiceSpec
from .tensors import DATATYPES, feature_datatype

Document = tuple[dict[str, Any], dict[str, Any]]
V2 = "Open Inference Protocol v2"
MLFLOW = "MLflow scoring"
PROTOCOL_ERRORS = {
    "400": "A request the protocol or the model's schema refuses, named, or "
    "more rows than MAX_INSTANCES",
    "404": "Another model's name or version",
    "413": "Body over MAX_BODY_BYTES",
    "415": "A body that is neither JSON nor the binary data extension",
    "503": "Not ready: the model is loading, or the service is shutting down",
}


def _errors(shape: str, statuses: dict[str, str]) -> dict[str, Any]:
    either = {"anyOf": [schema_ref("Error"), schema_ref(shape)]}
    return error_responses({**ANY_REQUEST_ERRORS, **statuses}, either)


def _tagged(item: dict[str, Any], tag: str) -> dict[str, Any]:
    for operation in item.values():
        operation["tags"] = [tag]
    return item


def open_inference(spec: ServiceSpec, model_path: str, version_path: str) -> Document:
    """`/v2` and the model's routes, named `model_path` and (under a
    version) `version_path`."""
    errors = _errors("V2Error", PROTOCOL_ERRORS)
    model_errors = _errors("V2Error", {k: PROTOCOL_ERRORS[k] for k in ("404", "503")})
    parameters = [_path_parameter("name", spec.service)]
    versioned = [*parameters, _path_parameter("version", spec.version)]
    paths: dict[str, Any] = {
        "/v2": get_operation("Server metadata", "V2ServerMetadata"),
        "/v2/health/live": get_operation("Server liveness", "V2Live"),
        "/v2/health/ready": get_operation(
            "Server readiness: the model is loaded", "V2Ready", model_errors
        ),
    }
    for base, names in ((model_path, parameters), (version_path, versioned)):
        paths[base] = get_operation(
            "Model metadata: inputs, outputs, classes", "V2ModelMetadata",
            model_errors, names,
        )  # fmt: skip
        paths[f"{base}/ready"] = get_operation(
            "Model readiness", "V2ModelReady", model_errors, names
        )
        paths[f"{base}/infer"] = {"post": _infer(spec, names, errors)}
    tagged = {path: _tagged(item, V2) for path, item in paths.items()}
    return tagged, _v2_schemas(spec)


def infer_body(spec: ServiceSpec, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An inference request of the protocol for `rows`: a tensor per feature."""
    return {
        "inputs": [
            {
                "name": f.name,
                "datatype": feature_datatype(f),
                "shape": [len(rows)],
                "data": [row[f.name] for row in rows],
            }
            for f in spec.features
        ]
    }


def invocations_body(
    spec: ServiceSpec, rows: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A request of MLflow's scoring protocol for `rows`, as a split frame."""
    names = spec.feature_names
    return {
        "dataframe_split": {
            "columns": names,
            "data": [[row[n] for n in names] for row in rows],
        }
    }


def _path_parameter(name: str, served: str) -> dict[str, Any]:
    # Any other value is a 404 naming the one served, as the protocol says.
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The model's {name}: {served}",
        "schema": {"type": "string", "examples": [served]},
    }


def _infer(
    spec: ServiceSpec, parameters: list[dict[str, Any]], errors: dict[str, Any]
) -> dict[str, Any]:
    example = infer_body(spec, spec.examples[:2])
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "summary": "Infer: the model's outputs for tensors of rows",
        "description": "Tensors as JSON, or with the binary tensor data "
        "extension: the JSON part, `Inference-Header-Content-Length` bytes "
        "long, then each input's `binary_data_size` bytes.",
        "parameters": parameters,
        "requestBody": {
            "required": True,
            "content": {
                JSON: {"schema": schema_ref("V2InferRequest"), "example": example}
            },
        },
        "responses": {
            "200": {
                "description": "The outputs asked for (every method's by default); "
                "binary data after the JSON when asked for",
                "content": {
                    JSON: {"schema": schema_ref("V2InferResponse")},
                    "application/octet-stream": binary,
                },
            },
            **errors,
        },
    }


def _v2_schemas(spec: ServiceSpec) -> dict[str, Any]:
    string = {"type": "string"}
    switch = {"type": "boolean"}
    strings = {"type": "array", "items": string}
    shape = {"type": "array", "items": {"type": "integer"}}
    anything = {"type": "object"}
    datatype = {"type": "string", "enum": list(DATATYPES)}
    return {
        "V2Error": _object(["error"], error=string),
        "V2ServerMetadata": _object(
            ["name", "version", "extensions"],
            name=string, version=string, extensions=strings,
        ),
        "V2Live": _object(["live"], live={"type": "boolean"}),
        "V2Ready": _object(["ready"], ready={"type": "boolean"}),
        "V2ModelReady": _object(
            ["name", "ready"], name=string, ready={"type": "boolean"}
        ),
        "V2TensorMetadata": _object(
            ["name", "datatype", "shape"], name=string, datatype=string, shape=shape
        ),
        "V2ModelMetadata": _object(
            ["name", "versions", "platform", "inputs", "outputs"],
            name=string, versions=strings, platform=string,
            inputs={"type": "array", "items": schema_ref("V2TensorMetadata")},
            outputs={"type": "array", "items": schema_ref("V2TensorMetadata")},
            parameters=anything,
        ),
        "V2InferRequest": _object(
            ["inputs"],
            id=string,
            parameters=_object([], binary_data_output=switch),
            inputs={
                "type": "array", "minItems": 1, "items": schema_ref("V2RequestInput")
            },
            outputs={
                "type": "array",
                "items": _object(
                    ["name"],
                    name={"type": "string", "enum": list(spec.methods)},
                    parameters=_object([], binary_data=switch),
                ),
            },
        ),
        "V2RequestInput": _object(
            ["name", "datatype", "shape"],
            name={"type": "string", "enum": spec.feature_names},
            datatype=datatype,
            shape={
                "type": "array", "minItems": 1,
                "items": {"type": "integer", "minimum": 0},
            },
            parameters=anything,
            data={"type": "array"},
        ),
        "V2InferResponse": _object(
            ["model_name", "outputs"],
            model_name=string, model_version=string, id=string, parameters=anything,
            outputs={
                "type": "array",
                "items": _object(
                    ["name", "datatype", "shape"],
                    name=string, datatype=string, shape=shape, parameters=anything,
                    data={"type": "array"},
                ),
            },
        ),
    }  # fmt: skip


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    # An empty `required` says nothing; left out, as most documents do.
    schema = {"type": "object", "properties": properties}
    return {**schema, "required": required} if required else schema


def mlflow(spec: ServiceSpec, max_instances: int) -> Document:
    """`/ping` and `/invocations`."""
    example = invocations_body(spec, spec.examples[:2])
    errors = _errors(
        "MlflowError", {k: v for k, v in PROTOCOL_ERRORS.items() if k != "404"}
    )
    paths = {
        "/ping": get_operation(
            "Readiness, as MLflow's model server answers it",
            "Status",
            _errors("MlflowError", {"503": PROTOCOL_ERRORS["503"]}),
        ),
        "/invocations": {
            "post": {
                "summary": "The model's predict for a frame or rows, as MLflow "
                "reads them",
                "requestBody": {
                    "required": True,
                    "content": {
                        JSON: {
                            "schema": schema_ref("MlflowRequest"),
                            "example": example,
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "One prediction per row, in order",
                        "content": {JSON: {"schema": schema_ref("predict_response")}},
                    },
                    **errors,
                },
            }
        },
    }
    tagged = {path: _tagged(item, MLFLOW) for path, item in paths.items()}
    return tagged, _mlflow_schemas(spec, max_instances)


def _mlflow_schemas(spec: ServiceSpec, max_instances: int) -> dict[str, Any]:
    rows = {"type": "array", "minItems": 1, "maxItems": max_instances}
    instance = {
        "oneOf": [schema_ref("Instance"), schema_ref("InstanceArray")],
    }
    columns = {
        "type": "object",
        "description": "A column of values per feature, all of one length",
        "required": spec.feature_names,
        "additionalProperties": False,
        "properties": {
            name: {"type": "array", "minItems": 1, "maxItems": max_instances}
            for name in spec.feature_names
        },
    }
    forms = {
        "dataframe_split": {
            "type": "object",
            "required": ["data"],
            "properties": {
                # Every feature, once each, in any order.
                "columns": {
                    "type": "array",
                    "items": {"type": "string", "enum": spec.feature_names},
                    "minItems": len(spec.feature_names),
                    "maxItems": len(spec.feature_names),
                    "uniqueItems": True,
                },
                "data": {
                    **rows,
                    "items": {
                        "type": "array",
                        "minItems": len(spec.feature_names),
                        "maxItems": len(spec.feature_names),
                    },
                },
                "index": {"type": "array"},
            },
        },
        "dataframe_records": {**rows, "items": schema_ref("Instance")},
        "instances": {"oneOf": [{**rows, "items": instance}, columns]},
        "inputs": {"oneOf": [{**rows, "items": instance}, columns]},
    }
    return {
        "MlflowRequest": {
            "oneOf": [
                {
                    "type": "object",
                    "required": [form],
                    "additionalProperties": False,
                    "properties": {
                        form: schema,
                        "params": {"type": "object", "maxProperties": 0},
                    },
                }
                for form, schema in forms.items()
            ]
        },
        "MlflowError": _object(
            ["error_code", "message"],
            error_code={"type": "string"},
            message={"type": "string"},
        ),
    }
