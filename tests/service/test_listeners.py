"""The listening socket's door at shutdown (`src/PACKAGE/mljet/listeners.py`),
on a real socket in a process of its own: clients hammering it while it
closes are answered or refused, never reset after sending."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time

from conftest import Core

# A listening socket served by a thread (the server), 16 clients that
# connect again as soon as they are answered, and the door closed while
# they do; the server stops accepting right after, as servers do.
SCRIPT = """
import json, socket, sys, threading, time
from PACKAGE.mljet import listeners

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(128)
port = server.getsockname()[1]
found = listeners.listening_sockets()
seen = [s.getsockname()[1] for s in found]
lengths = [listeners.backlog(s) for s in found]
for s in found:
    s.close()
outcomes, lock, stop = {}, threading.Lock(), threading.Event()

def note(outcome):
    with lock:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

def client():
    while True:
        sock, sent = socket.socket(), False
        sock.settimeout(10)
        try:
            sock.connect(("127.0.0.1", port))
            sock.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            sent = True
            note(sock.recv(12).decode() or "closed unanswered")
        except ConnectionRefusedError:
            note("refused")
            return
        except OSError as error:
            note(("after sending: " if sent else "") + type(error).__name__)
            if stop.is_set():
                return
        finally:
            sock.close()

def serve():
    server.settimeout(0.01)
    while not stop.is_set():
        try:
            connection, _ = server.accept()
        except OSError:
            continue
        connection.recv(1000)
        connection.sendall(b"HTTP/1.1 200 OK\\r\\ncontent-length: 0\\r\\n\\r\\n")
        connection.close()
    server.close()

serving = threading.Thread(target=serve)
serving.start()
clients = [threading.Thread(target=client) for _ in range(16)]
for thread in clients:
    thread.start()
time.sleep(0.5)
listeners.close_the_door(serving_here=True)
stop.set()
serving.join()
listeners.wait_for_the_door()
for thread in clients:
    thread.join(30)
print(json.dumps({"port": port, "seen": seen, "lengths": lengths,
                  "outcomes": outcomes}))
"""


def test_clients_are_answered_or_refused_never_reset(core: Core) -> None:
    script = SCRIPT.replace("PACKAGE", core.package)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(core.project / "src")},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["seen"] == [found["port"]]
    # The queue's length as the server gave it, which the door restores
    # whenever a client's handshake makes it give its plug up.
    assert found["lengths"] == [128]
    outcomes = found["outcomes"]
    # The server's 200s, the door's 503s, then every client refused.
    assert outcomes.pop("refused") == 16, outcomes
    assert outcomes.pop("HTTP/1.1 200") > 0, outcomes
    assert set(outcomes) <= {"HTTP/1.1 503"}, outcomes


def test_the_door_stays_open_while_a_client_waits_beside_its_plug(
    core: Core,
) -> None:
    """Two handshakes ending at once may both get into a queue of one place
    (the kernel checks its room without a lock): the plug's and a client's.
    The door sees the client, who would be reset at the close."""
    listeners, tcp_states = core.module("listeners"), core.module("tcp_states")

    def alone(listener: socket.socket) -> bool:
        # A SYN cookie sent elsewhere meanwhile makes the door wait too:
        # alone once in a few looks.
        return any(
            asyncio.run(
                listeners._alone_in_the_queue(listener, tcp_states.cookies_sent())
            )
            for _ in range(5)
        )

    def queued(listener: socket.socket, expected: int) -> None:
        deadline = time.monotonic() + 2
        while tcp_states.queued(listener) != expected and time.monotonic() < deadline:
            time.sleep(0.01)
        assert tcp_states.queued(listener) == expected

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        address = listener.getsockname()
        with socket.create_connection(address):  # the plug
            queued(listener, 1)
            assert alone(listener)
            with socket.create_connection(address):  # a client, then the cut
                queued(listener, 2)
                listener.listen(0)
                assert not alone(listener)
