# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""MLflow's scoring protocol: `POST /invocations`, `GET /ping`.

A client of an MLflow model server (`mlflow models serve`, SageMaker,
Azure ML) sends one of the forms MLflow reads, and gets the model's
`predict` as `{"predictions": [...]}`:

- `dataframe_split`: `{"columns": [...], "data": [[...], ...]}`, what
  `DataFrame.to_dict(orient="split")` writes (`index` is ignored; without
  `columns`, values are in feature order);
- `dataframe_records`: `[{feature: value, ...}, ...]`;
- `instances` or `inputs`: rows (objects, or arrays in feature order), or
  one object of columns, `{feature: [values]}`.

MLflow's client writes a missing value as `NaN`, which is no JSON: read
here as null, allowed only where the feature may be missing. Errors are
MLflow's `{"error_code": "...", "message": "..."}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from ..errors import ClientError
from ..routes import GET, POST, Asked, Incoming, Reply, Route, json_reply, require_json
from ..validation import (
    Batch,
    too_many_instances,
    validated_columns,
    validated_rows,
)
from . import documents
from .base import ExampleCall, SpokenProtocol, protocol_error

NAME = "mlflow"
FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
# MLflow's error codes, by status.
ERROR_CODES = {
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    413: "REQUEST_LIMIT_EXCEEDED",
    422: "INVALID_PARAMETER_VALUE",
    503: "TEMPORARILY_UNAVAILABLE",
}


class MlflowScoring(SpokenProtocol):
    """MLflow's routes, and how `/invocations` is read and answered."""

    name = NAME

    def document(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return documents.mlflow(self.spec, self.max_instances)

    def example_call(self) -> ExampleCall:
        return ExampleCall(
            "MLflow scoring protocol",
            "/invocations",
            documents.invocations_body(self.spec, self.spec.examples[:1]),
        )

    def routes(self) -> list[Route]:
        return [
            Route(GET, "/ping", self._ping, refuse=refuse),
            Route(POST, "/invocations", predicts=self.parse, refuse=refuse),
        ]

    def _ping(self, incoming: Incoming) -> Reply:
        return self.when_ready({"status": "ready"}, refuse)

    def parse(self, incoming: Incoming) -> Asked:
        require_json(incoming)
        document = _document(incoming.body)
        given = [key for key in FORMATS if key in document]
        unknown = sorted(set(document) - {*FORMATS, "params"})
        if len(given) != 1 or unknown:
            raise _bad(
                f"the body must have exactly one of {', '.join(FORMATS)}"
                + (f"; unknown field(s): {', '.join(unknown)}" if unknown else "")
                + (f"; got {', '.join(given)}" if len(given) > 1 else "")
            )
        params = document.get("params", {})
        if not isinstance(params, dict):
            raise _bad("'params' must be an object")
        if params:
            raise _bad(f"this model takes no params; got {', '.join(params)}")
        form = given[0]
        batch = self._batch(form, document[form])
        return Asked(batch, ("predict",), _predictions)

    def _batch(self, form: str, value: Any) -> Batch:
        if form == "dataframe_split":
            return self._split(value)
        if form in ("instances", "inputs") and isinstance(value, dict):
            return self._columns(form, value)
        if not isinstance(value, list) or not value:
            raise _bad(f"'{form}' must be a non-empty array of rows")
        if len(value) > self.max_instances:
            raise too_many_instances(len(value), self.max_instances)
        if form == "dataframe_records" and not all(isinstance(r, dict) for r in value):
            raise _bad("'dataframe_records' must be an array of objects")
        return validated_rows(value, self.spec)

    def _split(self, frame: Any) -> Batch:
        if not isinstance(frame, dict) or not isinstance(frame.get("data"), list):
            raise _bad("'dataframe_split' must be an object with 'data' (rows)")
        rows = frame["data"]
        if not rows:
            raise _bad("'dataframe_split' has no rows")
        if len(rows) > self.max_instances:
            raise too_many_instances(len(rows), self.max_instances)
        if not isinstance(frame.get("index", []), list):
            raise _bad("'index' must be an array")
        names = frame["columns"] if "columns" in frame else self.spec.feature_names
        if not isinstance(names, list) or not all(isinstance(c, str) for c in names):
            raise _bad("'columns' must be an array of feature names")
        self._check_names(names)
        if not all(isinstance(r, list) and len(r) == len(names) for r in rows):
            raise _bad(f"each row of 'data' must be an array of {len(names)} values")
        if names == self.spec.feature_names:
            # Rows in feature order are instances as arrays already: no
            # object per row (a model of numbers reads them in one pass).
            return validated_rows(rows, self.spec)
        return validated_rows(
            [dict(zip(names, row, strict=True)) for row in rows], self.spec
        )

    def _columns(self, form: str, columns: dict[str, Any]) -> Batch:
        self._check_names(list(columns))
        lengths = {len(v) if isinstance(v, list) else -1 for v in columns.values()}
        if len(lengths) != 1 or -1 in lengths or 0 in lengths:
            raise _bad(f"the columns of '{form}' must be arrays of one length")
        size = lengths.pop()
        if size > self.max_instances:
            raise too_many_instances(size, self.max_instances)
        return validated_columns(dict(columns), size, self.spec)

    def _check_names(self, names: list[str]) -> None:
        expected = self.spec.feature_names
        unknown = [n for n in names if n not in expected]
        missing = [n for n in expected if n not in names]
        if unknown or missing or len(names) != len(set(names)):
            raise _bad(
                "the columns must be the features, each once: "
                + "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"unknown {', '.join(unknown)}" if unknown else "",
                    )
                    if part
                )
                + f" (features: {', '.join(expected)})"
            )


def _predictions(outputs: Mapping[str, list[Any]]) -> Reply:
    return json_reply(200, {"predictions": outputs["predict"]})


def _document(body: bytes) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        # MLflow's client writes NaN for a missing value: Python's reader
        # takes it (as null here); anything else it refuses too.
        try:
            document = json.loads(body, parse_constant=_constant)
        except (ValueError, RecursionError) as error:
            raise ClientError(
                400, "invalid_json", f"the request body is not valid JSON: {error}"
            ) from None
    if not isinstance(document, dict):
        raise _bad(f"the body must be a JSON object with one of {', '.join(FORMATS)}")
    return document


def _constant(name: str) -> float | None:
    # NaN is a missing value; an infinity stays one, which validation refuses.
    return None if name == "NaN" else float(name)


def _bad(message: str) -> ClientError:
    return ClientError(400, "invalid_body", message)


def refuse(error: ClientError) -> Reply:
    """MLflow's error: `{"error_code": ..., "message": ...}`, each problem
    named by its row and feature. A value that does not fit is a 400."""
    code = ERROR_CODES.get(error.status, "BAD_REQUEST")
    return protocol_error(
        error, {"error_code": code, "message": error.as_text("feature")}
    )
