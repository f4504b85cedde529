"""The format hook: isort then black over a project's Python files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ..._base._errors import HookError
from .._layout import FENCE


def verbatim_digests(template: Path) -> frozenset[str]:
    """SHA-256 of the template's Python files that are copied unrendered.

    Those are the same for every answer, and the test suite keeps them
    formatted, so black (the slowest step) can skip them.
    """
    if not template.is_dir():
        return frozenset()
    return frozenset(
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in template.rglob("*")
        if path.name.endswith((".py", ".py{% endif %}"))
    )


def python_formatter(project: Path) -> Callable[[str], str]:
    """How the hook formats `project`'s Python: isort (the project's own
    pyproject.toml says which packages are first-party), then black."""
    import black
    import isort

    config = isort.Config(settings_path=str(project))
    mode = black.Mode()
    return lambda text: black.format_str(isort.code(text, config=config), mode=mode)


def format_project(
    project: Path, verbatim: frozenset[str] = frozenset(), skip: tuple[str, ...] = ()
) -> int:
    """Format the project's Python files in place; return how many changed.

    `skip` are directories under `src/` (the user's own shipped modules)
    that stay exactly as the user wrote them. MLJET's runtime (the fence)
    stays exactly as its release has it: the test suite keeps it formatted.
    """
    format_python = python_formatter(project)
    changed = 0
    skipped = (
        *(project / "src" / name for name in skip),
        *(folder for folder in (project / "src").glob(f"*/{FENCE}") if folder.is_dir()),
    )
    # The template renders Python into these two alone; a virtualenv the
    # owner keeps inside the project is none of the hook's business.
    sources = [
        path for part in ("src", "tests") for path in (project / part).rglob("*.py")
    ]
    for path in sorted(sources):
        if any(path.is_relative_to(folder) for folder in skipped):
            continue
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() in verbatim:
            continue
        original = content.decode()
        try:
            formatted = format_python(original)
        except Exception as error:
            raise HookError("format", f"{path.relative_to(project)}: {error}") from None
        if formatted != original:
            path.write_text(formatted)
            changed += 1
    return changed
