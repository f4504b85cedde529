"""Progress lines for the user: one per step, on stderr, unless quiet."""

from __future__ import annotations

import sys
import time
from typing import Protocol


class Steps(Protocol):
    """Whatever reports progress: the generator's reporter, or a quiet one."""

    def step(self, message: str) -> None: ...


class Reporter:
    """Prints `mljet: MESSAGE` per step and knows how long the run has taken."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()

    def step(self, message: str) -> None:
        if not self.quiet:
            print(f"mljet: {message}", file=sys.stderr, flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
