# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The replies a backend's glue asks for where its framework answers by
itself: a route it did not find, a method the route does not take, a body
too large, an error it raised, a request that failed (a bug). Each is the
service's own JSON error, identified, counted and logged like any answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from . import metrics
from .errors import ClientError, body_too_large
from .logs import answering
from .routes import Reply, Route, error_reply, json_reply
from .settings import Settings

logger = logging.getLogger(__name__)


class ServerErrors:
    """The error replies of a service with `routes`, `methods` and `settings`."""

    settings: Settings

    @property
    def routes(self) -> list[Route]:
        raise NotImplementedError

    @property
    def methods(self) -> Sequence[str]:
        raise NotImplementedError

    def too_large(self) -> Reply:
        return error_reply(body_too_large(self.settings.max_body_bytes))

    def not_found(self, method: str, path: str) -> Reply:
        routes = ", ".join(f"POST /{m}" for m in self.methods)
        return error_reply(
            ClientError(
                404,
                "not_found",
                f"no route for {method} {path}; prediction routes: {routes}; "
                "see /docs",
            )
        )

    def method_not_allowed(self, method: str, path: str) -> Reply:
        """405 with the methods the path takes, or 404 if it is no route's
        (a framework may answer 405 for a path it matched loosely, such as
        one with a trailing slash)."""
        allowed = [
            m for route in self.routes if route.matches(path) for m in route.methods
        ]
        if not allowed:
            return self.not_found(method, path)
        error = ClientError(
            405, "method_not_allowed", f"{method} is not allowed on {path}"
        )
        return replace(error_reply(error), headers={"Allow": ", ".join(allowed)})

    def framework_error(
        self, status: int, method: str, path: str, request_id: str | None = None
    ) -> Reply:
        """The shared reply for an error the web framework raised itself,
        logged and identified like any other answer."""
        with answering(metrics.UNMATCHED, method, path, request_id) as access:
            return access.answered(self._framework_error(status, method, path))

    def failed(
        self, method: str, path: str, error: Exception, request_id: str | None = None
    ) -> Reply:
        """The 500 for a request that raised `error` (a bug, in the service
        or the owner's code), identified like any other answer; the log has
        the traceback, the client only that the service failed."""
        with answering(metrics.UNMATCHED, method, path, request_id) as access:
            logger.error("%s %s failed: %r", method, path, error, exc_info=error)
            return access.answered(self.internal_error())

    def _framework_error(self, status: int, method: str, path: str) -> Reply:
        if status == 404:
            return self.not_found(method, path)
        if status == 405:
            return self.method_not_allowed(method, path)
        if status == 413:
            return self.too_large()
        if 400 <= status < 500:
            logger.info("HTTP %s from the server on %s %s", status, method, path)
            return error_reply(
                ClientError(
                    status, "bad_request", f"the server refused {method} {path}"
                )
            )
        logger.error("HTTP %s from the server on %s %s", status, method, path)
        return self.internal_error()

    def internal_error(self) -> Reply:
        return json_reply(
            500,
            {
                "error": {
                    "status": 500,
                    "code": "internal_error",
                    "message": "the service failed; the details are in its log",
                }
            },
        )
