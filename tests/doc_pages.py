"""Running a documentation page's commands as written: its code blocks, an
environment whose `python` is this one's, and a shell wait for a service
the page starts on the port it is given."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

# The port the pages' services answer on; the tests give each a free one.
PAGE_PORT = "localhost:8000"


def code_blocks(page: str) -> list[tuple[str, str]]:
    """Each fenced block of `page`: its language and its text."""
    return re.findall(r"```(\w+)\n(.*?)```", page, re.DOTALL)


def shell_env(port: int) -> dict[str, str]:
    """This environment, its `python` first on PATH, services on `port`."""
    bin_dir = str(Path(sys.executable).parent)
    path = bin_dir + os.pathsep + os.environ["PATH"]
    return {**os.environ, "PATH": path, "PORT": str(port)}


def on_port(command: str, port: int) -> str:
    return command.replace(PAGE_PORT, f"localhost:{port}")


def wait_until_ready(port: int) -> str:
    """A shell command that returns once the service on `port` is ready."""
    return (
        f"for _ in $(seq 100); do curl -sf localhost:{port}/ready && break; "
        "sleep 0.3; done"
    )
