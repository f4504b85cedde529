"""The generated project's layout: where the owner's modules, MLJET's runtime
(the fence) and the model's files are.

    src/PACKAGE/__init__.py, __main__.py, app.py, model.py, settings.py
                                        the owner's: theirs to change
    src/PACKAGE/model_files/           the model's file and spec.json
    src/PACKAGE/mljet/                 MLJET's runtime, each file headed
                                        FENCE_HEADER; updates replace it

A project made before the fence (MLJET 0.1.0 and 0.2.0) kept the runtime
beside the owner's modules, and the model's files in `model/`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

# The fenced subpackage of MLJET's runtime.
FENCE = "mljet"
# The words every file of the fence starts with.
FENCE_HEADER = "maintained by MLJET"
# The model's stored file and spec.json; `model` before the fence.
MODEL_FILES = "model_files"
EARLIER_MODEL_FILES = "model"
# The owner's modules, at the top of the package.
OWNER_MODULES = ("__init__", "__main__", "app", "model", "settings")
# Folders of the project, and the modules its tests import by name.
PROJECT_FOLDERS = ("src", "tests", "test", "docs", "deploy")
TEST_HELPERS = ("conftest", "app_client")


def layout_names() -> frozenset[str]:
    """The names a service's package cannot take without shadowing a part of
    its own layout."""
    modules = {name for name in OWNER_MODULES if not name.startswith("_")}
    return frozenset(
        {*modules, FENCE, MODEL_FILES, EARLIER_MODEL_FILES, *PROJECT_FOLDERS}
        | set(TEST_HELPERS)
    )


def package_dir(project: Path, package: str) -> Path:
    return project / "src" / package


def model_dir(project: Path, package: str) -> Path:
    """Where the project keeps its model's files (before the fence too)."""
    made = package_dir(project, package) / MODEL_FILES
    earlier = package_dir(project, package) / EARLIER_MODEL_FILES
    return earlier if earlier.is_dir() and not made.is_dir() else made


def fence_dir(project: Path, package: str) -> Path:
    return package_dir(project, package) / FENCE


def runtime_module(package: str, name: str) -> ModuleType:
    """The runtime's module `name` of the imported `package`: in the fence,
    or beside the owner's modules in a project made before it."""
    try:
        return importlib.import_module(f"{package}.{FENCE}.{name}")
    except ModuleNotFoundError as error:
        if error.name not in (f"{package}.{FENCE}", f"{package}.{FENCE}.{name}"):
            raise
        return importlib.import_module(f"{package}.{name}")
