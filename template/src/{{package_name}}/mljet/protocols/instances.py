# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The service's own protocol: `POST /<method>` with `{"instances": [...]}`,
answered `{"predictions": [...]}`. Its part of the OpenAPI document is the
service's own (`openapi.py`)."""

from __future__ import annotations

import functools

from ..routes import POST, Asked, Incoming, Route, json_reply, require_json
from ..validation import parse_batch
from .base import SpokenProtocol

NAME = "instances"


class Instances(SpokenProtocol):
    """A route per prediction method of the model."""

    name = NAME

    def routes(self) -> list[Route]:
        return [
            Route(POST, f"/{m}", predicts=functools.partial(self.parse, m))
            for m in self.spec.methods
        ]

    def parse(self, method: str, incoming: Incoming) -> Asked:
        require_json(incoming)
        batch = parse_batch(incoming.body, self.spec, self.max_instances)
        return Asked(
            batch,
            (method,),
            lambda outputs: json_reply(200, {"predictions": outputs[method]}),
        )
