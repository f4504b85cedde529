# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""What the service core and a backend's glue exchange, framework-free.

The core lists its `Route`s; the glue registers each with one endpoint
function of its framework, hands the core an `Incoming` request and sends
back the `Reply`. `BodyLimit` reads a body, from whatever the framework
offers, no further than the limit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import orjson

from .errors import ClientError
from .validation import Batch

GET = ("GET", "HEAD")
POST = ("POST",)
JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """A response as bytes: status, body, content type and other headers."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    # Rows predicted, and a client error's code: for the access log and
    # the metrics (not sent).
    rows: int | None = None
    error: str | None = None

    # Made directly: `dataclasses.replace` costs several times as much, on
    # every request.
    def with_headers(self, headers: Mapping[str, str]) -> Reply:
        return Reply(
            self.status, self.body, self.content_type, headers, self.rows, self.error
        )

    def with_rows(self, rows: int) -> Reply:
        """The reply, noting how many rows it predicted (for the access log)."""
        return Reply(
            self.status, self.body, self.content_type, self.headers, rows, self.error
        )


def json_reply(status: int, payload: Any) -> Reply:
    return Reply(status, orjson.dumps(payload))


def error_reply(error: ClientError) -> Reply:
    """The JSON error body of `error`, its code noted for the log and metrics."""
    return replace(json_reply(error.status, error.to_json()), error=error.code)


class Headers(Protocol):
    """A request's headers, as every framework holds them: looked up by name."""

    def get(self, name: str, /) -> str | None: ...


@dataclass(frozen=True)
class Incoming:
    """What the core needs of a request, whichever framework received it.

    `headers` is the framework's own headers object, whose lookups ignore
    case (a plain dict, in tests, needs the names as the core spells them).
    """

    method: str
    path: str
    headers: Headers
    body: bytes = b""
    params: Mapping[str, str] = field(default_factory=dict)
    # The query string, as sent (without its "?").
    query: str = ""

    def with_body(self, body: bytes) -> Incoming:
        return Incoming(
            self.method, self.path, self.headers, body, self.params, self.query
        )

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def request_id(self) -> str | None:
        """The client's X-Request-ID, as sent (`logs.request_id` checks it)."""
        return self.headers.get("X-Request-ID")


def require_json(incoming: Incoming) -> None:
    """Refuse a body declared as something other than JSON (none is JSON)."""
    content_type = incoming.content_type
    if not content_type:
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != JSON and not media_type.endswith("+json"):
        raise not_json(media_type)


def not_json(media_type: str, accepted: str = JSON) -> ClientError:
    """The 415 for a body declared as `media_type`: what to send instead,
    and how with curl (whose `-d` alone declares a form)."""
    return ClientError(
        415,
        "unsupported_media_type",
        f"Content-Type must be {accepted}, got {media_type!r}: send the header "
        f"'Content-Type: {JSON}' (curl: -H 'Content-Type: {JSON}' -d BODY, or "
        "--json BODY; curl -d alone sends a form)",
    )


@dataclass(frozen=True)
class Asked:
    """A prediction request, read and validated by its protocol: the rows,
    the model methods it needs, and how the protocol answers their outputs
    (one list per method, one item per row)."""

    batch: Batch
    methods: tuple[str, ...]
    reply: Callable[[Mapping[str, list[Any]]], Reply]


def _no_answer(incoming: Incoming) -> Reply:
    raise NotImplementedError("a prediction route is answered by the core")


@dataclass(frozen=True)
class Route:
    """A path, the methods it answers, and its answer.

    Path parameters are written `{name}`. A route either `answer`s by
    itself, or `predicts`: it reads the request into an `Asked` (raising a
    `ClientError`), and the core calls the model, through the batcher and
    off the event loop, and has the protocol shape the reply. `refuse`
    writes an error in the protocol's shape. A `blocking` route's answer
    asks the model itself, for a while (an explanation): the core runs it
    off the event loop, on a thread of its own.
    """

    methods: tuple[str, ...]
    path: str
    answer: Callable[[Incoming], Reply] = _no_answer
    predicts: Callable[[Incoming], Asked] | None = None
    refuse: Callable[[ClientError], Reply] = error_reply
    blocking: bool = False

    @property
    def calls_model(self) -> bool:
        """Whether its answers come from the model (counted as such)."""
        return self.predicts is not None or self.blocking

    @property
    def reads_body(self) -> bool:
        return "POST" in self.methods

    def path_as(self, opening: str, closing: str) -> str:
        """The path with its parameters in a framework's own syntax."""
        return self.path.replace("{", opening).replace("}", closing)

    def matches(self, path: str) -> bool:
        """Whether `path` is this route's (a parameter is one path segment)."""
        return _pattern(self.path).fullmatch(path) is not None


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}/]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


# The most digits a size in a header may have: more is beyond any limit.
MAX_SIZE_DIGITS = 18


def whole_number(text: str) -> int | None:
    """A header's `text` as a size when it is HTTP's `1*DIGIT` (ASCII digits
    only, which `str.isdigit` alone is not), else None."""
    if 0 < len(text) <= MAX_SIZE_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None


class BodyLimit:
    """The largest body a request may have, refused as early as possible."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def exceeded_by(self, size: int) -> bool:
        return size > self.max_bytes

    def refuses(self, declared: int | str | None) -> bool:
        """Whether a declared Content-Length is already too large."""
        if isinstance(declared, str):
            declared = whole_number(declared)
        return declared is not None and self.exceeded_by(declared)

    async def read(
        self, body: bytes | AsyncIterable[bytes], declared: int | str | None
    ) -> bytes | None:
        """The whole body, or None as soon as it is known to exceed the limit."""
        if self.refuses(declared):
            return None
        if isinstance(body, bytes):
            return None if self.exceeded_by(len(body)) else body
        chunks: list[bytes] = []
        size = 0
        async for chunk in body:
            size += len(chunk)
            if self.exceeded_by(size):
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def read_blocking(
        self, read: Callable[[int], bytes], declared: int | str | None
    ) -> bytes | None:
        """The same from a blocking stream's `read(size)`."""
        if self.refuses(declared):
            return None
        body = read(self.max_bytes + 1)
        return None if self.exceeded_by(len(body)) else body
