"""What happens to each request before the model sees it, and to the model's
answers before the client does: yours to change.

`prepare` and `finish` run for every prediction, on every route and
protocol (`/predict`, `/predict_proba`, the Open Inference Protocol,
MLflow's `/invocations`), once per request, on that request's rows alone.
Concurrent requests may then share one model call; `prepare` must so treat
each row on its own. Both do nothing until you change them.

Raise a ValueError for input the model cannot take: the client gets a 422
with its message, as when the model itself refuses. After a change here,
record the answers the service's tests expect again, then run them:

    python tests/record_golden.py && python -m pytest

README.md, "Change it", has a worked example.
"""

from __future__ import annotations

from typing import Any

from .mljet.seam import Answers, Columns, Field

# Inputs clients send that the model does not take (each a Field: name,
# kind, an example value), and the model's features `prepare` computes from
# them, which clients then no longer send. Validation, /openapi.json and
# /metadata follow. For example:
#     SENT = (Field("income", "float", example=52000.0),)
#     COMPUTED = ("log_income",)
SENT: tuple[Field, ...] = ()
COMPUTED: tuple[str, ...] = ()

# Model methods `finish` reads besides the one it finishes. For example
# {"predict": ("predict_proba",)}, to choose the labels by probability.
READS: dict[str, tuple[str, ...]] = {}


def prepare(columns: Columns) -> Columns:
    """One request's rows, before the model: the validated value of each
    input, by name, one list per input (a row's values share a position).
    Return the model's features, by name, as lists (or arrays) as long."""
    return columns


def finish(method: str, answers: Answers) -> list[Any]:
    """What the client gets from `method` for one request's rows.

    `answers[method]` is the model's answer for each row: a label or a value
    for `predict`, a {class: probability} object for `predict_proba`. With
    `READS`, `answers` also holds the other methods' answers.
    """
    return answers[method]
