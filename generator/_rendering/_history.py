"""The template's releases, on any machine: where Copier finds each version.

A project records its template as the project's public repository and the
tag it was rendered from (`_src_path`, `_commit` in its answers), nothing
of the machine that made it. `copier update` needs that tag's files again,
and the next one's:

- plain `copier update` fetches them from the public repository;
- MLJET carries them itself: `releases.bundle`, committed beside this
  module and shipped in the wheel, is a git bundle with one commit per
  release holding only the template's files (`TEMPLATE_PATHS`). Releasing
  adds one (`record_release`, run by `scripts/release`), so the releases
  never depend on the tags a clone happens to have. In use, the bundle
  becomes one repository in the cache, plus a commit for this MLJET's own
  template when it is not a release (a development build, tagged
  `vX.Y.Z+<tree>`). While MLJET runs Copier, git reads the public URL as
  that repository (`url_rewrites`).

A development tag names its files by their git tree, so a project made by
one checkout updates from any later clone of it: the clone finds the
commit of its own history that holds that tree and tags it again
(`holds`), the same commit the first machine made.

Release commits are built the same way everywhere (fixed identity, the
release's date), so every machine has the same commits for the same
releases.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from .._base._cache import cache_lock, cache_root
from .._base._errors import MljetError

# Where the project lives in public; what answers record as the template.
PUBLIC_REPOSITORY = "https://github.com/mljet/mljet.git"
# What of the project a template release is: what Copier reads.
TEMPLATE_PATHS = ("copier.yml", "template", "hooks")
RELEASE = re.compile(r"^v\d+(\.\d+)*$")
# A development build's tag: its release's, plus the start of its tree.
DEVELOPMENT = re.compile(r"^v\d+(\.\d+)*\+(?P<tree>[0-9a-f]{12})$")
# The generator package: a checkout's holds the template beside it, a
# wheel's in `_bundled` (pyproject.toml's force-include).
PACKAGE_DIR = Path(__file__).resolve().parents[1]
BUNDLED = PACKAGE_DIR / "_bundled"
# Every release's template (see the module's docstring).
RELEASES = PACKAGE_DIR / "releases.bundle"
UNSHIPPED = (":(exclude,glob)**/__pycache__/**", ":(exclude,glob)**/*.py[co]")
IDENTITY = {
    "GIT_AUTHOR_NAME": "MLJET",
    "GIT_AUTHOR_EMAIL": "mljet@localhost",
    "GIT_COMMITTER_NAME": "MLJET",
    "GIT_COMMITTER_EMAIL": "mljet@localhost",
}
# A development build's commit: its files decide its hash, not the clock.
UNDATED = "2000-01-01T00:00:00+00:00"


def template_files() -> Path:
    """Where this MLJET's template files (`TEMPLATE_PATHS`) are: the checkout
    the package sits in, else the copy the wheel ships."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "copier.yml").is_file() and (checkout / "template").is_dir():
        return checkout
    return BUNDLED


def recorded_as(source: str) -> str | None:
    """What a project records for a template read from `source`, when not
    `source` itself: a directory is this machine's, and the public
    repository stands for it (a URL is recorded as given)."""
    return PUBLIC_REPOSITORY if Path(source).is_dir() else None


def release_tag(version: str) -> str:
    return f"v{version}"


def history_repository(
    files: Path,
    version: str,
    repository: Path | None = None,
    releases: Path = RELEASES,
) -> tuple[Path, str]:
    """The history repository (the cache's, by default), and the tag
    holding `files` there.

    `files` is the directory with this MLJET's `TEMPLATE_PATHS` (a checkout
    or the wheel's copy); `releases` the bundle of every release. The tag
    is the release tag of `version` when that release has exactly these
    files, else a development tag.
    """
    repository = repository or cache_root() / "history"
    with cache_lock("history"):
        if not (repository / ".git").is_dir():
            shutil.rmtree(repository, ignore_errors=True)
            repository.mkdir(parents=True)
            _git(repository, "init", "--quiet")
        _import_releases(releases, repository)
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


