"""Reading a model file, with an error the user can act on for each failure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._errors import MljetError

# The pip package for modules whose name differs from it.
PIP_NAMES = {"sklearn": "scikit-learn", "yaml": "PyYAML", "PIL": "Pillow"}
JOBLIB_SUFFIXES = frozenset({".joblib", ".jl", ".z", ".gz", ".bz2", ".xz", ".lzma"})


@dataclass(frozen=True)
class LoadedModel:
    """A model object and the file it came from."""

    model: object
    path: Path
    serializer: str


def load_model_file(path: Path) -> LoadedModel:
    """Unpickle `path` with joblib (which also reads plain pickles)."""
    if not path.exists():
        raise MljetError(f"The model file {path} does not exist.")
    if not path.is_file():
        raise MljetError(f"{path} is not a file; give the path of a model file.")
    import joblib

    try:
        model = joblib.load(path)
    except ModuleNotFoundError as error:
        module = (error.name or "").split(".")[0]
        package = PIP_NAMES.get(module, module)
        raise MljetError(
            f"Loading {path} needs the Python module '{module}', which is not "
            f"installed in this environment. Install it (pip install {package}) "
            "at the version the model was trained with, then run again."
        ) from None
    except AttributeError as error:
        raise MljetError(
            f"Loading {path} failed: {error}. The model refers to a class or "
            "function that cannot be found; if it was defined in your training "
            "script (__main__), move it into an importable module."
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
