"""The hooks as commands on an existing project: what `hooks/*.py` run.

Each command takes the project's directory (the current one by default),
runs its hooks from `HOOKS` on the project as its answers describe it, and
reports like the generator: `mljet: ...` lines, `mljet: error: ...` and a
non-zero exit for a failure (3 for a failing hook, 1 for anything else).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .._base._errors import HookError, MljetError
from .._base._reporting import Reporter, exit_status
from .._rendering._hooks import Project, hooks_named, run_hooks
from ._arguments import add_option, project_parser

Command = Callable[[Sequence[str]], int]


def _hooks_command(prog: str, description: str, *names: str) -> Command:
    def command(argv: Sequence[str]) -> int:
        args = project_parser(prog, description).parse_args(argv)
        report = Reporter(args.quiet)
        return _reported(
            lambda: run_hooks(
                Project.existing(args.project), report, hooks_named(*names)
            )
        )

    return command


def build_artifact(argv: Sequence[str]) -> int:
    from .._artifacts import artifact_named
    from .._rendering._options import Options
    from .._steps._deliver import deliver_artifact

    cli = project_parser(
        "build_artifact",
        "Build the project into an artifact, start it, and verify that it "
        "answers the golden rows exactly.",
    )
    add_option(cli, "artifact", default="docker")
    add_option(cli, "run")
    add_option(cli, "offline")
    add_option(cli, "push")
    args = cli.parse_args(argv)
    report = Reporter(args.quiet)

    def build() -> None:
        project = Project.existing(args.project)
        Options(artifact=args.artifact, push=args.push).check()
        artifact = artifact_named(args.artifact, args.offline)
        artifact.check_available()
        deliver_artifact(
            artifact, project.path, project.package, report, run=args.run,
            push=args.push,
        )  # fmt: skip

    return _reported(build)


def complete_answers(argv: Sequence[str]) -> int:
    from .._rendering._answers import write_answers
    from .._rendering._hooks._upgrade import missing_answers

    args = project_parser(
        "complete_answers",
        "Record in the project's answers file the answers this template needs "
        "that it lacks (Copier runs it before an update).",
    ).parse_args(argv)
    report = Reporter(args.quiet)

    def complete() -> None:
        project = Project.existing(args.project)
        missing = missing_answers(project)
        if missing:
            write_answers(project.path, missing)
            report.step(
                f"recorded the answers this template needs: {', '.join(missing)}"
            )

    return _reported(complete)


def finish_copier_copy(argv: Sequence[str]) -> int:
    from ._copier_task import finish_copier_copy as finish

    cli = argparse.ArgumentParser(prog="finish_copier_copy")
    cli.add_argument("--destination-argument", default="")
    cli.add_argument("--template-commit", default="")
    args = cli.parse_args(argv)
    try:
        finish(Path.cwd(), args.destination_argument, args.template_commit)
    except HookError as error:
        # The project is rendered: keep it (a failing task makes Copier delete it).
        print(f"mljet: warning: {error}", file=sys.stderr)
    except MljetError as error:
        return exit_status(error)
    return 0


def _reported(action: Callable[[], None]) -> int:
    try:
        action()
    except MljetError as error:
        return exit_status(error)
    return 0


COMMANDS: dict[str, Command] = {
    "pin_requirements": _hooks_command(
        "pin_requirements",
        "Pin the project's requirements again, from its imports and its model's "
        "modules, to the versions installed in this environment; the new pins "
        "are recorded in its answers and rendered through Copier's update, "
        "which keeps your edits. The project must be a clean git work tree.",
        "requirements",
        "render",
    ),
    "format": _hooks_command(
        "format",
        "Format the project's Python files with isort and black (your own "
        "shipped modules are left as they are).",
        "format",
    ),
    "typecheck": _hooks_command(
        "typecheck", "Type-check the project's src/ with mypy --strict.", "typecheck"
    ),
    "build_artifact": build_artifact,
    "complete_answers": complete_answers,
    "finish_copier_copy": finish_copier_copy,
}
