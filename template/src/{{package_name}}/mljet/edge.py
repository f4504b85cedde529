# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The guard every connection passes, whichever asyncio server runs it.

A backend's server builds one protocol per connection; `Guarded` wraps
that factory so that each protocol sees the connection through a
`ConnectionGuard`. The guard reads both directions (`framing.py`) and
gives every backend the same edge behaviour:

- a request head must be whole within `header_timeout` and a body within
  `body_timeout`, never pausing longer than `body_chunk_timeout`: a client
  that stalls gets 408 and its connection closed, and holds nothing but
  this small object meanwhile;
- a request the server has not begun to answer within `request_timeout`
  gets 504; the server's late answer is dropped;
- an idle keep-alive connection closes after `keep_alive_timeout`;
- malformed framing, an over-long request line or head, a declared body
  over the limit, or both Content-Length and Transfer-Encoding are refused
  here, with the service's JSON error, before the server parses them;
- at shutdown (`shutdown.py`), responses carry `Connection: close`, and a
  request arriving on a kept-alive connection is answered 503
  `shutting_down` instead of meeting a closed socket.

Errors are answered, then the connection half-closed and read to its end
for a moment (a lingering close), so that unread input does not turn the
close into a reset that destroys the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast

import orjson

from . import shutdown
from .errors import SHUTTING_DOWN, ClientError
from .framing import RequestFraming, ResponseFraming
from .guarded_transport import GuardedTransport
from .logs import REQUEST_ID_HEADER, identified, request_id
from .settings import Settings

# How long an answered error waits for the client to stop sending.
LINGER = 2.0
# The guard closes idle connections and times requests out; a server's own
# timers for the same are set this much later, so that they never fire first.
SERVER_TIMER_MARGIN = 5.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EdgeLimits:
    """The sizes and times every connection is held to (from `Settings`)."""

    max_body_bytes: int
    header_timeout: float
    body_timeout: float
    body_chunk_timeout: float
    keep_alive_timeout: float
    request_timeout: float

    @classmethod
    def of(cls, settings: Settings) -> EdgeLimits:
        timeouts = settings.timeouts
        return cls(
            max_body_bytes=settings.max_body_bytes,
            header_timeout=timeouts.header,
            body_timeout=timeouts.body,
            body_chunk_timeout=timeouts.body_chunk,
            keep_alive_timeout=timeouts.keep_alive,
            request_timeout=timeouts.request,
        )


class Guarded:
    """A protocol factory like `factory`, each protocol behind a guard.

    An object, not a closure, so that a server can hand it to the worker
    processes it spawns (it pickles).
    """

    def __init__(
        self, factory: Callable[..., asyncio.Protocol], limits: EdgeLimits
    ) -> None:
        self.factory = factory
        self.limits = limits

    def __call__(self, *args: Any, **kwargs: Any) -> asyncio.Protocol:
        return ConnectionGuard(self.factory(*args, **kwargs), self.limits)


