"""What may import what: the generator's layers as `docs/design.md` lists
them, and a generated service whose server does not know its library."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import CHECKED, Generate, ids

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "generator"


def layers() -> dict[str, int]:
    """Module name (relative to `generator`) to its layer, from the design."""
    design = (REPO / "docs/design.md").read_text()
    table = design.split("| layer | modules |")[1].split("\n\n")[0]
    found: dict[str, int] = {}
    for depth, row in enumerate(line for line in table.splitlines()[2:] if line):
        for name in re.findall(r"`(_[\w.]+)`", row.split("|")[2]):
            found[name] = depth
    return found


def module_of(path: Path) -> str:
    parts = path.relative_to(GENERATOR).with_suffix("").parts
    return ".".join(part for part in parts if part != "__init__")


def layer_of(module: str, known: dict[str, int]) -> int:
    """The layer of the longest listed name `module` starts with."""
    while module not in known:
        if "." not in module:
            raise AssertionError(f"generator.{module} is in no layer of docs/design.md")
        module = module.rsplit(".", 1)[0]
    return known[module]


def imports_of(path: Path) -> set[str]:
    """The generator modules `path` imports, relative to `generator`."""
    package = module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [alias.name for alias in node.names]
            for name in names if not node.module else [""]:
                found.add(".".join(part for part in [*target, name] if part))
    return {name for name in found if name}


SOURCES = sorted(
    path
    for path in GENERATOR.rglob("*.py")
    if "_bundled" not in path.parts
    and path != GENERATOR / "__init__.py"
    and path.name != "__main__.py"
)


@pytest.mark.parametrize("path", SOURCES, ids=[module_of(p) for p in SOURCES])
def test_a_module_imports_only_from_its_layer_and_below(path: Path) -> None:
    known = layers()
    own = layer_of(module_of(path), known)
    for imported in imports_of(path):
        if imported == "" or imported == "__version__":
            continue  # the package's own version
        assert layer_of(imported, known) <= own, f"{module_of(path)} imports {imported}"


def test_every_module_is_in_a_layer() -> None:
    known = layers()
    for path in SOURCES:
        layer_of(module_of(path), known)


CORE = {"service", "routes", "validation", "runtime", "openapi", "docs", "spec",
        "settings", "errors", "edge", "framing", "shutdown", "prescan",
        "predictions", "metadata", "model_page", "importances", "access_control",
        "logs", "metrics", "batching"}  # fmt: skip
# Every module of the protocols subpackage is core too.
PROTOCOLS = "protocols"
# The modules that start a server: they know the server, never the model.
SERVER_GLUE = {"app", "gunicorn_server", "uvicorn_server", "wsgi"}
LIBRARIES = {"sklearn", "skops", "joblib", "xgboost", "lightgbm", "catboost"}


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
def test_the_server_does_not_know_which_library_it_serves(
    project: tuple[str, str], generate: Generate
) -> None:
    package = generate(*project) / "src" / project[1]
    paths = [*package.glob("*.py"), *package.glob(f"{PROTOCOLS}/*.py")]
    assert any(p.parent.name == PROTOCOLS for p in paths)
    for path in paths:
        nodes = list(ast.walk(ast.parse(path.read_text())))
        relative = {
            n.module for n in nodes if isinstance(n, ast.ImportFrom) and n.level
        }
        absolute = {a.name.split(".")[0] for n in nodes
                    if isinstance(n, ast.Import) for a in n.names}  # fmt: skip
        absolute |= {
            str(n.module).split(".")[0]
            for n in nodes
            if isinstance(n, ast.ImportFrom) and not n.level
        }
        if path.stem in CORE or path.parent.name == PROTOCOLS:
            assert not relative & SERVER_GLUE, path.name
            assert not absolute & LIBRARIES, path.name
            allowed_adapter = path.stem == "runtime"
            assert ("model_adapter" in relative) == allowed_adapter, path.name
        if path.stem in SERVER_GLUE:
            assert not relative & {"model_adapter", "runtime"}, path.name
            assert not absolute & LIBRARIES, path.name
