"""The last step, when asked for: the project built into an artifact,
verified, pushed and left running as the options say (`--artifact`,
`--push`, `--run`), for generation and for `hooks/build_artifact.py` alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._artifacts import (
    PUSHED_IMAGE,
    Artifact,
    Built,
    Running,
    make_artifact,
    publish,
    serving,
)
from .._base._errors import MljetError
from .._base._reporting import Steps, said_on_stdout
from .._rendering._answers import write_answers


@dataclass(frozen=True)
class Delivered:
    """A verified artifact: the build, where it was pushed, and the server
    kept running (each when asked for)."""

    built: Built
    pushed: str | None
    running: Running | None


def deliver_artifact(
    artifact: Artifact,
    project: Path,
    package: str,
    report: Steps,
    *,
    run: bool,
    push: str | None,
    say: Callable[[str], None] | None = None,
) -> Delivered:
    """Build and verify `artifact`; push it to `push` when given, recording
    the pushed digest; `say` where it serves when kept running. MljetError
    says what failed, with nothing left running."""
    say = say or said_on_stdout
    built, running = make_artifact(artifact, project, package, report, run)
    pushed = None
    if push is not None:
        try:
            pushed = publish(built, push, project, report)
            write_answers(project, {PUSHED_IMAGE: pushed})
        except MljetError:
            if running is not None:
                running.stop()
            raise
        say(f"pushed {pushed}")
    if running is not None:
        say(serving(package, running))
    return Delivered(built, pushed, running)
