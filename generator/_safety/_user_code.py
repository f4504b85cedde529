"""The user's own code that a pickled model refers to.

A pickle names the classes and functions it was made of by module. Those
from an installed distribution are pinned in the service's requirements;
those from the user's own modules (or from the training script itself,
`__main__`) are not installable, so their source must ship in the service
(`--code PATH`), or generation stops and says how.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .._base._errors import MljetError
from ._pickle_scan import PickleScan, scan_model_file

MAIN = "__main__"


@dataclass(frozen=True)
class CodeModule:
    """A module of the user's, shipped in the service under its own name."""

    name: str
    path: Path

    def sources(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(self.path.rglob("*.py"))
        return [self.path]

    def ship(self, src: Path) -> None:
        """Copy the source into `src` as a package the pickle can import."""
        target = src / self.name
        if self.path.is_dir():
            shutil.copytree(
                self.path, target, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            target.mkdir()
            shutil.copyfile(self.path, target / "__init__.py")


def code_modules(paths: Sequence[str | os.PathLike[str]]) -> tuple[CodeModule, ...]:
    """Check the `--code` paths: Python files or package directories."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.suffix == ".py":
            name = path.stem
        elif path.is_dir() and (path / "__init__.py").is_file():
            name = path.name
        else:
            raise MljetError(
                f"--code {raw}: give a Python file (module.py) or a package "
                "directory (one with __init__.py)."
            )
        if not name.isidentifier():
            raise MljetError(f"--code {raw}: '{name}' is not a Python module name.")
        found.append(CodeModule(name, path.resolve()))
    return tuple(found)


def user_modules(scan: PickleScan) -> dict[str, list[str]]:
    """The user's own modules the pickle imports, each with the names it uses.

    A module is the user's when it is neither in the standard library nor
    provided by an installed distribution.
    """
    installed = importlib.metadata.packages_distributions()
    found: dict[str, list[str]] = {}
    for module, name in sorted(scan.globals):
        top = module.split(".")[0]
        if top == MAIN or (top not in sys.stdlib_module_names and top not in installed):
            found.setdefault(top, []).append(f"{module}.{name}")
    return found


def check_shipped(scan: PickleScan, shipped: Iterable[CodeModule], where: str) -> None:
    """Stop, saying how, when the pickle needs user code that is not shipped."""
    names = {module.name for module in shipped}
    for module, uses in user_modules(scan).items():
        if module == MAIN and names:
            continue  # relocated to the shipped modules: see `shipped_code_in_main`
        if module in names:
            continue
        listed = ", ".join(uses)
        if module == MAIN:
            raise MljetError(
                f"{where} uses {listed}, defined in the script that trained it "
                "(__main__), which the service cannot import. Put those "
                "definitions in a module file, e.g. model_code.py, and run again "
                "with --code model_code.py (cook(..., code=['model_code.py'])): "
                "MLJET ships that file in the service and points the model at it, "
                "without retraining."
            )
        raise MljetError(
            f"{where} uses {listed} from your own module '{module}', which is not "
            "an installed package, so the service could not import it. Run again "
            f"with --code path/to/{module}.py (or its package directory; "
            "cook(..., code=[...])) to ship its source in the service."
        )


@contextlib.contextmanager
def shipped_code_in_main(shipped: Sequence[CodeModule]) -> Iterator[None]:
    """Resolve `__main__.X` to the shipped module defining X, while unpickling.

    The shipped modules' names are bound in `__main__` for the duration, so
    a model pickled from a training script loads with the shipped classes,
    and pickling it again refers to them by their module's name.
    """
    main = sys.modules[MAIN]
    saved = dict(vars(main))
    try:
        for module in map(_imported, shipped):
            for name, value in vars(module).items():
                if not name.startswith("__"):
                    setattr(main, name, value)
        yield
    finally:
        for name in [n for n in vars(main) if n not in saved]:
            delattr(main, name)
        for name, value in saved.items():
            setattr(main, name, value)


def _imported(code: CodeModule) -> ModuleType:
    """The module, imported under its own name (the name pickles refer to)."""
    if code.name in sys.modules:
        return sys.modules[code.name]
    location = code.path / "__init__.py" if code.path.is_dir() else code.path
    spec = importlib.util.spec_from_file_location(
        code.name,
        location,
        submodule_search_locations=[str(code.path)] if code.path.is_dir() else None,
    )
    if spec is None or spec.loader is None:
        raise MljetError(f"--code {code.path}: Python cannot import it.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[code.name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[code.name]
        raise MljetError(
            f"--code {code.path}: importing it failed ({type(error).__name__}: "
            f"{error})."
        ) from None
    return module


def settle_user_code(
    path: Path, shipped: Sequence[CodeModule]
) -> tuple[PickleScan, tuple[CodeModule, ...]]:
    """Make the stored pickle importable by the service; return what it needs.

    Names from `__main__` are pickled again as the shipped modules' own, so
    the service finds them; generation stops if user code is missing. The
    result is the final file's scan and the shipped modules it uses.
    """
    scan = scan_model_file(path)
    check_shipped(scan, shipped, "The model")
    if MAIN in user_modules(scan):
        import joblib

        with shipped_code_in_main(shipped):
            model = joblib.load(path)
        joblib.dump(model, path)
        scan = scan_model_file(path)
        missing = user_modules(scan).get(MAIN)
        if missing:
            names = ", ".join(code.path.name for code in shipped)
            raise MljetError(
                f"The model uses {', '.join(missing)}, which none of the --code "
                f"modules ({names}) defines."
            )
    used = user_modules(scan)
    return scan, tuple(code for code in shipped if code.name in used)
