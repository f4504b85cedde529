# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The service's log: one format for its lines, the request's ID in each line
logged while a request is answered, and one access line per request.

`LOG_FORMAT` is `text` (for people) or `json` (one object per line, for a
log collector). A client's `X-Request-ID` is kept when it is safe to log
and to send back (1 to 128 letters, digits and `._:@+=/-`); otherwise the
request gets a new one. Either way the response carries it.

Nothing a client sends is logged raw: an access line holds the method,
the path (control characters escaped, cut at 200 characters), the status,
the latency, the number of rows and the ID; never a body or a value. In
text lines every control character of a message is escaped, so no line
can be forged with a newline; JSON escapes them itself.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson

from . import metrics
from .owner import SERVICE_PACKAGE
from .routes import Reply

REQUEST_ID_HEADER = "X-Request-ID"
MAX_LOGGED_PATH = 200
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CURRENT: ContextVar[str] = ContextVar("request_id", default="-")
ACCESS = logging.getLogger(f"{SERVICE_PACKAGE}.access")


def request_id(given: str | None) -> str:
    """The client's ID when it is safe to log and echo, else a new one."""
    if given is not None and _SAFE_ID.fullmatch(given):
        return given
    return _new_id()


_COUNTED = itertools.count()
_prefix = os.urandom(8).hex()


def _draw_prefix() -> None:
    """A forked worker's own prefix (asking each request's process ID
    instead would cost a system call: glibc no longer caches it)."""
    global _prefix
    _prefix = os.urandom(8).hex()


os.register_at_fork(after_in_child=_draw_prefix)


def _new_id() -> str:
    """32 hex digits: a random prefix per process, then a count. Unique
    without a system call per request (os.urandom cost 1.5% of the event
    loop's time under load)."""
    return f"{_prefix}{next(_COUNTED) & 0xFFFFFFFFFFFFFFFF:016x}"


def printable(text: str) -> str:
    """`text` with every control character escaped (a newline as \\x0a)."""
    if text.isascii() and text.isprintable():
        return text
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


@dataclass(frozen=True)
class Access:
    """A request being answered: what its access line and metrics will say.

    `predicts`: the route calls the model, so a 4xx there is an input the
    model was not given (`model_rejected_inputs_total`); elsewhere a 4xx is
    counted by route and status only.
    """

    route: str
    method: str
    path: str
    request_id: str
    started: float
    predicts: bool = False

    def answered(self, reply: Reply) -> Reply:
        """Log the access line and count the answer; the reply with the
        request's ID header."""
        seconds = time.perf_counter() - self.started
        rejected = reply.error if self.predicts else None
        metrics.answered(self.route, self.method, reply.status, seconds, rejected)
        if ACCESS.isEnabledFor(logging.INFO):
            self._log(reply, seconds * 1000)
        headers = {**reply.headers, REQUEST_ID_HEADER: self.request_id}
        return reply.with_headers(headers)

    def _log(self, reply: Reply, latency: float) -> None:
        path = printable(self.path[:MAX_LOGGED_PATH])
        fields: dict[str, Any] = {
            "method": self.method,
            "path": path,
            "status": reply.status,
            "latency_ms": round(latency, 2),
        }
        message = f"{self.method} {path} {reply.status} {latency:.1f} ms"
        # Only an answer of the model has rows to count.
        if reply.rows is not None:
            fields["rows"] = reply.rows
            message += f" rows={reply.rows}"
        handler = _sole_handler()
        if handler is not None:
            handler.write_access(message, fields, self.request_id)
            return
        # Made directly: `Logger.info` would also look through the call
        # stack for a caller, which no access line shows.
        record = ACCESS.makeRecord(
            ACCESS.name, logging.INFO, __file__, 0, message, (), None,
            extra={"access": fields},
        )  # fmt: skip
        ACCESS.handle(record)


def answering(
    route: str, method: str, path: str, given_id: str | None, predicts: bool = False
) -> Answering:
    """Every line logged inside carries the request's ID (threads the
    request hands work to inherit it, as `asyncio.to_thread` copies it).
    `route` is the route's template (`metrics.UNMATCHED` for none);
    `predicts`, whether it calls the model."""
    # The method is the server's parsed token; only ours reach the core.
    method = printable(method[:16])
    started = time.perf_counter()
    access = Access(route, method, path, request_id(given_id), started, predicts)
    return Answering(access)


class Answering:
    """A request being answered, as a context (a class, not a generator:
    it is entered for every request)."""

    __slots__ = ("_token", "access")

    def __init__(self, access: Access) -> None:
        self.access = access

    def __enter__(self) -> Access:
        metrics.started()
        self._token = _CURRENT.set(self.access.request_id)
        return self.access

    def __exit__(self, *raised: object) -> None:
        _CURRENT.reset(self._token)
        # Also when the answer failed or the client left (a cancelled task).
        metrics.finished()


