"""The fence around MLJET's runtime, checked before an update writes.

An update replaces the runtime (`src/PACKAGE/mljet/`) with the new
release's, and drops the files a release no longer renders. Copier would
merge an owner's edit there, or delete it with its file; the update
refuses instead, naming each edited file, before it writes anything.

Whether a file was edited is read against the release the project was made
with, rendered again from the project's answers (as Copier's update
renders it), both sides formatted as generation formats Python (isort,
then black). A project made before the fence (MLJET 0.1.0, 0.2.0) kept the
runtime beside the owner's modules: there every file of the package but
`app.py` (the owner's routes) and the model's files is the runtime's.

The same rendered release tells what the owner only appended to a file
(`appended`): an update that rewrote the file keeps those lines after it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._base._errors import MljetError
from .._rendering._hooks._format import python_formatter
from .._rendering._layout import (
    EARLIER_MODEL_FILES,
    FENCE,
    MODEL_FILES,
    fence_dir,
    package_dir,
)
from .._rendering._template import TemplateSource, render_release

# Before the fence, what of the package was not the runtime: the owner's
# one module, and the model's files.
EARLIER_NOT_RUNTIME = frozenset({"app.py", MODEL_FILES, EARLIER_MODEL_FILES})


class FenceEdited(MljetError):
    """Files of MLJET's runtime were edited: the update stops before writing."""

    def __init__(self, project: Path, version: str, files: list[str]) -> None:
        package = next(iter(Path(files[0]).parts[1:2]), "PACKAGE")
        listed = "\n".join(f"  {path}" for path in files)
        super().__init__(
            f"These files of MLJET's runtime in {project} differ from the ones "
            f"release {version} made:\n{listed}\nAn update replaces them (or "
            "removes them), so it stops here and has changed nothing. Move your "
            f"change into src/{package}/app.py, model.py or settings.py, "
            "restore each file as the release made it (`git log -- FILE` finds "
            "the commit), commit, and update again."
        )
        self.files = files


@dataclass(frozen=True)
class Release:
    """The project's files as its recorded release renders them; Python
    compared as the format hook formats `project`'s."""

    path: Path
    package: str
    project: Path
    format_python: Callable[[str], str]

    def text(self, relative: str, of: Path | None = None) -> str | None:
        """The file `relative` (of the release, or of the project `of`) as
        generation would have formatted it; None where it is absent."""
        path = (of or self.path) / relative
        if not path.is_file():
            return None
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            return None
        return self._formatted(relative, text)

    def files(self) -> list[str]:
        return sorted(
            str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file()
        )

    def runtime_files(self, project: Path) -> list[str]:
        """The release's files that are MLJET's runtime in `project`."""
        package = package_dir(self.path, self.package)
        fenced = fence_dir(project, self.package).is_dir()
        found = []
        for relative in self.files():
            path = self.path / relative
            if not path.is_relative_to(package):
                continue
            top = path.relative_to(package).parts[0]
            if (top == FENCE) if fenced else (top not in EARLIER_NOT_RUNTIME):
                found.append(relative)
        return found

    def edited(self, project: Path, updated: Path) -> list[str]:
        """The runtime's files the owner of `project` edited, and the files a
        newer release drops (absent from `updated`, the project updated on a
        clone) that they edited: what the update would replace or lose."""
        runtime = set(self.runtime_files(project))
        dropped = {f for f in self.files() if not (updated / f).exists()}
        return [
            relative
            for relative in sorted(runtime | dropped)
            if (project / relative).is_file()
            and self.text(relative, project) != self.text(relative)
        ]

    def appended(self, relative: str, committed: str) -> str | None:
        """The lines the owner only appended to the release's `relative`, as
        they `committed` it (None when they changed it otherwise, or not)."""
        made, theirs = self.text(relative), self._formatted(relative, committed)
        if made is None or theirs == made:
            return None
        if not theirs.startswith(made.rstrip("\n") + "\n"):
            return None
        return theirs[len(made.rstrip("\n")) + 1 :]

    def _formatted(self, relative: str, text: str) -> str:
        """`text` as generation leaves the file `relative` (unparsable
        Python: as it is)."""
        if not relative.endswith(".py"):
            return text
        try:
            return self.format_python(text)
        except Exception:
            return text


@contextmanager
def rendered_release(
    project: Path, answers: dict[str, Any], source: TemplateSource
) -> Iterator[Release]:
    """The project's recorded release (`_commit`), rendered from its answers."""
    version = str(answers.get("_commit", ""))
    given = {k: v for k, v in answers.items() if not k.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="mljet-release-") as scratch:
        rendered = Path(scratch) / project.name
        render_release(rendered, given, source, version)
        package = str(answers["package_name"])
        yield Release(rendered, package, project, python_formatter(project))
