"""The web frameworks a service can be generated for: one entry each.

The entries are the template's own data, `template/backends.yml`, which
the template also reads as it renders (so no answers file copies them):
this module reads them into `Backend`s. A backend is its entry plus its
glue in the template, rendered only for it: the owner's `app.py`, MLJET's
`mljet/glue.py`, and the in-process test client `tests/app_client.py`.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml
from packaging.markers import Marker

from .._base._errors import MljetError
from ._history import template_files


@dataclass(frozen=True)
class Backend:
    """One web framework and the production server that runs it; each
    field is described in `template/backends.yml`."""

    name: str
    label: str
    framework: str
    server: str
    server_label: str
    workers: str
    command: str
    runtime_requirements: tuple[str, ...]
    test_requirements: tuple[tuple[str, ...], ...] = ()
    speedups: Mapping[str, str] = field(default_factory=dict)
    wsgi: bool = False
    documents_own_routes: bool = False

    def check_installed(self) -> None:
        """Refuse an environment without the server, or without a speedup
        this platform takes: the service pins what is installed here, and
        its speed must not depend on what happens to be."""
        wanted = [*self.runtime_requirements, *self.speedups_here()]
        missing = [name for name in wanted if not _installed(name)]
        if missing:
            raise MljetError(
                f"The {self.name} backend needs {' and '.join(missing)} installed "
                "beside the model, so that the service pins the versions you "
                f"tested with. Install them with: pip install 'mljet[{self.name}]'"
            )

    def speedups_here(self) -> dict[str, str]:
        """The speedups this platform takes (their markers hold here): every
        service pins them, each with its marker."""
        return {
            name: marker
            for name, marker in self.speedups.items()
            if not marker or Marker(marker).evaluate()
        }


def registry_file(root: Path | None = None) -> Path:
    """`template/backends.yml` of the template at `root` (this MLJET's)."""
    return (root or template_files()) / "template" / "backends.yml"


def read_backends(path: Path) -> dict[str, Backend]:
    """The backends `path` (a `backends.yml`) lists, in its order."""
    entries: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text())
    known = {f.name for f in fields(Backend)}
    found = {}
    for name, entry in entries.items():
        unknown = set(entry) - known
        if unknown:
            raise MljetError(f"{path}: {name} has unknown facts {sorted(unknown)}")
        found[name] = Backend(
            name=name,
            **{
                **entry,
                "runtime_requirements": tuple(entry["runtime_requirements"]),
                "test_requirements": tuple(
                    tuple(group) for group in entry.get("test_requirements", ())
                ),
                "speedups": dict(entry.get("speedups", {})),
            },
        )
    return found


BACKENDS: dict[str, Backend] = read_backends(registry_file())
# The first entry: what copier.yml offers first, too.
DEFAULT_BACKEND = next(iter(BACKENDS))

# Tools the generated project's README tells developers to run.
DEV_TOOLS: tuple[str, ...] = ("pytest", "black", "isort", "ruff", "mypy")


def backend_named(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise MljetError(
            f"Unknown backend '{name}'. Available: {', '.join(BACKENDS)}."
        ) from None


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