def record_release(
    files: Path, version: str, releases: Path = RELEASES, date: str | None = None
) -> str:
    """Add `files`' template to the `releases` bundle as release `version`
    (dated `date`, ISO 8601, else now); its tag.

    Recording the same files again changes nothing; other files under a
    tag already released are refused: a release never changes.
    """
    tag = release_tag(version)
    with tempfile.TemporaryDirectory(prefix="mljet-release-") as scratch:
        repository = Path(scratch)
        _git(repository, "init", "--quiet")
        _import_releases(releases, repository)
        tree = _tree_of(repository, files)
        released = _tree_of_tag(repository, tag)
        if released == tree:
            return tag
        if released is not None:
            raise MljetError(
                f"{tag} is already released with other template files; "
                "a release never changes: raise the version instead."
            )
        dated = date or datetime.now(timezone.utc).isoformat(timespec="seconds")
        _git(repository, "tag", tag, _commit(repository, tree, f"MLJET {tag}", dated))
        written = repository / "releases.bundle"
        _git(repository, "bundle", "create", str(written), "--tags")
        releases.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(written, releases)
    return tag


def released_tags(releases: Path = RELEASES) -> list[str]:
    """The release tags (`vX.Y.Z`) the `releases` bundle holds, oldest first."""
    if not releases.is_file():
        return []
    heads = _git(releases.parent, "bundle", "list-heads", str(releases)).split()
    listed = [ref.removeprefix("refs/tags/") for ref in heads]
    released = [tag for tag in listed if RELEASE.match(tag)]
    return sorted(released, key=lambda tag: [int(p) for p in tag[1:].split(".")])


def holds(repository: Path, tag: str, checkout: Path | None = None) -> bool:
    """Whether the history `repository` holds `tag`.

    A development tag it lacks is made again from the git history of
    `checkout` (this MLJET's checkout, by default) when one of its commits
    has that template tree: a project made by an earlier commit of the same
    clone, or of another clone, updates from here.
    """
    if _tree_of_tag(repository, tag) is not None:
        return True
    development = DEVELOPMENT.match(tag)
    checkout = checkout or template_files()
    if development is None or not (checkout / ".git").exists():
        return False
    commit = _commit_holding(checkout, development["tree"])
    if commit is None:
        return False
    with cache_lock("history"), tempfile.TemporaryDirectory(prefix="mljet-") as past:
        _export(checkout, commit, Path(past))
        tree = _tree_of(repository, Path(past))
        _git(repository, "tag", tag, _commit(repository, tree, f"MLJET {tag}", UNDATED))
    return True


def _commit_holding(checkout: Path, tree_prefix: str) -> str | None:
    """The newest commit of `checkout` whose template tree (as `_tree_of`
    writes it) starts with `tree_prefix`."""
    paths = ("--", *TEMPLATE_PATHS)
    for commit in _git(checkout, "log", "--format=%H", *paths).split():
        listing = _git(checkout, "ls-tree", "-z", commit, *paths)
        if _tree_hash(listing).startswith(tree_prefix):
            return commit
    return None


def _tree_hash(listing: str) -> str:
    """The id of the git tree whose entries `git ls-tree -z` listed, computed
    without writing it (git's tree format: entries sorted by name, a
    directory's name as if it ended in '/')."""
    entries = []
    for line in filter(None, listing.split("\0")):
        meta, name = line.split("\t", 1)
        mode, kind, sha = meta.split()
        order = name + "/" if kind == "tree" else name
        entry = f"{mode.lstrip('0')} {name}\0".encode() + bytes.fromhex(sha)
        entries.append((order.encode(), entry))
    body = b"".join(entry for _, entry in sorted(entries))
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def _export(checkout: Path, commit: str, destination: Path) -> None:
    """The template paths of `checkout`'s `commit`, written to `destination`."""
    command = ["git", "-C", str(checkout), "archive", commit, "--", *TEMPLATE_PATHS]
    archive = subprocess.run(command, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")


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


def _import_releases(releases: Path, repository: Path) -> None:
    """The releases of the `releases` bundle, into `repository` (those it
    lacks)."""
    if not releases.is_file():
        return
    have = set(_git(repository, "tag", "--list").split())
    if any(tag not in have for tag in released_tags(releases)):
        _git(repository, "fetch", "--quiet", str(releases.resolve()),
             "refs/tags/*:refs/tags/*")  # fmt: skip


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
