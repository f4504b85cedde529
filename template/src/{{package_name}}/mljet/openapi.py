# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The OpenAPI document of the service, built once from the spec.

Every backend serves these same bytes at `/openapi.json`: the document is the
API contract, not something a web framework derives from its routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .metrics import CONTENT_TYPE
from .routes import HTML
from .settings import Settings
from .spec import FeatureSpec, ServiceSpec
from .validation import INT_RANGE

# 3.1: JSON Schema 2020-12, whose `prefixItems` gives each position of an
# instance array its own type (3.0 cannot); Swagger UI 5 reads it (`docs.py`).
OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
BEARER = "bearer"
METHOD_SUMMARIES = {
    "predict": "Predict a label or value for each instance",
    "predict_proba": "Class probabilities for each instance, labelled by class",
    "decision_function": "Decision scores for each instance",
}
# Every error a route can answer, by status: those of any request (the edge
# guard's and the service's own), then those only a prediction can get.
ANY_REQUEST_ERRORS = {
    "400": "Malformed request (its line, headers or framing), or malformed JSON",
    "408": "The request was not sent within the timeouts",
    "414": "The request line is too long",
    "431": "The request head is too large",
    "503": "Not ready: the model is loading, or the service is shutting down",
    "504": "No answer within REQUEST_TIMEOUT",
    "505": "An HTTP version other than 1.0 or 1.1",
}
PREDICTION_ERRORS = {
    "413": "Body over MAX_BODY_BYTES",
    "415": "Content-Type is not application/json",
    "422": "Instances that do not fit the schema, named by instance and field, "
    "more instances than MAX_INSTANCES, or values the model refused",
    "500": "The model failed on these instances; the details are in the log",
}


def build_openapi(
    spec: ServiceSpec,
    settings: Settings,
    protocols: Sequence[tuple[dict[str, Any], dict[str, Any]]] = (),
) -> dict[str, Any]:
    """The document; `protocols` are the other protocols' paths and schemas."""
    paths: dict[str, Any] = {
        f"/{method}": {"post": _prediction_operation(spec, method, settings)}
        for method in spec.methods
    }
    paths["/health"] = get_operation("Liveness: the process answers", "Status")
    paths["/ready"] = get_operation("Readiness: the model is loaded", "Status")
    paths["/metadata"] = get_operation("What the service serves", "Metadata")
    paths["/metrics"] = _text_operation(
        "Prometheus metrics: requests, latency, model calls, rejected inputs, "
        "predictions by class",
        "Prometheus' text format",
        CONTENT_TYPE,
    )
    paths["/"] = _text_operation(
        "The model page: the model card, its inputs, importances, examples "
        "and a form to try it",
        "An HTML page",
        HTML,
    )
    if spec.report_card is not None:
        paths["/report"] = _text_operation(
            "The report card: how the model did on labelled rows at generation, "
            "with its curves",
            "An HTML page",
            HTML,
        )
    if spec.own_report is not None:
        paths[spec.own_report["path"]] = _text_operation(
            f"The report {spec.own_report['writer']} wrote about the model, as "
            "written (its charts under the same path)",
            "An HTML page",
            HTML,
        )
    schemas = _schemas(spec, settings)
    for protocol_paths, protocol_schemas in protocols:
        paths.update(protocol_paths)
        schemas.update(protocol_schemas)
    document: dict[str, Any] = {
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
        "components": {"schemas": schemas},
    }
    access = settings.access
    if access.root_path:
        # Behind a proxy that strips this prefix: clients call through it.
        document["servers"] = [{"url": access.root_path}]
    if access.api_keys:
        _secure(document, every_route=access.protect_all)
    return document


def _secure(document: dict[str, Any], every_route: bool) -> None:
    """Mark the operations that need an API key (`access_control.py`)."""
    document["components"]["securitySchemes"] = {
        BEARER: {"type": "http", "scheme": "bearer", "description": "An API key"}
    }
    refused = {"401": "No API key, or one that is not valid"}
    for item in document["paths"].values():
        for operation in item.values():
            if every_route or "requestBody" in operation:
                # In the operation's own error shape (its protocol's).
                shape = operation["responses"]["400"]["content"][JSON]["schema"]
                operation["security"] = [{BEARER: []}]
                operation["responses"].update(error_responses(refused, shape))


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
    responses.update(error_responses({**ANY_REQUEST_ERRORS, **PREDICTION_ERRORS}))
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


