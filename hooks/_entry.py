"""What every hook entry shares: the right Python, and the generator beside it.

Each `hooks/*.py` is a thin call into the generator package of this very
template checkout, so the code matches the template version. It runs with
the `python3` it is started with (for the Copier task, the first on PATH:
the active environment, which should hold the model's libraries) or, when
set, `MLJET_PYTHON`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]


def run_entry(script: str, argv: Sequence[str], command: str) -> int:
    """Run the generator's hook `command` with `argv`; its exit status."""
    chosen = os.environ.get("MLJET_PYTHON")
    # Not resolved: a virtualenv's python is a symlink to the base one, yet
    # only started by its own path does it see the environment's packages.
    if chosen and Path(chosen).absolute() != Path(sys.executable).absolute():
        os.execv(chosen, [chosen, script, *argv])
    sys.path.insert(0, str(TEMPLATE_ROOT))
    try:
        found = _command(command)
    except ImportError as error:
        print(
            f"mljet: error: {sys.executable} cannot run the MLJET generator "
            f"({error}). Run it from the environment that holds your model's "
            "libraries, with MLJET installed there (pip install <this template's "
            "checkout or URL>), or set MLJET_PYTHON to that environment's python.",
            file=sys.stderr,
        )
        return 1
    return found(argv)


def _command(name: str) -> Callable[[Sequence[str]], int]:
    from generator._entry_points._commands import COMMANDS

    return COMMANDS[name]


def top_level_keys(path: Path) -> set[str]:
    """The top-level keys of a YAML file such as copier.yml, without a parser.

    Enough to compare the questions with the answers before deciding to
    start the generator, which the Python running a hook may not have.
    """
    return set(_blocks(path))


def recorded_questions(path: Path) -> set[str]:
    """The questions of copier.yml whose answers Copier records: not its
    settings (`_...`), nor the values it computes as it renders (`when: false`)."""
    return {
        key
        for key, block in _blocks(path).items()
        if not key.startswith("_")
        and not re.search(r"(?m)^\s+when:\s*false\s*$", block)
    }


def _blocks(path: Path) -> dict[str, str]:
    """Each top-level key of a YAML file, with the lines below it."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    parts = re.split(r"(?m)^([A-Za-z_][\w-]*):", text)
    return dict(zip(parts[1::2], parts[2::2], strict=True))
