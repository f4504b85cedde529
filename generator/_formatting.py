"""The formatting hook: isort then black over every Python file of a project."""

from __future__ import annotations

from pathlib import Path

from ._errors import HookError


def format_project(project: Path) -> int:
    """Format the project's Python files in place; return how many changed."""
    import black
    import isort

    mode = black.Mode()
    # The project's own pyproject.toml says which packages are first-party.
    config = isort.Config(settings_path=str(project))
    changed = 0
    for path in sorted(project.rglob("*.py")):
        original = path.read_text()
        try:
            formatted = black.format_str(isort.code(original, config=config), mode=mode)
        except Exception as error:
            raise HookError("format", f"{path.relative_to(project)}: {error}") from None
        if formatted != original:
            path.write_text(formatted)
            changed += 1
    return changed
