"""The command line's defaults, set outside it: environment and a file.

Every option of `Options` may be given a default by an environment
variable `MLJET_<OPTION>` (`MLJET_RUNTIME=onnx`), or in a file of the
working directory: `mljet.toml`, else the `[tool.mljet]` table of
`pyproject.toml` (`runtime = "onnx"`, `max-instances = 500`). A flag on
the command line wins over the variable, the variable over the file, the
file over the option's own default.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from .._base._errors import MljetError, OptionError
from .._rendering._options import Options, default_of, option_specs

ENV_PREFIX = "MLJET_"
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Configured:
    """An option's default set outside the command line, and where."""

    value: Any
    source: str  # `MLJET_BACKEND`, or `mljet.toml`


def configured_defaults(
    directory: Path, environ: Mapping[str, str] | None = None
) -> dict[str, Configured]:
    """Each option given a default by the environment or the file, checked
    as a flag's value is; MljetError naming the variable or file otherwise."""
    environ = os.environ if environ is None else environ
    found = _from_file(directory)
    for name, _ in option_specs():
        variable = ENV_PREFIX + name.upper()
        if variable in environ:
            found[name] = Configured(
                _parsed(name, environ[variable], variable), variable
            )
    try:
        Options.from_keywords({n: c.value for n, c in found.items()}).check()
    except OptionError as error:
        source = found[error.option].source
        raise MljetError(f"{source}: {error.option}: {error.reason}") from None
    return found


def _from_file(directory: Path) -> dict[str, Configured]:
    own = directory / "mljet.toml"
    if own.is_file():
        return _table(_toml(own), own.name)
    project = directory / "pyproject.toml"
    if project.is_file():
        tool = _toml(project).get("tool")
        table = tool.get("mljet") if isinstance(tool, dict) else None
        if table is not None:
            return _table(table, f"[tool.mljet] of {project.name}")
    return {}


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MljetError(f"{path}: not readable TOML ({error})") from None


def _table(table: Any, source: str) -> dict[str, Configured]:
    if not isinstance(table, dict):
        raise MljetError(f"{source}: must be a table of options")
    known = [name for name, _ in option_specs()]
    found = {}
    for key, value in table.items():
        name = str(key).replace("-", "_")
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise MljetError(f"{source}: unknown option {key!r}{hint}")
        found[name] = Configured(_typed(name, value, source), source)
    return found


def _parsed(name: str, text: str, source: str) -> Any:
    """A variable's text as the option's type (its default's)."""
    default = default_of(name)
    if isinstance(default, bool):
        if text.strip().lower() in TRUE + FALSE:
            return text.strip().lower() in TRUE
        raise MljetError(f"{source}: {name} must be one of {', '.join(TRUE + FALSE)}")
    if isinstance(default, tuple):
        return tuple(part for part in text.split(os.pathsep) if part)
    if isinstance(default, (int, float)):
        try:
            return type(default)(text)
        except ValueError:
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise MljetError(f"{source}: {name} must be {kind}, got {text!r}") from None
    return text


def _typed(name: str, value: Any, source: str) -> Any:
    """A file's value, of the option's type (TOML has types of its own)."""
    default = default_of(name)
    if isinstance(default, tuple):
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list):
            raise MljetError(f"{source}: {name} must be a list of paths")
        return tuple(str(item) for item in value)
    expected: type | tuple[type, ...]
    if isinstance(default, bool):
        expected = bool
    elif isinstance(default, float):
        expected = (int, float)
    elif isinstance(default, int):
        expected = int
    else:
        expected = str
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise MljetError(f"{source}: {name} must be {_named(expected)}, got {value!r}")
    return value


def _named(expected: type | tuple[type, ...]) -> str:
    names = {bool: "true or false", int: "a whole number", str: "a string"}
    return names.get(expected, "a number") if isinstance(expected, type) else "a number"
