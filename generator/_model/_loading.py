"""Reading a model file, with an error the user can act on for each failure.

A pickle is scanned before it is unpickled (`_pickle_scan`): a file that
would import something able to run commands is refused unless the user
trusts it, and the modules it names are checked to be installed first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._base._errors import MljetError
from .._safety._pickle_scan import PickleScan, scan_model_file
from .._safety._user_code import CodeModule, check_shipped, shipped_code_in_main
from ._families import FAMILIES, ModelFamily, family_for_file

# The pip package for modules whose name differs from it.
PIP_NAMES = {"sklearn": "scikit-learn", "yaml": "PyYAML", "PIL": "Pillow"}
JOBLIB_SUFFIXES = frozenset({".joblib", ".jl", ".z", ".gz", ".bz2", ".xz", ".lzma"})


@dataclass(frozen=True)
class LoadedModel:
    """A model object and the file it came from."""

    model: object
    path: Path
    serializer: str


def load_model_file(
    path: Path, trust: bool = False, code: Sequence[CodeModule] = ()
) -> LoadedModel:
    """Read a library's own model file, or unpickle `path` with joblib.

    The file is scanned first; unless `trust`, one that would import code
    able to run commands is refused without being unpickled, and one that
    needs the user's own modules is refused unless `code` ships them.
    """
    if not path.exists():
        raise MljetError(f"The model file {path} does not exist.")
    if not path.is_file():
        raise MljetError(f"{path} is not a file; give the path of a model file.")
    if path.stat().st_size == 0:
        raise MljetError(
            f"The model file {path} is empty (0 bytes): it holds no model. Save "
            "the model again (joblib.dump(model, 'model.joblib')) and give that "
            "file."
        )
    family = family_for_file(path)
    if family is not None:
        return LoadedModel(_load_native(path, family), path, f"{family.name} native")
    scan = _scan(path, trust)
    # A library that is missing first: the user's own code, once importable.
    _check_importable(path, scan, {module.name for module in code})
    check_shipped(scan, code, str(path))
    import joblib

    try:
        with shipped_code_in_main(code):
            model = joblib.load(path)
    except ModuleNotFoundError as error:
        raise _missing_module(path, (error.name or "").split(".")[0]) from None
    except AttributeError as error:
        raise MljetError(
            f"Loading {path} failed: {error}. The model refers to a class or "
            "function that cannot be found: if it is defined in your own code, "
            "give that module with --code PATH."
        ) from None
    except Exception as error:
        # Unpickling garbage fails in many ways (UnpicklingError, EOFError,
        # IndexError, ...): all of them mean the same to the user.
        raise MljetError(
            f"{path} is not a model file that joblib or pickle can read "
            f"({type(error).__name__}: {error}). Save the model with "
            "joblib.dump(model, 'model.joblib') or pickle.dump."
        ) from None
    serializer = "joblib" if path.suffix.lower() in JOBLIB_SUFFIXES else "pickle"
    return LoadedModel(model, path, serializer)


def _load_native(path: Path, family: ModelFamily) -> object:
    """A library's own model file: no pickle, so nothing to scan."""
    try:
        return family.load_file(path)
    except ModuleNotFoundError as error:
        module = (error.name or family.name).split(".")[0]
        raise _missing_module(path, module, pickled=False) from None


def _scan(path: Path, trust: bool) -> PickleScan:
    try:
        scan = scan_model_file(path)
    except MljetError as error:
        if trust:
            return PickleScan(frozenset())
        raise MljetError(
            f"{path} is not a model file that joblib or pickle can read "
            f"({error}). Save the model with joblib.dump(model, "
            "'model.joblib') or pickle.dump."
        ) from None
    if scan.dangerous and not trust:
        caveats = [f.pickle_caveat for f in FAMILIES if f.library in scan.modules]
        needed = next(filter(None, caveats), "a model does not need them")
        raise MljetError(
            f"Refusing to load {path}: unpickling it would import "
            f"{', '.join(scan.dangerous)}, which can run commands on this "
            f"machine, and {needed}. Nothing was loaded. If you made this file "
            "yourself or trust its source, run again with --trust "
            "(cook(..., trust=True))."
        )
    return scan


def _check_importable(path: Path, scan: PickleScan, shipped: set[str]) -> None:
    """Name a missing library before unpickling, not halfway through it."""
    import importlib.util

    for module in sorted(scan.modules - {"__main__"} - shipped):
        if importlib.util.find_spec(module) is None:
            raise _missing_module(path, module)


def _missing_module(path: Path, module: str, pickled: bool = True) -> MljetError:
    package = PIP_NAMES.get(module, module)
    # A pickle may name the user's own module as well as a library.
    own_code = (
        f" If it is your own code rather than a library, give it with --code "
        f"path/to/{module}.py."
        if pickled
        else ""
    )
    return MljetError(
        f"Loading {path} needs the Python module '{module}', which is not "
        f"installed in this environment. Install it (pip install {package}) at "
        f"the version the model was trained with, then run again.{own_code}"
    )
