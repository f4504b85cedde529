"""Who runs Copier and black: this process, or a warmed-up worker process.

The command line starts a worker first thing, so that importing Copier,
black and isort (over half a second) overlaps with loading the model in
the main process. Both renderers answer the same two calls.
"""

from __future__ import annotations

import concurrent.futures
from pathlib import Path
from typing import Any, Protocol

from ._errors import MljetError
from ._template import TemplateSource


class Renderer(Protocol):
    def render(
        self,
        destination: Path,
        answers: dict[str, Any],
        source: TemplateSource,
        draft: bool = False,
    ) -> None:
        """Render the template into `destination` with every answer given."""

    def format(
        self, project: Path, verbatim: frozenset[str], skip: tuple[str, ...] = ()
    ) -> int:
        """Format the project's Python files; return how many changed."""


class InProcessRenderer:
    def render(
        self,
        destination: Path,
        answers: dict[str, Any],
        source: TemplateSource,
        draft: bool = False,
    ) -> None:
        from ._template import render

        render(destination, answers, source, draft)

    def format(
        self, project: Path, verbatim: frozenset[str], skip: tuple[str, ...] = ()
    ) -> int:
        from ._hooks._format import format_project

        return format_project(project, verbatim, skip)


class WorkerRenderer:
    """Renders in one long-lived worker process, warmed up on creation."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=1)
        self._pool.submit(_warm_up)
        self._local = InProcessRenderer()

    def render(
        self,
        destination: Path,
        answers: dict[str, Any],
        source: TemplateSource,
        draft: bool = False,
    ) -> None:
        self._call(self._local.render, destination, answers, source, draft)

    def format(
        self, project: Path, verbatim: frozenset[str], skip: tuple[str, ...] = ()
    ) -> int:
        changed: int = self._call(self._local.format, project, verbatim, skip)
        return changed

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _call(self, function: Any, *args: Any) -> Any:
        try:
            return self._pool.submit(function, *args).result()
        except concurrent.futures.process.BrokenProcessPool as error:
            raise MljetError(f"the rendering worker process died: {error}") from None


def _warm_up() -> None:
    import black  # noqa: F401
    import copier  # noqa: F401
    import isort  # noqa: F401
