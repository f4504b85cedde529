"""The formatting hook: isort then black over a project's Python files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ._errors import HookError


def verbatim_digests(template: Path) -> frozenset[str]:
    """SHA-256 of the template's Python files that are copied unrendered.

    Those are the same for every answer, and the test suite keeps them
    formatted, so black (the slowest step) can skip them.
    """
    if not template.is_dir():
        return frozenset()
    return frozenset(
        hashlib.sha256(path.read_bytes()).hexdigest() for path in template.rglob("*.py")
    )


def format_project(project: Path, verbatim: frozenset[str] = frozenset()) -> int:
    """Format the project's Python files in place; return how many changed."""
    import black
    import isort

    mode = black.Mode()
    # The project's own pyproject.toml says which packages are first-party.
    config = isort.Config(settings_path=str(project))
    changed = 0
    for path in sorted(project.rglob("*.py")):
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() in verbatim:
            continue
        original = content.decode()
        try:
            formatted = black.format_str(isort.code(original, config=config), mode=mode)
        except Exception as error:
            raise HookError("format", f"{path.relative_to(project)}: {error}") from None
        if formatted != original:
            path.write_text(formatted)
            changed += 1
    return changed
