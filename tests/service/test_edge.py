"""The connection guard (`src/PACKAGE/mljet/edge.py`) in process, between a
stand-in transport and a stand-in server protocol; every backend's real
server behind it is driven over sockets in `test_edges.py`."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import Core

REQUEST = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"


class Transport:
    """Records each write: each would be a system call on a socket."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class Server(asyncio.Protocol):
    """Answers each request with its head and body written apart, as
    uvicorn does; `streams` leaves the body for a later turn of the loop."""

    def __init__(self, streams: bool) -> None:
        self.streams = streams

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(HEAD)
        if self.streams:
            asyncio.get_running_loop().call_later(0.01, self.transport.write, b"{}")
        else:
            self.transport.write(b"{}")


def test_a_head_written_apart_from_its_body_leaves_with_it(core: Core) -> None:
    """One write for a response whose body follows its head at once; a body
    that comes in a later turn of the loop finds its head sent already."""
    edge = core.module("edge")
    limits = edge.EdgeLimits(1 << 20, 10.0, 30.0, 10.0, 5.0, 30.0)

    async def served(streams: bool) -> list[list[bytes]]:
        guard = edge.Guarded(lambda: Server(streams), limits)()
        transport = Transport()
        guard.connection_made(transport)
        seen = []
        for _ in range(2):  # twice on one connection
            guard.data_received(REQUEST)
            seen.append(list(transport.writes))
            await asyncio.sleep(0.05)
            seen.append(list(transport.writes))
            transport.writes.clear()
        guard.connection_lost(None)
        return seen

    whole = HEAD + b"{}"
    assert asyncio.run(served(streams=False)) == [[whole], [whole]] * 2
    assert asyncio.run(served(streams=True)) == [[], [HEAD, b"{}"]] * 2
