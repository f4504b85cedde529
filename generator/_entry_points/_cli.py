"""`python -m generator` / `mljet`: the command line over `cook`.

Its flags are the options of `Options`, each offered as its `Option` says;
a value the options' check refuses is a usage error naming the flag.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .._base._errors import MljetError, OptionError
from .._base._reporting import Reporter, exit_status
from .._base._worker import WorkerProcess
from .._rendering._options import Options, option_specs
from ._arguments import add_option, project_parser


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="mljet",
        description="Generate a web-service project that serves a trained model. "
        "`mljet update [DIR]` brings a generated one to this version's template.",
    )
    cli.add_argument(
        "model_file",
        type=Path,
        help=f"the model: a joblib or pickle file, or {model_file_formats()}",
    )
    for name, _ in option_specs():
        add_option(cli, name)
    cli.add_argument("--version", action="version", version=f"mljet {__version__}")
    return cli


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
    cli = parser()
    args = vars(cli.parse_args(argv))
    model_file = args.pop("model_file")
    options = Options.from_keywords(args)
    worker = WorkerProcess()
    try:
        from ._cook import generate

        generate(model_file, options, worker=worker)
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
