"""MLJET's per-user cache: where it is, and one process at a time in it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def cache_root() -> Path:
    """$MLJET_CACHE_DIR, else the XDG cache's mljet/ directory."""
    configured = os.environ.get("MLJET_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mljet"


@contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """Hold `name`'s lock in the cache, for one process at a time."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.lock").open("w") as lock:
        _lock_exclusively(lock)
        yield


def _lock_exclusively(lock: IO[str]) -> None:
    if sys.platform != "win32":
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
    else:  # pragma: no cover - exercised on Windows only
        import msvcrt

        msvcrt.locking(lock.fileno(), msvcrt.LK_LOCK, 1)
