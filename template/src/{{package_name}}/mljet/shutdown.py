# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""A graceful shutdown: whether it has begun, and the connections to tell.

Each backend's server stops on SIGTERM in its own way; `drain_on_signals`
puts one step before it, the same everywhere: the drain is marked at once
(`/ready` answers 503 `shutting_down`), and every open connection's guard
(`edge.py`) is told to drain on the event loop. A process that serves
alone (`serve_alone`) also closes its listening socket's door
(`listeners.py`); a supervisor of several workers does that itself.

A stop that comes while the service starts is held (`hold_stops`): before
the server starts, the service ends without serving; after, the server is
given the signal once it handles it itself (`give_held_stop`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import weakref
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol

# How long a connection idle at shutdown stays open for a request already
# on its way; one sent later meets a closed socket, as at any idle close.
DRAIN_GRACE = 1.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
logger = logging.getLogger(__name__)


class Connection(Protocol):
    def drain(self) -> None: ...


class _State:
    started = False
    # This process is the whole service: no supervisor, no other worker.
    alone = False
    # A stop signal received before the server handled it itself.
    held: int | None = None


_STATE = _State()
# The connections open in this process (a guard adds itself, and leaves).
CONNECTIONS: weakref.WeakSet[Connection] = weakref.WeakSet()


def started() -> bool:
    """Whether this process has begun to shut down."""
    return _STATE.started


def hold_stops() -> None:
    """Hold SIGTERM and SIGINT until the server handles them itself.

    Python's defaults would end the process by the signal, midway: a pod
    stopped while it starts would exit 143, a half-spawned helper process
    printing its traceback; a server would log the stop as an error.
    """
    for number in STOP_SIGNALS:
        signal.signal(number, _hold)


def _hold(signum: int, frame: FrameType | None) -> None:
    _STATE.held = _STATE.held or signum


def stop_held() -> int | None:
    """The stop signal held since `hold_stops`, if one came."""
    return _STATE.held


def give_held_stop() -> None:
    """Raise the stop signal held, once the server handles it itself."""
    held, _STATE.held = _STATE.held, None
    if held is not None:
        signal.raise_signal(held)


def serve_alone() -> None:
    """Mark this process as the whole service, before its server starts."""
    _STATE.alone = True


def begin_drain() -> None:
    """Tell every open connection to drain (on the event loop)."""
    _STATE.started = True
    for connection in list(CONNECTIONS):
        connection.drain()


async def connections_closed(within: float) -> None:
    """Return once every guarded connection of this process has closed
    (each closes itself while draining), or after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while CONNECTIONS and loop.time() < deadline:
        await asyncio.sleep(0.05)


def begin_shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """Mark the drain and schedule it on `loop`, once; safe in a signal
    handler. A process that serves alone also closes its door here."""
    if _STATE.started:
        return
    _STATE.started = True
    logger.info("draining %d connection(s)", len(CONNECTIONS))
    loop.call_soon_threadsafe(begin_drain)
    if _STATE.alone:
        # Imported here: listeners.py answers through edge.py, which
        # imports this module.
        from .listeners import close_the_door

        close_the_door(serving_here=True)


def drain_on_signals() -> None:
    """Drain when the server is told to stop (SIGTERM, or SIGINT).

    Called on the event loop once the server handles the signals itself:
    its handler still runs, after this one. A signal handler must not touch
    the loop's state, so it only marks the drain and schedules the rest.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        server_handler = signal.getsignal(number)
        if not callable(server_handler) or getattr(server_handler, "drains", False):
            continue

        def handler(
            signum: int,
            frame: FrameType | None,
            then: Callable[..., Any] = server_handler,
        ) -> None:
            begin_shutdown(loop)
            then(signum, frame)

        handler.drains = True  # type: ignore[attr-defined]
        signal.signal(number, handler)
