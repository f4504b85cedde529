"""`docker stop` of a running service's container under load, from inside
the container's network namespace, so that the clients use its loopback:

    nsenter --target PID --net -- python stop_under_load.py NAME PORT BODY

The clients are `edge_clients.shutdown_under_load`'s; the report is printed
as JSON. `docker stop` reaches the engine through its Unix socket, which
the namespace does not change.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from edge_clients import shutdown_under_load

from servers import Server


class StoppedByDocker:
    """The container, where `shutdown_under_load` expects a process: the
    signal is `docker stop`'s, the exit status the container's."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stopping: subprocess.Popen[bytes] | None = None

    def send_signal(self, number: int) -> None:
        del number  # docker stop sends the image's stop signal, SIGTERM
        self.stopping = subprocess.Popen(
            ["docker", "stop", "--time", "30", self.name], stdout=subprocess.DEVNULL
        )

    def wait(self, timeout: float) -> int:
        assert self.stopping is not None
        self.stopping.wait(timeout)
        status = subprocess.run(
            ["docker", "inspect", "--format", "{{.State.ExitCode}}", self.name],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(status.stdout)


def main() -> None:
    name, port, body = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    container = StoppedByDocker(name)
    server = Server(f"http://127.0.0.1:{port}", container)  # type: ignore[arg-type]
    report = shutdown_under_load(server, body)
    # Not dataclasses.asdict: it would rebuild the Counter from its pairs.
    fields = {
        field.name: getattr(report, field.name) for field in dataclasses.fields(report)
    }
    print(json.dumps(fields))


if __name__ == "__main__":
    main()
