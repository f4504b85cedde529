"""Running the generator's command line as a user would, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_generator(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
