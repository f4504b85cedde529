"""What the kernel knows of TCP sockets, as the door at shutdown reads it
(`src/PACKAGE/mljet/tcp_states.py`), on real sockets."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

from conftest import Core


@pytest.fixture(scope="module")
def tcp_states(core: Core) -> ModuleType:
    return core.module("tcp_states")


@pytest.fixture
def deferring() -> Iterator[socket.socket]:
    """A listening socket that keeps a connection in its handshake until the
    client sends a byte (TCP_DEFER_ACCEPT): a client connected from its own
    side, half-open from the server's."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
        yield listener


def settled(check: object, expected: bool, within: float = 2.0) -> bool:
    """`check()`'s answer once it is `expected`, or its last one."""
    assert callable(check)
    deadline = time.monotonic() + within
    while (answer := bool(check())) != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return answer


def test_a_handshake_under_way_is_seen_until_the_connection_is_queued(
    tcp_states: ModuleType, deferring: socket.socket
) -> None:
    port = deferring.getsockname()[1]
    assert not tcp_states.half_open(deferring)
    with socket.create_connection(("127.0.0.1", port)) as client:
        assert settled(lambda: tcp_states.half_open(deferring), True)
        # The fallback's reading of /proc/net/tcp agrees.
        assert port in tcp_states._listed_half_open_ports()
        client.sendall(b"x")  # the handshake completes: queued
        assert not settled(lambda: tcp_states.half_open(deferring), False)
        accepted, _ = deferring.accept()
        accepted.close()


def test_another_listeners_handshakes_are_not_this_ones(
    tcp_states: ModuleType, deferring: socket.socket
) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        with socket.create_connection(deferring.getsockname()):
            assert settled(lambda: tcp_states.half_open(deferring), True)
            assert not tcp_states.half_open(other)


def test_a_queue_length_and_unacknowledged_bytes_are_read(
    tcp_states: ModuleType,
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(37)
        assert tcp_states.backlog(listener) == 37
        listener.listen(0)
        assert tcp_states.backlog(listener) == 0
        with socket.create_connection(listener.getsockname()) as client:
            client.sendall(b"x")
            # Acknowledged by the kernel while the connection waits in the
            # queue, accepted by no one.
            assert not settled(lambda: tcp_states.unacked(client), False)
    assert tcp_states.cookies_sent() >= 0


def test_the_connections_waiting_in_a_queue_are_counted(
    tcp_states: ModuleType,
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(2)
        assert tcp_states.queued(listener) == 0
        address = listener.getsockname()
        with socket.create_connection(address), socket.create_connection(address):
            assert settled(lambda: tcp_states.queued(listener) == 2, True)
            accepted, _ = listener.accept()
            accepted.close()
            assert tcp_states.queued(listener) == 1
