# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The owner's modules beside this package, as MLJET's runtime reads them.

The service's package holds the owner's own modules next to `mljet/`:
`settings.py` (the defaults of the settings) and `model.py` (the seam
around the model). This is the one module of the runtime that imports
them, by those names, when first asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

# The package this runtime serves: the one that holds `mljet/`.
SERVICE_PACKAGE = __name__.rsplit(".", 2)[0]


def owner_module(name: str) -> ModuleType:
    """The owner's module `name` (`settings`, `model`) of this service."""
    return importlib.import_module(f"{SERVICE_PACKAGE}.{name}")


def defaults() -> Mapping[str, Any]:
    """`settings.DEFAULTS`: each setting's value when its variable is unset."""
    found: Mapping[str, Any] = getattr(owner_module("settings"), "DEFAULTS", {})
    return found
