"""Copier task after plain `copier copy`: let the generator finish the project.

Copier runs its tasks with whatever `python3` is first on PATH, which is the
active environment: the one that should hold the model's libraries. Set
MLJET_PYTHON to use another interpreter. The generator is imported from
this template's own checkout, so the code matches the template version.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    chosen = os.environ.get("MLJET_PYTHON")
    if chosen and Path(chosen).resolve() != Path(sys.executable).resolve():
        os.execv(chosen, [chosen, __file__, *argv])
    cli = argparse.ArgumentParser(prog="mljet-complete")
    cli.add_argument("--destination-argument", default="")
    cli.add_argument("--template-commit", default="")
    args = cli.parse_args(argv)
    sys.path.insert(0, str(TEMPLATE_ROOT))
    try:
        from generator._complete import complete
        from generator._errors import HookError, MljetError
    except ImportError as error:
        print(
            f"mljet: error: {sys.executable} cannot run the MLJET generator "
            f"({error}). Run copier from the environment that holds your model's "
            "libraries, with MLJET installed there (pip install <this template's "
            "checkout or URL>), or set "
            "MLJET_PYTHON to that environment's python.",
            file=sys.stderr,
        )
        return 1
    try:
        complete(Path.cwd(), args.destination_argument, args.template_commit)
    except HookError as error:
        # The project is rendered: keep it (a failing task makes Copier delete it).
        print(f"mljet: warning: {error}", file=sys.stderr)
        return 0
    except MljetError as error:
        print(f"mljet: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
