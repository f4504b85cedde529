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
open on a duplicate, and takes every connection in as soon as it is
queued, to answer it 503 `shutting_down` with `Connection: close`:

1. until no server accepts on it any more;
2. then it has the kernel drop every new client's first segment (SYN) to
   the socket, with a socket filter: such a client gets no answer, and
   tries again a second later;
3. handshakes that began before complete all the same: the thread waits
   until the kernel's table holds none under way and no SYN cookie was
   sent lately (the kernel answers with a cookie, and keeps no trace of the
   handshake, when many begin at once), and takes their clients in;
4. it closes the socket with nothing queued and nobody on the way: a
   client's next SYN finds the port closed and is refused, which it may
   safely retry elsewhere. (Where a supervisor's own descriptor keeps the
   socket open a while longer, the filter keeps clients out meanwhile.)

Linux only (the filter, and the kernel's view of sockets: `tcp_states.py`);
elsewhere servers close their sockets as they always do.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat
import sys
import threading

from .edge import error_response
from .errors import SHUTTING_DOWN
from .logs import request_id
from .tcp_states import cookies_sent, drop_new_handshakes, half_open

# How long the servers have to stop accepting, and then the handshakes
# under way to complete, before the door closes anyway.
SERVERS_STOP_WITHIN = 10.0
HANDSHAKES_WITHIN = 5.0
# How often the keeper looks again, and how long a SYN the kernel was
# answering as the filter came may take to show as a handshake under way.
POLL = 0.005
FILTER_REACHED = 0.02
# After a SYN cookie, how long its client has to complete the handshake
# (the kernel resends after 0.2 s at first, then twice as late).
COOKIES_SETTLE = 1.0
# A queued client has this long to send its request's head, and then to
# read the answer and close, before its connection is closed.
CLIENT_TIMEOUT = 2.0
# What a queued client may do wrong: it is closed, as it would be anyway.
CLIENT_FAILURES = (
    OSError,
    asyncio.TimeoutError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
)
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
    loop.add_reader(sock.fileno(), _take_in, sock, answering)
    cookies = cookies_sent()
    deadline = loop.time() + SERVERS_STOP_WITHIN
    while _others_accept(sock, holders, mine) and loop.time() < deadline:
        await asyncio.sleep(POLL)
    try:
        drop_new_handshakes(sock)
    except OSError as error:
        logger.warning("the listening socket closes unfiltered: %s", error)
    else:
        if not await _handshakes_completed(sock, cookies):
            logger.warning("the listening socket closes with handshakes under way")
    loop.remove_reader(sock.fileno())
    _take_in(sock, answering)
    sock.close()


async def _handshakes_completed(sock: socket.socket, cookies: int) -> bool:
    """Step 3: whether, new handshakes dropped, those under way completed
    within HANDSHAKES_WITHIN. `cookies`: the kernel's count of SYN cookies
    sent when the door began to close. The socket's reader takes their
    clients in meanwhile."""
    loop = asyncio.get_running_loop()
    settled_at = loop.time() + FILTER_REACHED
    deadline = loop.time() + HANDSHAKES_WITHIN
    while loop.time() < deadline:
        await asyncio.sleep(POLL)
        sent = cookies_sent()
        if sent != cookies:
            cookies, settled_at = sent, loop.time() + COOKIES_SETTLE
        if loop.time() >= settled_at and not half_open(sock):
            return True
    return False


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


async def _read_to_the_end(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass
