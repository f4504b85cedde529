"""What one run of the generator made: the record `mljet --json` prints.

`cook()` returns the project's directory; the command line prints this
record, one JSON object on stdout, when asked with `--json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._steps._deliver import Delivered


@dataclass(frozen=True)
class Generated:
    """A project made (or a model put into one with `--update`), and what
    came of it: its artifact, and the steps reported on the way."""

    project: Path
    package: str
    how_to_run: str
    seconds: float
    steps: list[tuple[float, str]] = field(default_factory=list)
    delivered: Delivered | None = None

    def as_json(self) -> dict[str, Any]:
        """The record as plain JSON values (paths absolute)."""
        artifact = None
        if self.delivered is not None:
            built, running = self.delivered.built, self.delivered.running
            artifact = {
                "kind": built.kind,
                "reference": built.reference,
                "pushed": self.delivered.pushed,
                "serving_at": running.url if running else None,
                "how_to_stop": running.how_to_stop if running else None,
            }
        return {
            "project": str(self.project.resolve()),
            "package": self.package,
            "artifact": artifact,
            "how_to_run": self.how_to_run,
            "seconds": round(self.seconds, 3),
            "steps": [{"at": at, "said": said} for at, said in self.steps],
        }
