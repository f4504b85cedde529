# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Who may call which route, and from which web pages: API keys and CORS.

Both are off unless set (`settings.AccessRules`):

- `API_KEYS` / `API_KEYS_FILE`: the prediction routes answer only a request
  with `Authorization: Bearer <one of the keys>`, else 401 with the JSON
  error body and `WWW-Authenticate: Bearer`. Health, readiness and metrics
  stay open for probes and scrapers, and so do the documents and `/docs`,
  unless `PROTECT_ALL` is on. A key is compared through its SHA-256 digest
  with `hmac.compare_digest`, against every key, so the time taken tells
  nothing about how much of a key was right.
- `CORS_ORIGINS`: a page of those origins (or any, with `*`) may call the
  service from a browser. A preflight (`OPTIONS` with `Origin` and
  `Access-Control-Request-Method`) is answered 204 with what is allowed, or
  403 for an origin not listed; answers to an allowed origin carry
  `Access-Control-Allow-Origin` and expose `X-Request-ID`. Preflights need
  no key (browsers send none), the requests that follow do.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

from .errors import ClientError
from .routes import Incoming, Reply, Route
from .settings import AccessRules

# What a browser page may send and read, besides the simple headers.
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID"
EXPOSED_HEADERS = "X-Request-ID"
# How long a browser may reuse a preflight's answer, in seconds.
PREFLIGHT_MAX_AGE = "600"
OPTIONS = "OPTIONS"


class AccessControl:
    """The access settings, applied to a request before and after its answer."""

    def __init__(self, access: AccessRules) -> None:
        self._digests = tuple(_digest(key) for key in access.api_keys)
        self._protect_all = access.protect_all
        self._origins = frozenset(access.cors_origins)

    @property
    def cors(self) -> bool:
        return bool(self._origins)

    def protects(self, route: Route) -> bool:
        """Whether `route` needs a key."""
        return bool(self._digests) and (self._protect_all or route.calls_model)

    def before(self, route: Route, incoming: Incoming) -> Reply | None:
        """The answer to give instead of the route's: a preflight's, or the
        401 for a missing or wrong key; None to answer the request."""
        if incoming.method == OPTIONS:
            return self._preflight(route, incoming)
        if self.protects(route) and not self._authorized(incoming):
            return _unauthorized(route, incoming)
        return None

    def after(self, reply: Reply, incoming: Incoming) -> Reply:
        """`reply` with the CORS headers an allowed origin's page needs."""
        origin = incoming.headers.get("Origin") if self._origins else None
        if origin is None or not self._allows(origin):
            return reply
        headers = {
            **reply.headers,
            "Access-Control-Allow-Origin": self._allowed_as(origin),
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin",
        }
        return reply.with_headers(headers)

    def _preflight(self, route: Route, incoming: Incoming) -> Reply:
        headers = incoming.headers
        origin = headers.get("Origin")
        asked = headers.get("Access-Control-Request-Method")
        allowed = ", ".join(m for m in route.methods if m != OPTIONS)
        if origin is None or asked is None:
            # A plain OPTIONS request: which methods the path takes.
            return Reply(204, b"", headers={"Allow": f"{allowed}, {OPTIONS}"})
        if not self._allows(origin):
            return route.refuse(
                ClientError(
                    403, "origin_not_allowed", "this origin may not call the service"
                )
            )
        return Reply(
            204,
            b"",
            headers={
                "Access-Control-Allow-Origin": self._allowed_as(origin),
                "Access-Control-Allow-Methods": allowed,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                "Vary": "Origin",
            },
        )

    def _allows(self, origin: str) -> bool:
        return "*" in self._origins or origin in self._origins

    def _allowed_as(self, origin: str) -> str:
        # `*` only when every origin is allowed: no credentials are involved.
        return "*" if "*" in self._origins else origin

    def _authorized(self, incoming: Incoming) -> bool:
        scheme, _, key = (incoming.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        given = _digest(key.strip())
        matched = False
        for digest in self._digests:
            # Every key is compared, matched or not: the time is the same.
            matched |= hmac.compare_digest(given, digest)
        return matched


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


def _unauthorized(route: Route, incoming: Incoming) -> Reply:
    sent = incoming.headers.get("Authorization") is not None
    message = (
        "the API key is not valid"
        if sent
        else "this route needs an API key: send Authorization: Bearer <key>"
    )
    refused = route.refuse(ClientError(401, "unauthorized", message))
    return replace(refused, headers={"WWW-Authenticate": "Bearer"})
