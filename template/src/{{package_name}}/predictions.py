"""One path for every prediction, whichever protocol asked for it.

The route's protocol reads the request into an `Asked` (its validated rows
and the model methods it needs); the model calls go through the batcher
(off the event loop); the protocol shapes the outputs. A refusal at any
step is answered in the protocol's own error shape.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from . import metrics
from .batching import ModelCalls
from .errors import NOT_READY, ClientError
from .routes import Asked, Incoming, Reply, Route

# Errors a model raises for input that fits the schema yet it refuses.
MODEL_REFUSALS = (ValueError, TypeError, OverflowError)
# A body this large is validated off the event loop, which keeps serving.
PARSE_ON_LOOP_BYTES = 64 * 1024


def predict(
    calls: ModelCalls | None, route: Route, incoming: Incoming, by_class: bool
) -> Reply:
    """Answer a prediction route on the server's thread; `by_class`: count
    the predicted labels (a classifier's)."""
    if calls is None:
        return route.refuse(NOT_READY)
    asked = _ask(route, incoming)
    if isinstance(asked, Reply):
        return asked
    try:
        outputs = {m: calls.call(m, asked.batch) for m in asked.methods}
    except MODEL_REFUSALS as error:
        return route.refuse(_refused(error))
    return _answered(asked, outputs, by_class)


async def predict_async(
    calls: ModelCalls | None, route: Route, incoming: Incoming, by_class: bool
) -> Reply:
    """The same on an event loop: the model runs on another thread."""
    if calls is None:
        return route.refuse(NOT_READY)
    if len(incoming.body) > PARSE_ON_LOOP_BYTES:
        asked = await asyncio.to_thread(_ask, route, incoming)
    else:
        asked = _ask(route, incoming)
    if isinstance(asked, Reply):
        return asked
    try:
        # Several methods (a protocol asking for more than one output) wait
        # for their model calls together.
        answers = await asyncio.gather(
            *(calls.call_async(m, asked.batch) for m in asked.methods)
        )
    except MODEL_REFUSALS as error:
        return route.refuse(_refused(error))
    return _answered(asked, dict(zip(asked.methods, answers, strict=True)), by_class)


def _ask(route: Route, incoming: Incoming) -> Asked | Reply:
    """The validated request, or the reply refusing it."""
    assert route.predicts is not None
    try:
        return route.predicts(incoming)
    except ClientError as error:
        return route.refuse(error)


def _answered(asked: Asked, outputs: dict[str, list[Any]], by_class: bool) -> Reply:
    if by_class and "predict" in outputs:
        metrics.predicted(outputs["predict"])
    return replace(asked.reply(outputs), rows=asked.batch.size)


def _refused(error: Exception) -> ClientError:
    """The model refused input that fits the schema: a 422 naming its reason."""
    message = str(error).splitlines()[0][:300] if str(error) else repr(error)
    return ClientError(422, "model_rejected_input", f"the model refused: {message}")
