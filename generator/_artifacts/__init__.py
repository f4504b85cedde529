"""Artifacts a project is built into, each verified against its golden rows.

An artifact kind is one module with a class satisfying `Artifact`, listed in
`ARTIFACTS`. `make_artifact` builds it, starts it, replays the golden rows
through it (`_parity`), and stops it unless asked to keep it running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from .._base._errors import MljetError
from .._base._reporting import Steps
from ._docker import DockerImage
from ._parity import check_parity, golden_of, golden_scale, wait_until_ready
from ._push import PUSHED_IMAGE, publish, reference_problem
from ._quality import check_report_card
from ._running import Built, Running
from ._wheel import Wheel

__all__ = [
    "ARTIFACTS", "PUSHED_IMAGE", "Artifact", "Built", "Running", "artifact_named",
    "make_artifact", "publish", "reference_problem", "serving",
]  # fmt: skip
READY_TIMEOUT = 120.0


class Artifact(Protocol):
    name: str

    def check_available(self) -> None:
        """Raise MljetError, saying what to install or start, if it cannot build."""

    def build(self, project: Path, package: str, report: Steps) -> Built:
        """Build the project into the artifact; MljetError saying why not."""

    def start(self, built: Built) -> Running:
        """Start serving the built artifact on a free local port."""


# Each kind, made from the one option that concerns it: `offline`, which
# only an image build uses.
ARTIFACTS: Mapping[str, Callable[[bool], Artifact]] = {
    "docker": lambda offline: DockerImage(offline=offline),
    "wheel": lambda offline: Wheel(),
}


def artifact_named(name: str, offline: bool = False) -> Artifact:
    if name not in ARTIFACTS:
        raise MljetError(
            f"Unknown artifact '{name}'; choose one of: {', '.join(ARTIFACTS)}."
        )
    return ARTIFACTS[name](offline)


def make_artifact(
    artifact: Artifact, project: Path, package: str, report: Steps, keep_running: bool
) -> tuple[Built, Running | None]:
    """Build, start and verify; return the build and, if kept, the server."""
    built = artifact.build(project, package, report)
    running = artifact.start(built)
    try:
        wait_until_ready(running.url, READY_TIMEOUT, running.is_running)
        golden = golden_of(project)
        compared = check_parity(running.url, golden)
        tolerance = float(golden.get("tolerance", 0))
        replayed = check_report_card(
            running.url, project, tolerance, golden_scale(golden)
        )
    except MljetError as error:
        logs = running.logs().strip()
        running.stop()
        raise MljetError(
            f"The {artifact.name} artifact {built.reference} failed verification: "
            f"{error}" + (f"\nIts last log lines:\n{logs}" if logs else "")
        ) from None
    except BaseException:
        running.stop()
        raise
    how = (
        f"with the model's labels and scores within {tolerance:g} of its own"
        if tolerance
        else "exactly as the model does here"
    )
    card = f", and its report card on {replayed} evaluation rows" if replayed else ""
    report.step(
        f"verified: {built.reference} answered {compared} golden predictions {how}"
        + card
    )
    if keep_running:
        return built, running
    running.stop()
    return built, None


def serving(package: str, running: Running) -> str:
    """The line that tells the user where a kept artifact serves."""
    return (
        f"{package} is serving at {running.url} (docs: {running.url}/docs); "
        f"stop it with: {running.how_to_stop}"
    )
