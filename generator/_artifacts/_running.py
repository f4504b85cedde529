"""What every artifact kind hands back: a build, and a way to run it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Built:
    """A built artifact: its kind, what names it (a tag, a path), and the
    command that runs it on the user's machine."""

    kind: str
    reference: str
    how_to_run: str


@dataclass(frozen=True)
class Running:
    """A started artifact serving at `url`, and how to look at and stop it."""

    url: str
    how_to_stop: str
    is_running: Callable[[], bool]
    stop: Callable[[], None]
    logs: Callable[[], str]
