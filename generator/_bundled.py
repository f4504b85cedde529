"""The template shipped inside the package, kept as a local git repository.

Copier can only update a project from a git template, so an installed
generator copies its bundled template into a repository in the user's cache
and commits it there, tagged with the generator's version. Projects record
that repository as their template; after upgrading MLJET, the next run adds
the new version's tag, and `copier update` inside a project moves to it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from ._errors import MljetError

BUNDLE = Path(__file__).resolve().parent / "_bundled"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "MLJET",
    "GIT_AUTHOR_EMAIL": "mljet@localhost",
    "GIT_COMMITTER_NAME": "MLJET",
    "GIT_COMMITTER_EMAIL": "mljet@localhost",
}


def cache_repository() -> Path:
    configured = os.environ.get("MLJET_CACHE_DIR")
    if configured:
        return Path(configured) / "template"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mljet" / "template"


def bundled_template(version: str) -> tuple[Path, str | None]:
    """The cache repository and the tag of this version, or the bundle as is.

    Without git the bundle is used directly: generation works, but `copier
    update` will not be able to follow the template.
    """
    if shutil.which("git") is None:
        return BUNDLE, None
    repository = cache_repository()
    tag = f"v{version}"
    repository.mkdir(parents=True, exist_ok=True)
    with (repository.parent / "template.lock").open("w") as lock:
        # Two generators starting at once must not commit over each other.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (repository / ".git").exists():
            _git(repository, "init", "--quiet")
        if not _git(repository, "tag", "--list", tag).strip():
            for entry in repository.iterdir():
                if entry.name != ".git":
                    _remove(entry)
            shutil.copytree(BUNDLE, repository, dirs_exist_ok=True)
            _git(repository, "add", "--all")
            _git(repository, "commit", "--quiet", "--allow-empty", "-m", f"MLJET {tag}")
            _git(repository, "tag", tag)
        if _git(repository, "rev-parse", "HEAD") != _git(repository, "rev-parse", tag):
            # An older MLJET: make the files on disk those of its own version.
            _git(repository, "checkout", "--quiet", "--force", tag)
    return repository, tag


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink()


def _git(repository: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repository), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_IDENTITY},
        check=False,
    )
    if result.returncode != 0:
        raise MljetError(
            f"git {' '.join(args)} failed in MLJET's template cache {repository}: "
            f"{result.stderr.strip()}. Remove that directory and run again."
        )
    return result.stdout
