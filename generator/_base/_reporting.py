"""Progress lines for the user: one per step, on stderr, unless quiet."""

from __future__ import annotations

import sys
import time
from typing import Protocol

from ._errors import HookError, MljetError


class Steps(Protocol):
    """Whatever reports progress: the generator's reporter, or a quiet one."""

    def step(self, message: str) -> None: ...


class Reporter:
    """Prints `mljet: MESSAGE` per step and knows how long the run has taken,
    and when each step was reported (`steps`, quiet or not)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()
        self.steps: list[tuple[float, str]] = []

    def step(self, message: str) -> None:
        at = self.elapsed
        self.steps.append((round(at, 3), message))
        if not self.quiet:
            # The time since the start: a step that took a while shows as
            # a gap before the next line.
            print(f"mljet: [{at:5.1f} s] {message}", file=sys.stderr, flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def said_on_stdout(line: str) -> None:
    """Print what the user needs of a run on stdout (an image pushed, where
    an artifact serves), flushed at once; progress goes to stderr."""
    print(line, flush=True)


def exit_status(error: MljetError) -> int:
    """Print the error for the user; the status a command exits with.

    3 when a hook failed (the project is there to inspect), 1 otherwise.
    """
    print(f"mljet: error: {error}", file=sys.stderr)
    return 3 if isinstance(error, HookError) else 1
