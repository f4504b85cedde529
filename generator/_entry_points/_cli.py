"""`python -m generator` / `mljet`: the command line over `cook`.

Its flags are the options of `Options`, each offered as its `Option` says;
a value the options' check refuses is a usage error naming the flag.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from .._base._errors import MljetError, OptionError
from .._base._reporting import Reporter, exit_status
from .._base._worker import WorkerProcess
from .._rendering._options import Options, option_specs
from ._arguments import DEFAULT, add_option, project_parser
from ._completion import SHELLS, completion_script
from ._defaults import Configured, configured_defaults

USAGE = """mljet MODEL_FILE [options]
       mljet update [DIR] [--no-checks] [-q]"""
COMMANDS = """commands:
  (none)        generate a project for MODEL_FILE (what the options below shape)
  update [DIR]  bring a generated service to this MLJET's template, keeping
                your committed edits (mljet update --help)

Every option can also be set by an environment variable MLJET_<OPTION>
(MLJET_RUNTIME=onnx, MLJET_MAX_INSTANCES=500) or in mljet.toml, else in
[tool.mljet] of pyproject.toml, in the working directory (runtime =
"onnx"). A flag wins over the variable, the variable over the file."""


def parser(
    configured: Mapping[str, Configured] | None = None,
) -> argparse.ArgumentParser:
    """The command line; `configured` gives options defaults set outside it
    (`_defaults.py`), which --help shows."""
    configured = configured or {}
    cli = argparse.ArgumentParser(
        prog="mljet",
        usage=USAGE,
        description="Generate a web-service project that serves a trained model.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_argument(
        "model_file",
        type=Path,
        help=f"the model: a joblib or pickle file, or {model_file_formats()}",
    )
    for name, _ in option_specs():
        given = configured.get(name)
        default = DEFAULT if given is None else given.value
        source = None if given is None else given.source
        add_option(cli, name, default, source=source)
    cli.add_argument(
        "--json",
        action="store_true",
        help="print what was made as one JSON object on stdout (the project, its "
        "package, the artifact, how to run it, the steps and their times); "
        "progress stays on stderr",
    )
    cli.add_argument(
        "--completion",
        choices=SHELLS,
        action=PrintCompletion,
        # Like --version: it prints and exits, and leaves no option behind.
        default=argparse.SUPPRESS,
        help="print the shell's completion script and exit (bash: mljet "
        "--completion bash > ~/.local/share/bash-completion/completions/mljet)",
    )
    cli.add_argument("--version", action="version", version=f"mljet {__version__}")
    return cli


class PrintCompletion(argparse.Action):
    """`--completion SHELL`: the script, written from the parsers, then exit."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(completion_script(str(values), parser, update_parser()), end="")
        parser.exit()


def update_parser() -> argparse.ArgumentParser:
    cli = project_parser(
        "mljet update",
        "Bring a generated service to this MLJET's template, keeping your "
        "committed edits; files where they collide are listed and the command "
        "fails.",
    )
    cli.add_argument(
        "--no-checks",
        dest="checks",
        action="store_false",
        help="skip the checks after the update (import, black, mypy --strict)",
    )
    return cli


def model_file_formats() -> str:
    """The model files libraries write themselves, as the help names them."""
    from .._model._families import FAMILIES

    listed = [
        f"{'/'.join(f.file_suffixes)} ({f.library})"
        for f in FAMILIES
        if f.file_suffixes
    ]
    return "a model file of its library's own: " + ", ".join(listed)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["update"]:
        return update(argv[1:])
    try:
        configured = configured_defaults(Path.cwd())
    except MljetError as error:
        parser().error(str(error))
    cli = parser(configured)
    args = vars(cli.parse_args(argv))
    model_file = args.pop("model_file")
    as_json = args.pop("json")
    options = Options.from_keywords(args)
    worker = WorkerProcess()
    try:
        from ._cook import generate

        # With --json, stdout holds the one object: other lines go to stderr.
        say = _to_stderr if as_json else None
        generated = generate(model_file, options, worker=worker, say=say)
        if as_json:
            print(json.dumps(generated.as_json(), indent=2), flush=True)
    except OptionError as error:
        flag = dict(option_specs())[error.option].flag
        cli.error(f"argument {flag}: {error.reason}")
    except MljetError as error:
        return exit_status(error)
    except KeyboardInterrupt:
        print("mljet: interrupted", file=sys.stderr)
        return 130
    finally:
        worker.close()
    return 0


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def update(argv: Sequence[str]) -> int:
    """`mljet update [DIR]`: 0 when the service is updated and checks pass."""
    args = update_parser().parse_args(argv)
    try:
        from .._steps._update import update_service

        updated = update_service(args.project, Reporter(args.quiet), checks=args.checks)
    except MljetError as error:
        return exit_status(error)
    except KeyboardInterrupt:
        print("mljet: interrupted", file=sys.stderr)
        return 130
    print(updated.summary())
    return 0 if updated.ok else 1
