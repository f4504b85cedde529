"""What may import what: the generator's layers, read from its folders, and a
generated service whose server does not know which library it serves."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import generator
from conftest import CHECKED, Generate, ids
from generator._rendering._layout import FENCE, OWNER_MODULES

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "generator"
SOURCES = sorted(
    path
    for path in GENERATOR.rglob("*.py")
    if "_bundled" not in path.parts and path.parent != GENERATOR
)


def module_of(path: Path) -> str:
    """`path`'s module, relative to `generator` (a package is its folder)."""
    parts = path.relative_to(GENERATOR).with_suffix("").parts
    return ".".join(part for part in parts if part != "__init__")


def layer_of(module: str) -> str:
    return module.split(".")[0]


def imports_of(path: Path) -> set[str]:
    """The generator modules `path` imports, relative to `generator`; a name
    imported from a package counts as that package."""
    package = module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = [*base, *(node.module.split(".") if node.module else [])]
            found.add(".".join(target))
    return {name for name in found if name}


def test_every_module_is_in_a_layer_folder_and_every_folder_is_a_layer() -> None:
    folders = {p.name for p in GENERATOR.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(generator._LAYERS)
    top = {p.name for p in GENERATOR.glob("*.py")}
    assert top == {"__init__.py", "__main__.py"}


@pytest.mark.parametrize("path", SOURCES, ids=[module_of(p) for p in SOURCES])
def test_a_module_imports_only_from_its_layer_and_below(path: Path) -> None:
    order = generator._LAYERS
    own = order.index(layer_of(module_of(path)))
    for imported in imports_of(path):
        layer = layer_of(imported)
        if layer in ("", "__version__"):
            continue  # the package itself: its version
        assert order.index(layer) <= own, f"{module_of(path)} imports {imported}"


def test_no_module_imports_itself_through_others() -> None:
    """No import cycle among the generator's modules."""
    graph = {module_of(path): imports_of(path) for path in SOURCES}
    modules = set(graph)

    def resolved(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges = {
        module: {r for i in imports if (r := resolved(i)) and r != module}
        for module, imports in graph.items()
    }
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            cycle = (*path[path.index(module) :], module)
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for target in sorted(edges[module]):
            visit(target, (*path, module))
        done.add(module)

    for module in sorted(edges):
        visit(module, ())


def test_the_design_lists_the_layers_in_order() -> None:
    design = (REPO / "docs/design.md").read_text()
    table = design.split("| layer | folder |")[1].split("\n\n")[0]
    listed = re.findall(r"^\| [^|]+ \| `generator/(_\w+)/` \|", table, re.MULTILINE)
    assert listed == list(generator._LAYERS)


# The service's modules that start or glue its web server: they know the
# server, never the model's library; the owner's app is among them.
SERVER_GLUE = {"glue", "gunicorn_server", "uvicorn_server", "wsgi", "app"}
# The modules that hold the model's library: only the runtime imports them.
MODEL_SIDE = {"model_adapter", "model_input", "explainer", "pipeline_columns"}
LIBRARIES = {"sklearn", "skops", "joblib", "xgboost", "lightgbm", "catboost",
             "onnxruntime", "pandas", "shap"}  # fmt: skip


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """The relative (last part) and absolute (top level) imports of `path`."""
    nodes = list(ast.walk(ast.parse(path.read_text())))
    relative = {
        str(n.module or "").split(".")[-1]
        for n in nodes
        if isinstance(n, ast.ImportFrom) and n.level
    }
    relative |= {
        alias.name
        for n in nodes
        if isinstance(n, ast.ImportFrom) and n.level and not n.module
        for alias in n.names
    }
    absolute = {a.name.split(".")[0] for n in nodes
                if isinstance(n, ast.Import) for a in n.names}  # fmt: skip
    absolute |= {
        str(n.module).split(".")[0]
        for n in nodes
        if isinstance(n, ast.ImportFrom) and not n.level
    }
    return relative, absolute


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
def test_the_server_does_not_know_which_library_it_serves(
    project: tuple[str, str], generate: Generate
) -> None:
    package = generate(*project) / "src" / project[1]
    fence = package / FENCE
    paths = [*fence.glob("*.py"), *fence.glob("protocols/*.py")]
    assert any(p.parent.name == "protocols" for p in paths)
    for path in paths:
        relative, absolute = _imports(path)
        if path.stem in MODEL_SIDE:
            continue
        assert not absolute & LIBRARIES, path.name
        assert bool(relative & MODEL_SIDE) == (path.stem == "runtime"), path.name
        if path.stem not in SERVER_GLUE and path.stem not in ("main", "__init__"):
            assert not relative & SERVER_GLUE, path.name
    for name in OWNER_MODULES:
        relative, absolute = _imports(package / f"{name}.py")
        assert not absolute & LIBRARIES, name
        assert not relative & (MODEL_SIDE | {"runtime"}), name


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
def test_the_app_imports_no_model_library_until_the_model_loads(
    project: tuple[str, str], generate: Generate
) -> None:
    """A server that spawns its workers imports the app in its supervisor,
    which loads no model: the model's library is imported as the model
    loads (each worker imports it once, not the supervisor too)."""
    src = generate(*project) / "src"
    probe = (
        f"import sys; import {project[1]}.app; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {LIBRARIES!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout


@pytest.mark.parametrize("project", CHECKED, ids=ids(CHECKED))
def test_only_the_owner_module_of_the_runtime_reads_the_owners_modules(
    project: tuple[str, str], generate: Generate
) -> None:
    """The fence reaches `app.py`, `model.py` and `settings.py` through
    `mljet/owner.py` alone, so that their names are one fact."""
    fence = generate(*project) / "src" / project[1] / FENCE
    for path in [*fence.glob("*.py"), *fence.glob("protocols/*.py")]:
        nodes = ast.walk(ast.parse(path.read_text()))
        upward = [n for n in nodes if isinstance(n, ast.ImportFrom) and n.level >= 2]
        if path.parent.name == "protocols":
            upward = [n for n in upward if n.level >= 3]
        assert not upward or path.stem == "owner", path
