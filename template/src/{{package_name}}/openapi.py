"""The OpenAPI document of the service, built once from the spec.

Every backend serves these same bytes at `/openapi.json`: the document is the
API contract, not something a web framework derives from its routes.
"""

from __future__ import annotations

from typing import Any

from .settings import Settings
from .spec import FeatureSpec, ServiceSpec

OPENAPI_VERSION = "3.0.3"
JSON = "application/json"
METHOD_SUMMARIES = {
    "predict": "Predict a label or value for each instance",
    "predict_proba": "Class probabilities for each instance, labelled by class",
    "decision_function": "Decision scores for each instance",
}
ERROR_STATUSES = {
    "400": "Malformed JSON",
    "413": "Body too large or too many instances",
    "415": "Content-Type is not application/json",
    "422": "Instances that do not fit the schema, named by instance and field",
}


def build_openapi(spec: ServiceSpec, settings: Settings) -> dict[str, Any]:
    paths: dict[str, Any] = {
        f"/{method}": {"post": _prediction_operation(spec, method, settings)}
        for method in spec.methods
    }
    paths["/health"] = _get("Liveness: the process answers", "Status")
    paths["/ready"] = _get("Readiness: the model is loaded", "Status", ready=True)
    paths["/metadata"] = _get("What the service serves", "Metadata")
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": spec.service,
            "version": spec.version,
            "description": (
                f"Predictions of a {spec.estimator} ({spec.task}). Send instances "
                "as objects keyed by feature name or as arrays in feature order."
            ),
        },
        "paths": paths,
        "components": {"schemas": _schemas(spec, settings)},
    }


def _prediction_operation(
    spec: ServiceSpec, method: str, settings: Settings
) -> dict[str, Any]:
    examples = [dict(e) for e in spec.examples[:3]]
    responses: dict[str, Any] = {
        "200": {
            "description": "One prediction per instance, in order",
            "content": {
                JSON: {"schema": {"$ref": f"#/components/schemas/{method}_response"}}
            },
        }
    }
    for status, description in ERROR_STATUSES.items():
        responses[status] = _error_response(description)
    return {
        "summary": METHOD_SUMMARIES[method],
        "operationId": method,
        "requestBody": {
            "required": True,
            "content": {
                JSON: {
                    "schema": {"$ref": "#/components/schemas/PredictionRequest"},
                    "example": {"instances": examples},
                }
            },
        },
        "responses": responses,
    }


def _get(summary: str, schema: str, ready: bool = False) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    }
    if ready:
        responses["503"] = _error_response("The model is not loaded yet")
    return {"get": {"summary": summary, "responses": responses}}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _schemas(spec: ServiceSpec, settings: Settings) -> dict[str, Any]:
    names = spec.feature_names
    labels = [str(label) for label in spec.classes]
    scores: dict[str, Any] = {
        "type": "object",
        "properties": {label: {"type": "number"} for label in labels},
    }
    schemas: dict[str, Any] = {
        "Instance": {
            "type": "object",
            "properties": {f.name: _feature_schema(f) for f in spec.features},
            "required": names,
            "additionalProperties": False,
        },
        "InstanceArray": {
            "type": "array",
            "description": "Values in feature order: " + ", ".join(names),
            "minItems": len(names),
            "maxItems": len(names),
            "items": {},
        },
        "PredictionRequest": {
            "type": "object",
            "required": ["instances"],
            "additionalProperties": False,
            "properties": {
                "instances": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": settings.max_instances,
                    "items": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Instance"},
                            {"$ref": "#/components/schemas/InstanceArray"},
                        ]
                    },
                }
            },
        },
        "Status": {
            "type": "object",
            "properties": {"status": {"type": "string"}},
            "required": ["status"],
        },
        "Metadata": {"type": "object", "additionalProperties": True},
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "code", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["message"],
                                "properties": {
                                    "message": {"type": "string"},
                                    "instance": {"type": "integer"},
                                    "field": {"type": "string"},
                                },
                            },
                        },
                    },
                }
            },
        },
    }
    for method in spec.methods:
        schemas[f"{method}_response"] = _response_schema(spec, method, scores)
    return schemas


def _response_schema(
    spec: ServiceSpec, method: str, scores: dict[str, Any]
) -> dict[str, Any]:
    if method == "predict":
        item: dict[str, Any] = (
            {"type": "number"} if spec.task == "regression" else _label_schema(spec)
        )
    elif method == "decision_function" and spec.task == "binary":
        item = {"type": "number"}
    else:
        item = scores
    return {
        "type": "object",
        "required": ["predictions"],
        "properties": {"predictions": {"type": "array", "items": item}},
    }


def _label_schema(spec: ServiceSpec) -> dict[str, Any]:
    kinds = {type(label) for label in spec.classes}
    schema: dict[str, Any] = {"type": _json_type(kinds)}
    if spec.classes:
        schema["enum"] = list(spec.classes)
    return schema


def _feature_schema(feature: FeatureSpec) -> dict[str, Any]:
    if feature.kind == "category":
        schema: dict[str, Any] = {
            "type": _json_type({type(c) for c in feature.categories}),
            "enum": list(feature.categories) + ([None] if feature.nullable else []),
        }
    else:
        schema = {
            "type": {
                "float": "number",
                "int": "integer",
                "bool": "boolean",
                "string": "string",
            }[feature.kind]
        }
        if feature.categories:
            # Values the model knows; it answers for others too.
            schema["example"] = feature.categories[0]
            schema["x-known-values"] = list(feature.categories)
    if feature.nullable:
        schema["nullable"] = True
    return schema


def _json_type(kinds: set[type]) -> str:
    if kinds <= {bool}:
        return "boolean"
    if kinds <= {int}:
        return "integer"
    if kinds <= {int, float}:
        return "number"
    return "string"
