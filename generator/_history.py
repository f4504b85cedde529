"""The template's releases, on any machine: where Copier finds each version.

A project records its template as the project's public repository and the
tag it was rendered from (`_src_path`, `_commit` in its answers), nothing
of the machine that made it. `copier update` needs that tag's files again,
and the next one's:

- plain `copier update` fetches them from the public repository;
- MLJET carries them itself. Its wheel ships every release's template as a
  git bundle (`_bundled/history.bundle`, made by `hatch_build.py`); a
  source checkout has the release tags. Either becomes one repository in
  the cache: a commit per release holding only the template's files
  (`TEMPLATE_PATHS`), and one for this MLJET's own template when it is not
  a release (a development build, tagged `vX.Y.Z+<tree>`). While MLJET
  runs Copier, git reads the public URL as that repository
  (`url_rewrites`).

Release commits are built the same way everywhere (fixed identity and
dates), so every machine has the same commits for the same releases.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ._cache import cache_lock, cache_root
from ._errors import MljetError

# Where the project lives in public; what answers record as the template.
PUBLIC_REPOSITORY = "https://github.com/mljet/mljet.git"
# What of the project a template release is: what Copier reads.
TEMPLATE_PATHS = ("copier.yml", "template", "hooks")
RELEASE = re.compile(r"^v\d+(\.\d+)*$")
PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED = PACKAGE_DIR / "_bundled"
HISTORY_BUNDLE_NAME = "history.bundle"
UNSHIPPED = (":(exclude,glob)**/__pycache__/**", ":(exclude,glob)**/*.py[co]")
IDENTITY = {
    "GIT_AUTHOR_NAME": "MLJET",
    "GIT_AUTHOR_EMAIL": "mljet@localhost",
    "GIT_COMMITTER_NAME": "MLJET",
    "GIT_COMMITTER_EMAIL": "mljet@localhost",
}
# A development build's commit: its files decide its hash, not the clock.
UNDATED = "2000-01-01T00:00:00+00:00"


def recorded_as(source: str) -> str | None:
    """What a project records for a template read from `source`, when not
    `source` itself: a directory is this machine's, and the public
    repository stands for it (a URL is recorded as given)."""
    return PUBLIC_REPOSITORY if Path(source).is_dir() else None


def release_tag(version: str) -> str:
    return f"v{version}"


def history_repository(
    files: Path, version: str, repository: Path | None = None
) -> tuple[Path, str]:
    """The history repository (the cache's, by default), and the tag
    holding `files` there.

    `files` is the directory with this MLJET's `TEMPLATE_PATHS` (a checkout
    or the wheel's bundle). Its tag is the release tag of `version` when
    that release has exactly these files, else a development tag.
    """
    repository = repository or cache_root() / "history"
    with cache_lock("history"):
        if not (repository / ".git").is_dir():
            shutil.rmtree(repository, ignore_errors=True)
            repository.mkdir(parents=True)
            _git(repository, "init", "--quiet")
        _import_releases(files, repository)
        tree = _tree_of(repository, files)
        tag = release_tag(version)
        if _tree_of_tag(repository, tag) != tree:
            tag = f"{tag}+{tree[:12]}"
            if _tree_of_tag(repository, tag) is None:
                commit = _commit(repository, tree, f"MLJET {tag}", UNDATED)
                _git(repository, "tag", tag, commit)
        if _git(repository, "rev-parse", "HEAD^{tree}", check=False) != tree:
            # Another MLJET ran last: put this version's files on disk.
            _git(repository, "checkout", "--quiet", "--force", "--detach", tag)
    return repository, tag


def write_bundle(checkout: Path, bundle: Path) -> bool:
    """Bundle `checkout`'s release tags as template commits into `bundle`.

    False when the checkout has no release tag (nothing to bundle).
    """
    with tempfile.TemporaryDirectory(prefix="mljet-history-") as scratch:
        repository = Path(scratch)
        _git(repository, "init", "--quiet")
        if not _add_releases(checkout, repository):
            return False
        bundle.parent.mkdir(parents=True, exist_ok=True)
        _git(repository, "bundle", "create", str(bundle.resolve()), "--tags")
    return True


def release_tags(repository: Path) -> list[str]:
    """The release tags (`vX.Y.Z`) of a git repository, oldest first."""
    listed = _git(repository, "tag", "--list", "v*", check=False).split()
    released = [tag for tag in listed if RELEASE.match(tag)]
    return sorted(released, key=lambda tag: [int(p) for p in tag[1:].split(".")])


def url_rewrites(urls: Mapping[str, Path]) -> dict[str, str]:
    """The environment under which git reads each URL of `urls` as its
    local repository (`GIT_CONFIG_*`: the user's git configuration is
    not touched, and entries already in the environment are kept)."""
    count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    config = {"GIT_CONFIG_COUNT": str(count + len(urls))}
    for index, (url, repository) in enumerate(urls.items(), start=count):
        config[f"GIT_CONFIG_KEY_{index}"] = f"url.{repository.resolve()}.insteadOf"
        config[f"GIT_CONFIG_VALUE_{index}"] = url
    return config if urls else {}


def _import_releases(files: Path, repository: Path) -> None:
    """The releases MLJET carries, into `repository` (those it lacks)."""
    bundle = files / HISTORY_BUNDLE_NAME
    if bundle.is_file():
        heads = _git(repository, "bundle", "list-heads", str(bundle)).split()
        wanted = [ref for ref in heads if ref.startswith("refs/tags/")]
        have = set(_git(repository, "tag", "--list").split())
        if any(ref.removeprefix("refs/tags/") not in have for ref in wanted):
            _git(repository, "fetch", "--quiet", str(bundle), "refs/tags/*:refs/tags/*")
    elif (files / ".git").exists():
        _add_releases(files, repository)


def _add_releases(checkout: Path, repository: Path) -> list[str]:
    """Commit each release tag's template files of `checkout` not yet in
    `repository`, tagged alike; the release tags found."""
    tags = release_tags(checkout)
    have = set(_git(repository, "tag", "--list").split())
    for tag in tags:
        if tag in have:
            continue
        with tempfile.TemporaryDirectory(prefix="mljet-release-") as scratch:
            files = Path(scratch)
            archive = files / "release.tar"
            _git(
                checkout,
                "archive",
                "--output",
                str(archive),
                tag,
                *_present(checkout, tag),
            )
            with tarfile.open(archive) as tar:
                tar.extractall(files, filter="data")
            archive.unlink()
            tree = _tree_of(repository, files)
        dated = _git(checkout, "log", "-1", "--format=%cI", tag).strip()
        _git(repository, "tag", tag, _commit(repository, tree, f"MLJET {tag}", dated))
    return tags


def _present(checkout: Path, tag: str) -> list[str]:
    """The template paths `tag` has (an early release may lack one)."""
    listed = _git(checkout, "ls-tree", "--name-only", tag).split()
    return [path for path in TEMPLATE_PATHS if path in listed]


def _tree_of(repository: Path, files: Path) -> str:
    """The git tree of `files`' template paths, written into `repository`."""
    with tempfile.TemporaryDirectory(prefix="mljet-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        present = [path for path in TEMPLATE_PATHS if (files / path).exists()]
        tree_git = ["--work-tree", str(files.resolve())]
        _git(repository, *tree_git, "add", "--all", "--force", "--", *present,
             *UNSHIPPED, env=env)  # fmt: skip
        return _git(repository, "write-tree", env=env).strip()


def _tree_of_tag(repository: Path, tag: str) -> str | None:
    found = _git(repository, "rev-parse", "--verify", "--quiet", f"{tag}^{{tree}}",
                 check=False)  # fmt: skip
    return found.strip() or None


def _commit(repository: Path, tree: str, message: str, date: str) -> str:
    dates = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return _git(repository, "commit-tree", tree, "-m", message, env=dates).strip()


def _git(
    repository: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> str:
    done = subprocess.run(
        ["git", "-C", str(repository), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **IDENTITY, **(env or {})},
        check=False,
    )
    if done.returncode != 0 and check:
        raise MljetError(
            f"git {' '.join(args[:2])} failed in {repository}: "
            f"{done.stderr.strip()}. Remove that directory and run again."
        )
    return done.stdout if done.returncode == 0 else ""
