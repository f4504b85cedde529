"""A copy of this repository's template with one module altered, for tests
of what a broken template does."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def template_appending(tmp_path: Path, module: str, code: str) -> Path:
    """A copy of the template with `code` appended to one package module."""
    template = tmp_path / "altered-template"
    template.mkdir()
    for part in ("copier.yml", "template", "hooks"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copyfile
        copy(REPO / part, template / part)
    path = template / "template/src/{{package_name}}" / module
    path.write_text(path.read_text() + code)
    return template
