# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The listening socket at shutdown: no client let in only to be reset.

The kernel completes a connection before the server accepts it, and the
client sends its request at once; the connection waits in the listening
socket's accept queue. Closing that socket resets every connection still
queued: the client meets a reset after sending, and cannot tell whether
its request was handled. Servers close their socket as they begin to
drain, and a busy (or stopped) event loop leaves connections queued.

So the process that holds the listening socket for the whole service (the
only process, or the supervisor of several workers) calls `close_the_door`
when the service is told to stop. A thread of its own keeps the socket
open on a duplicate:

1. until no server accepts on it any more, the thread accepts what is
   queued too, and answers 503 `shutting_down` with `Connection: close`;
2. then it cuts the socket's queue to one place (`listen(0)`), accepts
   what waits, and takes the place itself with a connection of its own (a
   plug), confirmed queued when the kernel acknowledges a byte sent on it:
   a client's handshake that begins now is dropped by the kernel, and the
   client tries again later;
3. a client whose handshake began just before is stuck outside the full
   queue, and would be reset at the close. The thread looks for one, a
   moment after the plug got in (a handshake that raced it may reach the
   kernel's tables only then): a half-open connection in the kernel's
   table, a SYN cookie sent (the kernel answers with a cookie, and keeps
   no trace of the handshake, when several begin at once on a short queue;
   a cookie client's second segment is reset if its first was dropped), or
   a client queued beside the plug (the kernel checks the queue's room
   without a lock: two handshakes ending at once may both get in). While
   there is one, the plug gives its place up, the queue grows back, and
   the thread lets the client in, answers it, and tries again once cookies
   have settled;
4. it closes the socket: the kernel resets the plug alone, and a client's
   next SYN finds the port closed and is refused, which it may safely
   retry elsewhere.

Linux only (it reads the kernel's view of sockets, `tcp_states.py`);
elsewhere servers close their sockets as they always do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
import struct
import sys
import threading

from .edge import error_response
from .errors import SHUTTING_DOWN
from .logs import request_id
from .tcp_states import backlog, cookies_sent, half_open, queued, unacked

# How long the servers have to stop accepting, and then the keeper to plug
# the queue, before the door closes anyway.
SERVERS_STOP_WITHIN = 10.0
PLUGGED_WITHIN = 5.0
# How often the keeper looks again, how long a plug may take to be
# acknowledged on the loopback before it counts as refused, and how long
# after it got in the keeper looks for a handshake that raced it: the
# kernel handles one in microseconds, unless its (virtual) processor is
# taken from it meanwhile.
POLL = 0.005
PLUG_TIMEOUT = 0.05
RACED_WITHIN = 0.02
# After a SYN cookie, how long the queue stays open for its client to send
# again (the kernel resends after 0.2 s at first, then twice as late).
COOKIES_SETTLE = 1.0
# A queued client has this long to send its request's head, and then to
# read the answer and close, before its connection is closed.
CLIENT_TIMEOUT = 2.0
# Why a plug may not get in: refused, or not acknowledged in time (the
# asyncio name: it is the built-in one only from Python 3.11).
PLUG_FAILURES = (OSError, asyncio.TimeoutError)
# What a queued client may do wrong: it is closed, as it would be anyway.
CLIENT_FAILURES = (
    OSError,
    asyncio.TimeoutError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
)
LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1"}
logger = logging.getLogger(__name__)


class _Door:
    closed = False
    keeper: threading.Thread | None = None


_DOOR = _Door()


def close_the_door(*, serving_here: bool) -> None:
    """Let no connection in that will not be answered (once per process).

    `serving_here`: this process's server accepts on the socket (else only
    its worker processes do).
    """
    if _DOOR.closed or not sys.platform.startswith("linux"):
        return
    _DOOR.closed = True
    sockets = listening_sockets()
    if sockets:
        # Not a daemon: the process waits for it at exit, so that a client
        # it accepted gets its answer, not a reset.
        _DOOR.keeper = threading.Thread(
            target=asyncio.run, args=(_keep(sockets, serving_here),), name="door"
        )
        _DOOR.keeper.start()


def wait_for_the_door() -> None:
    """Return once the door is closed (at once if it is not closing)."""
    if _DOOR.keeper is not None:
        _DOOR.keeper.join()


def listening_sockets() -> list[socket.socket]:
    """Duplicates of this process's listening TCP sockets, one per socket."""
    found: dict[int, socket.socket] = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            status = os.fstat(int(name))
            if not stat.S_ISSOCK(status.st_mode) or status.st_ino in found:
                continue
            duplicate = os.dup(int(name))
        except (OSError, ValueError):
            continue  # closed meanwhile
        try:
            sock = socket.socket(fileno=duplicate)
        except OSError:
            os.close(duplicate)
            continue
        if _listens_for_tcp(sock):
            found[status.st_ino] = sock
        else:
            sock.close()
    return list(found.values())


def _listens_for_tcp(sock: socket.socket) -> bool:
    return (
        sock.family in (socket.AF_INET, socket.AF_INET6)
        and sock.type == socket.SOCK_STREAM
        and bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    )


async def _keep(sockets: list[socket.socket], serving_here: bool) -> None:
    answering: set[asyncio.Task[None]] = set()
    # Who may accept on the sockets besides the keeper: this process's
    # server, else the workers (children) the supervisor is stopping.
    holders = ["self"] if serving_here else _children()
    mine = {sock.fileno() for sock in sockets}
    await asyncio.gather(
        *(_keep_one(sock, holders, mine, answering) for sock in sockets)
    )
    if answering:
        await asyncio.wait(answering, timeout=2 * CLIENT_TIMEOUT)


async def _keep_one(
    sock: socket.socket,
    holders: list[str],
    mine: set[int],
    answering: set[asyncio.Task[None]],
) -> None:
    """Steps 1 to 4 of the module's docstring, for one socket."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    # Every connection is taken in as soon as it is queued: the queue keeps
    # room for the next client, a stuck one included.
    loop.add_reader(sock.fileno(), _take_in, sock, answering)
    deadline = loop.time() + SERVERS_STOP_WITHIN
    while _others_accept(sock, holders, mine) and loop.time() < deadline:
        await asyncio.sleep(POLL)
    plug = await _plugged(sock, answering)
    if plug is None:
        loop.remove_reader(sock.fileno())
        logger.warning("the listening socket closes with its queue unplugged")
    sock.close()
    if plug is not None:
        _discard(plug)


async def _plugged(
    sock: socket.socket, answering: set[asyncio.Task[None]]
) -> socket.socket | None:
    """Steps 2 and 3: a plug alone in `sock`'s queue, no client's handshake
    under way; None if that took longer than PLUGGED_WITHIN. The socket's
    reader takes clients in, except while a plug is tried."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PLUGGED_WITHIN
    length = backlog(sock)
    cookies, settled_at = cookies_sent(), loop.time()
    while loop.time() < deadline:
        await asyncio.sleep(POLL)
        sent = cookies_sent()
        if sent != cookies:
            cookies, settled_at = sent, loop.time() + COOKIES_SETTLE
        if loop.time() < settled_at or half_open(sock):
            continue  # a client's handshake is under way: let it come in
        loop.remove_reader(sock.fileno())
        sock.listen(0)
        _take_in(sock, answering)
        plug = await _queued_connection(sock)
        if plug is not None and await _alone_in_the_queue(sock, cookies):
            return plug
        # A client began its handshake meanwhile: the plug gives the place
        # up (and its other end is taken in with the rest), the queue grows
        # back, and the client gets in on its next try.
        if plug is not None:
            _discard(plug)
        sock.listen(length)
        _take_in(sock, answering)
        loop.add_reader(sock.fileno(), _take_in, sock, answering)
    return None


async def _alone_in_the_queue(sock: socket.socket, cookies: int) -> bool:
    """Whether the plug, just queued, is alone in `sock`'s queue with no
    handshake under way and no SYN cookie sent since `cookies` (step 3)."""
    await asyncio.sleep(RACED_WITHIN)
    return queued(sock) == 1 and not half_open(sock) and cookies_sent() == cookies


def _others_accept(sock: socket.socket, holders: list[str], mine: set[int]) -> bool:
    """Whether a server may still accept on `sock`: a process in `holders`
    has it open (this one, on a descriptor other than the keeper's)."""
    link = f"socket:[{os.fstat(sock.fileno()).st_ino}]"
    for holder in holders:
        try:
            names = os.listdir(f"/proc/{holder}/fd")
        except OSError:
            continue  # gone meanwhile
        for name in names:
            if holder == "self" and int(name) in mine:
                continue
            try:
                if os.readlink(f"/proc/{holder}/fd/{name}") == link:
                    return True
            except OSError:
                continue
    return False


def _children() -> list[str]:
    parent = str(os.getpid())
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as status:
                # pid (command) state ppid ...: the command may hold spaces.
                fields = status.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == parent:
            found.append(name)
    return found


def _take_in(sock: socket.socket, answering: set[asyncio.Task[None]]) -> None:
    """Accept every connection queued on `sock`, each to be answered 503."""
    while True:
        try:
            connection, _ = sock.accept()
        except OSError:  # nothing queued (BlockingIOError), or a failed one
            return
        task = asyncio.get_running_loop().create_task(_answer(connection))
        answering.add(task)
        task.add_done_callback(answering.discard)


async def _queued_connection(sock: socket.socket) -> socket.socket | None:
    """A connection to `sock` that its kernel queued, else None."""
    loop = asyncio.get_running_loop()
    host, port, *rest = sock.getsockname()
    plug = socket.socket(sock.family, socket.SOCK_STREAM)
    plug.setblocking(False)
    try:
        address = (LOOPBACK.get(host, host), port, *rest)
        await asyncio.wait_for(loop.sock_connect(plug, address), PLUG_TIMEOUT)
        plug.send(b"\0")
        acknowledged_by = loop.time() + PLUG_TIMEOUT
        while loop.time() < acknowledged_by:
            await asyncio.sleep(POLL / 5)
            if unacked(plug) == 0:
                return plug
    except PLUG_FAILURES:
        pass
    _discard(plug)
    return None


def _discard(plug: socket.socket) -> None:
    """Close a plug with a reset: the kernel forgets its half of it at once,
    which a plain close would leave half-open for a while."""
    plug.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    plug.close()


async def _answer(connection: socket.socket) -> None:
    """503 `shutting_down` once the request's head is in, then a lingering
    close: what the client still sends is read, so that the close does not
    turn into a reset that destroys the answer."""
    connection.setblocking(False)
    try:
        reader, writer = await asyncio.open_connection(sock=connection)
    except OSError:
        connection.close()
        return
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CLIENT_TIMEOUT)
        writer.write(error_response(SHUTTING_DOWN, request_id(None)))
        writer.write_eof()
        await asyncio.wait_for(_read_to_the_end(reader), CLIENT_TIMEOUT)
    except CLIENT_FAILURES:
        pass
    finally:
        writer.close()
        # Awaited for its error too (a client, or a plug given up, may reset
        # the connection): one never retrieved is logged as an error.
        with contextlib.suppress(*CLIENT_FAILURES):
            await writer.wait_closed()


async def _read_to_the_end(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass
