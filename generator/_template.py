"""The Copier template: where it comes from, and rendering it through Copier.

Only Copier's public API is used: `run_copy` renders a new project (or a
staged one again), `run_update` applies changed answers to an existing
project at the template version it was made from, merging the owner's
edits the way `copier update` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import MljetError

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class TemplateSource:
    """Where Copier reads the template from, and at which git ref."""

    # A string, not a Path: it may be a git URL.
    path: str
    vcs_ref: str | None
    # The directory's files are exactly what `vcs_ref` holds, so a draft can
    # be rendered from them without Copier cloning the repository.
    working_tree: bool = False

    @property
    def template_dir(self) -> Path | None:
        """The template's files on this machine, when the source is local."""
        local = Path(self.path) / "template"
        return local if local.is_dir() else None


def template_source() -> TemplateSource:
    """The template beside this package: the checkout, else the bundled copy.

    `MLJET_TEMPLATE` (a git URL or path) and `MLJET_TEMPLATE_REF` point
    elsewhere. A git checkout is rendered at HEAD so that `_commit` lands in
    the answers and `copier update` can follow the template later.
    """
    override = os.environ.get("MLJET_TEMPLATE")
    if override:
        return TemplateSource(override, os.environ.get("MLJET_TEMPLATE_REF"))
    checkout = PACKAGE_DIR.parent
    if (checkout / "copier.yml").is_file() and (checkout / "template").is_dir():
        has_git = (checkout / ".git").exists()
        # Copier renders HEAD of a dirty checkout with its changes: the tree.
        return TemplateSource(str(checkout), "HEAD" if has_git else None, True)
    from . import __version__
    from ._bundled import bundled_template

    repository, tag = bundled_template(__version__)
    return TemplateSource(str(repository), tag, True)


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
        return
    _run_copy(destination, answers, source)


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
    from copier import VcsRef, run_update

    _check_clean(project)
    with _copier(f"update {project}"):
        run_update(
            project,
            data=changed,
            vcs_ref=VcsRef.CURRENT,
            # The template's own task is not run; Copier counts it all the same.
            unsafe=True,
            **QUIET_AND_COMPLETE,
        )
    conflicted = _git(project, "diff", "--name-only", "--diff-filter=U").split()
    if conflicted:
        raise MljetError(
            f"Your edits and the new answers collide in {', '.join(conflicted)}: "
            "resolve the conflict markers there, then commit."
        )


def _check_clean(project: Path) -> None:
    if not (project / ".copier-answers.yml").is_file():
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
            "they can be merged with the change."
        )


def _git(project: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise MljetError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout
