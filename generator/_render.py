"""Rendering through Copier's public API, and placing the result atomically."""

from __future__ import annotations

import os
import shutil
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

    try:
        with warnings.catch_warnings():
            # A dirty checkout is normal while developing the template.
            warnings.simplefilter("ignore")
            run_copy(
                str(source.path),
                destination,
                data=answers,
                vcs_ref=source.vcs_ref,
                defaults=True,
                overwrite=True,
                quiet=True,
                skip_tasks=True,
            )
    except Exception as error:
        # Copier reports invalid answers (validators) as exceptions too.
        raise MljetError(f"Copier could not render the template: {error}") from error


@contextmanager
def staging_directory(output: Path) -> Iterator[Path]:
    """A fresh directory beside `output`, removed unless it was placed."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{output.name}.mljet-"
        staging = Path(tempfile.mkdtemp(prefix=prefix, dir=output.parent))
    except OSError as error:
        raise MljetError(f"Cannot write the project beside {output}: {error}") from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check_output(output: Path, force: bool) -> None:
    """Refuse to write into a non-empty directory unless forced."""
    if output.exists() and not output.is_dir():
        raise MljetError(
            f"{output} exists and is not a directory; choose another --output."
        )
    if output.is_dir() and any(output.iterdir()) and not force:
        raise MljetError(
            f"{output} is not empty; MLJET will not write into it. Choose another "
            "--output, or pass --force to overwrite the files the template renders "
            "there (other files are left alone). To bring an existing service up to "
            "date, run `copier update --trust` inside it instead."
        )


def place(staging: Path, output: Path, replaces: tuple[str, ...] = ()) -> None:
    """Move the rendered project to `output` in one step where possible.

    An absent or empty `output` is replaced by a rename. A non-empty one
    (only with --force) gets each rendered file copied over it, so files the
    template does not render, such as `.git`, survive; `replaces` are paths
    of files the generator itself wrote there before (an older model file),
    removed when the new project does not have them.
    """
    if not output.exists() or (output.is_dir() and not any(output.iterdir())):
        if output.exists():
            output.rmdir()
        staging.rename(output)
        return
    for relative in replaces:
        if not (staging / relative).exists():
            (output / relative).unlink(missing_ok=True)
    for source in sorted(staging.rglob("*")):
        target = output / source.relative_to(staging)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
