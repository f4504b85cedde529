"""Running the generator's and Copier's command lines as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_generator(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return _run(sys.executable, "-m", "generator", *args, cwd=cwd, env=env)


def run_copier(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`copier ARGS` with this environment's python3 first on PATH, and
    `env` besides.

    Copier's task runs `python3` from PATH, which stands for the active
    environment of a user; PWD is what their shell would have set.
    """
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        **(env or {}),
        "PATH": bin_dir + os.pathsep + os.environ["PATH"],
        "PWD": str(cwd),
    }
    return _run(sys.executable, "-m", "copier", *args, cwd=cwd, env=env)


def _run(
    *command: str | Path, cwd: Path, env: dict[str, str] | None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
