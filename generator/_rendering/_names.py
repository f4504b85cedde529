"""The service's package name: derived from a file or folder, and refused
where it would shadow a module the service, its tests or Python import, or
a part of the project's own layout."""

from __future__ import annotations

import functools
import keyword
import re
import sys
from pathlib import Path
from typing import Any

from ._history import template_files
from ._layout import layout_names

PACKAGE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# MLJET's own packages, which the Copier task imports beside the service's.
MLJET_PACKAGES = frozenset({"generator", "copier"})


def package_name_problem(name: Any) -> str | None:
    """Why `name` cannot be the service's package, or None."""
    if name is None:
        return None
    if not isinstance(name, str) or not PACKAGE_NAME.match(name):
        example = package_name_of_folder(Path(str(name))) if name else "churn_service"
        return (
            f"{name!r} is not a valid package name: use lowercase letters, digits "
            f"and underscores, not starting with a digit (for example '{example}')"
        )
    instead = f"choose another, such as '{name}_service'"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword, so it cannot be imported; {instead}"
    if name in sys.stdlib_module_names:
        return (
            f"{name!r} would shadow Python's own {name} module (python -m {name} "
            f"would run that one); {instead}"
        )
    if name in layout_names() or name in MLJET_PACKAGES:
        return f"{name!r} is a name of the project's own layout; {instead}"
    if name in service_modules():
        return f"{name!r} would shadow a package the service needs; {instead}"
    return None


@functools.cache
def service_modules() -> frozenset[str]:
    """The modules a service, of any backend and family, or its tests import:
    read from the template's Python, with the closure of their distributions."""
    from ._requirements import served_modules

    root = template_files() / "template"
    code = [
        path
        for path in (*root.glob("src/**/*"), *root.glob("tests/*"))
        if path.is_file() and path.name.endswith((".py", ".py{% endif %}"))
    ]
    return frozenset(served_modules(code))


def package_name_from(stem: str) -> str:
    """A valid package name derived from a model file's name."""
    return f"{_slug(stem)}_service"


def package_name_of_folder(folder: Path) -> str:
    """The project folder's name as the package's, made valid: as it is
    where it can be, else with `_service` (`json` would shadow a module)."""
    slug = _slug(folder.name)
    return slug if package_name_problem(slug) is None else f"{slug}_service"


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "model"
    return f"model_{slug}" if slug[0].isdigit() else slug
