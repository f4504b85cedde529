"""Where Copier and black run: in this process, or in a warmed-up worker.

The command line starts a worker process first thing, so that importing
Copier, black and isort (over half a second) overlaps with loading the
model in the main process. Both answer `run(function, *args)`; the
functions they are given are module-level, so that they reach the worker.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from ._errors import MljetError

Result = TypeVar("Result")


class Worker(Protocol):
    def run(self, function: Callable[..., Result], *args: Any) -> Result:
        """Call `function(*args)` where Copier and black are at hand."""


class InProcess:
    def run(self, function: Callable[..., Result], *args: Any) -> Result:
        return function(*args)


class WorkerProcess:
    """Runs in one long-lived worker process, warmed up on creation."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=1)
        self._pool.submit(_warm_up)

    def run(self, function: Callable[..., Result], *args: Any) -> Result:
        try:
            return self._pool.submit(function, *args).result()
        except concurrent.futures.process.BrokenProcessPool as error:
            raise MljetError(f"the rendering worker process died: {error}") from None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _warm_up() -> None:
    import black  # noqa: F401
    import copier  # noqa: F401
    import isort  # noqa: F401