def error_response(refusal: ClientError, given_id: str) -> bytes:
    """A whole HTTP response carrying the service's JSON error, closing."""
    body = orjson.dumps(refusal.to_json())
    reason = HTTPStatus(refusal.status).phrase
    return b"".join(
        [
            f"HTTP/1.1 {refusal.status} {reason}\r\n".encode(),
            b"content-type: application/json\r\n",
            f"content-length: {len(body)}\r\n".encode(),
            f"{REQUEST_ID_HEADER.lower()}: {given_id}\r\n".encode(),
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class ConnectionGuard(asyncio.Protocol):
    """One connection, between the transport and the server's protocol."""

    def __init__(self, inner: asyncio.Protocol, limits: EdgeLimits) -> None:
        self.inner = inner
        self.limits = limits
        self.requests = RequestFraming(limits.max_body_bytes)
        self.responses = ResponseFraming(self.requests)
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        now = self.loop.time()
        self.last_read = now
        self.phase_started = now
        self.idle_since = now
        # The server closed the connection while it was idle at shutdown;
        # the guard keeps it open for DRAIN_GRACE.
        self.server_closed = False
        self.reading_paused = False
        self.finishing = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._held: list[bytes] = []
        self._arm()

    # asyncio.Protocol, from the transport
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but
        # have its methods.
        self.transport = cast(asyncio.Transport, transport)
        shutdown.CONNECTIONS.add(self)
        self.inner.connection_made(GuardedTransport(self, self.transport))
        if shutdown.started():
            self.drain()

    def data_received(self, data: bytes) -> None:
        now = self.loop.time()
        self.last_read = now
        if self.finishing:
            return
        if self.requests.idle:
            if shutdown.started() and self._answered():
                self.finish(SHUTTING_DOWN, answer=True)
                return
            self.phase_started = now
        was_in_head = self.requests.in_head
        completed = self.requests.completed
        forward = self.requests.feed(data)
        if forward and not self.server_closed:
            self.inner.data_received(forward)
        refusal = self.requests.refusal
        if refusal is not None:
            self.finish(refusal, answer=self._answered())
            return
        if (was_in_head and self.requests.in_body) or (
            self.requests.completed > completed and self.requests.idle
        ):
            # A body's clock starts when its head ends, an answer's when
            # its request ends.
            self.phase_started = now
        self._arm()

    def eof_received(self) -> bool | None:
        if self.finishing:
            return None
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        shutdown.CONNECTIONS.discard(self)
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    # From the server's protocol, through GuardedTransport
    def write(self, data: bytes) -> None:
        if self.finishing or self.transport is None:
            return
        started = self.responses.started
        completed = self.responses.completed
        out = self.responses.feed(data)
        if out:
            self._send(out)
        now = self.loop.time()
        if self.responses.completed > completed and self._idle():
            self.idle_since = now
            if self.responses.closes:
                # Marked while draining: the server may not know to close.
                self.transport.close()
                return
        if self.responses.started > started and self.responses.awaited:
            # A pipelined request's answer starts its clock now.
            self.phase_started = now
        self._arm()

    def _send(self, out: bytes) -> None:
        """Write `out`; or, while its response is unfinished, hold it until
        the response ends or this turn of the loop does: a server that
        writes a head and its body apart (uvicorn) so sends them in one
        system call and one segment."""
        assert self.transport is not None
        held = self._held
        if self.responses.in_progress:
            if not held:
                _release_at_turn_end(self)
            held.append(out)
        elif held:
            held.append(out)
            self.release()
        else:
            self.transport.write(out)

    def release(self) -> None:
        """Write what `_send` holds (before anything else is written)."""
        held = self._held
        if held and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(held))
        held.clear()

    def server_close(self) -> None:
        """The server closes: at shutdown, an idle connection waits a moment,
        and a request the server drops unanswered is answered 503."""
        if self.transport is None or self.finishing:
            return
        self.release()
        if shutdown.started() and self._idle():
            self.server_closed = True
            self._arm()
            return
        if shutdown.started() and not self.responses.in_progress:
            # A server may stop with a request read and not yet handled (one
            # cancels its handler): its client is told to go, as at the edge.
            self.server_closed = True
            self.finish(SHUTTING_DOWN, answer=True)
            return
        self.transport.close()

    def drain(self) -> None:
        self.responses.close_next = True
        if self._idle():
            self.idle_since = self.loop.time()
        self._arm()

    def finish(self, refusal: ClientError, *, answer: bool) -> None:
        """Answer `refusal` (unless another answer is due first), then close
        once the client stops sending."""
        if self.transport is None or self.finishing:
            return
        self.finishing = True
        # The request never reached the service: the edge identifies it.
        given_id = request_id(None)
        if refusal is not SHUTTING_DOWN:
            with identified(given_id):
                level = logging.ERROR if refusal.status >= 500 else logging.INFO
                logger.log(level, "answered at the edge: %s %s (%s)",
                           refusal.status, refusal.code, refusal.message)  # fmt: skip
        self.release()
        if answer:
            self.transport.write(error_response(refusal, given_id))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        if self.reading_paused:
            self.transport.resume_reading()
        self.phase_started = self.loop.time()
        self._arm()

    def _answered(self) -> bool:
        """Every request so far has its whole answer: the guard may answer."""
        return not (self.responses.awaited or self.responses.in_progress)

    # Timers: one per connection, re-armed only when a deadline moves nearer.
    def _idle(self) -> bool:
        return self.requests.idle and self._answered()

    def _deadline(self) -> float | None:
        limits = self.limits
        if self.finishing:
            return self.phase_started + LINGER
        if self.requests.in_head:
            return min(
                self.phase_started + limits.header_timeout,
                self.last_read + limits.body_chunk_timeout,
            )
        if self.requests.in_body:
            if self.reading_paused:
                return None
            return min(
                self.phase_started + limits.body_timeout,
                self.last_read + limits.body_chunk_timeout,
            )
        if self.responses.awaited:
            return self.phase_started + limits.request_timeout
        if self.responses.in_progress:
            return None
        if shutdown.started():
            return self.idle_since + shutdown.DRAIN_GRACE
        return self.idle_since + limits.keep_alive_timeout

    def _arm(self) -> None:
        deadline = self._deadline()
        if deadline is None:
            return
        if self._timer is not None:
            if self._timer_at <= deadline:
                return
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self.loop.call_at(deadline, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        deadline = self._deadline()
        if deadline is None or self.transport is None:
            return
        if deadline > self.loop.time():
            self._arm()
            return
        self._expire()

    def _expire(self) -> None:
        assert self.transport is not None
        if self.finishing or self._idle():
            self.transport.close()
        elif self.requests.in_head or self.requests.in_body:
            self.finish(
                ClientError(408, "request_timeout", "the request was not sent in time"),
                answer=self._answered(),
            )
        else:
            timeout = self.limits.request_timeout
            self.finish(
                ClientError(
                    504, "timeout", f"the model gave no answer within {timeout:g} s"
                ),
                answer=not self.responses.in_progress,
            )


# Per event loop, the guards holding bytes until its turn ends: one
# callback a turn releases them all.
_HOLDING: dict[asyncio.AbstractEventLoop, list[ConnectionGuard]] = {}


def _release_at_turn_end(guard: ConnectionGuard) -> None:
    holding = _HOLDING.get(guard.loop)
    if holding is None:
        holding = _HOLDING[guard.loop] = []
        guard.loop.call_soon(_release_held, guard.loop)
    holding.append(guard)


def _release_held(loop: asyncio.AbstractEventLoop) -> None:
    for guard in _HOLDING.pop(loop):
        guard.release()
