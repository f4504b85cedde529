"""`python -m generator` / `mljet`: the command line over `cook`.

Its flags are the options of `Options`, each offered as its `Option` says;
a value the options' check refuses is a usage error naming the flag.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from .._base._errors import MljetError, OptionError
from .._base._reporting import Reporter, exit_status
from .._base._worker import WorkerProcess
from .._rendering._options import Option, Options, default_of, option_specs

SHORT_FLAGS = {"quiet": "-q"}
# Stands for "the option's own default" in `add_option`.
DEFAULT: Any = object()


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="mljet",
        description="Generate a web-service project that serves a trained model. "
        "`mljet update [DIR]` brings a generated one to this version's template.",
    )
    cli.add_argument(
        "model_file",
        type=Path,
        help="the model: a joblib or pickle file, or an XGBoost .json/.ubj, "
        "LightGBM .txt or CatBoost .cbm model file",
    )
    for name, _ in option_specs():
        add_option(cli, name)
    cli.add_argument("--version", action="version", version=f"mljet {__version__}")
    return cli


def add_option(cli: argparse.ArgumentParser, name: str, default: Any = DEFAULT) -> None:
    """Offer option `name` on `cli`, as its `Option` says; `default` overrides."""
    option = dict(option_specs())[name]
    flags = [SHORT_FLAGS[name], option.flag] if name in SHORT_FLAGS else [option.flag]
    chosen = default_of(name) if default is DEFAULT else default
    cli.add_argument(*flags, dest=name, **_argument(option, chosen))


def _argument(option: Option, default: Any) -> dict[str, Any]:
    """How argparse takes an option, from the type of its default."""
    spoken: dict[str, Any] = {"help": option.help}
    if isinstance(default, bool):
        return {**spoken, "action": "store_true"}
    if isinstance(default, tuple):
        return {**spoken, "action": "append", "default": [], "metavar": option.metavar}
    spoken["default"] = default
    if option.metavar:
        spoken["metavar"] = option.metavar
    if option.choices is not None:
        spoken["choices"] = option.choices()
    if isinstance(default, (int, float)):
        spoken["type"] = type(default)
        spoken["help"] += " (default: %(default)s)"
    return spoken


def update_parser() -> argparse.ArgumentParser:
    from ._commands import project_parser

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
