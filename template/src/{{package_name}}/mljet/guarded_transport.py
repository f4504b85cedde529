# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The transport as a server's protocol sees it: through its connection's
guard (`edge.ConnectionGuard`), which reads every byte the server writes
and knows when the server closes; everything else goes to the transport."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .edge import ConnectionGuard


class GuardedTransport(asyncio.Transport):
    """The transport as the server's protocol sees it: through the guard."""

    def __init__(self, guard: ConnectionGuard, transport: asyncio.Transport) -> None:
        super().__init__()
        self._guard = guard
        self._transport = transport

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._guard.write(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self._guard.write(b"".join(bytes(part) for part in list_of_data))

    def close(self) -> None:
        self._guard.server_close()

    def abort(self) -> None:
        # A server may abort a connection that its close left open: one
        # the guard keeps for DRAIN_GRACE, and closes itself.
        if not self._guard.server_closed:
            self._transport.abort()

    def is_closing(self) -> bool:
        guard = self._guard
        return self._transport.is_closing() or guard.finishing or guard.server_closed

    def pause_reading(self) -> None:
        self._guard.reading_paused = True
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        # A server may ask before every read, paused or not (one does): only
        # a pause stopped the transport and the guard's clock for the body.
        guard = self._guard
        if guard.reading_paused:
            guard.reading_paused = False
            guard.last_read = guard.loop.time()
            self._transport.resume_reading()
            guard._arm()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def write_eof(self) -> None:
        self._guard.release()
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(
        self, high: int | None = None, low: int | None = None
    ) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        # A server that switches protocols (an upgrade) hands it the bytes.
        assert isinstance(protocol, asyncio.Protocol)
        self._guard.inner = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._guard.inner
