"""The typecheck hook: mypy, strict as the project configures it, on src/.

The project's tests are left to its own tooling (they import pytest, which
the model's environment need not have). mypy's cache is kept per user, so
only the first generation pays for analysing numpy, pandas and the rest;
one mypy at a time uses it, as two writing the same entries crash mypy.

mypy can start before the hooks ahead of it (`EarlyTypecheck`), on a copy
of the code as first rendered, and run on another core while they do: on a
fresh project they change no Python file (the raw render is already
formatted), so its verdict stands. If the code did change, mypy runs again.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from ..._base._cache import cache_lock, cache_root
from ..._base._errors import HookError

SHOWN_ERRORS = 10
# What mypy reads: the code, and its configuration.
CHECKED = ("src/**/*.py", "src/**/py.typed", "pyproject.toml")


class EarlyTypecheck:
    """mypy running in the background on a copy of a project's code."""

    def __init__(self, project: Path) -> None:
        self.sources = _sources(project)
        self._held = ExitStack()
        self._copy = Path(self._held.enter_context(tempfile.TemporaryDirectory()))
        for relative, content in self.sources.items():
            (self._copy / relative).parent.mkdir(parents=True, exist_ok=True)
            (self._copy / relative).write_bytes(content)
        self._held.enter_context(cache_lock("mypy"))
        self._process = subprocess.Popen(
            _command(), cwd=self._copy, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def verdict_for(self, project: Path) -> subprocess.CompletedProcess[str] | None:
        """mypy's result, if `project`'s code is still the code it checked."""
        stdout, stderr = self._process.communicate()
        self.close()
        if _sources(project) != self.sources:
            return None
        return subprocess.CompletedProcess(
            self._process.args, self._process.returncode, stdout, stderr
        )

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._held.close()


def typecheck_project(project: Path, early: EarlyTypecheck | None = None) -> None:
    """Run mypy on the project's code; HookError listing file:line errors."""
    done = early.verdict_for(project) if early is not None else None
    if done is None:
        with cache_lock("mypy"):
            done = subprocess.run(
                _command(), cwd=project, capture_output=True, text=True
            )
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


def _command() -> list[str]:
    return [
        sys.executable, "-m", "mypy", "--cache-dir", str(cache_root() / "mypy"),
        "--no-error-summary", "src",
    ]  # fmt: skip


def _sources(project: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(project)): path.read_bytes()
        for pattern in CHECKED
        for path in sorted(project.glob(pattern))
        if path.is_file()
    }
