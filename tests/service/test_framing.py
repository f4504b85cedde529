"""Where each message begins and ends on a connection (`src/PACKAGE/framing.py`):
requests checked before the server sees them, responses delimited."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Core

HOST = b"Host: h\r\n"
STREAM = (
    b"GET /health HTTP/1.1\r\n" + HOST + b"\r\n"
    b"POST /predict HTTP/1.1\r\n" + HOST + b"Content-Length: 5\r\n\r\nhello"
    b"\r\n"  # an empty line between requests is allowed
    b"POST /predict HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\n"
    b"3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n"
    b"HEAD /health HTTP/1.0\r\n\r\n"
)


@pytest.fixture(scope="module")
def framing(core: Core) -> ModuleType:
    return core.module("framing")


def feed_in_pieces(
    framing: ModuleType, data: bytes, cuts: list[int]
) -> tuple[bytes, object]:
    requests = framing.RequestFraming(max_body=100)
    passed = b""
    at = 0
    for cut in [*sorted(cuts), len(data)]:
        passed += requests.feed(data[at:cut])
        at = cut
    return passed, requests


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(0, len(STREAM)), max_size=12))
def test_requests_pass_unchanged_however_the_bytes_arrive(
    framing: ModuleType, cuts: list[int]
) -> None:
    passed, requests = feed_in_pieces(framing, STREAM, cuts)
    # Only the empty line between two requests is not passed on.
    assert passed == STREAM.replace(b"hello\r\n", b"hello", 1)
    assert requests.refusal is None
    assert requests.completed == 4 and requests.idle
    assert list(requests.pending_methods) == [b"GET", b"POST", b"POST", b"HEAD"]


def test_a_head_is_held_until_it_is_whole(framing: ModuleType) -> None:
    requests = framing.RequestFraming(max_body=100)
    assert requests.feed(b"GET /health HTTP/1.1\r\nHo") == b""
    assert requests.in_head and not requests.idle
    assert requests.feed(b"st: h\r\n\r\n") == b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n"


REFUSED = {
    b"GARBAGE\r\n\r\n": (400, "bad_request"),
    b"GET / HTTP/2.0\r\n" + HOST + b"\r\n": (505, "http_version_not_supported"),
    b"GET / HTTP/1.1\r\n\r\n": (400, "bad_request"),
    b"GET / HTTP/1.1\r\n" + HOST + b"Host: other\r\n\r\n": (400, "bad_request"),
    b"GET / HTTP/1.1\r\n" + HOST + b"X: a\r\n b\r\n\r\n": (400, "bad_request"),
    b"GET / HTTP/1.1\r\n" + HOST + b"Bad Name: a\r\n\r\n": (400, "bad_request"),
    b"GET /" + b"a" * 9000: (414, "uri_too_long"),
    b"GET / HTTP/1.1\r\n" + HOST + b"X: " + b"a" * 17000: (431, "headers_too_large"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\n": (400, "bad_request"),
    b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: -1\r\n\r\n": (400, "bad_request"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Content-Length: 101\r\n\r\n": (413, "body_too_large"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n": (400, "bad_request"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Transfer-Encoding: gzip, chunked\r\n\r\n": (400, "bad_request"),
    b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n": (400, "bad_request"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Transfer-Encoding: chunked\r\n\r\nx\r\n": (400, "bad_request"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n": (400, "bad_request"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Transfer-Encoding: chunked\r\n\r\n65\r\n": (413, "body_too_large"),
    # Lines end in CRLF, in a head and in a chunked body.
    b"GET / HTTP/1.1\nHost: h\n\n": (400, "bad_request"),
    b"GET / HTTP/1.1\r\nHost: h\n\r\n": (400, "bad_request"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Transfer-Encoding: chunked\r\n\r\n1\nx\r\n": (400, "bad_request"),
    # One line within the head's limit but over a header line's.
    b"GET / HTTP/1.1\r\n"
    + HOST
    + b"X: "
    + b"a" * 9000
    + b"\r\n\r\n": (431, "headers_too_large"),
    # Digits Python will not read as one integer, and digits not ASCII.
    b"POST / HTTP/1.1\r\n"
    + HOST
    + b"Content-Length: "
    + b"9" * 5000
    + b"\r\n\r\n": (413, "body_too_large"),
    b"POST / HTTP/1.1\r\n"
    + HOST
    + "Content-Length: ²\r\n\r\n".encode(): (400, "bad_request"),
}


@pytest.mark.parametrize("data", list(REFUSED), ids=range(len(REFUSED)))
def test_a_malformed_or_oversized_request_is_refused_with_its_status(
    framing: ModuleType, data: bytes
) -> None:
    requests = framing.RequestFraming(max_body=100)
    passed = requests.feed(data)
    refusal = requests.refusal
    assert refusal is not None
    assert (refusal.status, refusal.code) == REFUSED[data]
    # Nothing invalid reaches the server: at most a valid head before it.
    assert passed in (b"", data[: data.find(b"\r\n\r\n") + 4])


def test_valid_requests_before_a_refused_one_still_pass(framing: ModuleType) -> None:
    requests = framing.RequestFraming(max_body=100)
    good = b"GET / HTTP/1.1\r\n" + HOST + b"\r\n"
    assert requests.feed(good + b"BAD\r\n\r\n") == good
    assert requests.refusal is not None and requests.completed == 1


def respond(framing: ModuleType, methods: list[bytes], data: bytes) -> object:
    requests = framing.RequestFraming(max_body=100)
    for method in methods:
        requests.feed(method + b" / HTTP/1.1\r\n" + HOST + b"\r\n")
    responses = framing.ResponseFraming(requests)
    assert responses.feed(data) == data
    return responses


def test_a_response_names_no_server_software(framing: ModuleType) -> None:
    requests = framing.RequestFraming(max_body=100)
    requests.feed(b"GET / HTTP/1.1\r\n" + HOST + b"\r\n")
    responses = framing.ResponseFraming(requests)
    sent = responses.feed(
        b"HTTP/1.1 200 OK\r\nServer: Python/3.11 aiohttp/3.14.5\r\n"
        b"content-length: 2\r\n\r\nok"
    )
    assert sent == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
    assert responses.completed == 1 and not responses.closes


def test_responses_end_where_their_framing_says(framing: ModuleType) -> None:
    stream = (
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc"
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n"  # to HEAD: no body
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
        b"HTTP/1.1 204 No Content\r\ncontent-length: 3\r\n\r\n"
    )
    responses = respond(framing, [b"GET", b"HEAD", b"POST", b"GET"], stream)
    assert (responses.started, responses.completed) == (4, 4)
    assert not (responses.awaited or responses.in_progress)


def test_a_response_is_marked_close_once_draining(framing: ModuleType) -> None:
    requests = framing.RequestFraming(max_body=100)
    requests.feed(b"GET / HTTP/1.1\r\n" + HOST + b"\r\n")
    responses = framing.ResponseFraming(requests)
    responses.close_next = True
    sent = responses.feed(
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\ncontent-length: 2\r\n\r\nok"
    )
    assert sent == (
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
    )
    assert responses.closes and responses.completed == 1


BODY = b'{"instances": [[1, 2]]}'
# Single reads a client sends: plain ones the one-pass check takes, and
# every kind it leaves to the general path.
READS = [
    b"POST /predict HTTP/1.1\r\nHost: h\r\nContent-Length: 23\r\n\r\n" + BODY,
    b"GET /health HTTP/1.1\r\nhost: h\r\nX-A: b\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 23\r\nContent-Length: 23\r\n\r\n"
    + BODY,
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 23\r\nContent-Length: 2\r\n\r\n"
    + BODY,
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello",
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 500\r\n\r\n" + b"x" * 500,
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n" + BODY,
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    b"\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.1\nHost: h\n\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"y" * 17000 + b"\r\n\r\n",
]


@pytest.mark.parametrize("read", READS)
def test_a_read_checked_in_one_pass_ends_as_checked_line_by_line(
    framing: ModuleType, read: bytes
) -> None:
    class LineByLine(framing.RequestFraming):  # type: ignore[name-defined,misc]
        def _whole(self, data: bytes) -> bool:
            return False

    def outcome(requests: object) -> tuple[object, ...]:
        passed = requests.feed(read)  # type: ignore[attr-defined]
        refusal = requests.refusal  # type: ignore[attr-defined]
        return (
            passed,
            None if refusal is None else (refusal.status, refusal.message),
            requests.completed,  # type: ignore[attr-defined]
            list(requests.pending_methods),  # type: ignore[attr-defined]
            requests.idle,  # type: ignore[attr-defined]
        )

    one_pass = framing.RequestFraming(max_body=100)
    assert outcome(one_pass) == outcome(LineByLine(max_body=100))
    if read is READS[0]:
        assert framing.RequestFraming(max_body=100).feed(read) is read  # no copy
