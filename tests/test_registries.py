"""One place for each fact: a family or a backend is named only in its own
files (and the places listed here), and every list beside a registry is
made from it or checked against it here."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest
import tomllib

from generator._model._families import FAMILIES
from generator._rendering._backends import BACKENDS
from generator._rendering._hooks import HOOKS

REPO = Path(__file__).resolve().parents[1]
# The product: what generates and what is generated. Tests, benchmarks, the
# demo and the docs site name the families and backends they exercise or
# describe.
SCANNED = ("generator", "hooks", "template", "copier.yml")
# Places a family or backend may be named besides its own files, and why.
LISTED = {
    # The families' package: each module knows its library, and the shared
    # helpers (`_boosting.py`, `_sklearn_inputs.py`, ...) the libraries they
    # serve; `__init__.py` names each in its registration line only.
    "generator/_model/_families/": "the families themselves",
    # A pickle names its modules: how pip spells the one that differs.
    "generator/_model/_loading.py": "an import name's pip name",
}
# The family named "python" is a word of every file: only where a family is.
AS_A_FAMILY_ONLY = {"python"}


def _design_paths(section: str) -> list[str]:
    """The files `docs/design.md` names for adding a family or a backend."""
    design = (REPO / "docs/design.md").read_text()
    listed = design.split(f"<!-- {section} -->")[1].split(f"<!-- /{section} -->")[0]
    return re.findall(r"`((?:generator|template)/[^`]+)`", listed)


def _own_files(name: str, kind: str) -> set[str]:
    """The files `docs/design.md` says a family or backend `name` adds."""
    paths = _design_paths("family files" if kind == "family" else "backend files")
    own = {
        path.replace("NAME", name)
        for path in paths
        if "NAME" in path and "model_family ==" not in path
    }
    if kind == "family":
        # One adapter per way the family stores a model (sklearn: skops,
        # pickle): every fence file rendered for the family is its own.
        fence = REPO / "template/src/{{package_name}}/mljet"
        own |= {
            str(path.relative_to(REPO))
            for path in fence.iterdir()
            if f"model_family == '{name}'" in path.name
        }
    if kind == "backend":
        own.add("template/backends.yml")
    return own


def _scanned_files() -> list[Path]:
    found = []
    for part in SCANNED:
        path = REPO / part
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [
            f
            for f in files
            if f.is_file()
            and "__pycache__" not in f.parts
            and "_bundled" not in f.parts
            and f.suffix not in (".bundle", ".pyc")
        ]
    return found


NAMED = [(f.name, "family") for f in FAMILIES] + [(b, "backend") for b in BACKENDS]


@pytest.mark.parametrize(("name", "kind"), NAMED, ids=[n for n, _ in NAMED])
def test_a_family_or_backend_is_named_only_in_its_own_files(
    name: str, kind: str
) -> None:
    own = _own_files(name, kind)
    for path in own:
        assert (REPO / path).exists(), f"docs/design.md names {path}, which is gone"
    pattern = (
        re.compile(rf"family\W{{1,6}}['\"]{name}['\"]")
        if name in AS_A_FAMILY_ONLY
        # A word of its own: not part of a distribution's hyphenated name
        # (Swagger UI's files come in `flask-swagger-ui`, for every backend).
        else re.compile(rf"(?<![\w-]){name}(?![\w-])", re.IGNORECASE)
    )
    strays = []
    for path in _scanned_files():
        relative = str(path.relative_to(REPO))
        if relative in own or any(relative.startswith(p) for p in LISTED):
            continue
        text = path.read_text(errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line) and not _registration(relative, line):
                strays.append(f"{relative}:{number}: {line.strip()}")
    assert not strays, "\n".join(strays)


def _registration(path: str, line: str) -> bool:
    """The one registration line of a family (its import and its entry)."""
    return path == "generator/_model/_families/__init__.py" and (
        line.startswith("from . import") or line.strip().endswith(".FAMILY,")
    )


def test_the_families_registration_is_one_entry_each() -> None:
    init = (REPO / "generator/_model/_families/__init__.py").read_text()
    for family in FAMILIES:
        assert init.count(f"{family.name}.FAMILY") == 1, family.name


def test_the_hooks_are_listed_as_they_run() -> None:
    names = [hook.name for hook in HOOKS]
    readme = (REPO / "hooks/README.md").read_text()
    table = readme.split("| hook | does | code |")[1].split("\n\n")[0]
    assert re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE) == names
    design = (REPO / "docs/design.md").read_text()
    listed = design.split("<!-- hooks -->")[1].split("<!-- /hooks -->")[0]
    assert re.findall(r"`(\w+)`", listed) == names


def _untyped(module: str) -> bool:
    """Whether mypy finds no type information for the installed `module`."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    folder = Path(spec.origin).parent
    stubs = importlib.util.find_spec(f"{module}-stubs") if "-" not in module else None
    return not (folder / "py.typed").is_file() and stubs is None


def _third_party_imports(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        if "_bundled" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_mypy_ignores_exactly_the_untyped_libraries_mljet_imports() -> None:
    """The mypy overrides in pyproject.toml, checked against the imports."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    ignored = {
        pattern.removesuffix(".*")
        for override in config["overrides"]
        if override.get("ignore_missing_imports")
        for pattern in override["module"]
    }
    imported = _third_party_imports(REPO / "generator") | _third_party_imports(
        REPO / "hooks"
    )
    local = {"generator", "_entry", "__future__"}
    untyped = {
        module
        for module in imported - local
        if module not in __import__("sys").stdlib_module_names
        # A library not installed here (a family fitted elsewhere) is as
        # unknown to mypy as an untyped one.
        and (importlib.util.find_spec(module) is None or _untyped(module))
    }
    assert ignored == untyped
