# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The golden answers: what the service answers its examples, as its tests
replay them (`tests/golden.json`).

Recorded at generation from the model; recorded again by
`python tests/record_golden.py` after the owner changes what the service
answers (`model.py`), through the whole prediction path, seam included:
the examples sent as one request, and each sent alone; and, where the
service explains, their explanations.
"""

from __future__ import annotations

from typing import Any

import orjson

from .routes import JSON, Incoming
from .service import PredictionService


def record(service: PredictionService, tolerance: float) -> dict[str, Any]:
    """`tests/golden.json`'s content for `service` (loaded), its examples
    as clients send them; `tolerance` as recorded at generation (0 for the
    model's own library, else the converted model's)."""
    spec = service.spec
    instances = [dict(example) for example in spec.examples]
    methods = list(spec.methods)
    return {
        "feature_names": spec.feature_names,
        "methods": methods,
        "instances": instances,
        "predictions": {m: _predicted(service, m, instances) for m in methods},
        "predictions_alone": {
            m: [_predicted(service, m, [one])[0] for one in instances] for m in methods
        },
        "explanations": _explained(service, instances),
        "explanation_tolerance": (spec.explanation or {}).get("tolerance", 0),
        "tolerance": tolerance,
    }


def _explained(
    service: PredictionService, instances: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The examples' explanations, where the service explains."""
    route = next((r for r in service.routes if r.path == "/explain"), None)
    if route is None:
        return []
    body = orjson.dumps({"instances": instances})
    reply = route.answer(Incoming("POST", "/explain", {"Content-Type": JSON}, body))
    answer = orjson.loads(reply.body)
    if reply.status != 200:
        raise RuntimeError(f"POST /explain of the examples answered {answer}")
    kept = ("output", "base_value", "contributions")
    return [{key: one[key] for key in kept} for one in answer["explanations"]]


def _predicted(
    service: PredictionService, method: str, instances: list[dict[str, Any]]
) -> list[Any]:
    reply = service.predict(method, orjson.dumps({"instances": instances}), JSON)
    answer = orjson.loads(reply.body)
    if reply.status != 200:
        raise RuntimeError(f"POST /{method} of the examples answered {answer}")
    predictions: list[Any] = answer["predictions"]
    return predictions
