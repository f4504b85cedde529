"""The Copier template: where it comes from, and rendering it through Copier.

Only Copier's public API is used: `run_copy` renders a new project (or a
staged one again), `run_update` applies changed answers to an existing
project at the template version it was made from, merging the owner's
edits the way `copier update` does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._base._errors import MljetError

ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class TemplateSource:
    """Where Copier reads the template from, at which git ref, and what the
    project's answers record as its source."""

    # Strings, not Paths: either may be a git URL.
    path: str
    vcs_ref: str | None
    # The directory's files are exactly what `vcs_ref` holds, so a draft can
    # be rendered from them without Copier cloning the repository.
    working_tree: bool = False
    # What `_src_path` records when it is not `path`: a machine-local
    # repository is recorded as the public one, which git reads as it.
    recorded: str | None = None

    @property
    def template_dir(self) -> Path | None:
        """The template's files on this machine, when the source is local."""
        local = Path(self.path) / "template"
        return local if local.is_dir() else None

    @property
    def rewrites(self) -> dict[str, Path]:
        """The URLs git must read as this source's repository, for Copier."""
        if self.recorded is None or self.recorded == self.path:
            return {}
        return {self.recorded: Path(self.path)}


def template_source() -> TemplateSource:
    """This MLJET's template, in the cache's history repository.

    Its files come from the checkout beside this package, else from the
    wheel's bundle; every release comes with them, so that `copier update`
    finds the version a project was made from (`_history`). Projects record
    the public repository as their source. `MLJET_TEMPLATE` (a git URL or
    path) and `MLJET_TEMPLATE_REF` point elsewhere: a URL is recorded as
    given, a directory as the public repository (git reads it as that).
    """
    from ._history import PUBLIC_REPOSITORY, recorded_as

    override = os.environ.get("MLJET_TEMPLATE")
    if override:
        ref = os.environ.get("MLJET_TEMPLATE_REF")
        return TemplateSource(override, ref, False, recorded_as(override))
    from .. import __version__
    from ._history import history_repository, template_files

    repository, tag = history_repository(template_files(), __version__)
    return TemplateSource(str(repository), tag, True, PUBLIC_REPOSITORY)


def render(
    destination: Path,
    answers: dict[str, Any],
    source: TemplateSource,
    draft: bool = False,
) -> None:
    """Render the template into `destination` with every answer given.

    A draft, rendered only to be read by the hooks and then rendered over,
    skips Copier's git clone when the source's files are the ones to render.
    """
    if draft and source.working_tree:
        with tempfile.TemporaryDirectory(prefix="mljet-template-") as export:
            root = Path(source.path)
            shutil.copy2(root / "copier.yml", export)
            shutil.copytree(root / "template", Path(export, "template"))
            _run_copy(destination, answers, TemplateSource(export, None))
    else:
        _run_copy(destination, answers, source)
    if source.recorded is not None:
        record_source(destination, source.recorded)


def render_release(
    destination: Path, answers: dict[str, Any], source: TemplateSource, ref: str
) -> None:
    """Render `source`'s template at `ref` (the release a project was made
    with) into `destination` from `answers`, as Copier's update does."""
    _run_copy(destination, answers, TemplateSource(source.path, ref))


def record_source(project: Path, source: str) -> None:
    """Make the project's answers name `source` as its template."""
    answers_file = project / ANSWERS_FILE
    text = answers_file.read_text()
    recorded = re.sub(r"(?m)^_src_path: .*$", f"_src_path: {source}", text, count=1)
    answers_file.write_text(recorded)


def _run_copy(
    destination: Path, answers: dict[str, Any], source: TemplateSource
) -> None:
    from copier import run_copy

    with _copier("render the template"):
        run_copy(
            str(source.path),
            destination,
            data=answers,
            vcs_ref=source.vcs_ref,
            **QUIET_AND_COMPLETE,
        )


# Every answer given, nothing asked, no task run: the generator's own way.
QUIET_AND_COMPLETE: dict[str, Any] = {
    "defaults": True,
    "overwrite": True,
    "quiet": True,
    "skip_tasks": True,
}


@contextmanager
def _copier(doing: str) -> Iterator[None]:
    """Copier's failures as MljetError; its warnings silenced.

    A dirty checkout is normal while developing the template, and Copier
    reports invalid answers (validators) as exceptions too.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except Exception as error:
        raise MljetError(f"Copier could not {doing}: {error}") from error


def update_answers(project: Path, changed: dict[str, Any]) -> None:
    """Record `changed` answers in an existing project and re-render it.

    Copier replays the template version the project was made from with the
    old answers, renders it again with the new ones, and applies the
    owner's edits on top, as `copier update --vcs-ref=:current:` does. The
    project must be a clean git work tree (Copier's own condition); a file
    where an edit and the change collide is named, never left silently.
    """
    from copier import VcsRef

    conflicted = update_project(project, changed, VcsRef.CURRENT)
    if conflicted:
        raise MljetError(
            f"Your edits and the new answers collide in {', '.join(conflicted)}: "
            "resolve the conflict markers there, then commit."
        )


def update_project(
    project: Path,
    changed: dict[str, Any],
    vcs_ref: Any,
    source: TemplateSource | None = None,
) -> list[str]:
    """Copier's update of `project` to `vcs_ref`; the files left in conflict.

    The project's recorded source is read as `source`'s repository (the
    template MLJET carries, by default), so no network is needed.
    """
    from copier import run_update

    from .._base._cache import cache_lock
    from ._history import url_rewrites

    check_clean(project)
    source = source or template_source()
    recorded = str(recorded_source(project))
    rewrites = source.rewrites if recorded in source.rewrites else {}
    # The template's migration runs in this Python, which holds the model's
    # libraries (Copier would start the first python3 on PATH).
    environment = {**url_rewrites(rewrites), "MLJET_PYTHON": sys.executable}
    # Copier keeps one mirror per source URL: one process updates it at a time.
    with _copier(f"update {project}"), _environment(environment), cache_lock("mirror"):
        run_update(
            project,
            data=changed,
            vcs_ref=vcs_ref,
            # The template's own task is not run; Copier counts it all the same.
            unsafe=True,
            **QUIET_AND_COMPLETE,
        )
    return _git(project, "diff", "--name-only", "--diff-filter=U").split()


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """`variables` in the environment of the commands Copier starts.

    Copier runs git through plumbum, whose `local.env` is a copy of the
    environment taken at import: both are set, then restored.
    """
    from plumbum import local

    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        with local.env(**variables):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def recorded_source(project: Path) -> str | None:
    """The template source the project's answers record."""
    found = re.search(r"(?m)^_src_path: (.*)$", (project / ANSWERS_FILE).read_text())
    return found.group(1).strip() if found else None


def check_clean(project: Path) -> None:
    """Refuse a project Copier cannot update: no answers, no git, or edits
    not yet committed (they would be lost in a failed update)."""
    if not (project / ANSWERS_FILE).is_file():
        raise MljetError(f"{project} is not a project MLJET generated (no answers).")
    try:
        status = _git(project, "status", "--porcelain")
    except MljetError:
        raise MljetError(
            f"{project} is not a git work tree: commit the project to git first, "
            "so that your edits can be merged with the change."
        ) from None
    if status.strip():
        raise MljetError(
            f"{project} has uncommitted changes: commit them first, so that "
            "they can be merged with the change (git -C "
            f"{project} add --all && git -C {project} commit -m 'my edits'), "
            "or put them aside (git stash)."
        )


def _git(project: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise MljetError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout
