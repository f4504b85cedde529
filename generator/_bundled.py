"""The template shipped inside the package, kept as a local git repository.

Copier can only update a project from a git template, so an installed
generator copies its bundled template into a repository in the user's cache
and commits it there, tagged with the generator's version. Projects record
that repository as their template; after upgrading MLJET, the next run adds
the new version's tag, and `copier update` inside a project moves to it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ._errors import MljetError

BUNDLE = Path(__file__).resolve().parent / "_bundled"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "MLJET",
    "GIT_AUTHOR_EMAIL": "mljet@localhost",
    "GIT_COMMITTER_NAME": "MLJET",
    "GIT_COMMITTER_EMAIL": "mljet@localhost",
}


def cache_root() -> Path:
    """MLJET's per-user cache: $MLJET_CACHE_DIR, else the XDG cache's mljet/."""
    configured = os.environ.get("MLJET_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mljet"


def cache_repository() -> Path:
    return cache_root() / "template"


def bundled_template(version: str) -> tuple[Path, str | None]:
    """The cache repository and the tag of this version, or the bundle as is.

    Without git the bundle is used directly: generation works, but `copier
    update` will not be able to follow the template.
    """
    if shutil.which("git") is None:
        return BUNDLE, None
    repository = cache_repository()
    digest = bundle_digest()
    repository.mkdir(parents=True, exist_ok=True)
    # Two generators starting at once must not commit over each other.
    with cache_lock("template"):
        if not (repository / ".git").exists():
            _git(repository, "init", "--quiet")
        tag = f"v{version}"
        recorded = _tagged_digest(repository, tag)
        if recorded not in (None, digest):
            # The same version with other files: a development build. A local
            # version label keeps it apart, and sorts it after the release.
            tag = f"v{version}+{digest[:12]}"
            recorded = _tagged_digest(repository, tag)
        if recorded is None:
            for entry in repository.iterdir():
                if entry.name != ".git":
                    _remove(entry)
            shutil.copytree(BUNDLE, repository, dirs_exist_ok=True)
            _git(repository, "add", "--all")
            message = f"MLJET {tag}\n\nbundle {digest}"
            _git(repository, "commit", "--quiet", "--allow-empty", "-m", message)
            _git(repository, "tag", tag)
        if _git(repository, "rev-parse", "HEAD") != _git(repository, "rev-parse", tag):
            # Another MLJET ran last: put this version's files on disk.
            _git(repository, "checkout", "--quiet", "--force", tag)
    return repository, tag


@contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """Hold `name`'s lock in the cache, for one process at a time."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.lock").open("w") as lock:
        _lock_exclusively(lock)
        yield


def _lock_exclusively(lock: IO[str]) -> None:
    if sys.platform != "win32":
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
    else:  # pragma: no cover - exercised on Windows only
        import msvcrt

        msvcrt.locking(lock.fileno(), msvcrt.LK_LOCK, 1)


def bundle_digest() -> str:
    """SHA-256 over the bundle's file names and contents."""
    digest = hashlib.sha256()
    for path in sorted(BUNDLE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(BUNDLE)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _tagged_digest(repository: Path, tag: str) -> str | None:
    """The bundle digest recorded with `tag`; None when there is no such tag."""
    if not _git(repository, "tag", "--list", tag).strip():
        return None
    message = _git(repository, "log", "-1", "--format=%B", tag)
    for line in message.splitlines():
        if line.startswith("bundle "):
            return line.removeprefix("bundle ").strip()
    return ""


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
