"""The service's own protocol: `POST /<method>` with `{"instances": [...]}`,
answered `{"predictions": [...]}`. Its part of the OpenAPI document is the
service's own (`openapi.py`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..errors import ClientError
from ..routes import POST, Asked, Incoming, Route, json_reply, require_json
from ..settings import Settings
from ..spec import ServiceSpec
from ..validation import parse_batch

NAME = "instances"


class Instances:
    """A route per prediction method of the model."""

    name = NAME

    def __init__(
        self,
        spec: ServiceSpec,
        settings: Settings,
        readiness: Callable[[], ClientError | None],
    ) -> None:
        self.spec = spec
        self.max_instances = settings.max_instances

    def document(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return {}, {}

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
