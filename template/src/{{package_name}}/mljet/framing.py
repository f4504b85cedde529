# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Where each HTTP/1.1 message on a connection begins and ends, byte by byte.

The connection guard (`edge.py`) follows both directions of a connection
without owning it: `RequestFraming` checks each request's head before the
server sees it (the server never has to make an error of its own) and
finds where its body ends; `ResponseFraming` finds where each response
ends, and marks its head `Connection: close` while the service drains.
Neither changes a byte it lets through but for that, and a `Server`
header, which names a server's software and version, dropped.

Only the framing is parsed (RFC 9112): request line, header syntax,
Content-Length and chunked Transfer-Encoding. What a request means is
left to the framework.
"""

from __future__ import annotations

import re
from collections import deque

from .errors import ClientError, body_too_large
from .routes import whole_number

# A head ends at its first empty line. Its lines end in CRLF: RFC 9112 lets
# a server take a bare LF as a line's end too, but the backends' parsers
# differ on it (one waits for a CR that never comes, others answer a page
# of their own), so a bare LF is refused here alike, as the RFC allows. It
# still ends a head, so that such a request is refused at once.
HEAD_END = re.compile(rb"\r?\n\r?\n")
REQUEST_LINE = re.compile(
    rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP/(\d)\.(\d)\r"
)
HEADER_LINE = re.compile(
    rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*\r"
)
# A whole valid head at once (the usual case): the request line, header
# lines of the same syntax as HEADER_LINE's (matched greedily: no field is
# taken apart), then the empty line. A head it does not match is checked
# line by line, for the reason.
VALID_HEAD = re.compile(
    REQUEST_LINE.pattern
    + rb"\n(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*\r\n)*\r\n"
)
# The header fields framing needs, from a valid head in lower case (their
# values end before a line's CR; trailing blanks are the reader's to strip).
REQUEST_FIELDS = re.compile(
    rb"\n(host|content-length|transfer-encoding):[ \t]*([^\r\n]*)"
)
STATUS_LINE = re.compile(rb"HTTP/\d\.\d (\d{3})")
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(;[^\r\n]*)?\r\n")
# Longest request line, header line and head: the smallest of every
# backend's parser limits, so that the guard, not the server, refuses a
# longer one.
MAX_REQUEST_LINE = 8190
MAX_HEADER_LINE = 8190
MAX_HEAD = 16000
# A head no longer than any line may be, checked whole without measuring
# its lines.
MAX_WHOLE_HEAD = min(MAX_REQUEST_LINE, MAX_HEADER_LINE, MAX_HEAD)
# A chunk-size line longer than this is not a size line.
MAX_CHUNK_LINE = 1024


def bad_request(message: str) -> ClientError:
    return ClientError(400, "bad_request", message)


def bare_line_feed() -> ClientError:
    return bad_request("a line ends in a bare LF: HTTP/1.1 lines end in CRLF")


class ChunkedBody:
    """Where a chunked body ends (its sizes, data, and trailer section)."""

    def __init__(self) -> None:
        self._line = b""
        self._data_left = 0
        self._after_data = False
        self._in_trailers = False
        self.size = 0

    def feed(self, data: bytes, start: int) -> int | None:
        """Consume `data` from `start`; the offset the body ends at, or None."""
        at = start
        while at < len(data):
            if self._data_left:
                taken = min(self._data_left, len(data) - at)
                self._data_left -= taken
                at += taken
                if not self._data_left:
                    self._after_data = True
                continue
            end = data.find(b"\n", at)
            if end < 0:
                self._line += data[at:]
                if len(self._line) > MAX_CHUNK_LINE:
                    raise bad_request("a chunk-size line is too long")
                return None
            line = self._line + data[at : end + 1]
            self._line = b""
            at = end + 1
            if not line.endswith(b"\r\n"):
                raise bare_line_feed()
            if self._after_data:
                if line != b"\r\n":
                    raise bad_request("chunk data is longer than its size")
                self._after_data = False
            elif self._in_trailers:
                if line == b"\r\n":
                    return at
            else:
                self._start_chunk(line)
        return None

    def _start_chunk(self, line: bytes) -> None:
        matched = CHUNK_SIZE.fullmatch(line)
        if matched is None:
            raise bad_request("a chunk size is not a hexadecimal number")
        size = int(matched[1], 16)
        self.size += size
        if size:
            self._data_left = size
        else:
            self._in_trailers = True


class Body:
    """Where one body ends: after its length, at a chunked body's last
    chunk, or (a response with neither) at the end of the connection."""

    def __init__(self, length: int | None, chunked: bool = False) -> None:
        self._left = length
        self._chunks = ChunkedBody() if chunked else None
        self.done = not chunked and length == 0

    @property
    def chunked_size(self) -> int:
        return self._chunks.size if self._chunks is not None else 0

    def feed(self, data: bytes, start: int) -> int:
        """Consume `data` from `start`; the offset consumed to (the body's
        end once `done`)."""
        if self._chunks is not None:
            end = self._chunks.feed(data, start)
            self.done = end is not None
            return len(data) if end is None else end
        if self._left is None:
            return len(data)
        end = min(len(data), start + self._left)
        self._left -= end - start
        self.done = not self._left
        return end


class _Messages:
    """What both directions share: the head being collected, the body under
    way (passed on as it arrives, until it ends), the messages completed."""

    def __init__(self) -> None:
        self.in_head = False
        self.completed = 0
        self._head = b""
        self._body: Body | None = None

    @property
    def in_body(self) -> bool:
        return self._body is not None

    def _through_body(self, data: bytes, at: int) -> int:
        """Follow the body through `data` from `at`, to its end (or all of
        `data`, when it goes on); the offset reached."""
        assert self._body is not None
        end = self._body.feed(data, at)
        self._check_body(self._body)
        if self._body.done:
            self._body = None
            self.completed += 1
        return end

    def _check_body(self, body: Body) -> None:
        """Refuse a body as it arrives, raising ClientError (requests do)."""


class RequestFraming(_Messages):
    """The requests a client sends on one connection, checked and delimited.

    `feed` returns the bytes that may go on to the server (a head only once
    it is whole and valid) and sets `refusal` at the first invalid byte.
    """

    def __init__(self, max_body: int) -> None:
        super().__init__()
        self.max_body = max_body
        # The methods of complete requests whose responses are still to
        # come: a response to HEAD has no body.
        self.pending_methods: deque[bytes] = deque()
        self.refusal: ClientError | None = None

    @property
    def idle(self) -> bool:
        """No part of a request has arrived since the last one ended."""
        return not self.in_head and self._body is None

    def feed(self, data: bytes) -> bytes:
        """The valid bytes of `data` to pass on; sets `refusal` at the first
        invalid one (nothing after it is passed on)."""
        if not (self.in_head or self._body is not None) and self._whole(data):
            return data
        forward: list[bytes] = []
        try:
            self._feed(data, forward)
        except ClientError as refusal:
            self.refusal = refusal
        # Usually the whole read goes on as it came: no copy.
        return forward[0] if len(forward) == 1 else b"".join(forward)

    def _feed(self, data: bytes, forward: list[bytes]) -> None:
        """Append to `forward` the bytes of `data` that may go on: every
        slice between the dropped ones and a head held until it is whole."""
        if self._head:
            # A head began in an earlier read: whole now, perhaps.
            data, self._head = self._head + data, b""
        at = start = 0
        try:
            while at < len(data):
                if self._body is not None:
                    at = self._through_body(data, at)
                    continue
                if not self.in_head:
                    # Empty lines before a request line are allowed and dropped.
                    skipped = at
                    while skipped < len(data) and data[skipped] in b"\r\n":
                        skipped += 1
                    if skipped > at:
                        forward.append(data[start:at])
                        start = at = skipped
                    if at == len(data):
                        break
                    self.in_head = True
                found = HEAD_END.search(data, at)
                if found is None:
                    self._head = data[at:]
                    self._check_size(self._head)
                    break
                head = data[at : found.end()]
                self._check_size(head)
                self._start_request(head)
                at = found.end()
        finally:
            # What passed before a refusal, or before a head still held.
            forward.append(data[start:at])

    def _whole(self, data: bytes) -> bool:
        """Whether `data` is exactly one valid request whose head ends in
        CRLFs and whose body, if any, has a Content-Length (the usual read),
        checked by the same rules as `_feed`'s, in one pass. Then it is
        counted; anything else, a refusal included, is left to `_feed`,
        which says what is wrong."""
        end = data.find(b"\r\n\r\n") + 4
        # A head no longer than a line may be: none of its lines is too long.
        if not 4 < end <= MAX_WHOLE_HEAD or data[0] in b"\r\n":
            return False
        head = data[:end]
        request = VALID_HEAD.fullmatch(head)
        if request is None:
            return False
        try:
            length = self._declared_length(request, head)
        except ClientError:
            return False
        if length != len(data) - end:
            return False
        self.completed += 1
        self.pending_methods.append(request[1])
        return True

    def _check_size(self, head: bytes) -> None:
        first = head.split(b"\n", 1)[0]
        if len(first) > MAX_REQUEST_LINE:
            raise ClientError(
                414,
                "uri_too_long",
                f"the request line exceeds {MAX_REQUEST_LINE} bytes",
            )
        if len(head) > MAX_HEAD:
            raise ClientError(
                431, "headers_too_large", f"the request head exceeds {MAX_HEAD} bytes"
            )
        if len(head) > MAX_HEADER_LINE and any(
            len(line) > MAX_HEADER_LINE for line in head.split(b"\n")
        ):
            raise ClientError(
                431,
                "headers_too_large",
                f"a header line exceeds {MAX_HEADER_LINE} bytes",
            )

    def _start_request(self, head: bytes) -> None:
        request = VALID_HEAD.fullmatch(head)
        if request is None:
            request = _checked_lines(head)
        body = self._body_of(request, head)
        self.in_head = False
        if body is None:
            self.completed += 1
        else:
            self._body = body
        self.pending_methods.append(request[1])

    def _body_of(self, request: re.Match[bytes], head: bytes) -> Body | None:
        """The body a valid head announces (None for none), or the
        ClientError refusing its version or framing."""
        length = self._declared_length(request, head)
        if length is None:
            return Body(None, chunked=True)
        return Body(length) if length else None

    def _declared_length(self, request: re.Match[bytes], head: bytes) -> int | None:
        """The length of the body a valid head announces (0 for none, None
        for a chunked one), or the ClientError refusing its version or
        framing."""
        if request[3] != b"1" or request[4] not in b"01":
            raise ClientError(
                505, "http_version_not_supported", "only HTTP/1.0 and 1.1 are served"
            )
        http_11 = request[4] == b"1"
        hosts = 0
        lengths: list[bytes] = []
        codings: list[bytes] = []
        for name, value in REQUEST_FIELDS.findall(head.lower()):
            if name == b"host":
                hosts += 1
            elif name == b"content-length":
                lengths.append(value.rstrip(b" \t"))
            else:
                codings.append(value.rstrip(b" \t"))
        if http_11 and hosts != 1:
            raise bad_request("an HTTP/1.1 request needs exactly one Host header")
        if codings:
            if lengths:
                raise bad_request(
                    "Content-Length and Transfer-Encoding together are refused"
                )
            if not http_11 or codings != [b"chunked"]:
                raise bad_request("the only Transfer-Encoding served is chunked")
            return None
        if not lengths:
            return 0
        # The same length repeated is one length.
        declared = lengths[0]
        if not declared.isdigit() or lengths.count(declared) != len(lengths):
            raise bad_request("Content-Length is not one whole number")
        # A size of more digits than `whole_number` reads is beyond any limit.
        length = whole_number(declared.decode())
        if length is None or length > self.max_body:
            raise body_too_large(self.max_body)
        return length

    def _check_body(self, body: Body) -> None:
        if body.chunked_size > self.max_body:
            raise body_too_large(self.max_body)


class ResponseFraming(_Messages):
    """The responses a server writes on one connection, delimited.

    `feed` returns the bytes to send on: a head is held until it is whole,
    so that `close_next` can mark it `Connection: close`.
    """

    def __init__(self, requests: RequestFraming) -> None:
        super().__init__()
        self.requests = requests
        self.started = 0
        self.close_next = False
        self.closes = False
        self.tunnel = False

    @property
    def awaited(self) -> bool:
        """A complete request waits for its response to begin."""
        return self.requests.completed > self.started

    @property
    def in_progress(self) -> bool:
        """A response has begun and not ended."""
        return self.in_head or self._body is not None

    def feed(self, data: bytes) -> bytes:
        """The bytes of `data` to send on: unchanged (no copy) unless a head
        is held until whole or marked to close."""
        if self.tunnel:
            return data
        if self._head:
            # A head began in an earlier write: whole now, perhaps.
            data, self._head = self._head + data, b""
            self.in_head = False
        forward: list[bytes] = []
        at = start = 0
        while at < len(data):
            if self._body is not None:
                at = self._through_body(data, at)
                continue
            found = data.find(b"\r\n\r\n", at)
            if found < 0:
                self.in_head = True
                self._head = data[at:]
                forward.append(data[start:at])
                return b"".join(forward)
            head = data[at : found + 4]
            sent = self._start_response(head)
            if sent is not head:
                forward.extend((data[start:at], sent))
                start = found + 4
            at = found + 4
            if self.tunnel:
                break
        if not forward:
            return data if start == 0 else data[start:]
        forward.append(data[start:])
        return b"".join(forward)

    def _start_response(self, head: bytes) -> bytes:
        status_line = STATUS_LINE.match(head)
        status = int(status_line[1]) if status_line else 200
        if status == 101:
            self.tunnel = True
            return head
        if status < 200:
            # 100 Continue and the like: the final response comes after it.
            return head
        self.started += 1
        lowered = head.lower()
        method = (
            self.requests.pending_methods.popleft()
            if self.requests.pending_methods
            else b"GET"
        )
        if method == b"HEAD" or status in (204, 304):
            body = Body(0)
        elif _field(lowered, b"transfer-encoding") == b"chunked":
            body = Body(None, chunked=True)
        else:
            # Without either, the body runs to the end of the connection.
            length = _field(lowered, b"content-length")
            body = Body(int(length) if length is not None else None)
        self.closes = _field(lowered, b"connection") == b"close"
        marking = self.close_next and not self.closes
        if marking or _field(lowered, b"server") is not None:
            head = _rewritten(head, close=marking)
            self.closes = self.closes or marking
        if body.done:
            self.completed += 1
        else:
            self._body = body
        return head


def _field(head: bytes, name: bytes) -> bytes | None:
    """The value of the field `name` in a response `head` (both in lower
    case), blanks stripped: the server's own head, so the last of a field
    repeated counts. A few searches cost less than a regular expression."""
    at = head.rfind(b"\r\n" + name + b":")
    if at < 0:
        return None
    start = at + len(name) + 3
    return head[start : head.find(b"\r\n", start)].strip(b" \t")


def _checked_lines(head: bytes) -> re.Match[bytes]:
    """The request line of a head that is not valid as a whole, once every
    line before the culprit is; else the reason, as a ClientError."""
    if head.count(b"\n") != head.count(b"\r\n"):
        raise bare_line_feed()
    # Each line without its LF; the empty line that ends the head dropped.
    lines = head[:-3].split(b"\n")
    request = REQUEST_LINE.fullmatch(lines[0])
    if request is None:
        raise bad_request("the request line is not 'METHOD target HTTP/1.x'")
    for line in lines[1:]:
        if HEADER_LINE.fullmatch(line) is None:
            raise bad_request("a header line is malformed")
    return request


def _rewritten(head: bytes, *, close: bool) -> bytes:
    """A response head without its `Server` field, and marked
    `Connection: close` when `close`."""
    dropped = (b"server:", b"connection:") if close else (b"server:",)
    lines = head[:-4].split(b"\r\n")
    kept = [line for line in lines if not line.lower().startswith(dropped)]
    return b"\r\n".join([*kept, *([b"connection: close"] if close else []), b"", b""])
