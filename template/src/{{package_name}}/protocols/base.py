"""What every protocol is to the core: its name, its routes, its part of the
OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ClientError
from ..routes import Route
from ..settings import Settings
from ..spec import ServiceSpec


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
