# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""One path for every prediction, whichever protocol asked for it.

The route's protocol reads the request into an `Asked` (its validated rows
and the model methods it needs); the owner's `prepare` turns the rows into
the model's columns; the model calls go through the batcher (off the event
loop); the owner's `finish` turns the model's answers into the client's;
the protocol shapes them. A refusal at any step is answered in the
protocol's own error shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import metrics
from .batching import ModelCalls
from .errors import NOT_READY, ClientError
from .routes import Asked, Incoming, Reply, Route
from .seam import Seam
from .validation import Batch

# Errors a model (or the seam around it) raises for input that fits the
# schema yet it refuses.
MODEL_REFUSALS = (ValueError, TypeError, OverflowError)
# A body this large is validated off the event loop, which keeps serving.
PARSE_ON_LOOP_BYTES = 64 * 1024


@dataclass(frozen=True)
class Predictor:
    """The loaded model as requests reach it: through the owner's seam,
    then `calls` (batched or one by one).

    `features` are the model's own, in its order; `by_class`: count the
    predicted labels (a classifier's) in the metrics.
    """

    calls: ModelCalls
    seam: Seam
    features: tuple[str, ...]
    by_class: bool

    def outputs(self, asked: Asked) -> dict[str, list[Any]]:
        """The answers of `asked`'s methods, on the server's thread."""
        return self.answers(asked.batch, asked.methods)

    def answers(self, rows: Batch, methods: Sequence[str]) -> dict[str, list[Any]]:
        """What a client gets from each of `methods` for `rows` (its inputs)."""
        batch = self.seam.prepared(rows, self.features)
        called = self.seam.methods(methods)
        outputs = {m: self.calls.call(m, batch) for m in called}
        return self.seam.finished(methods, outputs, batch.size)

    async def outputs_async(self, asked: Asked) -> dict[str, list[Any]]:
        """The same on an event loop: the model runs on another thread."""
        batch = self.seam.prepared(asked.batch, self.features)
        methods = self.seam.methods(asked.methods)
        if len(methods) == 1:
            outputs = {methods[0]: await self.calls.call_async(methods[0], batch)}
        else:
            # Several methods (a protocol asking for more than one output,
            # or `finish` reading another) wait for their calls together.
            answers = await asyncio.gather(
                *(self.calls.call_async(m, batch) for m in methods)
            )
            outputs = dict(zip(methods, answers, strict=True))
        return self.seam.finished(asked.methods, outputs, batch.size)

    def answered(self, asked: Asked, outputs: dict[str, list[Any]]) -> Reply:
        if self.by_class and "predict" in outputs:
            metrics.predicted(outputs["predict"])
        return asked.reply(outputs).with_rows(asked.batch.size)


def predict(predictor: Predictor | None, route: Route, incoming: Incoming) -> Reply:
    """Answer a prediction route on the server's thread."""
    if predictor is None:
        return route.refuse(NOT_READY)
    asked = _ask(route, incoming)
    if isinstance(asked, Reply):
        return asked
    try:
        outputs = predictor.outputs(asked)
    except MODEL_REFUSALS as error:
        return route.refuse(model_refused(error))
    return predictor.answered(asked, outputs)


async def predict_async(
    predictor: Predictor | None, route: Route, incoming: Incoming
) -> Reply:
    """The same on an event loop: the model runs on another thread."""
    if predictor is None:
        return route.refuse(NOT_READY)
    if len(incoming.body) > PARSE_ON_LOOP_BYTES:
        asked = await asyncio.to_thread(_ask, route, incoming)
    else:
        asked = _ask(route, incoming)
    if isinstance(asked, Reply):
        return asked
    try:
        outputs = await predictor.outputs_async(asked)
    except MODEL_REFUSALS as error:
        return route.refuse(model_refused(error))
    return predictor.answered(asked, outputs)


def _ask(route: Route, incoming: Incoming) -> Asked | Reply:
    """The validated request, or the reply refusing it."""
    assert route.predicts is not None
    try:
        return route.predicts(incoming)
    except ClientError as error:
        return route.refuse(error)


def model_refused(error: Exception) -> ClientError:
    """The model refused input that fits the schema: a 422 naming its reason."""
    message = str(error).splitlines()[0][:300] if str(error) else repr(error)
    return ClientError(422, "model_rejected_input", f"the model refused: {message}")
