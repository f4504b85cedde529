# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""`POST /explain`: why the model answered each row as it did.

The model's explainer gives, for each row, each of the model's outputs, a
base value and one contribution per feature (`contributions.py`; the
largest additivity error measured at generation is in `spec.explanation`).
This module reads a request as `/predict` reads it,
picks the output to explain (the class asked for, else the one the model
scores highest), and writes one explanation per row, its contributions
largest first. Explanations run on a thread of their own, one at a time:
the model's predictions never wait behind one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from .contributions import Contributions, per_row
from .errors import NOT_READY, ClientError
from .openapi import (
    ANY_REQUEST_ERRORS,
    JSON,
    PREDICTION_ERRORS,
    SCORE,
    error_responses,
    instances_request,
    schema_ref,
)
from .predictions import MODEL_REFUSALS, model_refused
from .routes import POST, Incoming, Reply, Route, json_reply, require_json
from .seam import Seam
from .spec import ServiceSpec
from .validation import Batch, parse_batch

#: How `explained` names each kind of output.
OUTPUT_NAMES = {
    "probability": "probability of class {label}",
    "margin": "margin of class {label} (the score before the link function)",
    "value": "predicted value",
    "raw": "raw prediction (the score before the link function)",
}


class Explaining:
    """The `/explain` route of one service.

    `explain(batch)` runs the explainer on the model's columns of a batch;
    `readiness()` is why the service cannot explain yet (a 503), or None.
    """

    def __init__(
        self,
        spec: ServiceSpec,
        model_spec: ServiceSpec,
        seam: Seam,
        max_rows: int,
        readiness: Callable[[], ClientError | None],
    ) -> None:
        assert model_spec.explanation is not None
        self.spec = spec
        self.features = tuple(model_spec.feature_names)
        self.seam = seam
        self.max_rows = max_rows
        self.readiness = readiness
        self.method = str(model_spec.explanation["method"])
        self.output = OUTPUT_NAMES[str(model_spec.explanation["explained"])]
        self.labels = [str(label) for label in model_spec.classes]
        self.explain: Callable[[Batch], Contributions] | None = None

    def route(self) -> Route:
        return Route(POST, "/explain", self.answer, blocking=True)

    def document(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Its OpenAPI path, and the schemas it refers to."""
        parameters = []
        if self.labels:
            parameters.append(
                {
                    "name": "class",
                    "in": "query",
                    "required": False,
                    "description": "The class whose output to explain; by "
                    "default, the one the model scores highest for each instance",
                    "schema": {"type": "string", "enum": self.labels},
                }
            )
        body: dict[str, Any] = {"schema": schema_ref("ExplanationRequest")}
        if self.spec.examples:
            body["example"] = {"instances": [dict(self.spec.examples[0])]}
        errors = {**ANY_REQUEST_ERRORS, **PREDICTION_ERRORS}
        errors["422"] += ", or a class the model does not have"
        operation = {
            "summary": "Why the model answered each instance as it did: the "
            "output explained, a base value and each feature's contribution",
            "operationId": "explain",
            "parameters": parameters,
            "requestBody": {"required": True, "content": {JSON: body}},
            "responses": {
                "200": {
                    "description": "One explanation per instance, in order",
                    "content": {JSON: {"schema": schema_ref("ExplanationResponse")}},
                },
                **error_responses(errors),
            },
        }
        return {"/explain": {"post": operation}}, self._schemas()

    def _schemas(self) -> dict[str, Any]:
        explanation = {
            "type": "object",
            "required": [
                "output",
                "base_value",
                "contributions",
                "explained",
                "method",
            ],
            "properties": {
                "output": SCORE,
                "base_value": SCORE,
                "contributions": {
                    "type": "object",
                    "description": "Each feature's contribution, the largest first",
                    "properties": {name: SCORE for name in self.features},
                    "required": list(self.features),
                    "additionalProperties": False,
                },
                "explained": {"type": "string"},
                "method": {"type": "string", "enum": [self.method]},
            },
        }
        return {
            "ExplanationRequest": instances_request(self.max_rows),
            "ExplanationResponse": {
                "type": "object",
                "required": ["explanations"],
                "properties": {"explanations": {"type": "array", "items": explanation}},
            },
        }

    def answer(self, incoming: Incoming) -> Reply:
        """The explanations of a request's rows (on the explaining thread)."""
        not_ready = self.readiness()
        if not_ready is not None or self.explain is None:
            raise not_ready or NOT_READY
        require_json(incoming)
        chosen = self._class_asked(incoming.query)
        rows = parse_batch(incoming.body, self.spec, self.max_rows)
        batch = self.seam.prepared(rows, self.features)
        try:
            found = self.explain(batch)
        except MODEL_REFUSALS as error:
            raise model_refused(error) from None
        payload = {"explanations": self.shaped(found, chosen)}
        return json_reply(200, payload).with_rows(rows.size)

    def shaped(self, found: Contributions, chosen: int | None) -> list[dict[str, Any]]:
        """One explanation per row: of the class `chosen`, else of the
        output the model scores highest (the only one of a regressor)."""
        return [
            {
                **explanation,
                "explained": self.output.format(
                    label=repr(self.labels[at]) if self.labels else ""
                ),
                "method": self.method,
            }
            for at, explanation in per_row(found, self.features, chosen)
        ]

    def _class_asked(self, query: str) -> int | None:
        """The index of the class `?class=` names, checked; None if none is."""
        asked = parse_qs(query, keep_blank_values=True).get("class")
        if not asked:
            return None
        label = asked[-1]
        if not self.labels:
            raise ClientError(
                422, "invalid_class", "class: a regressor has no classes to choose"
            )
        if label not in self.labels:
            known = ", ".join(repr(known) for known in self.labels[:20])
            raise ClientError(
                422, "invalid_class", f"class: {label!r} is not one of {known}"
            )
        return self.labels.index(label)
