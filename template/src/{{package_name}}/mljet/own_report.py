# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The report the model's library wrote about it, served as written.

`--report DIR` copied the folder the library wrote (an HTML page, and the
charts it links to by relative names) into `model_files/`; the spec
names the page, the path it is served at and every file. The page is
answered at that path (ending in `/`, so that its relative links hold)
and each listed file under it; nothing else. The page runs only its own
inline scripts, named by digest in its Content-Security-Policy, and
reaches nothing but the service.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from .pages import ASSET_HEADERS, page_reply
from .routes import GET, Incoming, Reply, Route
from .spec import ServiceSpec

NotFound = Callable[[str, str], Reply]


class OwnReport:
    """The routes of the library's report, when the service has one."""

    def __init__(self, spec: ServiceSpec, not_found: NotFound) -> None:
        self._report: dict[str, Any] = spec.own_report or {}
        self._directory = spec.model_path.parent / str(self._report.get("folder"))
        self._not_found = not_found
        self._replies: dict[str, Reply] = {}

    def routes(self) -> list[Route]:
        if not self._report:
            return []
        path = str(self._report["path"]).rstrip("/")
        page = str(self._report["page"])
        # Relative: it holds behind a proxy's path prefix (ROOT_PATH).
        moved = Reply(
            308, b"", "text/plain", {"Location": f"{PurePosixPath(path).name}/"}
        )
        return [
            Route(GET, path, lambda _: moved),
            Route(GET, f"{path}/", lambda _: self._file(page)),
            Route(GET, path + "/{name}", self._asked),
        ]

    def _asked(self, asked: Incoming) -> Reply:
        name = asked.params["name"]
        if name not in self._report["files"]:
            return self._not_found("GET", asked.path)
        return self._file(name)

    def _file(self, name: str) -> Reply:
        """The file's reply, read once (a report weighs about a megabyte)."""
        if name not in self._replies:
            try:
                content = (self._directory / name).read_bytes()
            except OSError:
                return self._not_found("GET", f"{self._report['path']}{name}")
            self._replies[name] = _reply(name, content)
        return self._replies[name]


def _reply(name: str, content: bytes) -> Reply:
    if name.endswith(".html"):
        return page_reply(content, style_attributes=True)
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Reply(200, content, kind, ASSET_HEADERS)