def get_operation(
    summary: str,
    schema: str,
    errors: dict[str, Any] | None = None,
    parameters: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A GET answering JSON of `schema`; `errors` as `error_responses` writes
    them (the errors any request can get, by default)."""
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": {JSON: {"schema": schema_ref(schema)}},
        },
        **(errors if errors is not None else error_responses(ANY_REQUEST_ERRORS)),
    }
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = list(parameters)
    return {"get": operation}


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _text_operation(
    summary: str, description: str, content_type: str
) -> dict[str, Any]:
    """A GET answering text of `content_type`."""
    text = {"schema": {"type": "string"}}
    return {
        "get": {
            "summary": summary,
            "responses": {
                "200": {"description": description, "content": {content_type: text}},
                **error_responses(ANY_REQUEST_ERRORS),
            },
        }
    }


def error_responses(
    descriptions: dict[str, str], schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A response per error status, its body `schema` (the service's Error)."""
    body = schema or schema_ref("Error")
    return {
        status: {"description": description, "content": {JSON: {"schema": body}}}
        for status, description in sorted(descriptions.items())
    }


# A number the model answers: JSON has no NaN or infinity, so a model's
# answer that is one (a linear model on extreme inputs overflows) is null.
SCORE = {
    "type": ["number", "null"],
    "description": "null where the model answered NaN or an infinity",
}


def _schemas(spec: ServiceSpec, settings: Settings) -> dict[str, Any]:
    names = spec.feature_names
    labels = [str(label) for label in spec.classes]
    scores: dict[str, Any] = {
        "type": "object",
        "properties": {label: SCORE for label in labels},
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
            "prefixItems": [_feature_schema(f) for f in spec.features],
            "items": False,
            "minItems": len(names),
            "maxItems": len(names),
        },
        "PredictionRequest": instances_request(settings.max_instances),
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


def instances_request(max_items: int) -> dict[str, Any]:
    """A body of `{"instances": [...]}`: 1 to `max_items` instances, each an
    object keyed by feature name or an array in feature order."""
    return {
        "type": "object",
        "required": ["instances"],
        "additionalProperties": False,
        "properties": {
            "instances": {
                "type": "array",
                "minItems": 1,
                "maxItems": max_items,
                "items": {
                    "oneOf": [schema_ref("Instance"), schema_ref("InstanceArray")]
                },
            }
        },
    }


def _response_schema(
    spec: ServiceSpec, method: str, scores: dict[str, Any]
) -> dict[str, Any]:
    if method == "predict":
        item: dict[str, Any] = (
            SCORE if spec.task == "regression" else _label_schema(spec)
        )
    elif method == "decision_function" and spec.task == "binary":
        item = SCORE
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
        kind = _json_type({type(c) for c in feature.categories})
        schema: dict[str, Any] = {
            "enum": list(feature.categories) + ([None] if feature.nullable else [])
        }
    else:
        kind = KIND_TYPES[feature.kind]
        if feature.categories:
            # Values the model knows; it answers for others too.
            schema = {
                "examples": [feature.categories[0]],
                "x-known-values": list(feature.categories),
            }
        else:
            schema = {}
        if feature.kind == "int":
            schema.update(format="int64", minimum=INT_RANGE[0], maximum=INT_RANGE[1])
    return {"type": [kind, "null"] if feature.nullable else kind, **schema}


KIND_TYPES = {
    "float": "number",
    "int": "integer",
    "bool": "boolean",
    "string": "string",
}


def _json_type(kinds: set[type]) -> str:
    if kinds <= {bool}:
        return "boolean"
    if kinds <= {int}:
        return "integer"
    if kinds <= {int, float}:
        return "number"
    return "string"


def with_own_routes(
    document: dict[str, Any],
    paths: Mapping[str, Mapping[str, Any]],
    schemas: Mapping[str, Any],
) -> dict[str, Any]:
    """`document` with the owner's routes and the schemas they refer to; a
    path and method, or a schema, the document defines otherwise is refused
    (ValueError). Adding the same twice changes nothing (an app started
    twice in one process)."""
    merged_paths = {path: dict(item) for path, item in document["paths"].items()}
    for path, item in paths.items():
        for method, operation in item.items():
            known = merged_paths.setdefault(path, {})
            if known.setdefault(method, operation) != operation:
                raise ValueError(
                    f"{method.upper()} {path} is the service's own route already"
                )
    components = dict(document["components"])
    known = dict(components["schemas"])
    for name, schema in schemas.items():
        if known.setdefault(name, schema) != schema:
            raise ValueError(f"schema {name!r} is the service's own already")
    components["schemas"] = known
    return {**document, "paths": merged_paths, "components": components}