@contextmanager
def identified(given: str) -> Iterator[None]:
    """Every line logged inside carries the request ID `given`."""
    token = _CURRENT.set(given)
    try:
        yield
    finally:
        _CURRENT.reset(token)


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _CURRENT.get()
        return True


class _Lines(logging.Formatter):
    """A formatter that also writes access lines without a LogRecord, and
    formats each second's time once, not once a line."""

    _second = -1
    _stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self.stamp(record.created)

    def stamp(self, created: float) -> str:
        """`created` as logging's default time: `2026-01-31 12:00:00,123`."""
        second = int(created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
            self._second = second
        return f"{self._stamp},{int((created - second) * 1000):03d}"

    def access_line(self, message: str, fields: dict[str, Any], given_id: str) -> str:
        """The line `format` makes of an access record (logged now)."""
        raise NotImplementedError


TEXT_LINE = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class TextLines(_Lines):
    """`time LEVEL logger [request id] message`, control characters escaped."""

    def __init__(self) -> None:
        super().__init__(TEXT_LINE)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)

    def access_line(self, message: str, fields: dict[str, Any], given_id: str) -> str:
        # Its parts are printable already (`Access`).
        return TEXT_LINE % {
            "asctime": self.stamp(time.time()),
            "levelname": "INFO",
            "name": ACCESS.name,
            "request_id": given_id,
            "message": message,
        }


class JsonLines(_Lines):
    """One JSON object per line: time, level, logger, message, request_id,
    the access fields on access lines, and a traceback under `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        line = _json_line(
            self.formatTime(record),
            record.levelname,
            record.name,
            record.getMessage(),
            getattr(record, "request_id", "-"),
            getattr(record, "access", {}),
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()

    def access_line(self, message: str, fields: dict[str, Any], given_id: str) -> str:
        line = _json_line(
            self.stamp(time.time()), "INFO", ACCESS.name, message, given_id, fields
        )
        return orjson.dumps(line).decode()


def _json_line(
    stamp: str,
    level: str,
    logger_name: str,
    message: str,
    given_id: str,
    fields: dict[str, Any],
) -> dict[str, Any]:
    """A JSON line's object: its fixed keys, then an access line's fields."""
    return {
        "time": stamp,
        "level": level.lower(),
        "logger": logger_name,
        "message": message,
        "request_id": given_id,
        **fields,
    }


class _ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure` installs: on stderr, beside the server's.

    Access lines made on an event loop are held until that turn of the loop
    ends, then written at once: one write for all the requests a busy turn
    answers, not a system call each. Any other line, and `flush` (which
    logging also calls at exit), writes the held lines first, so the order
    holds."""

    def __init__(self) -> None:
        super().__init__()
        self._held: list[str] = []

    def write_access(self, message: str, fields: dict[str, Any], given_id: str) -> None:
        """Write an access line as `emit` would write its record."""
        formatter = self.formatter
        assert isinstance(formatter, _Lines)
        line = formatter.access_line(message, fields, given_id) + self.terminator
        loop = asyncio.events._get_running_loop()
        with self.lock:  # type: ignore[union-attr]
            if loop is None:
                self._held.append(line)
                self.flush()
                return
            if not self._held:
                loop.call_soon(self.flush)
            self._held.append(line)

    def emit(self, record: logging.LogRecord) -> None:
        if self._held:
            self.flush()
        super().emit(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if self._held:
                self.stream.write("".join(self._held))
                self._held.clear()
            super().flush()


def _sole_handler() -> _ServiceHandler | None:
    """The handler `configure` installed, when every access line goes to it
    alone, through no filter but its own and in its own format: then the
    line needs no LogRecord (whose making costs more than the rest of a
    line). Any other logging set up, by the owner or a library, gets
    records as usual."""
    if ACCESS.handlers or ACCESS.filters or not ACCESS.propagate:
        return None
    package = ACCESS.parent
    if package is None or package.filters or package.propagate:
        return None
    handlers = package.handlers
    if len(handlers) != 1 or type(handlers[0]) is not _ServiceHandler:
        return None
    handler = handlers[0]
    if handler.level > logging.INFO or len(handler.filters) != 1:
        return None
    if not isinstance(handler.formatter, _Lines):
        return None
    return handler


def configure(level: str, form: str) -> None:
    """The service package's lines (MLJET's and the owner's modules') in
    `form`, at `level`, on stderr (again in each worker process;
    configuring twice replaces, never doubles, the handler)."""
    package = logging.getLogger(SERVICE_PACKAGE)
    for handler in [h for h in package.handlers if isinstance(h, _ServiceHandler)]:
        package.removeHandler(handler)
    handler = _ServiceHandler()
    handler.addFilter(_WithRequestId())
    handler.setFormatter(JsonLines() if form == "json" else TextLines())
    package.addHandler(handler)
    package.setLevel(level.upper())
    package.propagate = False
