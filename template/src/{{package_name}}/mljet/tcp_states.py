# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""What the kernel knows of TCP sockets that the door at shutdown reads
(`listeners.py`): a connection's unacknowledged segments, a listening
socket's queue length and the connections waiting in it, handshakes under
way, SYN cookies sent. Linux only.

Handshakes under way are asked of the kernel's socket diagnostics
(netlink's `sock_diag`), which lists only those: `/proc/net/tcp` lists
every socket of the network namespace, tens of thousands on a busy host,
and takes a tenth of a second to read then, while clients keep arriving.
"""

from __future__ import annotations

import socket
import struct

# `struct tcp_info`'s `tcpi_unacked`: on a connected socket, the segments
# not yet acknowledged, on a listening one the connections in its queue;
# and `tcpi_sacked`: on a listening socket, the length its queue was given
# (its backlog).
TCP_INFO_SIZE, UNACKED_OFFSET, BACKLOG_OFFSET = 104, 24, 28
# sock_diag's request for the TCP sockets in some states, and its answer
# (linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h).
NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY = 4, 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSG_HEADER = struct.Struct("=IHHII")  # length, type, flags, sequence, port
INET_DIAG_REQUEST = struct.Struct("=BBBBI48x")  # family, protocol, ext, -, states
# In an answer, after its header: family, state, timer, retransmits, then
# the local port (network order).
LOCAL_PORT = struct.Struct("!4xH")
# A handshake under way: a listener's request socket (its own state since
# Linux 4.4, reported as the older SYN_RECV too). A listener bound to `::`
# takes IPv4 clients too, whose request sockets are AF_INET ones: both
# families are asked.
HALF_OPEN_STATES = (1 << 3) | (1 << 12)  # TCP_SYN_RECV, TCP_NEW_SYN_RECV
FAMILIES = (socket.AF_INET, socket.AF_INET6)
# /proc/net/tcp's name for that state.
LISTED_SYN_RECV = "03"


def unacked(sock: socket.socket) -> int:
    """`tcpi_unacked` of a connected socket (see TCP_INFO_SIZE)."""
    return _tcp_info(sock, UNACKED_OFFSET)


def queued(sock: socket.socket) -> int:
    """How many connections wait in a listening socket's queue, accepted by
    no one yet (see TCP_INFO_SIZE)."""
    return _tcp_info(sock, UNACKED_OFFSET)


def backlog(sock: socket.socket) -> int:
    """The length of a listening socket's queue (see TCP_INFO_SIZE)."""
    return _tcp_info(sock, BACKLOG_OFFSET)


def half_open(sock: socket.socket) -> bool:
    """Whether a handshake with the listening `sock` has begun and not
    reached its queue."""
    port = sock.getsockname()[1]
    try:
        return any(port in _half_open_ports(family) for family in FAMILIES)
    except OSError:  # no socket diagnostics here (a sandbox may refuse them)
        return port in _listed_half_open_ports()


def cookies_sent() -> int:
    """How many SYN cookies the kernel sent in this network namespace."""
    try:
        with open("/proc/net/netstat") as table:
            rows = [line.split() for line in table]
    except OSError:
        return 0
    # Pairs of rows: a group's counter names, then their values.
    for names, values in zip(rows[::2], rows[1::2], strict=False):
        if names[:1] == ["TcpExt:"] and "SyncookiesSent" in names:
            return int(values[names.index("SyncookiesSent")])
    return 0


def _tcp_info(sock: socket.socket, offset: int) -> int:
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_SIZE)
    value: int = struct.unpack_from("I", info, offset)[0]
    return value


def _half_open_ports(family: int) -> set[int]:
    """The local ports of `family`'s TCP sockets in a handshake."""
    request = INET_DIAG_REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, HALF_OPEN_STATES)
    header = NLMSG_HEADER.pack(
        NLMSG_HEADER.size + len(request),
        SOCK_DIAG_BY_FAMILY,
        NLM_F_REQUEST | NLM_F_DUMP,
        1,
        0,
    )
    ports: set[int] = set()
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as diag:
        diag.sendall(header + request)
        while True:
            answer = diag.recv(65536)
            at = 0
            while at < len(answer):
                length, kind, *_ = NLMSG_HEADER.unpack_from(answer, at)
                if kind == NLMSG_DONE:
                    return ports
                if kind == NLMSG_ERROR:
                    raise OSError("the kernel refused a socket diagnostics request")
                ports.add(LOCAL_PORT.unpack_from(answer, at + NLMSG_HEADER.size)[0])
                at += (length + 3) & ~3  # messages are aligned to 4 bytes


def _listed_half_open_ports() -> set[int]:
    """`_half_open_ports` of every family, read from /proc/net/tcp{,6}."""
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as listed:
                rows = listed.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            # sl local_address rem_address st ...
            fields = row.split(None, 4)
            if fields[3] == LISTED_SYN_RECV:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
