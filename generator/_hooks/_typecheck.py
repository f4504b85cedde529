"""The typecheck hook: mypy, strict as the project configures it, on src/.

The project's tests are left to its own tooling (they import pytest, which
the model's environment need not have). mypy's cache is kept per user, so
only the first generation pays for analysing numpy, pandas and the rest;
one mypy at a time uses it, as two writing the same entries crash mypy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .._bundled import cache_lock, cache_root
from .._errors import HookError

SHOWN_ERRORS = 10


def typecheck_project(project: Path) -> None:
    """Run mypy on the project's code; HookError listing file:line errors."""
    command = [
        sys.executable, "-m", "mypy", "--cache-dir", str(cache_root() / "mypy"),
        "--no-error-summary", "src",
    ]  # fmt: skip
    with cache_lock("mypy"):
        done = subprocess.run(command, cwd=project, capture_output=True, text=True)
    if done.returncode == 0:
        return
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    if not errors:  # mypy itself failed: its own message says why
        errors = (done.stderr or done.stdout).strip().splitlines()[-5:]
    shown = "\n".join(errors[:SHOWN_ERRORS])
    more = len(errors) - SHOWN_ERRORS
    raise HookError(
        "typecheck",
        f"the generated code does not type-check:\n{shown}"
        + (f"\n(and {more} more)" if more > 0 else ""),
    )
