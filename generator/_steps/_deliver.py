"""The last step, when asked for: the project built into an artifact,
verified, pushed and left running as the options say (`--artifact`,
`--push`, `--run`), for generation and for `hooks/build_artifact.py` alike."""

from __future__ import annotations

from pathlib import Path

from .._artifacts import PUSHED_IMAGE, Artifact, make_artifact, publish, serving
from .._base._errors import MljetError
from .._base._reporting import Steps
from .._rendering._answers import write_answers


def deliver_artifact(
    artifact: Artifact,
    project: Path,
    package: str,
    report: Steps,
    *,
    run: bool,
    push: str | None,
) -> None:
    """Build and verify `artifact`; push it to `push` when given, recording
    the pushed digest; print where it serves when kept running. MljetError
    says what failed, with nothing left running."""
    built, running = make_artifact(artifact, project, package, report, run)
    if push is not None:
        try:
            pushed = publish(built, push, project, report)
            write_answers(project, {PUSHED_IMAGE: pushed})
        except MljetError:
            if running is not None:
                running.stop()
            raise
        print(f"pushed {pushed}", flush=True)
    if running is not None:
        print(serving(package, running), flush=True)
