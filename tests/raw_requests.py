"""Raw requests drawn from HTTP/1.1's grammar and from the ways clients
break it, for the edge fuzz: line endings, header syntax, number headers
with signs, spaces, non-ASCII digits or too many digits, long lines, bodies
longer or shorter than declared, versions and methods a server may choke on.

Every request is complete (it never makes the server wait for bytes that
will not come), so each gets its answer at once; `read_answer` reads that
one answer off the socket.
"""

from __future__ import annotations

import contextlib
import random
import socket
import time

from edge_clients import RawAnswer, parsed

# A secret a client sends: no answer may echo it.
SECRET = "s3cr3t-never-echoed"
LINE_ENDS = [b"\r\n"] * 8 + [b"\n", b"\r", b"\n\r"]
METHODS = [b"GET", b"POST", b"HEAD", b"OPTIONS", b"PUT", b"G\xc3\x89T", b"GET GET"]
VERSIONS = [b"HTTP/1.1"] * 6 + [
    b"HTTP/1.0",
    b"HTTP/1.2",
    b"HTTP/2.0",
    b"http/1.1",
    b"HTTP/1.1 x",
    b"HTTP/1",
    b"",
]
# Sizes as clients miswrite them: signs, blanks, other digits, lists, floats.
SIZE_FORMS = [
    "{n}",
    "+{n}",
    "-{n}",
    " {n} ",
    "{n}.0",
    "{n}, {n}",
    "0x{n}",
    "²",
    "٣",  # an Arabic-Indic digit
    "1" * 30,
    "9" * 5000,
    "",
]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/octet-stream",
    "appl\u00efcation/json",
]


class RawRequests:
    """Seeded raw requests to `paths`, whose valid JSON body is `body`."""

    def __init__(self, paths: list[str], body: bytes, seed: int) -> None:
        self.paths = [p.encode() for p in paths]
        self.body = body
        self.random = random.Random(seed)

    def draw(self) -> bytes:
        pick = self.random.choice
        method, path, version = pick(METHODS), pick(self.paths), pick(VERSIONS)
        lines = [b" ".join(filter(None, [method, path, version]))]
        if self.random.random() < 0.9:
            lines.append(b"Host: test")
        if self.random.random() < 0.1:
            lines.append(b"Host: again")
        lines.append(f"Authorization: Bearer {SECRET}".encode())
        body = pick([self.body, self.body[: len(self.body) // 2], b"", b"\xff\xfe"])
        if self.random.random() < 0.8:
            size = pick(SIZE_FORMS).format(n=len(body))
            lines.append(f"Content-Length: {size}".encode())
        if self.random.random() < 0.1:
            lines.append(b"Transfer-Encoding: " + pick([b"chunked", b"gzip", b"x"]))
        if self.random.random() < 0.3:
            size = pick(SIZE_FORMS).format(n=len(body) // 2)
            lines.append(f"Inference-Header-Content-Length: {size}".encode())
        lines.append(f"Content-Type: {pick(CONTENT_TYPES)}".encode())
        lines.extend(self._odd_lines())
        end = pick(LINE_ENDS)
        return end.join(lines) + end + end + body

    def _odd_lines(self) -> list[bytes]:
        """Header lines that break the grammar, now and then."""
        odd = [
            b" folded-on",
            b"No Colon",
            b"Bad Name: x",
            b"X-Nul: a\x00b",
            b"X-Latin: \xe9t\xe9",
            b"X-Long: " + SECRET.encode() * 600,
            b"X-Request-ID: " + b"\xff" * 8,
            b": empty-name",
        ]
        return [line for line in odd if self.random.random() < 0.06]


def read_answer(address: tuple[str, int], data: bytes, wait: float = 5.0) -> RawAnswer:
    """Send `data`, then read one answer: until its body is whole (by its
    Content-Length; a head is whole for a HEAD request), the server closes,
    or `wait` passes."""
    bodiless = data.startswith(b"HEAD ")
    started = time.monotonic()
    received = b""
    ended = "open"
    with socket.create_connection(address, timeout=wait) as sock:
        # The server may refuse before reading everything.
        with contextlib.suppress(OSError):
            sock.sendall(data)
        while time.monotonic() - started < wait:
            sock.settimeout(max(0.01, wait - (time.monotonic() - started)))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                ended = "reset"
                break
            if not chunk:
                ended = "closed"
                break
            received += chunk
            if _whole(received, bodiless):
                break
    return parsed(received, ended, time.monotonic() - started)


def _whole(received: bytes, bodiless: bool) -> bool:
    head, found, body = received.partition(b"\r\n\r\n")
    if not found or bodiless:
        return bool(found)
    for line in head.lower().split(b"\r\n")[1:]:
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False
