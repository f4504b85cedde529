# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""What every protocol is to the core: its name, its routes, its part of the
OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ClientError
from ..routes import Reply, Route, json_reply
from ..settings import Settings
from ..spec import ServiceSpec


@dataclass(frozen=True)
class ExampleCall:
    """A POST a client of a protocol sends: to `path`, with `body`."""

    protocol: str
    path: str
    body: Any


class SpokenProtocol:
    """A protocol for one service. `readiness()` is why the service cannot
    predict yet (a 503), or None."""

    name = ""

    def __init__(
        self,
        spec: ServiceSpec,
        settings: Settings,
        readiness: Callable[[], ClientError | None],
    ) -> None:
        self.spec = spec
        self.max_instances = settings.max_instances
        self.readiness = readiness

    def routes(self) -> list[Route]:
        """Its routes, each answering or predicting."""
        raise NotImplementedError

    def document(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Its OpenAPI paths, and the schemas they refer to."""
        return {}, {}

    def example_call(self) -> ExampleCall | None:
        """A request of the protocol for the first example (the model page
        shows it), or None."""
        return None

    def when_ready(self, payload: Any, refuse: Callable[[ClientError], Reply]) -> Reply:
        """`payload` once the service can predict; else why not, as `refuse`
        writes it (a 503)."""
        not_ready = self.readiness()
        if not_ready is not None:
            return refuse(not_ready)
        return json_reply(200, payload)


def protocol_error(error: ClientError, body: Any) -> Reply:
    """`body`, a protocol's own error for `error`: a value that does not fit
    the model, 422 on the service's own routes, is a 400 in the protocols,
    which know no 422. The code is noted for the log and the metrics."""
    status = 400 if error.status == 422 else error.status
    return replace(json_reply(status, body), error=error.code)
