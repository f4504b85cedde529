"""How the command lines take their arguments: an option of `Options` as a
flag, and a generated project's directory.

Shared by `mljet` (`_cli.py`) and the hooks as commands (`_commands.py`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._rendering._options import Option, default_of, option_specs

SHORT_FLAGS = {"quiet": "-q"}
# Stands for "the option's own default" in `add_option`.
DEFAULT: Any = object()


def add_option(
    cli: argparse.ArgumentParser,
    name: str,
    default: Any = DEFAULT,
    source: str | None = None,
) -> None:
    """Offer option `name` on `cli`, as its `Option` says; `default`
    overrides, set by `source` (a variable or file) when it is named."""
    option = dict(option_specs())[name]
    flags = [SHORT_FLAGS[name], option.flag] if name in SHORT_FLAGS else [option.flag]
    chosen = default_of(name) if default is DEFAULT else default
    argument = _argument(option, chosen)
    if source is not None:
        # %% stands for % in argparse's help, which it formats.
        shown = str(list(chosen) if isinstance(chosen, tuple) else chosen)
        argument["help"] += f" [now {shown.replace('%', '%%')}, from {source}]"
    cli.add_argument(*flags, dest=name, **argument)


def _argument(option: Option, default: Any) -> dict[str, Any]:
    """How argparse takes an option, from the type of its default."""
    spoken: dict[str, Any] = {"help": option.help}
    if isinstance(default, bool):
        # A flag turns the default around: --trust, or --no-git.
        return {**spoken, "action": "store_false" if default else "store_true"}
    if isinstance(default, tuple):
        return {**spoken, "action": "append", "default": list(default),
                "metavar": option.metavar}  # fmt: skip
    spoken["default"] = default
    if option.metavar:
        spoken["metavar"] = option.metavar
    if option.choices is not None:
        spoken["choices"] = option.choices()
    if isinstance(default, (int, float)):
        spoken["type"] = type(default)
        spoken["help"] += " (default: %(default)s)"
    return spoken


def project_parser(prog: str, description: str) -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog=prog, description=description)
    cli.add_argument(
        "project",
        nargs="?",
        type=Path,
        default=Path(),
        help="the generated project's directory, a clean git work tree where it "
        "is updated (default: the current one)",
    )
    cli.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return cli
